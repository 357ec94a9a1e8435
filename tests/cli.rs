//! The binary's contract: gates, gradcheck, help, and a clear error (never a panic) for every
//! kind of bad input. These tests make their own small data; none needs the real MNIST.

mod common;

use common::*;
use serde_json::Value;
use std::path::Path;

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn gates_json_are_the_truth_tables() {
    let o = mlp(&["gates", "--json"]);
    assert!(o.status.success());
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let table = |name: &str| -> Vec<Vec<u64>> { serde_json::from_value(v[name].clone()).unwrap() };
    for (name, f) in [
        ("NAND", (|a, b| 1 - (a & b)) as fn(u64, u64) -> u64),
        ("AND", |a, b| a & b),
        ("OR", |a, b| a | b),
        ("XOR", |a, b| a ^ b),
    ] {
        let t = table(name);
        assert_eq!(t.len(), 4, "{name}");
        for row in t {
            assert_eq!(row[2], f(row[0], row[1]), "{name} {row:?}");
        }
    }
    let ha = table("half_adder");
    assert_eq!(ha.len(), 4);
    for row in ha {
        // sum + 2·carry is the binary sum of the inputs
        assert_eq!(row[2] + 2 * row[3], row[0] + row[1], "{row:?}");
    }
    let text = stdout(&mlp(&["gates"]));
    assert!(text.contains("w = [-2, -2], b = 3"), "{text}");
}

#[test]
fn gradcheck_json_is_below_1e_6() {
    let o = mlp(&["gradcheck", "--layers", "6,5,4", "--seed", "2", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let err = v["max_relative_error"].as_f64().unwrap();
    assert!(err < 1e-6, "{err}");
    assert!(v["numerical_seconds"].as_f64().unwrap() > 0.0);
    assert!(v["backprop_seconds"].as_f64().unwrap() > 0.0);
}

#[test]
fn help_documents_every_option_with_its_default() {
    let h = stdout(&mlp(&["train", "--help"]));
    for needle in [
        "--data-dir",
        "MLP_DATA_DIR",
        "[default: 784,30,10]",
        "[default: 30]",
        "[default: 10]",
        "[default: 3 for sgd",
        "--seed",
        "--save",
        "--history",
        "--quiet",
    ] {
        assert!(h.contains(needle), "train --help lacks {needle}:\n{h}");
    }
    for cmd in ["gates", "eval", "gradcheck"] {
        let o = mlp(&[cmd, "--help"]);
        assert!(o.status.success() && stdout(&o).contains("--json"), "{cmd}");
    }
    assert!(stdout(&mlp(&["--help"])).contains("gradcheck"));
}

#[test]
fn trains_on_a_small_data_set_and_writes_its_files() {
    let tmp = tempfile::tempdir().unwrap();
    small_mnist(tmp.path(), 50, 20);
    let model = tmp.path().join("m.safetensors");
    let history = tmp.path().join("h.json");
    let o = mlp(&[
        "train",
        "--data-dir",
        s(tmp.path()),
        "--epochs",
        "2",
        "--save",
        s(&model),
        "--history",
        s(&history),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("Epoch   2: cost"), "{out}");
    assert!(out.contains("/20 ("), "accuracy as correct/total: {out}");
    assert!(
        stderr(&o).is_empty(),
        "no progress bar when stderr is not a terminal: {}",
        stderr(&o)
    );
    let h: Value = serde_json::from_slice(&std::fs::read(&history).unwrap()).unwrap();
    let epochs = h["epochs"].as_array().unwrap();
    assert_eq!(epochs.len(), 2);
    for (i, e) in epochs.iter().enumerate() {
        assert_eq!(e["epoch"].as_u64(), Some(i as u64 + 1));
        assert!(e["train_cost"].as_f64().unwrap() > 0.0);
        let acc = e["test_accuracy"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&acc));
        assert!(e["seconds"].as_f64().unwrap() >= 0.0);
    }
    let e = mlp(&["eval", s(&model), "--data-dir", s(tmp.path()), "--json"]);
    assert!(e.status.success(), "{}", stderr(&e));
    let v: Value = serde_json::from_str(&stdout(&e)).unwrap();
    let confusion: Vec<Vec<u64>> = serde_json::from_value(v["confusion"].clone()).unwrap();
    assert_eq!(confusion.len(), 10);
    assert_eq!(confusion.iter().flatten().sum::<u64>(), 20);
    let last = epochs[1]["test_accuracy"].as_f64().unwrap();
    assert_eq!(
        v["accuracy"].as_f64().unwrap(),
        last,
        "eval agrees with the last epoch"
    );

    let quiet = mlp(&["train", "--data-dir", s(tmp.path()), "--epochs", "1", "--quiet"]);
    assert!(quiet.status.success());
    assert_eq!(stdout(&quiet), "");
}

#[test]
fn data_directory_errors_name_the_path() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("nowhere");
    fails_with(
        &["train", "--data-dir", s(&missing)],
        &[s(&missing), "not found", "--data-dir"],
    );
    fails_with(&["train"], &["--data-dir", "MLP_DATA_DIR"]);

    small_mnist(tmp.path(), 20, 10);
    std::fs::remove_file(tmp.path().join("t10k-labels-idx1-ubyte.gz")).unwrap();
    fails_with(
        &["train", "--data-dir", s(tmp.path())],
        &["t10k-labels-idx1-ubyte", "not found"],
    );
}

/// Replaces one of the four files of a fresh small MNIST by `bytes` (raw, not gzipped).
fn with_bad_file(name: &str, bytes: &[u8]) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    small_mnist(tmp.path(), 20, 10);
    std::fs::remove_file(tmp.path().join(format!("{name}.gz"))).unwrap();
    std::fs::write(tmp.path().join(name), bytes).unwrap();
    tmp
}

