//! The training loop's behaviour: divergence, resuming, early stopping, one core or two.

use super::*;
use crate::data::{Features, Targets};
use crate::linalg::with_threads;
use crate::network::Init;
use crate::optim::{Optimizer, Schedule};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

fn data() -> Dataset {
    Dataset {
        features: Features::Pixels(Array2::from_shape_fn((40, 6), |(i, j)| {
            ((i * 5 + j * 3) % 7 * 40) as u8
        })),
        labels: (0..40).map(|i| (i % 3) as u8).collect(),
        n_classes: 3,
        targets: crate::data::Targets::Classes,
        weights: None,
    }
}

/// A fresh 6-4-3 network, an optimizer of `rule` (η, λ) for it and the progress, from `seed`.
fn start(rule: Optimizer, (eta, l2): (f64, f64), seed: u64) -> (Network<f32>, Optim<f32>, Progress) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let net: Network<f32> = Network::new(&[6, 4, 3], Init::StandardNormal, &mut rng).unwrap();
    let optim = Optim::new(rule, eta, l2 / 40.0, &net);
    (net, optim, Progress::new(rng))
}

#[test]
fn a_non_finite_weight_stops_training_at_once() {
    let config = TrainConfig {
        epochs: 3,
        batch_size: 4,
        ..TrainConfig::default()
    };
    let (mut net, mut optim, mut progress) = start(Optimizer::Sgd, (3.0, 0.0), 0);
    net.layers[0].weights[[1, 2]] = f32::INFINITY;
    let d = data();
    let sets = Sets {
        train: &d,
        validation: None,
        test: None,
    };
    let err = train(&mut net, sets, &config, &mut optim, &mut progress, |_| Ok(())).unwrap_err();
    // A library user never typed a flag: the message names none (the binary adds `--eta`).
    assert!(!err.to_string().contains("--"), "{err}");
    match err {
        Error::Diverged {
            epoch: 1, batch: 1, ..
        } => {}
        other => panic!("expected divergence at epoch 1, mini-batch 1, got {other}"),
    }
}

#[test]
fn resuming_from_any_point_gives_the_same_network() {
    // Momentum (state), dropout (masks) and a step schedule all have to survive a resume.
    let config = TrainConfig {
        epochs: 3,
        batch_size: 4,
        checkpoint_every: Some(3),
        dropout: 0.3,
        input_dropout: 0.1,
        schedule: Schedule::Step { every: 1, gamma: 0.5 },
        ..TrainConfig::default()
    };
    let d = data();
    let sets = Sets {
        train: &d,
        validation: Some(&d),
        test: None,
    };
    let (mut whole, mut optim, mut p) = start(Optimizer::Nesterov { mu: 0.9 }, (0.5, 0.1), 9);
    let mut snapshots = Vec::new();
    train(&mut whole, sets, &config, &mut optim, &mut p, |e| {
        if let Event::Checkpoint(n, p, o) = e {
            snapshots.push((n.clone(), p.clone(), o.clone()));
        }
        Ok(())
    })
    .unwrap();
    assert!(snapshots.len() >= 9);
    for (mut net, mut progress, mut optim) in snapshots {
        train(&mut net, sets, &config, &mut optim, &mut progress, |_| Ok(())).unwrap();
        assert_eq!(net, whole);
        assert_eq!(progress.history.epochs.len(), 3);
    }
}

#[test]
fn early_stopping_stops_when_validation_stalls() {
    let config = TrainConfig {
        epochs: 50,
        batch_size: 4,
        early_stopping: Some(2),
        ..TrainConfig::default()
    };
    let d = data();
    let sets = Sets {
        train: &d,
        validation: Some(&d),
        test: None,
    };
    let (mut net, mut optim, mut progress) = start(Optimizer::Sgd, (1e-4, 0.0), 1);
    train(&mut net, sets, &config, &mut optim, &mut progress, |_| Ok(())).unwrap();
    // With a tiny learning rate the accuracy cannot improve for long.
    assert!(
        progress.stopped_early && progress.epoch < 50,
        "ran {} epochs",
        progress.epoch
    );
}

