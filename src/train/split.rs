//! Mini-batch training on two cores for networks whose first weight layer holds nearly all
//! the work: in the lecture's 784-30-10 network, 98 % of a step's multiply-adds are `W^1`'s.
//!
//! Why a split by neurons: one core's FMA units bound a 784-30-10 step (m = 10) at 8.2 µs,
//! and a general two-thread matrix product costs microseconds to hand out and gather; but two
//! spinning threads pass a flag there and back in 0.12 µs (measured here, median). So the
//! first layer's neurons are cut in two, and each part stays with one thread for the epoch:
//!
//! - the **helper** thread owns the second part, its rows `j` of `W^1` and `b^1`. For every
//!   mini-batch it converts the samples (for both threads: the leader reads them), computes
//!   its neurons' feedforward
//!   `a^1_j = Σ_k w^1_jk x_k + b^1_j`, `z^1_j = σ(a^1_j)`, and once the leader has the deltas,
//!   their update `w^1_jk ← w^1_jk − (η/m) Σ_x δ^1_j x_k` (SGD; the other rules take the
//!   gradient `(1/m) Σ_x δ^1_j x_k` through their state, the helper's rows' part of which it
//!   keeps for the epoch).
//! - the **leader** (the training loop's thread) does the same for the first part, and all
//!   the rest: the later layers' feedforward, the cost, every delta, the later layers' updates.
//!
//! ```text
//! leader: <- x, fill y | feedforward own rows | <- a, z | rest of feedforward, deltas | δ -> | later updates, update own rows | <- done
//! helper:               feedforward own rows | a, z -> | fill the next x ->, wait   | <- δ | update own rows               | done ->
//! ```
//!
//! Every number is computed by the same kernels, in the same order, as on one core (the
//! kernels give each neuron's sum the same order whatever rows they are given), so a network
//! trains to the same weights bit for bit whichever path runs (tested).

use crate::activation::Activation;
use crate::linalg::{Float, gemm, small, with_threads};
use crate::network::{Network, Workspace, add_bias_activate};
use crate::optim::{LayerState, Optim, Optimizer, Slots, slots};
use crate::train::walk::Batches;
use ndarray::{Array1, Array2, ArrayView2, s};
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::thread::Scope;
use std::time::{Duration, Instant};

/// The first layer's multiply-adds per mini-batch from which the split is used. Measured
/// (`mlp train --layers 784,H,10 --threads 1` vs `2`, seconds per epoch): H = 16 (125 440)
/// 0.047 vs 0.037–0.039, H = 8 (62 720) 0.032 vs 0.026–0.038, H = 2 (15 680) 0.022 vs 0.021;
/// iris (4 000) was twice as slow, its epochs too short for a thread started per epoch.
const MIN_FIRST_LAYER_MACS: usize = 1 << 16;

/// The first layer's multiply-adds per epoch (feedforward) from which the split is used: a
/// helper thread is started for every epoch, which costs tens of µs. Measured
/// (`python/benchmarks/bench_sklearn.py`'s default fits, Adam, m = 200): breast cancer
/// (426 × 30 → 100: 1.3 M per epoch, 0.19 ms epochs) 0.039 s on one core, 0.050 s split;
/// digits (1347 × 64 → 100: 8.6 M) 0.150 s on one core, 0.134 s split.
const MIN_EPOCH_FIRST_LAYER_MACS: usize = 1 << 22;

/// Whether the steps on `net`, with the workspace `ws` of mini-batches of `m`, in an epoch of
/// `samples`, can go through [`Pair`]: any rule without dropout, a hidden layer, the
/// hand-written small kernels (f32) for a first layer large enough to be worth splitting,
/// an epoch long enough to start a thread for, and two threads allowed
/// ([`crate::linalg::with_threads`]).
pub(crate) fn applies<T: Float>(net: &Network<T>, ws: &Workspace<T>, m: usize, samples: usize) -> bool {
    let first = &net.layers[0];
    let macs = m * first.weights.len();
    !ws.has_dropout()
        && samples * first.weights.len() >= MIN_EPOCH_FIRST_LAYER_MACS
        && net.layers.len() >= 2
        && first.neurons() >= 2
        && first.activation != Activation::Softmax
        && T::has_small_kernels()
        && (MIN_FIRST_LAYER_MACS..=max_first_layer_macs(net)).contains(&macs)
        && crate::linalg::threads() >= 2
}

