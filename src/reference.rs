//! The lecture's backpropagation for one sample, in its notation and indices: the reference
//! the fast mini-batch path ([`Network::backprop`](crate::Network::backprop), the small
//! kernels, the two-core stepper) is tested against. Nothing trains through this file; it is
//! written to be read against the equations, one loop per sum.
//!
//! Layers are numbered as in the lecture: `z^0 = x` is the input, layer `l = 1..=L` has
//! weights `W^l` (`net.layers[l − 1]`), where `w^l_jk` joins neuron `k` of layer `l − 1` to
//! neuron `j` of layer `l`.

// The sums are written over the lecture's indices j and k on purpose, to be read against it.
#![allow(clippy::needless_range_loop)]

use crate::activation::Activation;
use crate::cost::Cost;
use crate::linalg::Float;
use crate::network::{Gradients, Network};
use ndarray::{Array1, Array2, ArrayView1, ArrayView2};

/// Every layer's weighted input `a^l` and activation `z^l` for one sample, indexed by the
/// lecture's `l` (`a[0]` is empty: the input layer has no weighted input; `z[0] = x`).
#[derive(Debug, Clone)]
pub struct Trace<T> {
    pub a: Vec<Array1<T>>,
    pub z: Vec<Array1<T>>,
}

/// Feedforward, keeping `a` for the derivatives.
pub fn feedforward<T: Float>(net: &Network<T>, x: ArrayView1<T>) -> Trace<T> {
    let mut trace = Trace {
        a: vec![Array1::zeros(0)],
        z: vec![x.to_owned()],
    };
    for (l, layer) in (1..).zip(&net.layers) {
        let z_prev = &trace.z[l - 1];
        // a^l_j = Σ_k w^l_jk z^(l−1)_k + b^l_j
        let a = Array1::from_shape_fn(layer.neurons(), |j| {
            let mut sum = layer.biases[j];
            for k in 0..layer.inputs() {
                sum += layer.weights[[j, k]] * z_prev[k];
            }
            sum
        });
        // z^l = f(a^l)
        let z = activate(layer.activation, &a);
        trace.a.push(a);
        trace.z.push(z);
    }
    trace
}

/// `C_x` and its gradients `∂C_x/∂w^l_jk`, `∂C_x/∂b^l_j` for one sample `x` with target `y`.
pub fn backprop<T: Float>(net: &Network<T>, x: ArrayView1<T>, y: ArrayView1<T>) -> (T, Gradients<T>) {
    let (cost, grads, _) = backprop_traced(net, x, y);
    (cost, grads)
}

/// Backpropagation over a mini-batch of `m` samples (the rows of `x`, targets the rows of
/// `y`), one sample at a time through [`backprop`]: `each(i, trace, C_x, ∂C_x)` sees sample
/// `i`'s feedforward and gradients (the deltas are `∂C_x/∂b^l = δ^l`) before they are dropped,
/// and the result is `Σ_x C_x` and the mini-batch's mean gradient
/// `∂C/∂w = (1/m) Σ_x ∂C_x/∂w`, `∂C/∂b = (1/m) Σ_x ∂C_x/∂b`.
pub fn mini_batch<T: Float>(
    net: &Network<T>,
    x: ArrayView2<T>,
    y: ArrayView2<T>,
    mut each: impl FnMut(usize, &Trace<T>, T, &Gradients<T>),
) -> (T, Gradients<T>) {
    assert_eq!(x.nrows(), y.nrows(), "one target per sample");
    let mut sum = Gradients {
        weights: net
            .layers
            .iter()
            .map(|l| Array2::zeros(l.weights.dim()))
            .collect(),
        biases: net.layers.iter().map(|l| Array1::zeros(l.biases.len())).collect(),
    };
    let mut total = T::zero();
    for (i, (xi, yi)) in x.rows().into_iter().zip(y.rows()).enumerate() {
        let (cost, grads, trace) = backprop_traced(net, xi, yi);
        each(i, &trace, cost, &grads);
        total += cost;
        for l in 0..net.layers.len() {
            sum.weights[l] += &grads.weights[l];
            sum.biases[l] += &grads.biases[l];
        }
    }
    let inv_m = T::one() / T::from_usize(x.nrows().max(1)).expect("batch size fits the float type");
    for l in 0..net.layers.len() {
        sum.weights[l] *= inv_m;
        sum.biases[l] *= inv_m;
    }
    (total, sum)
}

