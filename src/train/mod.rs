//! The training loop: epochs of shuffled mini-batches, evaluation on held-out data after each.
//!
//! One epoch, through the files of this module:
//! - [`walk`]: the epoch's shuffle, its mini-batches and their dropout masks;
//! - [`step`]: one step per mini-batch, on one core or with the first layer split across two
//!   ([`split`]), chosen in one place; the update rule is the [`Optim`]'s alone;
//! - [`evaluate`]: the network scored on the validation and test data;
//! - [`record`]: the epoch's report kept, the schedule and early stopping decided.

mod config;
mod evaluate;
mod record;
mod spec;
mod split;
mod step;
mod walk;

pub use config::TrainConfig;
pub use evaluate::{Evaluation, check_compatible, evaluate, r_squared, reconstruction_error};
pub use record::{EpochReport, History, Progress};
pub use spec::{Difference, RunSpec};

use crate::data::augment::Distorter;
use crate::data::standardize::Standardizer;
use crate::data::{Dataset, Targets};
use crate::error::{Error, Result};
use crate::linalg::Float;
use crate::network::{Network, Workspace};
use crate::optim::Optim;
use ndarray::Array2;
use split::Epoch;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, sync_channel};
use std::time::Instant;
use step::{Backoff, Stepper};
use walk::Batches;

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
/// Set from a signal handler (an atomic store is all a handler may safely do); training
/// stops at the next mini-batch.
static STOP: AtomicBool = AtomicBool::new(false);

/// Asks every running [`train`] to stop after its current mini-batch, with a checkpoint
/// moment first, and return [`Error::Interrupted`]. Safe to call from a signal handler.
pub fn request_stop() {
    STOP.store(true, Ordering::SeqCst);
}

fn stop_requested() -> bool {
    STOP.load(Ordering::SeqCst)
}

#[derive(Debug, Clone, Copy)]
pub struct Sets<'a> {
    pub train: &'a Dataset,
    /// Scores each epoch for early stopping and the adaptive schedule.
    pub validation: Option<&'a Dataset>,
    /// Reported after each epoch; never used for any decision.
    pub test: Option<&'a Dataset>,
}