/// The largest first layer (multiply-adds per mini-batch) worth splitting: one that one core's
/// kernels take ([`small::MAX_MACS`]); on the AVX-512 path, whose kernels take medium products
/// too, also any they take when the first layer holds three quarters of the weights or more
/// (784-100-10 at m = 128), whose other layers are then left to one core. A medium product on
/// its own is halved between the cores by `rayon::join`, whose worker sleeps between products
/// and is woken for each: measured (`scripts/bench.sh --configs 5`, a 2-core Zen 5) 0.118 s
/// per epoch that way, 0.065–0.071 s split here.
fn max_first_layer_macs<T: Float>(net: &Network<T>) -> usize {
    let first = net.layers[0].weights.len();
    let rest: usize = net.layers[1..].iter().map(|l| l.weights.len()).sum();
    if first >= 3 * rest {
        small::max_macs(crate::linalg::kernel())
    } else {
        small::MAX_MACS
    }
}

/// The helper's neurons: its rows of `W^1` and `b^1`, and for rules with state (momentum,
/// Adam) their part of it and a buffer for their gradient (plain SGD never stores one).
struct Rows<T> {
    weights: Array2<T>,
    biases: Array1<T>,
    /// The rule's state arrays of these rows (flattened) and of their biases.
    state: LayerState<T>,
    grad_weights: Array2<T>,
    grad_biases: Array1<T>,
}

/// What the two threads hand each other for one mini-batch (`capacity × helper neurons`).
struct Exchange<T> {
    /// The helper's `a^1` and `z^1` (helper → leader).
    a: Array2<T>,
    z: Array2<T>,
    /// The leader's `δ^1` of the helper's neurons (leader → helper).
    delta: Array2<T>,
}

/// Input buffers the helper converts mini-batches into, in turn: when it fills mini-batch
/// `b + 1`'s (after its feedforward of `b`), the leader may still be updating its rows with
/// `b − 1`'s inputs, but it has finished with `b − 2`'s (it has sent `b − 1`'s deltas since).
const INPUT_BUFFERS: usize = 3;

/// What both threads see. The counters say how many mini-batches of the epoch have reached
/// each point; they order the work, and the locks (never contended while they do) make each
/// access to shared numbers safe.
struct Shared<T> {
    rows: Mutex<Rows<T>>,
    exchange: Mutex<Exchange<T>>,
    /// Mini-batch `b`'s inputs are in `inputs[b % INPUT_BUFFERS]` (read by both threads).
    inputs: [RwLock<Array2<T>>; INPUT_BUFFERS],
    /// Mini-batches whose inputs the helper has converted.
    filled: AtomicUsize,
    /// Mini-batches whose helper feedforward is in `exchange`.
    fed: AtomicUsize,
    /// Mini-batches whose deltas are in `exchange`.
    deltas: AtomicUsize,
    /// Mini-batches whose helper update is done.
    updated: AtomicUsize,
    /// False once a helper update wrote a NaN or infinity.
    finite: AtomicBool,
    /// Set when either side stops early (an error, a panic): the other stops waiting.
    stop: AtomicBool,
}

// A poisoned lock means the other thread panicked; that panic is re-raised when the scope
// joins it, so the data is never used after.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn read<T>(l: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    l.read().unwrap_or_else(|e| e.into_inner())
}

fn write<T>(l: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    l.write().unwrap_or_else(|e| e.into_inner())
}

/// Spins until `counter ≥ target`; false if `stop` was set without it. After a while it yields,
/// so that a machine with more threads than cores still makes progress; the time spent past
/// that point is added to `waited`, if given.
fn wait_for(
    counter: &AtomicUsize,
    target: usize,
    stop: &AtomicBool,
    waited: Option<&Cell<Duration>>,
) -> bool {
    let mut spins = 0u32;
    let mut slow_since = None;
    let done = loop {
        if counter.load(Ordering::Acquire) >= target {
            break true;
        }
        if stop.load(Ordering::Acquire) {
            // The other side may have reached the target just before it stopped (the helper
            // ends after its last update).
            break counter.load(Ordering::Acquire) >= target;
        }
        spins = spins.saturating_add(1);
        if spins < 1 << 12 {
            std::hint::spin_loop();
        } else {
            if waited.is_some() && slow_since.is_none() {
                slow_since = Some(Instant::now());
            }
            std::thread::yield_now();
        }
    };
    if let (Some(waited), Some(since)) = (waited, slow_since) {
        waited.set(waited.get() + since.elapsed());
    }
    done
}

