//! The README's distorted-digits run is real: its committed history
//! (`results/mnist-augment-60min.json`), rerun for one epoch by the same command, gives the
//! same first epoch. Real MNIST, through the binary.

mod common;
use common::*;
use serde_json::Value;

/// The README's command, without `--epochs` and the files it writes.
const COMMAND: [&str; 27] = [
    "train",
    "--layers",
    "784,1000,500,10",
    "--activation",
    "relu",
    "--output",
    "softmax",
    "--cost",
    "log-likelihood",
    "--init",
    "he",
    "--optimizer",
    "nesterov",
    "--eta",
    "0.04",
    "--momentum",
    "0.9",
    "--batch-size",
    "128",
    "--lr-schedule",
    "step:1:0.988",
    "--augment",
    "--validation-split",
    "0.1",
    "--seed",
    "0",
    "-qq",
];

#[test]
fn the_first_epoch_of_the_committed_distorted_run_repeats() {
    let recorded: Value = serde_json::from_slice(
        &std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/results/mnist-augment-60min.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let history = dir.path().join("h.json");
    let data = real_mnist();
    let args = [
        &COMMAND[..],
        &[
            "--epochs",
            "1",
            "--data-dir",
            data.to_str().unwrap(),
            "--history",
            history.to_str().unwrap(),
        ],
    ]
    .concat();
    let o = mlp(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    let h: Value = serde_json::from_slice(&std::fs::read(&history).unwrap()).unwrap();
    // The same run: every option but the number of epochs as recorded.
    let (mut ours, mut theirs) = (h["config"].clone(), recorded["config"].clone());
    ours["epochs"] = Value::Null;
    theirs["epochs"] = Value::Null;
    assert_eq!(ours, theirs);
    let (now, then) = (&h["epochs"][0], &recorded["epochs"][0]);
    let number = |e: &Value, k: &str| e[k].as_f64().unwrap();
    let same = now["test_correct"] == then["test_correct"] && now["train_cost"] == then["train_cost"];
    eprintln!(
        "epoch 1: cost {} (recorded {}), test {} (recorded {}); {} (kernels {}, recorded on {})",
        now["train_cost"],
        then["train_cost"],
        now["test_correct"],
        then["test_correct"],
        if same { "the same bits" } else { "not bit for bit" },
        h["kernels"],
        recorded["kernels"]
    );
    // The run's own bits come back on the machine and kernel path that made it; elsewhere the
    // matrix products may sum in another order (block sizes follow the caches), so the
    // numbers agree closely rather than exactly.
    assert!(
        (number(now, "test_accuracy") - number(then, "test_accuracy")).abs() <= 0.003,
        "{now} vs {then}"
    );
    assert!(
        (number(now, "train_cost") / number(then, "train_cost") - 1.0).abs() <= 0.01,
        "{now} vs {then}"
    );
}
