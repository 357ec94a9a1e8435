//! One training step on one mini-batch, on one core or two: the one place that chooses.

use super::split::{self, Epoch, Pair, Stage};
use super::walk::Batches;
use crate::linalg::Float;
use crate::network::{Network, Workspace};
use crate::optim::Optim;
use ndarray::{Array2, s};
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

/// Whether the next epoch may try two cores. After an epoch whose helper kept the leader
/// waiting (its core busy with other programs), the next epochs run on one core: 1, then 2,
/// 4, … up to 64 epochs each time it happens again, until a two-core epoch runs without
/// waiting. Short epochs (a small data set's few mini-batches) never reach the check within
/// an epoch, and every one of them would otherwise pay for the stalled hand-overs again.
#[derive(Debug)]
pub(crate) struct Backoff {
    /// Epochs still to run on one core.
    skip: usize,
    /// Epochs to skip after the next stalled one.
    next: usize,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff { skip: 0, next: 1 }
    }
}

impl Backoff {
    /// Whether this epoch may try two cores (counting a skipped epoch).
    pub fn allows(&mut self) -> bool {
        if self.skip > 0 {
            self.skip -= 1;
            return false;
        }
        true
    }

    /// What the epoch that tried two cores showed: whether its helper stalled it.
    pub fn record(&mut self, stalled: bool) {
        if stalled {
            self.skip = self.next;
            self.next = (self.next * 2).min(64);
        } else {
            self.next = 1;
        }
    }
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
/// between the steppers, from the shapes, the epoch's length, dropout and the threads allowed.
pub(crate) fn plan<T: Float>(
    net: &Network<T>,
    optim: &Optim<T>,
    ws: &Workspace<T>,
    m: usize,
    samples: usize,
) -> Option<Stage<T>> {
    split::applies(net, ws, m, samples).then(|| Stage::new(net, optim, m))
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

    /// One step of `optim` on mini-batch `b` (from 0) of `batches`, its samples put into the
    /// first rows of `x` and `y` (on two cores the helper converts the inputs, and `x` is left
    /// alone); returns `Σ_x C_x` before the step and whether every weight and bias is finite
    /// after it.
    pub fn step(
        &mut self,
        net: &mut Network<T>,
        optim: &mut Optim<T>,
        (batches, b): (&Batches<'_>, usize),
        (x, y): (&mut Array2<T>, &mut Array2<T>),
        ws: &mut Workspace<T>,
    ) -> (T, bool) {
        match self {
            Stepper::OneCore => {
                let k = batches.fill(b, x.view_mut(), y.view_mut());
                optim.step(net, x.slice(s![..k, ..]), y.slice(s![..k, ..]), ws)
            }
            // The helper has the other core: this thread's products stay on this one.
            Stepper::SplitFirstLayer(pair) => {
                crate::linalg::with_threads(1, || pair.step(net, optim, (batches, b), y, ws))
            }
        }
    }

    /// Goes on with one core when the helper has kept the leader waiting for more than a
    /// quarter of `elapsed` (its core is busy with other programs: each hand-over then waits
    /// for the scheduler, and two cores become many times slower than one). `net` is made
    /// whole first; the helper ends. The steps give the same numbers either way, so the
    /// switch changes no bit of the result.
    /// Asked after mini-batch `batch` (from 1) of an epoch begun at `started`; looks every
    /// [`FALL_BACK_CHECK_EVERY`] mini-batches. True when it fell back.
    pub fn fall_back_if_stalled(
        &mut self,
        net: &mut Network<T>,
        optim: &mut Optim<T>,
        batch: usize,
        started: Instant,
    ) -> bool {
        let Stepper::SplitFirstLayer(pair) = self else {
            return false;
        };
        let stalled = batch.is_multiple_of(FALL_BACK_CHECK_EVERY) && {
            let elapsed = started.elapsed();
            elapsed > Duration::from_millis(20) && pair.waited() * 4 > elapsed
        };
        if stalled || forced(batch) {
            pair.sync(net, optim);
            *self = Stepper::OneCore;
            return true;
        }
        false
    }

    /// At an epoch's end, begun at `started`: whether its helper kept the leader waiting for
    /// more than a quarter of it (false on one core).
    pub fn stalled(&self, started: Instant) -> bool {
        match self {
            Stepper::SplitFirstLayer(pair) => pair.waited() * 4 > started.elapsed(),
            Stepper::OneCore => false,
        }
    }

    /// Makes `net` and `optim` whole (the helper's rows of `W^1` and their state back in
    /// them), e.g. for a checkpoint.
    pub fn sync(&self, net: &mut Network<T>, optim: &mut Optim<T>) {
        if let Stepper::SplitFirstLayer(pair) = self {
            pair.sync(net, optim);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Backoff;

    /// The epochs on one core after stalled two-core epochs: 1, 2, 4 … 64, and back to 1 once
    /// a two-core epoch ran without waiting.
    #[test]
    fn backoff_doubles_the_one_core_epochs_and_forgets_after_a_good_epoch() {
        let mut b = Backoff::default();
        let skipped_after = |b: &mut Backoff, stalled: bool| {
            assert!(b.allows(), "a two-core epoch");
            b.record(stalled);
            let mut skipped = 0;
            while !b.allows() {
                skipped += 1;
            }
            // That `allows` was the next two-core epoch's; give it back.
            b.skip = 0;
            skipped
        };
        let runs: Vec<usize> = (0..8).map(|_| skipped_after(&mut b, true)).collect();
        assert_eq!(runs, [1, 2, 4, 8, 16, 32, 64, 64]);
        assert_eq!(skipped_after(&mut b, false), 0);
        assert_eq!(skipped_after(&mut b, true), 1, "a good epoch resets the backoff");
    }
}
