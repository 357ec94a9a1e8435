//! A training run started from the page: the form's choices over the lecture's defaults,
//! trained by [`crate::train::train`] on a thread of its own, its events published to the
//! pages, and each epoch's network handed to the canvas.

use super::http::Reply;
use super::state::{Control, Mode, Slot, State};
use crate::activation::Activation;
use crate::cost::Cost;
use crate::error::{Error, Result};
use crate::init::Init;
use crate::model::Model;
use crate::network::Network;
use crate::optim::{RuleName, Schedule};
use crate::train::{self, Event, Progress, RunSpec, Sets};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;

/// The form. Absent fields take the lecture's values (784-30-10 sigmoid neurons, quadratic
/// cost, η = 3, m = 10).
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields, default)]
pub struct TrainRequest {
    /// Hidden layer sizes, between the 784 inputs and the 10 outputs.
    pub hidden: Vec<usize>,
    pub activation: Activation,
    pub output: Activation,
    pub cost: Cost,
    pub eta: f64,
    pub batch_size: usize,
    pub epochs: usize,
    /// The first this many of MNIST's 60 000 training images (a short run for a quick look).
    pub train_samples: usize,
    /// The first this many of the 10 000 test images score each epoch.
    pub test_samples: usize,
    pub seed: u64,
}

impl Default for TrainRequest {
    fn default() -> Self {
        TrainRequest {
            hidden: vec![30],
            activation: Activation::Sigmoid,
            output: Activation::Sigmoid,
            cost: Cost::Quadratic,
            eta: 3.0,
            batch_size: 10,
            epochs: 30,
            train_samples: 60_000,
            test_samples: 10_000,
            seed: 0,
        }
    }
}

/// Bounds that keep one page from holding the server for hours or its memory for gigabytes.
const MAX_HIDDEN_LAYERS: usize = 4;
const MAX_NEURONS: usize = 1024;
const MAX_EPOCHS: usize = 100;
/// The first layer's neurons whose weights are drawn as pictures each epoch.
const WEIGHT_PICTURES: usize = 30;

impl TrainRequest {
    /// The run it describes, or why not (the message names the field).
    fn spec(&self) -> std::result::Result<RunSpec, String> {
        if self.hidden.len() > MAX_HIDDEN_LAYERS {
            return Err(format!(
                "at most {MAX_HIDDEN_LAYERS} hidden layers, got {}",
                self.hidden.len()
            ));
        }
        if let Some(n) = self.hidden.iter().find(|&&n| n == 0 || n > MAX_NEURONS) {
            return Err(format!("hidden layers have 1 to {MAX_NEURONS} neurons, got {n}"));
        }
        if !(1..=MAX_EPOCHS).contains(&self.epochs) {
            return Err(format!("epochs must be 1 to {MAX_EPOCHS}, got {}", self.epochs));
        }
        if !(1..=60_000).contains(&self.train_samples) || !(1..=10_000).contains(&self.test_samples) {
            return Err(format!(
                "train_samples must be 1 to 60000 and test_samples 1 to 10000, got {} and {}",
                self.train_samples, self.test_samples
            ));
        }
        if !(1..=self.train_samples).contains(&self.batch_size) {
            return Err(format!(
                "batch_size must be 1 to train_samples ({}), got {}",
                self.train_samples, self.batch_size
            ));
        }
        if !(self.eta.is_finite() && self.eta > 0.0 && self.eta <= 100.0) {
            return Err(format!("eta must be in (0, 100], got {}", self.eta));
        }
        let sizes = [vec![784], self.hidden.clone(), vec![10]].concat();
        let spec = RunSpec {
            sizes,
            hidden: self.activation,
            output: self.output,
            cost: self.cost,
            init: Init::for_activation(self.activation),
            seed: self.seed,
            epochs: self.epochs,
            batch_size: self.batch_size,
            eta: self.eta,
            optimizer: RuleName::Sgd,
            momentum: 0.9,
            l2: 0.0,
            alpha: 0.0,
            dropout: 0.0,
            input_dropout: 0.0,
            lr_schedule: Schedule::Constant,
            early_stopping: None,
            validation_split: 0.0,
            autoencoder: false,
            augment: None,
            train_samples: self.train_samples,
            features: 784,
        };
        spec.architecture().validate().map_err(|e| e.to_string())?;
        Ok(spec)
    }
}

