//! `mlp._core`: the thin layer between Python and the `mlp` crate. Every decision about
//! training lives in `mlp::estimator`; this file converts arrays and names, releases the GIL
//! while Rust trains, and turns `mlp::Error` (and any panic) into a Python exception. The
//! scikit-learn surface (validation, label encoding, attributes) is `mlp/_estimators.py`.

mod lecture;

use mlp::data::augment::Distortion;
use mlp::estimator::{MlpClassifier, MlpMultiLabel, MlpRegressor, OnEpoch, Params, Tick};
use mlp::optim::{Optimizer, Schedule};
use mlp::train::EpochReport;
use mlp::{Activation, Error, Init, Model};
use ndarray::{Array1, Array2, Axis};
use numpy::{IntoPyArray, PyArray1, PyArray2, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::exceptions::{PyKeyboardInterrupt, PyOSError, PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};
use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// `mlp::Error` as the exception scikit-learn would raise: `OSError` for the file system,
/// `ValueError` for everything about the data, the parameters or a model file.
fn py_err(e: Error) -> PyErr {
    match e {
        Error::Io { .. } | Error::NotFound { .. } | Error::NoMnist { .. } => {
            PyOSError::new_err(e.to_string())
        }
        // The parameter a scikit-learn user would lower.
        Error::Diverged { .. } | Error::Stalled { .. } => {
            PyValueError::new_err(format!("{e} (learning_rate_init)"))
        }
        _ => PyValueError::new_err(e.to_string()),
    }
}

/// A `sample_weight` array as the library takes it (checked there: length, sign, finiteness).
fn weights(w: Option<PyReadonlyArray1<'_, f32>>) -> PyResult<Option<Vec<f32>>> {
    Ok(w.map(|w| w.as_array().to_vec()))
}

/// Runs `f` without the GIL; a panic becomes a `RuntimeError` rather than crossing into Python.
fn detached<T: Send>(py: Python<'_>, f: impl FnOnce() -> Result<T, Error> + Send) -> PyResult<T> {
    py.detach(|| catch_unwind(AssertUnwindSafe(f)))
        .map_err(|panic| {
            let what = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            PyRuntimeError::new_err(format!("internal error in mlp (please report): {what}"))
        })?
        .map_err(py_err)
}

fn get<'py, T: for<'a> FromPyObject<'a, 'py>>(kw: &Bound<'py, PyDict>, key: &str, default: T) -> PyResult<T> {
    match kw.get_item(key)? {
        Some(v) if !v.is_none() => v
            .extract::<T>()
            .map_err(|_| PyValueError::new_err(format!("parameter {key} has the wrong type: {v}"))),
        _ => Ok(default),
    }
}

fn parse<T: std::str::FromStr<Err = String>>(key: &str, s: &str) -> PyResult<T> {
    s.parse()
        .map_err(|e: String| PyValueError::new_err(format!("parameter {key}: {e}")))
}

/// [`params`] of the keywords given, the library's defaults when there are none.
fn params_or_default(kw: Option<&Bound<'_, PyDict>>) -> PyResult<Params> {
    kw.map_or_else(|| Ok(Params::default()), params)
}

/// The estimator's hyper-parameters from the keywords `mlp/_estimators.py` passes (already in
/// the library's names: activation 'sigmoid', init 'glorot', solver 'adam'/'sgd').
fn params(kw: &Bound<'_, PyDict>) -> PyResult<Params> {
    let d = Params::default();
    let solver_name: String = get(kw, "solver", "adam".to_string())?;
    let momentum: f64 = get(kw, "momentum", 0.9)?;
    let solver = match solver_name.as_str() {
        "adam" => Optimizer::Adam {
            beta1: get(kw, "beta_1", 0.9)?,
            beta2: get(kw, "beta_2", 0.999)?,
            epsilon: get(kw, "epsilon", 1e-8)?,
        },
        "sgd" if momentum == 0.0 => Optimizer::Sgd,
        "sgd" if get(kw, "nesterovs_momentum", true)? => Optimizer::Nesterov { mu: momentum },
        "sgd" => Optimizer::Momentum { mu: momentum },
        "lbfgs" => d.solver,
        other => {
            return Err(PyValueError::new_err(format!(
                "solver '{other}' is not one of 'adam', 'sgd', 'lbfgs'"
            )));
        }
    };
    // scikit-learn reads `learning_rate` (and `power_t`) for the sgd solver only.
    let schedule = match get(kw, "learning_rate", "constant".to_string())?.as_str() {
        _ if solver_name != "sgd" => Schedule::Constant,
        "constant" => Schedule::Constant,
        "adaptive" => Schedule::Adaptive,
        "invscaling" => Schedule::InvScaling {
            power_t: get(kw, "power_t", 0.5)?,
        },
        other => parse("learning_rate", other)?,
    };
    let activation: String = get(kw, "activation", "relu".to_string())?;
    let init: String = get(kw, "init", "glorot".to_string())?;
    Ok(Params {
        hidden_layer_sizes: get(kw, "hidden_layer_sizes", d.hidden_layer_sizes)?,
        activation: parse::<Activation>("activation", &activation)?,
        solver,
        alpha: get(kw, "alpha", d.alpha)?,
        batch_size: get(kw, "batch_size", None)?,
        learning_rate_init: get(kw, "learning_rate_init", d.learning_rate_init)?,
        max_iter: get(kw, "max_iter", d.max_iter)?,
        tol: get(kw, "tol", d.tol)?,
        n_iter_no_change: get(kw, "n_iter_no_change", d.n_iter_no_change)?,
        early_stopping: get(kw, "early_stopping", d.early_stopping)?,
        validation_fraction: get(kw, "validation_fraction", d.validation_fraction)?,
        standardize: get(kw, "standardize", d.standardize)?,
        init: parse::<Init>("init", &init)?,
        random_state: get(kw, "random_state", d.random_state)?,
        schedule,
        shuffle: get(kw, "shuffle", d.shuffle)?,
        dropout: get(kw, "dropout", d.dropout)?,
        input_dropout: get(kw, "input_dropout", d.input_dropout)?,
        warm_start: get(kw, "warm_start", d.warm_start)?,
        n_threads: get(kw, "n_threads", d.n_threads)?,
        lbfgs: solver_name == "lbfgs",
        max_fun: get(kw, "max_fun", d.max_fun)?,
        augment: augment(kw)?,
    })
}

/// `augment`: absent or `None` for no distortions, else the fields `mlp/_estimators.py` gives
/// (the library's names; an empty dict is the default ranges), checked here so that a bad
/// range is a `ValueError` before any training.
fn augment(kw: &Bound<'_, PyDict>) -> PyResult<Option<Distortion>> {
    let Some(fields) = get(kw, "augment", None::<BTreeMap<String, f64>>)? else {
        return Ok(None);
    };
    let mut d = Distortion::default();
    for (key, v) in fields {
        *match key.as_str() {
            "rotate" => &mut d.rotate,
            "scale" => &mut d.scale,
            "shear" => &mut d.shear,
            "shift" => &mut d.shift,
            "sigma" => &mut d.sigma,
            "alpha" => &mut d.alpha,
            other => {
                return Err(PyValueError::new_err(format!(
                    "augment has an unknown key '{other}'"
                )));
            }
        } = v;
    }
    d.validate()
        .map_err(|e| PyValueError::new_err(format!("augment: {e}")))?;
    Ok(Some(d))
}

/// Between mini-batches, Ctrl-C is looked for at most this often: taking the GIL back costs
/// a little, and a person waits for a tenth of a second without noticing.
const SIGNAL_CHECK_EVERY: Duration = Duration::from_millis(50);

/// The training callback: after every epoch hands `(epoch, loss, validation score)` to
/// Python's `on_epoch` (the verbose lines) and checks for Ctrl-C; between mini-batches checks
/// for Ctrl-C every [`SIGNAL_CHECK_EVERY`], so a long epoch stops within a fraction of a
/// second. A Python error stops training; it is kept in `raised` to be raised once the GIL is
/// back.
fn on_epoch<'a>(callback: Option<&'a Py<PyAny>>, raised: &'a Mutex<Option<PyErr>>) -> OnEpoch<'a> {
    let mut checked = Instant::now();
    Box::new(move |tick: Tick<'_>| {
        let report = match tick {
            Tick::Batches { .. } if checked.elapsed() < SIGNAL_CHECK_EVERY => return Ok(()),
            Tick::Batches { .. } => None,
            Tick::Epoch(report) => Some(report),
        };
        checked = Instant::now();
        Python::attach(|py| {
            let result = py.check_signals().and_then(|()| match (callback, report) {
                (Some(f), Some(report)) => f
                    .call1(py, (report.epoch, report.train_cost, validation_score(report)))
                    .map(drop),
                _ => Ok(()),
            });
            result.map_err(|e| {
                let message = if e.is_instance_of::<PyKeyboardInterrupt>(py) {
                    "interrupted".to_string()
                } else {
                    e.to_string()
                };
                *raised.lock().expect("one writer") = Some(e);
                Error::Invalid(message)
            })
        })
    })
}

