//! Optimizers (how the weights move once backpropagation has given the deltas or gradients),
//! their state, and learning-rate schedules.

use crate::error::{Error, Result};
use crate::linalg::{Float, all_finite};
use crate::network::{Network, Workspace, add_gradient, one_over};
use ndarray::{Array1, ArrayView2};
use std::fmt;
use std::str::FromStr;

/// The update rule. `g` is `∂C/∂w` of the mini-batch's mean cost (plus weight decay).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Optimizer {
    /// `w ← w − η g`: the lecture's `w − (η/m) Σ_x ∂C_x/∂w`.
    Sgd,
    /// `v ← μ v − η g`, `w ← w + v`.
    Momentum { mu: f64 },
    /// Nesterov's: `v ← μ v − η g`, `w ← w + μ v − η g` (the gradient taken "ahead").
    Nesterov { mu: f64 },
    /// Adam: `m ← β₁m + (1−β₁)g`, `s ← β₂s + (1−β₂)g²`,
    /// `w ← w − η m̂ / (√ŝ + ε)` with `m̂ = m/(1−β₁ᵗ)`, `ŝ = s/(1−β₂ᵗ)`.
    Adam { beta1: f64, beta2: f64, epsilon: f64 },
}

impl Optimizer {
    /// Adam with scikit-learn's (and the paper's) defaults.
    pub const ADAM: Optimizer = Optimizer::Adam {
        beta1: 0.9,
        beta2: 0.999,
        epsilon: 1e-8,
    };

    /// Arrays of state per parameter array.
    fn slots(self) -> usize {
        match self {
            Optimizer::Sgd => 0,
            Optimizer::Momentum { .. } | Optimizer::Nesterov { .. } => 1,
            Optimizer::Adam { .. } => 2,
        }
    }

    pub fn name(self) -> &'static str {
        self.kind().name()
    }

    /// The rule without its coefficients.
    pub fn kind(self) -> RuleName {
        match self {
            Optimizer::Sgd => RuleName::Sgd,
            Optimizer::Momentum { .. } => RuleName::Momentum,
            Optimizer::Nesterov { .. } => RuleName::Nesterov,
            Optimizer::Adam { .. } => RuleName::Adam,
        }
    }
}

/// An update rule by name, as a run description records it (beside its momentum coefficient).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleName {
    Sgd,
    Momentum,
    Nesterov,
    Adam,
}

impl RuleName {
    pub const ALL: [RuleName; 4] = [
        RuleName::Sgd,
        RuleName::Momentum,
        RuleName::Nesterov,
        RuleName::Adam,
    ];

    pub fn name(self) -> &'static str {
        match self {
            RuleName::Sgd => "sgd",
            RuleName::Momentum => "momentum",
            RuleName::Nesterov => "nesterov",
            RuleName::Adam => "adam",
        }
    }

    /// The learning rate a run starts with when none is given: the lecture's 3 for SGD, the
    /// same effective step 3·(1 − μ) = 0.3 at μ = 0.9 for momentum and Nesterov, and Adam's
    /// (and scikit-learn's) 0.001.
    pub fn default_eta(self) -> f64 {
        match self {
            RuleName::Sgd => 3.0,
            RuleName::Momentum | RuleName::Nesterov => 0.3,
            RuleName::Adam => 0.001,
        }
    }

    /// The rule, with momentum coefficient `mu` where it takes one (Adam: its defaults).
    pub fn with_momentum(self, mu: f64) -> Optimizer {
        match self {
            RuleName::Sgd => Optimizer::Sgd,
            RuleName::Momentum => Optimizer::Momentum { mu },
            RuleName::Nesterov => Optimizer::Nesterov { mu },
            RuleName::Adam => Optimizer::ADAM,
        }
    }
}

impl fmt::Display for RuleName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for RuleName {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        RuleName::ALL.into_iter().find(|r| r.name() == s).ok_or_else(|| {
            format!("unknown optimizer '{s}' (expected one of: sgd, momentum, nesterov, adam)")
        })
    }
}

crate::named::serde_by_name!(RuleName);

impl fmt::Display for Optimizer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One layer's optimizer state: arrays as long as its weights (flattened row by row), and as
/// long as its biases.
pub type LayerState<T> = (Vec<Array1<T>>, Vec<Array1<T>>);

/// An optimizer with its learning rate, weight decay and state.
#[derive(Debug, Clone, PartialEq)]
pub struct Optim<T> {
    pub rule: Optimizer,
    /// `η₀`, the learning rate the run started with (step schedules scale it).
    pub initial_eta: f64,
    /// `η`, the current learning rate (schedules change it).
    pub eta: f64,
    /// `λ/n` of L2 weight decay (`C = C₀ + λ/(2n) Σ w²`, biases not decayed): `g += (λ/n) w`.
    pub decay: f64,
    /// Per layer: the state arrays for its weights and for its biases (velocity; or Adam's
    /// first and second moments).
    pub state: Vec<LayerState<T>>,
    /// Steps taken (Adam's `t`).
    pub t: u64,
}

