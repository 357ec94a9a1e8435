//! Files written before the one-training-engine change (format version 1, the run described by
//! strings) still load, predict and resume. `tests/data/v1/` holds files made by the binary of
//! commit 9f9ec5b (see tests/data/v1/README.md); these tests run today's binary on them.

mod common;

use common::{fails_with, mlp, real_mnist, stderr, stdout};
use std::path::{Path, PathBuf};

fn v1(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/v1")
        .join(name)
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The `data_sha256` recorded in a model or checkpoint file's safetensors header.
fn data_sha256(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap();
    let n = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let header: serde_json::Value = serde_json::from_slice(&bytes[8..8 + n]).unwrap();
    header["__metadata__"]["data_sha256"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The percentage in `mlp eval`'s "Test accuracy: 8762/10000 (87.62%)" line.
fn test_accuracy(out: &str) -> f64 {
    let line = out
        .lines()
        .find(|l| l.starts_with("Test accuracy"))
        .unwrap_or_else(|| panic!("no accuracy line in {out}"));
    let pct = line.rsplit('(').next().unwrap().trim_end_matches("%)");
    pct.parse().unwrap()
}

/// 87.62 % when the old binary evaluated it (tests/data/v1/README.md).
const OLD_ACCURACY: f64 = 87.62;

#[test]
fn an_old_model_evaluates_as_it_did() {
    let data = real_mnist();
    let o = mlp(&["eval", s(&v1("adam-e2.st")), "--data-dir", s(&data)]);
    assert!(o.status.success(), "{}", stderr(&o));
    // Another kernel path sums in another order; a rounding can flip a borderline image or two.
    let acc = test_accuracy(&stdout(&o));
    assert!(
        (acc - OLD_ACCURACY).abs() <= 0.05,
        "accuracy {acc} %, was {OLD_ACCURACY} %"
    );
}

#[test]
fn an_old_checkpoint_resumes_to_the_old_binarys_model() {
    let data = real_mnist();
    let dir = tempfile::tempdir().unwrap();
    let ck = dir.path().join("ck.st");
    std::fs::copy(v1("adam-ck-e1.st"), &ck).unwrap();
    let out = dir.path().join("e2.st");
    let o = mlp(&[
        "train",
        "--data-dir",
        s(&data),
        "--resume",
        s(&ck),
        "--epochs",
        "2",
        "--save",
        s(&out),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let header = stdout(&o);
    if header.contains("kernels: AVX-512") {
        // The files were made on the AVX-512 path: the same kernels give the same bits.
        assert_eq!(data_sha256(&out), data_sha256(&v1("adam-e2.st")), "{header}");
    }
    let e = mlp(&["eval", s(&out), "--data-dir", s(&data)]);
    let acc = test_accuracy(&stdout(&e));
    assert!(
        (acc - OLD_ACCURACY).abs() <= 1.0,
        "accuracy {acc} %, was {OLD_ACCURACY} %"
    );
}

#[test]
fn an_old_checkpoints_run_description_is_read_field_by_field() {
    let data = real_mnist();
    let dir = tempfile::tempdir().unwrap();
    let ck = dir.path().join("ck.st");
    std::fs::copy(v1("adam-ck-e1.st"), &ck).unwrap();
    fails_with(
        &[
            "train",
            "--data-dir",
            s(&data),
            "--resume",
            s(&ck),
            "--batch-size",
            "64",
        ],
        &["--batch-size 64", "32"],
    );
}

#[test]
fn an_old_regression_model_predicts_what_it_predicted() {
    let o = mlp(&["predict", s(&v1("houses.st")), s(&v1("houses.csv"))]);
    assert!(o.status.success(), "{}", stderr(&o));
    let old = std::fs::read_to_string(v1("houses-predictions.txt")).unwrap();
    let new = stdout(&o);
    let value = |l: &str| -> f64 { l.rsplit(' ').next().unwrap().parse().unwrap() };
    assert_eq!(new.lines().count(), old.lines().count());
    for (n, o) in new.lines().zip(old.lines()) {
        assert!((value(n) - value(o)).abs() <= 2e-6, "now {n:?}, was {o:?}");
    }
}
