//! The multilayer perceptron: layers, initialisation, feedforward and backpropagation.
//!
//! Numbering. `sizes = [n_0, n_1, …, n_L]` are the neuron counts, `n_0` the inputs. `layers[l]`
//! (for `l = 0 … L−1`) is the weight layer that feeds neuron layer `l + 1`: its `weights` are
//! `W` with one row per neuron `j` it feeds and one column per neuron `k` of the layer before
//! (`w_jk`, shape `n_{l+1} × n_l`), its `biases` are `b` (length `n_{l+1}`).
//!
//! Mini-batches are row-major matrices with one sample per row, so the lecture's column
//! equations appear transposed:
//!
//! | lecture (one sample, columns)           | here (m samples, rows)                  |
//! |-----------------------------------------|-----------------------------------------|
//! | `a^l = W^l z^(l−1) + b^l`               | `A = Z_prev · Wᵀ + b`                   |
//! | `z^l = σ(a^l)`                          | `Z = σ(A)`                              |
//! | `δ^L = (z^L − y) ⊙ σ'(a^L)`             | `Cost::output_delta`                    |
//! | `δ^l = ((W^(l+1))ᵀ δ^(l+1)) ⊙ σ'(a^l)`  | `Δ = (Δ_next · W_next) ⊙ σ'(A)`         |
//! | `∂C/∂W^l = δ^l (z^(l−1))ᵀ`              | `∂C/∂W = (1/m) Δᵀ · Z_prev`             |
//! | `∂C/∂b^l = δ^l`                         | `∂C/∂b = (1/m) Σ_rows Δ`                |

use crate::activation::{Activation, for_each_activation};
use crate::cost::Cost;
use crate::error::{Error, Result};
pub use crate::init::Init;
use crate::linalg::{Float, all_finite, gemm, gemm_finite};
use ndarray::{Array1, Array2, ArrayView1, ArrayView2, ArrayViewMut1, ArrayViewMut2, Axis, Zip, s};
use rand::Rng;

/// The shape of a network: layer sizes, activations and the cost it learns by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Architecture {
    /// `[n_0, …, n_L]`, inputs first.
    pub sizes: Vec<usize>,
    /// Activation of every hidden layer.
    pub hidden: Activation,
    /// Activation of the output layer.
    pub output: Activation,
    pub cost: Cost,
}

impl Architecture {
    /// The lecture's: sigmoid neurons everywhere, quadratic cost.
    pub fn lecture(sizes: &[usize]) -> Self {
        Architecture {
            sizes: sizes.to_vec(),
            hidden: Activation::Sigmoid,
            output: Activation::Sigmoid,
            cost: Cost::Quadratic,
        }
    }

    pub fn validate(&self) -> Result<()> {
        validate_sizes(&self.sizes)?;
        if self.hidden == Activation::Softmax && self.sizes.len() > 2 {
            return Err(Error::Invalid(
                "softmax is for the output layer only; choose another hidden activation".into(),
            ));
        }
        self.cost.check_output(self.output).map_err(Error::Invalid)
    }
}

/// One weight layer: `z = f(W·z_prev + b)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Layer<T> {
    /// `n_out × n_in`: row `j` holds the weights into neuron `j`.
    pub weights: Array2<T>,
    /// `n_out`.
    pub biases: Array1<T>,
    pub activation: Activation,
}

impl<T: Float> Layer<T> {
    pub fn inputs(&self) -> usize {
        self.weights.ncols()
    }
    pub fn neurons(&self) -> usize {
        self.weights.nrows()
    }
}

/// A multilayer perceptron and the cost it is trained on.
#[derive(Debug, Clone, PartialEq)]
pub struct Network<T> {
    pub layers: Vec<Layer<T>>,
    pub cost: Cost,
}

/// Checks that `sizes` describes a network: at least an input and an output layer, no empty layer.
/// "784-30-10".
fn sizes_text(sizes: &[usize]) -> String {
    sizes.iter().map(usize::to_string).collect::<Vec<_>>().join("-")
}

pub fn validate_sizes(sizes: &[usize]) -> Result<()> {
    if sizes.len() < 2 {
        return Err(Error::Invalid(format!(
            "a network needs at least two layers (inputs and outputs), got {sizes:?}"
        )));
    }
    if let Some(i) = sizes.iter().position(|&n| n == 0) {
        return Err(Error::Invalid(format!(
            "layer {i} of {sizes:?} has no neurons; every layer needs at least one"
        )));
    }
    Ok(())
}

