//! Optimizers (how the weights move once backpropagation has given the deltas or gradients),
//! their state, and learning-rate schedules.

use crate::error::{Error, Result};
use crate::linalg::{Float, all_finite, gemm_then};
use crate::network::{Network, Workspace, add_bias_gradient, add_gradient, one_over};
use ndarray::{Array1, ArrayView2};
use std::fmt;
use std::str::FromStr;

mod rules;
use rules::{RuleConstants, RuleRows};

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

    /// The update of weight layers `from..` from the deltas in `ws`, at this step's `self.t`
    /// ([`Optimizer::update_neurons`], layer by layer); whether every new weight and bias is
    /// finite.
    pub(crate) fn update_layers(
        &mut self,
        net: &mut Network<T>,
        from: usize,
        x: ArrayView2<T>,
        ws: &mut Workspace<T>,
    ) -> bool {
        let at = (self.eta, self.decay, self.t);
        let mut finite = true;
        for (l, layer) in net.layers.iter_mut().enumerate().skip(from) {
            let (delta, z_prev, (gw, gb)) = ws.gradient_parts(l, x.nrows(), x.reborrow());
            let (sw, sb) = &mut self.state[l];
            finite &= self.rule.update_neurons(
                at,
                (delta, z_prev),
                (layer.weights.view_mut(), layer.biases.view_mut()),
                (slots(sw), slots(sb)),
                (gw.view_mut(), gb.view_mut()),
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

/// The (up to two) state arrays of one parameter array.
pub(crate) type Slots<'a, T> = (Slot<'a, T>, Slot<'a, T>);

/// A state array borrowed again, for a shorter use.
fn reborrow<'s, T>(s: &'s mut Slot<'_, T>) -> Slot<'s, T> {
    s.as_mut().map(|s| s.view_mut())
}

/// The (up to two) state arrays of one parameter array, as mutable views.
pub(crate) fn slots<T: Float>(s: &mut [Array1<T>]) -> (Slot<'_, T>, Slot<'_, T>) {
    let mut it = s.iter_mut().map(|a| a.view_mut());
    (it.next(), it.next())
}

impl Optimizer {
    /// The update of one layer's neurons (all of them, or a block of its rows) from their
    /// deltas `Δ` and the layer's input `Z_prev` on `m` samples, at `(η, λ/n, t)`; biases are
    /// not decayed. Plain SGD is fused with the gradient product,
    /// `W ← (1 − ηλ/n) W − (η/m) Δᵀ·Z_prev`, in one pass. Another rule gets the gradient
    /// `∂C/∂W = (1/m) Δᵀ·Z_prev` row by row from the kernel, while it is in the cache
    /// ([`gemm_then`]), where the hand kernels run, and else through `grads`; the same bits
    /// either way. Whether every new value is finite.
    pub(crate) fn update_neurons<T: Float>(
        self,
        at: (f64, f64, u64),
        (delta, z_prev): (ArrayView2<T>, ArrayView2<T>),
        (mut w, mut b): (ndarray::ArrayViewMut2<T>, ndarray::ArrayViewMut1<T>),
        ((mut sw0, mut sw1), (sb0, sb1)): (Slots<'_, T>, Slots<'_, T>),
        (mut gw, mut gb): (ndarray::ArrayViewMut2<T>, ndarray::ArrayViewMut1<T>),
    ) -> bool {
        let (eta, decay, t) = at;
        let m = z_prev.nrows();
        if self == Optimizer::Sgd {
            let (s, keep) = sgd_scales(eta, decay, m);
            return add_gradient(s, keep, delta, z_prev, w, b);
        }
        let inv_m = one_over(m);
        let rows = self.rows(at, w.view_mut(), (reborrow(&mut sw0), reborrow(&mut sw1)));
        if let Some(weights_finite) = gemm_then(inv_m, delta.t(), z_prev, rows) {
            // ∂C/∂b = (1/m) Σ_rows Δ, then the biases' rule.
            gb.fill(T::zero());
            add_bias_gradient(inv_m, delta, gb.view_mut());
            self.update(
                T::from_f64_lossy(eta),
                T::zero(),
                t,
                b.view_mut(),
                gb.view(),
                sb0,
                sb1,
            );
            return weights_finite && all_finite(b.view().insert_axis(ndarray::Axis(0)));
        }
        add_gradient(inv_m, T::zero(), delta, z_prev, gw.view_mut(), gb.view_mut());
        self.update_block(at, (w, b), (gw.view(), gb.view()), ((sw0, sw1), (sb0, sb1)))
    }

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

    /// The rule's numbers for step `t` at `η` and `λ/n` ([`RuleConstants`]).
    fn constants<T: Float>(self, eta: T, decay: T, t: u64) -> RuleConstants<T> {
        match self {
            Optimizer::Sgd => RuleConstants::Sgd([eta, decay]),
            Optimizer::Momentum { mu } | Optimizer::Nesterov { mu } => RuleConstants::Momentum(
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
                RuleConstants::Adam([
                    eta,
                    decay,
                    T::from_f64_lossy(beta1),
                    T::from_f64_lossy(beta2),
                    T::from_f64_lossy(epsilon),
                    c1,
                    c2,
                ])
            }
        }
    }

    /// The rule over the rows of a weight matrix `w` and its state (each state array as long
    /// as `w`, row-major like it), to take each row of its gradient as a product hands it
    /// over ([`gemm_then`]): every value as [`Optimizer::update_block`] computes it.
    fn rows<'a, T: Float>(
        self,
        (eta, decay, t): (f64, f64, u64),
        w: ndarray::ArrayViewMut2<'a, T>,
        (s0, s1): (Slot<'a, T>, Slot<'a, T>),
    ) -> RuleRows<'a, T> {
        let shape = w.dim();
        let as_matrix = |s: Slot<'a, T>| {
            s.map(|s| {
                s.into_shape_with_order(shape)
                    .expect("state shaped like the weights")
            })
        };
        RuleRows {
            constants: self.constants(T::from_f64_lossy(eta), T::from_f64_lossy(decay), t),
            w,
            s0: as_matrix(s0),
            s1: as_matrix(s1),
        }
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
        let (s0, s1) = (
            s0.map(|s| s.into_slice().expect("state arrays are contiguous")),
            s1.map(|s| s.into_slice().expect("state arrays are contiguous")),
        );
        self.constants(eta, decay, t).apply(w, g, s0, s1);
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
mod tests;
