//! Backpropagation agrees with numerical derivatives for random networks of several shapes.

use mlp::Architecture;
use mlp::activation::{self, Activation};
use mlp::cost;
use mlp::gradcheck::{check_architecture, compare, gradient_check};
use mlp::{Init, Network, Workspace};
use ndarray::Array2;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

#[test]
fn backprop_matches_numerical_gradients() {
    let shapes: [&[usize]; 6] = [
        &[1, 1],
        &[3, 2],
        &[5, 4, 3],
        &[10, 7, 5, 3],
        &[30, 40, 20, 10],
        &[64, 30, 10],
    ];
    for sizes in shapes {
        for seed in 0..4 {
            let g = gradient_check(sizes, seed).unwrap();
            assert!(
                g.max_relative_error < 1e-6,
                "sizes {sizes:?} seed {seed}: max relative error {}",
                g.max_relative_error
            );
            assert!(g.numerical_passes >= 2 * g.parameters);
        }
    }
}

#[test]
fn every_activation_cost_and_output_combination_passes() {
    let mut checked = 0;
    for hidden in activation::ALL.into_iter().filter(|&a| a != Activation::Softmax) {
        for output in activation::ALL {
            for cost in cost::ALL.into_iter().filter(|c| c.check_output(output).is_ok()) {
                for (sizes, seed) in [(vec![5, 4, 3], 1), (vec![6, 5, 4, 3], 2)] {
                    let arch = Architecture {
                        sizes,
                        hidden,
                        output,
                        cost,
                    };
                    let g = check_architecture(&arch, seed).unwrap();
                    assert!(
                        g.max_relative_error < 1e-6,
                        "{hidden} hidden, {output} output, {cost} cost, {:?}: {}",
                        arch.sizes,
                        g.max_relative_error
                    );
                    checked += 1;
                }
            }
        }
    }
    // 5 hidden × (6 outputs × 2 general costs + cross-entropy + log-likelihood) × 2 shapes
    assert_eq!(checked, 5 * 14 * 2);
}

#[test]
fn a_wrong_gradient_is_caught() {
    // The check is worth something only if it can fail. The lecture's loose output error
    // (y − z instead of z − y) flips the sign of every gradient; so does negating them here.
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let mut net: Network<f64> = Network::new(&[4, 3, 2], Init::StandardNormal, &mut rng).unwrap();
    let x = Array2::from_shape_fn((3, 4), |(i, j)| (i + j) as f64 / 7.0);
    let y = Array2::from_shape_fn((3, 2), |(i, j)| ((i + j) % 2) as f64);
    let mut ws = Workspace::new(&net, 3);
    net.backprop(x.view(), y.view(), &mut ws);
    let (right, _) = compare(&mut net, x.view(), y.view(), &ws.grads);
    assert!(right < 1e-6, "{right}");

    let mut flipped = ws.grads.clone();
    flipped.weights.iter_mut().for_each(|w| w.mapv_inplace(|g| -g));
    flipped.biases.iter_mut().for_each(|b| b.mapv_inplace(|g| -g));
    let (wrong, _) = compare(&mut net, x.view(), y.view(), &flipped);
    assert!(wrong > 1.0, "negated gradients gave relative error {wrong}");

    // One slightly wrong weight gradient is caught too.
    let mut nudged = ws.grads.clone();
    nudged.weights[0][[1, 2]] *= 1.001;
    let (wrong, _) = compare(&mut net, x.view(), y.view(), &nudged);
    assert!(wrong > 1e-4, "{wrong}");
}

/// `mlp gradcheck --json` on the given flags: its maximum relative error.
fn cli_error(args: &[&str]) -> f64 {
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_mlp"))
        .args(["gradcheck", "--json"])
        .args(args)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    v["max_relative_error"].as_f64().unwrap()
}

#[test]
fn the_command_checks_the_neurons_and_cost_it_is_given() {
    for [hidden, output, cost] in [
        ["relu", "softmax", "log-likelihood"],
        ["tanh", "sigmoid", "cross-entropy"],
        ["leaky-relu", "identity", "quadratic"],
    ] {
        for layers in ["5,4,3", "10,7,5,3"] {
            for seed in ["0", "1", "2", "3"] {
                let flags = [
                    "--activation",
                    hidden,
                    "--output",
                    output,
                    "--cost",
                    cost,
                    "--layers",
                    layers,
                    "--seed",
                    seed,
                ];
                let err = cli_error(&flags);
                assert!(err < 1e-6, "{flags:?}: max relative error {err}");
            }
        }
    }
    // The flags reach the check: the defaults are the lecture's sigmoid network, and another
    // network on the same seed gives another error.
    assert_eq!(
        cli_error(&[]),
        cli_error(&[
            "--activation",
            "sigmoid",
            "--output",
            "sigmoid",
            "--cost",
            "quadratic"
        ])
    );
    assert_ne!(
        cli_error(&[]),
        cli_error(&[
            "--activation",
            "relu",
            "--output",
            "softmax",
            "--cost",
            "log-likelihood"
        ])
    );
}

#[test]
fn the_command_pairs_costs_and_outputs_as_train_does() {
    for (flags, needle) in [
        (
            &["--cost", "log-likelihood"][..],
            "the log-likelihood cost needs a softmax output layer, not sigmoid (use --output softmax)",
        ),
        (
            &["--output", "softmax", "--cost", "cross-entropy"][..],
            "needs a sigmoid output layer",
        ),
        (&["--activation", "softmax"][..], "output layer only"),
    ] {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_mlp"))
            .arg("gradcheck")
            .args(flags)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!o.status.success() && err.contains(needle), "{flags:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}
