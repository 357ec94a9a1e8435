//! The rules against their equations written out, fused updates against stored gradients,
//! and the checks of the hyper-parameters.

use super::*;
use crate::network::Init;
use ndarray::Array2;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

fn setup() -> (Network<f64>, Array2<f64>, Array2<f64>, Workspace<f64>) {
    let mut rng = ChaCha8Rng::seed_from_u64(4);
    let net: Network<f64> = Network::new(&[7, 5, 3], Init::StandardNormal, &mut rng).unwrap();
    let x = Array2::from_shape_fn((4, 7), |(i, j)| ((i * 7 + j) as f64 * 0.29).cos());
    let y = Array2::from_shape_fn((4, 3), |(i, j)| ((i + j) % 2) as f64);
    let ws = Workspace::new(&net, 4);
    (net, x, y, ws)
}

/// Counts the rows a product hands over.
struct CountRows(usize);

impl crate::linalg::RowSink<f32> for CountRows {
    fn take_row(&mut self, i: usize, _: &[f32]) -> bool {
        assert_eq!(i, self.0, "rows in order");
        self.0 += 1;
        true
    }
    fn split_at(self, _: usize) -> (Self, Self) {
        (CountRows(0), CountRows(0))
    }
}

/// Every rule's update, fused with the gradient product, gives the bits of the gradient
/// stored and then the rule's pass over it: for a product of one core and one halved
/// between two (f32, the hand kernels' type), and for a small one stored.
#[test]
fn fused_rule_updates_equal_the_stored_gradient_then_the_rule() {
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    for (sizes, m) in [(vec![30, 20, 5], 16), (vec![600, 300, 10], 32)] {
        let net: Network<f32> = Network::new(&sizes, Init::StandardNormal, &mut rng).unwrap();
        let x = Array2::from_shape_fn((m, sizes[0]), |(i, j)| ((i * 31 + j * 7) as f32 * 0.13).sin());
        let y = Array2::from_shape_fn((m, sizes[2]), |(i, j)| ((i + j) % 2) as f32);
        // Not a vacuous comparison where the kernels run: the large first layer's update is
        // fused (the small one's gradient is stored).
        if f32::has_small_kernels() && sizes[0] > 100 {
            let delta = Array2::<f32>::zeros((m, sizes[1]));
            let rows = crate::linalg::gemm_then(1.0, delta.t(), x.view(), CountRows(0));
            assert_eq!(rows, Some(true), "{sizes:?}: the fused product did not run");
        }
        for rule in [
            Optimizer::Momentum { mu: 0.9 },
            Optimizer::Nesterov { mu: 0.8 },
            Optimizer::ADAM,
        ] {
            for threads in [1, 2] {
                let mut ws = Workspace::new(&net, m);
                let (mut fused, mut by_hand) = (net.clone(), net.clone());
                let mut opt = Optim::new(rule, 0.05, 1e-3, &fused);
                let mut opt_by_hand = opt.clone();
                for _ in 0..3 {
                    crate::linalg::with_threads(threads, || {
                        assert!(opt.step(&mut fused, x.view(), y.view(), &mut ws).1);
                    });
                    opt_by_hand.t += 1;
                    by_hand.backprop(x.view(), y.view(), &mut ws);
                    for (l, layer) in by_hand.layers.iter_mut().enumerate() {
                        let (sw, sb) = &mut opt_by_hand.state[l];
                        assert!(rule.update_block(
                            (opt_by_hand.eta, opt_by_hand.decay, opt_by_hand.t),
                            (layer.weights.view_mut(), layer.biases.view_mut()),
                            (ws.grads.weights[l].view(), ws.grads.biases[l].view()),
                            (slots(sw), slots(sb)),
                        ));
                    }
                }
                assert!(
                    fused == by_hand,
                    "{rule:?}, {sizes:?}, {threads} threads: the weights differ"
                );
                assert!(
                    opt == opt_by_hand,
                    "{rule:?}, {sizes:?}, {threads} threads: the state differs"
                );
            }
        }
    }
}

