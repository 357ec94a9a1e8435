//! Gradient check: backpropagation against central differences, in f64.
//!
//! The numerical way needs several feedforward passes over the mini-batch for every one of the
//! network's parameters; backpropagation gets all of them from one forward and one backward
//! pass. Both are timed, to show the lecture's point.
//!
//! The derivative is taken by Ridders' method: central differences `(C(w+h) − C(w−h)) / 2h`
//! for a shrinking sequence of `h`, extrapolated to `h → 0` (Richardson), stopping when the
//! estimate stops improving. A single central difference cannot check every gradient to 1e-6:
//! a small `h` drowns small gradients (of saturated sigmoid neurons) in round-off, a large one
//! bends large gradients by truncation. The extrapolation needs ~10–20 passes per parameter.

use crate::cost::Cost;
use crate::error::Result;
use crate::network::{Architecture, Gradients, Init, Network, Workspace};
use ndarray::{Array2, ArrayView2};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use std::time::Instant;

/// Samples in the check's mini-batch.
const BATCH: usize = 4;
/// First (largest) step of Ridders' method, for smooth activations.
const H0: f64 = 0.01;
/// Gradients smaller than this are compared on this scale rather than their own. Both methods
/// agree to ~1e-12 in absolute terms (round-off in the cost, amplified by the extrapolation and
/// by the small steps kinks require), which says nothing relative to a gradient of 1e-9.
const FLOOR: f64 = 1e-5;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct GradCheck {
    /// `max |numerical − backprop| / max(|numerical|, |backprop|, 1e-5)` over every parameter.
    pub max_relative_error: f64,
    pub numerical_seconds: f64,
    pub backprop_seconds: f64,
    pub parameters: usize,
    /// Feedforward passes the numerical derivatives took, all parameters together.
    pub numerical_passes: usize,
}

/// Checks a random network of the lecture's kind (sigmoid, quadratic cost) of the given sizes.
pub fn gradient_check(sizes: &[usize], seed: u64) -> Result<GradCheck> {
    check_architecture(&Architecture::lecture(sizes), seed)
}

/// Checks a random network of any architecture on a random mini-batch. Targets are drawn to
/// suit the cost: in [0, 1] for the quadratic and cross-entropy costs, a probability
/// distribution per row for log-likelihood, any real number for mean squared error.
pub fn check_architecture(arch: &Architecture, seed: u64) -> Result<GradCheck> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut net: Network<f64> = Network::build(arch, Init::StandardNormal, &mut rng)?;
    let mut ws = Workspace::new(&net, BATCH);
    // With ReLU-like neurons, prefer a mini-batch that puts no weighted input near a kink, where
    // difference quotients break down (up to 100 draws; else the step is kept small instead).
    let mut x = Array2::from_shape_simple_fn((BATCH, arch.sizes[0]), || rng.random::<f64>());
    for _ in 0..100 {
        if nearest_kink(&net, &mut ws, x.view()) >= 0.05 {
            break;
        }
        x = Array2::from_shape_simple_fn((BATCH, arch.sizes[0]), || rng.random::<f64>());
    }
    let mut y = Array2::from_shape_simple_fn((BATCH, net.n_outputs()), || rng.random::<f64>());
    match arch.cost {
        Cost::LogLikelihood => y.rows_mut().into_iter().for_each(|mut r| {
            let s = r.sum();
            r /= s;
        }),
        Cost::Mse => y.mapv_inplace(|v| 4.0 * v - 2.0),
        Cost::Quadratic | Cost::CrossEntropy => {}
    }

    // The first call pays one-off costs (page faults, the GEMM's CPU-feature dispatch).
    net.backprop(x.view(), y.view(), &mut ws);
    let start = Instant::now();
    net.backprop(x.view(), y.view(), &mut ws);
    let backprop_seconds = start.elapsed().as_secs_f64();

    let start = Instant::now();
    let (max_relative_error, numerical_passes) = compare(&mut net, x.view(), y.view(), &ws.grads);
    Ok(GradCheck {
        max_relative_error,
        numerical_seconds: start.elapsed().as_secs_f64(),
        backprop_seconds,
        parameters: net.n_parameters(),
        numerical_passes,
    })
}

