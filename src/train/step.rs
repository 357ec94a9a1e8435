//! One training step on one mini-batch, on one core or two: the one place that chooses.

use super::split::{self, Epoch, Pair, Stage};
use crate::linalg::Float;
use crate::network::{Network, Workspace};
use crate::optim::Optim;
use ndarray::ArrayView2;
use std::thread::Scope;
use std::time::{Duration, Instant};

/// How often (in mini-batches) a two-core epoch asks whether its helper is kept waiting.
const FALL_BACK_CHECK_EVERY: usize = 32;

#[cfg(test)]
thread_local! {
    /// The mini-batch after which a test makes a two-core epoch go on with one core.
    pub(crate) static FALL_BACK_AT: std::cell::Cell<Option<usize>> = const { std::cell::Cell::new(None) };
}

#[cfg(test)]
fn forced(batch: usize) -> bool {
    FALL_BACK_AT.get() == Some(batch)
}

#[cfg(not(test))]
fn forced(_: usize) -> bool {
    false
}

/// How an epoch's steps run. Both give the same network bit for bit (tested); the choice is
/// about speed only.
pub(crate) enum Stepper<'s, T> {
    /// Every layer on this thread: [`Optim::step`].
    OneCore,
    /// The first layer's neurons split with a helper thread (see [`split`]).
    SplitFirstLayer(Pair<'s, T>),
}

/// The shared state a two-core epoch needs, when one applies: the only place that decides
/// between the steppers, from the shape, the optimizer's rule, dropout and the threads allowed.
pub(crate) fn plan<T: Float>(
    net: &Network<T>,
    optim: &Optim<T>,
    ws: &Workspace<T>,
    m: usize,
) -> Option<Stage<T>> {
    split::applies(net, optim, ws, m).then(|| Stage::new(net, m))
}

impl<'s, T: Float> Stepper<'s, T> {
    /// The stepper for one epoch: the split one (its helper started in `scope`) when `plan`
    /// made a stage, else one core.
    pub fn start<'e: 's>(
        stage: Option<&'s Stage<T>>,
        scope: &'s Scope<'s, 'e>,
        net: &Network<T>,
        optim: &Optim<T>,
        epoch: Epoch<'s>,
    ) -> Self {
        match stage {
            Some(stage) => Stepper::SplitFirstLayer(stage.start(scope, net, optim, epoch)),
            None => Stepper::OneCore,
        }
    }

    /// One step of `optim` on mini-batch `b` (from 0), `(x, y)`; returns `Σ_x C_x` before the
    /// step and whether every weight and bias is finite after it.
    pub fn step(
        &mut self,
        net: &mut Network<T>,
        optim: &mut Optim<T>,
        b: usize,
        x: ArrayView2<T>,
        y: ArrayView2<T>,
        ws: &mut Workspace<T>,
    ) -> (T, bool) {
        match self {
            Stepper::OneCore => optim.step(net, x, y, ws),
            Stepper::SplitFirstLayer(pair) => pair.step(net, optim, b, x, y, ws),
        }
    }

    /// Goes on with one core when the helper has kept the leader waiting for more than a
    /// quarter of `elapsed` (its core is busy with other programs: each hand-over then waits
    /// for the scheduler, and two cores become many times slower than one). `net` is made
    /// whole first; the helper ends. The steps give the same numbers either way, so the
    /// switch changes no bit of the result.
    /// Asked after mini-batch `batch` (from 1) of an epoch begun at `started`; looks every
    /// [`FALL_BACK_CHECK_EVERY`] mini-batches.
    pub fn fall_back_if_stalled(&mut self, net: &mut Network<T>, batch: usize, started: Instant) {
        let Stepper::SplitFirstLayer(pair) = self else {
            return;
        };
        let stalled = batch.is_multiple_of(FALL_BACK_CHECK_EVERY) && {
            let elapsed = started.elapsed();
            elapsed > Duration::from_millis(20) && pair.waited() * 4 > elapsed
        };
        if stalled || forced(batch) {
            pair.sync(net);
            *self = Stepper::OneCore;
        }
    }

    /// Makes `net` whole (the helper's rows of `W^1` back in it), e.g. for a checkpoint.
    pub fn sync(&self, net: &mut Network<T>) {
        if let Stepper::SplitFirstLayer(pair) = self {
            pair.sync(net);
        }
    }
}
