//! Hostile input and hostile environments (issue #17): each test drives the real binary with
//! what an attacker or a careless user would give it, and checks for a clear error, no panic or
//! abort, and nothing on disk changed that was not asked for. docs/reliability.md lists them.

mod common;

use common::http::{Reply, serve};
use common::*;
use mlp::data::standardize::Standardizer;
use mlp::data::tabular::Task;
use mlp::{Activation, Architecture, Cost, Init, Model, Network, model_io};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::io::Write;
use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn digits_model(dir: &Path) -> PathBuf {
    let net: Network<f32> = Network::new(
        &[784, 10, 10],
        Init::StandardNormal,
        &mut ChaCha8Rng::seed_from_u64(1),
    )
    .unwrap();
    let path = dir.join("m.safetensors");
    model_io::save(&net, &path).unwrap();
    path
}

fn mkfifo(path: &Path) {
    let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0, "mkfifo");
}

/// The names in `dir`, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

// 1. Saving replaces only a regular file.

#[test]
fn saving_over_a_fifo_a_symlink_or_a_directory_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let fifo = d.join("fifo.png");
    mkfifo(&fifo);
    let target = d.join("target.png");
    std::fs::write(&target, b"keep me").unwrap();
    let link = d.join("link.png");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let sub = d.join("sub.png");
    std::fs::create_dir(&sub).unwrap();
    let before = names(d);
    for (path, kind) in [(&fifo, "FIFO"), (&link, "symbolic link"), (&sub, "directory")] {
        fails_with(
            &["draw", "--layers", "2,3,2", "-o", s(path)],
            &[s(path), kind, "nothing was written"],
        );
    }
    assert!(std::fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());
    assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
    assert!(sub.is_dir());
    assert_eq!(std::fs::read(&target).unwrap(), b"keep me");
    assert_eq!(names(d), before, "no temporary file left");

    // The same writer serves models and histories.
    let data = tempfile::tempdir().unwrap();
    small_mnist(data.path(), 30, 10);
    fails_with(
        &[
            "train",
            "--data-dir",
            s(data.path()),
            "--layers",
            "784,5,10",
            "--epochs",
            "1",
            "--save",
            s(&link),
        ],
        &["symbolic link"],
    );
    let history = d.join("history.json");
    std::fs::create_dir(&history).unwrap();
    fails_with(
        &[
            "train",
            "--data-dir",
            s(data.path()),
            "--layers",
            "784,5,10",
            "--epochs",
            "1",
            "--history",
            s(&history),
        ],
        &["history.json", "directory"],
    );
    assert!(history.is_dir());
    assert_eq!(std::fs::read(&target).unwrap(), b"keep me");
}

#[test]
fn stale_temporary_files_of_dead_writers_are_removed_on_the_next_save() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("n.svg");
    let stale = dir.path().join(".n.svg.tmp-999999999");
    std::fs::write(&stale, b"half a picture").unwrap();
    let o = mlp(&["draw", "--layers", "2,3,2", "-o", s(&out)]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!stale.exists());
    assert_eq!(names(dir.path()), ["n.svg"]);
}

// 2. and 15. Pictures.

fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend((data.len() as u32).to_be_bytes());
    out.extend(kind);
    out.extend(data);
    let mut crc = flate2::Crc::new();
    crc.update(kind);
    crc.update(data);
    out.extend(crc.sum().to_be_bytes());
}

/// A greyscale PNG that claims `w`×`h` pixels; its image data is a few rows of zeros.
fn png_claiming(w: u32, h: u32) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = w.to_be_bytes().to_vec();
    ihdr.extend(h.to_be_bytes());
    ihdr.extend([8, 0, 0, 0, 0]);
    png_chunk(&mut out, b"IHDR", &ihdr);
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    z.write_all(&vec![0u8; 4 * (w as usize + 1)]).unwrap();
    png_chunk(&mut out, b"IDAT", &z.finish().unwrap());
    png_chunk(&mut out, b"IEND", &[]);
    out
}

