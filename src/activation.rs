//! Activation functions, each next to its derivative.

use crate::linalg::Float;
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Activation {
    /// `σ(a) = 1 / (1 + e^-a)`, `σ'(a) = σ(a)(1 − σ(a))`.
    #[default]
    Sigmoid,
}

impl Activation {
    /// `z = f(a)`.
    #[inline]
    pub fn apply<T: Float>(self, a: T) -> T {
        match self {
            Activation::Sigmoid => T::one() / (T::one() + (-a).exp_vec()),
        }
    }

    /// `f'(a)`, given both `a` and `z = f(a)` (whichever is cheaper to use).
    #[inline]
    pub fn derivative<T: Float>(self, _a: T, z: T) -> T {
        match self {
            // σ' = σ(1 − σ): no second exponential.
            Activation::Sigmoid => z * (T::one() - z),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Activation::Sigmoid => "sigmoid",
        }
    }
}

impl fmt::Display for Activation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Activation {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "sigmoid" => Ok(Activation::Sigmoid),
            _ => Err(format!("unknown activation '{s}' (expected: sigmoid)")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sigmoid_values_and_derivative_match_finite_differences() {
        let s = Activation::Sigmoid;
        assert_eq!(s.apply(0.0f64), 0.5);
        assert!(s.apply(40.0f64) > 1.0 - 1e-15);
        assert!(s.apply(-40.0f64) < 1e-15);
        for a in [-5.0f64, -1.0, 0.0, 0.3, 2.0, 7.0] {
            let h = 1e-6;
            let numeric = (s.apply(a + h) - s.apply(a - h)) / (2.0 * h);
            let analytic = s.derivative(a, s.apply(a));
            assert!((numeric - analytic).abs() < 1e-9, "a = {a}");
        }
    }

    #[test]
    fn parses_its_own_name() {
        assert_eq!("sigmoid".parse::<Activation>(), Ok(Activation::Sigmoid));
        assert!("relu6".parse::<Activation>().is_err());
    }
}