impl<T: Float> Optim<T> {
    pub fn new(rule: Optimizer, eta: f64, decay: f64, net: &Network<T>) -> Self {
        let state = net
            .layers
            .iter()
            .map(|l| {
                (
                    (0..rule.slots())
                        .map(|_| Array1::zeros(l.weights.len()))
                        .collect(),
                    (0..rule.slots()).map(|_| Array1::zeros(l.biases.dim())).collect(),
                )
            })
            .collect();
        Optim {
            rule,
            initial_eta: eta,
            eta,
            decay,
            state,
            t: 0,
        }
    }

    /// Checks the hyper-parameters: a learning rate, a weight decay and the rule's
    /// coefficients that can be trained with.
    pub fn validate(&self) -> Result<()> {
        for (what, eta) in [
            ("learning rate", self.initial_eta),
            ("current learning rate", self.eta),
        ] {
            if !(eta.is_finite() && eta > 0.0) {
                return Err(Error::Invalid(format!(
                    "{what} must be finite and > 0, got {eta}"
                )));
            }
        }
        if !(self.decay.is_finite() && self.decay >= 0.0) {
            return Err(Error::Invalid(format!(
                "L2 weight decay must be finite and 0 or more, got {}",
                self.decay
            )));
        }
        let unit = |what: &str, v: f64| {
            if (0.0..1.0).contains(&v) {
                Ok(())
            } else {
                Err(Error::Invalid(format!("{what} must be in [0, 1), got {v}")))
            }
        };
        match self.rule {
            Optimizer::Sgd => Ok(()),
            Optimizer::Momentum { mu } | Optimizer::Nesterov { mu } => unit("momentum coefficient", mu),
            Optimizer::Adam {
                beta1,
                beta2,
                epsilon,
            } => {
                unit("Adam's beta1", beta1)?;
                unit("Adam's beta2", beta2)?;
                if epsilon.is_finite() && epsilon > 0.0 {
                    Ok(())
                } else {
                    Err(Error::Invalid(format!(
                        "Adam's epsilon must be finite and > 0, got {epsilon}"
                    )))
                }
            }
        }
    }

    /// One step on the mini-batch `(x, y)`; returns its total cost `Σ_x C_x` before the step,
    /// and whether every weight and bias is still finite after it.
    pub fn step(
        &mut self,
        net: &mut Network<T>,
        x: ArrayView2<T>,
        y: ArrayView2<T>,
        ws: &mut Workspace<T>,
    ) -> (T, bool) {
        self.t += 1;
        // Every delta first (they need the old weights), then each layer's update.
        let cost = net.deltas(x, y, ws);
        let finite = self.update_layers(net, 0, x, ws);
        (cost, finite)
    }

    /// The update of weight layers `from..` from the deltas in `ws`, at this step's `self.t`;
    /// whether every new weight and bias is finite. Plain SGD never stores its gradient: each
    /// layer gets `W ← (1 − ηλ/n) W − (η/m) Δᵀ·Z_prev` in one pass ([`Optim::sgd_update`]).
    /// Any other rule: each layer's gradient `∂C/∂W^l = (1/m) (Δ^l)ᵀ·Z^(l−1)`,
    /// `∂C/∂b^l = (1/m) Σ_rows Δ^l` into `ws.grads` (it needs only `δ^l` and `z^(l−1)`), then
    /// the rule's update of that layer.
    pub(crate) fn update_layers(
        &mut self,
        net: &mut Network<T>,
        from: usize,
        x: ArrayView2<T>,
        ws: &mut Workspace<T>,
    ) -> bool {
        if self.rule == Optimizer::Sgd {
            return self.sgd_update(net, from, x, ws);
        }
        let (m, inv_m) = (x.nrows(), one_over(x.nrows()));
        let mut finite = true;
        for (l, layer) in net.layers.iter_mut().enumerate().skip(from) {
            let (delta, z_prev, (gw, gb)) = ws.gradient_parts(l, m, x.reborrow());
            add_gradient(inv_m, T::zero(), delta, z_prev, gw.view_mut(), gb.view_mut());
            let (sw, sb) = &mut self.state[l];
            finite &= self.rule.update_block(
                (self.eta, self.decay, self.t),
                (layer.weights.view_mut(), layer.biases.view_mut()),
                (gw.view(), gb.view()),
                (slots(sw), slots(sb)),
            );
        }
        finite
    }