#[test]
fn sample_weights_of_one_change_no_bit_and_others_weigh_in() {
    let config = TrainConfig {
        epochs: 3,
        batch_size: 8,
        ..TrainConfig::default()
    };
    let run = |weights: Option<Vec<f32>>| {
        let d = Dataset { weights, ..data() };
        let sets = Sets {
            train: &d,
            validation: None,
            test: None,
        };
        let (mut net, mut optim, mut progress) = start(Optimizer::ADAM, (0.01, 0.0), 4);
        train(&mut net, sets, &config, &mut optim, &mut progress, |_| Ok(())).unwrap();
        net
    };
    let plain = run(None);
    // r_x = s_x · m / Σ s = 1 exactly: every δ^L is multiplied by 1.
    assert_eq!(run(Some(vec![1.0; 40])), plain);
    // Samples of weight 0 teach nothing: they may as well hold any target.
    let zero_for_class_2: Vec<f32> = (0..40).map(|i| if i % 3 == 2 { 0.0 } else { 1.0 }).collect();
    let weighted = run(Some(zero_for_class_2.clone()));
    assert_ne!(weighted, plain);
    let mut relabelled = data();
    relabelled
        .labels
        .iter_mut()
        .filter(|l| **l == 2)
        .for_each(|l| *l = 0);
    let d = Dataset {
        weights: Some(zero_for_class_2),
        ..relabelled
    };
    let sets = Sets {
        train: &d,
        validation: None,
        test: None,
    };
    let (mut net, mut optim, mut progress) = start(Optimizer::ADAM, (0.01, 0.0), 4);
    train(&mut net, sets, &config, &mut optim, &mut progress, |_| Ok(())).unwrap();
    assert_eq!(net, weighted, "a sample of weight 0 changed the network");
}

#[test]
fn shuffle_off_walks_the_samples_in_order_every_epoch() {
    let d = data();
    let sets = Sets {
        train: &d,
        validation: None,
        test: None,
    };
    let run = |shuffle: bool, epochs: usize| {
        let config = TrainConfig {
            epochs,
            batch_size: 40,
            shuffle,
            ..TrainConfig::default()
        };
        let (mut net, mut optim, mut progress) = start(Optimizer::Sgd, (0.5, 0.0), 5);
        train(&mut net, sets, &config, &mut optim, &mut progress, |_| Ok(())).unwrap();
        net
    };
    // One mini-batch of every sample: its order matters only to the sums' rounding, and
    // unshuffled it is 0..n, as in a single step of gradient descent by hand.
    let (mut by_hand, mut optim, _) = start(Optimizer::Sgd, (0.5, 0.0), 5);
    let mut ws = Workspace::new(&by_hand, 40);
    let (mut x, mut y) = (Array2::<f32>::zeros((40, 6)), Array2::<f32>::zeros((40, 3)));
    d.fill_batch(&(0..40).collect::<Vec<_>>(), x.view_mut(), y.view_mut());
    optim.step(&mut by_hand, x.view(), y.view(), &mut ws);
    assert_eq!(run(false, 1), by_hand);
    assert_ne!(run(false, 2), run(true, 2));
}

#[test]
fn invscaling_sets_eta_from_the_samples_seen() {
    let d = data();
    let sets = Sets {
        train: &d,
        validation: None,
        test: None,
    };
    let config = TrainConfig {
        epochs: 3,
        batch_size: 10,
        schedule: Schedule::InvScaling { power_t: 0.5 },
        ..TrainConfig::default()
    };
    let (mut net, mut optim, mut progress) = start(Optimizer::Sgd, (0.4, 0.0), 6);
    train(&mut net, sets, &config, &mut optim, &mut progress, |_| Ok(())).unwrap();
    let etas: Vec<f64> = progress.history.epochs.iter().map(|e| e.eta).collect();
    // scikit-learn's η₀ / (t + 1)^power_t, t = 0, then 40 and 80 samples seen.
    let expected = [0.4, 0.4 / 41f64.sqrt(), 0.4 / 81f64.sqrt()];
    assert!(
        etas.iter().zip(expected).all(|(a, b)| (a - b).abs() < 1e-12),
        "{etas:?}"
    );
}

/// The two-core stepper against the one-core one.
mod two_cores {
    use super::*;

    /// 1003 samples of 256 "pixels" in 10 classes: 101 mini-batches of 10, the last of 3.
    fn data() -> Dataset {
        Dataset {
            features: Features::Pixels(Array2::from_shape_fn((1003, 256), |(i, j)| {
                // Blank paper around ink that depends on the class, as in MNIST.
                if (j + i % 10 * 7) % 5 == 0 {
                    ((i * 31 + j * 17) % 256) as u8
                } else {
                    0
                }
            })),
            labels: (0..1003).map(|i| (i % 10) as u8).collect(),
            n_classes: 10,
            targets: Targets::Classes,
            weights: None,
        }
    }

