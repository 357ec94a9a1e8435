//! scikit-learn-style estimators: [`MlpClassifier`] and [`MlpRegressor`], with `fit`,
//! `partial_fit`, `predict`, `predict_proba` and `score`, and scikit-learn's
//! `MLPClassifier`/`MLPRegressor` defaults (one hidden layer of 100 ReLU neurons, Adam with
//! η = 0.001, L2 α = 1e-4, mini-batches of min(200, n), up to 200 epochs, stop after 10 epochs
//! without the training loss falling by 1e-4) — plus input standardisation, on by default.
//!
//! ```
//! use mlp::estimator::MlpClassifier;
//! use ndarray::array;
//!
//! // XOR: not linearly separable, so it needs the hidden layer.
//! let x = array![[0.0f32, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]];
//! let y = ["no", "yes", "yes", "no"];
//! let mut clf = MlpClassifier::new()
//!     .hidden_layer_sizes(&[8])
//!     .learning_rate_init(0.05)
//!     .max_iter(500)
//!     .standardize(false);
//! clf.fit(x.view(), &y)?;
//! assert_eq!(clf.predict(x.view())?, y);
//! assert_eq!(clf.score(x.view(), &y)?, 1.0);
//! let p = clf.predict_proba(x.view())?; // one column per class, in clf.classes() order
//! assert!(p[[1, 1]] > 0.5);
//! # Ok::<(), mlp::Error>(())
//! ```

use crate::activation::Activation;
use crate::cost::Cost;
use crate::data::standardize::Standardizer;
use crate::data::tabular::Task;
use crate::data::{Dataset, Features, Targets};
use crate::error::{Error, Result};
use crate::init::Init;
use crate::model::Model;
use crate::network::{Architecture, Network};
use crate::optim::{Optim, Optimizer};
use crate::train::{self, EpochReport, Event, Progress, Sets, TrainConfig};
use ndarray::{Array2, ArrayView, ArrayView2, Axis, Dimension};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeSet;
use std::fmt::Display;

/// Hyper-parameters shared by both estimators, with scikit-learn's names and defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    /// Neurons in each hidden layer. Default `[100]`.
    pub hidden_layer_sizes: Vec<usize>,
    /// Activation of the hidden layers. Default ReLU.
    pub activation: Activation,
    /// The optimizer. Default Adam (β₁ 0.9, β₂ 0.999, ε 1e-8).
    pub solver: Optimizer,
    /// L2 penalty: each mini-batch's mean cost gains `α/(2m) Σ w²`. Default 1e-4.
    pub alpha: f64,
    /// Samples per gradient step; `None` means min(200, n). Default `None`.
    pub batch_size: Option<usize>,
    /// The learning rate η. Default 0.001.
    pub learning_rate_init: f64,
    /// The most epochs to train. Default 200.
    pub max_iter: usize,
    /// The least fall in the loss (or rise in the validation score) that counts as
    /// progress. Default 1e-4.
    pub tol: f64,
    /// Stop after this many epochs without progress. Default 10.
    pub n_iter_no_change: usize,
    /// Hold out `validation_fraction` of the training data and watch its score instead of the
    /// training loss. Default false.
    pub early_stopping: bool,
    pub validation_fraction: f64,
    /// Standardise each feature with the training data's mean and standard deviation (kept
    /// with the model). Default true.
    pub standardize: bool,
    /// Initial weights. Default Glorot (uniform ±√(6/(n_in + n_out)), scikit-learn's).
    pub init: Init,
    /// Seeds the initial weights, the shuffles and the validation split. Default 0.
    pub random_state: u64,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            hidden_layer_sizes: vec![100],
            activation: Activation::Relu,
            solver: Optimizer::ADAM,
            alpha: 1e-4,
            batch_size: None,
            learning_rate_init: 0.001,
            max_iter: 200,
            tol: 1e-4,
            n_iter_no_change: 10,
            early_stopping: false,
            validation_fraction: 0.1,
            standardize: true,
            init: Init::Glorot,
            random_state: 0,
        }
    }
}

/// Called after every epoch with its report; an error stops training.
pub type OnEpoch<'a> = Box<dyn FnMut(&EpochReport) -> Result<()> + 'a>;

