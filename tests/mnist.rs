//! End to end on the real MNIST (`MLP_DATA_DIR`, else `../shared/data/mnist`): the lecture's
//! network reaches 95 %, runs are reproducible from their seed, saved models evaluate the same.

mod common;

use common::*;
use serde_json::Value;

#[test]
fn lecture_network_reaches_95_percent() {
    let data = real_mnist();
    let tmp = tempfile::tempdir().unwrap();
    let history = tmp.path().join("history.json");
    let model = tmp.path().join("model.safetensors");
    // The defaults are the lecture's: 784-30-10, sigmoid, quadratic cost, eta 3, mini-batch 10, 30 epochs.
    let o = mlp(&[
        "train",
        "--data-dir",
        data.to_str().unwrap(),
        "--quiet",
        "--history",
        history.to_str().unwrap(),
        "--save",
        model.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let h: Value = serde_json::from_slice(&std::fs::read(&history).unwrap()).unwrap();
    let accuracies: Vec<f64> = h["epochs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["test_accuracy"].as_f64().unwrap())
        .collect();
    assert_eq!(accuracies.len(), 30);
    let best = accuracies.iter().cloned().fold(0.0, f64::max);
    assert!(
        best >= 0.95,
        "best test accuracy {best} < 0.95; per epoch: {accuracies:?}"
    );
    assert!(accuracies[0] > 0.85, "first epoch {}", accuracies[0]);

    let e = mlp(&[
        "eval",
        model.to_str().unwrap(),
        "--data-dir",
        data.to_str().unwrap(),
        "--json",
    ]);
    assert!(e.status.success(), "{}", stderr(&e));
    let v: Value = serde_json::from_str(&stdout(&e)).unwrap();
    assert_eq!(
        v["accuracy"].as_f64().unwrap(),
        accuracies[29],
        "saved model = last epoch"
    );
    let confusion: Vec<Vec<u64>> = serde_json::from_value(v["confusion"].clone()).unwrap();
    // Rows are the true digits: their sums are the test set's label counts.
    let row_sums: Vec<u64> = confusion.iter().map(|r| r.iter().sum()).collect();
    assert_eq!(
        row_sums,
        vec![980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    );
}

#[test]
fn same_seed_same_model_bytes_other_seed_differs() {
    let data = real_mnist();
    let tmp = tempfile::tempdir().unwrap();
    let run = |seed: &str, name: &str, threads: &str| {
        let path = tmp.path().join(name);
        let o = mlp(&[
            "train",
            "--data-dir",
            data.to_str().unwrap(),
            "--epochs",
            "1",
            "--quiet",
            "--seed",
            seed,
            "--threads",
            threads,
            "--save",
            path.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        std::fs::read(path).unwrap()
    };
    let a = run("7", "a", "2");
    let b = run("7", "b", "2");
    let c = run("8", "c", "2");
    assert!(a == b, "same seed gave different model files");
    assert!(a != c, "different seeds gave the same model file");
    // Two cores (the first layer split between threads) and one train the same network.
    let one = run("7", "one", "1");
    assert!(a == one, "--threads 1 and 2 gave different model files");
}

#[test]
fn the_real_copy_verifies() {
    let o = mlp(&["data", "verify", real_mnist().to_str().unwrap()]);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    assert_eq!(stdout(&o).matches("OK ").count(), 4);
}
