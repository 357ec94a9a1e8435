//! Tabular data through the real binary: `train --csv/--npy`, `eval --csv`, `predict` on CSV
//! rows, and the errors for missing values and bad options.

mod common;

use common::*;
use serde_json::Value;
use std::fmt::Write as _;
use std::path::Path;

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Three blobs in 3-D named by colour, features on very different scales; `target` column
/// second so it is not simply the last one. Deterministic pseudo-noise.
fn blobs_csv(n: usize, phase: usize) -> String {
    let mut out = String::from("width,colour,height,weight\n");
    let names = ["red", "green", "blue"];
    for i in 0..n {
        let c = i % 3;
        let noise = |k: usize| (((i + phase) * 7919 + k * 104_729) % 1000) as f64 / 1000.0 - 0.5;
        let (a, b, w) = ([1.0, 3.0, 2.0][c], [0.0, 0.0, 2.5][c], [5.0, 1.0, 3.0][c]);
        writeln!(
            out,
            "{:.4},{},{:.2},{:.1}",
            a + noise(1),
            names[c],
            1000.0 * (b + noise(2)),
            w + noise(3)
        )
        .unwrap();
    }
    out
}

#[test]
fn csv_classifier_trains_evaluates_and_predicts_in_the_users_labels() {
    let dir = tempfile::tempdir().unwrap();
    let (train, test, model, history) = (
        dir.path().join("train.csv"),
        dir.path().join("test.csv"),
        dir.path().join("m.safetensors"),
        dir.path().join("h.json"),
    );
    std::fs::write(&train, blobs_csv(300, 0)).unwrap();
    std::fs::write(&test, blobs_csv(90, 5000)).unwrap();
    let o = mlp(&[
        "train",
        "--csv",
        s(&train),
        "--target",
        "colour",
        "--hidden",
        "16",
        "--epochs",
        "100",
        "--eta",
        "0.01",
        "--save",
        s(&model),
        "--history",
        s(&history),
    ]);
    let out = stdout(&o);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(out.contains("task classify (inferred"), "{out}");
    assert!(
        out.contains("240 rows"),
        "the default test split holds out 20 %: {out}"
    );
    let h: Value = serde_json::from_slice(&std::fs::read(&history).unwrap()).unwrap();
    let last = h["epochs"].as_array().unwrap().last().unwrap().clone();
    assert!(last["test_accuracy"].as_f64().unwrap() > 0.95, "{last}");
    assert_eq!(h["config"]["hidden"][0], 16);

    let e = mlp(&["eval", s(&model), "--csv", s(&test), "--json"]);
    let e: Value = serde_json::from_str(&stdout(&e)).unwrap();
    assert!(e["accuracy"].as_f64().unwrap() > 0.95, "{e}");
    assert_eq!(e["classes"], serde_json::json!(["blue", "green", "red"]));

    // Predict from rows without the target column: the model takes its features by name.
    let rows = dir.path().join("rows.csv");
    std::fs::write(&rows, "weight,height,width\n5.0,0,1.0\n3.0,2500,2.0\n").unwrap();
    let p = mlp(&["predict", s(&model), s(&rows), "--json", "--top", "2"]);
    let p: Value = serde_json::from_str(&stdout(&p)).unwrap();
    assert_eq!(p[0]["prediction"], "red", "{p}");
    assert_eq!(p[1]["prediction"], "blue", "{p}");
    assert_eq!(p[0]["top"].as_array().unwrap().len(), 2);
    let text = stdout(&mlp(&["predict", s(&model), s(&rows)]));
    assert!(text.contains("rows.csv row 1: red ("), "{text}");
}

#[test]
fn csv_regressor_and_npy_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("r.csv");
    let mut text = String::from("a,b,y\n");
    for i in 0..400 {
        let (a, b) = ((i % 20) as f64 / 10.0 - 1.0, (i / 20) as f64 / 10.0 - 1.0);
        writeln!(text, "{a},{b},{}", a * a + 0.5 * b).unwrap();
    }
    std::fs::write(&csv, text).unwrap();
    let model = dir.path().join("r.safetensors");
    let o = mlp(&[
        "train",
        "--csv",
        s(&csv),
        "--target",
        "y",
        "--hidden",
        "32",
        "--eta",
        "0.01",
        "--save",
        s(&model),
    ]);
    let out = stdout(&o);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        out.contains("task regress (inferred") && out.contains("Test R²"),
        "{out}"
    );
    let e: Value =
        serde_json::from_str(&stdout(&mlp(&["eval", s(&model), "--csv", s(&csv), "--json"]))).unwrap();
    assert!(e["r2"].as_f64().unwrap() > 0.95, "{e}");
    fails_with(
        &["eval", s(&model), "--data-dir", s(dir.path())],
        &["trained on tabular data (features a, b)", "--csv"],
    );
    fails_with(
        &[
            "eval",
            s(&model),
            "--csv",
            s(&csv),
            "--confusion-png",
            s(&dir.path().join("c.png")),
        ],
        &["regressor"],
    );

    use ndarray_npy::WriteNpyExt;
    let (x, y) = (dir.path().join("x.npy"), dir.path().join("y.npy"));
    let xs = ndarray::Array2::from_shape_fn((200, 2), |(i, j)| ((i * (j + 3)) % 17) as f64);
    let ys: ndarray::Array1<i64> = xs.rows().into_iter().map(|r| (r[0] > r[1]) as i64).collect();
    xs.write_npy(std::fs::File::create(&x).unwrap()).unwrap();
    ys.write_npy(std::fs::File::create(&y).unwrap()).unwrap();
    let o = mlp(&[
        "train",
        "--npy",
        s(&x),
        "--npy-target",
        s(&y),
        "--epochs",
        "50",
        "--eta",
        "0.01",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("task classify"), "{}", stdout(&o));
}

