//! Cost functions, each next to its output-layer delta `δ^L = ∂C_x/∂a^L`.

use crate::activation::Activation;
use crate::linalg::Float;
use ndarray::{ArrayView2, ArrayViewMut2, Zip};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Cost {
    /// `C_x = ½‖y − z^L‖²`, so `C = 1/(2n) Σ_x ‖y − z^L‖²`.
    #[default]
    Quadratic,
}

impl Cost {
    /// `Σ_x C_x` over the rows of a mini-batch (outputs `z`, targets `y`, one sample per row).
    pub fn total<T: Float>(self, z: ArrayView2<T>, y: ArrayView2<T>) -> T {
        match self {
            Cost::Quadratic => {
                let half = T::from_f64_lossy(0.5);
                Zip::from(z).and(y).fold(T::zero(), |acc, &zi, &yi| {
                    let d = zi - yi;
                    acc + half * d * d
                })
            }
        }
    }

    /// Writes `δ^L = ∂C_x/∂a^L` for every row, from the output layer's `a`, `z` and targets `y`.
    pub fn output_delta<T: Float>(
        self,
        activation: Activation,
        a: ArrayView2<T>,
        z: ArrayView2<T>,
        y: ArrayView2<T>,
        delta: ArrayViewMut2<T>,
    ) {
        match self {
            // δ^L = (z^L − y) ⊙ f'(a^L)
            Cost::Quadratic => Zip::from(delta).and(a).and(z).and(y).for_each(|d, &a, &z, &y| {
                *d = (z - y) * activation.derivative(a, z);
            }),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Cost::Quadratic => "quadratic",
        }
    }
}

impl fmt::Display for Cost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Cost {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "quadratic" => Ok(Cost::Quadratic),
            _ => Err(format!("unknown cost '{s}' (expected: quadratic)")),
        }
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
        assert_eq!(Cost::Quadratic.total(z.view(), y.view()), 0.65625);

        let a = z.mapv(|_| 0.0); // σ'(0) would be 0.25, but the derivative uses z: z(1 − z)
        let mut d = Array2::zeros((2, 2));
        Cost::Quadratic.output_delta(Activation::Sigmoid, a.view(), z.view(), y.view(), d.view_mut());
        assert_eq!(d, array![[-0.5 * 0.25, 0.25 * 0.1875], [0.0, 0.0]]);
    }
}