#[test]
fn a_decompression_bomb_picture_is_refused_before_decoding() {
    let dir = tempfile::tempdir().unwrap();
    let model = digits_model(dir.path());
    for (w, h) in [(16000, 16000), (11000, 11000), (100_000, 200)] {
        let bomb = dir.path().join(format!("bomb-{w}.png"));
        std::fs::write(&bomb, png_claiming(w, h)).unwrap();
        let started = Instant::now();
        fails_with(
            &["predict", s(&model), s(&bomb)],
            &[s(&bomb), &format!("{w}×{h} pixels"), "4096×4096"],
        );
        assert!(started.elapsed() < Duration::from_secs(5), "refused at once");
    }
}

fn picture(w: u32, h: u32, ink: impl Fn(u32, u32) -> bool) -> image::DynamicImage {
    image::DynamicImage::ImageLuma8(image::ImageBuffer::from_fn(w, h, |x, y| {
        image::Luma([if ink(x, y) { 0u8 } else { 255 }])
    }))
}

#[test]
fn truncated_jpegs_are_errors_and_a_speck_is_flagged_low_confidence() {
    let dir = tempfile::tempdir().unwrap();
    let model = digits_model(dir.path());
    let seven = picture(120, 160, |x, y| {
        (20..100).contains(&x) && (20..35).contains(&y) || (60..75).contains(&x) && (20..140).contains(&y)
    });
    let whole = dir.path().join("seven.jpg");
    seven.save(&whole).unwrap();
    let o = mlp(&["predict", s(&model), s(&whole), "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!stdout(&o).contains("low_confidence"), "{}", stdout(&o));
    let bytes = std::fs::read(&whole).unwrap();
    let cut = dir.path().join("cut.jpg");
    std::fs::write(&cut, &bytes[..bytes.len() * 2 / 3]).unwrap();
    fails_with(&["predict", s(&model), s(&cut)], &[s(&cut), "truncated"]);
    // A PNG cut short ends inside its compressed image data: the decoder's own error.
    let png = dir.path().join("seven.png");
    seven.save(&png).unwrap();
    let bytes = std::fs::read(&png).unwrap();
    let cut_png = dir.path().join("cut.png");
    std::fs::write(&cut_png, &bytes[..bytes.len() * 2 / 3]).unwrap();
    fails_with(&["predict", s(&model), s(&cut_png)], &[s(&cut_png), "PNG"]);

    let speck = dir.path().join("speck.png");
    picture(200, 200, |x, y| {
        (100..103).contains(&x) && (100..103).contains(&y)
    })
    .save(&speck)
    .unwrap();
    let o = mlp(&["predict", s(&model), s(&speck), "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let json: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(json[0]["low_confidence"], serde_json::json!(true), "{json}");
    assert!(stderr(&o).contains("almost no ink"), "{}", stderr(&o));
}

// 3. .npy headers.

fn npy(version: u8, header: &str, data: usize) -> Vec<u8> {
    let mut b = b"\x93NUMPY".to_vec();
    b.extend([version, 0]);
    if version == 1 {
        b.extend((header.len() as u16).to_le_bytes());
    } else {
        b.extend((header.len() as u32).to_le_bytes());
    }
    b.extend(header.as_bytes());
    b.extend(vec![0u8; data]);
    b
}

#[test]
fn npy_headers_declaring_more_than_the_file_are_refused_without_allocating() {
    let dir = tempfile::tempdir().unwrap();
    let model = digits_model(dir.path());
    let huge = dir.path().join("huge.npy");
    std::fs::write(
        &huge,
        npy(
            1,
            "{'descr': '<f4', 'fortran_order': False, 'shape': (1099511627776, 784), }",
            64,
        ),
    )
    .unwrap();
    fails_with(
        &["predict", s(&model), s(&huge)],
        &[s(&huge), "truncated", "needs"],
    );
    let long = dir.path().join("long.npy");
    let mut bytes = npy(
        2,
        "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 784), }",
        3136,
    );
    bytes[8..12].copy_from_slice(&u32::MAX.to_le_bytes());
    std::fs::write(&long, bytes).unwrap();
    fails_with(
        &["predict", s(&model), s(&long)],
        &[s(&long), "header length is 4294967295"],
    );
    let y = dir.path().join("y.npy");
    std::fs::write(
        &y,
        npy(
            1,
            "{'descr': '<i8', 'fortran_order': False, 'shape': (4294967296,), }",
            8,
        ),
    )
    .unwrap();
    fails_with(
        &["train", "--npy", s(&huge), "--npy-target", s(&y)],
        &["huge.npy", "truncated"],
    );
}

// 4. and 5. Sizes.

#[test]
fn drawing_very_many_or_very_wide_layers_is_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("n.png");
    // 60 000 is as many as one argument holds (128 KiB).
    for n in [30_000, 60_000] {
        let layers = vec!["2"; n].join(",");
        fails_with(
            &["draw", "--layers", &layers, "-o", s(&out)],
            &[&format!("{n} layers"), "at most"],
        );
    }
    assert!(!out.exists());
    let o = mlp(&["draw", "--layers", "3,4000000000,2", "-o", s(&out)]);
    assert!(
        o.status.success(),
        "wide layers are drawn shortened: {}",
        stderr(&o)
    );
}

#[test]
fn networks_beyond_the_memory_limit_are_refused_before_allocating() {
    let data = tempfile::tempdir().unwrap();
    small_mnist(data.path(), 30, 10);
    let d = s(data.path());
    fails_with(
        &[
            "train",
            "--data-dir",
            d,
            "--layers",
            "784,100000000,10",
            "--epochs",
            "1",
        ],
        &["784-100000000-10", "memory limit of 1.0 GiB", "--memory-limit"],
    );
    fails_with(
        &["gradcheck", "--layers", "100000,100000,10"],
        &["100000-100000-10", "memory limit", "MLP_MEMORY_LIMIT"],
    );
    // The limit is the user's: lowered, an ordinary network is refused; raised, allowed.
    fails_with(
        &[
            "--memory-limit",
            "100k",
            "train",
            "--data-dir",
            d,
            "--layers",
            "784,30,10",
            "--epochs",
            "1",
        ],
        &["memory limit of 100.0 KiB"],
    );
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_mlp"))
        .args(["gradcheck", "--layers", "5,4,3"])
        .env("MLP_MEMORY_LIMIT", "1k")
        .output()
        .unwrap();
    assert!(
        !o.status.success() && stderr(&o).contains("1.0 KiB"),
        "{}",
        stderr(&o)
    );
    fails_with(
        &["--memory-limit", "lots", "gates"],
        &["expected a size like 512M"],
    );
    let o = mlp(&[
        "--memory-limit",
        "2G",
        "train",
        "--data-dir",
        d,
        "--layers",
        "784,30,10",
        "--epochs",
        "1",
        "-qq",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
}

// 6. IDX gzip bombs.

#[test]
fn an_idx_gzip_bomb_is_refused_at_its_header() {
    let dir = tempfile::tempdir().unwrap();
    let model = digits_model(dir.path());
    // 8 GiB of images claimed (10 958 904 × 28 × 28), 16 MiB of them present.
    let mut z = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    z.write_all(&idx_bytes(&[10_958_904, 28, 28], &[])).unwrap();
    for _ in 0..16 {
        z.write_all(&[0u8; 1 << 20]).unwrap();
    }
    let bomb = dir.path().join("bomb.gz");
    std::fs::write(&bomb, z.finish().unwrap()).unwrap();
    fails_with(
        &["predict", s(&model), s(&bomb)],
        &[s(&bomb), "8.0 GiB", "memory limit"],
    );
}

// 7. Metadata is covered by the checksum.

#[test]
fn a_changed_class_name_or_training_setting_in_the_header_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let arch = Architecture {
        sizes: vec![2, 3, 2],
        hidden: Activation::Relu,
        output: Activation::Softmax,
        cost: Cost::LogLikelihood,
    };
    let model = Model {
        net: Network::build(&arch, Init::Glorot, &mut ChaCha8Rng::seed_from_u64(1)).unwrap(),
        task: Task::Classify,
        classes: vec!["benign".into(), "malign".into()],
        features: vec!["a".into(), "b".into()],
        target: "y".into(),
        standardizer: None,
        target_standardizer: None,
    };
    let path = dir.path().join("m.safetensors");
    model
        .save(&path, &[("training", "{\"batch_size\":10,\"dropout\":0.5}")])
        .unwrap();
    let rows = dir.path().join("rows.csv");
    std::fs::write(&rows, "a,b\n1,2\n").unwrap();
    let o = mlp(&["predict", s(&path), s(&rows)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let bytes = std::fs::read(&path).unwrap();
    for (from, to) in [
        ("malign", "benigm"),
        ("batch_size\\\":10", "batch_size\\\":90"),
        ("0.5", "0.7"),
    ] {
        let at = bytes
            .windows(from.len())
            .position(|w| w == from.as_bytes())
            .unwrap_or_else(|| panic!("{from}"));
        let mut edited = bytes.clone();
        edited[at..at + to.len()].copy_from_slice(to.as_bytes());
        std::fs::write(&path, &edited).unwrap();
        fails_with(
            &["predict", s(&path), s(&rows)],
            &[s(&path), "header does not match its checksum"],
        );
    }
}

// 8. and 14. CSV.

#[test]
fn duplicate_column_names_are_refused_naming_both_positions() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("d.csv");
    std::fs::write(&csv, "a,b,a,y\n1,2,3,0\n4,5,6,1\n7,8,9,0\n1,1,1,1\n").unwrap();
    fails_with(
        &["train", "--csv", s(&csv), "--target", "y"],
        &["d.csv", "line 1", "column 'a'", "columns 1 and 3"],
    );
}

#[test]
fn error_messages_quote_at_most_80_characters_of_the_input() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("big.csv");
    let cell = "x".repeat(10 << 20);
    std::fs::write(&csv, format!("a,y\n1,0\n{cell},1\n")).unwrap();
    let err = fails_with(
        &["train", "--csv", s(&csv), "--target", "y"],
        &["big.csv", "line 3", "column 'a'", "more characters"],
    );
    assert!(err.len() < 1000, "{} bytes of error", err.len());
    let name = "n".repeat(1 << 20);
    std::fs::write(&csv, format!("{name},y\n1,0\n2,1\n")).unwrap();
    let err = fails_with(&["train", "--csv", s(&csv), "--target", "z"], &["no column 'z'"]);
    assert!(err.len() < 1000, "{} bytes of error", err.len());
}

// 9. Non-finite outputs.

#[test]
fn non_finite_outputs_are_errors_naming_the_layer() {
    let dir = tempfile::tempdir().unwrap();
    let arch = Architecture {
        sizes: vec![784, 10, 10],
        hidden: Activation::Identity,
        output: Activation::Softmax,
        cost: Cost::LogLikelihood,
    };
    let mut net: Network<f32> =
        Network::build(&arch, Init::Glorot, &mut ChaCha8Rng::seed_from_u64(1)).unwrap();
    net.layers.iter_mut().for_each(|l| l.weights.fill(1e30));
    let path = dir.path().join("huge.safetensors");
    model_io::save(&net, &path).unwrap();
    let data = tempfile::tempdir().unwrap();
    small_mnist(data.path(), 10, 10);
    fails_with(
        &["eval", s(&path), "--data-dir", s(data.path())],
        &["layer 2", "not finite"],
    );
    let images = dir.path().join("images");
    std::fs::write(&images, idx_bytes(&[1, 28, 28], &[200; 784])).unwrap();
    fails_with(
        &["predict", s(&path), s(&images)],
        &["sample 1", "layer 2", "not finite"],
    );

    let small_arch = Architecture {
        sizes: vec![2, 3, 2],
        ..arch
    };
    let model = Model {
        net: Network::build(&small_arch, Init::Glorot, &mut ChaCha8Rng::seed_from_u64(1)).unwrap(),
        task: Task::Classify,
        classes: vec!["a".into(), "b".into()],
        features: vec![],
        target: String::new(),
        standardizer: Some(Standardizer {
            mean: ndarray::array![0.0, 0.0],
            scale: ndarray::array![1.0, 1e-40],
        }),
        target_standardizer: None,
    };
    let sub = dir.path().join("subnormal.safetensors");
    model.save(&sub, &[]).unwrap();
    let x = dir.path().join("x.csv");
    std::fs::write(&x, "a,b\n1,2\n").unwrap();
    fails_with(&["predict", s(&sub), s(&x)], &[s(&sub), "input.scale", "index 1"]);
}

// 10. Plots.

#[test]
fn plotting_absurd_values_ends_at_once_with_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let history = dir.path().join("h.json");
    let out = dir.path().join("c.png");
    for accuracy in ["1e306", "-1e306"] {
        std::fs::write(
            &history,
            format!(
                r#"{{"epochs": [{{"epoch": 1, "train_cost": 0.5, "test_accuracy": 0.5, "test_total": 10, "seconds": 1}},
                   {{"epoch": 2, "train_cost": 0.4, "test_accuracy": {accuracy}, "test_total": 10, "seconds": 1}}]}}"#
            ),
        )
        .unwrap();
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_mlp"))
            .args(["plot", s(&history), "-o", s(&out)])
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let started = Instant::now();
        while child.try_wait().unwrap().is_none() {
            if started.elapsed() > Duration::from_secs(20) {
                child.kill().unwrap();
                panic!("mlp plot still running after 20 s");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let o = child.wait_with_output().unwrap();
        let err = stderr(&o);
        assert!(
            !o.status.success() && err.contains("epoch 2: test_accuracy"),
            "{err}"
        );
    }
    assert!(!out.exists());
    // The largest cost allowed is drawn, in bounded time too.
    std::fs::write(
        &history,
        r#"{"epochs": [{"epoch": 1, "train_cost": 1e30, "test_accuracy": 0.5, "test_total": 10, "seconds": 1},
                      {"epoch": 2, "train_cost": 0, "test_accuracy": 1, "test_total": 10, "seconds": 1}]}"#,
    )
    .unwrap();
    let o = mlp(&["plot", s(&history), "-o", s(&out)]);
    assert!(o.status.success() && out.exists(), "{}", stderr(&o));
}

