//! The numbers that must not change (ARCHITECTURE.md): the lecture's run
//! `mlp train --epochs 2 --seed 3` on the real MNIST saves tensor data with the SHA-256
//! `7058419d…d077` on the small-kernel paths (AVX-512, and AVX2 + FMA, which sum in the same
//! order), with one thread or two.

mod common;

use common::{mlp_with_env, real_mnist, stderr};

const LECTURE_SHA256: &str = "7058419d2f54346f406aa23c1a8f98550c5e8b76303d9d1818c70856c3b6d077";

fn data_sha256(path: &std::path::Path) -> String {
    let bytes = std::fs::read(path).unwrap();
    let n = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let header: serde_json::Value = serde_json::from_slice(&bytes[8..8 + n]).unwrap();
    header["__metadata__"]["data_sha256"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
#[cfg(target_arch = "x86_64")]
fn the_lectures_run_keeps_its_bits_on_every_small_kernel_path() {
    let data = real_mnist();
    let dir = tempfile::tempdir().unwrap();
    let mut paths = vec![];
    if std::arch::is_x86_feature_detected!("avx512f") {
        paths.push("avx512");
    }
    if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
        paths.push("avx2");
    }
    assert!(!paths.is_empty(), "this CPU has no small-kernel path to check");
    for kernel in paths {
        for threads in ["1", "2"] {
            let model = dir.path().join(format!("{kernel}-{threads}.st"));
            let args = [
                "--threads",
                threads,
                "train",
                "--data-dir",
                data.to_str().unwrap(),
                "--epochs",
                "2",
                "--seed",
                "3",
                "-qq",
                "--save",
                model.to_str().unwrap(),
            ];
            let o = mlp_with_env(&args, &[("MLP_KERNEL", kernel)]);
            assert!(o.status.success(), "{}", stderr(&o));
            assert_eq!(
                data_sha256(&model),
                LECTURE_SHA256,
                "MLP_KERNEL={kernel}, --threads {threads}"
            );
        }
    }
}