impl<T: Float> Network<T> {
    /// The lecture's network of the given layer sizes (sigmoid neurons, quadratic cost), drawn
    /// from `rng`.
    pub fn new(sizes: &[usize], init: Init, rng: &mut impl Rng) -> Result<Self> {
        Self::build(&Architecture::lecture(sizes), init, rng)
    }

    /// A network of any architecture, drawn from `rng`.
    pub fn build(arch: &Architecture, init: Init, rng: &mut impl Rng) -> Result<Self> {
        arch.validate()?;
        // Refused before anything is drawn: the weights with a gradient and two optimizer
        // moments (Adam's) in T, and one layer at a time drawn in f64.
        let params = arch.sizes.windows(2).try_fold(0u64, |acc, w| {
            (w[0] as u64)
                .checked_add(1)?
                .checked_mul(w[1] as u64)?
                .checked_add(acc)
        });
        crate::budget::check(
            || format!("a {} network", sizes_text(&arch.sizes)),
            params.and_then(|p| p.checked_mul(4 * size_of::<T>() as u64 + 8)),
        )?;
        let last = arch.sizes.len() - 2;
        let layers = arch
            .sizes
            .windows(2)
            .enumerate()
            .map(|(l, w)| {
                let (n_in, n_out) = (w[0], w[1]);
                let (weights, biases) = init.draw(n_in, n_out, rng);
                Layer {
                    weights: Array2::from_shape_vec(
                        (n_out, n_in),
                        weights.into_iter().map(T::from_f64_lossy).collect(),
                    )
                    .expect("drawn to shape"),
                    biases: biases.into_iter().map(T::from_f64_lossy).collect(),
                    activation: if l == last { arch.output } else { arch.hidden },
                }
            })
            .collect();
        Ok(Network {
            layers,
            cost: arch.cost,
        })
    }

    /// The architecture of this network.
    pub fn architecture(&self) -> Architecture {
        let n = self.layers.len();
        Architecture {
            sizes: self.sizes(),
            hidden: if n > 1 {
                self.layers[0].activation
            } else {
                Activation::Sigmoid
            },
            output: self.layers[n - 1].activation,
            cost: self.cost,
        }
    }

    /// `[n_0, n_1, …, n_L]`.
    pub fn sizes(&self) -> Vec<usize> {
        let mut sizes = vec![self.layers[0].inputs()];
        sizes.extend(self.layers.iter().map(Layer::neurons));
        sizes
    }

    pub fn n_inputs(&self) -> usize {
        self.layers[0].inputs()
    }

    pub fn n_outputs(&self) -> usize {
        self.layers[self.layers.len() - 1].neurons()
    }

    /// Feedforward for one sample, written exactly as the lecture's equations. It allocates;
    /// it is the reference that the batch version is tested against.
    pub fn feedforward(&self, x: ArrayView1<T>) -> Array1<T> {
        self.layer_outputs(x)
            .pop()
            .expect("a network has an output layer")
    }

    /// Every layer's `z^l` for one sample, `z^1` (the first hidden layer) to `z^L` (the
    /// outputs): what a picture of the network lights up.
    pub fn layer_outputs(&self, x: ArrayView1<T>) -> Vec<Array1<T>> {
        let mut zs: Vec<Array1<T>> = Vec::with_capacity(self.layers.len());
        for layer in &self.layers {
            // a^l = W^l z^(l−1) + b^l, with z^0 = x
            let a = match zs.last() {
                Some(z_prev) => layer.weights.dot(z_prev),
                None => layer.weights.dot(&x),
            } + &layer.biases;
            // z^l = f(a^l)
            let mut z = Array1::zeros(a.len());
            let n = a.len();
            layer.activation.apply_rows(
                a.as_slice().expect("own array"),
                z.as_slice_mut().expect("own array"),
                n,
            );
            zs.push(z);
        }
        zs
    }