#[test]
fn bad_idx_files_are_named_with_position_and_expectation() {
    let images = |n: u32| idx_bytes(&[n, 28, 28], &vec![0; n as usize * 784]);

    let mut bad_magic = images(20);
    bad_magic[0] = 0x50;
    let t = with_bad_file("train-images-idx3-ubyte", &bad_magic);
    fails_with(
        &["train", "--data-dir", s(t.path())],
        &[
            "train-images-idx3-ubyte",
            "at byte 0",
            "expected an IDX magic number",
        ],
    );

    let full = images(20);
    let t = with_bad_file("train-images-idx3-ubyte", &full[..full.len() - 100]);
    fails_with(
        &["train", "--data-dir", s(t.path())],
        &["train-images-idx3-ubyte", "truncated", "need 15680 bytes"],
    );

    let t = with_bad_file("train-images-idx3-ubyte", &images(19));
    fails_with(&["train", "--data-dir", s(t.path())], &["19 images", "20 labels"]);

    let t = with_bad_file(
        "t10k-labels-idx1-ubyte",
        &idx_bytes(&[10], &[0, 1, 2, 12, 4, 5, 6, 7, 8, 9]),
    );
    fails_with(
        &["train", "--data-dir", s(t.path())],
        &[
            "t10k-labels-idx1-ubyte",
            "at byte 11",
            "label 12 of sample 3",
            "expected a digit 0–9",
        ],
    );
}

#[test]
fn bad_options_are_rejected() {
    let tmp = tempfile::tempdir().unwrap();
    small_mnist(tmp.path(), 20, 10);
    let d = s(tmp.path());
    fails_with(
        &["train", "--data-dir", d, "--layers", "100,30,10"],
        &["100 inputs", "784"],
    );
    fails_with(
        &["train", "--data-dir", d, "--layers", "784,30,5"],
        &["5 neurons", "10 classes"],
    );
    fails_with(
        &["train", "--data-dir", d, "--layers", "784"],
        &["at least two layers"],
    );
    fails_with(
        &["train", "--data-dir", d, "--layers", "784,x,10"],
        &["784,30,10"],
    );
    fails_with(
        &["train", "--data-dir", d, "--layers", "784,0,10"],
        &["no neurons"],
    );
    fails_with(&["train", "--data-dir", d, "--eta", "0"], &["--eta", "positive"]);
    fails_with(&["train", "--data-dir", d, "--eta", "-1"], &["--eta"]);
    fails_with(
        &["train", "--data-dir", d, "--eta", "nan"],
        &["--eta", "positive"],
    );
    fails_with(
        &["train", "--data-dir", d, "--batch-size", "0"],
        &["--batch-size", "0"],
    );
    fails_with(&["train", "--data-dir", d, "--epochs", "0"], &["--epochs", "0"]);
    fails_with(&["train", "--data-dir", d, "--threads", "0"], &["--threads", "0"]);
    fails_with(&["gradcheck", "--layers", "3"], &["at least two layers"]);
}

