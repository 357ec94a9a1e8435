//! What both estimators share: the parameters, the training core, the checks of their input.

use crate::activation::Activation;
use crate::cost::Cost;
use crate::data::augment::Distortion;
use crate::data::standardize::Standardizer;
use crate::data::tabular::Task;
use crate::data::{Dataset, Features};
use crate::error::{Error, Result};
use crate::init::Init;
use crate::lbfgs;
use crate::model::Model;
use crate::network::{Architecture, Network};
use crate::optim::{Optim, Optimizer, Schedule};
use crate::train::{self, EpochReport, Event, Progress, Sets, TrainConfig};
use ndarray::{Array2, ArrayView, ArrayView2, Axis, Dimension};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

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
    /// Stop once more than this many epochs in a row made no progress (scikit-learn's rule:
    /// 11 such epochs for the default). Default 10.
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
    /// How η changes between epochs (scikit-learn's `learning_rate`: constant, adaptive or
    /// invscaling). Default constant.
    pub schedule: Schedule,
    /// Shuffle the samples each epoch. Default true.
    pub shuffle: bool,
    /// Drop probability of each hidden neuron, and of each input, in training (inverted
    /// dropout). Default 0.
    pub dropout: f64,
    pub input_dropout: f64,
    /// `fit` continues from the fitted network (up to `max_iter` more epochs) instead of
    /// starting again. Default false.
    pub warm_start: bool,
    /// At most this many threads for training; `None`: every core. Default `None`.
    pub n_threads: Option<usize>,
    /// Train by L-BFGS over the whole training set ([`crate::lbfgs`], scikit-learn's
    /// `solver='lbfgs'`) instead of mini-batches of `solver`; `max_iter` iterations and
    /// `max_fun` evaluations of the loss at most. Default false, 15000.
    pub lbfgs: bool,
    pub max_fun: usize,
    /// Train on fresh distortions of the training images in every epoch
    /// ([`crate::data::augment`]): the features must be `side × side` images, distorted in
    /// their raw units (before standardisation); never with `lbfgs`, never the validation
    /// part of early stopping. Default `None`.
    pub augment: Option<Distortion>,
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
            schedule: Schedule::Constant,
            shuffle: true,
            dropout: 0.0,
            input_dropout: 0.0,
            warm_start: false,
            n_threads: None,
            lbfgs: false,
            max_fun: 15000,
            augment: None,
        }
    }
}

/// What the caller of a fit hears as it trains.
#[derive(Debug, Clone, Copy)]
pub enum Tick<'a> {
    /// An epoch (an L-BFGS iteration) ended: its report.
    Epoch(&'a EpochReport),
    /// Within an epoch, `done` of its `total` mini-batches are finished (about a hundred
    /// times an epoch): a moment to stop a long epoch (Ctrl-C) without waiting for its end.
    Batches { done: usize, total: usize },
}

/// Called after every epoch and between mini-batches ([`Tick`]); an error stops training.
pub type OnEpoch<'a> = Box<dyn FnMut(Tick<'_>) -> Result<()> + 'a>;

/// Held-out data to score after every epoch, and who hears the scores.
pub struct Watch<'a> {
    /// Scored after every epoch (never used for any decision): accuracy for a classifier, the
    /// mean squared error per output (`test_error`) for a regressor.
    pub test: Option<Dataset>,
    pub on_epoch: OnEpoch<'a>,
}

/// What fitting leaves behind: the model and the state to continue training it.
#[derive(Debug, Clone)]
pub(crate) struct Fitted {
    pub(crate) model: Model,
    pub(crate) optim: Optim<f32>,
    pub(crate) progress: Progress,
}

/// The part both estimators share: hyper-parameters, fitting, the fitted state.
#[derive(Debug, Clone)]
pub(crate) struct Core {
    pub(crate) params: Params,
    pub(crate) fitted: Option<Fitted>,
}

impl Core {
    pub(crate) fn fitted(&self) -> Result<&Fitted> {
        self.fitted
            .as_ref()
            .ok_or_else(|| Error::Invalid("this estimator is not fitted yet; call fit first".into()))
    }

    pub(crate) fn batch_size(&self, n: usize) -> usize {
        self.params.batch_size.unwrap_or(200).clamp(1, n.max(1))
    }