    /// Feedforward for a mini-batch `x` (`m × n_0`, one sample per row, `m ≤` the workspace's
    /// capacity). Keeps every layer's `a` and `z` in `ws`; returns the outputs `z^L` (`m × n_L`).
    pub fn feedforward_batch<'w>(&self, x: ArrayView2<T>, ws: &'w mut Workspace<T>) -> ArrayView2<'w, T> {
        self.feedforward_from(0, x, ws)
    }

    /// Feedforward from weight layer `from` on, taking `ws.z[from − 1]` as already computed
    /// (the two-core step computes the first layer itself).
    pub(crate) fn feedforward_from<'w>(
        &self,
        from: usize,
        x: ArrayView2<T>,
        ws: &'w mut Workspace<T>,
    ) -> ArrayView2<'w, T> {
        let m = ws.check_batch(self, x.nrows(), x.ncols());
        for (l, layer) in self.layers.iter().enumerate().skip(from) {
            let (done, todo) = ws.z.split_at_mut(l);
            let mut z_prev = if l == 0 {
                x.reborrow()
            } else {
                done[l - 1].slice(s![..m, ..])
            };
            if let Some(d) = ws.dropout.as_mut().filter(|d| d.active && d.rate[l] > 0.0) {
                // Inverted dropout: each input kept with probability 1 − p and scaled by 1/(1 − p).
                let mut dropped = d.dropped[l].slice_mut(s![..m, ..]);
                Zip::from(&mut dropped)
                    .and(z_prev)
                    .and(d.keep[l].slice(s![..m, ..]))
                    .for_each(|o, &z, &k| *o = z * k);
                z_prev = d.dropped[l].slice(s![..m, ..]);
            }
            let mut a = ws.a[l].slice_mut(s![..m, ..]);
            let mut z = todo[0].slice_mut(s![..m, ..]);
            // A = Z_prev · Wᵀ
            gemm(T::one(), z_prev, layer.weights.t(), T::zero(), &mut a);
            // A += b;  Z = f(A)   (one pass over the memory)
            let act = layer.activation;
            let biases = layer.biases.as_slice().expect("own array");
            let (a, z) = (
                a.as_slice_mut().expect("row-major"),
                z.as_slice_mut().expect("row-major"),
            );
            add_bias_activate(act, biases, a, z);
        }
        ws.z[self.layers.len() - 1].slice(s![..m, ..])
    }

    /// Backpropagation over a mini-batch: feedforward, then the deltas from the output layer
    /// back to the first, then `∂C/∂W` and `∂C/∂b` of the mini-batch's mean cost
    /// `C = (1/m) Σ_x C_x` into `ws.grads`. Returns `Σ_x C_x` (before any update).
    pub fn backprop(&self, x: ArrayView2<T>, y: ArrayView2<T>, ws: &mut Workspace<T>) -> T {
        let total_cost = self.deltas(x, y, ws);
        let (m, inv_m) = (x.nrows(), one_over(x.nrows()));
        for l in 0..self.layers.len() {
            let (delta, z_prev, (gw, gb)) = ws.gradient_parts(l, m, x.reborrow());
            add_gradient(inv_m, T::zero(), delta, z_prev, gw.view_mut(), gb.view_mut());
        }
        total_cost
    }

    /// The first two steps of backpropagation: feedforward, then every layer's delta
    /// `δ = ∂C_x/∂a` into `ws.delta`, from the output layer back to the first. Returns `Σ_x C_x`.
    pub fn deltas(&self, x: ArrayView2<T>, y: ArrayView2<T>, ws: &mut Workspace<T>) -> T {
        self.deltas_from(0, x, y, ws)
    }

    /// [`Network::deltas`] with the feedforward starting at weight layer `from` (see
    /// [`Network::feedforward_from`]).
    pub(crate) fn deltas_from(
        &self,
        from: usize,
        x: ArrayView2<T>,
        y: ArrayView2<T>,
        ws: &mut Workspace<T>,
    ) -> T {
        let m = x.nrows();
        let n_layers = self.layers.len();
        assert_eq!(y.dim(), (m, self.n_outputs()), "backprop: target shape");
        self.feedforward_from(from, x, ws);

        let last = n_layers - 1;
        let (a, output) = (ws.a[last].slice(s![..m, ..]), ws.z[last].slice(s![..m, ..]));
        let total_cost = match &ws.sample_weights {
            None => self.cost.total(a, output, y),
            // Σ_x r_x C_x, one sample at a time.
            Some(r) => {
                assert_eq!(r.len(), m, "sample weights for another mini-batch");
                (0..m).fold(T::zero(), |sum, i| {
                    let row = s![i..i + 1, ..];
                    sum + r[i] * self.cost.total(a.slice(row), output.slice(row), y.slice(row))
                })
            }
        };
        // δ^L = ∂C_x/∂a^L (the cost knows its own formula)
        self.cost.output_delta(
            self.layers[last].activation,
            a,
            output,
            y,
            ws.delta[last].slice_mut(s![..m, ..]),
        );
        if let Some(r) = &ws.sample_weights {
            // ∂(r_x C_x)/∂a^L = r_x δ^L_x.
            for (mut row, &r) in ws.delta[last].rows_mut().into_iter().zip(r) {
                row *= r;
            }
        }
        for l in (1..n_layers).rev() {
            let (before, from_l) = ws.delta.split_at_mut(l);
            let delta = from_l[0].slice(s![..m, ..]);
            // δ^(l−1) = (Δ · W) ⊙ f'(A_prev)
            let mut delta_prev = before[l - 1].slice_mut(s![..m, ..]);
            gemm(
                T::one(),
                delta,
                self.layers[l].weights.view(),
                T::zero(),
                &mut delta_prev,
            );
            let act = self.layers[l - 1].activation;
            for_each_activation!(act, F => Zip::from(&mut delta_prev)
                .and(ws.a[l - 1].slice(s![..m, ..]))
                .and(ws.z[l - 1].slice(s![..m, ..]))
                .for_each(|d, &a, &z| *d *= F.derivative(a, z)));
            // A dropped neuron passed nothing on, so no error flows back through it.
            if let Some(d) = ws.dropout.as_ref().filter(|d| d.active && d.rate[l] > 0.0) {
                delta_prev.zip_mut_with(&d.keep[l].slice(s![..m, ..]), |d, &k| *d *= k);
            }
        }
        total_cost
    }

    /// Outputs for any number of samples (`n × n_0` in, `n × n_L` out), computed in chunks.
    pub fn predict(&self, x: ArrayView2<T>) -> Array2<T> {
        const CHUNK: usize = crate::linalg::INFERENCE_ROWS;
        let mut out = Array2::zeros((x.nrows(), self.n_outputs()));
        let mut ws = Workspace::new(self, CHUNK.min(x.nrows()).max(1));
        for (xc, mut oc) in x
            .axis_chunks_iter(Axis(0), CHUNK)
            .zip(out.axis_chunks_iter_mut(Axis(0), CHUNK))
        {
            oc.assign(&self.feedforward_batch(xc, &mut ws));
        }
        out
    }

    /// Errs when a row of `out`, the outputs for the rows of `x`, is not finite, naming the
    /// sample (`first` is the number of the first row, from 1) and the first layer whose
    /// activations are not: finite but huge weights overflow, and an answer from NaN would
    /// look like any other.
    pub fn check_outputs(&self, x: ArrayView2<T>, out: ArrayView2<T>, first: usize) -> Result<()> {
        let Some(r) = out
            .rows()
            .into_iter()
            .position(|row| row.iter().any(|v| !v.is_finite()))
        else {
            return Ok(());
        };
        let mut ws = Workspace::new(self, 1);
        self.feedforward_batch(x.slice(s![r..r + 1, ..]), &mut ws);
        let layer =
            ws.z.iter()
                .position(|z| z.row(0).iter().any(|v| !v.is_finite()))
                .map_or(self.layers.len(), |l| l + 1);
        Err(Error::Invalid(format!(
            "sample {}: the activations of layer {layer} (of {}) are not finite, so the output is \
             no answer; the model's weights are too large for this input",
            first + r,
            self.layers.len()
        )))
    }

    /// Number of weights and biases.
    pub fn n_parameters(&self) -> usize {
        self.layers.iter().map(|l| l.weights.len() + l.biases.len()).sum()
    }

    /// True when every weight and bias is finite.
    pub fn is_finite(&self) -> bool {
        self.layers
            .iter()
            .all(|l| all_finite(l.weights.view()) && all_finite(l.biases.view().insert_axis(Axis(0))))
    }
}

