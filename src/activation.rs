//! Activation functions, each next to its derivative.

use crate::linalg::{Float, map16};
use std::fmt;
use std::str::FromStr;

/// Evaluates `$body` with `$f` a constant equal to `$act`, one copy per activation, so that a
/// loop in `$body` over `$f.apply(…)` or `$f.derivative(…)` has no branch per element and
/// compiles to vector code (with the `match` inside the loop it stayed scalar: a 10×10 sigmoid
/// layer took 450 ns instead of 30).
macro_rules! for_each_activation {
    ($act:expr, $f:ident => $body:expr) => {{
        use $crate::activation::Activation as A;
        match $act {
            A::Sigmoid => {
                const $f: A = A::Sigmoid;
                $body
            }
            A::Tanh => {
                const $f: A = A::Tanh;
                $body
            }
            A::Relu => {
                const $f: A = A::Relu;
                $body
            }
            A::LeakyRelu => {
                const $f: A = A::LeakyRelu;
                $body
            }
            A::Identity => {
                const $f: A = A::Identity;
                $body
            }
            A::Softmax => {
                const $f: A = A::Softmax;
                $body
            }
        }
    }};
}
pub(crate) use for_each_activation;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Activation {
    /// `σ(a) = 1 / (1 + e^-a)`, `σ'(a) = σ(a)(1 − σ(a))`.
    #[default]
    Sigmoid,
    /// `tanh(a) = 2σ(2a) − 1`, `tanh'(a) = 1 − tanh²(a)`.
    Tanh,
    /// `max(0, a)`, derivative 1 for `a > 0`, else 0.
    Relu,
    /// `a` for `a > 0`, else `0.01·a`; derivative 1 or 0.01.
    LeakyRelu,
    /// `a`, derivative 1 (regression outputs).
    Identity,
    /// `z_j = e^{a_j} / Σ_k e^{a_k}` over a layer's neurons: output layers only. Its Jacobian
    /// `∂z_j/∂a_k = z_j(δ_jk − z_k)` is applied by the cost (see `Cost::output_delta`).
    Softmax,
}

/// The slope of leaky ReLU for negative inputs.
pub const LEAK: f64 = 0.01;

pub const ALL: [Activation; 6] = [
    Activation::Sigmoid,
    Activation::Tanh,
    Activation::Relu,
    Activation::LeakyRelu,
    Activation::Identity,
    Activation::Softmax,
];

impl Activation {
    /// `z = f(a)` for an elementwise activation (all but softmax).
    #[inline(always)]
    pub fn apply<T: Float>(self, a: T) -> T {
        let one = T::one();
        match self {
            Activation::Sigmoid => one / (one + (-a).exp_vec()),
            Activation::Tanh => {
                let two = one + one;
                two / (one + (-(a + a)).exp_vec()) - one
            }
            Activation::Relu => {
                if a > T::zero() {
                    a
                } else {
                    T::zero()
                }
            }
            Activation::LeakyRelu => {
                if a > T::zero() {
                    a
                } else {
                    T::from_f64_lossy(LEAK) * a
                }
            }
            Activation::Identity => a,
            Activation::Softmax => panic!("softmax is not elementwise: use apply_rows"),
        }
    }

    /// Whether `z` sits within 1e-30 of a limit the activation reaches only by saturating (σ
    /// or a softmax share at 0 or 1, tanh at ±1), where its derivative vanishes (σ of a very
    /// negative input is a subnormal number, not 0); never for the unbounded activations.
    pub fn pinned<T: Float>(self, z: T) -> bool {
        let near = |limit: T| (z - limit).abs() < T::from_f64_lossy(1e-30);
        match self {
            Activation::Sigmoid | Activation::Softmax => near(T::zero()) || near(T::one()),
            Activation::Tanh => near(T::one()) || near(-T::one()),
            Activation::Relu | Activation::LeakyRelu | Activation::Identity => false,
        }
    }

    /// `f'(a)` for an elementwise activation, given both `a` and `z = f(a)` (whichever is
    /// cheaper to use).
    #[inline(always)]
    pub fn derivative<T: Float>(self, a: T, z: T) -> T {
        let one = T::one();
        match self {
            // σ' = σ(1 − σ): no second exponential.
            Activation::Sigmoid => z * (one - z),
            Activation::Tanh => one - z * z,
            Activation::Relu => {
                if a > T::zero() {
                    one
                } else {
                    T::zero()
                }
            }
            Activation::LeakyRelu => {
                if a > T::zero() {
                    one
                } else {
                    T::from_f64_lossy(LEAK)
                }
            }
            Activation::Identity => one,
            Activation::Softmax => panic!("softmax has no elementwise derivative"),
        }
    }