/// Sets `stop` when dropped: a thread that ends, by a return or a panic, releases the other.
struct StopOnDrop<'a>(&'a AtomicBool);

impl Drop for StopOnDrop<'_> {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Release);
    }
}

/// One epoch's mini-batches, as the helper walks them.
pub(crate) struct Epoch<'a> {
    pub batches: &'a Batches<'a>,
    /// The first mini-batch to train on (not 0 when resuming mid-epoch).
    pub from: usize,
}

/// The leader's side of a two-core epoch.
pub(crate) struct Pair<'s, T> {
    shared: &'s Shared<T>,
    /// The leader's neurons are `0..split`, the helper's `split..`.
    split: usize,
    /// The leader's `a^1` and `z^1` (`capacity × split`).
    a: Array2<T>,
    z: Array2<T>,
    /// How long the leader has waited for the helper beyond a short spin, this epoch.
    waited: Cell<Duration>,
    _stop: StopOnDrop<'s>,
}

/// The shared state for one epoch of `net`, made before the scope that borrows it.
pub(crate) struct Stage<T> {
    shared: Shared<T>,
    split: usize,
    /// Rows of the mini-batch buffers.
    capacity: usize,
}

impl<T: Float> Stage<T> {
    pub fn new(net: &Network<T>, optim: &Optim<T>, capacity: usize) -> Self {
        let first = &net.layers[0];
        let (n, n_inputs) = (first.neurons(), net.n_inputs());
        // Half each. The leader's extra work (the later layers, the cost, the deltas) is
        // matched by the helper converting the next mini-batch meanwhile; measured on the
        // lecture's network, 14, 15 or 16 of 30 rows for the leader are within noise, and of
        // 100 rows 50 beat 40 and 45.
        let split = n / 2;
        let helper = n - split;
        let state = &optim.state[0];
        Stage {
            shared: Shared {
                rows: Mutex::new(Rows {
                    weights: first.weights.slice(s![split.., ..]).to_owned(),
                    biases: first.biases.slice(s![split..]).to_owned(),
                    state: (
                        state
                            .0
                            .iter()
                            .map(|a| a.slice(s![split * n_inputs..]).to_owned())
                            .collect(),
                        state.1.iter().map(|a| a.slice(s![split..]).to_owned()).collect(),
                    ),
                    grad_weights: Array2::zeros((helper, n_inputs)),
                    grad_biases: Array1::zeros(helper),
                }),
                exchange: Mutex::new(Exchange {
                    a: Array2::zeros((capacity, helper)),
                    z: Array2::zeros((capacity, helper)),
                    delta: Array2::zeros((capacity, helper)),
                }),
                inputs: [(); INPUT_BUFFERS].map(|_| RwLock::new(Array2::zeros((capacity, n_inputs)))),
                filled: AtomicUsize::new(0),
                fed: AtomicUsize::new(0),
                deltas: AtomicUsize::new(0),
                updated: AtomicUsize::new(0),
                finite: AtomicBool::new(true),
                stop: AtomicBool::new(false),
            },
            split,
            capacity,
        }
    }

    /// Starts the helper thread in `scope` for `epoch`, with the SGD scales of `optim`.
    pub fn start<'s, 'e: 's>(
        &'s self,
        scope: &'s Scope<'s, 'e>,
        net: &Network<T>,
        optim: &Optim<T>,
        epoch: Epoch<'s>,
    ) -> Pair<'s, T> {
        let (shared, split, capacity) = (&self.shared, self.split, self.capacity);
        let activation = net.layers[0].activation;
        // The rule, η and λ/n are fixed within an epoch; the helper's step t follows the
        // leader's count from here.
        let rule = Rule::of(optim);
        // The helper runs the leader's kernel path (one decision, also under `with_kernel`).
        let kernel = crate::linalg::kernel();
        scope.spawn(move || {
            // Each thread's products stay on its own core.
            crate::linalg::with_kernel(kernel, || {
                with_threads(1, || helper(shared, epoch, activation, rule))
            })
        });
        Pair {
            shared,
            split,
            a: Array2::zeros((capacity, split)),
            z: Array2::zeros((capacity, split)),
            waited: Cell::new(Duration::ZERO),
            _stop: StopOnDrop(&shared.stop),
        }
    }
}