crate::linalg::simd_fn! {
    /// `A += b` (each row), then `Z = f(A)`, over whole row-major matrices.
    pub(crate) fn add_bias_activate<T: Float>(act: Activation, biases: &[T], a: &mut [T], z: &mut [T]) {
        for row in a.chunks_exact_mut(biases.len()) {
            for (a, &b) in row.iter_mut().zip(biases) {
                *a += b;
            }
        }
        act.apply_rows(a, z, biases.len());
    }
}

crate::linalg::simd_fn! {
    /// `keep[i] = 0` (dropped) when the `i`-th SplitMix64 output from `stream` has its upper
    /// 32 bits below `threshold`, else `scale`.
    fn fill_keep<T: Float>(keep: &mut [T], stream: u64, threshold: u64, scale: T) {
        for (i, k) in keep.iter_mut().enumerate() {
            let draw = crate::seed::splitmix(stream.wrapping_add((i as u64).wrapping_mul(crate::seed::GOLDEN))) >> 32;
            *k = if draw < threshold { T::zero() } else { scale };
        }
    }
}

/// The gradient equations of backpropagation, for one layer and a mini-batch of `m` rows:
/// `∂C/∂W = (1/m) Δᵀ · Z_prev` and `∂C/∂b = (1/m) Σ_rows Δ`, computed as
/// `W ← β·W + s·Δᵀ·Z_prev`, `b ← b + s·Σ_rows Δ` (`b ← s·Σ_rows Δ` when `β = 0`). With
/// `s = 1/m, β = 0` that writes the gradient; with `s = −η/m, β = 1 − ηλ/n` into the layer's
/// own weights it is a whole gradient-descent step with weight decay (biases are not decayed)
/// in one pass over the weights. Returns whether every new weight and bias is finite.
pub fn add_gradient<T: Float>(
    s: T,
    beta: T,
    delta: ArrayView2<T>,
    z_prev: ArrayView2<T>,
    mut weights: ArrayViewMut2<T>,
    mut biases: ArrayViewMut1<T>,
) -> bool {
    let finite = gemm_finite(s, delta.t(), z_prev, beta, &mut weights);
    if beta == T::zero() {
        biases.fill(T::zero());
    }
    add_bias_gradient(s, delta, biases.view_mut());
    finite && all_finite(biases.view().insert_axis(Axis(0)))
}

