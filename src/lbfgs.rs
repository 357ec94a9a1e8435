//! L-BFGS over the whole training set: what scikit-learn recommends for small data sets.
//!
//! The objective is scikit-learn's: `f(w) = (1/n) Σ_x C_x + (α/2n) Σ_l ‖W^l‖²` (biases not
//! penalised), with `∇f` from one backpropagation over all `n` samples. The search direction is
//! `d = −H ∇f`, `H` the inverse Hessian approximated from the last [`HISTORY`] steps `s = Δw`
//! and gradient changes `y = Δ∇f` by the two-loop recursion (Nocedal & Wright, algorithm 7.4,
//! `H₀ = (sᵀy / yᵀy) I`); the step length comes from a backtracking search until Armijo's
//! condition `f(w + t d) ≤ f(w) + c₁ t ∇fᵀd` holds.

use crate::data::Dataset;
use crate::error::{Error, Result};
use crate::network::{Network, Workspace};
use ndarray::Array2;
use std::collections::VecDeque;

/// Pairs `(s, y)` kept for the inverse-Hessian approximation (scipy's default `m = 10`).
pub const HISTORY: usize = 10;
/// Armijo's sufficient-decrease constant.
const C1: f64 = 1e-4;
/// A relative fall of `f` below this ends the search (scipy's `factr = 1e7` times ε).
const FTOL: f64 = 1e7 * f64::EPSILON;

/// When to stop: after `max_iter` iterations or `max_fun` evaluations of `f`, or when
/// `max_i |∇f_i| ≤ tol` (scipy's `gtol`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    pub max_iter: usize,
    pub max_fun: usize,
    pub tol: f64,
}

/// What the minimisation did.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// `f` after each iteration.
    pub losses: Vec<f64>,
    /// Evaluations of `f` and `∇f`.
    pub n_fun: usize,
    /// True when the gradient or the fall of `f` became small enough, not a limit reached.
    pub converged: bool,
}

/// `f` and `∇f` of the network's parameters on one data set, flattened layer by layer
/// (weights row by row, then biases).
struct Objective<'a> {
    x: Array2<f32>,
    y: Array2<f32>,
    ws: Workspace<f32>,
    /// `α/n`.
    penalty: f64,
    net: &'a mut Network<f32>,
}

impl Objective<'_> {
    fn parameters(&self) -> Vec<f64> {
        let mut w = Vec::with_capacity(self.net.n_parameters());
        for l in &self.net.layers {
            w.extend(l.weights.iter().map(|&v| v as f64));
            w.extend(l.biases.iter().map(|&v| v as f64));
        }
        w
    }

    fn set(&mut self, w: &[f64]) {
        let mut i = 0;
        for l in &mut self.net.layers {
            for v in l.weights.iter_mut().chain(l.biases.iter_mut()) {
                *v = w[i] as f32;
                i += 1;
            }
        }
    }

    /// `f(w)` and `∇f(w)` into `g`.
    fn eval(&mut self, w: &[f64], g: &mut [f64]) -> f64 {
        self.set(w);
        let n = self.x.nrows() as f64;
        let total = self.net.backprop(self.x.view(), self.y.view(), &mut self.ws) as f64;
        let mut squares = 0.0;
        let mut i = 0;
        for (l, layer) in self.net.layers.iter().enumerate() {
            let (gw, gb) = (&self.ws.grads.weights[l], &self.ws.grads.biases[l]);
            for (&d, &v) in gw.iter().zip(layer.weights.iter()) {
                let v = v as f64;
                squares += v * v;
                // ∂/∂w of (α/2n) w² is (α/n) w.
                g[i] = d as f64 + self.penalty * v;
                i += 1;
            }
            for &d in gb {
                g[i] = d as f64;
                i += 1;
            }
        }
        total / n + 0.5 * self.penalty * squares
    }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Minimises scikit-learn's objective over `data` (all of it, features as the network reads