/// The epoch's score on the held-out part: accuracy, or minus the mean squared error.
fn validation_score(report: &EpochReport) -> Option<f64> {
    report.validation_accuracy.or(report.validation_error.map(|e| -e))
}

/// Runs a training call `train` without the GIL, telling it the epochs through the Python
/// callback `on_epoch` (if any). An exception the callback raised, or Ctrl-C, takes
/// precedence over training's own result (the error that stopped it).
fn training(
    py: Python<'_>,
    on_epoch: Option<Py<PyAny>>,
    train: impl for<'a> FnOnce(OnEpoch<'a>) -> Result<(), Error> + Send,
) -> PyResult<()> {
    let raised = Mutex::new(None);
    let result = detached(py, || train(self::on_epoch(on_epoch.as_ref(), &raised)));
    match raised.into_inner().expect("one writer") {
        Some(e) => Err(e),
        None => result,
    }
}

/// The weights in scikit-learn's layout, `coefs[l]` of shape (n_in, n_out) and `intercepts[l]`,
/// with the input standardisation folded into the first layer so that they act on raw x:
/// `W((x − μ)/s) + b = (W/s) x + (b − W(μ/s))`.
fn sklearn_layers(model: &Model) -> (Vec<Array2<f64>>, Vec<Array1<f64>>) {
    let mut coefs = Vec::new();
    let mut intercepts = Vec::new();
    for (l, layer) in model.net.layers.iter().enumerate() {
        let mut w = layer.weights.mapv(f64::from);
        let mut b = layer.biases.mapv(f64::from);
        if let (0, Some(s)) = (l, &model.standardizer) {
            let scale = s.scale.mapv(f64::from);
            let shift = s.mean.mapv(f64::from) / &scale;
            b -= &w.dot(&shift);
            w /= &scale.insert_axis(Axis(0));
        }
        coefs.push(w.reversed_axes());
        intercepts.push(b);
    }
    (coefs, intercepts)
}

