//! Checkpoints: the network, where training stands and the options that started it, in one
//! model file (the tensors as usual, the training state as JSON under the metadata key
//! `checkpoint`), so that training can continue exactly as if it had never stopped.

use crate::error::{Error, Result};
use crate::linalg::Float;
use crate::model_io;
use crate::network::Network;
use crate::optim::Optim;
pub use crate::train::RunSpec;
use crate::train::{History, Progress};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

const KEY: &str = "checkpoint";
const VERSION: u32 = 1;

/// A loaded checkpoint.
#[derive(Debug, Clone)]
pub struct Checkpoint<T> {
    pub net: Network<T>,
    pub spec: RunSpec,
    pub progress: Progress,
    pub optim: Optim<T>,
}

#[derive(Serialize, Deserialize)]
struct State {
    version: u32,
    spec: RunSpec,
    epoch: usize,
    step: usize,
    cost_sum: f64,
    rng: RngState,
    epoch_rng: RngState,
    history: History,
    best_score: Option<f64>,
    epochs_without_improvement: usize,
    stopped_early: bool,
    /// The optimizer's current learning rate and step count; its arrays are the `optim.*`
    /// tensors.
    eta: f64,
    optimizer_steps: u64,
}

/// A ChaCha stream: its key, stream number and position (in 32-bit words).
#[derive(Serialize, Deserialize)]
struct RngState {
    seed: String,
    stream: u64,
    /// A u128, as a decimal string (JSON numbers are not that wide).
    word_pos: String,
}

impl RngState {
    fn of(rng: &ChaCha8Rng) -> Self {
        RngState {
            seed: rng.get_seed().iter().map(|b| format!("{b:02x}")).collect(),
            stream: rng.get_stream(),
            word_pos: rng.get_word_pos().to_string(),
        }
    }

    fn restore(&self) -> Option<ChaCha8Rng> {
        if self.seed.len() != 64 {
            return None;
        }
        let mut seed = [0u8; 32];
        for (i, b) in seed.iter_mut().enumerate() {
            *b = u8::from_str_radix(self.seed.get(2 * i..2 * i + 2)?, 16).ok()?;
        }
        let mut rng = ChaCha8Rng::from_seed(seed);
        rng.set_stream(self.stream);
        rng.set_word_pos(self.word_pos.parse().ok()?);
        Some(rng)
    }
}

/// Writes a checkpoint atomically: an interrupted write leaves the previous checkpoint whole.
pub fn save<T: Float>(
    path: &Path,
    net: &Network<T>,
    spec: &RunSpec,
    progress: &Progress,
    optim: &Optim<T>,
) -> Result<()> {
    let state = State {
        version: VERSION,
        spec: spec.clone(),
        epoch: progress.epoch,
        step: progress.step,
        cost_sum: progress.cost_sum,
        rng: RngState::of(&progress.rng),
        epoch_rng: RngState::of(&progress.epoch_rng),
        history: progress.history.clone(),
        best_score: progress.best_score,
        epochs_without_improvement: progress.epochs_without_improvement,
        stopped_early: progress.stopped_early,
        eta: optim.eta,
        optimizer_steps: optim.t,
    };
    let json = serde_json::to_string(&state).expect("plain data");
    let extra = BTreeMap::from([(KEY.to_string(), json)]);
    let mut tensors = model_io::Extras::new();
    for (l, (sw, sb)) in optim.state.iter().enumerate() {
        for (k, w) in sw.iter().enumerate() {
            tensors.insert(
                format!("optim.{l}.weights.{k}"),
                (w.shape().to_vec(), w.iter().copied().collect()),
            );
        }
        for (k, b) in sb.iter().enumerate() {
            tensors.insert(format!("optim.{l}.biases.{k}"), (b.shape().to_vec(), b.to_vec()));
        }
    }
    crate::files::write_atomic(path, &model_io::to_bytes_with(net, &extra, &tensors))
}

/// Reads a checkpoint, checking the model part like any model file and the state for sense.
pub fn load<T: Float>(path: &Path) -> Result<Checkpoint<T>> {
    let bytes = crate::files::read_regular(path, model_io::MAX_FILE_BYTES)?;
    from_bytes(&bytes, path)
}

/// [`load`] from bytes already in memory; `path` is named in errors.
pub fn from_bytes<T: Float>(bytes: &[u8], path: &Path) -> Result<Checkpoint<T>> {
    let (net, meta, mut extras) = model_io::from_bytes_with::<T>(bytes, path)?;
    let bad = |msg: String| Error::model(path, msg);
    let json = meta
        .get(KEY)
        .ok_or_else(|| bad("a model file, not a checkpoint (no training state in its metadata)".into()))?;
    let state: State =
        serde_json::from_str(json).map_err(|e| bad(format!("checkpoint state is not valid: {e}")))?;
    if state.version != VERSION {
        return Err(bad(format!(
            "checkpoint version {} is not supported (this mlp reads version {VERSION})",
            state.version
        )));
    }
    let arch = state.spec.architecture();
    if arch != net.architecture() {
        return Err(bad(format!(
            "checkpoint state names {arch:?} but holds {:?}",
            net.architecture()
        )));
    }
    if state.spec.sizes != net.sizes() {
        return Err(bad(format!(
            "checkpoint state names layers {:?} but holds a {:?} network",
            state.spec.sizes,
            net.sizes()
        )));
    }
    let steps = state.spec.train_samples.div_ceil(state.spec.batch_size.max(1));
    if state.epoch > state.spec.epochs
        || state.step >= steps.max(1)
        || state.history.epochs.len() != state.epoch
    {
        return Err(bad(format!(
            "checkpoint position (epoch {}, mini-batch {}, {} epochs of history) does not fit its run",
            state.epoch,
            state.step,
            state.history.epochs.len()
        )));
    }
    let rng = |r: &RngState| {
        r.restore()
            .ok_or_else(|| bad("checkpoint random state is not valid".into()))
    };
    let mut optim = state.spec.optim(&net).map_err(|e| bad(e.to_string()))?;
    let rule = optim.rule;
    optim.eta = state.eta;
    optim.t = state.optimizer_steps;
    for (l, (sw, sb)) in optim.state.iter_mut().enumerate() {
        let weights = sw.iter_mut().enumerate().map(|(k, a)| {
            (
                format!("optim.{l}.weights.{k}"),
                a.as_slice_mut().expect("own array"),
            )
        });
        let biases = sb.iter_mut().enumerate().map(|(k, a)| {
            (
                format!("optim.{l}.biases.{k}"),
                a.as_slice_mut().expect("own array"),
            )
        });
        for (name, slot) in weights.chain(biases) {
            let (_, values) = extras
                .remove(&name)
                .ok_or_else(|| bad(format!("optimizer state '{name}' is missing")))?;
            if values.len() != slot.len() {
                return Err(bad(format!(
                    "optimizer state '{name}' has {} values, expected {}",
                    values.len(),
                    slot.len()
                )));
            }
            slot.copy_from_slice(&values);
        }
    }
    if let Some(name) = extras.keys().next() {
        return Err(bad(format!(
            "unexpected tensor '{name}' for the {} optimizer",
            rule.name()
        )));
    }
    Ok(Checkpoint {
        optim,
        net,
        progress: Progress {
            rng: rng(&state.rng)?,
            epoch_rng: rng(&state.epoch_rng)?,
            epoch: state.epoch,
            step: state.step,
            cost_sum: state.cost_sum,
            history: state.history,
            best_score: state.best_score,
            epochs_without_improvement: state.epochs_without_improvement,
            stopped_early: state.stopped_early,
        },
        spec: state.spec,
    })
}
