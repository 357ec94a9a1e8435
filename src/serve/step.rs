//! "Step through one mini-batch": the lecture's equations for `m` samples — the drawing with
//! its chosen target as sample 1, then MNIST training images `first … first + m − 2` — with the
//! numbers of one chosen neuron `j` of one chosen layer `l` for each sample and their mean.
//!
//! Every number is the library's: each sample's `a^l`, `z^l`, `δ^l` and gradients, and the
//! mini-batch's mean gradient, from [`reference::mini_batch`] (the one-sample oracle the fast
//! path is tested against, summed over the samples); the update `w ← w − (η/m) Σ_x ∂C_x/∂w`
//! from the training engine's own SGD step ([`Optim::step`]), which "apply" hands to the canvas.

use super::http::{Reply, parse_json};
use super::state::{Slot, State};
use crate::activation::Activation;
use crate::data::digit_image::{self, SIDE};
use crate::model::Model;
use crate::network::{Workspace, argmax_rows};
use crate::optim::{Optim, Optimizer};
use crate::reference;
use ndarray::{Array1, Array2, ArrayView1, s};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StepRequest {
    /// The drawing, 28×28 grey levels, ink = 1.
    pixels: Vec<f32>,
    /// The digit the drawing is meant to be: its target `y`.
    label: usize,
    /// The mini-batch size `m`, 1 to [`MAX_BATCH`].
    #[serde(default = "one")]
    m: usize,
    /// The first MNIST training image of the batch's other `m − 1` samples.
    #[serde(default)]
    first: usize,
    /// The chosen layer `l`, 1 to L, and its neuron `j`, from 0.
    #[serde(default = "one")]
    layer: usize,
    #[serde(default)]
    neuron: usize,
    /// The learning rate `η` of the update.
    #[serde(default = "lecture_eta")]
    eta: f64,
    /// Whether the served model takes the step.
    #[serde(default)]
    apply: bool,
}

fn one() -> usize {
    1
}

fn lecture_eta() -> f64 {
    3.0
}

/// The largest mini-batch stepped through: its rows are shown one per sample.
pub const MAX_BATCH: usize = 32;
/// Terms of a sum shown for sample 1, largest in magnitude first.
const TERMS: usize = 4;
/// Weights `w^l_jk` of the chosen neuron whose gradients are shown: those with the largest
/// mean gradient.
const SHOWN_WEIGHTS: usize = 3;

/// The mini-batch: inputs as the first layer reads them, one-hot targets, and where each
/// sample came from.
struct Batch {
    x: Array2<f32>,
    y: Array2<f32>,
    sources: Vec<String>,
    labels: Vec<usize>,
    /// Said on the page when the batch is not what was asked for.
    note: Option<String>,
}

