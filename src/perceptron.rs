//! Perceptrons: `a = w·x + b`, output `1` if `a > 0` else `0`.
//!
//! The lecture's NAND gate (w = [-2, -2], b = 3), the gates built from it, the half adder, and
//! Rosenblatt's learning rule, which learns AND, OR and NAND but never XOR (XOR is not linearly
//! separable, so no single perceptron computes it).

/// A step neuron with real weights and bias.
#[derive(Debug, Clone, PartialEq)]
pub struct Perceptron {
    pub weights: Vec<f64>,
    pub bias: f64,
}

impl Perceptron {
    pub fn new(weights: Vec<f64>, bias: f64) -> Self {
        Perceptron { weights, bias }
    }

    /// The weighted input `w·x + b`.
    pub fn sum(&self, x: &[u8]) -> f64 {
        assert_eq!(x.len(), self.weights.len(), "perceptron input size");
        self.weights
            .iter()
            .zip(x)
            .map(|(w, &xi)| w * f64::from(xi))
            .sum::<f64>()
            + self.bias
    }

    /// Step output: `1` if `w·x + b > 0`, else `0`.
    pub fn output(&self, x: &[u8]) -> u8 {
        u8::from(self.sum(x) > 0.0)
    }

    /// The lecture's NAND: w1 = w2 = -2, b = 3.
    pub fn nand() -> Self {
        Perceptron::new(vec![-2.0, -2.0], 3.0)
    }

    pub fn and() -> Self {
        Perceptron::new(vec![1.0, 1.0], -1.5)
    }

    pub fn or() -> Self {
        Perceptron::new(vec![1.0, 1.0], -0.5)
    }

    pub fn not() -> Self {
        Perceptron::new(vec![-1.0], 0.5)
    }
}

/// XOR from four NAND perceptrons, the classic circuit:
/// `n1 = NAND(x1, x2)`, `XOR = NAND(NAND(x1, n1), NAND(x2, n1))`.
pub fn xor(x1: u8, x2: u8) -> u8 {
    let nand = Perceptron::nand();
    let n1 = nand.output(&[x1, x2]);
    let n2 = nand.output(&[x1, n1]);
    let n3 = nand.output(&[x2, n1]);
    nand.output(&[n2, n3])
}

/// Half adder: `(sum, carry) = (XOR(x1, x2), AND(x1, x2))`, all perceptrons.
pub fn half_adder(x1: u8, x2: u8) -> (u8, u8) {
    (xor(x1, x2), Perceptron::and().output(&[x1, x2]))
}

/// The four inputs of a two-input gate, in truth-table order.
pub const INPUTS_2: [[u8; 2]; 4] = [[0, 0], [0, 1], [1, 0], [1, 1]];

/// Truth table `[[x1, x2, out], ...]` of a two-input function.
pub fn truth_table(f: impl Fn(u8, u8) -> u8) -> Vec<[u8; 3]> {
    INPUTS_2.iter().map(|&[a, b]| [a, b, f(a, b)]).collect()
}

/// Outcome of Rosenblatt's rule on a truth table.
#[derive(Debug, Clone)]
pub struct Learned {
    pub perceptron: Perceptron,
    /// Misclassified samples in each epoch, in order.
    pub errors_per_epoch: Vec<usize>,
    /// True when some epoch had no error.
    pub converged: bool,
}

/// Rosenblatt's perceptron learning rule on two-input samples:
/// for each sample, `w ← w + η (y − ŷ) x`, `b ← b + η (y − ŷ)`; stop after an epoch with no
/// error, or after `max_epochs`. Starting from zero weights, it converges exactly when the
/// samples are linearly separable.
pub fn learn(samples: &[([u8; 2], u8)], eta: f64, max_epochs: usize) -> Learned {
    let mut p = Perceptron::new(vec![0.0, 0.0], 0.0);
    let mut errors_per_epoch = Vec::new();
    for _ in 0..max_epochs {
        let mut errors = 0;
        for (x, y) in samples {
            let err = f64::from(*y) - f64::from(p.output(x));
            if err != 0.0 {
                errors += 1;
                for (w, &xi) in p.weights.iter_mut().zip(x) {
                    *w += eta * err * f64::from(xi);
                }
                p.bias += eta * err;
            }
        }
        errors_per_epoch.push(errors);
        if errors == 0 {
            return Learned {
                perceptron: p,
                errors_per_epoch,
                converged: true,
            };
        }
    }
    Learned {
        perceptron: p,
        errors_per_epoch,
        converged: false,
    }
}

/// The samples of a two-input truth table, for [`learn`].
pub fn samples(f: impl Fn(u8, u8) -> u8) -> Vec<([u8; 2], u8)> {
    INPUTS_2.iter().map(|&[a, b]| ([a, b], f(a, b))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    // Reference functions from Rust's own boolean operators, to check the perceptrons against.
    fn nand_ref(a: u8, b: u8) -> u8 {
        u8::from(!(a == 1 && b == 1))
    }

    #[test]
    fn gates_match_boolean_logic() {
        for [a, b] in INPUTS_2 {
            assert_eq!(Perceptron::nand().output(&[a, b]), nand_ref(a, b));
            assert_eq!(Perceptron::and().output(&[a, b]), a & b);
            assert_eq!(Perceptron::or().output(&[a, b]), a | b);
            assert_eq!(xor(a, b), a ^ b);
            assert_eq!(half_adder(a, b), (a ^ b, a & b));
            // The half adder really adds: 2·carry + sum = a + b.
            let (s, c) = half_adder(a, b);
            assert_eq!(2 * c + s, a + b);
        }
        assert_eq!(Perceptron::not().output(&[0]), 1);
        assert_eq!(Perceptron::not().output(&[1]), 0);
    }

    #[test]
    fn rosenblatt_learns_separable_gates_not_xor() {
        for f in [nand_ref as fn(u8, u8) -> u8, |a, b| a & b, |a, b| a | b] {
            let learned = learn(&samples(f), 0.1, 100);
            assert!(learned.converged);
            for [a, b] in INPUTS_2 {
                assert_eq!(learned.perceptron.output(&[a, b]), f(a, b));
            }
        }
        let xor_try = learn(&samples(|a, b| a ^ b), 0.1, 1000);
        assert!(!xor_try.converged);
        assert!(xor_try.errors_per_epoch.iter().all(|&e| e > 0));
    }
}