type Layers<'py> = (Vec<Bound<'py, PyArray2<f64>>>, Vec<Bound<'py, PyArray1<f64>>>);

fn layers_to_py<'py>(py: Python<'py>, model: &Model) -> Layers<'py> {
    let (coefs, intercepts) = sklearn_layers(model);
    (
        coefs.into_iter().map(|c| c.into_pyarray(py)).collect(),
        intercepts.into_iter().map(|b| b.into_pyarray(py)).collect(),
    )
}

/// A model file's bytes with `names` as its class names (or none), `features` and the
/// extra metadata `meta`.
fn model_bytes(
    mut model: Model,
    classes: Vec<String>,
    features: Vec<String>,
    meta: BTreeMap<String, String>,
) -> Vec<u8> {
    model.classes = classes;
    model.features = features;
    let extra: Vec<(&str, &str)> = meta.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    model.to_bytes(&extra)
}

/// What training leaves that Python reports as fitted attributes.
fn fit_state<'py>(
    py: Python<'py>,
    history: &[EpochReport],
    n_iter: usize,
    steps: u64,
    converged: bool,
) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item(
        "loss_curve",
        history.iter().map(|e| e.train_cost).collect::<Vec<_>>(),
    )?;
    d.set_item(
        "validation_scores",
        history.iter().filter_map(validation_score).collect::<Vec<_>>(),
    )?;
    d.set_item("n_iter", n_iter)?;
    d.set_item("steps", steps)?;
    d.set_item("converged", converged)?;
    Ok(d)
}

/// A classifier over class codes `0..k`; Python maps its labels to codes and back.
#[pyclass(module = "mlp._core")]
struct Classifier {
    inner: MlpClassifier<u32>,
}

#[pymethods]
impl Classifier {
    #[new]
    #[pyo3(signature = (**kw))]
    fn new(kw: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        let p = params_or_default(kw)?;
        Ok(Classifier {
            inner: MlpClassifier::new().with_params(p),
        })
    }

    /// New hyper-parameters; the fitted state stays (for warm_start and partial_fit).
    #[pyo3(signature = (**kw))]
    fn set_params(&mut self, kw: Option<&Bound<'_, PyDict>>) -> PyResult<()> {
        let p = params_or_default(kw)?;
        self.inner.set_params(p);
        Ok(())
    }

