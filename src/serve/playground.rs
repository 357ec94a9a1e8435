//! The Playground tab: a small network trained live on 2-D points ([`crate::data::toy`]) by
//! [`train::train`], on the one training slot the MNIST runs use. Every few mini-batches
//! (throttled by time) it streams the decision surface — the network's output over a grid of
//! the plane — each neuron's own surface and the weights; after each epoch the train
//! and test loss.

use super::http::{Reply, parse_json};
use super::state::{Control, Mode, State};
use crate::activation::Activation;
use crate::cost::Cost;
use crate::data::tabular::Task;
use crate::data::toy::{self, Feature, Points, Shape};
use crate::error::{Error, Result};
use crate::init::Init;
use crate::model::Model;
use crate::network::{Network, Workspace, argmax_rows};
use crate::optim::{RuleName, Schedule};
use crate::train::{self, Event, Progress, RunSpec, Sets};
use ndarray::{Array2, ArrayView2};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The form. Absent fields take the Playground's first screen: circle, x and y, 4-4 tanh.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields, default)]
pub struct PlaygroundRequest {
    /// A generated shape, or `"csv"` for the table uploaded last.
    pub dataset: String,
    pub samples: usize,
    pub noise: f64,
    pub test_ratio: f64,
    pub features: Vec<Feature>,
    pub hidden: Vec<usize>,
    pub activation: Activation,
    /// `"binary"` (one sigmoid neuron) or `"softmax"` (one neuron per class).
    pub output: String,
    /// For binary output: cross-entropy or quadratic; softmax takes log-likelihood.
    pub cost: Cost,
    pub eta: f64,
    pub batch_size: usize,
    /// scikit-learn's L2 penalty α.
    pub alpha: f64,
    pub dropout: f64,
    pub epochs: usize,
    /// Training is paced to this many epochs a second, so that it can be watched (a 2-4-4-1
    /// network on 200 points would otherwise run a thousand epochs in a second).
    pub epochs_per_second: f64,
    pub seed: u64,
}

impl Default for PlaygroundRequest {
    fn default() -> Self {
        PlaygroundRequest {
            dataset: "circle".into(),
            samples: 400,
            noise: 0.1,
            test_ratio: 0.5,
            features: vec![Feature::X, Feature::Y],
            hidden: vec![4, 4],
            activation: Activation::Tanh,
            output: "binary".into(),
            cost: Cost::CrossEntropy,
            eta: 0.1,
            batch_size: 10,
            alpha: 0.0,
            dropout: 0.0,
            epochs: 1000,
            epochs_per_second: 20.0,
            seed: 0,
        }
    }
}

/// Bounds that keep one page from holding the server's cores or memory.
pub const MAX_LAYERS: usize = 8;
pub const MAX_NEURONS: usize = 64;
pub const MAX_EPOCHS: usize = 1000;
/// The decision surface's grid, `GRID × GRID` points of the plane.
const GRID: usize = 48;
/// Every neuron's own surface is drawn small: every `NEURON_STEP`-th grid point (16 × 16).
const NEURON_STEP: usize = 3;
/// Neurons per layer shown as small surfaces (the page draws no more).
const SHOWN_NEURONS: usize = 16;
/// Surfaces are sent at most this often: about 40 a second, above the 30 the page aims at.
const FRAME: Duration = Duration::from_millis(25);

/// What a run trains on, and the network's shape.
struct Plan {
    spec: RunSpec,
    train: Points,
    test: Points,
    /// The plane shown is `[−scale, scale]²`; features divide coordinates by it.
    scale: f32,
    features: Vec<Feature>,
    binary: bool,
    epochs_per_second: f64,
}