/// Held-out data to score after every epoch, and who hears the scores.
pub struct Watch<'a> {
    /// Scored after every epoch (never used for any decision): accuracy for a classifier, the
    /// mean squared error per output (`test_error`) for a regressor.
    pub test: Option<Dataset>,
    pub on_epoch: OnEpoch<'a>,
}

/// What fitting leaves behind: the model and the state to continue training it.
#[derive(Debug, Clone)]
struct Fitted {
    model: Model,
    optim: Optim<f32>,
    progress: Progress,
}

/// The part both estimators share: hyper-parameters, fitting, the fitted state.
#[derive(Debug, Clone)]
struct Core {
    params: Params,
    fitted: Option<Fitted>,
}

impl Core {
    fn fitted(&self) -> Result<&Fitted> {
        self.fitted
            .as_ref()
            .ok_or_else(|| Error::Invalid("this estimator is not fitted yet; call fit first".into()))
    }

    fn batch_size(&self, n: usize) -> usize {
        self.params.batch_size.unwrap_or(200).clamp(1, n.max(1))
    }

    /// Trains on `data` (features not yet standardised): from scratch when `fresh`, else one
    /// more epoch of the fitted network.
    fn fit(&mut self, mut data: Dataset, model: Model, fresh: bool, watch: Option<Watch<'_>>) -> Result<()> {
        let p = &self.params;
        if p.max_iter == 0 {
            return Err(Error::Invalid("max_iter must be at least 1".into()));
        }
        let (n, n_targets) = (data.len(), data.n_targets());
        let Features::Values(x) = &mut data.features else {
            unreachable!("estimators build value features")
        };
        if let Some((i, _)) = x.iter().enumerate().find(|(_, v)| !v.is_finite()) {
            return Err(Error::Invalid(format!(
                "x[{}, {}] is not a finite number; remove or fill missing values first",
                i / x.ncols(),
                i % x.ncols()
            )));
        }
        let m = self.batch_size(n);
        // A wrong width is an error that keeps the fitted state (taken below).
        if let Some(f) = self.fitted.as_ref().filter(|_| !fresh)
            && f.model.net.n_inputs() != x.ncols()
        {
            return Err(Error::Mismatch(format!(
                "the estimator was fitted on {} features but x has {}",
                f.model.net.n_inputs(),
                x.ncols()
            )));
        }
        let fitted = match (fresh, self.fitted.take()) {
            (false, Some(mut f)) => {
                if let Some(s) = &f.model.standardizer {
                    s.transform_inplace(x.view_mut())?;
                }
                f.optim.decay = p.alpha / m as f64;
                f
            }
            _ => {
                let mut model = model;
                if p.standardize {
                    let s = Standardizer::fit(x.view())?;
                    s.transform_inplace(x.view_mut())?;
                    model.standardizer = Some(s);
                }
                let mut rng = ChaCha8Rng::seed_from_u64(p.random_state);
                model.net = Network::build(
                    &architecture(p, x.ncols(), n_targets, model.task)?,
                    p.init,
                    &mut rng,
                )?;
                // scikit-learn's penalty α/(2m) Σ w² on each mini-batch's mean loss: g += (α/m) w.
                let optim = Optim::new(p.solver, p.learning_rate_init, p.alpha / m as f64, &model.net);
                Fitted {
                    model,
                    optim,
                    progress: Progress::new(rng),
                }
            }
        };
        let Fitted {
            mut model,
            mut optim,
            mut progress,
        } = fitted;
        let (mut test, on_epoch): (Option<Dataset>, OnEpoch<'_>) = match watch {
            Some(Watch { test, on_epoch }) => (test, on_epoch),
            None => (None, Box::new(|_| Ok(()))),
        };
        if let (Some(s), Some(Features::Values(t))) =
            (&model.standardizer, test.as_mut().map(|t| &mut t.features))
        {
            s.transform_inplace(t.view_mut())?;
        }
        let (train_set, validation) = if fresh && p.early_stopping {
            data.split_validation(p.validation_fraction, p.random_state)?
        } else {
            (data, None)
        };
        let config = TrainConfig {
            epochs: if fresh { p.max_iter } else { progress.epoch + 1 },
            batch_size: m,
            early_stopping: fresh.then_some(p.n_iter_no_change.max(1)),
            seed: p.random_state,
            tol: p.tol,
            ..TrainConfig::default()
        };
        progress.stopped_early = false;
        let sets = Sets {
            train: &train_set,
            validation: validation.as_ref(),
            test: test.as_ref(),
        };
        let mut on_epoch = on_epoch;
        train::train(
            &mut model.net,
            sets,
            &config,
            &mut optim,
            &mut progress,
            |event| match event {
                Event::Epoch(report) => on_epoch(report),
                _ => Ok(()),
            },
        )?;
        self.fitted = Some(Fitted {
            model,
            optim,
            progress,
        });
        Ok(())
    }

