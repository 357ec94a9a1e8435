//! Helpers shared by the integration tests: running the real binary, making small MNIST-shaped
//! data sets, finding the real MNIST.
#![allow(dead_code)]

pub mod http;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The options of a modern classifier: ReLU hidden layers, softmax outputs, log-likelihood
/// cost, He initialisation.
pub const RELU_SOFTMAX: [&str; 8] = [
    "--activation",
    "relu",
    "--output",
    "softmax",
    "--cost",
    "log-likelihood",
    "--init",
    "he",
];

/// Runs `mlp` with `args` and no `MLP_DATA_DIR` from the environment (tests pass it explicitly).
pub fn mlp(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mlp"))
        .args(args)
        .env_remove("MLP_DATA_DIR")
        .output()
        .expect("run mlp")
}

/// [`mlp`] with these environment variables set.
pub fn mlp_with_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mlp"))
        .args(args)
        .env_remove("MLP_DATA_DIR")
        .envs(env.iter().copied())
        .output()
        .expect("run mlp")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Asserts that `mlp args` fails cleanly (non-zero exit, no panic) with every one of `needles`
/// in its error output; returns that output.
pub fn fails_with(args: &[&str], needles: &[&str]) -> String {
    let o = mlp(args);
    let err = stderr(&o);
    assert!(!o.status.success(), "mlp {args:?} succeeded; stderr: {err}");
    assert!(!err.contains("panicked"), "mlp {args:?} panicked: {err}");
    for n in needles {
        assert!(
            err.contains(n),
            "mlp {args:?}: expected {n:?} in the error, got: {err}"
        );
    }
    err
}

/// The real MNIST: `MLP_DATA_DIR`, else `../shared/data/mnist` beside the project.
pub fn real_mnist() -> PathBuf {
    let dir = std::env::var_os("MLP_DATA_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/mnist"));
    assert!(
        dir.join("train-images-idx3-ubyte.gz").is_file() || dir.join("train-images-idx3-ubyte").is_file(),
        "real MNIST not found in {}: set MLP_DATA_DIR",
        dir.display()
    );
    dir
}

pub fn idx_bytes(dims: &[u32], data: &[u8]) -> Vec<u8> {
    let mut out = vec![0, 0, 8, dims.len() as u8];
    for d in dims {
        out.extend_from_slice(&d.to_be_bytes());
    }
    out.extend_from_slice(data);
    out
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

/// A directory with the four MNIST files (gzipped), `n_train` and `n_test` 28×28 images with
/// labels cycling through 0–9.
pub fn small_mnist(dir: &Path, n_train: u32, n_test: u32) {
    for (images, labels, n) in [
        ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", n_train),
        ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", n_test),
    ] {
        let pixels: Vec<u8> = (0..n * 784).map(|i| (i * 37 % 256) as u8).collect();
        let label_values: Vec<u8> = (0..n).map(|i| (i % 10) as u8).collect();
        std::fs::write(
            dir.join(format!("{images}.gz")),
            gzip(&idx_bytes(&[n, 28, 28], &pixels)),
        )
        .unwrap();
        std::fs::write(
            dir.join(format!("{labels}.gz")),
            gzip(&idx_bytes(&[n], &label_values)),
        )
        .unwrap();
    }
}
