//! Trying to break `mlp`: killing it while it writes, killing training and resuming, driving
//! it to diverge. See docs/reliability.md for the list of failure modes and their tests.

mod common;

use common::*;
use mlp::model_io;
use mlp::{Init, Network};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn model(seed: u64) -> Network<f32> {
    Network::new(
        &[784, 100, 10],
        Init::StandardNormal,
        &mut ChaCha8Rng::seed_from_u64(seed),
    )
    .unwrap()
}

/// Child mode of `saves_survive_sigkill`: save two models over the same file, alternately,
/// until killed.
fn save_forever(path: &Path) -> ! {
    let (a, b) = (model(1), model(2));
    loop {
        model_io::save(&a, path).unwrap();
        model_io::save(&b, path).unwrap();
    }
}

#[test]
fn saves_survive_sigkill() {
    if let Some(path) = std::env::var_os("MLP_TEST_SAVE_FOREVER") {
        save_forever(Path::new(&path));
    }
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("model.safetensors");
    let (a, b) = (model(1), model(2));
    model_io::save(&a, &path).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(42);
    let (mut saw_a, mut saw_b, mut interrupted) = (0, 0, 0);
    for i in 0..200 {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "saves_survive_sigkill", "--nocapture"])
            .env("MLP_TEST_SAVE_FOREVER", &path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_micros(rng.random_range(2_000..30_000)));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        // Counted after each kill: the next save removes a dead writer's temporary file.
        interrupted += usize::from(temporaries(tmp.path()) > 0);
        let loaded: Network<f32> = model_io::load(&path).unwrap_or_else(|e| panic!("kill {i}: {e}"));
        if loaded == a {
            saw_a += 1;
        } else if loaded == b {
            saw_b += 1;
        } else {
            panic!("kill {i}: the file holds neither model");
        }
    }
    // The kills landed while saving was going on, at different points of the cycle, some in
    // the middle of a write (each of those leaves its temporary file behind, until the next).
    assert!(
        saw_a > 10 && saw_b > 10,
        "saw the first model {saw_a} times, the second {saw_b}"
    );
    assert!(interrupted > 0, "no kill landed in the middle of a write");
    eprintln!("200 kills: {saw_a} × first model, {saw_b} × second, {interrupted} mid-write");
    model_io::save(&a, &path).unwrap();
    assert_eq!(
        temporaries(tmp.path()),
        0,
        "the next save removes what killed writers left"
    );
}

/// Temporary files in `dir`: what writers killed mid-write left.
fn temporaries(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .contains(".tmp-")
        })
        .count()
}

