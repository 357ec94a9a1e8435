//! The walk through the training data: each epoch's shuffle, its mini-batches, and their
//! dropout masks. Every stepper (one core or two) is fed from this one walk, so both see the
//! same samples in the same order with the same masks.

use crate::data::Dataset;
use crate::linalg::Float;
use crate::network::Workspace;
use crate::seed::splitmix;
use ndarray::{ArrayView2, ArrayViewMut2};
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

/// How many mini-batches ahead the samples are prefetched into the caches: far enough for
/// memory to answer before they are needed.
pub(crate) const PREFETCH_AHEAD: usize = 2;

/// One epoch's order of the training samples, cut into mini-batches of `m` (the last one
/// shorter when `m` does not divide the number of samples).
#[derive(Debug, Clone)]
pub(crate) struct Batches<'d> {
    data: &'d Dataset,
    order: Vec<usize>,
    m: usize,
}

impl<'d> Batches<'d> {
    pub fn new(data: &'d Dataset, m: usize) -> Self {
        Batches {
            data,
            order: (0..data.len()).collect(),
            m,
        }
    }

    /// A new epoch's order: the samples `0..n` in order, shuffled by `rng`, so the order
    /// depends on the stream alone (a resumed epoch gets the same one).
    pub fn shuffle(&mut self, rng: &mut ChaCha8Rng) {
        self.order.iter_mut().enumerate().for_each(|(i, o)| *o = i);
        self.order.shuffle(rng);
    }

    /// Mini-batches in the epoch.
    pub fn len(&self) -> usize {
        self.order.len().div_ceil(self.m)
    }

    /// Mini-batch `b`'s inputs and targets into the first rows of `x` and `y`, the samples
    /// [`PREFETCH_AHEAD`] mini-batches on asked into the caches; returns its size.
    pub fn fill<T: Float>(&self, b: usize, x: ArrayViewMut2<T>, y: ArrayViewMut2<T>) -> usize {
        let indices = self.indices(b);
        self.data.fill_batch(indices, x, y);
        self.prefetch(b + PREFETCH_AHEAD);
        indices.len()
    }

    /// [`Batches::fill`]'s targets only, mini-batch `b`'s inputs being the first rows of `x`
    /// (the two-core leader's part); returns its size.
    pub fn fill_targets<T: Float>(&self, b: usize, x: ArrayView2<T>, y: ArrayViewMut2<T>) -> usize {
        let indices = self.indices(b);
        self.data.fill_targets(indices, x, y);
        indices.len()
    }

    /// [`Batches::fill`] of the inputs only (the two-core helper's part); no effect past the
    /// last mini-batch.
    pub fn fill_inputs<T: Float>(&self, b: usize, x: ArrayViewMut2<T>) {
        if b < self.len() {
            self.data.fill_inputs(self.indices(b), x);
        }
        self.prefetch(b + PREFETCH_AHEAD);
    }

    /// Mini-batch `b`'s sample weights into `ws`, when the data set has them.
    pub fn weigh<T: Float>(&self, b: usize, ws: &mut Workspace<T>) {
        if let Some(w) = &self.data.weights {
            ws.weigh_samples(self.indices(b).iter().map(|&i| w[i]));
        }
    }

    /// Samples in mini-batch `b`.
    pub fn size(&self, b: usize) -> usize {
        self.indices(b).len()
    }

    fn indices(&self, b: usize) -> &[usize] {
        let start = b * self.m;
        &self.order[start..(start + self.m).min(self.order.len())]
    }

    fn prefetch(&self, b: usize) {
        if b < self.len() {
            self.data.prefetch(self.indices(b));
        }
    }
}

/// Draws the dropout masks of mini-batch `batch` (from 1) of `epoch` into `ws`, from a stream
/// seeded by (seed, epoch, mini-batch) alone: a resumed run draws the same masks. No effect
/// when dropout is off.
pub(crate) fn draw_masks<T: Float>(ws: &mut Workspace<T>, seed: u64, epoch: usize, batch: usize) {
    if ws.has_dropout() {
        let stream = (epoch as u64) << 32 | batch as u64;
        ws.draw_dropout(splitmix(seed ^ splitmix(stream)));
    }
}