    /// Every rule, with weight decay: each has its own update of the helper's rows.
    fn rules() -> [(Optimizer, f64); 4] {
        [
            (Optimizer::Sgd, 0.5),
            (Optimizer::Momentum { mu: 0.9 }, 0.05),
            (Optimizer::Nesterov { mu: 0.9 }, 0.05),
            (Optimizer::ADAM, 0.01),
        ]
    }

    /// What a run leaves: its result, the network, and the network and optimizer handed to
    /// every checkpoint (the last one's optimizer at the end).
    type Run = (crate::Result<()>, Network<f32>, Vec<(Network<f32>, Optim<f32>)>);

    /// Trains a fresh 256-40-10 network with `config` and SGD; see [`run_with`].
    fn run(config: &TrainConfig, poison: Option<(usize, usize)>) -> Run {
        run_with(config, poison, (Optimizer::Sgd, 0.5))
    }

    /// Trains a fresh 256-40-10 network with `config` and the rule at its η.
    fn run_with(config: &TrainConfig, poison: Option<(usize, usize)>, rule: (Optimizer, f64)) -> Run {
        run_on(&data(), &[256, 40, 10], config, poison, rule)
    }

    /// Trains a fresh network of `layers` on `d` with `config` and the rule at its η, the
    /// weight `poison` (if any) made infinite first.
    fn run_on(
        d: &Dataset,
        layers: &[usize],
        config: &TrainConfig,
        poison: Option<(usize, usize)>,
        (rule, eta): (Optimizer, f64),
    ) -> Run {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let mut net: Network<f32> = Network::new(layers, Init::StandardNormal, &mut rng).unwrap();
        if let Some(at) = poison {
            net.layers[0].weights[at] = f32::INFINITY;
        }
        let mut optim = Optim::new(rule, eta, 1e-4, &net);
        let mut progress = Progress::new(rng);
        let sets = Sets {
            train: d,
            validation: None,
            test: None,
        };
        let mut seen = Vec::new();
        let result = train(&mut net, sets, config, &mut optim, &mut progress, |e| {
            if let Event::Checkpoint(net, _, optim) = e {
                seen.push((net.clone(), optim.clone()));
            }
            Ok(())
        });
        (result, net, seen)
    }

    fn config() -> TrainConfig {
        TrainConfig {
            epochs: 3,
            batch_size: 10,
            checkpoint_every: Some(17),
            ..TrainConfig::default()
        }
    }

    /// The compressor (targets = inputs): the leader reads its targets from the inputs the
    /// helper converted.
    #[test]
    fn two_cores_train_the_same_compressor_as_one() {
        let d = Dataset {
            targets: Targets::Inputs,
            ..data()
        };
        let layers = [256, 40, 256];
        let net: Network<f32> =
            Network::new(&layers, Init::StandardNormal, &mut ChaCha8Rng::seed_from_u64(7)).unwrap();
        if f32::has_small_kernels() && crate::linalg::threads() >= 2 {
            assert!(super::super::split::applies(
                &net,
                &Workspace::new(&net, 10),
                10,
                1003
            ));
        }
        let (ok2, two, seen2) = run_on(&d, &layers, &config(), None, (Optimizer::Sgd, 0.5));
        let (ok1, one, seen1) =
            with_threads(1, || run_on(&d, &layers, &config(), None, (Optimizer::Sgd, 0.5)));
        ok1.unwrap();
        ok2.unwrap();
        assert!(seen1 == seen2, "the checkpoints differ");
        assert!(one == two, "the networks differ");
        assert!(one != net, "it trained");
    }

