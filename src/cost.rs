//! Cost functions, each next to its output-layer delta `δ^L = ∂C_x/∂a^L`.

use crate::activation::{Activation, for_each_activation};
use crate::linalg::Float;
use ndarray::{ArrayView2, ArrayViewMut2, Zip};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Cost {
    /// `C_x = ½‖y − z‖²`, so `C = 1/(2n) Σ_x ‖y − z‖²` (the lecture's).
    #[default]
    Quadratic,
    /// For sigmoid outputs: `C_x = −Σ_j [y_j ln z_j + (1 − y_j) ln(1 − z_j)]`. With `σ'` cancelled,
    /// `δ = z − y`: no learning slowdown when a neuron is saturated and wrong.
    CrossEntropy,
    /// For softmax outputs (categorical cross-entropy): `C_x = −Σ_j y_j ln z_j`, `δ = z − y`.
    LogLikelihood,
    /// Mean squared error for regression: `C_x = 1/(2k) ‖y − z‖²` over `k` outputs
    /// (scikit-learn's squared error).
    Mse,
}

pub const ALL: [Cost; 4] = [
    Cost::Quadratic,
    Cost::CrossEntropy,
    Cost::LogLikelihood,
    Cost::Mse,
];

impl Cost {
    /// The output activations this cost is defined for (`None`: any).
    pub fn requires(self) -> Option<Activation> {
        match self {
            Cost::CrossEntropy => Some(Activation::Sigmoid),
            Cost::LogLikelihood => Some(Activation::Softmax),
            Cost::Quadratic | Cost::Mse => None,
        }
    }

    /// The cost given to a network trained elsewhere (imported from ONNX or PyTorch), whose
    /// training cost is not known: the one its output layer is made for.
    pub fn for_output(output: Activation) -> Cost {
        match output {
            Activation::Softmax => Cost::LogLikelihood,
            Activation::Sigmoid => Cost::CrossEntropy,
            _ => Cost::Mse,
        }
    }

    /// Checks that this cost can sit on an output layer with activation `output`.
    pub fn check_output(self, output: Activation) -> Result<(), String> {
        match self.requires() {
            Some(needed) if needed != output => Err(format!(
                "the {self} cost needs a {needed} output layer, not {output}"
            )),
            _ => Ok(()),
        }
    }

    /// `Σ_x C_x` over the rows of a mini-batch, from the output layer's weighted inputs `a`,
    /// activations `z` and targets `y` (one sample per row). The logarithmic costs are computed
    /// from `a`, where they cannot overflow: `ln σ(a) = −softplus(−a)`, `ln softmax(a)_j =
    /// a_j − logsumexp(a)`.
    pub fn total<T: Float>(self, a: ArrayView2<T>, z: ArrayView2<T>, y: ArrayView2<T>) -> T {
        let half = T::from_f64_lossy(0.5);
        match self {
            Cost::Quadratic | Cost::Mse => {
                let sum = Zip::from(z).and(y).fold(T::zero(), |acc, &zi, &yi| {
                    let d = zi - yi;
                    acc + half * d * d
                });
                if self == Cost::Mse {
                    sum / T::from_usize(z.ncols()).unwrap()
                } else {
                    sum
                }
            }
            // −[y ln σ(a) + (1 − y) ln(1 − σ(a))] = softplus(a) − y·a
            Cost::CrossEntropy => Zip::from(a).and(y).fold(T::zero(), |acc, &a, &y| {
                let softplus = a.max(T::zero()) + (-a.abs()).exp().ln_1p();
                acc + softplus - y * a
            }),
            // −Σ_j y_j (a_j − lse(a)) = lse(a)·Σ_j y_j − Σ_j y_j a_j
            Cost::LogLikelihood => Zip::from(a.rows()).and(y.rows()).fold(T::zero(), |acc, a, y| {
                let max = a.iter().fold(T::neg_infinity(), |m, &v| m.max(v));
                let lse = max + a.iter().map(|&v| (v - max).exp()).sum::<T>().ln();
                let sum_y: T = y.iter().copied().sum();
                let ya: T = a.iter().zip(y).map(|(&a, &y)| a * y).sum();
                acc + lse * sum_y - ya
            }),
        }
    }