/// Starts a run on its own thread: 202, or 409 while another runs, 400 for a bad form, 503
/// when the server was started without MNIST.
pub fn start(state: &Arc<State>, request: &TrainRequest) -> Reply {
    let spec = match request.spec() {
        Ok(spec) => spec,
        Err(message) => return Reply::error(400, message),
    };
    let Some(dir) = state.data_dir.clone() else {
        return Reply::error(
            503,
            format!(
                "no MNIST to train on: the server was started without its directory{}",
                state.no_data_hint
            ),
        );
    };
    let test_samples = request.test_samples;
    let threads = crate::linalg::threads();
    spawn_job(state, "done", move |worker, control| {
        worker.publish("start", &json!({ "spec": spec }));
        crate::linalg::with_threads(threads, || run(worker, &dir, &spec, test_samples, control))
    })
}

/// Runs `job` on a thread of its own in the server's one training slot: 409 while another
/// run holds it, 503 when no thread can be started, else 202. The slot is freed however the
/// job ends (a panic included), before `done_event` tells the page how it ended, so the page
/// may start the next run at once.
pub(super) fn spawn_job(
    state: &Arc<State>,
    done_event: &'static str,
    job: impl FnOnce(&Arc<State>, &Control) -> Result<()> + Send + 'static,
) -> Reply {
    let Some(control) = state.claim_job() else {
        return Reply::error(
            409,
            "a training run is going on; stop it first (POST /api/train/stop)",
        );
    };
    let worker = state.clone();
    let spawned = std::thread::Builder::new().spawn(move || {
        struct Release(Arc<State>);
        impl Drop for Release {
            fn drop(&mut self) {
                self.0.release_job();
            }
        }
        let release = Release(worker.clone());
        let result = job(&worker, &control);
        let status = match (&result, control.mode()) {
            (Ok(()), _) => json!({ "status": "finished" }),
            (Err(_), Mode::Stopping) => json!({ "status": "stopped" }),
            (Err(e), _) => json!({ "status": "failed", "error": e.to_string() }),
        };
        drop(release);
        worker.publish(done_event, &status);
    });
    if spawned.is_err() {
        state.release_job();
        return Reply::error(503, "no thread could be started for training; try again");
    }
    Reply::json(202, &json!({ "started": true }))
}

fn run(
    state: &State,
    dir: &std::path::Path,
    spec: &RunSpec,
    test_samples: usize,
    control: &Control,
) -> Result<()> {
    state.publish("status", &json!({ "message": "reading MNIST" }));
    let sets = state.mnist(dir)?;
    let (train_set, test_set) = (
        sets.0.truncated(spec.train_samples),
        sets.1.truncated(test_samples),
    );
    // One generator for the weights and then each epoch's shuffle, as `mlp train` draws them.
    let mut rng = ChaCha8Rng::seed_from_u64(spec.seed);
    let mut net: Network<f32> = Network::build(&spec.architecture(), spec.init, &mut rng)?;
    let mut optim = spec.optim(&net)?;
    let mut progress = Progress::new(rng);
    let config = spec.config(None);
    let sets = Sets {
        train: &train_set,
        validation: None,
        test: Some(&test_set),
    };
    state.publish("status", &json!({ "message": "training" }));
    train::train(&mut net, sets, &config, &mut optim, &mut progress, |event| {
        match event {
            Event::Batches { epoch, done, total } => {
                if !control.proceed() {
                    return Err(Error::Invalid("training stopped from the page".into()));
                }
                state.publish(
                    "batches",
                    &json!({ "epoch": epoch, "done": done, "total": total }),
                );
            }
            Event::Epoch(report) => state.publish("epoch", &json!(report)),
            Event::Checkpoint(net, progress, _) => {
                state.publish("weights", &weight_pictures(net));
                state.set_model(Slot {
                    model: Arc::new(Model::digits(net.clone())),
                    source: format!("trained here, epoch {}", progress.epoch),
                });
                state.publish("model", &json!({ "epoch": progress.epoch }));
            }
        }
        Ok(())
    })
}

/// The weights into the first neurons of the first layer, each scaled to [0, 255] by its own
/// largest magnitude (127 is zero), row-major 28×28.
fn weight_pictures(net: &Network<f32>) -> serde_json::Value {
    let w = &net.layers[0].weights;
    let pictures: Vec<Vec<u8>> = w
        .rows()
        .into_iter()
        .take(WEIGHT_PICTURES)
        .map(|row| {
            let top = row
                .iter()
                .fold(0.0f32, |m, v| m.max(v.abs()))
                .max(f32::MIN_POSITIVE);
            row.iter()
                .map(|v| (127.5 + 127.5 * v / top).clamp(0.0, 255.0) as u8)
                .collect()
        })
        .collect();
    json!({ "neurons": w.nrows(), "pictures": pictures })
}