/// The largest relative difference between `grads` and the numerical derivatives of the mean
/// cost of `net` on `(x, y)`, and the feedforward passes it took. `net` is left as it was.
pub fn compare(
    net: &mut Network<f64>,
    x: ArrayView2<f64>,
    y: ArrayView2<f64>,
    grads: &Gradients<f64>,
) -> (f64, usize) {
    let mut ws = Workspace::new(net, x.nrows());
    let h0 = first_step(net, &mut ws, x);
    let mut max_relative_error = 0.0f64;
    let mut passes = 0;
    for l in 0..net.layers.len() {
        let n_in = net.layers[l].inputs();
        let n_weights = net.layers[l].weights.len();
        for i in 0..n_weights + net.layers[l].biases.len() {
            let (numerical, analytic) = if i < n_weights {
                let jk = (i / n_in, i % n_in);
                let d = derivative(net, &mut ws, x, y, h0, &mut passes, |n| {
                    &mut n.layers[l].weights[jk]
                });
                (d, grads.weights[l][jk])
            } else {
                let j = i - n_weights;
                let d = derivative(net, &mut ws, x, y, h0, &mut passes, |n| {
                    &mut n.layers[l].biases[j]
                });
                (d, grads.biases[l][j])
            };
            let scale = numerical.abs().max(analytic.abs()).max(FLOOR);
            max_relative_error = max_relative_error.max((numerical - analytic).abs() / scale);
        }
    }
    (max_relative_error, passes)
}

/// The first step of Ridders' method. With ReLU-like activations it must not carry any
/// neuron's weighted input across the kink at 0, where the slope jumps and no difference
/// quotient converges: the step stays a twentieth of the nearest weighted input's distance from it.
fn first_step(net: &Network<f64>, ws: &mut Workspace<f64>, x: ArrayView2<f64>) -> f64 {
    H0.min(nearest_kink(net, ws, x) / 10.0)
}

/// The smallest `|a|` over the neurons with a kink (∞ without any).
fn nearest_kink(net: &Network<f64>, ws: &mut Workspace<f64>, x: ArrayView2<f64>) -> f64 {
    net.feedforward_batch(x, ws);
    let m = x.nrows();
    let mut nearest = f64::INFINITY;
    for (l, layer) in (1..).zip(&net.layers) {
        if layer.activation.has_kink() {
            nearest = ws
                .weighted_input(l, m)
                .iter()
                .fold(nearest, |n, v| n.min(v.abs()));
        }
    }
    nearest
}

/// `∂C/∂p` for the parameter `param` picks, by Ridders' extrapolation of central differences
/// (Numerical Recipes, `dfridr`); the parameter is restored afterwards. Adds the feedforward
/// passes it made to `passes`.
fn derivative(
    net: &mut Network<f64>,
    ws: &mut Workspace<f64>,
    x: ArrayView2<f64>,
    y: ArrayView2<f64>,
    h0: f64,
    passes: &mut usize,
    param: impl Fn(&mut Network<f64>) -> &mut f64,
) -> f64 {
    const SHRINK: f64 = 1.4;
    const STEPS: usize = 16;
    const SAFE: f64 = 2.0;
    let original = *param(net);
    let mut slope = |h: f64| {
        *passes += 2;
        *param(net) = original + h;
        let plus = mean_cost(net, ws, x, y);
        *param(net) = original - h;
        let minus = mean_cost(net, ws, x, y);
        (plus - minus) / (2.0 * h)
    };
    // table[j][i]: the estimate from step i after j extrapolations.
    let mut table = [[0.0f64; STEPS]; STEPS];
    let mut h = h0;
    table[0][0] = slope(h);
    let (mut best, mut best_err) = (table[0][0], f64::INFINITY);
    for i in 1..STEPS {
        h /= SHRINK;
        table[0][i] = slope(h);
        let mut factor = SHRINK * SHRINK;
        for j in 1..=i {
            // Richardson: cancel the h² term of the error between steps i−1 and i.
            table[j][i] = (table[j - 1][i] * factor - table[j - 1][i - 1]) / (factor - 1.0);
            factor *= SHRINK * SHRINK;
            let err = (table[j][i] - table[j - 1][i])
                .abs()
                .max((table[j][i] - table[j - 1][i - 1]).abs());
            if err <= best_err {
                best_err = err;
                best = table[j][i];
            }
        }
        // Higher orders got worse by a wide margin: round-off has taken over.
        if (table[i][i] - table[i - 1][i - 1]).abs() >= SAFE * best_err {
            break;
        }
    }
    *param(net) = original;
    best
}

/// `C = (1/m) Σ_x C_x`, the cost that backpropagation differentiates.
fn mean_cost(net: &Network<f64>, ws: &mut Workspace<f64>, x: ArrayView2<f64>, y: ArrayView2<f64>) -> f64 {
    net.feedforward_batch(x, ws);
    let (last, m) = (net.layers.len() - 1, x.nrows());
    let (a, z) = (ws.weighted_input(last + 1, m), ws.activation(last + 1, m));
    net.cost.total(a, z, y) / m as f64
}