/// `b ← b + s·Σ_rows Δ`: the bias half of [`add_gradient`] (`∂C/∂b = (1/m) Σ_rows Δ` into
/// zeros with `s = 1/m`).
pub(crate) fn add_bias_gradient<T: Float>(s: T, delta: ArrayView2<T>, mut biases: ArrayViewMut1<T>) {
    for row in delta.rows() {
        biases.zip_mut_with(&row, |b, &d| *b += s * d);
    }
}

/// `1/m` for the mean over a mini-batch of `m`: one expression, so that every path's
/// gradients have the same bits.
pub(crate) fn one_over<T: Float>(m: usize) -> T {
    T::one() / T::from_usize(m).expect("batch size fits the float type")
}

/// A layer's deltas and input, and its gradient arrays ([`Workspace::gradient_parts`]).
type GradientParts<'a, T> = (
    ArrayView2<'a, T>,
    ArrayView2<'a, T>,
    (&'a mut Array2<T>, &'a mut Array1<T>),
);

/// `∂C/∂W` and `∂C/∂b` for every layer, shaped like the network's weights and biases.
#[derive(Debug, Clone)]
pub struct Gradients<T> {
    pub weights: Vec<Array2<T>>,
    pub biases: Vec<Array1<T>>,
}

/// Every intermediate of feedforward and backpropagation for mini-batches of up to
/// `capacity` samples, allocated once so that a training step allocates nothing.
#[derive(Debug, Clone)]
pub struct Workspace<T> {
    capacity: usize,
    // Stored beside `Network::layers`, so index `i` belongs to weight layer `i + 1` (the
    // lecture's layer l = i + 1). Outside this file they are reached through
    // `weighted_input(l)`, `activation(l)` and `delta(l)`, which take the lecture's `l`.
    /// `a[i]`: `capacity × n_l`, the weighted inputs `a^l` of layer `l = i + 1`.
    a: Vec<Array2<T>>,
    /// `z[i]`: `capacity × n_l`, the activations `z^l` of layer `l = i + 1`.
    z: Vec<Array2<T>>,
    /// `delta[i]`: `capacity × n_l`, `δ^l = ∂C_x/∂a^l` of layer `l = i + 1`.
    delta: Vec<Array2<T>>,
    /// `grads.weights[i]`, `grads.biases[i]`: `∂C/∂W^l`, `∂C/∂b^l` of `Network::layers[i]`.
    pub grads: Gradients<T>,
    /// Dropout masks and dropped inputs, when training with dropout.
    dropout: Option<Dropout<T>>,
    /// `r_x = s_x · m / Σ s` for the mini-batch's `m` samples with weights `s_x`, when they
    /// are weighted (see [`Workspace::weigh_samples`]).
    sample_weights: Option<Array1<T>>,
}