// 11. A server that drips.

#[test]
fn a_dripping_server_is_abandoned_by_the_minimum_rate() {
    let body: Vec<u8> = (0..200u32).map(|i| i as u8).collect();
    let names_ = [
        "train-images-idx3-ubyte.gz",
        "train-labels-idx1-ubyte.gz",
        "t10k-images-idx3-ubyte.gz",
        "t10k-labels-idx1-ubyte.gz",
    ];
    let server = serve(
        names_
            .iter()
            .map(|n| {
                (
                    format!("/{n}"),
                    Reply::Drip(body.clone(), Duration::from_millis(700)),
                )
            })
            .collect(),
    );
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    fails_with(
        &[
            "data",
            "fetch",
            "mnist",
            "--dir",
            s(dir.path()),
            "--mirror",
            &server.base,
            "--timeout",
            "1",
        ],
        &["too slow"],
    );
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
    assert!(names(dir.path()).is_empty(), "{:?}", names(dir.path()));
}

// 13. Pipes.

#[test]
fn reading_a_fifo_or_a_device_is_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let model = digits_model(dir.path());
    let fifo = dir.path().join("images");
    mkfifo(&fifo);
    let started = Instant::now();
    fails_with(
        &["predict", s(&model), s(&fifo)],
        &[s(&fifo), "FIFO", "regular file"],
    );
    fails_with(&["predict", s(&fifo), s(&model)], &[s(&fifo), "FIFO"]);
    fails_with(
        &["predict", s(&model), "/dev/zero"],
        &["/dev/zero", "character device"],
    );
    assert!(started.elapsed() < Duration::from_secs(10));
}

