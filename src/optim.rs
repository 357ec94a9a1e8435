//! Optimizers: how the weights move once backpropagation has given the deltas.

use crate::linalg::Float;
use crate::network::{Network, Workspace, add_gradient};
use ndarray::ArrayView2;

/// Plain (mini-batch) stochastic gradient descent: `w ← w − η ∂C/∂w`, `b ← b − η ∂C/∂b`,
/// where `C` is the mini-batch's mean cost, so this is the lecture's `w − (η/m) Σ_x ∂C_x/∂w`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sgd {
    pub eta: f64,
}

impl Sgd {
    /// One step on the mini-batch `(x, y)`; returns its total cost `Σ_x C_x` before the step,
    /// and whether every weight and bias is still finite after it.
    ///
    /// The gradient is never stored: every delta is computed first (they need the old weights),
    /// then each layer gets `W ← W − (η/m) Δᵀ·Z_prev` in a single pass over its weights.
    pub fn step<T: Float>(
        &mut self,
        net: &mut Network<T>,
        x: ArrayView2<T>,
        y: ArrayView2<T>,
        ws: &mut Workspace<T>,
    ) -> (T, bool) {
        let cost = net.deltas(x, y, ws);
        let m = x.nrows();
        let s = -T::from_f64_lossy(self.eta / m as f64);
        let mut finite = true;
        for (l, layer) in net.layers.iter_mut().enumerate() {
            finite &= add_gradient(
                s,
                T::one(),
                ws.delta_of(l, m),
                ws.input_of(l, x),
                layer.weights.view_mut(),
                layer.biases.view_mut(),
            );
        }
        (cost, finite)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::Init;
    use ndarray::Array2;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn fused_step_equals_gradient_then_update() {
        let mut rng = ChaCha8Rng::seed_from_u64(4);
        let net: Network<f64> = Network::new(&[7, 5, 3], Init::StandardNormal, &mut rng).unwrap();
        let x = Array2::from_shape_fn((4, 7), |(i, j)| ((i * 7 + j) as f64 * 0.29).cos());
        let y = Array2::from_shape_fn((4, 3), |(i, j)| ((i + j) % 2) as f64);
        let mut ws = Workspace::new(&net, 4);

        let mut by_hand = net.clone();
        net.backprop(x.view(), y.view(), &mut ws);
        for (l, layer) in by_hand.layers.iter_mut().enumerate() {
            layer.weights.scaled_add(-0.5, &ws.grads.weights[l]);
            layer.biases.scaled_add(-0.5, &ws.grads.biases[l]);
        }
        let mut fused = net.clone();
        assert!(Sgd { eta: 0.5 }.step(&mut fused, x.view(), y.view(), &mut ws).1);
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
}
