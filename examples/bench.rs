//! Times `mlp` on one benchmark configuration and prints one JSON line; `scripts/bench.sh` runs
//! it next to the PyTorch and NumPy peers and prints the table.
//!
//!     cargo run --release --example bench -- --config 1 [--epochs 5] [--data-dir DIR]
//!     cargo run --release --example bench -- --peak
//!
//! Configurations: 1 = 784-30-10, m = 10; 2 = 784-100-10, m = 10; 3 = 784-800-800-10, m = 128
//! (all sigmoid, quadratic cost, eta 3.0 for 1-2 and 0.5 for 3); 4 = classifying the 10 000
//! test images with the network of 1 (after one epoch of training), bytes-to-floats included.
//! The modern recipes (ReLU hidden layers, softmax output, log-likelihood cost, He init, m = 128):
//! 5 = 784-100-10 with Adam (eta 0.001, beta 0.9/0.999, epsilon 1e-8); 6 = 784-800-800-10 with
//! dropout 0.5 on the hidden layers and 0.2 on the inputs, Nesterov momentum (eta 0.05, mu 0.9).
//! Their FLOPs are `train_flops` of the sizes: dropout zeroes neurons but not multiply-adds.
//! The kernel path is the library's choice (`MLP_KERNEL=avx512|avx2|gemm` forces one) and is
//! printed in the JSON line.

use mlp::data::{Dataset, mnist};
use mlp::linalg::gemm;
use mlp::optim::{Optim, Optimizer};
use mlp::train::{self, Progress, Sets, TrainConfig};
use mlp::{Activation, Architecture, Cost, Init, Network};
use ndarray::Array2;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::path::PathBuf;
use std::time::Instant;

struct Config {
    sizes: &'static [usize],
    batch: usize,
    eta: f64,
    /// ReLU hidden layers, softmax output and log-likelihood cost (else the lecture's sigmoids
    /// and quadratic cost).
    modern: bool,
    init: Init,
    optimizer: Optimizer,
    dropout: f64,
    input_dropout: f64,
}

const LECTURE: Config = Config {
    sizes: &[784, 30, 10],
    batch: 10,
    eta: 3.0,
    modern: false,
    init: Init::StandardNormal,
    optimizer: Optimizer::Sgd,
    dropout: 0.0,
    input_dropout: 0.0,
};

fn config(n: u32) -> Config {
    match n {
        1 | 4 => LECTURE,
        2 => Config {
            sizes: &[784, 100, 10],
            ..LECTURE
        },
        // The deep configuration starts from N(0, 1/n_in) weights, so its sigmoids are not
        // saturated.
        3 => Config {
            sizes: &[784, 800, 800, 10],
            batch: 128,
            eta: 0.5,
            init: Init::ScaledNormal,
            ..LECTURE
        },
        5 => Config {
            sizes: &[784, 100, 10],
            batch: 128,
            eta: 0.001,
            modern: true,
            init: Init::He,
            optimizer: Optimizer::ADAM,
            ..LECTURE
        },
        6 => Config {
            sizes: &[784, 800, 800, 10],
            batch: 128,
            eta: 0.05,
            modern: true,
            init: Init::He,
            optimizer: Optimizer::Nesterov { mu: 0.9 },
            dropout: 0.5,
            input_dropout: 0.2,
        },
        _ => panic!("configurations are 1 to 6"),
    }
}

/// Multiply-adds ×2 per training epoch: feedforward and weight gradients for every layer,
/// deltas for every layer but the first.
fn train_flops(sizes: &[usize], samples: usize) -> f64 {
    let macs: usize = sizes.windows(2).map(|w| w[0] * w[1]).sum::<usize>() * 2
        + sizes.windows(2).skip(1).map(|w| w[0] * w[1]).sum::<usize>();
    2.0 * (macs * samples) as f64
}

fn infer_flops(sizes: &[usize], samples: usize) -> f64 {
    2.0 * (sizes.windows(2).map(|w| w[0] * w[1]).sum::<usize>() * samples) as f64
}