impl PlaygroundRequest {
    fn plan(&self, uploaded: Option<Arc<Points>>) -> std::result::Result<Plan, String> {
        let binary = match self.output.as_str() {
            "binary" => true,
            "softmax" => false,
            other => return Err(format!("output is binary or softmax, not {other:?}")),
        };
        if self.hidden.len() > MAX_LAYERS {
            return Err(format!(
                "at most {MAX_LAYERS} hidden layers, got {}",
                self.hidden.len()
            ));
        }
        if let Some(n) = self.hidden.iter().find(|&&n| n == 0 || n > MAX_NEURONS) {
            return Err(format!("hidden layers have 1 to {MAX_NEURONS} neurons, got {n}"));
        }
        if !(1..=MAX_EPOCHS).contains(&self.epochs) {
            return Err(format!("epochs must be 1 to {MAX_EPOCHS}, got {}", self.epochs));
        }
        if self.features.is_empty() || self.features.len() > 7 {
            return Err("features: choose 1 to 7 of x, y, x2, y2, xy, sinx, siny".into());
        }
        if !(10..=toy::MAX_ROWS).contains(&self.samples) {
            return Err(format!(
                "samples must be 10 to {}, got {}",
                toy::MAX_ROWS,
                self.samples
            ));
        }
        if !(0.0..=1.0).contains(&self.noise) {
            return Err(format!("noise must be 0 to 1, got {}", self.noise));
        }
        if !(0.1..=0.9).contains(&self.test_ratio) {
            return Err(format!("test_ratio must be 0.1 to 0.9, got {}", self.test_ratio));
        }
        if !(self.eta.is_finite() && self.eta > 0.0 && self.eta <= 10.0) {
            return Err(format!("eta must be in (0, 10], got {}", self.eta));
        }
        if !(0.0..=1.0).contains(&self.alpha) || !(0.0..0.9).contains(&self.dropout) {
            return Err(format!(
                "alpha must be 0 to 1 and dropout 0 to 0.9 (below), got {} and {}",
                self.alpha, self.dropout
            ));
        }
        if !(self.epochs_per_second.is_finite() && self.epochs_per_second > 0.0) {
            return Err("epochs_per_second must be above 0".into());
        }
        let points = match self.dataset.as_str() {
            "csv" => match uploaded {
                Some(p) => (*p).clone(),
                None => return Err("no table uploaded yet (POST /api/playground/csv)".into()),
            },
            name => {
                let shape: Shape = serde_json::from_value(json!(name))
                    .map_err(|_| format!("dataset is circle, xor, gaussians, spiral or csv, not {name:?}"))?;
                toy::generate(shape, self.samples, self.noise, self.seed)
            }
        };
        let scale = if self.dataset == "csv" {
            points.extent()
        } else {
            toy::EXTENT
        };
        if binary && points.n_classes != 2 {
            return Err(format!(
                "a single output neuron tells two classes apart; these points have {}: choose softmax",
                points.n_classes
            ));
        }
        let (train, test) = points.split(self.test_ratio, self.seed);
        if train.is_empty() || test.is_empty() {
            return Err("too few points to split into training and test points".into());
        }
        if !(1..=train.len()).contains(&self.batch_size) {
            return Err(format!(
                "batch_size must be 1 to the {} training points, got {}",
                train.len(),
                self.batch_size
            ));
        }
        let (outputs, output, cost) = if binary {
            (1, Activation::Sigmoid, self.cost)
        } else {
            (points.n_classes, Activation::Softmax, Cost::LogLikelihood)
        };
        if binary && !matches!(self.cost, Cost::CrossEntropy | Cost::Quadratic) {
            return Err(format!(
                "a binary output takes the cross-entropy or quadratic cost, not {}",
                self.cost
            ));
        }
        let spec = RunSpec {
            sizes: [vec![self.features.len()], self.hidden.clone(), vec![outputs]].concat(),
            hidden: self.activation,
            output,
            cost,
            init: Init::for_activation(self.activation),
            seed: self.seed,
            epochs: self.epochs,
            batch_size: self.batch_size,
            eta: self.eta,
            optimizer: RuleName::Sgd,
            momentum: 0.9,
            l2: 0.0,
            alpha: self.alpha,
            dropout: self.dropout,
            input_dropout: 0.0,
            lr_schedule: Schedule::Constant,
            early_stopping: None,
            validation_split: 0.0,
            autoencoder: false,
            augment: None,
            train_samples: train.len(),
            features: self.features.len(),
        };
        spec.architecture().validate().map_err(|e| e.to_string())?;
        Ok(Plan {
            spec,
            train,
            test,
            scale,
            features: self.features.clone(),
            binary,
            epochs_per_second: self.epochs_per_second,
        })
    }
}

