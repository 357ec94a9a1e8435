//! The lecture's own level, for teaching: `mlp.Network([784, 30, 10])` with `feedforward`,
//! `backprop`, `sgd` and `evaluate`, and perceptrons with the gates built from them. All of it
//! is `mlp::network`, `mlp::train` and `mlp::perceptron`; this file only converts.

use crate::{detached, py_err};
use mlp::data::{Dataset, Features, Targets};
use mlp::optim::{Optim, Optimizer};
use mlp::train::{self, Event, Progress, Sets, TrainConfig};
use mlp::{Init, Workspace};
use ndarray::{Array2, ArrayView1, ArrayView2, Axis};
use numpy::{IntoPyArray, PyArray1, PyArray2, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::SeedableRng;

/// The lecture's network: sigmoid neurons, quadratic cost, weights and biases drawn from the
/// standard normal distribution. Computed in float64, so that backprop can be checked against
/// numerical derivatives.
#[pyclass(module = "mlp._core")]
pub struct Network {
    net: mlp::Network<f64>,
}

fn check_len(what: &str, got: usize, expected: usize) -> PyResult<()> {
    if got != expected {
        return Err(PyValueError::new_err(format!(
            "{what} has {got} values but the network expects {expected}"
        )));
    }
    Ok(())
}

/// Rows `x` with class `y[i]` each (`0 ≤ y < outputs`), as the library's data set.
fn dataset(x: ArrayView2<'_, f64>, y: &[i64], outputs: usize) -> PyResult<Dataset> {
    check_len("y", y.len(), x.nrows())?;
    let labels = y
        .iter()
        .map(|&c| {
            u8::try_from(c)
                .ok()
                .filter(|&c| (c as usize) < outputs)
                .ok_or_else(|| {
                    PyValueError::new_err(format!(
                        "class {c} is not one of the output neurons 0..{}",
                        outputs - 1
                    ))
                })
        })
        .collect::<PyResult<Vec<u8>>>()?;
    Ok(Dataset {
        features: Features::Values(x.mapv(|v| v as f32)),
        labels,
        n_classes: outputs,
        targets: Targets::Classes,
        weights: None,
    })
}

/// `(nabla_b, nabla_w)`, as the lecture's `backprop` returns them.
type Nablas<'py> = (Vec<Bound<'py, PyArray1<f64>>>, Vec<Bound<'py, PyArray2<f64>>>);

#[pymethods]
impl Network {
    /// `sizes[0]` inputs, then the neurons of each layer; `seed` draws the weights.
    #[new]
    #[pyo3(signature = (sizes, seed=0))]
    fn new(sizes: Vec<usize>, seed: u64) -> PyResult<Self> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let net = mlp::Network::new(&sizes, Init::StandardNormal, &mut rng).map_err(py_err)?;
        Ok(Network { net })
    }

    #[getter]
    fn sizes(&self) -> Vec<usize> {
        self.net.sizes()
    }

    /// `weights[l]`: one row per neuron of layer l + 1, one column per neuron feeding it (w_jk).
    #[getter]
    fn weights<'py>(&self, py: Python<'py>) -> Vec<Bound<'py, PyArray2<f64>>> {
        self.net
            .layers
            .iter()
            .map(|l| l.weights.clone().into_pyarray(py))
            .collect()
    }

    #[getter]
    fn biases<'py>(&self, py: Python<'py>) -> Vec<Bound<'py, PyArray1<f64>>> {
        self.net
            .layers
            .iter()
            .map(|l| l.biases.clone().into_pyarray(py))
            .collect()
    }

    /// Sets layer `l`'s weights (`neurons × inputs`) and biases.
    fn set_layer(
        &mut self,
        l: usize,
        weights: PyReadonlyArray2<'_, f64>,
        biases: PyReadonlyArray1<'_, f64>,
    ) -> PyResult<()> {
        let n = self.net.layers.len();
        let layer =
            self.net.layers.get_mut(l).ok_or_else(|| {
                PyValueError::new_err(format!("layer {l} does not exist; the network has {n}"))
            })?;
        let (w, b) = (weights.as_array(), biases.as_array());
        if w.dim() != layer.weights.dim() || b.len() != layer.biases.len() {
            return Err(PyValueError::new_err(format!(
                "layer {l} takes weights of shape {:?} and {} biases, got {:?} and {}",
                layer.weights.dim(),
                layer.biases.len(),
                w.dim(),
                b.len()
            )));
        }
        layer.weights.assign(&w);
        layer.biases.assign(&b);
        Ok(())
    }

    /// `a^l = W^l z^(l−1) + b^l`, `z^l = σ(a^l)` from the input `x` to the output layer.
    fn feedforward<'py>(
        &self,
        py: Python<'py>,
        x: PyReadonlyArray1<'py, f64>,
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let x = x.as_array();
        check_len("x", x.len(), self.net.n_inputs())?;
        Ok(self.net.feedforward(x).into_pyarray(py))
    }

    /// `(nabla_b, nabla_w)`: `∂C_x/∂b^l` and `∂C_x/∂W^l` of one sample's quadratic cost
    /// `C_x = ½‖y − z^L‖²`, by backpropagation.
    fn backprop<'py>(
        &self,
        py: Python<'py>,
        x: PyReadonlyArray1<'py, f64>,
        y: PyReadonlyArray1<'py, f64>,
    ) -> PyResult<Nablas<'py>> {
        let (x, y) = (x.as_array(), y.as_array());
        check_len("x", x.len(), self.net.n_inputs())?;
        check_len("y", y.len(), self.net.n_outputs())?;
        let mut ws = Workspace::new(&self.net, 1);
        let row = |v: ArrayView1<'_, f64>| v.insert_axis(Axis(0)).to_owned();
        self.net.backprop(row(x).view(), row(y).view(), &mut ws);
        let nabla_b = ws
            .grads
            .biases
            .iter()
            .map(|b| b.clone().into_pyarray(py))
            .collect();
        let nabla_w = ws
            .grads
            .weights
            .iter()
            .map(|w| w.clone().into_pyarray(py))
            .collect();
        Ok((nabla_b, nabla_w))
    }

    /// Mini-batch stochastic gradient descent, the lecture's `SGD`: `epochs` passes over the
    /// shuffled rows of `x` (classes `y`), `w ← w − (η/m) Σ_x ∂C_x/∂w` per mini-batch of `m`.
    /// Returns one `(mean cost, test accuracy or None)` per epoch.
    #[pyo3(signature = (x, y, epochs, mini_batch_size, eta, test=None, seed=0))]
    #[allow(clippy::too_many_arguments)]
    fn sgd(
        &mut self,
        py: Python<'_>,
        x: PyReadonlyArray2<'_, f64>,
        y: Vec<i64>,
        epochs: usize,
        mini_batch_size: usize,
        eta: f64,
        test: Option<(PyReadonlyArray2<'_, f64>, Vec<i64>)>,
        seed: u64,
    ) -> PyResult<Vec<(f64, Option<f64>)>> {
        let k = self.net.n_outputs();
        let data = dataset(x.as_array(), &y, k)?;
        let test = test.map(|(xt, yt)| dataset(xt.as_array(), &yt, k)).transpose()?;
        let config = TrainConfig {
            epochs,
            batch_size: mini_batch_size,
            seed,
            ..TrainConfig::default()
        };
        let net = &mut self.net;
        detached(py, move || {
            let mut optim = Optim::new(Optimizer::Sgd, eta, 0.0, net);
            let mut progress = Progress::new(ChaCha8Rng::seed_from_u64(seed));
            let sets = Sets {
                train: &data,
                validation: None,
                test: test.as_ref(),
            };
            let mut out = Vec::new();
            train::train(net, sets, &config, &mut optim, &mut progress, |e| {
                if let Event::Epoch(r) = e {
                    out.push((r.train_cost, r.test_accuracy));
                }
                Ok(())
            })?;
            Ok(out)
        })
    }

    /// How many rows of `x` the network classifies as `y` (the most active output neuron).
    fn evaluate(&self, py: Python<'_>, x: PyReadonlyArray2<'_, f64>, y: Vec<i64>) -> PyResult<usize> {
        let data = dataset(x.as_array(), &y, self.net.n_outputs())?;
        let net = &self.net;
        detached(py, || Ok(train::evaluate(net, &data)?.correct))
    }

    /// The output layer's activations for each row of `x`.
    fn predict<'py>(
        &self,
        py: Python<'py>,
        x: PyReadonlyArray2<'py, f64>,
    ) -> PyResult<Bound<'py, PyArray2<f64>>> {
        let x = x.as_array();
        check_len("each row of x", x.ncols(), self.net.n_inputs())?;
        let out: Array2<f64> = self.net.predict(x);
        Ok(out.into_pyarray(py))
    }
}