#[test]
fn bad_model_files_are_rejected() {
    let tmp = tempfile::tempdir().unwrap();
    small_mnist(tmp.path(), 20, 10);
    let d = s(tmp.path());
    let missing = tmp.path().join("missing.safetensors");
    fails_with(
        &["eval", s(&missing), "--data-dir", d],
        &["missing.safetensors", "No such file"],
    );

    let garbage = tmp.path().join("garbage.safetensors");
    std::fs::write(&garbage, b"this is not a model").unwrap();
    fails_with(
        &["eval", s(&garbage), "--data-dir", d],
        &["garbage.safetensors", "not a valid mlp model"],
    );

    let model = tmp.path().join("m.safetensors");
    assert!(
        mlp(&[
            "train",
            "--data-dir",
            d,
            "--epochs",
            "1",
            "--quiet",
            "--save",
            s(&model)
        ])
        .status
        .success()
    );
    let bytes = std::fs::read(&model).unwrap();

    let cut = tmp.path().join("cut.safetensors");
    std::fs::write(&cut, &bytes[..bytes.len() - 7]).unwrap();
    fails_with(
        &["eval", s(&cut), "--data-dir", d],
        &["cut.safetensors", "not a valid mlp model"],
    );

    let flipped = tmp.path().join("flipped.safetensors");
    let mut b = bytes.clone();
    let n = b.len();
    b[n - 3] ^= 0x10;
    std::fs::write(&flipped, &b).unwrap();
    fails_with(
        &["eval", s(&flipped), "--data-dir", d],
        &["flipped.safetensors", "checksum"],
    );

    // A model whose input layer does not fit the data.
    let other = tmp.path().join("other");
    std::fs::create_dir(&other).unwrap();
    for (images, labels) in [
        ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
        ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
    ] {
        std::fs::write(other.join(images), idx_bytes(&[10, 5, 5], &[3; 250])).unwrap();
        std::fs::write(other.join(labels), idx_bytes(&[10], &[1; 10])).unwrap();
    }
    fails_with(
        &["eval", s(&model), "--data-dir", s(&other)],
        &["784 inputs", "25 features"],
    );
}