/// `{"pixels": [784], "label": d, "m", "first", "layer", "neuron", "eta", "apply"}` → per
/// sample the chosen neuron's numbers, their mean, and the update (see the README).
pub fn step(state: &State, body: &[u8]) -> Reply {
    let request: StepRequest = match parse_json(body) {
        Ok(r) => r,
        Err(reply) => return reply,
    };
    let Some(slot) = state.model() else {
        return Reply::error(409, "no model yet: train one first");
    };
    let model = &slot.model;
    let net = &model.net;
    let big_l = net.layers.len();
    if net.n_inputs() != SIDE * SIDE {
        return Reply::error(
            409,
            format!("the model reads {} features, not 784 pixels", net.n_inputs()),
        );
    }
    if let Err(message) = check(&request, net.sizes()) {
        return Reply::error(422, message);
    }
    let batch = match batch(state, model, &request) {
        Ok(b) => b,
        Err(reply) => return reply,
    };
    let m = batch.x.nrows();
    let (l, j) = (request.layer, request.neuron);
    let layer = &net.layers[l - 1];

    // Each sample through the one-sample oracle; the chosen neuron's numbers kept.
    let mut samples: Vec<Sample> = Vec::with_capacity(m);
    let (total, mean) =
        reference::mini_batch(net, batch.x.view(), batch.y.view(), |i, trace, cost, grads| {
            let (a, z, delta) = (trace.a[l][j], trace.z[l][j], grads.biases[l - 1][j]);
            let y = batch.y.row(i);
            let out = trace.z[big_l].view().insert_axis(ndarray::Axis(0));
            samples.push(Sample {
                cost,
                prediction: argmax_rows(out).next().expect("one row"),
                a,
                z,
                delta,
                // f'(a) per neuron; softmax's Jacobian is not one number per neuron.
                fprime: (layer.activation != Activation::Softmax).then(|| layer.activation.derivative(a, z)),
                output: (l == big_l).then(|| (reference::cost_gradient(net.cost, &trace.z[l], y)[j], y[j])),
                // δ^l_j = (Σ_i w^(l+1)_ij δ^(l+1)_i) f'(a^l_j): the sum over the next layer's neurons.
                back: (l < big_l).then(|| {
                    let (w, d) = (net.layers[l].weights.column(j), grads.biases[l].view());
                    (w.dot(&d), largest(w, d))
                }),
                forward_terms: largest(layer.weights.row(j), trace.z[l - 1].view()),
                z_prev: trace.z[l - 1].clone(),
                row: grads.weights[l - 1].row(j).to_owned(),
            });
        });
    let mean_row = mean.weights[l - 1].row(j);
    let mut shown: Vec<usize> = (0..mean_row.len()).collect();
    shown.sort_by(|&p, &q| mean_row[q].abs().total_cmp(&mean_row[p].abs()));
    shown.truncate(SHOWN_WEIGHTS);

    // The update by the engine's own SGD step: W ← W − (η/m) Δᵀ·Z_prev, b ← b − (η/m) Σ δ.
    let mut stepped = net.clone();
    let mut optim = Optim::new(Optimizer::Sgd, request.eta, 0.0, &stepped);
    let mut ws = Workspace::new(&stepped, m);
    let (_, finite) = optim.step(&mut stepped, batch.x.view(), batch.y.view(), &mut ws);
    if !finite {
        return Reply::error(
            422,
            format!(
                "η = {} sends weights to infinity; choose a smaller η",
                request.eta
            ),
        );
    }
    let after = &stepped.layers[l - 1];
    if request.apply {
        if state.job().is_some() {
            return Reply::error(
                409,
                "a training run is going on; its next epoch would replace the step",
            );
        }
        state.set_model(Slot {
            model: Arc::new(Model {
                net: stepped.clone(),
                ..(**model).clone()
            }),
            source: stepped_source(&slot.source),
        });
    }

    let samples: Vec<Value> = samples
        .iter()
        .zip(&batch.sources)
        .zip(&batch.labels)
        .map(|((s, source), &label)| s.to_json(source, label, &shown))
        .collect();
    Reply::json(
        200,
        &json!({
            "m": m,
            "first": request.first,
            "note": batch.note,
            "eta": request.eta,
            "layer": l,
            "neuron": j,
            "sizes": net.sizes(),
            "activations": net.layers.iter().map(|l| l.activation.name()).collect::<Vec<_>>(),
            "cost_name": net.cost.name(),
            "samples": samples,
            "shown": shown,
            "mean": {
                "cost": total / m as f32,
                "delta": mean.biases[l - 1][j],
                "weights": shown.iter().map(|&k| mean_row[k]).collect::<Vec<_>>(),
                "row": mean_row.to_vec(),
            },
            "update": {
                "bias": [layer.biases[j], after.biases[j]],
                "weights": shown.iter().map(|&k| [layer.weights[[j, k]], after.weights[[j, k]]]).collect::<Vec<_>>(),
                "applied": request.apply,
            },
        }),
    )
}

/// The request's numbers against the model's `sizes`: why not, naming the field.
fn check(request: &StepRequest, sizes: Vec<usize>) -> Result<(), String> {
    let big_l = sizes.len() - 1;
    if request.label >= sizes[big_l] {
        return Err(format!(
            "the label must be a class of the model, 0 to {}",
            sizes[big_l] - 1
        ));
    }
    if !(1..=MAX_BATCH).contains(&request.m) {
        return Err(format!(
            "m (the mini-batch size) must be 1 to {MAX_BATCH}, got {}",
            request.m
        ));
    }
    if !(1..=big_l).contains(&request.layer) {
        return Err(format!("layer must be 1 to {big_l}, got {}", request.layer));
    }
    let n = sizes[request.layer];
    if request.neuron >= n {
        return Err(format!(
            "neuron must be 0 to {} (layer {} has {n}), got {}",
            n - 1,
            request.layer,
            request.neuron
        ));
    }
    if !(request.eta.is_finite() && request.eta > 0.0 && request.eta <= 100.0) {
        return Err(format!("eta must be in (0, 100], got {}", request.eta));
    }
    Ok(())
}

