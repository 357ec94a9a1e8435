//! One backpropagation step through the lecture's equations for the drawing on the canvas:
//! every layer's `a^l`, `z^l` and `δ^l` from [`crate::reference`] (the one-sample oracle the
//! fast path is tested against), and for each neuron the largest terms of its sums, so the
//! page can show the numbers behind one neuron.

use super::http::{Reply, parse_json};
use super::state::State;
use crate::activation::Activation;
use crate::data::digit_image::{self, SIDE};
use crate::reference;
use ndarray::{Array1, ArrayView1};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StepRequest {
    pixels: Vec<f32>,
    /// The digit the drawing is meant to be: the target `y` of the cost.
    label: usize,
}

/// Terms of a sum shown per neuron, largest in magnitude first.
const TERMS: usize = 4;

/// `{"pixels": [784], "label": d}` → `{"cost", "grad_z", "layers": [{"a", "z", "delta",
/// "fprime", "bias", "forward_terms", "back_sum", "back_terms"}]}`, layers numbered from 1.
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
    if net.n_inputs() != SIDE * SIDE || request.label >= net.n_outputs() {
        return Reply::error(
            422,
            format!(
                "the label must be a class of the model, 0 to {}",
                net.n_outputs() - 1
            ),
        );
    }
    let input = match digit_image::digit_from_pixels(&request.pixels, SIDE as u32, SIDE as u32) {
        Ok(digit) => digit.pixels,
        Err(message) => return Reply::error(422, message),
    };
    let x = match model.prepare(ndarray::ArrayView2::from_shape((1, input.len()), &input).expect("784")) {
        Ok(x) => x.row(0).to_owned(),
        Err(e) => return Reply::error(409, e.to_string()),
    };
    let y = Array1::from_shape_fn(net.n_outputs(), |j| if j == request.label { 1.0f32 } else { 0.0 });
    let trace = reference::feedforward(net, x.view());
    let (cost, grads) = reference::backprop(net, x.view(), y.view());
    let big_l = net.layers.len();
    let layers: Vec<Value> = (1..=big_l)
        .map(|l| {
            let layer = &net.layers[l - 1];
            let (a, z, delta) = (&trace.a[l], &trace.z[l], &grads.biases[l - 1]);
            // f'(a) per neuron; softmax's Jacobian is not one number per neuron.
            let fprime = (layer.activation != Activation::Softmax).then(|| {
                a.iter()
                    .zip(z)
                    .map(|(&a, &z)| layer.activation.derivative(a, z))
                    .collect::<Vec<f32>>()
            });
            let z_prev = &trace.z[l - 1];
            let forward_terms: Vec<Value> = (0..layer.neurons())
                .map(|j| largest(layer.weights.row(j), z_prev.view()))
                .collect();
            // δ^l_k = (Σ_j w^(l+1)_jk δ^(l+1)_j) f'(a^l_k): the sum over the next layer's neurons.
            let (back_sum, back_terms) = if l < big_l {
                let next = &net.layers[l];
                let next_delta = &grads.biases[l];
                let sums: Vec<f32> = (0..layer.neurons())
                    .map(|k| next.weights.column(k).dot(next_delta))
                    .collect();
                let terms: Vec<Value> = (0..layer.neurons())
                    .map(|k| largest(next.weights.column(k), next_delta.view()))
                    .collect();
                (json!(sums), json!(terms))
            } else {
                (Value::Null, Value::Null)
            };
            json!({
                "l": l,
                "activation": layer.activation.name(),
                "inputs": layer.inputs(),
                "a": a.to_vec(),
                "z": z.to_vec(),
                "delta": delta.to_vec(),
                "fprime": fprime,
                "bias": layer.biases.to_vec(),
                "forward_terms": forward_terms,
                "back_sum": back_sum,
                "back_terms": back_terms,
            })
        })
        .collect();
    let grad_z = reference::cost_gradient(net.cost, &trace.z[big_l], y.view());
    Reply::json(
        200,
        &json!({
            "label": request.label,
            "cost_name": net.cost.to_string(),
            "cost": cost,
            "grad_z": grad_z.to_vec(),
            "layers": layers,
        }),
    )
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