fn spawn_train(args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_mlp"))
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

#[test]
fn killed_training_resumes_to_the_same_model() {
    let data = real_mnist();
    let d = s(&data);
    let tmp = tempfile::tempdir().unwrap();
    let (full, ck, resumed) = (
        tmp.path().join("full"),
        tmp.path().join("ck"),
        tmp.path().join("resumed"),
    );
    let run = [
        "train",
        "--data-dir",
        d,
        "--epochs",
        "3",
        "--seed",
        "11",
        "--quiet",
    ];

    let o = mlp(&[&run[..], &["--save", s(&full)]].concat());
    assert!(o.status.success(), "{}", stderr(&o));

    // Kill a checkpointing run as soon as its first checkpoint (mid-epoch 1) appears.
    let mut child = spawn_train(&[&run[..], &["--checkpoint", s(&ck), "--checkpoint-every", "700"]].concat());
    let start = Instant::now();
    while !ck.exists() {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "no checkpoint appeared"
        );
        std::thread::sleep(Duration::from_micros(200));
    }
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert!(!status.success(), "training finished before it was killed");
    let saved = mlp::checkpoint::load::<f32>(&ck).unwrap();
    assert!(saved.progress.step > 0, "the checkpoint should be mid-epoch");
    assert!(saved.progress.epoch < 3);

    let o = mlp(&[
        "train",
        "--data-dir",
        d,
        "--resume",
        s(&ck),
        "--quiet",
        "--save",
        s(&resumed),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        std::fs::read(&full).unwrap() == std::fs::read(&resumed).unwrap(),
        "the resumed run's model differs from the uninterrupted run's"
    );

    // Options that contradict the checkpoint, or other data, are refused.
    fails_with(
        &[
            "train",
            "--data-dir",
            d,
            "--resume",
            s(&ck),
            "--layers",
            "784,20,10",
        ],
        &["--layers 784,20,10", "contradicts the checkpoint", "784,30,10"],
    );
    fails_with(
        &["train", "--data-dir", d, "--resume", s(&ck), "--eta", "0.5"],
        &["--eta 0.5", "contradicts"],
    );
    let small = tempfile::tempdir().unwrap();
    small_mnist(small.path(), 30, 10);
    fails_with(
        &["train", "--data-dir", s(small.path()), "--resume", s(&ck)],
        &["30 samples", "60000 samples", "same data"],
    );
    // A model file is not a checkpoint.
    fails_with(
        &["train", "--data-dir", d, "--resume", s(&full)],
        &["not a checkpoint"],
    );
}

#[test]
fn a_stalled_run_stops_and_leaves_earlier_files_alone() {
    let data = real_mnist();
    let tmp = tempfile::tempdir().unwrap();
    let (save, ck) = (tmp.path().join("model"), tmp.path().join("ck"));
    std::fs::write(&save, b"the previous model").unwrap();
    // η = 10⁶ saturates every sigmoid neuron in the first epoch: every output is pinned at
    // the same limit after it, so the run stops there.
    let err = fails_with(
        &[
            "train",
            "--data-dir",
            s(&data),
            "--eta",
            "1e6",
            "--epochs",
            "5",
            "--save",
            s(&save),
            "--checkpoint",
            s(&ck),
        ],
        &["epoch 1", "smaller learning rate", "--eta"],
    );
    assert!(err.contains("stalled"), "{err}");
    assert_eq!(std::fs::read(&save).unwrap(), b"the previous model");
    assert!(!ck.exists(), "no good epoch, so no checkpoint");
}

#[test]
fn optimizer_state_and_dropout_survive_a_resume_through_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    small_mnist(tmp.path(), 300, 50);
    let d = s(tmp.path());
    let (whole, ck, resumed) = (
        tmp.path().join("whole"),
        tmp.path().join("ck"),
        tmp.path().join("resumed"),
    );
    let options = [
        "train",
        "--data-dir",
        d,
        "--layers",
        "784,32,10",
        "--dropout",
        "0.3",
        "--input-dropout",
        "0.1",
        "--l2",
        "0.5",
        "--lr-schedule",
        "step:1:0.7",
        "--batch-size",
        "16",
        "--validation-split",
        "0.2",
        "--quiet",
    ];
    let run: Vec<&str> = [&options[..], &RELU_SOFTMAX[..]].concat();
    for optimizer in ["nesterov", "adam"] {
        let base: Vec<&str> = [&run[..], &["--optimizer", optimizer]].concat();
        let with =
            |extra: &[&str]| -> Vec<String> { base.iter().chain(extra).map(|a| a.to_string()).collect() };
        assert!(
            mlp(&refs(&with(&["--epochs", "3", "--save", s(&whole)])))
                .status
                .success()
        );
        assert!(
            mlp(&refs(&with(&["--epochs", "1", "--checkpoint", s(&ck)])))
                .status
                .success()
        );
        let o = mlp(&[
            "train",
            "--data-dir",
            d,
            "--resume",
            s(&ck),
            "--epochs",
            "3",
            "--quiet",
            "--save",
            s(&resumed),
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        assert!(
            std::fs::read(&whole).unwrap() == std::fs::read(&resumed).unwrap(),
            "{optimizer}: the resumed model differs"
        );
    }
}

fn refs(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}