/// `POST /api/playground/csv`: the table, kept for runs with `"dataset": "csv"`.
pub fn upload(state: &State, body: &[u8]) -> Reply {
    let Ok(text) = std::str::from_utf8(body) else {
        return Reply::error(400, "the table is not UTF-8 text");
    };
    match toy::parse_csv(text) {
        Ok(points) => {
            let reply = json!({ "rows": points.len(), "classes": points.n_classes });
            state.set_playground_points(points);
            Reply::json(200, &reply)
        }
        Err(e) => Reply::error(422, e.to_string()),
    }
}

/// `POST /api/playground/train`: 202, 409 while a run goes on, 400 for a bad form.
pub fn start(state: &Arc<State>, body: &[u8]) -> Reply {
    let request: PlaygroundRequest = match parse_json(body) {
        Ok(r) => r,
        Err(reply) => return reply,
    };
    let plan = match request.plan(state.playground_points()) {
        Ok(plan) => plan,
        Err(message) => return Reply::error(400, message),
    };
    super::training::spawn_job(state, "playground-done", move |worker, control| {
        let points = |p: &Points| -> Vec<[f32; 3]> {
            p.xy.iter()
                .zip(&p.labels)
                .map(|(xy, &l)| [xy[0], xy[1], f32::from(l)])
                .collect()
        };
        worker.publish(
            "playground-start",
            &json!({
                "spec": plan.spec, "scale": plan.scale, "grid": GRID,
                "neuron_grid": GRID / NEURON_STEP, "classes": plan.train.n_classes,
                "features": plan.features,
                "train": points(&plan.train), "test": points(&plan.test),
            }),
        );
        // One core: the networks are tiny, and the other core serves the page.
        crate::linalg::with_threads(1, || run(worker, &plan, control))
    })
}