/// A perceptron: output 1 when `w·x + b > 0`, else 0 (inputs 0 or 1).
#[pyclass(module = "mlp._core")]
pub struct Perceptron {
    inner: mlp::perceptron::Perceptron,
}

#[pymethods]
impl Perceptron {
    #[new]
    fn new(weights: Vec<f64>, bias: f64) -> Self {
        Perceptron {
            inner: mlp::perceptron::Perceptron::new(weights, bias),
        }
    }

    /// The lecture's NAND: w = (−2, −2), b = 3.
    #[staticmethod]
    fn nand() -> Self {
        Perceptron {
            inner: mlp::perceptron::Perceptron::nand(),
        }
    }

    #[getter]
    fn weights(&self) -> Vec<f64> {
        self.inner.weights.clone()
    }

    #[getter]
    fn bias(&self) -> f64 {
        self.inner.bias
    }

    fn __call__(&self, x: Vec<u8>) -> PyResult<u8> {
        check_len("x", x.len(), self.inner.weights.len())?;
        if let Some(v) = x.iter().find(|&&v| v > 1) {
            return Err(PyValueError::new_err(format!(
                "perceptron inputs are 0 or 1, got {v}"
            )));
        }
        Ok(self.inner.output(&x))
    }
}

/// XOR from four NAND perceptrons, wired as in the lecture.
#[pyfunction]
pub fn xor(x1: u8, x2: u8) -> PyResult<u8> {
    bits(&[x1, x2])?;
    Ok(mlp::perceptron::xor(x1, x2))
}

/// The half adder: `(sum, carry)` of two bits, from NAND perceptrons.
#[pyfunction]
pub fn half_adder(x1: u8, x2: u8) -> PyResult<(u8, u8)> {
    bits(&[x1, x2])?;
    Ok(mlp::perceptron::half_adder(x1, x2))
}

fn bits(x: &[u8]) -> PyResult<()> {
    match x.iter().find(|&&v| v > 1) {
        Some(v) => Err(PyValueError::new_err(format!("inputs are bits, 0 or 1, got {v}"))),
        None => Ok(()),
    }
}
