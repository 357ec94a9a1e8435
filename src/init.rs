//! How a network's first weights and biases are drawn.

use rand::Rng;
use rand_distr::{Distribution, StandardNormal, Uniform};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Init {
    /// Weights and biases from N(0, 1), as in the lecture.
    #[default]
    StandardNormal,
    /// Weights from N(0, 1/n_in) (so that neurons do not start saturated), biases from N(0, 1).
    ScaledNormal,
    /// Glorot/Xavier: weights uniform in ±√(6/(n_in + n_out)), biases 0 (for sigmoid, tanh).
    Glorot,
    /// He: weights from N(0, 2/n_in), biases 0 (for ReLU).
    He,
}

pub const ALL: [Init; 4] = [Init::StandardNormal, Init::ScaledNormal, Init::Glorot, Init::He];

impl Init {
    /// Draws a weight layer feeding `n_out` neurons from `n_in` inputs (row-major `n_out × n_in`,
    /// the weights of neuron 0 first) and its `n_out` biases. Draws are made in f64, so f32 and
    /// f64 networks from the same seed hold the same numbers (up to rounding).
    pub fn draw(self, n_in: usize, n_out: usize, rng: &mut impl Rng) -> (Vec<f64>, Vec<f64>) {
        let normal = |rng: &mut _| -> f64 { StandardNormal.sample(rng) };
        let (fan_in, fan_sum) = (n_in as f64, (n_in + n_out) as f64);
        let weights: Vec<f64> = match self {
            Init::StandardNormal => (0..n_in * n_out).map(|_| normal(rng)).collect(),
            Init::ScaledNormal => (0..n_in * n_out).map(|_| normal(rng) / fan_in.sqrt()).collect(),
            Init::Glorot => {
                let bound = (6.0 / fan_sum).sqrt();
                let u = Uniform::new(-bound, bound).expect("a positive bound");
                (0..n_in * n_out).map(|_| u.sample(rng)).collect()
            }
            Init::He => (0..n_in * n_out)
                .map(|_| normal(rng) * (2.0 / fan_in).sqrt())
                .collect(),
        };
        let biases = match self {
            Init::StandardNormal | Init::ScaledNormal => (0..n_out).map(|_| normal(rng)).collect(),
            Init::Glorot | Init::He => vec![0.0; n_out],
        };
        (weights, biases)
    }

    /// The default for networks whose hidden layers have `activation`: the lecture's standard
    /// normal for sigmoid neurons (so its runs stay as they were), He for ReLU and leaky ReLU
    /// (N(0, 1) weights make their activations grow layer by layer), Glorot for tanh and
    /// identity.
    pub fn for_activation(activation: crate::activation::Activation) -> Init {
        use crate::activation::Activation;
        match activation {
            Activation::Sigmoid => Init::StandardNormal,
            Activation::Relu | Activation::LeakyRelu => Init::He,
            Activation::Tanh | Activation::Identity | Activation::Softmax => Init::Glorot,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Init::StandardNormal => "standard-normal",
            Init::ScaledNormal => "scaled-normal",
            Init::Glorot => "glorot",
            Init::He => "he",
        }
    }
}

impl fmt::Display for Init {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

crate::named::serde_by_name!(Init);

impl FromStr for Init {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        ALL.into_iter().find(|i| i.name() == s).ok_or_else(|| {
            let names: Vec<&str> = ALL.iter().map(|i| i.name()).collect();
            format!(
                "unknown initialisation '{s}' (expected one of: {})",
                names.join(", ")
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn moments(v: &[f64]) -> (f64, f64) {
        let mean = v.iter().sum::<f64>() / v.len() as f64;
        (
            mean,
            v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / v.len() as f64,
        )
    }

    #[test]
    fn each_scheme_has_its_variance() {
        let mut rng = ChaCha8Rng::seed_from_u64(0);
        let (n_in, n_out) = (400, 100);
        for (init, var) in [
            (Init::StandardNormal, 1.0f64),
            (Init::ScaledNormal, 1.0 / 400.0),
            (Init::Glorot, 2.0 / 500.0), // uniform ±b has variance b²/3 = 2/(n_in + n_out)
            (Init::He, 2.0 / 400.0),
        ] {
            let (w, b) = init.draw(n_in, n_out, &mut rng);
            assert_eq!((w.len(), b.len()), (n_in * n_out, n_out));
            let (m, v) = moments(&w);
            assert!(m.abs() < 0.2 * var.sqrt(), "{init}: mean {m}");
            assert!(
                (v / var - 1.0).abs() < 0.05,
                "{init}: variance {v}, expected {var}"
            );
        }
        for i in ALL {
            assert_eq!(i.name().parse::<Init>(), Ok(i));
        }
    }
}