/// them) with L2 coefficient `alpha`, starting from the network's weights, which it leaves at
/// the best point found. `on_iter(iteration, f)` hears each iteration; an error from it stops.
pub fn minimize(
    net: &mut Network<f32>,
    data: &Dataset,
    alpha: f64,
    limits: Limits,
    mut on_iter: impl FnMut(usize, f64) -> Result<()>,
) -> Result<Report> {
    let n = data.len();
    if n == 0 {
        return Err(Error::Invalid("the training data has no samples".into()));
    }
    let all: Vec<usize> = (0..n).collect();
    let mut x = Array2::zeros((n, net.n_inputs()));
    let mut y = Array2::zeros((n, net.n_outputs()));
    data.fill_batch(&all, x.view_mut(), y.view_mut());
    let mut ws = Workspace::new(net, n);
    if let Some(w) = &data.weights {
        ws.weigh_samples(w.iter().copied());
    }
    let mut obj = Objective {
        x,
        y,
        ws,
        penalty: alpha / n as f64,
        net,
    };
    let mut w = obj.parameters();
    let mut g = vec![0.0; w.len()];
    let mut f = obj.eval(&w, &mut g);
    let mut report = Report {
        losses: Vec::new(),
        n_fun: 1,
        converged: false,
    };
    let (mut w_new, mut g_new) = (w.clone(), g.clone());
    let mut pairs: VecDeque<(Vec<f64>, Vec<f64>, f64)> = VecDeque::new();
    let mut d = vec![0.0; w.len()];
    for iteration in 1..=limits.max_iter {
        if g.iter().fold(0.0f64, |m, v| m.max(v.abs())) <= limits.tol {
            report.converged = true;
            break;
        }
        direction(&g, &pairs, &mut d);
        let mut slope = dot(&g, &d);
        if slope.is_nan() || slope >= 0.0 {
            // Not a descent direction (rounding): restart from steepest descent.
            pairs.clear();
            d.iter_mut().zip(&g).for_each(|(d, g)| *d = -g);
            slope = -dot(&g, &g);
        }
        // The first step is scaled so that it moves w by at most 1 (as scipy's).
        let mut t = if pairs.is_empty() {
            (1.0 / dot(&d, &d).sqrt()).min(1.0)
        } else {
            1.0
        };
        let f_new = loop {
            w_new
                .iter_mut()
                .zip(w.iter().zip(&d))
                .for_each(|(wn, (w, d))| *wn = w + t * d);
            let f_new = obj.eval(&w_new, &mut g_new);
            report.n_fun += 1;
            if f_new.is_finite() && f_new <= f + C1 * t * slope {
                break Some(f_new);
            }
            if report.n_fun >= limits.max_fun || t < 1e-20 {
                break None;
            }
            // Halve, or jump to the minimum of the quadratic through f, slope and f_new.
            let q = if f_new.is_finite() {
                -slope * t * t / (2.0 * (f_new - f - slope * t))
            } else {
                0.0
            };
            t = if q > 0.1 * t && q < 0.5 * t { q } else { 0.5 * t };
        };
        let Some(f_new) = f_new else {
            break;
        };
        let sv: Vec<f64> = w_new.iter().zip(&w).map(|(a, b)| a - b).collect();
        let yv: Vec<f64> = g_new.iter().zip(&g).map(|(a, b)| a - b).collect();
        let sy = dot(&sv, &yv);
        // Only pairs with positive curvature keep H positive definite.
        if sy > 1e-10 * dot(&yv, &yv).max(f64::MIN_POSITIVE) {
            if pairs.len() == HISTORY {
                pairs.pop_front();
            }
            pairs.push_back((sv, yv, 1.0 / sy));
        }
        let fall = (f - f_new) / f.abs().max(f_new.abs()).max(1.0);
        std::mem::swap(&mut w, &mut w_new);
        std::mem::swap(&mut g, &mut g_new);
        f = f_new;
        report.losses.push(f);
        on_iter(iteration, f)?;
        if fall <= FTOL {
            report.converged = true;
            break;
        }
        if report.n_fun >= limits.max_fun {
            break;
        }
    }
    obj.set(&w);
    if !obj.net.is_finite() {
        return Err(Error::Diverged {
            epoch: report.losses.len(),
            batch: 1,
            what: "a weight",
        });
    }
    Ok(report)
}