fn run(state: &State, plan: &Plan, control: &Control) -> Result<()> {
    let spec = &plan.spec;
    let (train_set, test_set) = (
        toy::dataset(&plan.train, &plan.features, plan.scale, plan.binary)?,
        toy::dataset(&plan.test, &plan.features, plan.scale, plan.binary)?,
    );
    let mut rng = ChaCha8Rng::seed_from_u64(spec.seed);
    let mut net: Network<f32> = Network::build(&spec.architecture(), spec.init, &mut rng)?;
    let mut optim = spec.optim(&net)?;
    let mut progress = Progress::new(rng);
    // A checkpoint moment after every mini-batch: where surfaces are sent and pace is kept.
    let config = spec.config(Some(1));
    let sets = Sets {
        train: &train_set,
        validation: None,
        test: Some(&test_set),
    };
    let grid = grid_points(plan.scale);
    let grid_inputs = toy::inputs(&grid, &plan.features, plan.scale);
    let mut ws = Workspace::new(&net, grid.len().max(plan.train.len()).max(plan.test.len()));
    let batch_time = Duration::from_secs_f64(
        1.0 / (plan.epochs_per_second * spec.train_samples.div_ceil(spec.batch_size) as f64),
    );
    let (mut next, mut last_frame, mut epoch_seen) = (Instant::now(), None::<Instant>, 0);
    let train_x = toy::inputs(&plan.train.xy, &plan.features, plan.scale);
    let test_x = toy::inputs(&plan.test.xy, &plan.features, plan.scale);
    train::train(&mut net, sets, &config, &mut optim, &mut progress, |event| {
        let Event::Checkpoint(net, progress, _) = event else {
            return Ok(());
        };
        if progress.epoch > epoch_seen {
            epoch_seen = progress.epoch;
            let (train_loss, train_acc) = score(net, &mut ws, train_x.view(), &plan.train, plan.binary);
            let (test_loss, test_acc) = score(net, &mut ws, test_x.view(), &plan.test, plan.binary);
            state.publish(
                "playground-epoch",
                &json!({ "epoch": progress.epoch, "train_loss": train_loss, "test_loss": test_loss,
                         "train_accuracy": train_acc, "test_accuracy": test_acc }),
            );
            state.set_playground_model(model(net, plan));
        }
        let paused = control.mode() == Mode::Paused;
        if paused || last_frame.is_none_or(|t| t.elapsed() >= FRAME) {
            last_frame = Some(Instant::now());
            state.publish(
                "playground-surface",
                &surface(net, &mut ws, grid_inputs.view(), progress),
            );
        }
        if !control.proceed() {
            return Err(Error::Invalid("training stopped from the page".into()));
        }
        // Paced: each mini-batch its share of an epoch's time; behind by more than a frame
        // (after a pause, say), the pace starts again from now instead of racing to catch up.
        next += batch_time;
        let now = Instant::now();
        if next > now {
            std::thread::sleep(next - now);
        } else if now - next > FRAME {
            next = now;
        }
        Ok(())
    })
}

/// The centres of a `GRID × GRID` grid over `[−scale, scale]²`, row by row from the top
/// (largest y) down, as a picture's rows go.
fn grid_points(scale: f32) -> Vec<[f32; 2]> {
    let at = |k: usize| -scale + (k as f32 + 0.5) * 2.0 * scale / GRID as f32;
    (0..GRID)
        .flat_map(|r| (0..GRID).map(move |c| [at(c), at(GRID - 1 - r)]))
        .collect()
}

/// Per grid point the winning class and its confidence (0 to 255: 0 on the boundary, 255
/// sure); each shown neuron's output (hidden and output layers) on the small grid, scaled by
/// its layer's largest magnitude (127 is 0), and those scales; and the weights, for the links.
fn surface(net: &Network<f32>, ws: &mut Workspace<f32>, x: ArrayView2<f32>, progress: &Progress) -> Value {
    let n = x.nrows();
    let out = net.feedforward_batch(x, ws).to_owned();
    let (class, level) = classes_and_confidence(out.view());
    let small: Vec<usize> = (0..GRID / NEURON_STEP)
        .flat_map(|r| {
            (0..GRID / NEURON_STEP).map(move |c| (r * NEURON_STEP + 1) * GRID + c * NEURON_STEP + 1)
        })
        .collect();
    // One scale per layer, its largest |z| over the shown neurons and points, so that the
    // maps of one layer compare in magnitude (a faint map is a neuron that does little).
    let (neurons, scales): (Vec<Vec<Vec<u8>>>, Vec<f32>) = (1..=net.layers.len())
        .map(|l| {
            let z = ws.activation(l, n);
            let shown = 0..z.ncols().min(SHOWN_NEURONS);
            let top = shown
                .clone()
                .flat_map(|j| small.iter().map(move |&i| z[[i, j]].abs()))
                .fold(0.0f32, f32::max)
                .max(1e-6);
            let maps = shown
                .map(|j| {
                    small
                        .iter()
                        .map(|&i| (127.5 + 127.5 * z[[i, j]] / top).clamp(0.0, 255.0) as u8)
                        .collect()
                })
                .collect();
            (maps, top)
        })
        .unzip();
    let weights: Vec<Vec<Vec<f32>>> = net
        .layers
        .iter()
        .map(|layer| layer.weights.rows().into_iter().map(|r| r.to_vec()).collect())
        .collect();
    json!({
        "epoch": progress.epoch, "step": progress.step,
        "class": class, "level": level, "neurons": neurons, "neuron_scales": scales, "weights": weights,
    })
}

