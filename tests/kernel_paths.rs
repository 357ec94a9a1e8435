//! The kernel paths through a whole training run: the AVX2 path trains the lecture's network
//! to the AVX-512 path's weights bit for bit (one thread and two), the gemm-only path runs
//! when forced (its sums are ordered otherwise, so its weights differ), and `MLP_KERNEL`'s
//! values parse or fail naming the choices.

use mlp::data::{Dataset, Features, Targets};
use mlp::linalg::{Kernel, kernel, kernel_path, with_kernel, with_threads};
use mlp::optim::{Optim, Optimizer};
use mlp::train::{Progress, Sets, TrainConfig, train};
use mlp::{Init, Network};
use ndarray::Array2;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Weights and biases of the lecture's 784-30-10 network after one epoch of mini-batches of
/// 10 over 200 random images, on `path` with `threads` threads, as bits.
fn trained_bits(path: Kernel, threads: usize) -> Vec<u32> {
    trained_bits_of(&[784, 30, 10], 10, 200, path, threads)
}

/// Weights and biases of a sigmoid network of `layers` after one epoch of mini-batches of
/// `batch` over `n` random images, on `path` with `threads` threads, as bits.
fn trained_bits_of(layers: &[usize], batch: usize, n: usize, path: Kernel, threads: usize) -> Vec<u32> {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let mut net: Network<f32> = Network::new(layers, Init::StandardNormal, &mut rng).unwrap();
    // Digits on blank paper: most 16-pixel blocks zero, as the kernels' block skipping expects.
    let pixels = Array2::from_shape_fn((n, 784), |(_, p)| {
        let (row, col) = (p / 28, p % 28);
        if (6..22).contains(&row) && (8..20).contains(&col) {
            rng.random::<u8>()
        } else {
            0
        }
    });
    let data = Dataset {
        features: Features::Pixels(pixels),
        labels: (0..n).map(|i| (i % 10) as u8).collect(),
        n_classes: 10,
        targets: Targets::Classes,
        weights: None,
    };
    let mut optim = Optim::new(Optimizer::Sgd, 3.0, 0.0, &net);
    let config = TrainConfig {
        epochs: 1,
        batch_size: batch,
        ..TrainConfig::default()
    };
    let sets = Sets {
        train: &data,
        validation: None,
        test: None,
    };
    let mut progress = Progress::new(ChaCha8Rng::seed_from_u64(1));
    with_kernel(path, || {
        assert_eq!(kernel(), path);
        assert_eq!(kernel_path(), path.describe());
        with_threads(threads, || {
            train(&mut net, sets, &config, &mut optim, &mut progress, |_| Ok(()))
        })
    })
    .unwrap();
    net.layers
        .iter()
        .flat_map(|l| l.weights.iter().chain(l.biases.iter()))
        .map(|v| v.to_bits())
        .collect()
}

#[test]
fn avx2_trains_to_the_avx512_bits_and_gemm_runs_when_forced() {
    let reference = trained_bits(Kernel::Gemm, 1);
    assert_eq!(
        reference,
        trained_bits(Kernel::Gemm, 2),
        "gemm path: one thread vs two"
    );
    let mut small = Vec::new();
    for path in [Kernel::Avx512, Kernel::Avx2] {
        if !path.available() {
            eprintln!("skipped: this processor lacks the {} path", path.name());
            continue;
        }
        for threads in [1, 2] {
            small.push((path, threads, trained_bits(path, threads)));
        }
    }
    for (path, threads, bits) in &small {
        assert_eq!(
            bits,
            &small[0].2,
            "{} with {threads} threads differs from {} with {}",
            path.name(),
            small[0].0.name(),
            small[0].1
        );
        // The gemm crate sums in another order: if these agreed, the override did nothing.
        assert_ne!(bits, &reference, "{} gave the gemm path's bits", path.name());
    }
}

/// What the README says of larger networks: 784-100-10 at m = 128 has products of more than
/// 2²¹ multiply-adds, which the AVX-512 path computes with its own kernels on two cores and the
/// AVX2 path hands to the gemm crate; each path keeps its bits on one thread or two, and the
/// two paths' bits differ.
#[test]
fn larger_products_keep_each_paths_bits_on_any_thread_count_and_differ_between_paths() {
    let mut runs = Vec::new();
    for path in [Kernel::Avx512, Kernel::Avx2] {
        if !path.available() {
            eprintln!("skipped: this processor lacks the {} path", path.name());
            continue;
        }
        let one = trained_bits_of(&[784, 100, 10], 128, 512, path, 1);
        assert_eq!(
            one,
            trained_bits_of(&[784, 100, 10], 128, 512, path, 2),
            "{}: one thread vs two",
            path.name()
        );
        runs.push(one);
    }
    if let [avx512, avx2] = &runs[..] {
        assert_ne!(
            avx512, avx2,
            "the AVX-512 and AVX2 paths gave the same bits for medium products"
        );
    }
}

#[test]
fn kernel_settings_parse_or_name_the_choices() {
    let best = Kernel::ALL.into_iter().find(|k| k.available()).unwrap();
    assert_eq!(Kernel::from_setting(None), Ok(best));
    assert_eq!(Kernel::from_setting(Some("")), Ok(best));
    assert_eq!(Kernel::from_setting(Some(" gemm ")), Ok(Kernel::Gemm));
    for k in Kernel::ALL {
        let parsed = Kernel::from_setting(Some(k.name()));
        if k.available() {
            assert_eq!(parsed, Ok(k));
        } else {
            let e = parsed.unwrap_err();
            assert!(e.contains("lacks") && e.contains(k.name()), "{e}");
        }
    }
    let e = Kernel::from_setting(Some("neon")).unwrap_err();
    assert!(
        e.contains("MLP_KERNEL=neon") && e.contains("avx512, avx2, gemm"),
        "{e}"
    );
}
