//! Optimizers: how the weights move once backpropagation has given `∂C/∂w`.

use crate::linalg::Float;
use crate::network::{Gradients, Network};
use ndarray::Zip;

/// Plain (mini-batch) stochastic gradient descent: `w ← w − η ∂C/∂w`, `b ← b − η ∂C/∂b`,
/// where `C` is the mini-batch's mean cost, so this is the lecture's `w − (η/m) Σ_x ∂C_x/∂w`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sgd {
    pub eta: f64,
}

impl Sgd {
    pub fn step<T: Float>(&mut self, net: &mut Network<T>, grads: &Gradients<T>) {
        let eta = T::from_f64_lossy(self.eta);
        for ((layer, gw), gb) in net.layers.iter_mut().zip(&grads.weights).zip(&grads.biases) {
            Zip::from(&mut layer.weights)
                .and(gw)
                .for_each(|w, &g| *w -= eta * g);
            Zip::from(&mut layer.biases)
                .and(gb)
                .for_each(|b, &g| *b -= eta * g);
        }
    }
}