/// Trains `net` by `optim` (its rule, learning rate, weight decay and state) from where
/// `progress` stands up to `config.epochs` epochs. Each epoch shuffles the samples with
/// `progress.rng`; `on_event` hears of every epoch and checkpoint moment, and an error it
/// returns stops training. Stops with [`Error::Diverged`] as soon as the cost or a weight
/// stops being finite, and with [`Error::Stalled`] after an epoch that changed no weight.
pub fn train<T: Float>(
    net: &mut Network<T>,
    sets: Sets<'_>,
    config: &TrainConfig,
    optim: &mut Optim<T>,
    progress: &mut Progress,
    on_event: impl FnMut(Event<'_, T>) -> Result<()>,
) -> Result<()> {
    train_standardized(net, sets, None, config, optim, progress, on_event)
}

/// [`train`], told that the training features are values standardised by `standardizer`
/// (the estimators'), so that the distortions of `config.augment` act on the raw values:
/// each image is mapped back, distorted and standardised again ([`Distorter::with_standardizer`]).
/// `None` is [`train`]. A parameter of its own rather than a field of [`TrainConfig`], which
/// is `Copy` (a standardiser holds two arrays), or of [`Sets`], built in many places that
/// never distort: only the estimators need it.
pub fn train_standardized<T: Float>(
    net: &mut Network<T>,
    sets: Sets<'_>,
    standardizer: Option<&Standardizer>,
    config: &TrainConfig,
    optim: &mut Optim<T>,
    progress: &mut Progress,
    mut on_event: impl FnMut(Event<'_, T>) -> Result<()>,
) -> Result<()> {
    config.validate()?;
    optim.validate()?;
    check_sets(net, sets)?;
    let m = config.batch_size.min(sets.train.len());
    let mut ws = Workspace::new(net, m);
    let mut backoff = Backoff::default();
    ws.set_dropout(net, config.input_dropout, config.dropout);
    let distorter = config
        .augment
        .map(|d| {
            let distorter = Distorter::for_images(d, sets.train)?;
            match standardizer {
                Some(s) => distorter.with_standardizer(s.clone()),
                None => Ok(distorter),
            }
        })
        .transpose()?;
    std::thread::scope(|scope| {
        // The epochs' distorted training sets, made one epoch ahead on a thread of their own
        // while the network trains on the last one.
        let distorted = distorter.map(|d| {
            distortions(
                scope,
                d,
                sets.train,
                config.seed,
                progress.epoch + 1..=config.epochs,
            )
        });
        while progress.epoch < config.epochs && !progress.stopped_early {
            if stop_requested() {
                // Between epochs: the last one's checkpoint moment has just passed.
                return Err(Error::Interrupted {
                    epoch: progress.epoch,
                    batch: progress.step,
                });
            }
            let epoch = progress.epoch + 1;
            record::schedule_eta(optim, config, epoch, sets.train.len());
            let start = Instant::now();
            let epoch_set = match &distorted {
                Some(sets) => Some(sets.recv().map_err(|_| {
                    Error::Invalid(format!("the distortions of epoch {epoch} were not made"))
                })?),
                None => None,
            };
            let mut batches = Batches::new(epoch_set.as_ref().unwrap_or(sets.train), m);
            // The epoch's shuffle comes from the stream as it was at the epoch's start, so a
            // resumed epoch gets the same order.
            progress.rng = progress.epoch_rng.clone();
            if config.shuffle {
                batches.shuffle(&mut progress.rng);
            }
            run_epoch(
                net,
                &batches,
                &mut ws,
                config,
                optim,
                progress,
                &mut backoff,
                &mut on_event,
            )?;
            let seconds = start.elapsed().as_secs_f64();
            if epoch == 1 && outputs_pinned(net, sets.train) {
                return Err(Error::Saturated { epoch });
            }
            let report = evaluate_epoch(net, sets, progress, optim, seconds)?;
            record::record(progress, report, config, optim);
            on_event(Event::Epoch(
                progress.history.epochs.last().expect("just recorded"),
            ))?;
            on_event(Event::Checkpoint(net, progress, optim))?;
        }
        Ok(())
    })
}

/// Starts a thread that distorts the training set `data` for each epoch of `epochs` in turn,
/// one ahead of the one being trained; it stops when the receiver is dropped.
fn distortions<'s>(
    scope: &'s std::thread::Scope<'s, '_>,
    mut distorter: Distorter,
    data: &'s Dataset,
    seed: u64,
    epochs: std::ops::RangeInclusive<usize>,
) -> Receiver<Dataset> {
    let (tx, rx) = sync_channel(1);
    scope.spawn(move || {
        for epoch in epochs {
            if tx.send(distorter.distorted_set(data, seed, epoch)).is_err() {
                break;
            }
        }
    });
    rx
}

/// Whether every output of (up to) 100 training samples is pinned at its
/// activation's limit, the same for all of them: weights blown up by a huge learning rate
/// still change by tiny amounts,
/// so the check of unchanged weights misses them, but such a network answers the same for
/// every input. Asked after the first epoch only, when no network that learns is anywhere
/// near so saturated.
fn outputs_pinned<T: Float>(net: &Network<T>, train: &Dataset) -> bool {
    let output = net.layers.last().expect("validated").activation;
    // Only where the output delta carries f'(a) (the quadratic cost) does saturation end
    // learning: with cross-entropy or log-likelihood δ = z − y, and a pinned network recovers.
    if !output.pinned(T::one()) || net.cost.requires().is_some() {
        return false;
    }
    // Spread over the whole set: data sorted by class would otherwise give one class only.
    let k = train.len().min(100);
    let rows: Vec<usize> = (0..k).map(|i| i * train.len() / k).collect();
    let mut x = Array2::<T>::zeros((rows.len(), net.n_inputs()));
    let mut y = Array2::<T>::zeros((rows.len(), train.n_targets()));
    train.fill_batch(&rows, x.view_mut(), y.view_mut());
    let mut ws = Workspace::new(net, rows.len());
    let out = net.feedforward_batch(x.view(), &mut ws);
    // Pinned, and at the same limits for every sample: a network with unscaled inputs may
    // saturate early but still tells its inputs apart.
    let first = out.row(0);
    out.iter().all(|&z| output.pinned(z))
        && out
            .rows()
            .into_iter()
            .all(|row| row.iter().zip(first).all(|(&z, &z0)| (z - z0).abs() < T::one()))
}

/// Every data set fits the network, and there is something to train on.
fn check_sets<T: Float>(net: &Network<T>, sets: Sets<'_>) -> Result<()> {
    check_compatible(net, sets.train, "training")?;
    for (set, what) in [(sets.validation, "validation"), (sets.test, "test")] {
        if let Some(set) = set {
            check_compatible(net, set, what)?;
        }
    }
    if sets.train.is_empty() {
        return Err(Error::Invalid("the training data has no samples".into()));
    }
    Ok(())
}

/// The mini-batches of epoch `progress.epoch + 1`, from `progress.step` on (not 0 when
/// resuming mid-epoch): one step of `optim` each, progress and checkpoint moments reported.
/// `backoff` says whether the epoch may try two cores, and hears how that went.
#[allow(clippy::too_many_arguments)]
fn run_epoch<T: Float>(
    net: &mut Network<T>,
    batches: &Batches<'_>,
    ws: &mut Workspace<T>,
    config: &TrainConfig,
    optim: &mut Optim<T>,
    progress: &mut Progress,
    backoff: &mut Backoff,
    on_event: &mut impl FnMut(Event<'_, T>) -> Result<()>,
) -> Result<()> {
    let (epoch, from, total) = (progress.epoch + 1, progress.step, batches.len());
    let m = ws.capacity();
    let mut x = Array2::<T>::zeros((m, net.n_inputs()));
    let mut y = Array2::<T>::zeros((m, net.n_outputs()));
    let report_every = total.div_ceil(100).max(1);
    // To tell a stalled network (every gradient vanished) from a learning one.
    let weights_before: Vec<Array2<T>> = net.layers.iter().map(|l| l.weights.clone()).collect();
    let stage = if backoff.allows() {
        step::plan(net, optim, ws, m, batches.len() * m)
    } else {
        None
    };
    let started = Instant::now();
    std::thread::scope(|scope| {
        let mut stepper = Stepper::start(stage.as_ref(), scope, net, optim, Epoch { batches, from });
        // The steps, in a closure so that an early `?` still passes through the `sync` below.
        let result = (|| {
            for b in from..total {
                let batch = b + 1;
                batches.weigh(b, ws);
                walk::draw_masks(ws, config.seed, epoch, batch);
                let (cost, finite) = stepper.step(net, optim, (batches, b), (&mut x, &mut y), ws);
                if stepper.fall_back_if_stalled(net, optim, batch, started) {
                    backoff.record(true);
                }
                let cost = cost.to_f64().unwrap_or(f64::NAN);
                if !finite || !cost.is_finite() {
                    let what = if finite { "the cost" } else { "a weight" };
                    return Err(Error::Diverged { epoch, batch, what });
                }
                progress.cost_sum += cost;
                progress.step = batch;
                if batch % report_every == 0 {
                    on_event(Event::Batches {
                        epoch,
                        done: batch,
                        total,
                    })?;
                }
                if config.checkpoint_every.is_some_and(|n| batch % n == 0) && batch < total {
                    stepper.sync(net, optim);
                    on_event(Event::Checkpoint(net, progress, optim))?;
                }
                // The last mini-batch goes on to the epoch's end, which has its own checkpoint.
                if stop_requested() && batch < total {
                    stepper.sync(net, optim);
                    on_event(Event::Checkpoint(net, progress, optim))?;
                    return Err(Error::Interrupted { epoch, batch });
                }
            }
            Ok(())
        })();
        // The helper's neurons back into the network, whatever happened.
        stepper.sync(net, optim);
        if stage.is_some() && !matches!(stepper, Stepper::OneCore) {
            backoff.record(stepper.stalled(started));
        }
        result
    })?;
    let unchanged = net
        .layers
        .iter()
        .zip(&weights_before)
        .all(|(l, w)| l.weights == *w);
    if unchanged {
        return Err(Error::Stalled { epoch });
    }
    Ok(())
}

/// The report of the epoch just trained: the training cost and the held-out scores.
fn evaluate_epoch<T: Float>(
    net: &Network<T>,
    sets: Sets<'_>,
    progress: &Progress,
    optim: &Optim<T>,
    seconds: f64,
) -> Result<EpochReport> {
    // Accuracy for classes (one per sample, or several: subset accuracy), else the error.
    let classes = matches!(sets.train.targets, Targets::Classes | Targets::Labels(_));
    let accuracy = |set: Option<&Dataset>| set.filter(|_| classes).map(|d| evaluate(net, d)).transpose();
    let error = |set: Option<&Dataset>| {
        set.filter(|_| !classes)
            .map(|d| reconstruction_error(net, d))
            .transpose()
    };
    let test = accuracy(sets.test)?;
    Ok(EpochReport {
        epoch: progress.epoch + 1,
        train_cost: progress.cost_sum / sets.train.len() as f64 + l2_penalty(net, optim.decay),
        test_accuracy: test.as_ref().map(Evaluation::accuracy),
        test_correct: test.as_ref().map(|e| e.correct),
        test_total: test.as_ref().map_or(0, |e| e.total),
        validation_accuracy: accuracy(sets.validation)?.as_ref().map(Evaluation::accuracy),
        test_error: error(sets.test)?,
        validation_error: error(sets.validation)?,
        eta: optim.eta,
        seconds,
    })
}

/// The L2 term of the regularised cost, `(λ/2n) Σ w²` over every weight (not the biases), with
/// `decay` = λ/n as [`Optim::decay`] holds it; 0 without weight decay. The lecture's
/// regularised cost adds it to the mean cost; scikit-learn's `loss_` adds its `α/(2m) Σ w²`
/// (the estimators' decay is α/m), and its stopping rule watches the sum.
fn l2_penalty<T: Float>(net: &Network<T>, decay: f64) -> f64 {
    if decay == 0.0 {
        return 0.0;
    }
    let squares: f64 = net
        .layers
        .iter()
        .flat_map(|l| l.weights.iter())
        .map(|&w| {
            let w = w.to_f64().unwrap_or(f64::NAN);
            w * w
        })
        .sum();
    0.5 * decay * squares
}

#[cfg(test)]
mod tests;