/// The class each output row gives and how sure it is, 0 to 255. One sigmoid neuron: class 1
/// when `z > ½`, sureness `|2z − 1|`; softmax: the largest probability `p` of `k` classes,
/// sureness `(p − 1/k)/(1 − 1/k)`.
fn classes_and_confidence(out: ArrayView2<f32>) -> (Vec<u8>, Vec<u8>) {
    let k = out.ncols();
    let level = |v: f32| (255.0 * v).clamp(0.0, 255.0) as u8;
    if k == 1 {
        out.column(0)
            .iter()
            .map(|&z| (u8::from(z > 0.5), level((2.0 * z - 1.0).abs())))
            .unzip()
    } else {
        let chance = 1.0 / k as f32;
        argmax_rows(out)
            .zip(out.rows())
            .map(|(c, row)| (c as u8, level((row[c] - chance) / (1.0 - chance))))
            .unzip()
    }
}

/// The mean cost per point (by the network's own cost, without the L2 term) and the fraction
/// classified right.
fn score(
    net: &Network<f32>,
    ws: &mut Workspace<f32>,
    x: ArrayView2<f32>,
    points: &Points,
    binary: bool,
) -> (f64, f64) {
    let n = x.nrows();
    let z = net.feedforward_batch(x, ws).to_owned();
    let big_l = net.layers.len();
    let y = Array2::from_shape_fn((n, z.ncols()), |(i, j)| {
        let label = usize::from(points.labels[i]);
        f32::from(if binary { label == 1 } else { label == j })
    });
    let total = net.cost.total(ws.weighted_input(big_l, n), z.view(), y.view());
    let (predicted, _) = classes_and_confidence(z.view());
    let right = predicted
        .iter()
        .zip(&points.labels)
        .filter(|(p, l)| p == l)
        .count();
    (f64::from(total) / n as f64, right as f64 / n as f64)
}

/// The network as a model file: a binary output is a regressor of `p(class 1)` (what `mlp
/// predict` prints for one output neuron), softmax a classifier of the classes `0 … k−1`.
fn model(net: &Network<f32>, plan: &Plan) -> Model {
    let mut model = Model::digits(net.clone());
    model.features = plan.features.iter().map(|f| f.name(plan.scale)).collect();
    if plan.binary {
        model.task = Task::Regress;
        model.classes.clear();
        model.target = "p(class 1)".into();
    }
    model
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_maps_of_one_layer_share_its_scale() {
        // Weights 0, so each hidden neuron is flat over the plane: z = σ(2) ≈ 0.881 and
        // σ(0) = 0.5. On one shared scale the second map is 0.5/0.881 as strong as the first.
        let mut rng = ChaCha8Rng::seed_from_u64(0);
        let mut net: Network<f32> = Network::new(&[2, 2, 1], Init::StandardNormal, &mut rng).unwrap();
        net.layers[0].weights.fill(0.0);
        net.layers[0].biases = ndarray::array![2.0, 0.0];
        let x = Array2::<f32>::zeros((GRID * GRID, 2));
        let mut ws = Workspace::new(&net, GRID * GRID);
        let s = surface(&net, &mut ws, x.view(), &Progress::new(rng));
        let top = 1.0 / (1.0 + (-2.0f32).exp());
        assert!(
            (s["neuron_scales"][0].as_f64().unwrap() - f64::from(top)).abs() < 1e-6,
            "{}",
            s["neuron_scales"]
        );
        let pixel = |j: usize| s["neurons"][0][j][0].as_u64().unwrap();
        assert_eq!(pixel(0), 255);
        assert_eq!(pixel(1), (127.5 + 127.5 * 0.5 / top) as u64);
    }
}