#[test]
fn autoencoder_trains_and_draws_its_reconstructions() {
    let tmp = tempfile::tempdir().unwrap();
    small_mnist(tmp.path(), 60, 20);
    let d = s(tmp.path());
    let model = tmp.path().join("ae.safetensors");
    let o = mlp(&[
        "train",
        "--data-dir",
        d,
        "--autoencoder",
        "--epochs",
        "2",
        "--optimizer",
        "adam",
        "--eta",
        "0.01",
        "--save",
        s(&model),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("784-15-784") && stdout(&o).contains("reconstruction error"),
        "{}",
        stdout(&o)
    );
    let (png, csv) = (tmp.path().join("grid.png"), tmp.path().join("codes.csv"));
    let o = mlp(&[
        "autoencode",
        s(&model),
        "--data-dir",
        d,
        "-o",
        s(&png),
        "--count",
        "5",
        "--codes",
        s(&csv),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(std::fs::read(&png).unwrap().starts_with(b"\x89PNG"));
    let codes = std::fs::read_to_string(&csv).unwrap();
    assert_eq!(codes.lines().count(), 21, "a header and one row per test image");
    assert_eq!(codes.lines().next().unwrap().split(',').count(), 15);
    // A classifier is not an autoencoder.
    let classifier = tmp.path().join("c.safetensors");
    assert!(
        mlp(&[
            "train",
            "--data-dir",
            d,
            "--epochs",
            "1",
            "--quiet",
            "--save",
            s(&classifier)
        ])
        .status
        .success()
    );
    fails_with(
        &["autoencode", s(&classifier), "--data-dir", d, "-o", s(&png)],
        &["10 neurons", "784"],
    );
}

#[test]
fn beyond_the_lecture_options_are_checked() {
    let tmp = tempfile::tempdir().unwrap();
    small_mnist(tmp.path(), 40, 10);
    let d = s(tmp.path());
    fails_with(
        &["train", "--data-dir", d, "--cost", "log-likelihood"],
        &["softmax", "--output softmax"],
    );
    fails_with(
        &[
            "train",
            "--data-dir",
            d,
            "--activation",
            "softmax",
            "--layers",
            "784,30,10",
        ],
        &["output layer only"],
    );
    fails_with(
        &["train", "--data-dir", d, "--activation", "relu6"],
        &["leaky-relu"],
    );
    fails_with(&["train", "--data-dir", d, "--optimizer", "rmsprop"], &["adam"]);
    fails_with(
        &["train", "--data-dir", d, "--dropout", "1.5"],
        &["dropout", "[0, 1)"],
    );
    fails_with(
        &["train", "--data-dir", d, "--lr-schedule", "cosine"],
        &["step:EPOCHS:FACTOR"],
    );
    fails_with(
        &["train", "--data-dir", d, "--validation-split", "1"],
        &["--validation-split"],
    );
    let history = tmp.path().join("h.json");
    let args = [
        "train",
        "--data-dir",
        d,
        "--epochs",
        "3",
        "--layers",
        "784,20,10",
        "--optimizer",
        "nesterov",
        "--eta",
        "0.05",
        "--l2",
        "0.1",
        "--dropout",
        "0.2",
        "--lr-schedule",
        "step:1:0.5",
        "--validation-split",
        "0.25",
        "--early-stopping",
        "5",
        "--history",
        s(&history),
        "--quiet",
    ];
    let o = mlp(&[&args[..], &RELU_SOFTMAX[..]].concat());
    assert!(o.status.success(), "{}", stderr(&o));
    let h: Value = serde_json::from_slice(&std::fs::read(&history).unwrap()).unwrap();
    assert_eq!(h["config"]["optimizer"], "nesterov");
    assert_eq!(h["config"]["hidden"], "relu");
    // The kernel path, as `mlp train` prints it.
    let kernels = h["kernels"].as_str().unwrap();
    assert!(kernels.contains("gemm") || kernels.contains("AVX"), "{kernels}");
    let etas: Vec<f64> = h["epochs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["eta"].as_f64().unwrap())
        .collect();
    assert_eq!(etas, vec![0.05, 0.025, 0.0125], "step schedule");
    assert!(h["epochs"][0]["validation_accuracy"].as_f64().is_some());
}

#[test]
fn data_verify_names_every_bad_file() {
    let tmp = tempfile::tempdir().unwrap();
    small_mnist(tmp.path(), 20, 10);
    std::fs::remove_file(tmp.path().join("t10k-labels-idx1-ubyte.gz")).unwrap();
    let o = mlp(&["data", "verify", s(tmp.path())]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert_eq!(out.matches("MISMATCH").count(), 3, "{out}");
    assert!(out.contains("MISSING   t10k-labels-idx1-ubyte"), "{out}");
    assert!(stderr(&o).contains("4 of 4 MNIST files"), "{}", stderr(&o));
    fails_with(
        &["data", "verify", s(&tmp.path().join("nowhere"))],
        &["nowhere", "not found"],
    );
}

/// The lines of `text` that report an epoch.
fn epoch_lines(text: &str) -> Vec<&str> {
    text.lines().filter(|l| l.starts_with("Epoch ")).collect()
}

#[test]
fn output_volume_follows_the_run_and_the_quiet_and_verbose_flags() {
    let tmp = tempfile::tempdir().unwrap();
    small_mnist(tmp.path(), 50, 20);
    let d = s(tmp.path());
    let train = |extra: &[&str]| {
        let o = mlp(&[&["train", "--data-dir", d][..], extra].concat());
        assert!(o.status.success(), "{extra:?}: {}", stderr(&o));
        o
    };
    // The lecture's run length: every epoch, as the lecture shows them.
    let o = train(&["--epochs", "30"]);
    assert_eq!(epoch_lines(&stdout(&o)).len(), 30, "{}", stdout(&o));

    // A long run of short epochs: the first, every second and the last, then the result.
    let out = stdout(&train(&["--epochs", "40"]));
    let lines = epoch_lines(&out);
    assert!(lines.len() < 40 && lines.len() >= 21, "{out}");
    assert!(
        lines[0].starts_with("Epoch   1:") && lines.last().unwrap().starts_with("Epoch  40:"),
        "{out}"
    );
    let result = out.lines().last().unwrap();
    assert!(
        result.starts_with("Test accuracy ")
            && result.contains("/20 (")
            && result.contains("after epoch 40; best: epoch"),
        "{out}"
    );

    // -v: every epoch.
    let out = stdout(&train(&["--epochs", "40", "-v"]));
    assert_eq!(epoch_lines(&out).len(), 40, "{out}");

    // -q: nothing on standard output, the one-line result on standard error.
    let o = train(&["--epochs", "40", "-q"]);
    assert_eq!(stdout(&o), "");
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("Test accuracy ") && err.contains("after epoch 40"),
        "{err}"
    );

    // -qq: nothing at all.
    let o = train(&["--epochs", "3", "-qq"]);
    assert_eq!((stdout(&o).as_str(), stderr(&o).as_str()), ("", ""));
    fails_with(&["train", "--data-dir", d, "-q", "-v"], &["--quiet", "--verbose"]);
}

#[test]
fn a_csv_that_does_not_fit_an_mnist_model_is_named_by_its_columns() {
    let tmp = tempfile::tempdir().unwrap();
    small_mnist(tmp.path(), 20, 10);
    let model = tmp.path().join("m.safetensors");
    let o = mlp(&[
        "train",
        "--data-dir",
        s(tmp.path()),
        "--epochs",
        "1",
        "-qq",
        "--save",
        s(&model),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let rows = tmp.path().join("rows.csv");
    std::fs::write(&rows, "length,width,depth,kind\n1.0,2.0,3.0,?\n").unwrap();
    let err = fails_with(
        &["predict", s(&model), s(&rows)],
        &[
            "the model reads 784 features (pixels); ",
            "rows.csv has 4 columns: length, width, depth, kind",
        ],
    );
    assert!(
        !err.contains("missing value"),
        "the count is checked before any cell: {err}"
    );
}

#[test]
fn the_default_init_follows_the_activation_and_is_documented_and_recorded() {
    // Words, however the help is wrapped.
    let help = stdout(&mlp(&["train", "--help"]))
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    for needle in [
        "standard-normal for sigmoid",
        "he for relu and leaky-relu",
        "glorot for tanh and identity",
    ] {
        assert!(help.contains(needle), "train --help lacks {needle}:\n{help}");
    }
    let tmp = tempfile::tempdir().unwrap();
    small_mnist(tmp.path(), 20, 10);
    let history = tmp.path().join("h.json");
    for (flags, init) in [
        (&[][..], "standard-normal"),
        (
            &[
                "--activation",
                "relu",
                "--output",
                "softmax",
                "--cost",
                "log-likelihood",
            ][..],
            "he",
        ),
        (&["--activation", "tanh"][..], "glorot"),
        (
            &["--activation", "relu", "--init", "scaled-normal"][..],
            "scaled-normal",
        ),
    ] {
        let base = [
            "train",
            "--data-dir",
            s(tmp.path()),
            "--epochs",
            "1",
            "--history",
            s(&history),
        ];
        let o = mlp(&[&base[..], flags].concat());
        assert!(o.status.success(), "{flags:?}: {}", stderr(&o));
        assert!(
            stdout(&o).contains(&format!(" cost, {init} init)")),
            "{flags:?}: {}",
            stdout(&o)
        );
        let h: Value = serde_json::from_slice(&std::fs::read(&history).unwrap()).unwrap();
        assert_eq!(h["config"]["init"], init, "{flags:?}");
    }
}
