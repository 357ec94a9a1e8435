//! Times `linalg::gemm` on the matrix products of mini-batch training, at their real shapes
//! and layouts, and prints GFLOP/s on the kernel path in use (`MLP_KERNEL` forces one):
//!     cargo run --release --example gemm_shapes [-- --threads 1] [--shape M,K,N,FORM ...]
//! (`--shape` replaces the built-in list with the shapes given, FORM one of nt, nn, tn.)
use mlp::linalg::{gemm, with_threads};
use ndarray::Array2;
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let threads = match args
        .iter()
        .position(|a| a == "--threads")
        .map(|i| args.get(i + 1))
    {
        None => 2,
        Some(value) => value
            .and_then(|s| s.parse().ok())
            .filter(|&t: &usize| t >= 1)
            .unwrap_or_else(|| refuse("--threads takes a number of threads, 1 or more")),
    };
    // (m, k, n, form): forward A·Bᵀ ("nt"), deltas A·B ("nn"), weight gradients Aᵀ·B ("tn").
    let given: Vec<(usize, usize, usize, String)> = args
        .iter()
        .enumerate()
        .filter(|(_, a)| *a == "--shape")
        .map(|(i, _)| match args.get(i + 1).and_then(|s| shape(s)) {
            Some(s) => s,
            None => refuse(&format!(
                "--shape {}: expected M,K,N,FORM with sizes of 1 or more and FORM nt, nn or tn",
                args.get(i + 1).map_or("(missing)", String::as_str)
            )),
        })
        .collect();
    let built_in = [
        (128, 784, 100, "nt"),
        (128, 100, 784, "nn"),
        (100, 128, 784, "tn"),
        (128, 784, 800, "nt"),
        (128, 800, 800, "nt"),
        (128, 800, 800, "nn"),
        (800, 128, 800, "tn"),
        (800, 128, 784, "tn"),
        (1000, 784, 100, "nt"),
        (1000, 784, 800, "nt"),
        (1000, 800, 800, "nn"),
        (128, 2000, 2000, "nt"),
        (128, 2000, 2000, "nn"),
        (2000, 128, 2000, "tn"),
        (1024, 1024, 1024, "nn"),
        (1024, 1024, 1024, "nt"),
    ];
    let shapes: Vec<(usize, usize, usize, String)> = if given.is_empty() {
        built_in
            .iter()
            .map(|&(m, k, n, f)| (m, k, n, f.to_string()))
            .collect()
    } else {
        given
    };
    for (m, k, n, form) in shapes {
        let form = form.as_str();
        let fill = |r, c| Array2::from_shape_fn((r, c), |(i, j)| ((i * 7 + j * 13) % 17) as f32 / 17.0 - 0.5);
        let mut c = Array2::<f32>::zeros((m, n));
        let (a, b) = match form {
            "tn" => (fill(k, m), fill(k, n)),
            "nt" => (fill(m, k), fill(n, k)),
            _ => (fill(m, k), fill(k, n)),
        };
        let run = |c: &mut Array2<f32>| match form {
            "tn" => gemm(0.5, a.t(), b.view(), 1.0, &mut c.view_mut()),
            "nt" => gemm(1.0, a.view(), b.t(), 0.0, &mut c.view_mut()),
            _ => gemm(1.0, a.view(), b.view(), 0.0, &mut c.view_mut()),
        };
        let reps = (2e9 / (2.0 * (m * k * n) as f64)).max(10.0) as usize;
        let best = with_threads(threads, || {
            run(&mut c);
            (0..5)
                .map(|_| {
                    let t = Instant::now();
                    for _ in 0..reps {
                        run(&mut c);
                    }
                    t.elapsed().as_secs_f64() / reps as f64
                })
                .fold(f64::INFINITY, f64::min)
        });
        println!(
            "{m:>5}x{k:>4}x{n:>4} {form}  {:7.1} GFLOP/s  ({:.1} us)",
            2.0 * (m * k * n) as f64 / best / 1e9,
            best * 1e6
        );
    }
}

/// `M,K,N,FORM` as sizes of 1 or more and one of the three forms.
fn shape(s: &str) -> Option<(usize, usize, usize, String)> {
    let f: Vec<&str> = s.split(',').collect();
    let [m, k, n, form] = f[..] else { return None };
    let size = |v: &str| v.parse::<usize>().ok().filter(|&v| v >= 1);
    let form = ["nt", "nn", "tn"].into_iter().find(|&x| x == form)?;
    Some((size(m)?, size(k)?, size(n)?, form.to_string()))
}

/// Says what was wrong with the command line and exits with 2.
fn refuse(why: &str) -> ! {
    eprintln!("gemm_shapes: {why}");
    std::process::exit(2)
}