    /// One more epoch; the first call fits `model` from scratch for one epoch.
    fn partial_fit(&mut self, data: Dataset, model: Model) -> Result<()> {
        match &self.fitted {
            Some(f) => {
                let model = f.model.clone();
                self.fit(data, model, false, None)
            }
            None => {
                let saved = self.params.max_iter;
                self.params.max_iter = 1;
                let result = self.fit(data, model, true, None);
                self.params.max_iter = saved;
                result
            }
        }
    }

    fn outputs(&self, x: ArrayView2<f32>) -> Result<Array2<f32>> {
        self.fitted()?.model.outputs(x)
    }

    fn loss_curve(&self) -> Vec<f64> {
        self.fitted.as_ref().map_or(Vec::new(), |f| {
            f.progress.history.epochs.iter().map(|e| e.train_cost).collect()
        })
    }
}

fn architecture(p: &Params, n_features: usize, n_targets: usize, task: Task) -> Result<Architecture> {
    if p.hidden_layer_sizes.contains(&0) {
        return Err(Error::Invalid("hidden layer sizes must be at least 1".into()));
    }
    let mut sizes = vec![n_features];
    sizes.extend(&p.hidden_layer_sizes);
    sizes.push(n_targets);
    let (output, cost) = match task {
        Task::Classify => (Activation::Softmax, Cost::LogLikelihood),
        Task::Regress => (Activation::Identity, Cost::Mse),
    };
    let arch = Architecture {
        sizes,
        hidden: p.activation,
        output,
        cost,
    };
    arch.validate()?;
    Ok(arch)
}

/// A model to be fitted: its network is built by [`Core::fit`].
fn blank(task: Task) -> Model {
    Model {
        net: Network {
            layers: Vec::new(),
            cost: Cost::Mse,
        },
        task,
        classes: Vec::new(),
        features: Vec::new(),
        target: String::new(),
        standardizer: None,
    }
}

fn check_rows(x: ArrayView2<f32>, n_targets: usize) -> Result<()> {
    if x.nrows() != n_targets {
        return Err(Error::Mismatch(format!(
            "x has {} rows but y has {} targets; expected one target per row",
            x.nrows(),
            n_targets
        )));
    }
    if x.nrows() == 0 {
        return Err(Error::Invalid("x has no rows".into()));
    }
    Ok(())
}