    /// Trains on rows `x` and class codes `y`; `on_epoch(epoch, loss, validation_score)`
    /// after every epoch.
    #[pyo3(signature = (x, y, sample_weight=None, on_epoch=None))]
    fn fit(
        &mut self,
        py: Python<'_>,
        x: PyReadonlyArray2<'_, f32>,
        y: PyReadonlyArray1<'_, u32>,
        sample_weight: Option<PyReadonlyArray1<'_, f32>>,
        on_epoch: Option<Py<PyAny>>,
    ) -> PyResult<()> {
        let (x, y) = (x.as_array(), y.as_slice()?.to_vec());
        let w = weights(sample_weight)?;
        let inner = &mut self.inner;
        training(py, on_epoch, |tell| {
            inner.fit_watched(x, &y, w.as_deref(), None, tell).map(drop)
        })
    }

    /// One epoch; `n_classes` on the first call fixes the classes as `0..n_classes`.
    #[pyo3(signature = (x, y, n_classes=None, sample_weight=None, on_epoch=None))]
    fn partial_fit(
        &mut self,
        py: Python<'_>,
        x: PyReadonlyArray2<'_, f32>,
        y: PyReadonlyArray1<'_, u32>,
        n_classes: Option<u32>,
        sample_weight: Option<PyReadonlyArray1<'_, f32>>,
        on_epoch: Option<Py<PyAny>>,
    ) -> PyResult<()> {
        let (x, y) = (x.as_array(), y.as_slice()?.to_vec());
        let w = weights(sample_weight)?;
        let classes: Option<Vec<u32>> = n_classes.map(|k| (0..k).collect());
        let inner = &mut self.inner;
        training(py, on_epoch, |tell| {
            inner.partial_fit_watched(x, &y, classes.as_deref(), w.as_deref(), tell).map(drop)
        })
    }

    fn predict_proba<'py>(
        &self,
        py: Python<'py>,
        x: PyReadonlyArray2<'py, f32>,
    ) -> PyResult<Bound<'py, PyArray2<f32>>> {
        let x = x.as_array();
        let inner = &self.inner;
        Ok(detached(py, || inner.predict_proba(x))?.into_pyarray(py))
    }

    fn n_classes(&self) -> usize {
        self.inner.classes().len()
    }

    fn is_fitted(&self) -> bool {
        self.inner.model().is_ok()
    }

    fn fit_state<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let i = &self.inner;
        fit_state(py, i.history(), i.n_iter(), i.steps(), i.converged())
    }

    fn layers<'py>(&self, py: Python<'py>) -> PyResult<Layers<'py>> {
        Ok(layers_to_py(py, self.inner.model().map_err(py_err)?))
    }

    fn sizes(&self) -> PyResult<Vec<usize>> {
        Ok(self.inner.network().map_err(py_err)?.sizes())
    }

    /// The model file's bytes (what `mlp train --save` writes), class `j` named `classes[j]`.
    #[pyo3(signature = (classes, features, meta))]
    fn to_bytes<'py>(
        &self,
        py: Python<'py>,
        classes: Vec<String>,
        features: Vec<String>,
        meta: BTreeMap<String, String>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let model = self.inner.model().map_err(py_err)?.clone();
        if classes.len() != model.net.n_outputs() {
            return Err(PyValueError::new_err(format!(
                "{} class names for {} output neurons",
                classes.len(),
                model.net.n_outputs()
            )));
        }
        Ok(PyBytes::new(py, &model_bytes(model, classes, features, meta)))
    }
}

/// A regressor over float targets, one column per output.
#[pyclass(module = "mlp._core")]
struct Regressor {
    inner: MlpRegressor,
}

#[pymethods]
impl Regressor {
    #[new]
    #[pyo3(signature = (**kw))]
    fn new(kw: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        let p = params_or_default(kw)?;
        Ok(Regressor {
            inner: MlpRegressor::new().with_params(p),
        })
    }

    #[pyo3(signature = (**kw))]
    fn set_params(&mut self, kw: Option<&Bound<'_, PyDict>>) -> PyResult<()> {
        let p = params_or_default(kw)?;
        self.inner.set_params(p);
        Ok(())
    }

