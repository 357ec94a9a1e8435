//! `mlp export` and `mlp import` through the binary: a tabular model out to ONNX and to a
//! PyTorch state_dict and back predicts what it predicted. (ONNX Runtime, skl2onnx and torch
//! check the files themselves in python/tests/test_onnx.py.)
#![cfg(feature = "onnx")]

mod common;

use common::*;
use serde_json::Value;

#[test]
fn a_model_exported_and_imported_back_predicts_the_same() {
    let tmp = tempfile::tempdir().unwrap();
    let p = |name: &str| tmp.path().join(name).to_str().unwrap().to_string();
    let rows: String = (0..40)
        .map(|i| {
            format!(
                "{},{},{}\n",
                i % 7,
                (i * 3) % 11,
                if i % 3 == 0 { "a" } else { "b" }
            )
        })
        .collect();
    std::fs::write(p("t.csv"), format!("x,y,class\n{rows}")).unwrap();
    let o = mlp(&[
        "train",
        "--csv",
        &p("t.csv"),
        "--target",
        "class",
        "--hidden",
        "5",
        "--epochs",
        "5",
        "--test-split",
        "0",
        "--save",
        &p("m.st"),
        "-qq",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = mlp(&[
        "export",
        &p("m.st"),
        "--onnx",
        &p("m.onnx"),
        "--torch-safetensors",
        &p("sd.safetensors"),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let predict = |model: &str| -> Value {
        let o = mlp(&["predict", model, &p("t.csv"), "--json"]);
        assert!(o.status.success(), "{}", stderr(&o));
        let mut v: Value = serde_json::from_str(&stdout(&o)).unwrap();
        for r in v.as_array_mut().unwrap() {
            r.as_object_mut().unwrap().remove("input");
        }
        v
    };
    let before = predict(&p("m.st"));
    let o = mlp(&["import", &p("m.onnx"), "-o", &p("back.st")]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        predict(&p("back.st")),
        before,
        "ONNX holds the same weights, names and standardisation"
    );
    let o = mlp(&["import", &p("sd.safetensors"), "-o", &p("sd.st")]);
    assert!(o.status.success(), "{}", stderr(&o));
    let folded = predict(&p("sd.st"));
    let classes = |v: &Value| {
        v.as_array()
            .unwrap()
            .iter()
            .map(|r| r["prediction"].clone())
            .collect::<Vec<_>>()
    };
    // The state_dict folds the standardisation into the first layer: same classes, the
    // probabilities equal up to float rounding.
    assert_eq!(classes(&folded), classes(&before));

    let o = mlp(&["import", &p("t.csv"), "-o", &p("x.st")]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("not a PyTorch state_dict mlp can read"),
        "{}",
        stderr(&o)
    );
}