    /// The two numbers of an SGD step on `m` samples (see [`sgd_scales`]).
    pub(crate) fn sgd_scales(&self, m: usize) -> (T, T) {
        sgd_scales(self.eta, self.decay, m)
    }

    /// The SGD update of weight layers `from..` from the deltas in `ws`; whether every new
    /// weight and bias is finite.
    pub(crate) fn sgd_update(
        &self,
        net: &mut Network<T>,
        from: usize,
        x: ArrayView2<T>,
        ws: &Workspace<T>,
    ) -> bool {
        let m = x.nrows();
        let (s, keep) = self.sgd_scales(m);
        let mut finite = true;
        for (l, layer) in net.layers.iter_mut().enumerate().skip(from) {
            let (delta, z_prev) = (ws.delta(l + 1, m), ws.input_of(l, x.reborrow()));
            finite &= add_gradient(
                s,
                keep,
                delta,
                z_prev,
                layer.weights.view_mut(),
                layer.biases.view_mut(),
            );
        }
        finite
    }
}

/// The two numbers of an SGD step on `m` samples, `W ← keep·W + s·Δᵀ·Z_prev`: `s = −η/m`
/// and `keep = 1 − ηλ/n` (`decay` = λ/n).
pub(crate) fn sgd_scales<T: Float>(eta: f64, decay: f64, m: usize) -> (T, T) {
    (
        -T::from_f64_lossy(eta / m as f64),
        T::from_f64_lossy(1.0 - eta * decay),
    )
}

/// One state array of a parameter array (velocity, a moment), if the rule has it.
pub(crate) type Slot<'a, T> = Option<ndarray::ArrayViewMut1<'a, T>>;

/// A state array the rule needs, as a slice.
fn state<'a, T>(s: Slot<'a, T>, what: &str) -> &'a mut [T] {
    s.expect(what).into_slice().expect("state arrays are contiguous")
}

/// The (up to two) state arrays of one parameter array, as mutable views.
pub(crate) fn slots<T: Float>(s: &mut [Array1<T>]) -> (Slot<'_, T>, Slot<'_, T>) {
    let mut it = s.iter_mut().map(|a| a.view_mut());
    (it.next(), it.next())
}

impl Optimizer {
    /// The rule's update of some neurons of one layer (all of them, or a block of rows): `w`
    /// and `b` with their gradients and state, at `(η, λ/n, t)`; biases are not decayed.
    /// Whether every new value is finite.
    #[allow(clippy::type_complexity)]
    pub(crate) fn update_block<T: Float>(
        self,
        (eta, decay, t): (f64, f64, u64),
        (mut w, mut b): (ndarray::ArrayViewMut2<T>, ndarray::ArrayViewMut1<T>),
        (gw, gb): (ndarray::ArrayView2<T>, ndarray::ArrayView1<T>),
        ((sw0, sw1), (sb0, sb1)): ((Slot<'_, T>, Slot<'_, T>), (Slot<'_, T>, Slot<'_, T>)),
    ) -> bool {
        let (eta, decay) = (T::from_f64_lossy(eta), T::from_f64_lossy(decay));
        let n = w.len();
        let wf = w.view_mut().into_shape_with_order(n).expect("row-major block");
        let gf = gw.into_shape_with_order(n).expect("row-major block");
        self.update(eta, decay, t, wf, gf, sw0, sw1);
        self.update(eta, T::zero(), t, b.view_mut(), gb, sb0, sb1);
        all_finite(w.view()) && all_finite(b.view().insert_axis(ndarray::Axis(0)))
    }

    /// Applies the rule to one parameter array `w` with gradient `g` (decayed by `decay·w`)
    /// and its state arrays, at step `t`.
    #[allow(clippy::too_many_arguments)]
    fn update<T: Float>(
        self,
        eta: T,
        decay: T,
        t: u64,
        w: ndarray::ArrayViewMut1<T>,
        g: ndarray::ArrayView1<T>,
        s0: Slot<'_, T>,
        s1: Slot<'_, T>,
    ) {
        // Own arrays and their flattened views: contiguous, so the rules run as slices.
        let w = w.into_slice().expect("parameter arrays are contiguous");
        let g = g.to_slice().expect("gradient arrays are contiguous");
        match self {
            Optimizer::Sgd => sgd_rule(w, g, eta, decay),
            Optimizer::Momentum { mu } | Optimizer::Nesterov { mu } => momentum_rule(
                w,
                g,
                state(s0, "velocity"),
                [eta, decay, T::from_f64_lossy(mu)],
                matches!(self, Optimizer::Nesterov { .. }),
            ),
            Optimizer::Adam {
                beta1,
                beta2,
                epsilon,
            } => {
                // Bias corrections 1/(1 − βᵗ), in f64 for accuracy at small t.
                let c1 = T::from_f64_lossy(1.0 / (1.0 - beta1.powi(t as i32)));
                let c2 = T::from_f64_lossy(1.0 / (1.0 - beta2.powi(t as i32)));
                adam_rule(
                    w,
                    g,
                    state(s0, "first moment"),
                    state(s1, "second moment"),
                    [
                        eta,
                        decay,
                        T::from_f64_lossy(beta1),
                        T::from_f64_lossy(beta2),
                        T::from_f64_lossy(epsilon),
                        c1,
                        c2,
                    ],
                );
            }
        }
    }
}