/// Builder-style setters for the shared hyper-parameters.
macro_rules! params_builder {
    ([$($generics:tt)*] $t:ty) => {
        impl<$($generics)*> $t {
            /// The hyper-parameters.
            pub fn params(&self) -> &Params {
                &self.core.params
            }
            pub fn with_params(mut self, params: Params) -> Self {
                self.core.params = params;
                self
            }
            pub fn hidden_layer_sizes(mut self, sizes: &[usize]) -> Self {
                self.core.params.hidden_layer_sizes = sizes.to_vec();
                self
            }
            pub fn activation(mut self, activation: Activation) -> Self {
                self.core.params.activation = activation;
                self
            }
            pub fn solver(mut self, solver: Optimizer) -> Self {
                self.core.params.solver = solver;
                self
            }
            pub fn alpha(mut self, alpha: f64) -> Self {
                self.core.params.alpha = alpha;
                self
            }
            pub fn batch_size(mut self, batch_size: usize) -> Self {
                self.core.params.batch_size = Some(batch_size);
                self
            }
            pub fn learning_rate_init(mut self, eta: f64) -> Self {
                self.core.params.learning_rate_init = eta;
                self
            }
            pub fn max_iter(mut self, epochs: usize) -> Self {
                self.core.params.max_iter = epochs;
                self
            }
            pub fn tol(mut self, tol: f64) -> Self {
                self.core.params.tol = tol;
                self
            }
            pub fn n_iter_no_change(mut self, epochs: usize) -> Self {
                self.core.params.n_iter_no_change = epochs;
                self
            }
            pub fn early_stopping(mut self, on: bool) -> Self {
                self.core.params.early_stopping = on;
                self
            }
            pub fn validation_fraction(mut self, fraction: f64) -> Self {
                self.core.params.validation_fraction = fraction;
                self
            }
            pub fn standardize(mut self, on: bool) -> Self {
                self.core.params.standardize = on;
                self
            }
            pub fn init(mut self, init: Init) -> Self {
                self.core.params.init = init;
                self
            }
            pub fn random_state(mut self, seed: u64) -> Self {
                self.core.params.random_state = seed;
                self
            }
            /// The mean training loss of each epoch (empty before fitting).
            pub fn loss_curve(&self) -> Vec<f64> {
                self.core.loss_curve()
            }
            /// Epochs trained.
            pub fn n_iter(&self) -> usize {
                self.core.fitted.as_ref().map_or(0, |f| f.progress.epoch)
            }
            /// True when training stopped because the loss (or validation score) stopped
            /// improving, not because it reached `max_iter`.
            pub fn converged(&self) -> bool {
                self.core.fitted.as_ref().is_some_and(|f| f.progress.stopped_early)
            }
            /// The fitted network (`network().layers[l].weights`, `.biases`).
            pub fn network(&self) -> Result<&Network<f32>> {
                Ok(&self.core.fitted()?.model.net)
            }
            /// The fitted model (network, standardisation, names), to save or use directly.
            pub fn model(&self) -> Result<&Model> {
                Ok(&self.core.fitted()?.model)
            }
        }
    };
}

/// A multilayer-perceptron classifier: softmax output, log-likelihood cost.
#[derive(Debug, Clone)]
pub struct MlpClassifier<L = usize> {
    core: Core,
    classes: Vec<L>,
}

params_builder!([L: Clone + Ord] MlpClassifier<L>);

impl<L: Clone + Ord> Default for MlpClassifier<L> {
    fn default() -> Self {
        Self::new()
    }
}

impl<L: Clone + Ord> MlpClassifier<L> {
    pub fn new() -> Self {
        MlpClassifier {
            core: Core {
                params: Params::default(),
                fitted: None,
            },
            classes: Vec::new(),
        }
    }

    /// The classes, sorted; column `j` of [`predict_proba`](Self::predict_proba) is `classes()[j]`.
    pub fn classes(&self) -> &[L] {
        &self.classes
    }

    fn learn_classes(&mut self, y: &[L]) -> Result<()> {
        let classes: BTreeSet<&L> = y.iter().collect();
        if classes.len() < 2 {
            return Err(Error::Invalid(format!(
                "y holds {} class(es); a classifier needs at least two",
                classes.len()
            )));
        }
        if classes.len() > 256 {
            return Err(Error::Invalid(format!(
                "y holds {} classes; at most 256 are supported",
                classes.len()
            )));
        }
        self.classes = classes.into_iter().cloned().collect();
        Ok(())
    }

    fn labels(&self, y: &[L]) -> Result<Vec<u8>> {
        y.iter()
            .enumerate()
            .map(|(i, l)| {
                self.classes.binary_search(l).map(|c| c as u8).map_err(|_| {
                    Error::Invalid(format!(
                        "y[{i}] is a class the estimator was not fitted with; partial_fit learns \
                         the classes from its first call"
                    ))
                })
            })
            .collect()
    }

    fn dataset(&self, x: ArrayView2<f32>, y: &[L]) -> Result<Dataset> {
        check_rows(x, y.len())?;
        Ok(Dataset {
            features: Features::Values(x.to_owned()),
            labels: self.labels(y)?,
            n_classes: self.classes.len(),
            targets: Targets::Classes,
        })
    }

    /// Trains a new network on `x` (`n × d`) and the class of each row `y`, from scratch.
    pub fn fit(&mut self, x: ArrayView2<f32>, y: &[L]) -> Result<&mut Self> {
        self.learn_classes(y)?;
        let data = self.dataset(x, y)?;
        self.core.fit(data, blank(Task::Classify), true, None)?;
        Ok(self)
    }

