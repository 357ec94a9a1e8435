//! The update rules, one element at a time: SGD, momentum (and Nesterov's), Adam, each a
//! slice function compiled for the widest vectors, and the two ways they are applied: to a
//! whole stored gradient ([`RuleConstants::apply`]) or to each row of it as the gradient
//! product hands it over ([`RuleRows`]).

use crate::linalg::{Float, RowSink, all_finite_slice};

/// A rule's numbers for one step, in the parameters' float type (`Optimizer::constants`
/// makes them from `(η, λ/n, t)` and the rule's coefficients).
#[derive(Clone, Copy)]
pub(super) enum RuleConstants<T> {
    Sgd([T; 2]),
    Momentum([T; 3], bool),
    Adam([T; 7]),
}

impl<T: Float> RuleConstants<T> {
    /// The rule on the parameters `w` with gradient `g` and state `s0`, `s1`.
    pub(super) fn apply(self, w: &mut [T], g: &[T], s0: Option<&mut [T]>, s1: Option<&mut [T]>) {
        match self {
            RuleConstants::Sgd([eta, decay]) => sgd_rule(w, g, eta, decay),
            RuleConstants::Momentum(k, nesterov) => momentum_rule(w, g, s0.expect("velocity"), k, nesterov),
            RuleConstants::Adam(k) => {
                adam_rule(w, g, s0.expect("first moment"), s1.expect("second moment"), k)
            }
        }
    }
}

/// A rule over some rows of a weight matrix and of its state (`Optimizer::rows`), taking each
/// row of the gradient as the product hands it over.
pub(super) struct RuleRows<'a, T> {
    pub(super) constants: RuleConstants<T>,
    pub(super) w: ndarray::ArrayViewMut2<'a, T>,
    pub(super) s0: Option<ndarray::ArrayViewMut2<'a, T>>,
    pub(super) s1: Option<ndarray::ArrayViewMut2<'a, T>>,
}

impl<T: Float> RowSink<T> for RuleRows<'_, T> {
    fn take_row(&mut self, i: usize, g: &[T]) -> bool {
        let (s0, s1) = (state_row(&mut self.s0, i), state_row(&mut self.s1, i));
        let w = self.w.row_mut(i).into_slice().expect("row-major weights");
        self.constants.apply(w, g, s0, s1);
        all_finite_slice(w)
    }

    fn split_at(self, i: usize) -> (Self, Self) {
        let (w0, w1) = self.w.split_at(ndarray::Axis(0), i);
        let ((a0, b0), (a1, b1)) = (split_state(self.s0, i), split_state(self.s1, i));
        let constants = self.constants;
        (
            RuleRows {
                constants,
                w: w0,
                s0: a0,
                s1: a1,
            },
            RuleRows {
                constants,
                w: w1,
                s0: b0,
                s1: b1,
            },
        )
    }
}

/// Row `i` of a state matrix, if the rule has it.
fn state_row<'s, T>(s: &'s mut Option<ndarray::ArrayViewMut2<'_, T>>, i: usize) -> Option<&'s mut [T]> {
    s.as_mut()
        .map(|s| s.row_mut(i).into_slice().expect("row-major state"))
}

type StateHalves<'a, T> = (
    Option<ndarray::ArrayViewMut2<'a, T>>,
    Option<ndarray::ArrayViewMut2<'a, T>>,
);

/// A state matrix's rows `..i` and `i..`, if the rule has it.
fn split_state<T>(s: Option<ndarray::ArrayViewMut2<'_, T>>, i: usize) -> StateHalves<'_, T> {
    match s {
        Some(s) => {
            let (a, b) = s.split_at(ndarray::Axis(0), i);
            (Some(a), Some(b))
        }
        None => (None, None),
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