/// Inverted dropout's state for one mini-batch.
#[derive(Debug, Clone)]
pub struct Dropout<T> {
    /// Drop probability of the input of each weight layer (0: the raw inputs, then hidden).
    pub rate: Vec<f64>,
    /// `keep[l]`: 0 for a dropped input of weight layer `l`, else `1/(1 − p)`.
    pub keep: Vec<Array2<T>>,
    /// `dropped[l]`: the input of weight layer `l` times `keep[l]`.
    pub dropped: Vec<Array2<T>>,
    /// False until masks are drawn.
    pub active: bool,
}

/// The input of weight layer `l`: the mini-batch, or the layer before's activations, after
/// dropout when it is active.
fn input_of<'a, T: Float>(
    z: &'a [Array2<T>],
    dropout: &'a Option<Dropout<T>>,
    l: usize,
    x: ArrayView2<'a, T>,
) -> ArrayView2<'a, T> {
    let m = x.nrows();
    match dropout {
        Some(d) if d.active && d.rate[l] > 0.0 => d.dropped[l].slice(s![..m, ..]),
        _ if l == 0 => x,
        _ => z[l - 1].slice(s![..m, ..]),
    }
}

impl<T: Float> Workspace<T> {
    pub fn new(net: &Network<T>, capacity: usize) -> Self {
        let per_layer = || -> Vec<Array2<T>> {
            net.layers
                .iter()
                .map(|l| Array2::zeros((capacity, l.neurons())))
                .collect()
        };
        Workspace {
            capacity,
            a: per_layer(),
            z: per_layer(),
            delta: per_layer(),
            grads: Gradients {
                weights: net
                    .layers
                    .iter()
                    .map(|l| Array2::zeros(l.weights.dim()))
                    .collect(),
                biases: net.layers.iter().map(|l| Array1::zeros(l.biases.dim())).collect(),
            },
            dropout: None,
            sample_weights: None,
        }
    }

    /// Weighs the next mini-batch's samples by `s` (scikit-learn's `sample_weight`): its
    /// cost becomes `Σ_x s_x C_x / Σ_x s_x`. Every gradient already carries the mean's `1/m`,
    /// so `δ^L` of sample `x` is scaled by `r_x = s_x · m / Σ s` and the rest follows by the
    /// chain rule. A mini-batch whose weights sum to 0 teaches nothing.
    pub fn weigh_samples(&mut self, s: impl ExactSizeIterator<Item = f32>) {
        let m = s.len();
        let s: Vec<f64> = s.map(f64::from).collect();
        let sum: f64 = s.iter().sum();
        let scale = if sum > 0.0 { m as f64 / sum } else { 0.0 };
        self.sample_weights = Some(s.iter().map(|&w| T::from_f64_lossy(w * scale)).collect());
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// `a^l` of the lecture's layer `l` (1 = the first hidden layer, L = the output layer)
    /// for the first `m` samples of the last mini-batch.
    pub fn weighted_input(&self, l: usize, m: usize) -> ArrayView2<'_, T> {
        self.a[l - 1].slice(s![..m, ..])
    }

