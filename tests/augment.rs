//! `mlp train --augment`, `--save-best` and `mlp augment-preview` through the real binary.

mod common;
use common::*;

fn s(p: &std::path::Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn a_distorted_run_repeats_itself_and_differs_from_an_undistorted_one() {
    let data = tempfile::tempdir().unwrap();
    small_mnist(data.path(), 600, 100);
    let dir = tempfile::tempdir().unwrap();
    let run = |name: &str, extra: &[&str]| {
        let model = dir.path().join(name);
        let args = [
            &[
                "train",
                "--data-dir",
                s(data.path()),
                "--epochs",
                "2",
                "-qq",
                "--save",
                s(&model),
            ][..],
            extra,
        ]
        .concat();
        let o = mlp(&args);
        assert!(o.status.success(), "{}", stderr(&o));
        std::fs::read(&model).unwrap()
    };
    let a = run("a.st", &["--augment"]);
    assert_eq!(a, run("b.st", &["--augment"]), "same seed, same bytes");
    assert_ne!(a, run("c.st", &[]), "the distortions changed the training");
    assert_ne!(a, run("d.st", &["--augment", "--rotate", "5"]));
}

#[test]
fn distortion_flags_are_checked() {
    let data = tempfile::tempdir().unwrap();
    small_mnist(data.path(), 100, 10);
    let d = s(data.path());
    fails_with(&["train", "--data-dir", d, "--rotate", "5"], &["--augment"]);
    fails_with(
        &["train", "--data-dir", d, "--augment", "--scale", "2"],
        &["scaling", "[0, 0.9]", "2"],
    );
    fails_with(
        &["train", "--data-dir", d, "--save-best", "x.st"],
        &["--validation-split"],
    );
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("t.csv");
    std::fs::write(&csv, "a,b,y\n1,2,0\n3,4,1\n5,6,0\n7,8,1\n").unwrap();
    fails_with(
        &["train", "--csv", s(&csv), "--target", "y", "--augment"],
        &["--augment"],
    );
}

#[test]
fn save_best_keeps_the_epoch_chosen_by_validation() {
    let data = tempfile::tempdir().unwrap();
    small_mnist(data.path(), 600, 100);
    let dir = tempfile::tempdir().unwrap();
    let (best, history) = (dir.path().join("best.st"), dir.path().join("h.json"));
    let o = mlp(&[
        "train",
        "--data-dir",
        s(data.path()),
        "--epochs",
        "4",
        "--validation-split",
        "0.2",
        "--augment",
        "--save-best",
        s(&best),
        "--history",
        s(&history),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let h: serde_json::Value = serde_json::from_slice(&std::fs::read(&history).unwrap()).unwrap();
    let epochs = h["epochs"].as_array().unwrap();
    let chosen = h["selected_epoch"].as_u64().unwrap() as usize;
    let score = |e: &serde_json::Value| e["validation_accuracy"].as_f64().unwrap();
    let top = epochs.iter().map(score).fold(f64::MIN, f64::max);
    // The first epoch with the top validation score (a later tie is no improvement).
    let first_top = epochs.iter().position(|e| score(e) == top).unwrap() + 1;
    assert_eq!(chosen, first_top, "{h}");
    assert!(
        stdout(&o).contains(&format!("Chosen by validation: epoch {chosen}")),
        "{}",
        stdout(&o)
    );
    // The file holds that epoch's network: its test accuracy is the one recorded for it.
    let e = mlp(&["eval", s(&best), "--data-dir", s(data.path()), "--json"]);
    assert!(e.status.success(), "{}", stderr(&e));
    let eval: serde_json::Value = serde_json::from_slice(&e.stdout).unwrap();
    let recorded = epochs[chosen - 1]["test_accuracy"].as_f64().unwrap();
    assert!(
        (eval["accuracy"].as_f64().unwrap() - recorded).abs() < 1e-9,
        "{eval} vs {recorded}"
    );
}

#[test]
fn the_preview_is_a_grid_of_originals_and_their_distortions() {
    let data = tempfile::tempdir().unwrap();
    small_mnist(data.path(), 20, 10);
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("grid.png");
    let o = mlp(&[
        "augment-preview",
        "--data-dir",
        s(data.path()),
        "-o",
        s(&png),
        "--count",
        "3",
        "--variants",
        "4",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let img = image::open(&png).unwrap().to_luma8();
    // 5 cells of 84 px with 6-px gaps across, 3 down.
    assert_eq!(img.dimensions(), (6 + 5 * 90, 6 + 3 * 90));
    // The first distortion differs from the original it was made from.
    let cell = |col: u32| -> Vec<u8> {
        (0..84)
            .flat_map(|y| (0..84).map(move |x| (x, y)))
            .map(|(x, y)| img.get_pixel(6 + col * 90 + x, 6 + y)[0])
            .collect()
    };
    assert_ne!(cell(0), cell(1));
}