/// [`backprop`], keeping the feedforward's trace.
fn backprop_traced<T: Float>(
    net: &Network<T>,
    x: ArrayView1<T>,
    y: ArrayView1<T>,
) -> (T, Gradients<T>, Trace<T>) {
    let trace = feedforward(net, x);
    let big_l = net.layers.len();
    let (a_out, z_out) = (&trace.a[big_l], &trace.z[big_l]);
    let cost = sample_cost(net.cost, a_out, z_out, y);

    // δ^L = ∂C_x/∂a^L: the output layer's Jacobian applied to ∇_z C (for an element-wise f,
    // δ^L = ∇_z C ⊙ f'(a^L)).
    let grad_z = cost_gradient(net.cost, z_out, y);
    let mut deltas = vec![Array1::zeros(0); big_l + 1];
    deltas[big_l] = through_activation(net.layers[big_l - 1].activation, a_out, z_out, &grad_z);

    // δ^l_k = (Σ_j w^(l+1)_jk δ^(l+1)_j) · f'(a^l_k), from layer L − 1 down to 1.
    for l in (1..big_l).rev() {
        let next = &net.layers[l]; // W^(l+1)
        let back = Array1::from_shape_fn(next.inputs(), |k| {
            let mut sum = T::zero();
            for j in 0..next.neurons() {
                sum += next.weights[[j, k]] * deltas[l + 1][j];
            }
            sum
        });
        deltas[l] = through_activation(net.layers[l - 1].activation, &trace.a[l], &trace.z[l], &back);
    }

    // ∂C/∂w^l_jk = z^(l−1)_k δ^l_j,  ∂C/∂b^l_j = δ^l_j
    let mut grads = Gradients {
        weights: Vec::with_capacity(big_l),
        biases: Vec::with_capacity(big_l),
    };
    for l in 1..=big_l {
        let layer = &net.layers[l - 1];
        let delta = &deltas[l];
        let z_prev = &trace.z[l - 1];
        grads.weights.push(Array2::from_shape_fn(
            (layer.neurons(), layer.inputs()),
            |(j, k)| z_prev[k] * delta[j],
        ));
        grads.biases.push(delta.clone());
    }
    (cost, grads, trace)
}

fn activate<T: Float>(f: Activation, a: &Array1<T>) -> Array1<T> {
    if f == Activation::Softmax {
        // z_j = e^(a_j) / Σ_i e^(a_i), shifted by max a for range (the shift cancels).
        let max = a.iter().fold(T::neg_infinity(), |m, &v| m.max(v));
        let e = a.mapv(|v| (v - max).exp());
        let sum: T = e.iter().copied().sum();
        e.mapv(|v| v / sum)
    } else {
        a.mapv(|v| f.apply(v))
    }
}

/// `Σ_j (∂z_j/∂a_i) g_j`: an element-wise `f` gives `g_i f'(a_i)`; softmax, whose `z_j`
/// depends on every `a_i` (`∂z_j/∂a_i = z_j (1[i = j] − z_i)`), gives `z_i (g_i − Σ_j g_j z_j)`.
fn through_activation<T: Float>(f: Activation, a: &Array1<T>, z: &Array1<T>, g: &Array1<T>) -> Array1<T> {
    if f == Activation::Softmax {
        let gz: T = g.iter().zip(z).map(|(&g, &z)| g * z).sum();
        Array1::from_shape_fn(z.len(), |i| z[i] * (g[i] - gz))
    } else {
        Array1::from_shape_fn(z.len(), |i| g[i] * f.derivative(a[i], z[i]))
    }
}

/// `∇_z C_x`, the cost's derivative by each output activation.
pub fn cost_gradient<T: Float>(cost: Cost, z: &Array1<T>, y: ArrayView1<T>) -> Array1<T> {
    let k = T::from_usize(z.len()).expect("output count fits the float type");
    Array1::from_shape_fn(z.len(), |j| match cost {
        // C_x = ½ Σ_j (y_j − z_j)²
        Cost::Quadratic => z[j] - y[j],
        // C_x = 1/(2k) Σ_j (y_j − z_j)²
        Cost::Mse => (z[j] - y[j]) / k,
        // C_x = −Σ_j [y_j ln z_j + (1 − y_j) ln(1 − z_j)]
        Cost::CrossEntropy => (z[j] - y[j]) / (z[j] * (T::one() - z[j])),
        // C_x = −Σ_j y_j ln z_j
        Cost::LogLikelihood => -y[j] / z[j],
    })
}

/// `C_x`, by the same definitions as [`cost_gradient`].
fn sample_cost<T: Float>(cost: Cost, a: &Array1<T>, z: &Array1<T>, y: ArrayView1<T>) -> T {
    let a = a.view().insert_axis(ndarray::Axis(0));
    let z = z.view().insert_axis(ndarray::Axis(0));
    cost.total(a, z, y.insert_axis(ndarray::Axis(0)))
}
