//! The training loop: epochs of shuffled mini-batches, evaluation on held-out data after each.

use crate::data::Dataset;
use crate::error::{Error, Result};
use crate::linalg::Float;
use crate::network::{Network, Workspace, argmax_rows};
use crate::optim::Sgd;
use ndarray::{Array2, s};
use rand::Rng;
use rand::seq::SliceRandom;
use serde::Serialize;
use std::time::Instant;

/// How many mini-batches ahead the samples are prefetched into the caches: far enough for
/// memory to answer before they are needed.
const PREFETCH_AHEAD: usize = 2;

/// Hyper-parameters of mini-batch SGD. The defaults are the lecture's.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrainConfig {
    pub epochs: usize,
    /// `m`, samples per gradient step.
    pub batch_size: usize,
    /// `η`, the learning rate.
    pub eta: f64,
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            epochs: 30,
            batch_size: 10,
            eta: 3.0,
        }
    }
}

impl TrainConfig {
    pub fn validate(&self) -> Result<()> {
        if self.epochs == 0 {
            return Err(Error::Invalid("epochs must be at least 1".into()));
        }
        if self.batch_size == 0 {
            return Err(Error::Invalid("batch size must be at least 1".into()));
        }
        if !(self.eta.is_finite() && self.eta > 0.0) {
            return Err(Error::Invalid(format!(
                "learning rate eta must be a positive number, got {}",
                self.eta
            )));
        }
        Ok(())
    }
}

/// What happened in one epoch.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct EpochReport {
    pub epoch: usize,
    /// Mean cost per training sample, each measured in the step that used it (before its update).
    pub train_cost: f64,
    /// Fraction of the held-out samples classified correctly after the epoch.
    pub test_accuracy: Option<f64>,
    #[serde(skip)]
    pub test_correct: Option<usize>,
    #[serde(skip)]
    pub test_total: usize,
    /// Seconds spent training in this epoch (evaluation excluded).
    pub seconds: f64,
}

/// The reports of every epoch, as written by `--history`.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct History {
    pub epochs: Vec<EpochReport>,
}

impl History {
    /// The epoch with the highest test accuracy (the first, on ties).
    pub fn best(&self) -> Option<&EpochReport> {
        self.epochs.iter().filter(|e| e.test_accuracy.is_some()).fold(
            None,
            |best: Option<&EpochReport>, e| match best {
                Some(b) if b.test_accuracy >= e.test_accuracy => Some(b),
                _ => Some(e),
            },
        )
    }
}

/// Checks that a network can be trained or evaluated on a data set.
pub fn check_compatible<T: Float>(net: &Network<T>, data: &Dataset, what: &str) -> Result<()> {
    if net.n_inputs() != data.n_features() {
        return Err(Error::Mismatch(format!(
            "the network's first layer has {} inputs but the {what} data has {} features per sample; \
             the first layer size must be {}",
            net.n_inputs(),
            data.n_features(),
            data.n_features()
        )));
    }
    if net.n_outputs() != data.n_classes {
        return Err(Error::Mismatch(format!(
            "the network's last layer has {} neurons but the {what} data has {} classes; \
             the last layer size must be {}",
            net.n_outputs(),
            data.n_classes,
            data.n_classes
        )));
    }
    Ok(())
}

/// Trains `net` with mini-batch SGD. `rng` shuffles the samples each epoch; `on_epoch` sees
/// each epoch's report as soon as it is made. Stops with [`Error::Diverged`] as soon as the
/// cost or a weight stops being finite, leaving `net` as it was after the last good step.
pub fn train<T: Float>(
    net: &mut Network<T>,
    train: &Dataset,
    test: Option<&Dataset>,
    config: &TrainConfig,
    rng: &mut impl Rng,
    mut on_epoch: impl FnMut(&EpochReport),
) -> Result<History> {
    config.validate()?;
    check_compatible(net, train, "training")?;
    if let Some(test) = test {
        check_compatible(net, test, "test")?;
    }
    if train.is_empty() {
        return Err(Error::Invalid("the training data has no samples".into()));
    }

    let m = config.batch_size.min(train.len());
    let mut ws = Workspace::new(net, m);
    let mut x = Array2::<T>::zeros((m, net.n_inputs()));
    let mut y = Array2::<T>::zeros((m, net.n_outputs()));
    let mut sgd = Sgd { eta: config.eta };
    let mut order: Vec<usize> = (0..train.len()).collect();
    let mut history = History::default();

    for epoch in 1..=config.epochs {
        let start = Instant::now();
        order.shuffle(rng);
        let mut total_cost = 0.0f64;
        let batches: Vec<&[usize]> = order.chunks(m).collect();
        for (b, indices) in batches.iter().enumerate() {
            let batch = b + 1;
            let k = indices.len();
            train.fill_batch(indices, x.view_mut(), y.view_mut());
            if let Some(ahead) = batches.get(b + PREFETCH_AHEAD) {
                train.prefetch(ahead);
            }
            let cost = sgd.step(net, x.slice(s![..k, ..]), y.slice(s![..k, ..]), &mut ws);
            let cost = cost.to_f64().unwrap_or(f64::NAN);
            if !cost.is_finite() {
                return Err(Error::Diverged {
                    epoch,
                    batch,
                    what: "the cost",
                });
            }
            total_cost += cost;
        }
        if !net.is_finite() {
            return Err(Error::Diverged {
                epoch,
                batch: order.len().div_ceil(m),
                what: "a weight",
            });
        }
        let seconds = start.elapsed().as_secs_f64();
        let eval = test.map(|t| evaluate(net, t)).transpose()?;
        let report = EpochReport {
            epoch,
            train_cost: total_cost / train.len() as f64,
            test_accuracy: eval.as_ref().map(Evaluation::accuracy),
            test_correct: eval.as_ref().map(|e| e.correct),
            test_total: eval.as_ref().map_or(0, |e| e.total),
            seconds,
        };
        on_epoch(&report);
        history.epochs.push(report);
    }
    Ok(history)
}

/// Classification results on a data set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluation {
    pub correct: usize,
    pub total: usize,
    /// `confusion[true][predicted]`: how many samples of each class went to each prediction.
    pub confusion: Vec<Vec<usize>>,
}

impl Evaluation {
    pub fn accuracy(&self) -> f64 {
        if self.total == 0 {
            0.0
        } else {
            self.correct as f64 / self.total as f64
        }
    }
}

/// Classifies every sample (the output neuron with the highest activation wins).
pub fn evaluate<T: Float>(net: &Network<T>, data: &Dataset) -> Result<Evaluation> {
    check_compatible(net, data, "evaluation")?;
    const CHUNK: usize = 1000;
    let k = net.n_outputs();
    let mut confusion = vec![vec![0usize; k]; k];
    let rows = CHUNK.min(data.len()).max(1);
    let mut ws = Workspace::new(net, rows);
    let mut x = Array2::<T>::zeros((rows, net.n_inputs()));
    let mut y = Array2::<T>::zeros((rows, data.n_classes));
    let indices: Vec<usize> = (0..data.len()).collect();
    for chunk in indices.chunks(rows) {
        data.fill_batch(chunk, x.view_mut(), y.view_mut());
        let out = net.feedforward_batch(x.slice(s![..chunk.len(), ..]), &mut ws);
        for (&i, predicted) in chunk.iter().zip(argmax_rows(out)) {
            confusion[data.labels[i] as usize][predicted] += 1;
        }
    }
    let correct = (0..k).map(|c| confusion[c][c]).sum();
    Ok(Evaluation {
        correct,
        total: data.len(),
        confusion,
    })
}