    #[test]
    fn two_cores_train_the_same_network_as_one() {
        let net: Network<f32> = Network::new(
            &[256, 40, 10],
            Init::StandardNormal,
            &mut ChaCha8Rng::seed_from_u64(7),
        )
        .unwrap();
        // Not a vacuous comparison where the split can run (AVX-512 and two cores, as here).
        let applies = || super::super::split::applies(&net, &Workspace::new(&net, 10), 10, 1003);
        if f32::has_small_kernels() && crate::linalg::threads() >= 2 {
            assert!(applies());
        }
        assert!(!with_threads(1, applies));

        for rule in rules() {
            let (ok2, two, seen2) = run_with(&config(), None, rule);
            let (ok1, one, seen1) = with_threads(1, || run_with(&config(), None, rule));
            ok1.unwrap();
            ok2.unwrap();
            // Every weight, bias and state value bit for bit, after training and at every
            // checkpoint (which falls in mid-epoch, while the helper holds its rows).
            assert_eq!(seen1.len(), 3 * (101 / 17 + 1));
            assert!(seen1 == seen2, "{:?}: the checkpoints differ", rule.0);
            assert!(one == two, "{:?}: the networks differ", rule.0);
        }
        let (_, one, _) = run(&config(), None);
        let start: Network<f32> = Network::new(
            &[256, 40, 10],
            Init::StandardNormal,
            &mut ChaCha8Rng::seed_from_u64(7),
        )
        .unwrap();
        assert_ne!(
            one.layers[0].weights.row(39),
            start.layers[0].weights.row(39),
            "the helper's last row trained"
        );
    }

    /// A first layer too large for one core's kernels but holding most of the weights
    /// (256-300-10 at m = 128: 9.8 M multiply-adds a mini-batch) is split on the AVX-512
    /// path, its halves through the medium kernels, and trains the same network as one core.
    #[test]
    fn a_large_first_layer_split_in_two_trains_the_same_network_as_one_core() {
        let layers = [256, 300, 10];
        let fresh =
            || Network::<f32>::new(&layers, Init::StandardNormal, &mut ChaCha8Rng::seed_from_u64(7)).unwrap();
        let net = fresh();
        let applies = || super::super::split::applies(&net, &Workspace::new(&net, 128), 128, 1003);
        if crate::linalg::Kernel::Avx512.available() && crate::linalg::threads() >= 2 {
            assert!(applies(), "the split runs here");
        } else {
            eprintln!("skipped the split's own check: this processor lacks the avx512 path or a second core");
        }
        let d = data();
        for rule in rules() {
            let go = |threads| {
                with_threads(threads, || {
                    let mut net = fresh();
                    let mut optim = Optim::new(rule.0, rule.1 / 10.0, 1e-4, &net);
                    let mut progress = Progress::new(ChaCha8Rng::seed_from_u64(7));
                    let sets = Sets {
                        train: &d,
                        validation: None,
                        test: None,
                    };
                    let config = TrainConfig {
                        epochs: 2,
                        batch_size: 128,
                        ..TrainConfig::default()
                    };
                    train(&mut net, sets, &config, &mut optim, &mut progress, |_| Ok(())).unwrap();
                    (net, optim)
                })
            };
            let ((one, optim_one), (two, optim_two)) = (go(1), go(2));
            assert!(one == two, "{:?}: the networks differ", rule.0);
            assert!(optim_one == optim_two, "{:?}: the rule's state differs", rule.0);
            assert!(one != fresh(), "{:?}: nothing trained", rule.0);
        }
    }

    /// A two-core epoch that goes on with one core part-way (its helper kept it waiting)
    /// trains the same network as either path alone.
    #[test]
    fn falling_back_to_one_core_mid_epoch_changes_no_bit() {
        for rule in rules() {
            let (ok1, one, seen1) = with_threads(1, || run_with(&config(), None, rule));
            ok1.unwrap();
            super::super::step::FALL_BACK_AT.set(Some(40));
            let (ok, fell, seen) = run_with(&config(), None, rule);
            super::super::step::FALL_BACK_AT.set(None);
            ok.unwrap();
            assert_eq!(seen.len(), 3 * (101 / 17 + 1));
            assert!(one == fell, "{:?}: the networks differ", rule.0);
            assert!(seen1 == seen, "{:?}: the checkpoints differ", rule.0);
        }
    }

