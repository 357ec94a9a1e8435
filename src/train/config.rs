//! The configuration of a training run, apart from its optimizer.

use crate::data::augment::Distortion;
use crate::error::{Error, Result};
use crate::optim::Schedule;

/// How training walks the data and when it stops: everything about a run but the update rule,
/// which the [`crate::optim::Optim`] handed to [`super::train`] owns alone (rule, η, μ, λ, state).
/// The defaults are the lecture's: 30 epochs of mini-batches of 10, nothing else.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrainConfig {
    pub epochs: usize,
    /// `m`, samples per gradient step.
    pub batch_size: usize,
    /// Offer a checkpoint every this many mini-batches (besides every epoch's end).
    pub checkpoint_every: Option<usize>,
    /// Drop probability of every hidden neuron in training (inverted dropout).
    pub dropout: f64,
    /// Drop probability of every input in training.
    pub input_dropout: f64,
    pub schedule: Schedule,
    /// Stop after this many epochs without a better score: the validation accuracy (or error)
    /// when there is validation data, else the training cost (scikit-learn's
    /// `n_iter_no_change`). Better means by more than 1e-4.
    pub early_stopping: Option<usize>,
    /// Seeds the dropout masks (each mini-batch's from the seed, epoch and mini-batch).
    pub seed: u64,
    /// The least gain in score that counts as an improvement (early stopping, adaptive).
    pub tol: f64,
    /// Shuffle the samples at each epoch's start (else every epoch walks them in order).
    pub shuffle: bool,
    /// Train on fresh distortions of the training images in every epoch (never the
    /// validation or test images).
    pub augment: Option<Distortion>,
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            epochs: 30,
            batch_size: 10,
            checkpoint_every: None,
            dropout: 0.0,
            input_dropout: 0.0,
            schedule: Schedule::Constant,
            early_stopping: None,
            seed: 0,
            tol: 1e-4,
            shuffle: true,
            augment: None,
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
        if self.checkpoint_every == Some(0) {
            return Err(Error::Invalid(
                "checkpoint interval must be at least 1 mini-batch".into(),
            ));
        }
        for (name, p) in [("dropout", self.dropout), ("input dropout", self.input_dropout)] {
            if !(0.0..1.0).contains(&p) {
                return Err(Error::Invalid(format!("{name} must be in [0, 1), got {p}")));
            }
        }
        if let Some(d) = &self.augment {
            d.validate()?;
        }
        if self.early_stopping == Some(0) {
            return Err(Error::Invalid(
                "early stopping needs a patience of at least 1 epoch".into(),
            ));
        }
        Ok(())
    }
}