/// `d = −H g` by the two-loop recursion over the pairs `(s, y, 1/sᵀy)`, oldest first.
fn direction(g: &[f64], pairs: &VecDeque<(Vec<f64>, Vec<f64>, f64)>, d: &mut [f64]) {
    d.iter_mut().zip(g).for_each(|(d, g)| *d = -g);
    let mut alphas = vec![0.0; pairs.len()];
    for (k, (s, y, rho)) in pairs.iter().enumerate().rev() {
        let a = rho * dot(s, d);
        alphas[k] = a;
        d.iter_mut().zip(y).for_each(|(d, y)| *d -= a * y);
    }
    if let Some((s, y, _)) = pairs.back() {
        let gamma = dot(s, y) / dot(y, y);
        d.iter_mut().for_each(|d| *d *= gamma);
    }
    for ((s, y, rho), a) in pairs.iter().zip(&alphas) {
        let b = rho * dot(y, d);
        d.iter_mut().zip(s).for_each(|(d, s)| *d += (a - b) * s);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{Features, Targets};
    use crate::network::Architecture;
    use crate::{Activation, Cost, Init};
    use rand::SeedableRng;

    /// The two loops give `−H g` for the BFGS matrix `H` built from the pairs by its update
    /// `H ← (I − ρ s yᵀ) H (I − ρ y sᵀ) + ρ s sᵀ`, computed here densely.
    #[test]
    #[allow(clippy::needless_range_loop)] // dense 3 × 3 algebra reads best by index
    fn two_loop_recursion_is_the_bfgs_inverse_hessian() {
        let pairs: VecDeque<(Vec<f64>, Vec<f64>, f64)> = [
            (vec![1.0, 0.5, -0.2], vec![2.0, 0.3, 0.1]),
            (vec![-0.3, 1.0, 0.4], vec![0.1, 1.5, 0.6]),
        ]
        .into_iter()
        .map(|(s, y)| {
            let rho = 1.0 / dot(&s, &y);
            (s, y, rho)
        })
        .collect();
        let (s1, y1, _) = pairs.back().unwrap();
        let gamma = dot(s1, y1) / dot(y1, y1);
        let mut h = [[0.0; 3]; 3];
        (0..3).for_each(|i| h[i][i] = gamma);
        for (s, y, rho) in &pairs {
            let mut a = [[0.0; 3]; 3]; // I − ρ s yᵀ
            for i in 0..3 {
                for j in 0..3 {
                    a[i][j] = f64::from(u8::from(i == j)) - rho * s[i] * y[j];
                }
            }
            let mut next = [[0.0; 3]; 3];
            for i in 0..3 {
                for j in 0..3 {
                    let mut v = rho * s[i] * s[j];
                    for k in 0..3 {
                        for l in 0..3 {
                            v += a[i][k] * h[k][l] * a[j][l];
                        }
                    }
                    next[i][j] = v;
                }
            }
            h = next;
        }
        let g = [0.3, -1.0, 2.0];
        let mut d = [0.0; 3];
        direction(&g, &pairs, &mut d);
        for i in 0..3 {
            let expected: f64 = -(0..3).map(|j| h[i][j] * g[j]).sum::<f64>();
            assert!((d[i] - expected).abs() < 1e-12, "{d:?}");
        }
    }

    #[test]
    fn fits_xor_to_a_small_gradient() {
        let arch = Architecture {
            sizes: vec![2, 8, 2],
            hidden: Activation::Tanh,
            output: Activation::Softmax,
            cost: Cost::LogLikelihood,
        };
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
        let mut net = Network::build(&arch, Init::Glorot, &mut rng).unwrap();
        let data = Dataset {
            features: Features::Values(ndarray::array![[0.0f32, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]),
            labels: vec![0, 1, 1, 0],
            n_classes: 2,
            targets: Targets::Classes,
            weights: None,
        };
        let limits = Limits {
            max_iter: 500,
            max_fun: 15000,
            tol: 1e-5,
        };
        let mut heard = 0;
        let r = minimize(&mut net, &data, 0.0, limits, |i, _| {
            heard = i;
            Ok(())
        })
        .unwrap();
        assert_eq!(heard, r.losses.len());
        assert!(r.losses.windows(2).all(|w| w[1] <= w[0]), "f never rises");
        assert!(*r.losses.last().unwrap() < 1e-3, "{:?}", r.losses.last());
        let x = ndarray::array![[0.0f32, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]];
        let winners: Vec<usize> = crate::network::argmax_rows(net.predict(x.view()).view()).collect();
        assert_eq!(winners, [0, 1, 1, 0]);
    }
}
