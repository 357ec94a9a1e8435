//! The fast mini-batch path against the one-sample reference backpropagation
//! (`mlp::reference`), written in the lecture's indices: the batched GEMM backprop, and whole
//! SGD steps through `train()` (which runs the small fused kernels where the CPU has them, and
//! the two-core stepper with two threads).

use mlp::activation::{self, Activation};
use mlp::cost;
use mlp::data::{Dataset, Features, Targets};
use mlp::linalg::with_threads;
use mlp::optim::{Optim, Optimizer};
use mlp::train::{Progress, Sets, TrainConfig, train};
use mlp::{Architecture, Init, Network, Workspace, reference};
use ndarray::{Array1, Array2};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The mean of the reference's per-sample gradients over the rows of `x`, as (weights, biases).
fn reference_mean<T: mlp::linalg::Float>(
    net: &Network<T>,
    x: &Array2<T>,
    y: &Array2<T>,
) -> (Vec<Array2<T>>, Vec<Array1<T>>) {
    let mut seen = 0;
    let (_, mean) = reference::mini_batch(net, x.view(), y.view(), |_, _, _, _| seen += 1);
    assert_eq!(seen, x.nrows(), "every sample once");
    (mean.weights, mean.biases)
}

fn targets(cost: cost::Cost, m: usize, k: usize, rng: &mut impl Rng) -> Array2<f64> {
    let mut y = Array2::from_shape_simple_fn((m, k), || rng.random::<f64>());
    if cost == cost::Cost::LogLikelihood {
        for mut row in y.rows_mut() {
            let s = row.sum();
            row.mapv_inplace(|v| v / s);
        }
    }
    y
}

fn max_abs_diff(a: &Array2<f64>, b: &Array2<f64>) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f64::max)
}

#[test]
fn batched_backprop_equals_the_reference_for_every_activation_and_cost() {
    let mut checked = 0;
    for hidden in activation::ALL.into_iter().filter(|&a| a != Activation::Softmax) {
        for output in activation::ALL {
            for cost in cost::ALL.into_iter().filter(|c| c.check_output(output).is_ok()) {
                let arch = Architecture {
                    sizes: vec![7, 6, 5, 4],
                    hidden,
                    output,
                    cost,
                };
                let mut rng = ChaCha8Rng::seed_from_u64(checked);
                let net: Network<f64> = Network::build(&arch, Init::Glorot, &mut rng).unwrap();
                let m = 5;
                let x = Array2::from_shape_simple_fn((m, 7), || rng.random::<f64>());
                let y = targets(cost, m, 4, &mut rng);
                let mut ws = Workspace::new(&net, m);
                net.backprop(x.view(), y.view(), &mut ws);
                let (w, b) = reference_mean(&net, &x, &y);
                for l in 0..3 {
                    let dw = max_abs_diff(&ws.grads.weights[l], &w[l]);
                    let db = max_abs_diff(
                        &ws.grads.biases[l].clone().insert_axis(ndarray::Axis(0)),
                        &b[l].clone().insert_axis(ndarray::Axis(0)),
                    );
                    assert!(
                        dw < 1e-12 && db < 1e-12,
                        "{hidden}/{output}/{cost}, layer {}: |Δ∂C/∂w| {dw:e}, |Δ∂C/∂b| {db:e}",
                        l + 1
                    );
                }
                checked += 1;
            }
        }
    }
    assert!(checked >= 15, "only {checked} combinations");
}

/// One plain SGD step over the whole (single) mini-batch, through `train()`, equals
/// `w ← w − η/m Σ_x ∂C_x/∂w` computed from the reference — on one core and on two.
#[test]
fn an_sgd_step_through_train_equals_the_reference_step() {
    // 784-30-10 (the lecture's shape, where the small kernels and the two-core split apply) and
    // a 12-9-3 ReLU/softmax net.
    let shapes = [
        (Architecture::lecture(&[784, 30, 10]), 10usize),
        (
            Architecture {
                sizes: vec![12, 9, 3],
                hidden: Activation::Relu,
                output: Activation::Softmax,
                cost: cost::Cost::LogLikelihood,
            },
            8,
        ),
    ];
    for (arch, m) in shapes {
        for threads in [1, 2] {
            let mut rng = ChaCha8Rng::seed_from_u64(7);
            let net: Network<f32> = Network::build(&arch, Init::StandardNormal, &mut rng).unwrap();
            let (n_in, n_out) = (arch.sizes[0], *arch.sizes.last().unwrap());
            let pixels = Array2::from_shape_simple_fn((m, n_in), || rng.random::<u8>());
            let labels: Vec<u8> = (0..m).map(|i| (i % n_out) as u8).collect();
            let data = Dataset {
                features: Features::Pixels(pixels.clone()),
                labels: labels.clone(),
                n_classes: n_out,
                targets: Targets::Classes,
                weights: None,
            };
            let eta = 0.5;
            let mut stepped = net.clone();
            let mut optim = Optim::new(Optimizer::Sgd, eta, 0.0, &stepped);
            let config = TrainConfig {
                epochs: 1,
                batch_size: m,
                ..TrainConfig::default()
            };
            let sets = Sets {
                train: &data,
                validation: None,
                test: None,
            };
            let mut progress = Progress::new(ChaCha8Rng::seed_from_u64(1));
            with_threads(threads, || {
                train(&mut stepped, sets, &config, &mut optim, &mut progress, |_| Ok(()))
            })
            .unwrap();

            // The same step in f64 from the reference: the mini-batch is the whole set, so
            // the shuffle does not change the mean.
            let net64 = to_f64(&net);
            let x = pixels.mapv(|p| p as f64 / 255.0);
            let y = Array2::from_shape_fn((m, n_out), |(i, j)| f64::from(labels[i] as usize == j));
            let (w, b) = reference_mean(&net64, &x, &y);
            for l in 0..net.layers.len() {
                let expected = &net64.layers[l].weights - &(eta * &w[l]);
                let got = stepped.layers[l].weights.mapv(f64::from);
                let dw = max_abs_diff(&got, &expected);
                let expected_b = (&net64.layers[l].biases - &(eta * &b[l])).insert_axis(ndarray::Axis(0));
                let got_b = stepped.layers[l]
                    .biases
                    .mapv(f64::from)
                    .insert_axis(ndarray::Axis(0));
                let db = max_abs_diff(&got_b, &expected_b);
                // f32 arithmetic against f64: the step moves weights by O(η), so 1e-4 is
                // three orders of magnitude below a wrong term and well above round-off.
                assert!(
                    dw < 1e-4 && db < 1e-4,
                    "{:?} threads {threads}, layer {}: |Δw| {dw:e}, |Δb| {db:e}",
                    arch.sizes,
                    l + 1
                );
                assert!(
                    max_abs_diff(&got, &net64.layers[l].weights) > 1e-3,
                    "the step moved nothing"
                );
            }
        }
    }
}

fn to_f64(net: &Network<f32>) -> Network<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let mut out: Network<f64> = Network::build(&net.architecture(), Init::StandardNormal, &mut rng).unwrap();
    for (o, l) in out.layers.iter_mut().zip(&net.layers) {
        o.weights = l.weights.mapv(f64::from);
        o.biases = l.biases.mapv(f64::from);
    }
    out
}