    /// Trains on `data` (features not yet standardised): from scratch (`more: None`), or
    /// `more` epochs further from the fitted network. An error from `on_epoch` stops training
    /// and keeps what the finished epochs trained (an interrupted fit is still usable).
    pub(crate) fn fit(
        &mut self,
        mut data: Dataset,
        model: Model,
        more: Option<usize>,
        watch: Option<Watch<'_>>,
    ) -> Result<()> {
        let p = &self.params;
        if p.max_iter == 0 {
            return Err(Error::Invalid("max_iter must be at least 1".into()));
        }
        let fresh = more.is_none() || self.fitted.is_none();
        check_augment(p, data.n_features())?;
        let (n, n_targets) = (data.len(), data.n_targets());
        let Features::Values(x) = &mut data.features else {
            unreachable!("estimators build value features")
        };
        // The vector check first (a scalar search took 20 ms of a fit of MNIST's 47 M values);
        // the search only to name the value.
        if !crate::linalg::all_finite(x.view())
            && let Some((i, _)) = x.iter().enumerate().find(|(_, v)| !v.is_finite())
        {
            return Err(Error::Invalid(format!(
                "x[{}, {}] is not a finite number; remove or fill missing values first",
                i / x.ncols(),
                i % x.ncols()
            )));
        }
        let m = self.batch_size(n);
        // A wrong width is an error that keeps the fitted state (taken below).
        if let Some(f) = self.fitted.as_ref().filter(|_| !fresh) {
            if f.model.net.n_inputs() != x.ncols() {
                return Err(Error::Mismatch(format!(
                    "the estimator was fitted on {} features but x has {}",
                    f.model.net.n_inputs(),
                    x.ncols()
                )));
            }
            if f.model.net.n_outputs() != n_targets {
                return Err(Error::Mismatch(format!(
                    "the estimator was fitted with {} outputs but y has {}",
                    f.model.net.n_outputs(),
                    n_targets
                )));
            }
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
        let (mut test, mut on_epoch): (Option<Dataset>, OnEpoch<'_>) = match watch {
            Some(Watch { test, on_epoch }) => (test, on_epoch),
            None => (None, Box::new(|_| Ok(()))),
        };
        if let (Some(s), Some(Features::Values(t))) =
            (&model.standardizer, test.as_mut().map(|t| &mut t.features))
        {
            s.transform_inplace(t.view_mut())?;
        }
        // Early stopping watches a held-out part in fit, never in partial_fit (scikit-learn's rule).
        let stopping = more != Some(1);
        let (train_set, validation) = if stopping && p.early_stopping && !p.lbfgs {
            data.split_validation(p.validation_fraction, p.random_state)?
        } else {
            (data, None)
        };
        let config = TrainConfig {
            epochs: progress.epoch + more.unwrap_or(p.max_iter),
            batch_size: m,
            // scikit-learn stops once its count of epochs without improvement exceeds
            // n_iter_no_change (`_no_improvement_count > n_iter_no_change`); the engine stops
            // when the count reaches its patience.
            early_stopping: stopping.then_some(p.n_iter_no_change.max(1) + 1),
            seed: p.random_state,
            tol: p.tol,
            schedule: p.schedule,
            shuffle: p.shuffle,
            dropout: p.dropout,
            input_dropout: p.input_dropout,
            augment: p.augment,
            ..TrainConfig::default()
        };
        progress.stopped_early = false;
        progress.epochs_without_improvement = 0;
        let sets = Sets {
            train: &train_set,
            validation: validation.as_ref(),
            test: test.as_ref(),
        };
        let mut stopped_by_caller = false;
        let lbfgs = p.lbfgs.then_some(lbfgs::Limits {
            max_iter: more.unwrap_or(p.max_iter),
            max_fun: p.max_fun,
            tol: p.tol,
        });
        let alpha = p.alpha;
        let mut run = || match lbfgs {
            Some(limits) => fit_lbfgs(&mut model.net, &train_set, alpha, limits, &mut progress, |r| {
                on_epoch(Tick::Epoch(r)).inspect_err(|_| stopped_by_caller = true)
            }),
            None => train::train_standardized(
                &mut model.net,
                sets,
                model.standardizer.as_ref(),
                &config,
                &mut optim,
                &mut progress,
                |event| {
                    let heard = match event {
                        Event::Epoch(report) => on_epoch(Tick::Epoch(report)),
                        Event::Batches { done, total, .. } => on_epoch(Tick::Batches { done, total }),
                        Event::Checkpoint(..) => Ok(()),
                    };
                    heard.inspect_err(|_| stopped_by_caller = true)
                },
            ),
        };
        let result = match p.n_threads {
            Some(t) => crate::linalg::with_threads(t, run),
            None => run(),
        };
        // An epoch stopped mid-way left the network as its last finished step did: usable.
        if result.is_ok() || stopped_by_caller {
            progress.step = 0;
            progress.cost_sum = 0.0;
            self.fitted = Some(Fitted {
                model,
                optim,
                progress,
            });
        }
        result
    }

    /// One more epoch; the first call fits `model` from scratch for one epoch.
    pub(crate) fn partial_fit(
        &mut self,
        data: Dataset,
        model: Model,
        watch: Option<Watch<'_>>,
    ) -> Result<()> {
        let model = self.fitted.as_ref().map_or(model, |f| f.model.clone());
        self.fit(data, model, Some(1), watch)
    }

    /// `fit`: from scratch, or with `warm_start` up to `max_iter` more epochs of the fitted network.
    pub(crate) fn fit_or_continue(
        &mut self,
        data: Dataset,
        model: Model,
        watch: Option<Watch<'_>>,
    ) -> Result<()> {
        let more = (self.params.warm_start && self.fitted.is_some()).then_some(self.params.max_iter);
        let model = match (&self.fitted, more) {
            (Some(f), Some(_)) => f.model.clone(),
            _ => model,
        };
        self.fit(data, model, more, watch)
    }

    /// A fitted state around a trained model, to predict with or to train further (with a
    /// fresh optimizer state: the model file keeps none).
    pub(crate) fn adopt(&mut self, model: Model) {
        let rng = ChaCha8Rng::seed_from_u64(self.params.random_state);
        let m = self.params.batch_size.unwrap_or(200).max(1);
        let optim = Optim::new(
            self.params.solver,
            self.params.learning_rate_init,
            self.params.alpha / m as f64,
            &model.net,
        );
        self.fitted = Some(Fitted {
            model,
            optim,
            progress: Progress::new(rng),
        });
    }

    pub(crate) fn outputs(&self, x: ArrayView2<f32>) -> Result<Array2<f32>> {
        self.fitted()?.model.outputs(x)
    }

    pub(crate) fn loss_curve(&self) -> Vec<f64> {
        self.fitted.as_ref().map_or(Vec::new(), |f| {
            f.progress.history.epochs.iter().map(|e| e.train_cost).collect()
        })
    }
}

/// Distortions need mini-batches (each epoch a fresh set) and square images.
fn check_augment(p: &Params, n_features: usize) -> Result<()> {
    let Some(d) = &p.augment else { return Ok(()) };
    d.validate()?;
    if p.lbfgs {
        return Err(Error::Invalid(
            "augment distorts the images afresh in every epoch of mini-batches; \
             L-BFGS (solver='lbfgs') trains on one fixed set: use another solver or augment=False"
                .into(),
        ));
    }
    let side = (n_features as f64).sqrt().round() as usize;
    if side * side != n_features || n_features == 0 {
        return Err(Error::Invalid(format!(
            "augment distorts square images, side × side features per sample (such as 8×8 = 64 \
             or 28×28 = 784); x has {n_features} features, not a square number"
        )));
    }
    Ok(())
}

/// L-BFGS over all of `data`: each iteration recorded in `progress` as an epoch would be.
pub(crate) fn fit_lbfgs(
    net: &mut Network<f32>,
    data: &Dataset,
    alpha: f64,
    limits: lbfgs::Limits,
    progress: &mut Progress,
    mut on_epoch: impl FnMut(&EpochReport) -> Result<()>,
) -> Result<()> {
    let mut start = std::time::Instant::now();
    let report = lbfgs::minimize(net, data, alpha, limits, |_, f| {
        progress.epoch += 1;
        progress.history.epochs.push(EpochReport {
            epoch: progress.epoch,
            train_cost: f,
            test_accuracy: None,
            test_correct: None,
            test_total: 0,
            validation_accuracy: None,
            test_error: None,
            validation_error: None,
            eta: 0.0,
            seconds: std::mem::replace(&mut start, std::time::Instant::now())
                .elapsed()
                .as_secs_f64(),
        });
        on_epoch(progress.history.epochs.last().expect("just pushed"))
    })?;
    progress.stopped_early = report.converged;
    Ok(())
}

pub(crate) fn architecture(
    p: &Params,
    n_features: usize,
    n_targets: usize,
    task: Task,
) -> Result<Architecture> {
    if p.hidden_layer_sizes.contains(&0) {
        return Err(Error::Invalid("hidden layer sizes must be at least 1".into()));
    }
    let mut sizes = vec![n_features];
    sizes.extend(&p.hidden_layer_sizes);
    sizes.push(n_targets);
    let (output, cost) = match task {
        Task::Classify => (Activation::Softmax, Cost::LogLikelihood),
        Task::Regress => (Activation::Identity, Cost::Mse),
        Task::MultiLabel => (Activation::Sigmoid, Cost::CrossEntropy),
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
pub(crate) fn blank(task: Task) -> Model {
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
        target_standardizer: None,
    }
}

/// `data` with each row weighted by `sample_weight`: one finite, non-negative weight per row,
/// not all zero (scikit-learn's rules).
pub(crate) fn weighted(mut data: Dataset, sample_weight: Option<&[f32]>) -> Result<Dataset> {
    let Some(w) = sample_weight else {
        return Ok(data);
    };
    if w.len() != data.len() {
        return Err(Error::Mismatch(format!(
            "sample_weight has {} values for {} rows",
            w.len(),
            data.len()
        )));
    }
    if let Some(i) = w.iter().position(|v| !(v.is_finite() && *v >= 0.0)) {
        return Err(Error::Invalid(format!(
            "sample_weight[{i}] is {}; weights must be finite and 0 or more",
            w[i]
        )));
    }
    if w.iter().all(|&v| v == 0.0) {
        return Err(Error::Invalid(
            "every sample_weight is 0: nothing to learn from".into(),
        ));
    }
    data.weights = Some(w.to_vec());
    Ok(data)
}

pub(crate) fn check_rows(x: ArrayView2<f32>, n_targets: usize) -> Result<()> {
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
pub(crate) fn targets_2d<D: Dimension>(y: ArrayView<f32, D>) -> Result<Array2<f32>> {
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