    #[pyo3(signature = (x, y, sample_weight=None, on_epoch=None))]
    fn fit(
        &mut self,
        py: Python<'_>,
        x: PyReadonlyArray2<'_, f32>,
        y: PyReadonlyArray2<'_, f32>,
        sample_weight: Option<PyReadonlyArray1<'_, f32>>,
        on_epoch: Option<Py<PyAny>>,
    ) -> PyResult<()> {
        let (x, y) = (x.as_array(), y.as_array());
        let w = weights(sample_weight)?;
        let inner = &mut self.inner;
        training(py, on_epoch, |tell| {
            inner.fit_watched(x, y, w.as_deref(), None, tell).map(drop)
        })
    }

    #[pyo3(signature = (x, y, sample_weight=None, on_epoch=None))]
    fn partial_fit(
        &mut self,
        py: Python<'_>,
        x: PyReadonlyArray2<'_, f32>,
        y: PyReadonlyArray2<'_, f32>,
        sample_weight: Option<PyReadonlyArray1<'_, f32>>,
        on_epoch: Option<Py<PyAny>>,
    ) -> PyResult<()> {
        let (x, y) = (x.as_array(), y.as_array());
        let w = weights(sample_weight)?;
        let inner = &mut self.inner;
        training(py, on_epoch, |tell| {
            inner.partial_fit_watched(x, y, w.as_deref(), tell).map(drop)
        })
    }

    fn predict<'py>(
        &self,
        py: Python<'py>,
        x: PyReadonlyArray2<'py, f32>,
    ) -> PyResult<Bound<'py, PyArray2<f32>>> {
        let x = x.as_array();
        let inner = &self.inner;
        Ok(detached(py, || inner.predict(x))?.into_pyarray(py))
    }

    fn is_fitted(&self) -> bool {
        self.inner.model().is_ok()
    }

    fn fit_state<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let i = &self.inner;
        fit_state(py, i.history(), i.n_iter(), i.steps(), i.converged())
    }

    fn layers<'py>(&self, py: Python<'py>) -> PyResult<Layers<'py>> {
        Ok(layers_to_py(py, self.inner.model().map_err(py_err)?))
    }

    fn sizes(&self) -> PyResult<Vec<usize>> {
        Ok(self.inner.network().map_err(py_err)?.sizes())
    }

    #[pyo3(signature = (features, meta))]
    fn to_bytes<'py>(
        &self,
        py: Python<'py>,
        features: Vec<String>,
        meta: BTreeMap<String, String>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let model = self.inner.model().map_err(py_err)?.clone();
        Ok(PyBytes::new(py, &model_bytes(model, Vec::new(), features, meta)))
    }
}

/// A multilabel classifier over a 0/1 indicator matrix, one sigmoid output per label column.
#[pyclass(module = "mlp._core")]
struct MultiLabel {
    inner: MlpMultiLabel,
}

#[pymethods]
impl MultiLabel {
    #[new]
    #[pyo3(signature = (**kw))]
    fn new(kw: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        let p = params_or_default(kw)?;
        Ok(MultiLabel {
            inner: MlpMultiLabel::new().with_params(p),
        })
    }

    #[pyo3(signature = (**kw))]
    fn set_params(&mut self, kw: Option<&Bound<'_, PyDict>>) -> PyResult<()> {
        let p = params_or_default(kw)?;
        self.inner.set_params(p);
        Ok(())
    }

    #[pyo3(signature = (x, y, sample_weight=None, on_epoch=None))]
    fn fit(
        &mut self,
        py: Python<'_>,
        x: PyReadonlyArray2<'_, f32>,
        y: PyReadonlyArray2<'_, f32>,
        sample_weight: Option<PyReadonlyArray1<'_, f32>>,
        on_epoch: Option<Py<PyAny>>,
    ) -> PyResult<()> {
        let (x, y) = (x.as_array(), y.as_array());
        let w = weights(sample_weight)?;
        let inner = &mut self.inner;
        training(py, on_epoch, |tell| {
            inner.fit_watched(x, y, w.as_deref(), tell).map(drop)
        })
    }

    #[pyo3(signature = (x, y, sample_weight=None, on_epoch=None))]
    fn partial_fit(
        &mut self,
        py: Python<'_>,
        x: PyReadonlyArray2<'_, f32>,
        y: PyReadonlyArray2<'_, f32>,
        sample_weight: Option<PyReadonlyArray1<'_, f32>>,
        on_epoch: Option<Py<PyAny>>,
    ) -> PyResult<()> {
        let (x, y) = (x.as_array(), y.as_array());
        let w = weights(sample_weight)?;
        let inner = &mut self.inner;
        training(py, on_epoch, |tell| {
            inner.partial_fit_watched(x, y, w.as_deref(), tell).map(drop)
        })
    }