    /// [`fit`](Self::fit), scoring `test` (features and classes) after every epoch and
    /// calling `on_epoch` with each epoch's report (a command line's progress lines).
    pub fn fit_watched(
        &mut self,
        x: ArrayView2<f32>,
        y: &[L],
        test: Option<(ArrayView2<f32>, &[L])>,
        on_epoch: OnEpoch<'_>,
    ) -> Result<&mut Self> {
        self.learn_classes(y)?;
        let data = self.dataset(x, y)?;
        let test = test.map(|(xt, yt)| self.dataset(xt, yt)).transpose()?;
        self.core
            .fit(data, blank(Task::Classify), true, Some(Watch { test, on_epoch }))?;
        Ok(self)
    }

    /// One more epoch over `(x, y)`; the first call sets up the network (and learns the
    /// classes and the standardisation from this data).
    pub fn partial_fit(&mut self, x: ArrayView2<f32>, y: &[L]) -> Result<&mut Self> {
        if self.core.fitted.is_none() {
            self.learn_classes(y)?;
        }
        let data = self.dataset(x, y)?;
        self.core.partial_fit(data, blank(Task::Classify))?;
        Ok(self)
    }

    /// The probability of each class for each row: `n × classes().len()`, rows summing to 1.
    pub fn predict_proba(&self, x: ArrayView2<f32>) -> Result<Array2<f32>> {
        self.core.outputs(x)
    }

    /// The most probable class of each row.
    pub fn predict(&self, x: ArrayView2<f32>) -> Result<Vec<L>> {
        let idx = self.core.fitted()?.model.predict_indices(x)?;
        Ok(idx.into_iter().map(|j| self.classes[j].clone()).collect())
    }

    /// Accuracy: the fraction of rows whose predicted class is `y`'s.
    pub fn score(&self, x: ArrayView2<f32>, y: &[L]) -> Result<f64> {
        check_rows(x, y.len())?;
        let predicted = self.predict(x)?;
        let correct = predicted.iter().zip(y).filter(|(p, t)| p == t).count();
        Ok(correct as f64 / y.len() as f64)
    }
}

impl<L: Clone + Ord + Display> MlpClassifier<L> {
    /// Saves the fitted model; `mlp predict` then answers in these class names.
    pub fn save(&self, path: &std::path::Path) -> Result<()> {
        let mut model = self.core.fitted()?.model.clone();
        model.classes = self.classes.iter().map(ToString::to_string).collect();
        model.save(path, &[])
    }
}

/// A multilayer-perceptron regressor: identity output, mean squared error
/// (`½ · mean over outputs of (ŷ − y)²`, scikit-learn's squared loss).
#[derive(Debug, Clone)]
pub struct MlpRegressor {
    core: Core,
}

params_builder!([] MlpRegressor);

impl Default for MlpRegressor {
    fn default() -> Self {
        Self::new()
    }
}

impl MlpRegressor {
    pub fn new() -> Self {
        MlpRegressor {
            core: Core {
                params: Params::default(),
                fitted: None,
            },
        }
    }

    fn dataset<D: Dimension>(x: ArrayView2<f32>, y: ArrayView<f32, D>) -> Result<Dataset> {
        let y = targets_2d(y)?;
        check_rows(x, y.nrows())?;
        if y.iter().any(|v| !v.is_finite()) {
            return Err(Error::Invalid(
                "y holds a value that is not a finite number".into(),
            ));
        }
        Ok(Dataset {
            features: Features::Values(x.to_owned()),
            labels: Vec::new(),
            n_classes: 0,
            targets: Targets::Values(y),
        })
    }

    /// Trains a new network on `x` (`n × d`) and targets `y` (`n` values, or `n × k`).
    pub fn fit<D: Dimension>(&mut self, x: ArrayView2<f32>, y: ArrayView<f32, D>) -> Result<&mut Self> {
        let data = Self::dataset(x, y)?;
        self.core.fit(data, blank(Task::Regress), true, None)?;
        Ok(self)
    }

