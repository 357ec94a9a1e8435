//! Downloads, offline: a local HTTP server on 127.0.0.1 plays the mirrors, serving small files
//! these tests make (good, corrupted, truncated, stalled, missing), and real MNIST for the
//! command line.

mod common;

use common::http::{Reply, serve};
use common::*;
use md5::{Digest, Md5};
use mlp::data::fetch::{FetchEvent, RemoteFile, Source, fetch};
use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn md5_hex(bytes: &[u8]) -> String {
    Md5::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

fn remote(name: &str, bytes: &[u8]) -> RemoteFile {
    RemoteFile {
        name: name.into(),
        md5: md5_hex(bytes),
        sha256_decompressed: None,
    }
}

/// Files in `dir` whose names start with a dot: unfinished downloads.
fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|r| {
            r.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with('.'))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn bad_mirrors_are_skipped_until_a_good_one_answers() {
    let a: Vec<u8> = (0..5000u32).map(|i| (i * 7 % 251) as u8).collect();
    let b: Vec<u8> = (0..3000u32).map(|i| (i * 13 % 241) as u8).collect();
    let mut corrupt = a.clone();
    corrupt[1234] ^= 1;
    let routes = |pairs: Vec<(&str, Reply)>| pairs.into_iter().map(|(p, r)| (p.to_string(), r)).collect();
    let broken = serve(routes(vec![
        ("/a.gz", Reply::Good(corrupt)),
        ("/b.gz", Reply::Truncated(b.clone(), 1000)),
    ]));
    let stalled = serve(routes(vec![
        ("/a.gz", Reply::Slow(a.clone(), Duration::from_secs(5))),
        ("/b.gz", Reply::Missing),
    ]));
    let good = serve(routes(vec![
        ("/a.gz", Reply::Good(a.clone())),
        ("/b.gz", Reply::Good(b.clone())),
    ]));
    let source = Source {
        name: "test".into(),
        mirrors: vec![broken.base.clone(), stalled.base.clone(), good.base.clone()],
        files: vec![remote("a.gz", &a), remote("b.gz", &b)],
    };
    let dir = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    let mut done = Vec::new();
    fetch(
        &source,
        dir.path(),
        Duration::from_millis(800),
        &mut |e| match e {
            FetchEvent::Failed { file, reason, .. } => failures.push(format!("{file}: {reason}")),
            FetchEvent::Done { file, url } => done.push(format!("{file} {url}")),
            _ => {}
        },
    )
    .unwrap();
    assert_eq!(std::fs::read(dir.path().join("a.gz")).unwrap(), a);
    assert_eq!(std::fs::read(dir.path().join("b.gz")).unwrap(), b);
    let failures = failures.join("\n");
    for needle in ["a.gz: checksum mismatch", "b.gz: truncated", "timed out", "404"] {
        assert!(
            failures.to_lowercase().contains(&needle.to_lowercase()),
            "{needle} in:\n{failures}"
        );
    }
    assert!(done.iter().all(|d| d.contains(&good.base)), "{done:?}");
    assert!(leftovers(dir.path()).is_empty(), "{:?}", leftovers(dir.path()));

    // Verified files are not fetched again.
    let before = good.total.load(std::sync::atomic::Ordering::SeqCst);
    let mut present = 0;
    fetch(&source, dir.path(), Duration::from_secs(1), &mut |e| {
        if let FetchEvent::Present { .. } = e {
            present += 1
        }
    })
    .unwrap();
    assert_eq!(present, 2);
    assert_eq!(good.total.load(std::sync::atomic::Ordering::SeqCst), before);
}

#[test]
fn when_every_mirror_fails_nothing_passes_as_complete() {
    let a: Vec<u8> = (0..4000u32).map(|i| (i % 256) as u8).collect();
    let broken = serve(HashMap::from([(
        "/a.gz".to_string(),
        Reply::Truncated(a.clone(), 3999),
    )]));
    let corrupt = serve(HashMap::from([("/a.gz".to_string(), Reply::Good(vec![0; 4000]))]));
    let source = Source {
        name: "test".into(),
        mirrors: vec![broken.base.clone(), corrupt.base.clone()],
        files: vec![remote("a.gz", &a)],
    };
    let dir = tempfile::tempdir().unwrap();
    // A stale, wrong file from an earlier attempt is replaced only by a verified one.
    std::fs::write(dir.path().join("a.gz"), b"stale").unwrap();
    let e = fetch(&source, dir.path(), Duration::from_secs(2), &mut |_| {})
        .unwrap_err()
        .to_string();
    assert!(e.contains(&broken.base) && e.contains(&corrupt.base), "{e}");
    assert!(
        e.contains("truncated: received 3999 of 4000 bytes") && e.contains("checksum mismatch"),
        "{e}"
    );
    assert_eq!(std::fs::read(dir.path().join("a.gz")).unwrap(), b"stale");
    assert!(leftovers(dir.path()).is_empty());
}

#[test]
fn the_command_fetches_mnist_from_a_mirror_and_verifies_it() {
    let real = real_mnist();
    let names = [
        "train-images-idx3-ubyte.gz",
        "train-labels-idx1-ubyte.gz",
        "t10k-images-idx3-ubyte.gz",
        "t10k-labels-idx1-ubyte.gz",
    ];
    let routes: HashMap<String, Reply> = names
        .iter()
        .map(|n| (format!("/{n}"), Reply::Good(std::fs::read(real.join(n)).unwrap())))
        .collect();
    let mirror = serve(routes);
    let dead = serve(HashMap::new());
    let dir = tempfile::tempdir().unwrap();
    let o = mlp(&[
        "data",
        "fetch",
        "mnist",
        "--dir",
        s(dir.path()),
        "--mirror",
        &dead.base,
        "--mirror",
        &mirror.base,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let (out, err) = (stdout(&o), stderr(&o));
    assert!(
        out.contains("train-images-idx3-ubyte.gz: fetched from") && out.contains("checksum OK"),
        "{out}"
    );
    assert!(
        err.contains("404") && err.contains("trying the next mirror"),
        "{err}"
    );
    let v = mlp(&["data", "verify", s(dir.path())]);
    assert!(v.status.success(), "{}", stdout(&v));

    // Corrupted data from the only mirror: an error, and nothing that passes as MNIST.
    let corrupt: HashMap<String, Reply> = names
        .iter()
        .map(|n| (format!("/{n}"), Reply::Good(gzip(b"not mnist"))))
        .collect();
    let corrupt = serve(corrupt);
    let empty = tempfile::tempdir().unwrap();
    fails_with(
        &[
            "data",
            "fetch",
            "mnist",
            "--dir",
            s(empty.path()),
            "--mirror",
            &corrupt.base,
            "--quiet",
        ],
        &[
            "could not fetch train-images-idx3-ubyte.gz",
            "checksum mismatch",
            &corrupt.base,
        ],
    );
    assert_eq!(std::fs::read_dir(empty.path()).unwrap().count(), 0);
}

#[test]
fn training_without_data_says_how_to_fetch_it() {
    let cache = tempfile::tempdir().unwrap();
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_mlp"))
        .args(["train"])
        .env_remove("MLP_DATA_DIR")
        .env("XDG_CACHE_HOME", cache.path())
        .output()
        .unwrap();
    let err = stderr(&o);
    assert!(!o.status.success());
    assert!(
        err.contains("mlp data fetch mnist") && err.contains(s(&cache.path().join("mlp/mnist"))),
        "{err}"
    );
}