// The rules, one element at a time, compiled for the widest vectors the processor has
// (`simd_fn!`): the same operations in every copy (square root and division are exact in any
// width, and nothing is fused), so every path gives the same bits.
crate::linalg::simd_fn! {
    /// `w ← w − η (g + λw)`.
    fn sgd_rule<T: Float>(w: &mut [T], g: &[T], eta: T, decay: T) {
        for (w, &g) in w.iter_mut().zip(g) {
            *w -= eta * (g + decay * *w);
        }
    }
}

crate::linalg::simd_fn! {
    /// `v ← μ v − η g`, then `w ← w + v` (Nesterov: `w ← w + μ v − η g`), `g` decayed by `λw`.
    fn momentum_rule<T: Float>(w: &mut [T], g: &[T], v: &mut [T], k: [T; 3], nesterov: bool) {
        let [eta, decay, mu] = k;
        for ((w, &g), v) in w.iter_mut().zip(g).zip(v) {
            let g = g + decay * *w;
            *v = mu * *v - eta * g;
            *w += if nesterov { mu * *v - eta * g } else { *v };
        }
    }
}

crate::linalg::simd_fn! {
    /// Adam: `m ← β₁m + (1 − β₁)g`, `s ← β₂s + (1 − β₂)g²`,
    /// `w ← w − η (m·c₁) / (√(s·c₂) + ε)` with the bias corrections `c = 1/(1 − βᵗ)`.
    fn adam_rule<T: Float>(w: &mut [T], g: &[T], m: &mut [T], s: &mut [T], k: [T; 7]) {
        let [eta, decay, b1, b2, eps, c1, c2] = k;
        let one = T::one();
        for (((w, &g), m), s) in w.iter_mut().zip(g).zip(m).zip(s) {
            let g = g + decay * *w;
            *m = b1 * *m + (one - b1) * g;
            *s = b2 * *s + (one - b2) * g * g;
            *w -= eta * (*m * c1) / ((*s * c2).sqrt() + eps);
        }
    }
}

/// How the learning rate changes from epoch to epoch.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Schedule {
    /// η stays as given.
    Constant,
    /// η ← γ·η every `every` epochs.
    Step { every: usize, gamma: f64 },
    /// scikit-learn's "adaptive": η ← η/5 each time the score (validation accuracy, or else
    /// the training cost) fails to improve for two epochs in a row.
    Adaptive,
    /// scikit-learn's "invscaling": after `t` samples, `η = η₀ / (t + 1)^power_t`, set at
    /// each epoch's start.
    InvScaling { power_t: f64 },
}

impl Schedule {
    pub fn name(self) -> String {
        match self {
            Schedule::Constant => "constant".into(),
            Schedule::Step { every, gamma } => format!("step:{every}:{gamma}"),
            Schedule::Adaptive => "adaptive".into(),
            Schedule::InvScaling { power_t } => format!("invscaling:{power_t}"),
        }
    }
}

impl fmt::Display for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

crate::named::serde_by_name!(Schedule);

impl FromStr for Schedule {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || {
            format!(
                "unknown schedule '{s}' (expected constant, adaptive, step:EPOCHS:FACTOR like step:10:0.5, \
                 or invscaling:POWER like invscaling:0.5)"
            )
        };
        match s {
            "constant" => Ok(Schedule::Constant),
            "adaptive" => Ok(Schedule::Adaptive),
            _ if s.starts_with("invscaling:") => {
                let power_t: f64 = s["invscaling:".len()..].parse().map_err(|_| bad())?;
                if !(power_t >= 0.0 && power_t.is_finite()) {
                    return Err(bad());
                }
                Ok(Schedule::InvScaling { power_t })
            }
            _ => {
                let rest = s.strip_prefix("step:").ok_or_else(bad)?;
                let (every, gamma) = rest.split_once(':').ok_or_else(bad)?;
                let every: usize = every.parse().map_err(|_| bad())?;
                let gamma: f64 = gamma.parse().map_err(|_| bad())?;
                if every == 0 || !(gamma > 0.0 && gamma.is_finite()) {
                    return Err(bad());
                }
                Ok(Schedule::Step { every, gamma })
            }
        }
    }
}

#[cfg(test)]
mod tests {
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
}
