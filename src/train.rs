//! The training loop: epochs of shuffled mini-batches, evaluation on held-out data after each.

use crate::data::Dataset;
use crate::error::{Error, Result};
use crate::linalg::Float;
use crate::network::{Network, Workspace, argmax_rows};
use crate::optim::Sgd;
use ndarray::{Array2, s};
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
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
    /// Offer a checkpoint every this many mini-batches (besides every epoch's end).
    pub checkpoint_every: Option<usize>,
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            epochs: 30,
            batch_size: 10,
            eta: 3.0,
            checkpoint_every: None,
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
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct EpochReport {
    pub epoch: usize,
    /// Mean cost per training sample, each measured in the step that used it (before its update).
    pub train_cost: f64,
    /// Fraction of the held-out samples classified correctly after the epoch.
    pub test_accuracy: Option<f64>,
    /// Held-out samples classified correctly, and their number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub test_correct: Option<usize>,
    pub test_total: usize,
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
        }
    }
}

/// What [`train`] tells its caller as it goes.
pub enum Event<'a, T> {
    /// An epoch ended and was evaluated.
    Epoch(&'a EpochReport),
    /// A moment to save a checkpoint: every `checkpoint_every` mini-batches and at the end of
    /// every epoch. The network is finite here.
    Checkpoint(&'a Network<T>, &'a Progress),
}

/// Trains `net` with mini-batch SGD from where `progress` stands up to `config.epochs` epochs.
/// Each epoch shuffles the samples with `progress.rng`; `on_event` hears of every epoch and
/// checkpoint moment, and an error it returns stops training. Stops with [`Error::Diverged`]
/// as soon as the cost or a weight stops being finite.
pub fn train<T: Float>(
    net: &mut Network<T>,
    train: &Dataset,
    test: Option<&Dataset>,
    config: &TrainConfig,
    progress: &mut Progress,
    mut on_event: impl FnMut(Event<'_, T>) -> Result<()>,
) -> Result<()> {
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

    while progress.epoch < config.epochs {
        let epoch = progress.epoch + 1;
        let start = Instant::now();
        // The epoch's shuffle comes from the stream as it was at the epoch's start, so a
        // resumed epoch gets the same order.
        progress.rng = progress.epoch_rng.clone();
        order.iter_mut().enumerate().for_each(|(i, o)| *o = i);
        order.shuffle(&mut progress.rng);
        let batches: Vec<&[usize]> = order.chunks(m).collect();
        // To tell a stalled network (every gradient vanished) from a learning one.
        let weights_before: Vec<Array2<T>> = net.layers.iter().map(|l| l.weights.clone()).collect();
        for b in progress.step..batches.len() {
            let (batch, indices) = (b + 1, batches[b]);
            let k = indices.len();
            train.fill_batch(indices, x.view_mut(), y.view_mut());
            if let Some(ahead) = batches.get(b + PREFETCH_AHEAD) {
                train.prefetch(ahead);
            }
            let (cost, finite) = sgd.step(net, x.slice(s![..k, ..]), y.slice(s![..k, ..]), &mut ws);
            let cost = cost.to_f64().unwrap_or(f64::NAN);
            if !finite {
                return Err(Error::Diverged {
                    epoch,
                    batch,
                    what: "a weight",
                });
            }
            if !cost.is_finite() {
                return Err(Error::Diverged {
                    epoch,
                    batch,
                    what: "the cost",
                });
            }
            progress.cost_sum += cost;
            progress.step = batch;
            if config.checkpoint_every.is_some_and(|n| batch % n == 0) && batch < batches.len() {
                if !net.is_finite() {
                    return Err(Error::Diverged {
                        epoch,
                        batch,
                        what: "a weight",
                    });
                }
                on_event(Event::Checkpoint(net, progress))?;
            }
        }
        if !net.is_finite() {
            return Err(Error::Diverged {
                epoch,
                batch: batches.len(),
                what: "a weight",
            });
        }
        if net
            .layers
            .iter()
            .zip(&weights_before)
            .all(|(l, w)| l.weights == *w)
        {
            return Err(Error::Stalled { epoch });
        }
        let seconds = start.elapsed().as_secs_f64();
        let eval = test.map(|t| evaluate(net, t)).transpose()?;
        let report = EpochReport {
            epoch,
            train_cost: progress.cost_sum / train.len() as f64,
            test_accuracy: eval.as_ref().map(Evaluation::accuracy),
            test_correct: eval.as_ref().map(|e| e.correct),
            test_total: eval.as_ref().map_or(0, |e| e.total),
            seconds,
        };
        progress.epoch = epoch;
        progress.step = 0;
        progress.cost_sum = 0.0;
        progress.epoch_rng = progress.rng.clone();
        progress.history.epochs.push(report);
        on_event(Event::Epoch(progress.history.epochs.last().expect("just pushed")))?;
        on_event(Event::Checkpoint(net, progress))?;
    }
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Features;
    use crate::network::Init;
    use rand::SeedableRng;

    fn data() -> Dataset {
        Dataset {
            features: Features::Pixels(Array2::from_shape_fn((40, 6), |(i, j)| {
                ((i * 5 + j * 3) % 7 * 40) as u8
            })),
            labels: (0..40).map(|i| (i % 3) as u8).collect(),
            n_classes: 3,
        }
    }

    #[test]
    fn a_non_finite_weight_stops_training_at_once() {
        let mut rng = ChaCha8Rng::seed_from_u64(0);
        let mut net: Network<f32> = Network::new(&[6, 4, 3], Init::StandardNormal, &mut rng).unwrap();
        net.layers[0].weights[[1, 2]] = f32::INFINITY;
        let config = TrainConfig {
            epochs: 3,
            batch_size: 4,
            ..TrainConfig::default()
        };
        let mut progress = Progress::new(rng);
        let err = train(&mut net, &data(), None, &config, &mut progress, |_| Ok(())).unwrap_err();
        match err {
            Error::Diverged {
                epoch: 1, batch: 1, ..
            } => {}
            other => panic!("expected divergence at epoch 1, mini-batch 1, got {other}"),
        }
    }

    #[test]
    fn resuming_from_any_point_gives_the_same_network() {
        let config = TrainConfig {
            epochs: 3,
            batch_size: 4,
            eta: 0.5,
            checkpoint_every: Some(3),
        };
        let fresh = || {
            let mut rng = ChaCha8Rng::seed_from_u64(9);
            let net: Network<f32> = Network::new(&[6, 4, 3], Init::StandardNormal, &mut rng).unwrap();
            (net, Progress::new(rng))
        };
        let (mut whole, mut p) = fresh();
        let mut snapshots = Vec::new();
        train(&mut whole, &data(), None, &config, &mut p, |e| {
            if let Event::Checkpoint(n, p) = e {
                snapshots.push((n.clone(), p.clone()));
            }
            Ok(())
        })
        .unwrap();
        assert!(snapshots.len() >= 9);
        for (net, progress) in snapshots {
            let (mut net, mut progress) = (net, progress);
            train(&mut net, &data(), None, &config, &mut progress, |_| Ok(())).unwrap();
            assert_eq!(net, whole);
            assert_eq!(progress.history.epochs.len(), 3);
        }
    }
}
