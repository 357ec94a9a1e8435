//! The examples that take options, driven as built (`cargo test` builds them beside the tests).

use std::path::PathBuf;
use std::process::{Command, Output};

fn example(name: &str) -> PathBuf {
    // target/<profile>/deps/<this test> → target/<profile>/examples/<name>
    let exe = std::env::current_exe().unwrap();
    let path = exe
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .join("examples")
        .join(name);
    assert!(
        path.exists(),
        "{} is not built (run the whole `cargo test`)",
        path.display()
    );
    path
}

fn gemm_shapes(args: &[&str]) -> Output {
    Command::new(example("gemm_shapes")).args(args).output().unwrap()
}

#[test]
fn gemm_shapes_times_the_shapes_given() {
    let o = gemm_shapes(&["--threads", "1", "--shape", "8,8,8,nt", "--shape", "4,16,8,tn"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = String::from_utf8(o.stdout).unwrap();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(
        lines[0].contains("8x   8x   8 nt") && lines[1].contains(" tn "),
        "{out}"
    );
    assert!(lines.iter().all(|l| l.contains("GFLOP/s")), "{out}");
}

#[test]
fn gemm_shapes_refuses_a_bad_shape_or_thread_count_by_name() {
    for (args, named) in [
        (&["--shape", "8,8"][..], "--shape 8,8"),
        (&["--shape", "0,8,8,nt"], "--shape 0,8,8,nt"),
        (&["--shape", "8,8,8,xy"], "--shape 8,8,8,xy"),
        (&["--shape"], "--shape (missing)"),
        (&["--threads", "0"], "--threads"),
    ] {
        let o = gemm_shapes(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains(named) && !err.contains("panicked"),
            "{args:?}: {err}"
        );
    }
}