/// 300 houses priced around 500 (the newcomer's case): price = 50·rooms + 2.5·area − 1.2·age
/// + 100 + noise, deterministic.
fn houses_csv() -> String {
    let mut out = String::from("rooms,area,age,price\n");
    for i in 0..300usize {
        let noise = ((i * 7919) % 1000) as f64 / 50.0 - 10.0;
        let (rooms, area, age) = (1 + i % 6, 30.0 + (i * 37 % 170) as f64, (i * 13 % 80) as f64);
        let price = 50.0 * rooms as f64 + 2.5 * area - 1.2 * age + 100.0 + noise;
        writeln!(out, "{rooms},{area},{age},{price:.1}").unwrap();
    }
    out
}

/// The R² in `Test R² 0.9906 (MSE …) after epoch 83`.
fn test_r2(out: &str) -> f64 {
    let line = out
        .lines()
        .find(|l| l.starts_with("Test R²"))
        .unwrap_or_else(|| panic!("{out}"));
    line.split_whitespace().nth(2).unwrap().parse().unwrap()
}

#[test]
fn regression_targets_in_their_own_units_are_learned_by_default() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("houses.csv");
    std::fs::write(&csv, houses_csv()).unwrap();
    let model = dir.path().join("houses.st");
    let args = ["train", "--csv", s(&csv), "--target", "price", "--seed", "1"];
    let o = mlp(&[&args[..], &["--save", s(&model)]].concat());
    assert!(o.status.success(), "{}", stderr(&o));
    let r2 = test_r2(&stdout(&o));
    assert!(r2 >= 0.95, "standardised targets: R² {r2}\n{}", stdout(&o));

    // Predictions come back in the target's units (the prices of the first rows).
    let p = stdout(&mlp(&["predict", s(&model), s(&csv)]));
    let first: f64 = p
        .lines()
        .next()
        .unwrap()
        .rsplit(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let price: f64 = houses_csv()
        .lines()
        .nth(1)
        .unwrap()
        .rsplit(',')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (first - price).abs() < 0.1 * price,
        "predicted {first} for {price}"
    );
    let e: Value =
        serde_json::from_str(&stdout(&mlp(&["eval", s(&model), "--csv", s(&csv), "--json"]))).unwrap();
    assert!(e["r2"].as_f64().unwrap() >= 0.95, "{e}");

    // Opting out learns raw prices, which the same run does not fit; the summary says what a
    // negative R² means.
    let o = mlp(&[&args[..], &["--no-standardize-target", "--epochs", "20"]].concat());
    let out = stdout(&o);
    assert!(o.status.success(), "{}", stderr(&o));
    let raw = test_r2(&out);
    assert!(raw < r2, "raw {raw} vs standardised {r2}");
    if raw < 0.0 {
        assert!(out.contains("worse than the mean"), "{out}");
    }
}