/// `a = x·Wᵀ + b`, `z = f(a)` for some neurons (rows of `W`) and the first `k` samples.
fn feedforward_rows<T: Float>(
    activation: Activation,
    weights: ArrayView2<T>,
    biases: &[T],
    x: ArrayView2<T>,
    a: &mut Array2<T>,
    z: &mut Array2<T>,
) {
    let k = x.nrows();
    let mut a = a.slice_mut(s![..k, ..]);
    gemm(T::one(), x, weights.t(), T::zero(), &mut a);
    let a = a.into_slice().expect("row-major buffer");
    let z = z.slice_mut(s![..k, ..]).into_slice().expect("row-major buffer");
    add_bias_activate(activation, biases, a, z);
}

/// The first `k` rows of `all` ← `[left | right]` (row by row: `assign` on views this small
/// costs more than the copy).
fn join_columns<T: Float>(all: &mut Array2<T>, left: &Array2<T>, right: &Array2<T>, k: usize) {
    let split = left.ncols();
    let rows = all
        .outer_iter_mut()
        .zip(left.outer_iter())
        .zip(right.outer_iter());
    for ((mut all, left), right) in rows.take(k) {
        let all = all.as_slice_mut().expect("row-major buffer");
        all[..split].copy_from_slice(left.as_slice().expect("row-major buffer"));
        all[split..].copy_from_slice(right.as_slice().expect("row-major buffer"));
    }
}

/// The update rule as the helper needs it: fixed for the epoch, and the step count `t` when
/// the epoch's first mini-batch starts.
#[derive(Clone, Copy)]
struct Rule {
    rule: Optimizer,
    eta: f64,
    decay: f64,
    t: u64,
}

impl Rule {
    fn of<T>(optim: &Optim<T>) -> Rule {
        Rule {
            rule: optim.rule,
            eta: optim.eta,
            decay: optim.decay,
            t: optim.t,
        }
    }
}

/// The first `len` values of each state array: the leader's rows' part.
fn prefix<T>(state: &mut [Array1<T>], len: usize) -> Slots<'_, T> {
    let mut it = state.iter_mut().map(move |a| a.slice_mut(s![..len]));
    (it.next(), it.next())
}

/// The helper thread's loop over the epoch.
fn helper<T: Float>(shared: &Shared<T>, epoch: Epoch<'_>, activation: Activation, rule: Rule) {
    let _stop = StopOnDrop(&shared.stop);
    // The next mini-batch is converted while the leader works out the deltas of this one.
    let fill = |batch: usize| {
        let mut x = write(&shared.inputs[batch % INPUT_BUFFERS]);
        epoch.batches.fill_inputs(batch, x.view_mut());
        shared.filled.store(batch + 1, Ordering::Release);
    };
    fill(epoch.from);
    for (i, batch) in (epoch.from..epoch.batches.len()).enumerate() {
        let k = epoch.batches.size(batch);
        let inputs = read(&shared.inputs[batch % INPUT_BUFFERS]);
        let x = inputs.slice(s![..k, ..]);
        {
            let rows = lock(&shared.rows);
            let ex = &mut *lock(&shared.exchange);
            let biases = rows.biases.as_slice().expect("own array");
            feedforward_rows(activation, rows.weights.view(), biases, x, &mut ex.a, &mut ex.z);
        }
        shared.fed.store(batch + 1, Ordering::Release);
        fill(batch + 1);
        if !wait_for(&shared.deltas, batch + 1, &shared.stop, None) {
            return;
        }
        {
            let rows = &mut *lock(&shared.rows);
            let ex = lock(&shared.exchange);
            let delta = ex.delta.slice(s![..k, ..]);
            let Rows {
                weights,
                biases,
                state: (sw, sb),
                grad_weights,
                grad_biases,
            } = rows;
            let finite = rule.rule.update_neurons(
                (rule.eta, rule.decay, rule.t + i as u64 + 1),
                (delta, x),
                (weights.view_mut(), biases.view_mut()),
                (slots(sw), slots(sb)),
                (grad_weights.view_mut(), grad_biases.view_mut()),
            );
            if !finite {
                shared.finite.store(false, Ordering::Release);
            }
        }
        shared.updated.store(batch + 1, Ordering::Release);
    }
}

