//! Checkpoints: the network, where training stands and the options that started it, in one
//! model file (the tensors as usual, the training state as JSON under the metadata key
//! `checkpoint`), so that training can continue exactly as if it had never stopped.

use crate::error::{Error, Result};
use crate::linalg::Float;
use crate::model_io;
use crate::network::Architecture;
use crate::network::Network;
use crate::optim::{Optim, Optimizer};
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
    pub hidden: String,
    pub output: String,
    pub cost: String,
    pub init: String,
    pub seed: u64,
    pub epochs: usize,
    pub batch_size: usize,
    pub eta: f64,
    pub optimizer: String,
    pub momentum: f64,
    pub l2: f64,
    pub dropout: f64,
    pub input_dropout: f64,
    pub lr_schedule: String,
    pub early_stopping: Option<usize>,
    pub validation_split: f64,
    /// Trained to reproduce its inputs (the targets are the inputs).
    #[serde(default)]
    pub autoencoder: bool,
    /// Samples and features of the training data, to catch a resume on other data.
    pub train_samples: usize,
    pub features: usize,
}

impl RunSpec {
    pub fn architecture(&self) -> Result<Architecture> {
        let parse = |what: &str, e: String| Error::Invalid(format!("{what}: {e}"));
        Ok(Architecture {
            sizes: self.sizes.clone(),
            hidden: self.hidden.parse().map_err(|e| parse("hidden activation", e))?,
            output: self.output.parse().map_err(|e| parse("output activation", e))?,
            cost: self.cost.parse().map_err(|e| parse("cost", e))?,
        })
    }

    /// `λ/n` of the L2 decay: `n` counts the samples trained on (the validation split held out).
    pub fn decay(&self) -> f64 {
        let held_out = (self.validation_split * self.train_samples as f64).round() as usize;
        self.l2 / self.train_samples.saturating_sub(held_out).max(1) as f64
    }

    pub fn optimizer(&self) -> Result<Optimizer> {
        Optimizer::parse(&self.optimizer, self.momentum).map_err(Error::Invalid)
    }

    /// The optimizer the run starts with: its rule, `η`, `λ/n`, and zero state.
    pub fn optim<T: Float>(&self, net: &Network<T>) -> Result<Optim<T>> {
        let optim = Optim::new(self.optimizer()?, self.eta, self.decay(), net);
        optim.validate()?;
        Ok(optim)
    }

    pub fn config(&self, checkpoint_every: Option<usize>) -> Result<TrainConfig> {
        Ok(TrainConfig {
            epochs: self.epochs,
            batch_size: self.batch_size,
            checkpoint_every,
            dropout: self.dropout,
            input_dropout: self.input_dropout,
            schedule: self.lr_schedule.parse().map_err(Error::Invalid)?,
            early_stopping: self.early_stopping,
            seed: self.seed,
            ..TrainConfig::default()
        })
    }
}

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
    model_io::write_atomic(path, &model_io::to_bytes_with(net, &extra, &tensors))
}

/// Reads a checkpoint, checking the model part like any model file and the state for sense.
pub fn load<T: Float>(path: &Path) -> Result<Checkpoint<T>> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
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
    let arch = state.spec.architecture().map_err(|e| bad(e.to_string()))?;
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
