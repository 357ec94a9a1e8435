//! What an epoch leaves: its report, the history, where training stands, and the decisions
//! taken from them (the learning-rate schedule, early stopping).

use super::config::TrainConfig;
use crate::optim::{Optim, Schedule};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// What happened in one epoch.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct EpochReport {
    pub epoch: usize,
    /// Mean cost per training sample, each measured in the step that used it (before its
    /// update), plus with weight decay the L2 term `(λ/2n) Σ w²` of the epoch's final weights:
    /// the regularised cost (scikit-learn's `loss_`).
    pub train_cost: f64,
    /// Fraction of the held-out samples classified correctly after the epoch.
    pub test_accuracy: Option<f64>,
    /// Held-out samples classified correctly, and their number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub test_correct: Option<usize>,
    pub test_total: usize,
    /// Fraction of the validation samples classified correctly after the epoch.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub validation_accuracy: Option<f64>,
    /// Autoencoders: mean squared reconstruction error per output on the test samples.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub test_error: Option<f64>,
    /// Autoencoders: the same on the validation samples.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub validation_error: Option<f64>,
    /// The learning rate used in this epoch.
    #[serde(default)]
    pub eta: f64,
    /// Seconds spent training in this epoch (evaluation excluded).
    pub seconds: f64,
}

/// The reports of every epoch, as written by `--history`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
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

/// Where training stands: everything needed to continue it exactly as if it had never stopped.
#[derive(Debug, Clone, PartialEq)]
pub struct Progress {
    /// The random stream; between epochs it is where the next epoch's shuffle starts.
    pub rng: ChaCha8Rng,
    /// The stream as it was when the current epoch began (its shuffle is drawn from here).
    pub epoch_rng: ChaCha8Rng,
    /// Epochs finished.
    pub epoch: usize,
    /// Mini-batches finished in the current epoch.
    pub step: usize,
    /// `Σ_x C_x` over the current epoch's finished mini-batches.
    pub cost_sum: f64,
    pub history: History,
    /// The best epoch score so far (validation accuracy, else minus the training cost).
    pub best_score: Option<f64>,
    /// Epochs since the score last improved.
    pub epochs_without_improvement: usize,
    /// True when early stopping ended training.
    pub stopped_early: bool,
}

impl Progress {
    /// The start of training, drawing from `rng` (already used for the initial weights).
    pub fn new(rng: ChaCha8Rng) -> Self {
        Progress {
            epoch_rng: rng.clone(),
            rng,
            epoch: 0,
            step: 0,
            cost_sum: 0.0,
            history: History::default(),
            best_score: None,
            epochs_without_improvement: 0,
            stopped_early: false,
        }
    }
}

/// η for `epoch` (from 1) under a step schedule: `η₀ γ^⌊(epoch−1)/every⌋`, from the
/// optimizer's initial rate. Other schedules leave η as it is.
pub(crate) fn schedule_eta<T>(optim: &mut Optim<T>, config: &TrainConfig, epoch: usize, samples: usize) {
    match config.schedule {
        Schedule::Step { every, gamma } => {
            optim.eta = optim.initial_eta * gamma.powi(((epoch - 1) / every) as i32);
        }
        Schedule::InvScaling { power_t } => {
            // As scikit-learn: η₀ in the first epoch; then t counts the samples seen so far.
            let t = if epoch == 1 {
                0.0
            } else {
                ((epoch - 1) * samples) as f64
            };
            optim.eta = optim.initial_eta / (t + 1.0).powf(power_t);
        }
        Schedule::Constant | Schedule::Adaptive => {}
    }
}

/// Records a finished epoch in `progress` and takes the decisions it calls for: the score
/// (validation accuracy, else minus the validation error, else minus the training cost)
/// against the best so far, the adaptive schedule's cut of η, early stopping. Leaves
/// `progress` at the start of the next epoch.
pub(crate) fn record<T>(
    progress: &mut Progress,
    report: EpochReport,
    config: &TrainConfig,
    optim: &mut Optim<T>,
) {
    let score = report
        .validation_accuracy
        .or(report.validation_error.map(|e| -e))
        .unwrap_or(-report.train_cost);
    // scikit-learn's rule: an epoch counts as no improvement unless it beats the best
    // score so far by more than `tol`; the best score follows every improvement.
    let improved = progress.best_score.is_none_or(|best| score > best + config.tol);
    if progress.best_score.is_none_or(|best| score > best) {
        progress.best_score = Some(score);
    }
    if improved {
        progress.epochs_without_improvement = 0;
    } else {
        progress.epochs_without_improvement += 1;
        if config.schedule == Schedule::Adaptive && progress.epochs_without_improvement.is_multiple_of(2) {
            optim.eta /= 5.0;
        }
        if config
            .early_stopping
            .is_some_and(|patience| progress.epochs_without_improvement >= patience)
        {
            progress.stopped_early = true;
        }
    }
    progress.epoch = report.epoch;
    progress.step = 0;
    progress.cost_sum = 0.0;
    progress.epoch_rng = progress.rng.clone();
    progress.history.epochs.push(report);
}