impl<T: Float> Pair<'_, T> {
    /// One step on the epoch's mini-batch number `batch` (from 0) of `batches`, the first
    /// layer's work shared with the helper, which converts the inputs; the targets go into
    /// `y`. Returns `Σ_x C_x` before the step and whether every weight and bias is finite
    /// after it. The helper's rows of `W^1` stay with it: `net` has them only after
    /// [`Pair::sync`]. Run under `with_threads(1)` (the helper has the other core).
    pub fn step(
        &mut self,
        net: &mut Network<T>,
        optim: &mut Optim<T>,
        (batches, batch): (&Batches<'_>, usize),
        y: &mut Array2<T>,
        ws: &mut Workspace<T>,
    ) -> (T, bool) {
        optim.t += 1;
        let (split, shared) = (self.split, self.shared);
        assert!(
            wait_for(&shared.filled, batch + 1, &shared.stop, Some(&self.waited)),
            "the training helper thread stopped"
        );
        let inputs = read(&shared.inputs[batch % INPUT_BUFFERS]);
        let k = batches.fill_targets(batch, inputs.view(), y.view_mut());
        let (x, y) = (inputs.slice(s![..k, ..]), y.slice(s![..k, ..]));
        let first = &net.layers[0];
        let biases = &first.biases.as_slice().expect("own array")[..split];
        let weights = first.weights.slice(s![..split, ..]);
        feedforward_rows(first.activation, weights, biases, x, &mut self.a, &mut self.z);

        assert!(
            wait_for(&shared.fed, batch + 1, &shared.stop, Some(&self.waited)),
            "the training helper thread stopped"
        );
        {
            // a^1 and z^1 of all the neurons, for the layers after and for δ^1.
            let ex = lock(&shared.exchange);
            let (a1, z1, _) = ws.first_layer_mut();
            for (all, mine, theirs) in [(a1, &self.a, &ex.a), (z1, &self.z, &ex.z)] {
                join_columns(all, mine, theirs, k);
            }
        }
        let cost = net.deltas_from(1, x, y, ws);
        {
            let mut ex = lock(&shared.exchange);
            for (theirs, all) in ex.delta.outer_iter_mut().zip(ws.delta(1, k).outer_iter()) {
                let theirs = theirs.into_slice().expect("row-major buffer");
                theirs.copy_from_slice(&all.as_slice().expect("row-major buffer")[split..]);
            }
        }
        shared.deltas.store(batch + 1, Ordering::Release);

        // The later layers' updates, while the helper updates its rows.
        let mut finite = optim.update_layers(net, 1, x, ws);

        let rule = Rule::of(optim);
        let n_inputs = x.ncols();
        let first = &mut net.layers[0];
        let (sw, sb) = &mut optim.state[0];
        let (delta, _, (gw, gb)) = ws.gradient_parts(0, k, x.reborrow());
        finite &= rule.rule.update_neurons(
            (rule.eta, rule.decay, rule.t),
            (delta.slice(s![.., ..split]), x),
            (
                first.weights.slice_mut(s![..split, ..]),
                first.biases.slice_mut(s![..split]),
            ),
            (prefix(sw, split * n_inputs), prefix(sb, split)),
            (gw.slice_mut(s![..split, ..]), gb.slice_mut(s![..split])),
        );
        assert!(
            wait_for(&shared.updated, batch + 1, &shared.stop, Some(&self.waited)),
            "the training helper thread stopped"
        );
        (cost, finite && shared.finite.load(Ordering::Acquire))
    }

    /// How long the leader has waited for the helper this epoch, beyond a short spin: long
    /// waits mean the helper's core is busy with other work.
    pub fn waited(&self) -> Duration {
        self.waited.get()
    }

    /// Copies the helper's rows of `W^1` and `b^1`, and their part of the rule's state, into
    /// `net` and `optim`, which are then whole.
    pub fn sync(&self, net: &mut Network<T>, optim: &mut Optim<T>) {
        let rows = lock(&self.shared.rows);
        let first = &mut net.layers[0];
        first
            .weights
            .slice_mut(s![self.split.., ..])
            .assign(&rows.weights);
        first.biases.slice_mut(s![self.split..]).assign(&rows.biases);
        let from = self.split * first.weights.ncols();
        let (sw, sb) = &mut optim.state[0];
        for (all, theirs) in sw.iter_mut().zip(&rows.state.0) {
            all.slice_mut(s![from..]).assign(theirs);
        }
        for (all, theirs) in sb.iter_mut().zip(&rows.state.1) {
            all.slice_mut(s![self.split..]).assign(theirs);
        }
    }
}
