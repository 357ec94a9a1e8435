//! The training loop: epochs of shuffled mini-batches, evaluation on held-out data after each.

use crate::data::{Dataset, Targets};
use crate::error::{Error, Result};
use crate::linalg::Float;
use crate::network::{Network, Workspace, argmax_rows};
use crate::optim::{Optim, Optimizer, Schedule};
use crate::two_cores::{self, Stage};
use ndarray::{Array2, ArrayView2, s};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use std::time::Instant;

/// How many mini-batches ahead the samples are prefetched into the caches: far enough for
/// memory to answer before they are needed.
pub(crate) const PREFETCH_AHEAD: usize = 2;

/// Hyper-parameters of training. The defaults are the lecture's: plain SGD, nothing else.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrainConfig {
    pub epochs: usize,
    /// `m`, samples per gradient step.
    pub batch_size: usize,
    /// `η`, the (initial) learning rate.
    pub eta: f64,
    /// Offer a checkpoint every this many mini-batches (besides every epoch's end).
    pub checkpoint_every: Option<usize>,
    pub optimizer: Optimizer,
    /// `λ` of L2 weight decay, `C = C₀ + λ/(2n) Σ w²` over the `n` training samples.
    pub l2: f64,
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
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            epochs: 30,
            batch_size: 10,
            eta: 3.0,
            checkpoint_every: None,
            optimizer: Optimizer::Sgd,
            l2: 0.0,
            dropout: 0.0,
            input_dropout: 0.0,
            schedule: Schedule::Constant,
            early_stopping: None,
            seed: 0,
            tol: 1e-4,
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
        if !(self.l2.is_finite() && self.l2 >= 0.0) {
            return Err(Error::Invalid(format!(
                "L2 weight decay must be 0 or more, got {}",
                self.l2
            )));
        }
        if self.early_stopping == Some(0) {
            return Err(Error::Invalid(
                "early stopping needs a patience of at least 1 epoch".into(),
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
    if net.n_outputs() != data.n_targets() {
        let targets = match data.targets {
            Targets::Classes => "classes",
            Targets::Inputs => "features to reproduce",
            Targets::Values(_) => "target values",
        };
        return Err(Error::Mismatch(format!(
            "the network's last layer has {} neurons but the {what} data has {} {targets}; \
             the last layer size must be {}",
            net.n_outputs(),
            data.n_targets(),
            data.n_targets()
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

/// What [`train`] tells its caller as it goes.
pub enum Event<'a, T> {
    /// An epoch ended and was evaluated.
    Epoch(&'a EpochReport),
    /// `done` of the epoch's `total` mini-batches are finished (sent about a hundred times per
    /// epoch, for progress bars).
    Batches { epoch: usize, done: usize, total: usize },
    /// A moment to save a checkpoint: every `checkpoint_every` mini-batches and at the end of
    /// every epoch. The network is finite here.
    Checkpoint(&'a Network<T>, &'a Progress, &'a Optim<T>),
}

/// The data of a training run.
#[derive(Debug, Clone, Copy)]
pub struct Sets<'a> {
    pub train: &'a Dataset,
    /// Scores each epoch for early stopping and the adaptive schedule.
    pub validation: Option<&'a Dataset>,
    /// Reported after each epoch; never used for any decision.
    pub test: Option<&'a Dataset>,
}

/// Trains `net` with mini-batch SGD from where `progress` stands up to `config.epochs` epochs.
/// Each epoch shuffles the samples with `progress.rng`; `on_event` hears of every epoch and
/// checkpoint moment, and an error it returns stops training. Stops with [`Error::Diverged`]
/// as soon as the cost or a weight stops being finite.
pub fn train<T: Float>(
    net: &mut Network<T>,
    sets: Sets<'_>,
    config: &TrainConfig,
    optim: &mut Optim<T>,
    progress: &mut Progress,
    mut on_event: impl FnMut(Event<'_, T>) -> Result<()>,
) -> Result<()> {
    config.validate()?;
    let train = sets.train;
    check_compatible(net, train, "training")?;
    for (set, what) in [(sets.validation, "validation"), (sets.test, "test")] {
        if let Some(set) = set {
            check_compatible(net, set, what)?;
        }
    }
    if train.is_empty() {
        return Err(Error::Invalid("the training data has no samples".into()));
    }

    let m = config.batch_size.min(train.len());
    let mut ws = Workspace::new(net, m);
    ws.set_dropout(net, config.input_dropout, config.dropout);
    let mut x = Array2::<T>::zeros((m, net.n_inputs()));
    let mut y = Array2::<T>::zeros((m, net.n_outputs()));
    let mut order: Vec<usize> = (0..train.len()).collect();

    while progress.epoch < config.epochs && !progress.stopped_early {
        let epoch = progress.epoch + 1;
        if let Schedule::Step { every, gamma } = config.schedule {
            optim.eta = config.eta * gamma.powi(((epoch - 1) / every) as i32);
        }
        let start = Instant::now();
        // The epoch's shuffle comes from the stream as it was at the epoch's start, so a
        // resumed epoch gets the same order.
        progress.rng = progress.epoch_rng.clone();
        order.iter_mut().enumerate().for_each(|(i, o)| *o = i);
        order.shuffle(&mut progress.rng);
        let batches: Vec<&[usize]> = order.chunks(m).collect();
        let report_every = batches.len().div_ceil(100).max(1);
        // To tell a stalled network (every gradient vanished) from a learning one.
        let weights_before: Vec<Array2<T>> = net.layers.iter().map(|l| l.weights.clone()).collect();
        // Small first layers train on two cores (see `two_cores`), to the same weights.
        let stage = two_cores::applies(net, config, m).then(|| Stage::new(net, m));
        std::thread::scope(|scope| {
            let mut pair = stage.as_ref().map(|stage| {
                let epoch = two_cores::Epoch {
                    train,
                    batches: &batches,
                    from: progress.step,
                };
                stage.start(scope, net, optim, epoch)
            });
            // The epoch's mini-batches, in a closure so that an early `?` still passes
            // through the `sync` below.
            let result = (|| {
                for b in progress.step..batches.len() {
                    let (batch, indices) = (b + 1, batches[b]);
                    let k = indices.len();
                    train.fill_batch(indices, x.view_mut(), y.view_mut());
                    if let Some(ahead) = batches.get(b + PREFETCH_AHEAD) {
                        train.prefetch(ahead);
                    }
                    if ws.dropout.is_some() {
                        // Masks from (seed, epoch, mini-batch): the same on a resumed run.
                        let stream = (epoch as u64) << 32 | batch as u64;
                        ws.draw_dropout(&mut ChaCha8Rng::seed_from_u64(splitmix(
                            config.seed ^ splitmix(stream),
                        )));
                    }
                    let (xk, yk) = (x.slice(s![..k, ..]), y.slice(s![..k, ..]));
                    let (cost, finite) = match pair.as_mut() {
                        Some(pair) => pair.step(net, optim, b, xk, yk, &mut ws),
                        None => optim.step(net, xk, yk, &mut ws),
                    };
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
                    if batch % report_every == 0 {
                        on_event(Event::Batches {
                            epoch,
                            done: batch,
                            total: batches.len(),
                        })?;
                    }
                    if config.checkpoint_every.is_some_and(|n| batch % n == 0) && batch < batches.len() {
                        if let Some(pair) = &pair {
                            pair.sync(net);
                        }
                        on_event(Event::Checkpoint(net, progress, optim))?;
                    }
                }
                Ok(())
            })();
            // The helper's neurons back into the network, whatever happened.
            if let Some(pair) = pair.take() {
                pair.sync(net);
            }
            result
        })?;
        if net
            .layers
            .iter()
            .zip(&weights_before)
            .all(|(l, w)| l.weights == *w)
        {
            return Err(Error::Stalled { epoch });
        }
        let seconds = start.elapsed().as_secs_f64();
        let classes = train.is_classification();
        let eval = sets
            .test
            .filter(|_| classes)
            .map(|t| evaluate(net, t))
            .transpose()?;
        let validation = sets
            .validation
            .filter(|_| classes)
            .map(|v| evaluate(net, v))
            .transpose()?;
        let error = |set: Option<&Dataset>| {
            set.filter(|_| !classes)
                .map(|d| reconstruction_error(net, d))
                .transpose()
        };
        let train_cost = progress.cost_sum / train.len() as f64;
        let report = EpochReport {
            epoch,
            train_cost,
            test_accuracy: eval.as_ref().map(Evaluation::accuracy),
            test_correct: eval.as_ref().map(|e| e.correct),
            test_total: eval.as_ref().map_or(0, |e| e.total),
            validation_accuracy: validation.as_ref().map(Evaluation::accuracy),
            test_error: error(sets.test)?,
            validation_error: error(sets.validation)?,
            eta: optim.eta,
            seconds,
        };

        // The score that early stopping and the adaptive schedule watch.
        let score = report
            .validation_accuracy
            .or(report.validation_error.map(|e| -e))
            .unwrap_or(-train_cost);
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
            if config.schedule == Schedule::Adaptive && progress.epochs_without_improvement.is_multiple_of(2)
            {
                optim.eta /= 5.0;
            }
            if config
                .early_stopping
                .is_some_and(|patience| progress.epochs_without_improvement >= patience)
            {
                progress.stopped_early = true;
            }
        }
        progress.epoch = epoch;
        progress.step = 0;
        progress.cost_sum = 0.0;
        progress.epoch_rng = progress.rng.clone();
        progress.history.epochs.push(report);
        on_event(Event::Epoch(progress.history.epochs.last().expect("just pushed")))?;
        on_event(Event::Checkpoint(net, progress, optim))?;
    }
    Ok(())
}

/// Mixes 64 bits into 64 well-spread bits (SplitMix64's finaliser), to seed independent streams.
fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
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
    let k = net.n_outputs();
    let parts = over_samples(
        net,
        data,
        || vec![vec![0usize; k]; k],
        |confusion, indices, outputs, _| {
            for (&i, predicted) in indices.iter().zip(argmax_rows(outputs)) {
                confusion[data.labels[i] as usize][predicted] += 1;
            }
        },
    );
    let mut confusion = vec![vec![0usize; k]; k];
    for part in parts {
        for (row, part_row) in confusion.iter_mut().zip(part) {
            row.iter_mut().zip(part_row).for_each(|(c, p)| *c += p);
        }
    }
    let correct = (0..k).map(|c| confusion[c][c]).sum();
    Ok(Evaluation {
        correct,
        total: data.len(),
        confusion,
    })
}

/// Mean squared error per output between the network's outputs and the samples' targets
/// (for an autoencoder: how well it reproduces its inputs).
pub fn reconstruction_error<T: Float>(net: &Network<T>, data: &Dataset) -> Result<f64> {
    check_compatible(net, data, "evaluation")?;
    let parts = over_samples(
        net,
        data,
        || 0.0f64,
        |sum, _, outputs, targets| {
            ndarray::Zip::from(outputs).and(targets).for_each(|&z, &t| {
                let d = (z - t).to_f64().unwrap_or(f64::NAN);
                *sum += d * d;
            });
        },
    );
    Ok(parts.iter().sum::<f64>() / (data.len() * data.n_targets()).max(1) as f64)
}

/// Feeds every sample forward, a chunk of rows at a time, and lets `visit` fold each chunk's
/// sample indices, outputs and targets into an accumulator made by `init`; returns one
/// accumulator per thread. Small networks run on two threads, each over half of the samples
/// in chunks small enough for the single-threaded kernels (each output row is computed on its
/// own, so the split changes no number); large ones on one thread in big chunks, where the
/// matrix product uses both cores itself.
fn over_samples<T: Float, A: Send>(
    net: &Network<T>,
    data: &Dataset,
    init: impl Fn() -> A + Sync,
    visit: impl Fn(&mut A, &[usize], ArrayView2<T>, ArrayView2<T>) + Sync,
) -> Vec<A> {
    const LARGE_CHUNK: usize = 1000;
    let widest = net
        .layers
        .iter()
        .map(|l| l.weights.len())
        .max()
        .unwrap_or(1)
        .max(1);
    // As many rows as the single-threaded kernels take (89 for 784-30-10).
    let small_chunk = crate::linalg::small::MAX_MACS / widest;
    let two = crate::linalg::threads() >= 2;
    let (threads, chunk) = if small_chunk >= 16 && two && data.len() >= 16 * small_chunk {
        (2, small_chunk.min(256))
    } else {
        (1, LARGE_CHUNK)
    };
    let indices: Vec<usize> = (0..data.len()).collect();
    let run = |part: &[usize]| {
        let rows = chunk.min(part.len()).max(1);
        let mut ws = Workspace::new(net, rows);
        let mut x = Array2::<T>::zeros((rows, net.n_inputs()));
        let mut y = Array2::<T>::zeros((rows, data.n_targets()));
        let mut acc = init();
        for c in part.chunks(rows) {
            data.fill_batch(c, x.view_mut(), y.view_mut());
            let out = net.feedforward_batch(x.slice(s![..c.len(), ..]), &mut ws);
            visit(&mut acc, c, out, y.slice(s![..c.len(), ..]));
        }
        acc
    };
    if threads == 1 {
        return vec![run(&indices)];
    }
    let (first, second) = indices.split_at(indices.len() / 2);
    std::thread::scope(|scope| {
        let other = scope.spawn(|| run(second));
        let mine = run(first);
        vec![mine, other.join().expect("evaluation thread")]
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Features;
    use crate::network::Init;

    fn data() -> Dataset {
        Dataset {
            features: Features::Pixels(Array2::from_shape_fn((40, 6), |(i, j)| {
                ((i * 5 + j * 3) % 7 * 40) as u8
            })),
            labels: (0..40).map(|i| (i % 3) as u8).collect(),
            n_classes: 3,
            targets: crate::data::Targets::Classes,
        }
    }

    /// A fresh 6-4-3 network, its optimizer and progress, from `seed`.
    fn start(config: &TrainConfig, seed: u64) -> (Network<f32>, Optim<f32>, Progress) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let net: Network<f32> = Network::new(&[6, 4, 3], Init::StandardNormal, &mut rng).unwrap();
        let optim = Optim::new(config.optimizer, config.eta, config.l2 / 40.0, &net);
        (net, optim, Progress::new(rng))
    }

    #[test]
    fn a_non_finite_weight_stops_training_at_once() {
        let config = TrainConfig {
            epochs: 3,
            batch_size: 4,
            ..TrainConfig::default()
        };
        let (mut net, mut optim, mut progress) = start(&config, 0);
        net.layers[0].weights[[1, 2]] = f32::INFINITY;
        let d = data();
        let sets = Sets {
            train: &d,
            validation: None,
            test: None,
        };
        let err = train(&mut net, sets, &config, &mut optim, &mut progress, |_| Ok(())).unwrap_err();
        match err {
            Error::Diverged {
                epoch: 1, batch: 1, ..
            } => {}
            other => panic!("expected divergence at epoch 1, mini-batch 1, got {other}"),
        }
    }

    #[test]
    fn resuming_from_any_point_gives_the_same_network() {
        // Momentum (state), dropout (masks) and a step schedule all have to survive a resume.
        let config = TrainConfig {
            epochs: 3,
            batch_size: 4,
            eta: 0.5,
            checkpoint_every: Some(3),
            optimizer: Optimizer::Nesterov { mu: 0.9 },
            dropout: 0.3,
            input_dropout: 0.1,
            l2: 0.1,
            schedule: Schedule::Step { every: 1, gamma: 0.5 },
            ..TrainConfig::default()
        };
        let d = data();
        let sets = Sets {
            train: &d,
            validation: Some(&d),
            test: None,
        };
        let (mut whole, mut optim, mut p) = start(&config, 9);
        let mut snapshots = Vec::new();
        train(&mut whole, sets, &config, &mut optim, &mut p, |e| {
            if let Event::Checkpoint(n, p, o) = e {
                snapshots.push((n.clone(), p.clone(), o.clone()));
            }
            Ok(())
        })
        .unwrap();
        assert!(snapshots.len() >= 9);
        for (mut net, mut progress, mut optim) in snapshots {
            train(&mut net, sets, &config, &mut optim, &mut progress, |_| Ok(())).unwrap();
            assert_eq!(net, whole);
            assert_eq!(progress.history.epochs.len(), 3);
        }
    }

    #[test]
    fn early_stopping_stops_when_validation_stalls() {
        let config = TrainConfig {
            epochs: 50,
            batch_size: 4,
            eta: 1e-4,
            early_stopping: Some(2),
            ..TrainConfig::default()
        };
        let d = data();
        let sets = Sets {
            train: &d,
            validation: Some(&d),
            test: None,
        };
        let (mut net, mut optim, mut progress) = start(&config, 1);
        train(&mut net, sets, &config, &mut optim, &mut progress, |_| Ok(())).unwrap();
        // With a tiny learning rate the accuracy cannot improve for long.
        assert!(
            progress.stopped_early && progress.epoch < 50,
            "ran {} epochs",
            progress.epoch
        );
    }
}