    /// `z^l` of the lecture's layer `l` (1 … L) for the first `m` samples.
    pub fn activation(&self, l: usize, m: usize) -> ArrayView2<'_, T> {
        self.z[l - 1].slice(s![..m, ..])
    }

    /// `δ^l` of the lecture's layer `l` (1 … L) for the first `m` samples.
    pub fn delta(&self, l: usize, m: usize) -> ArrayView2<'_, T> {
        self.delta[l - 1].slice(s![..m, ..])
    }

    /// `a^1`, `z^1` and `δ^1` whole, to be written by the two-core stepper, which computes
    /// the first layer's neurons in two halves.
    pub(crate) fn first_layer_mut(&mut self) -> (&mut Array2<T>, &mut Array2<T>, &mut Array2<T>) {
        (&mut self.a[0], &mut self.z[0], &mut self.delta[0])
    }

    /// Whether training with dropout (see [`Workspace::set_dropout`]).
    pub fn has_dropout(&self) -> bool {
        self.dropout.is_some()
    }

    /// The input to weight layer `l` for the mini-batch `x`: `x` itself, or the activations of
    /// the layer before (after dropout, when it is on).
    pub fn input_of<'a>(&'a self, l: usize, x: ArrayView2<'a, T>) -> ArrayView2<'a, T> {
        input_of(&self.z, &self.dropout, l, x)
    }

    /// What weight layer `l`'s gradient is made of for the first `m` samples: its deltas, its
    /// input ([`Workspace::input_of`]), and the gradient arrays to write.
    pub(crate) fn gradient_parts<'a>(
        &'a mut self,
        l: usize,
        m: usize,
        x: ArrayView2<'a, T>,
    ) -> GradientParts<'a, T> {
        let delta = self.delta[l].slice(s![..m, ..]);
        let z_prev = input_of(&self.z, &self.dropout, l, x);
        let grads = (&mut self.grads.weights[l], &mut self.grads.biases[l]);
        (delta, z_prev, grads)
    }

    /// Turns inverted dropout on for training: the inputs (`input` rate) and every hidden
    /// layer's activations (`hidden` rate) are dropped with those probabilities in every
    /// mini-batch, with masks drawn by [`Workspace::draw_dropout`].
    pub fn set_dropout(&mut self, net: &Network<T>, input: f64, hidden: f64) {
        if input <= 0.0 && hidden <= 0.0 {
            self.dropout = None;
            return;
        }
        let sizes = net.sizes();
        let rate: Vec<f64> = (0..net.layers.len())
            .map(|l| if l == 0 { input } else { hidden })
            .collect();
        let capacity = self.capacity;
        let buffers = || {
            sizes[..sizes.len() - 1]
                .iter()
                .map(|&n| Array2::zeros((capacity, n)))
                .collect::<Vec<_>>()
        };
        self.dropout = Some(Dropout {
            rate,
            keep: buffers(),
            dropped: buffers(),
            active: false,
        });
    }

    /// Draws new dropout masks for the next mini-batch from the stream `key` (no effect when
    /// dropout is off): mask value `i` of weight layer `l`'s input keeps its neuron when the
    /// upper 32 bits of the `i`-th output of SplitMix64 started at `splitmix(key + l)` are at
    /// or above `p·2³²`. Each value is computed from its index alone, so the loop runs as
    /// vector code (a sequential generator, one draw after another, cost a fifth of a
    /// 784-800-800-10 dropout epoch).
    pub fn draw_dropout(&mut self, key: u64) {
        if let Some(d) = self.dropout.as_mut() {
            for (l, (keep, &p)) in d.keep.iter_mut().zip(&d.rate).enumerate() {
                if p > 0.0 {
                    let threshold = (p * 4_294_967_296.0) as u64;
                    let scale = T::from_f64_lossy(1.0 / (1.0 - p));
                    let stream = crate::seed::splitmix(key.wrapping_add(l as u64));
                    let keep = keep.as_slice_mut().expect("own array");
                    fill_keep(keep, stream, threshold, scale);
                }
            }
            d.active = true;
        }
    }

    fn check_batch(&self, net: &Network<T>, m: usize, n_in: usize) -> usize {
        assert!(
            m <= self.capacity,
            "mini-batch of {m} exceeds the workspace's {}",
            self.capacity
        );
        assert_eq!(
            n_in,
            net.n_inputs(),
            "mini-batch width must equal the network's inputs"
        );
        assert_eq!(
            self.a.len(),
            net.layers.len(),
            "workspace built for another network"
        );
        m
    }
}

/// Accuracy helper: the index of the largest output in each row.
pub fn argmax_rows<'a, T: Float>(outputs: ArrayView2<'a, T>) -> impl Iterator<Item = usize> + 'a {
    (0..outputs.nrows()).map(move |r| {
        let row = outputs.row(r);
        let mut best = 0;
        for (i, &v) in row.iter().enumerate() {
            if v > row[best] {
                best = i;
            }
        }
        best
    })
}

#[cfg(test)]
mod tests;