    /// Writes `δ^L = ∂C_x/∂a^L` for every row, from the output layer's `a`, `z` and targets `y`.
    pub fn output_delta<T: Float>(
        self,
        activation: Activation,
        a: ArrayView2<T>,
        z: ArrayView2<T>,
        y: ArrayView2<T>,
        mut delta: ArrayViewMut2<T>,
    ) {
        match (self, activation) {
            // δ = z − y: the output nonlinearity's derivative cancels against the cost's.
            (Cost::CrossEntropy, _) => Zip::from(delta).and(z).and(y).for_each(|d, &z, &y| *d = z - y),
            // For y summing to s: δ_j = s·z_j − y_j (s = 1 for one-hot targets).
            (Cost::LogLikelihood, _) => {
                Zip::from(delta.rows_mut())
                    .and(z.rows())
                    .and(y.rows())
                    .for_each(|mut d, z, y| {
                        let s: T = y.iter().copied().sum();
                        Zip::from(&mut d)
                            .and(z)
                            .and(y)
                            .for_each(|d, &z, &y| *d = s * z - y);
                    })
            }
            // With g = ∂C_x/∂z = (z − y)/k (k = 1 for the quadratic cost):
            (Cost::Quadratic | Cost::Mse, act) => {
                let scale = if self == Cost::Mse {
                    T::one() / T::from_usize(z.ncols()).unwrap()
                } else {
                    T::one()
                };
                if act == Activation::Softmax {
                    // δ_j = Σ_k g_k ∂z_k/∂a_j = z_j (g_j − Σ_k g_k z_k)
                    Zip::from(delta.rows_mut())
                        .and(z.rows())
                        .and(y.rows())
                        .for_each(|mut d, z, y| {
                            let gz: T = z.iter().zip(y).map(|(&z, &y)| scale * (z - y) * z).sum();
                            Zip::from(&mut d)
                                .and(z)
                                .and(y)
                                .for_each(|d, &z, &y| *d = z * (scale * (z - y) - gz));
                        });
                } else {
                    // δ = g ⊙ f'(a)
                    for_each_activation!(act, F => Zip::from(&mut delta)
                    .and(a)
                    .and(z)
                    .and(y)
                    .for_each(|d, &a, &z, &y| {
                        *d = scale * (z - y) * F.derivative(a, z);
                    }));
                }
            }
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Cost::Quadratic => "quadratic",
            Cost::CrossEntropy => "cross-entropy",
            Cost::LogLikelihood => "log-likelihood",
            Cost::Mse => "mse",
        }
    }
}

impl fmt::Display for Cost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

crate::named::serde_by_name!(Cost);

impl FromStr for Cost {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        ALL.into_iter().find(|c| c.name() == s).ok_or_else(|| {
            let names: Vec<&str> = ALL.iter().map(|c| c.name()).collect();
            format!("unknown cost '{s}' (expected one of: {})", names.join(", "))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{Array2, array};

    #[test]
    fn quadratic_total_and_delta() {
        let z = array![[0.5, 0.25], [1.0, 0.0]];
        let y = array![[1.0, 0.0], [1.0, 1.0]];
        // ½(0.25 + 0.0625) + ½(0 + 1)
        assert_eq!(Cost::Quadratic.total(z.view(), z.view(), y.view()), 0.65625);
        let a = z.mapv(|_| 0.0); // the sigmoid's derivative uses z: z(1 − z)
        let mut d = Array2::zeros((2, 2));
        Cost::Quadratic.output_delta(Activation::Sigmoid, a.view(), z.view(), y.view(), d.view_mut());
        assert_eq!(d, array![[-0.5 * 0.25, 0.25 * 0.1875], [0.0, 0.0]]);
    }

    #[test]
    fn logarithmic_costs_match_their_definitions_and_do_not_overflow() {
        let a = array![[0.3, -1.2, 2.0]];
        let y = array![[0.0, 1.0, 0.0]];
        let sig = a.mapv(|a: f64| 1.0 / (1.0 + (-a).exp()));
        let ce: f64 = sig
            .iter()
            .zip(&y)
            .map(|(&z, &y)| -(y * z.ln() + (1.0 - y) * (1.0 - z).ln()))
            .sum();
        assert!((Cost::CrossEntropy.total(a.view(), sig.view(), y.view()) - ce).abs() < 1e-12);
        let e: f64 = a.iter().map(|v| v.exp()).sum();
        let soft = a.mapv(|v| v.exp() / e);
        let ll = -(soft[[0, 1]]).ln();
        assert!((Cost::LogLikelihood.total(a.view(), soft.view(), y.view()) - ll).abs() < 1e-12);
        // Saturated and wrong: finite, and about |a|.
        let big = array![[800.0f64]];
        let c = Cost::CrossEntropy.total(big.view(), array![[1.0]].view(), array![[0.0]].view());
        assert!((c - 800.0).abs() < 1e-9);
    }

    #[test]
    fn pairings_are_checked() {
        assert!(Cost::CrossEntropy.check_output(Activation::Sigmoid).is_ok());
        assert!(
            Cost::CrossEntropy
                .check_output(Activation::Softmax)
                .unwrap_err()
                .contains("needs a sigmoid output layer, not softmax")
        );
        assert!(Cost::LogLikelihood.check_output(Activation::Sigmoid).is_err());
        assert!(Cost::Mse.check_output(Activation::Identity).is_ok());
        for c in ALL {
            assert_eq!(c.name().parse::<Cost>(), Ok(c));
        }
    }
}