#[test]
fn missing_values_are_an_error_unless_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("m.csv");
    let mut text = blobs_csv(60, 0);
    text.push_str("1.0,red,NA,5.0\n");
    std::fs::write(&csv, &text).unwrap();
    fails_with(
        &["train", "--csv", s(&csv), "--target", "colour"],
        &[
            "m.csv: line 62, column 'height': missing value 'NA'",
            "--drop-missing",
        ],
    );
    let o = mlp(&[
        "train",
        "--csv",
        s(&csv),
        "--target",
        "colour",
        "--drop-missing",
        "--epochs",
        "2",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("1 with missing values left out"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn bad_tabular_input_and_options_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("b.csv");
    std::fs::write(&csv, "a,y\n1,x\n2,y\nthree,x\n").unwrap();
    fails_with(
        &["train", "--csv", s(&csv), "--target", "y"],
        &["b.csv: line 4, column 'a': expected a number, found 'three'"],
    );
    fails_with(
        &["train", "--csv", s(&csv), "--target", "z"],
        &["no column 'z'", "a, y"],
    );
    fails_with(&["train", "--csv", s(&csv)], &["--target"]);
    fails_with(
        &["train", "--csv", s(&csv), "--target", "y", "--layers", "1,2,2"],
        &["cannot be used with", "--layers"],
    );
    fails_with(
        &["train", "--csv", s(&csv), "--target", "y", "--task", "cluster"],
        &["invalid value 'cluster'", "classify", "regress"],
    );
    fails_with(
        &["train", "--csv", s(&csv), "--target", "y", "--hidden", "0"],
        &["neuron counts"],
    );
    std::fs::write(&csv, "a,y\n1,0.5\n2,x\n").unwrap();
    fails_with(
        &[
            "train",
            "--csv",
            s(&csv),
            "--target",
            "y",
            "--task",
            "regress",
            "--test-split",
            "0",
        ],
        &[
            "line 3, column 'y'",
            "expected a finite number to regress on, found 'x'",
            "(--task classify)",
        ],
    );
    fails_with(
        &["train", "--csv", s(&dir.path().join("none.csv")), "--target", "y"],
        &["none.csv"],
    );
}

#[test]
fn plots_confusion_matrices_and_network_drawings_are_written() {
    let dir = tempfile::tempdir().unwrap();
    let (train, model, history) = (
        dir.path().join("train.csv"),
        dir.path().join("m.safetensors"),
        dir.path().join("h.json"),
    );
    std::fs::write(&train, blobs_csv(150, 0)).unwrap();
    let o = mlp(&[
        "train",
        "--csv",
        s(&train),
        "--target",
        "colour",
        "--hidden",
        "4",
        "--epochs",
        "5",
        "--save",
        s(&model),
        "--history",
        s(&history),
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let p = |name: &str| dir.path().join(name);
    for (args, file) in [
        (vec!["plot", s(&history), "-o", s(&p("curves.png"))], "curves.png"),
        (vec!["plot", s(&history), "-o", s(&p("curves.svg"))], "curves.svg"),
        (
            vec![
                "eval",
                s(&model),
                "--csv",
                s(&train),
                "--confusion-png",
                s(&p("c.png")),
            ],
            "c.png",
        ),
        (
            vec![
                "draw",
                "--layers",
                "2,3,3,2",
                "--highlight",
                "layer:1",
                "-o",
                s(&p("n.svg")),
            ],
            "n.svg",
        ),
        (
            vec!["draw", "--model", s(&model), "--weights", "-o", s(&p("w.png"))],
            "w.png",
        ),
    ] {
        let o = mlp(&args);
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
        let bytes = std::fs::read(p(file)).unwrap();
        if file.ends_with(".png") {
            let img = image::load_from_memory(&bytes).unwrap().to_rgb8();
            let colours: std::collections::HashSet<[u8; 3]> = img.pixels().map(|px| px.0).collect();
            assert!(
                colours.len() > 20,
                "{file}: a picture, not a blank ({} colours)",
                colours.len()
            );
        } else {
            assert!(String::from_utf8(bytes).unwrap().starts_with("<svg"), "{file}");
        }
    }
    let svg = std::fs::read_to_string(p("n.svg")).unwrap();
    assert!(
        svg.contains("feedforward") && svg.contains("backpropagation"),
        "the highlight's caption"
    );
    fails_with(
        &[
            "draw",
            "--layers",
            "2,3,2",
            "--highlight",
            "layer:3",
            "-o",
            s(&p("x.svg")),
        ],
        &["weight layers 1 to 2"],
    );
    fails_with(
        &[
            "draw",
            "--layers",
            "2,3,2",
            "--highlight",
            "3",
            "-o",
            s(&p("x.svg")),
        ],
        &["layer:N"],
    );
    fails_with(
        &["draw", "--layers", "2,3,2", "-o", s(&p("x.pdf"))],
        &["x.pdf", ".svg or .png"],
    );
    fails_with(
        &["plot", s(&train), "-o", s(&p("x.svg"))],
        &["train.csv", "expected the JSON written by"],
    );
    assert!(
        !p("x.svg").exists() && !p("x.pdf").exists(),
        "no file is left by a failed command"
    );
}

#[test]
fn table_options_without_a_table_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = s(dir.path());
    for flags in [
        &["--hidden", "16"][..],
        &["--alpha", "0.1"][..],
        &["--task", "regress"][..],
        &["--test-split", "0.3"][..],
        &["--no-standardize"][..],
        &["--drop-missing"][..],
    ] {
        let err = fails_with(&[&["train", "--data-dir", d][..], flags].concat(), &["--csv"]);
        assert!(err.contains(flags[0]), "{flags:?}: {err}");
    }
}