fn median(xs: &[f64]) -> f64 {
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Peak resident memory of this process (VmHWM), in MB.
fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// The machine's float32 matrix-product peak on both cores, in FLOP/s: the best of three runs
/// of each of a 4096³ product (the `gemm` crate's packed kernels) and two products the hand
/// kernels do best (a 1000×800·800×800 feedforward and a 800×128·128×784 weight update), so
/// that the floor is what this machine can do, whichever code does it.
fn gemm_peak() -> f64 {
    let fill = |r, c| Array2::<f32>::from_shape_fn((r, c), |(i, j)| ((i * 3 + j) % 7) as f32);
    let time = |m: usize, k: usize, n: usize, transpose_a: bool| {
        let a = if transpose_a { fill(k, m) } else { fill(m, k) };
        let b = fill(k, n);
        let mut c = Array2::<f32>::zeros((m, n));
        let reps = (4e9 / (2 * m * k * n) as f64).ceil() as usize;
        (0..3)
            .map(|_| {
                let t = Instant::now();
                for _ in 0..reps {
                    let a = if transpose_a { a.t() } else { a.view() };
                    gemm(1.0, a, b.view(), 0.0, &mut c.view_mut());
                }
                (2 * m * k * n * reps) as f64 / t.elapsed().as_secs_f64()
            })
            .fold(0.0, f64::max)
    };
    [
        time(4096, 4096, 4096, false),
        time(1000, 800, 800, false),
        time(800, 128, 784, true),
    ]
    .into_iter()
    .fold(0.0, f64::max)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let opt = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    if args.iter().any(|a| a == "--peak") {
        println!("{{\"gemm_peak_flops\": {}}}", gemm_peak());
        return Ok(());
    }
    let n: u32 = opt("--config").ok_or("--config N")?.parse()?;
    let epochs: usize = opt("--epochs").map_or(Ok(5), |s| s.parse())?;
    let dir = opt("--data-dir")
        .or_else(|| std::env::var(mnist::DATA_DIR_ENV).ok())
        .map(PathBuf::from)
        .ok_or("--data-dir DIR or MLP_DATA_DIR")?;
    let c = config(n);
    let (train_set, test_set) = mnist::load(&dir)?;
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let arch = if c.modern {
        Architecture {
            sizes: c.sizes.to_vec(),
            hidden: Activation::Relu,
            output: Activation::Softmax,
            cost: Cost::LogLikelihood,
        }
    } else {
        Architecture::lecture(c.sizes)
    };
    let mut net: Network<f32> = Network::build(&arch, c.init, &mut rng)?;

    let mut progress = Progress::new(rng);
    let mut optim = Optim::new(c.optimizer, c.eta, 0.0, &net);
    let mut epoch = |net: &mut Network<f32>, data: &Dataset| -> f64 {
        let cfg = TrainConfig {
            epochs: progress.epoch + 1,
            batch_size: c.batch,
            dropout: c.dropout,
            input_dropout: c.input_dropout,
            ..TrainConfig::default()
        };
        let sets = Sets {
            train: data,
            validation: None,
            test: None,
        };
        let t = Instant::now();
        train::train(net, sets, &cfg, &mut optim, &mut progress, |_| Ok(())).expect("training");
        t.elapsed().as_secs_f64()
    };

    let (seconds, flops, accuracy) = if n == 4 {
        epoch(&mut net, &train_set);
        // Warm-up, then timed classifications of the whole test set.
        train::evaluate(&net, &test_set)?;
        let mut acc = 0.0;
        let times: Vec<f64> = (0..epochs.max(10))
            .map(|_| {
                let t = Instant::now();
                acc = train::evaluate(&net, &test_set).expect("evaluation").accuracy();
                t.elapsed().as_secs_f64()
            })
            .collect();
        (times, infer_flops(c.sizes, test_set.len()), acc)
    } else {
        epoch(&mut net, &train_set); // warm-up
        let times: Vec<f64> = (0..epochs).map(|_| epoch(&mut net, &train_set)).collect();
        let acc = train::evaluate(&net, &test_set)?.accuracy();
        (times, train_flops(c.sizes, train_set.len()), acc)
    };
    println!(
        "{{\"impl\": \"mlp\", \"config\": {n}, \"seconds\": {seconds:?}, \"median\": {}, \"flops\": {flops}, \
         \"accuracy\": {accuracy}, \"peak_rss_mb\": {:.1}, \"kernel\": \"{}\"}}",
        median(&seconds),
        peak_rss_mb(),
        mlp::linalg::kernel().name()
    );
    Ok(())
}