    /// [`fit`](Self::fit), scoring `test` after every epoch (the report's `test_error` is
    /// the mean squared error per output) and calling `on_epoch` with each epoch's report.
    pub fn fit_watched<D: Dimension>(
        &mut self,
        x: ArrayView2<f32>,
        y: ArrayView<f32, D>,
        test: Option<(ArrayView2<f32>, ArrayView<f32, D>)>,
        on_epoch: OnEpoch<'_>,
    ) -> Result<&mut Self> {
        let data = Self::dataset(x, y)?;
        let test = test.map(|(xt, yt)| Self::dataset(xt, yt)).transpose()?;
        self.core
            .fit(data, blank(Task::Regress), true, Some(Watch { test, on_epoch }))?;
        Ok(self)
    }

    /// One more epoch over `(x, y)`; the first call sets up the network.
    pub fn partial_fit<D: Dimension>(
        &mut self,
        x: ArrayView2<f32>,
        y: ArrayView<f32, D>,
    ) -> Result<&mut Self> {
        let data = Self::dataset(x, y)?;
        self.core.partial_fit(data, blank(Task::Regress))?;
        Ok(self)
    }

    /// The predicted values: `n × k` (one column for a 1-D `y`).
    pub fn predict(&self, x: ArrayView2<f32>) -> Result<Array2<f32>> {
        self.core.outputs(x)
    }

    /// The coefficient of determination R² = 1 − Σ(y − ŷ)² / Σ(y − ȳ)², averaged over the
    /// target columns (scikit-learn's `r2_score`).
    pub fn score<D: Dimension>(&self, x: ArrayView2<f32>, y: ArrayView<f32, D>) -> Result<f64> {
        let y = targets_2d(y)?;
        check_rows(x, y.nrows())?;
        Ok(r2_score(y.view(), self.predict(x)?.view()))
    }

    /// Saves the fitted model.
    pub fn save(&self, path: &std::path::Path) -> Result<()> {
        self.core.fitted()?.model.save(path, &[])
    }
}

/// R², averaged over columns; a column whose targets are all equal scores 1 when predicted
/// exactly and 0 otherwise (scikit-learn's convention).
pub fn r2_score(y: ArrayView2<f32>, predicted: ArrayView2<f32>) -> f64 {
    let scores: Vec<f64> = y
        .axis_iter(Axis(1))
        .zip(predicted.axis_iter(Axis(1)))
        .map(|(t, p)| {
            let mean = t.iter().map(|&v| v as f64).sum::<f64>() / t.len() as f64;
            let ss_res: f64 = t
                .iter()
                .zip(p)
                .map(|(&t, &p)| (t as f64 - p as f64).powi(2))
                .sum();
            let ss_tot: f64 = t.iter().map(|&t| (t as f64 - mean).powi(2)).sum();
            match (ss_tot > 0.0, ss_res > 0.0) {
                (true, _) => 1.0 - ss_res / ss_tot,
                (false, false) => 1.0,
                (false, true) => 0.0,
            }
        })
        .collect();
    scores.iter().sum::<f64>() / scores.len().max(1) as f64
}