    fn predict_proba<'py>(
        &self,
        py: Python<'py>,
        x: PyReadonlyArray2<'py, f32>,
    ) -> PyResult<Bound<'py, PyArray2<f32>>> {
        let x = x.as_array();
        let inner = &self.inner;
        Ok(detached(py, || inner.predict_proba(x))?.into_pyarray(py))
    }

    fn is_fitted(&self) -> bool {
        self.inner.model().is_ok()
    }

    fn fit_state<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let i = &self.inner;
        fit_state(py, i.history(), i.n_iter(), i.steps(), i.converged())
    }

    fn layers<'py>(&self, py: Python<'py>) -> PyResult<Layers<'py>> {
        Ok(layers_to_py(py, self.inner.model().map_err(py_err)?))
    }

    fn sizes(&self) -> PyResult<Vec<usize>> {
        Ok(self.inner.network().map_err(py_err)?.sizes())
    }

    /// The model file's bytes, label `j` named `classes[j]`.
    #[pyo3(signature = (classes, features, meta))]
    fn to_bytes<'py>(
        &self,
        py: Python<'py>,
        classes: Vec<String>,
        features: Vec<String>,
        meta: BTreeMap<String, String>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let model = self.inner.model().map_err(py_err)?.clone();
        if classes.len() != model.net.n_outputs() {
            return Err(PyValueError::new_err(format!(
                "{} label names for {} output neurons",
                classes.len(),
                model.net.n_outputs()
            )));
        }
        Ok(PyBytes::new(py, &model_bytes(model, classes, features, meta)))
    }
}

/// Reads a model file's bytes: `(task, classes, features, metadata, estimator)` with the
/// estimator a fitted `Classifier` (class codes in the file's class order), `MultiLabel`
/// or `Regressor`.
/// `name` names the file in errors.
#[pyfunction]
#[pyo3(signature = (data, name, **kw))]
fn load_bytes<'py>(
    py: Python<'py>,
    data: &[u8],
    name: &str,
    kw: Option<&Bound<'py, PyDict>>,
) -> PyResult<Bound<'py, PyDict>> {
    let p = params_or_default(kw)?;
    let path = Path::new(name);
    let model = Model::from_bytes(data, path).map_err(py_err)?;
    let (_, meta, _) = mlp::model_io::from_bytes_with::<f32>(data, path).map_err(py_err)?;
    let out = PyDict::new(py);
    out.set_item("classes", model.classes.clone())?;
    out.set_item("features", model.features.clone())?;
    out.set_item("metadata", meta)?;
    match model.task {
        mlp::data::tabular::Task::Classify => {
            out.set_item("task", "classify")?;
            let codes = (0..model.classes.len() as u32).collect();
            let inner = MlpClassifier::from_model(p, model, codes).map_err(py_err)?;
            out.set_item("estimator", Py::new(py, Classifier { inner })?)?;
        }
        mlp::data::tabular::Task::Regress => {
            out.set_item("task", "regress")?;
            let inner = MlpRegressor::from_model(p, model).map_err(py_err)?;
            out.set_item("estimator", Py::new(py, Regressor { inner })?)?;
        }
        mlp::data::tabular::Task::MultiLabel => {
            out.set_item("task", "multilabel")?;
            let inner = MlpMultiLabel::from_model(p, model).map_err(py_err)?;
            out.set_item("estimator", Py::new(py, MultiLabel { inner })?)?;
        }
    }
    Ok(out)
}

/// A model file's bytes as an ONNX graph's (`mlp export --onnx`).
#[pyfunction]
fn onnx_bytes<'py>(py: Python<'py>, data: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
    let model = Model::from_bytes(data, Path::new("<model>")).map_err(py_err)?;
    Ok(PyBytes::new(py, &mlp::onnx::to_bytes(&model)))
}

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<lecture::Network>()?;
    m.add_class::<lecture::Perceptron>()?;
    m.add_function(wrap_pyfunction!(lecture::xor, m)?)?;
    m.add_function(wrap_pyfunction!(lecture::half_adder, m)?)?;
    m.add_class::<Classifier>()?;
    m.add_class::<Regressor>()?;
    m.add_class::<MultiLabel>()?;
    m.add_function(wrap_pyfunction!(load_bytes, m)?)?;
    m.add_function(wrap_pyfunction!(onnx_bytes, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