    /// `Z = f(A)` for a row-major `m × n` mini-batch (`n` neurons per row).
    #[inline(always)]
    pub fn apply_rows<T: Float>(self, a: &[T], z: &mut [T], n: usize) {
        if self != Activation::Softmax {
            return for_each_activation!(self, F => map16(a, z, |a| F.apply(a)));
        }
        for (a, z) in a.chunks_exact(n).zip(z.chunks_exact_mut(n)) {
            // Shifting by the row's maximum changes nothing but keeps e^a finite.
            let max = a
                .iter()
                .fold(T::neg_infinity(), |m, &v| if v > m { v } else { m });
            z.iter_mut().zip(a).for_each(|(z, &a)| *z = a - max);
        }
        // e^(a − max) for the whole mini-batch in vectors (taken with each row's sum, the
        // exponentials of a row of 10 ran as scalar code: a tenth of a digits fit), then
        // each row's sum in order.
        crate::linalg::map16_mut(z, T::exp_vec);
        for z in z.chunks_exact_mut(n) {
            let inv = T::one() / z.iter().fold(T::zero(), |sum, &v| sum + v);
            z.iter_mut().for_each(|z| *z *= inv);
        }
    }

    /// True for activations whose derivative jumps (ReLU's kink at 0).
    pub fn has_kink(self) -> bool {
        matches!(self, Activation::Relu | Activation::LeakyRelu)
    }

    pub fn name(self) -> &'static str {
        match self {
            Activation::Sigmoid => "sigmoid",
            Activation::Tanh => "tanh",
            Activation::Relu => "relu",
            Activation::LeakyRelu => "leaky-relu",
            Activation::Identity => "identity",
            Activation::Softmax => "softmax",
        }
    }
}

impl fmt::Display for Activation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

crate::named::serde_by_name!(Activation);

impl FromStr for Activation {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        ALL.into_iter().find(|a| a.name() == s).ok_or_else(|| {
            let names: Vec<&str> = ALL.iter().map(|a| a.name()).collect();
            format!("unknown activation '{s}' (expected one of: {})", names.join(", "))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derivatives_match_finite_differences() {
        for act in ALL.into_iter().filter(|&a| a != Activation::Softmax) {
            for a in [-5.0f64, -1.0, -0.3, 0.3, 2.0, 7.0] {
                let h = 1e-6;
                let numeric = (act.apply(a + h) - act.apply(a - h)) / (2.0 * h);
                let analytic = act.derivative(a, act.apply(a));
                assert!(
                    (numeric - analytic).abs() < 1e-8,
                    "{act} at {a}: {numeric} vs {analytic}"
                );
            }
        }
    }

    #[test]
    fn known_values() {
        assert_eq!(Activation::Sigmoid.apply(0.0f64), 0.5);
        assert!(Activation::Sigmoid.apply(40.0f64) > 1.0 - 1e-15);
        assert!((Activation::Tanh.apply(0.5f64) - 0.5f64.tanh()).abs() < 1e-15);
        assert_eq!(Activation::Relu.apply(-2.0f64), 0.0);
        assert_eq!(Activation::LeakyRelu.apply(-2.0f64), -0.02);
        let a = [1.0f64, 2.0, 3.0, 1000.0, 1000.0, -1000.0];
        let mut z = [0.0; 6];
        Activation::Softmax.apply_rows(&a, &mut z, 3);
        let e: f64 = (1.0f64).exp() + (2.0f64).exp() + (3.0f64).exp();
        assert!((z[2] - 3.0f64.exp() / e).abs() < 1e-15);
        assert_eq!(&z[3..], &[0.5, 0.5, 0.0], "no overflow for large inputs");
    }

    /// The exponentials of a whole mini-batch at once give each row's softmax the bits of
    /// one exponential after another, summed in order.
    #[test]
    fn softmax_of_a_mini_batch_has_the_bits_of_row_by_row_sums() {
        let mut state = 12345u32;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            (state >> 8) as f32 / (1u32 << 24) as f32 * 40.0 - 20.0
        };
        for (rows, n) in [(1, 1), (3, 10), (7, 16), (5, 17), (128, 10), (2, 100)] {
            let a: Vec<f32> = (0..rows * n).map(|_| next()).collect();
            let mut z = vec![0.0f32; a.len()];
            Activation::Softmax.apply_rows(&a, &mut z, n);
            for (a, z) in a.chunks(n).zip(z.chunks(n)) {
                let max = a
                    .iter()
                    .fold(f32::NEG_INFINITY, |m, &v| if v > m { v } else { m });
                let e: Vec<f32> = a.iter().map(|&v| (v - max).exp_vec()).collect();
                let mut sum = 0.0f32;
                e.iter().for_each(|&v| sum += v);
                let inv = 1.0 / sum;
                for (got, e) in z.iter().zip(e) {
                    assert_eq!(got.to_bits(), (e * inv).to_bits(), "{rows}×{n}");
                }
            }
        }
    }

    #[test]
    fn parses_every_name() {
        for a in ALL {
            assert_eq!(a.name().parse::<Activation>(), Ok(a));
        }
        assert!("relu6".parse::<Activation>().unwrap_err().contains("leaky-relu"));
    }
}
