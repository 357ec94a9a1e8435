//! Checkpoints: the network, where training stands and the options that started it, in one
//! model file (the tensors as usual, the training state as JSON under the metadata key
//! `checkpoint`), so that training can continue exactly as if it had never stopped.

use crate::error::{Error, Result};
use crate::linalg::Float;
use crate::model_io;
use crate::network::Network;
use crate::train::{History, Progress, TrainConfig};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

const KEY: &str = "checkpoint";
const VERSION: u32 = 1;

/// The options a training run was started with; a resumed run must agree with them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunSpec {
    pub sizes: Vec<usize>,
    pub init: String,
    pub seed: u64,
    pub epochs: usize,
    pub batch_size: usize,
    pub eta: f64,
    pub optimizer: String,
    /// Samples and features of the training data, to catch a resume on other data.
    pub train_samples: usize,
    pub features: usize,
}

impl RunSpec {
    pub fn config(&self, checkpoint_every: Option<usize>) -> TrainConfig {
        TrainConfig {
            epochs: self.epochs,
            batch_size: self.batch_size,
            eta: self.eta,
            checkpoint_every,
        }
    }
}

/// A loaded checkpoint.
#[derive(Debug, Clone)]
pub struct Checkpoint<T> {
    pub net: Network<T>,
    pub spec: RunSpec,
    pub progress: Progress,
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
pub fn save<T: Float>(path: &Path, net: &Network<T>, spec: &RunSpec, progress: &Progress) -> Result<()> {
    let state = State {
        version: VERSION,
        spec: spec.clone(),
        epoch: progress.epoch,
        step: progress.step,
        cost_sum: progress.cost_sum,
        rng: RngState::of(&progress.rng),
        epoch_rng: RngState::of(&progress.epoch_rng),
        history: progress.history.clone(),
    };
    let json = serde_json::to_string(&state).expect("plain data");
    let extra = BTreeMap::from([(KEY.to_string(), json)]);
    model_io::write_atomic(path, &model_io::to_bytes_with(net, &extra))
}

/// Reads a checkpoint, checking the model part like any model file and the state for sense.
pub fn load<T: Float>(path: &Path) -> Result<Checkpoint<T>> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    from_bytes(&bytes, path)
}

/// [`load`] from bytes already in memory; `path` is named in errors.
pub fn from_bytes<T: Float>(bytes: &[u8], path: &Path) -> Result<Checkpoint<T>> {
    let (net, meta) = model_io::from_bytes_with::<T>(bytes, path)?;
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
    Ok(Checkpoint {
        net,
        progress: Progress {
            rng: rng(&state.rng)?,
            epoch_rng: rng(&state.epoch_rng)?,
            epoch: state.epoch,
            step: state.step,
            cost_sum: state.cost_sum,
            history: state.history,
        },
        spec: state.spec,
    })
}