/// The drawing (through `mlp predict`'s preprocessing) and the next `m − 1` MNIST training
/// images, as the model reads them; without MNIST on the server, the drawing alone.
fn batch(state: &State, model: &Model, request: &StepRequest) -> Result<Batch, Reply> {
    let drawing = digit_image::digit_from_pixels(&request.pixels, SIDE as u32, SIDE as u32)
        .map_err(|message| Reply::error(422, message))?;
    let n_out = model.net.n_outputs();
    let mut sources = vec!["drawing".to_string()];
    let mut labels = vec![request.label];
    let mut note = None;
    let mut raw = Array2::zeros((request.m, SIDE * SIDE));
    raw.row_mut(0).assign(&ArrayView1::from(&drawing.pixels));
    match (&state.data_dir, request.m) {
        (_, 1) => {}
        (None, m) => {
            note = Some(format!(
                "no MNIST on this server, so the mini-batch is the drawing alone: m = 1, not {m}"
            ));
            raw = raw.slice(s![..1, ..]).to_owned();
        }
        (Some(dir), m) => {
            let sets = state.mnist(dir).map_err(|e| Reply::error(503, e.to_string()))?;
            let train = &sets.0;
            if request.first.saturating_add(m - 1) > train.len() {
                return Err(Reply::error(
                    422,
                    format!(
                        "first must be 0 to {} for m = {m} ({} training images)",
                        train.len() - (m - 1),
                        train.len()
                    ),
                ));
            }
            let indices: Vec<usize> = (request.first..request.first + m - 1).collect();
            train.fill_inputs(&indices, raw.slice_mut(s![1.., ..]));
            for &i in &indices {
                let label = usize::from(train.labels[i]);
                if label >= n_out {
                    return Err(Reply::error(
                        409,
                        format!("MNIST image {i} is a {label}, but the model has {n_out} outputs"),
                    ));
                }
                sources.push(format!("MNIST #{i}"));
                labels.push(label);
            }
        }
    }
    let x = model
        .prepare(raw.view())
        .map_err(|e| Reply::error(409, e.to_string()))?;
    let y = Array2::from_shape_fn((x.nrows(), n_out), |(i, c)| f32::from(u8::from(c == labels[i])));
    Ok(Batch {
        x,
        y,
        sources,
        labels,
        note,
    })
}

/// One sample's numbers at the chosen neuron `j` of layer `l`.
struct Sample {
    cost: f32,
    prediction: usize,
    a: f32,
    z: f32,
    /// `δ^l_j`, which is also `∂C_x/∂b^l_j`.
    delta: f32,
    fprime: Option<f32>,
    /// `∂C_x/∂z^L_j` and `y_j`, for the output layer.
    output: Option<(f32, f32)>,
    /// `Σ_i w^(l+1)_ij δ^(l+1)_i` and its largest terms, below the output layer.
    back: Option<(f32, Value)>,
    forward_terms: Value,
    /// `z^(l−1)`, and `∂C_x/∂w^l_jk` for every `k`.
    z_prev: Array1<f32>,
    row: Array1<f32>,
}

impl Sample {
    fn to_json(&self, source: &str, label: usize, shown: &[usize]) -> Value {
        json!({
            "source": source,
            "label": label,
            "prediction": self.prediction,
            "cost": self.cost,
            "a": self.a,
            "z": self.z,
            "delta": self.delta,
            "fprime": self.fprime,
            "grad_z": self.output.map(|o| o.0),
            "y": self.output.map(|o| o.1),
            "back_sum": self.back.as_ref().map(|b| b.0),
            "back_terms": self.back.as_ref().map(|b| b.1.clone()),
            "forward_terms": self.forward_terms,
            "inputs": shown.iter().map(|&k| self.z_prev[k]).collect::<Vec<_>>(),
            "weight_grads": shown.iter().map(|&k| self.row[k]).collect::<Vec<_>>(),
        })
    }
}

/// "digits.st" → "digits.st + 1 SGD step" → "digits.st + 2 SGD steps".
fn stepped_source(source: &str) -> String {
    let counted = source.rsplit_once(" + ").and_then(|(base, tail)| {
        let n = tail
            .trim_end_matches('s')
            .strip_suffix(" SGD step")?
            .parse::<usize>()
            .ok()?;
        Some((base, n))
    });
    let (base, n) = counted.unwrap_or((source, 0));
    let n = n + 1;
    format!("{base} + {n} SGD step{}", if n == 1 { "" } else { "s" })
}

/// The `TERMS` largest products `w_i v_i` of a dot product, as `[i, w_i, v_i]`.
fn largest(w: ArrayView1<f32>, v: ArrayView1<f32>) -> Value {
    let mut terms: Vec<(usize, f32, f32)> = w
        .iter()
        .zip(v)
        .enumerate()
        .map(|(i, (&w, &v))| (i, w, v))
        .collect();
    terms.sort_by(|a, b| (b.1 * b.2).abs().total_cmp(&(a.1 * a.2).abs()));
    terms.truncate(TERMS);
    json!(
        terms
            .iter()
            .map(|&(i, w, v)| json!([i, w, v]))
            .collect::<Vec<_>>()
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_source_counts_the_steps_taken() {
        assert_eq!(super::stepped_source("m.st"), "m.st + 1 SGD step");
        assert_eq!(super::stepped_source("m.st + 1 SGD step"), "m.st + 2 SGD steps");
        assert_eq!(
            super::stepped_source("a + b + 2 SGD steps"),
            "a + b + 3 SGD steps"
        );
    }
}