    /// The optimizer handed to `train` decides the update rule on every path: an Adam `Optim`
    /// with a default configuration trains the same network on two cores as on one.
    #[test]
    fn the_optimizer_given_is_the_one_used_on_two_cores() {
        let d = data();
        let adam = |threads: usize| {
            with_threads(threads, || {
                let mut rng = ChaCha8Rng::seed_from_u64(7);
                let mut net: Network<f32> =
                    Network::new(&[256, 40, 10], Init::StandardNormal, &mut rng).unwrap();
                let mut optim = Optim::new(crate::optim::Optimizer::ADAM, 0.01, 0.0, &net);
                let mut progress = Progress::new(rng);
                let sets = Sets {
                    train: &d,
                    validation: None,
                    test: None,
                };
                let config = TrainConfig {
                    epochs: 2,
                    ..TrainConfig::default()
                };
                train(&mut net, sets, &config, &mut optim, &mut progress, |_| Ok(())).unwrap();
                (net, optim)
            })
        };
        let (one, optim_one) = adam(1);
        let (two, optim_two) = adam(2);
        assert_eq!(optim_one, optim_two, "Adam's moments and step count");
        assert_eq!(one, two);
    }

    #[test]
    fn a_non_finite_weight_in_the_helper_rows_stops_training_at_once() {
        for row in [0, 39] {
            let (result, _, _) = run(&config(), Some((row, 3)));
            match result {
                Err(Error::Diverged {
                    epoch: 1, batch: 1, ..
                }) => {}
                other => panic!("row {row}: expected divergence at epoch 1, mini-batch 1, got {other:?}"),
            }
        }
    }
}

#[test]
fn distorted_training_is_reproducible_resumable_and_never_touches_the_test_set() {
    use crate::data::augment::Distortion;
    // 40 images of 4×4 pixels.
    let d = Dataset {
        features: Features::Pixels(Array2::from_shape_fn((40, 16), |(i, j)| {
            ((i * 7 + j * 5) % 9 * 30) as u8
        })),
        labels: (0..40).map(|i| (i % 3) as u8).collect(),
        n_classes: 3,
        targets: Targets::Classes,
        weights: None,
    };
    let config = TrainConfig {
        epochs: 3,
        batch_size: 4,
        checkpoint_every: Some(3),
        augment: Some(Distortion {
            sigma: 1.0,
            alpha: 2.0,
            shift: 0.5,
            ..Distortion::default()
        }),
        ..TrainConfig::default()
    };
    let sets = Sets {
        train: &d,
        validation: None,
        test: Some(&d),
    };
    let fresh = || {
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        let net: Network<f32> = Network::new(&[16, 4, 3], Init::StandardNormal, &mut rng).unwrap();
        let optim = Optim::new(Optimizer::Sgd, 0.5, 0.0, &net);
        (net, optim, Progress::new(rng))
    };
    let run = |config: &TrainConfig| {
        let (mut net, mut optim, mut p) = fresh();
        let mut snapshots = Vec::new();
        train(&mut net, sets, config, &mut optim, &mut p, |e| {
            if let Event::Checkpoint(n, p, o) = e {
                snapshots.push((n.clone(), p.clone(), o.clone()));
            }
            Ok(())
        })
        .unwrap();
        (net, p, snapshots)
    };
    let (whole, progress, snapshots) = run(&config);
    assert_eq!(run(&config).0, whole, "the same seed distorts the same way");
    let plain = TrainConfig {
        augment: None,
        ..config
    };
    assert_ne!(run(&plain).0, whole, "the distortions changed what was learned");
    // Resumed from any checkpoint moment, the epoch's images are distorted as before.
    assert!(snapshots.len() >= 9);
    for (mut net, mut p, mut optim) in snapshots {
        train(&mut net, sets, &config, &mut optim, &mut p, |_| Ok(())).unwrap();
        assert_eq!(net, whole);
    }
    // The test score is the network's on the images as they are.
    let last = progress.history.epochs.last().unwrap();
    assert_eq!(last.test_correct, Some(evaluate(&whole, &d).unwrap().correct));
}

/// The regularised cost's L2 term: (decay/2) Σ w² over the weights, never the biases; none
/// without decay.
#[test]
fn the_l2_term_counts_every_weight_and_no_bias() {
    let mut net: Network<f32> = Network::new(
        &[3, 2, 1],
        Init::StandardNormal,
        &mut ChaCha8Rng::seed_from_u64(0),
    )
    .unwrap();
    for (l, layer) in net.layers.iter_mut().enumerate() {
        layer.weights.fill(l as f32 + 1.0); // 6 weights of 1, then 2 of 2
        layer.biases.fill(100.0);
    }
    assert_eq!(super::l2_penalty(&net, 0.0), 0.0);
    assert_eq!(super::l2_penalty(&net, 0.5), 0.25 * (6.0 + 2.0 * 4.0));
}