// 16. Absurd learning rates.

#[test]
fn a_learning_rate_that_pins_every_output_is_the_stall_error() {
    let data = tempfile::tempdir().unwrap();
    small_mnist(data.path(), 200, 20);
    let out = data.path().join("m.safetensors");
    fails_with(
        &[
            "train",
            "--data-dir",
            s(data.path()),
            "--eta",
            "1e38",
            "--epochs",
            "2",
            "--save",
            s(&out),
        ],
        &["training stalled", "after epoch 1", "pinned", "--eta"],
    );
    assert!(!out.exists());
    let o = mlp(&[
        "train",
        "--data-dir",
        s(data.path()),
        "--epochs",
        "2",
        "--save",
        s(&out),
        "-qq",
    ]);
    assert!(o.status.success(), "the lecture's η = 3 trains: {}", stderr(&o));
}

// 12. Signals.

fn interrupt(child: &std::process::Child) {
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGINT) }, 0);
}

/// Waits for `child` to end, at most `limit`.
fn wait_for(mut child: std::process::Child, limit: Duration) -> std::process::Output {
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > limit {
            child.kill().unwrap();
            panic!("still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

fn spawn_training(data: &Path, layers: &str, args: &[&str]) -> std::process::Child {
    std::process::Command::new(env!("CARGO_BIN_EXE_mlp"))
        .args([
            "train",
            "--data-dir",
            s(data),
            "--layers",
            layers,
            "--epochs",
            "1000",
            "--threads",
            "1",
        ])
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap()
}

#[test]
fn ctrl_c_stops_at_the_next_mini_batch_keeps_the_checkpoint_and_exits_130() {
    let data = tempfile::tempdir().unwrap();
    small_mnist(data.path(), 2000, 10);
    let dir = tempfile::tempdir().unwrap();
    let (ck, save) = (dir.path().join("ck"), dir.path().join("m.safetensors"));
    let child = spawn_training(
        data.path(),
        "784,30,10",
        &["--checkpoint", s(&ck), "--save", s(&save)],
    );
    std::thread::sleep(Duration::from_millis(1500));
    interrupt(&child);
    let o = wait_for(child, Duration::from_secs(20));
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(130), "{err}");
    assert!(
        err.contains("interrupted") && err.contains(s(&ck)) && err.contains("--resume"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(
        names(dir.path()),
        ["ck"],
        "the checkpoint only: no model, no temporary file"
    );
    let progress = mlp::checkpoint::load::<f32>(&ck).unwrap().progress;
    assert!(
        progress.epoch >= 1 || progress.step > 0,
        "{:?}",
        (progress.epoch, progress.step)
    );

    // Without a checkpoint it says that nothing was kept.
    let child = spawn_training(data.path(), "784,30,10", &["--save", s(&save)]);
    std::thread::sleep(Duration::from_millis(1000));
    interrupt(&child);
    let o = wait_for(child, Duration::from_secs(20));
    assert_eq!(o.status.code(), Some(130));
    assert!(stderr(&o).contains("nothing was saved"), "{}", stderr(&o));
    assert!(!save.exists());
}

#[test]
fn a_second_ctrl_c_exits_at_once() {
    let data = tempfile::tempdir().unwrap();
    small_mnist(data.path(), 2000, 10);
    // One mini-batch of 2000 samples through 784-4000-4000-10 on one thread takes seconds
    // (about 0.25 TFLOP), so the first signal alone would end the run only after it; the
    // second must end the process at once, in the middle of the mini-batch.
    let child = spawn_training(data.path(), "784,4000,4000,10", &["--batch-size", "2000"]);
    std::thread::sleep(Duration::from_millis(1500));
    interrupt(&child);
    std::thread::sleep(Duration::from_millis(10));
    let second = Instant::now();
    interrupt(&child);
    let o = wait_for(child, Duration::from_secs(30));
    let took = second.elapsed();
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(130), "{err}");
    assert!(
        err.contains("again to quit at once"),
        "the first signal was heard: {err}"
    );
    assert!(
        !err.contains("nothing was saved"),
        "the second signal, not the end of the mini-batch, ended the run: {err}"
    );
    assert!(
        took < Duration::from_secs(1),
        "ended {took:?} after the second signal"
    );
}

#[test]
fn target_errors_name_the_file_and_the_column() {
    let dir = tempfile::tempdir().unwrap();
    let one = dir.path().join("one.csv");
    std::fs::write(&one, "a,b,label\n1,2,x\n3,4,x\n5,6,x\n7,8,x\n9,0,x\n").unwrap();
    fails_with(
        &["train", "--csv", s(&one), "--target", "label"],
        &[s(&one), "'label'", "one class"],
    );
    let text = dir.path().join("text.csv");
    std::fs::write(&text, "a,b,price\n1,2,x\n3,4,1\n5,6,2\n7,8,3\n9,0,4\n").unwrap();
    fails_with(
        &[
            "train",
            "--csv",
            s(&text),
            "--target",
            "price",
            "--task",
            "regress",
            "--test-split",
            "0",
        ],
        &[s(&text), "line 2, column 'price'", "found 'x'"],
    );
}