#[test]
fn fused_sgd_step_equals_gradient_then_update() {
    let (net, x, y, mut ws) = setup();
    let (eta, decay) = (0.5, 0.01);
    let mut by_hand = net.clone();
    net.backprop(x.view(), y.view(), &mut ws);
    for (l, layer) in by_hand.layers.iter_mut().enumerate() {
        let g = &ws.grads.weights[l] + &(&layer.weights * decay);
        layer.weights.scaled_add(-eta, &g);
        layer.biases.scaled_add(-eta, &ws.grads.biases[l]);
    }
    let mut fused = net.clone();
    let mut opt = Optim::new(Optimizer::Sgd, eta, decay, &fused);
    assert!(opt.step(&mut fused, x.view(), y.view(), &mut ws).1);
    for (a, b) in fused.layers.iter().zip(&by_hand.layers) {
        for (p, q) in a
            .weights
            .iter()
            .chain(&a.biases)
            .zip(b.weights.iter().chain(&b.biases))
        {
            assert!((p - q).abs() < 1e-14, "{p} vs {q}");
        }
    }
}

#[test]
fn every_optimizer_lowers_the_cost() {
    for rule in [
        Optimizer::Sgd,
        Optimizer::Momentum { mu: 0.9 },
        Optimizer::Nesterov { mu: 0.9 },
        Optimizer::ADAM,
    ] {
        let (mut net, x, y, mut ws) = setup();
        let eta = if matches!(rule, Optimizer::Adam { .. }) {
            0.01
        } else {
            0.5
        };
        let mut opt = Optim::new(rule, eta, 0.0, &net);
        let first = opt.step(&mut net, x.view(), y.view(), &mut ws).0;
        let mut last = first;
        for _ in 0..200 {
            last = opt.step(&mut net, x.view(), y.view(), &mut ws).0;
        }
        assert!(last < 0.5 * first, "{rule}: cost {first} → {last}");
    }
}

#[test]
fn momentum_and_adam_follow_their_equations_on_one_weight() {
    let (w, g) = (1.0f64, 0.5);
    let mut v = ndarray::arr1(&[0.2]);
    let mut wa = ndarray::arr1(&[w]);
    Optimizer::Momentum { mu: 0.9 }.update(
        0.1,
        0.0,
        1,
        wa.view_mut(),
        ndarray::arr1(&[g]).view(),
        Some(v.view_mut()),
        None,
    );
    assert!((v[0] - (0.9 * 0.2 - 0.1 * 0.5)).abs() < 1e-15);
    assert!((wa[0] - (1.0 + 0.9 * 0.2 - 0.1 * 0.5)).abs() < 1e-15);

    let (mut m, mut s) = (ndarray::arr1(&[0.0]), ndarray::arr1(&[0.0]));
    let mut wa = ndarray::arr1(&[w]);
    Optimizer::ADAM.update(
        0.001,
        0.0,
        1,
        wa.view_mut(),
        ndarray::arr1(&[g]).view(),
        Some(m.view_mut()),
        Some(s.view_mut()),
    );
    // At t = 1 the corrected moments are g and g², so the step is η·g/(|g| + ε) ≈ η.
    assert!((wa[0] - (1.0 - 0.001 * 0.5 / (0.5 + 1e-8))).abs() < 1e-12);
}

#[test]
fn schedules_parse() {
    assert_eq!(
        "step:10:0.5".parse(),
        Ok(Schedule::Step {
            every: 10,
            gamma: 0.5
        })
    );
    assert_eq!("adaptive".parse(), Ok(Schedule::Adaptive));
    assert!("step:0:0.5".parse::<Schedule>().is_err());
    assert!("cosine".parse::<Schedule>().is_err());
}

/// A fused update reports a weight that is not finite, as the stored-gradient one does: the
/// step that wrote it is caught at once.
#[test]
fn a_fused_update_that_writes_a_non_finite_weight_says_so() {
    let mut rng = ChaCha8Rng::seed_from_u64(6);
    let mut net: Network<f32> = Network::new(&[700, 200, 10], Init::StandardNormal, &mut rng).unwrap();
    net.layers[0].weights[[150, 3]] = f32::INFINITY;
    let x = Array2::from_shape_fn((16, 700), |(i, j)| ((i * 13 + j) as f32 * 0.07).cos());
    let y = Array2::from_shape_fn((16, 10), |(i, j)| (i % 10 == j) as u8 as f32);
    for rule in [Optimizer::Momentum { mu: 0.9 }, Optimizer::ADAM] {
        for threads in [1, 2] {
            let (mut net, mut ws) = (net.clone(), Workspace::new(&net, 16));
            let mut opt = Optim::new(rule, 0.01, 0.0, &net);
            let (_, finite) =
                crate::linalg::with_threads(threads, || opt.step(&mut net, x.view(), y.view(), &mut ws));
            assert!(!finite, "{rule:?}, {threads} threads");
        }
    }
}