/// `y` as `n × k`: a 1-D array becomes one column.
fn targets_2d<D: Dimension>(y: ArrayView<f32, D>) -> Result<Array2<f32>> {
    match y.ndim() {
        1 => Ok(y
            .to_owned()
            .into_shape_with_order((y.len(), 1))
            .expect("1-D to one column")),
        2 => Ok(y.into_dimensionality::<ndarray::Ix2>().expect("2-D").to_owned()),
        d => Err(Error::Invalid(format!(
            "y must be 1- or 2-dimensional, got {d} dimensions"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{Array1, array};
    use rand::Rng;

    /// Two noisy blobs per class in 2-D, three classes named by strings.
    fn blobs(n: usize, seed: u64) -> (Array2<f32>, Vec<String>) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let centres = [(-2.0, 0.0), (2.0, 0.0), (0.0, 3.0)];
        let names = ["red", "green", "blue"];
        let mut x = Array2::zeros((n, 2));
        let mut y = Vec::new();
        for i in 0..n {
            let c = i % 3;
            x[[i, 0]] = centres[c].0 + rng.random_range(-1.0..1.0);
            x[[i, 1]] = centres[c].1 + rng.random_range(-1.0..1.0);
            y.push(names[c].to_string());
        }
        (x * 10.0 + 50.0, y)
    }

    #[test]
    fn classifier_learns_string_classes_and_reports_its_fit() {
        let (x, y) = blobs(300, 1);
        let mut clf = MlpClassifier::new().hidden_layer_sizes(&[16]).max_iter(300);
        clf.fit(x.view(), &y).unwrap();
        assert_eq!(clf.classes(), ["blue", "green", "red"]);
        let (xt, yt) = blobs(150, 2);
        let acc = clf.score(xt.view(), &yt).unwrap();
        assert!(acc > 0.95, "accuracy {acc}");
        let p = clf.predict_proba(xt.view()).unwrap();
        assert_eq!(p.dim(), (150, 3));
        for row in p.rows() {
            assert!((row.sum() - 1.0).abs() < 1e-5);
        }
        let curve = clf.loss_curve();
        assert_eq!(curve.len(), clf.n_iter());
        assert!(curve.last().unwrap() < &(curve[0] * 0.5), "loss fell: {curve:?}");
        assert_eq!(clf.network().unwrap().sizes(), [2, 16, 3]);
    }

    #[test]
    fn standardisation_is_what_lets_unscaled_features_learn_quickly() {
        let (x, y) = blobs(300, 3);
        let x = x * 100.0;
        let fit = |standardize| {
            let mut clf = MlpClassifier::new()
                .hidden_layer_sizes(&[8])
                .learning_rate_init(0.01)
                .max_iter(50)
                .standardize(standardize);
            clf.fit(x.view(), &y).unwrap();
            clf.score(x.view(), &y).unwrap()
        };
        let (with, without) = (fit(true), fit(false));
        assert!(with > 0.95, "standardised: {with}");
        assert!(with > without, "standardised {with} vs raw {without}");
    }

    #[test]
    fn partial_fit_continues_where_fit_left_off() {
        let (x, y) = blobs(90, 4);
        let mut a = MlpClassifier::new().hidden_layer_sizes(&[4]);
        a.partial_fit(x.view(), &y).unwrap();
        a.partial_fit(x.view(), &y).unwrap();
        assert_eq!(a.n_iter(), 2);
        let mut b = MlpClassifier::new()
            .hidden_layer_sizes(&[4])
            .max_iter(2)
            .tol(-1.0);
        b.fit(x.view(), &y).unwrap();
        assert_eq!(
            a.network().unwrap(),
            b.network().unwrap(),
            "two partial fits = fit of 2 epochs"
        );
        let e = a
            .partial_fit(x.view(), &vec!["purple".to_string(); 90])
            .unwrap_err();
        assert!(e.to_string().contains("not fitted with"), "{e}");
    }

    #[test]
    fn regressor_fits_a_smooth_function() {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let x = Array2::from_shape_fn((400, 2), |_| rng.random_range(-1.0f32..1.0));
        let y: Array1<f32> = x.rows().into_iter().map(|r| r[0] * r[0] + 0.5 * r[1]).collect();
        let mut reg = MlpRegressor::new()
            .hidden_layer_sizes(&[32])
            .learning_rate_init(0.01);
        reg.fit(x.view(), y.view()).unwrap();
        let r2 = reg.score(x.view(), y.view()).unwrap();
        assert!(r2 > 0.95, "R² {r2}");
        assert_eq!(reg.predict(x.view()).unwrap().dim(), (400, 1));
    }

    #[test]
    fn r2_matches_its_definition() {
        let y = array![[1.0f32], [2.0], [3.0]];
        assert_eq!(r2_score(y.view(), y.view()), 1.0);
        assert_eq!(r2_score(y.view(), array![[2.0f32], [2.0], [2.0]].view()), 0.0);
        let r = r2_score(y.view(), array![[1.0f32], [2.0], [4.0]].view());
        assert!((r - 0.5).abs() < 1e-12);
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        let mut clf = MlpClassifier::<u8>::new();
        assert!(clf.predict(array![[1.0f32]].view()).is_err(), "not fitted");
        assert!(
            clf.fit(array![[1.0f32], [2.0]].view(), &[1, 1]).is_err(),
            "one class"
        );
        assert!(
            clf.fit(array![[1.0f32], [2.0]].view(), &[1]).is_err(),
            "rows ≠ targets"
        );
        assert!(clf.fit(array![[f32::NAN], [2.0]].view(), &[0, 1]).is_err(), "NaN");
        clf.fit(array![[1.0f32], [2.0]].view(), &[0, 1]).unwrap();
        assert!(clf.predict(array![[1.0f32, 2.0]].view()).is_err(), "wrong width");
    }
}
