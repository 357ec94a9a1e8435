//! The answers that compute something: a drawing's prediction, the gates' truth tables, the
//! model file.

use super::http::{Reply, parse_json};
use super::state::State;
use crate::data::digit_image::{self, SIDE};
use crate::network::argmax_rows;
use crate::perceptron::{self, Perceptron};
use ndarray::Array2;
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PredictRequest {
    /// 28×28 grey levels, row by row, ink = 1.
    pixels: Vec<f32>,
}

/// `{"pixels": [784]}` → the prediction, the output layer's values, every layer's
/// activations, and the 28×28 input the network saw after MNIST's preprocessing.
pub fn predict(state: &State, body: &[u8]) -> Reply {
    let request: PredictRequest = match parse_json(body) {
        Ok(r) => r,
        Err(reply) => return reply,
    };
    let Some(slot) = state.model() else {
        return Reply::error(
            409,
            "no model yet: train one on the page, or start mlp serve with a MODEL file",
        );
    };
    let model = &slot.model;
    if model.net.n_inputs() != SIDE * SIDE {
        return Reply::error(
            409,
            format!(
                "the model reads {} features, not 784 pixels",
                model.net.n_inputs()
            ),
        );
    }
    // The same preprocessing as `mlp predict` gives a picture file: crop, scale to 20×20,
    // centre by the centre of mass.
    let input = match digit_image::digit_from_pixels(&request.pixels, SIDE as u32, SIDE as u32) {
        Ok(digit) => digit.pixels,
        Err(message) => return Reply::error(422, message),
    };
    let x = Array2::from_shape_vec((1, input.len()), input.clone()).expect("784 pixels");
    // The outputs by the same call as `mlp predict`, so that both print the same numbers.
    let outputs = match model.outputs(x.view()) {
        Ok(o) => o,
        Err(e) => return Reply::error(409, e.to_string()),
    };
    let prepared = match model.prepare(x.view()) {
        Ok(p) => p,
        Err(e) => return Reply::error(409, e.to_string()),
    };
    let activations: Vec<Vec<f32>> = model
        .net
        .layer_outputs(prepared.row(0))
        .iter()
        .map(|z| z.to_vec())
        .collect();
    let best = argmax_rows(outputs.view()).next().expect("one row");
    Reply::json(
        200,
        &json!({
            "prediction": model.classes[best].parse::<u64>().map_or(json!(model.classes[best]), |d| json!(d)),
            "probabilities": outputs.row(0).to_vec(),
            "output": model.net.layers.last().map(|l| l.activation.name()),
            "activations": activations,
            "input": input,
        }),
    )
}

/// The lecture's gates, each row `[x1, x2, w·x + b, output]` where a single perceptron
/// computes it, and the circuits from NAND.
pub fn gates() -> Reply {
    let single = |p: Perceptron| {
        let rows: Vec<_> = perceptron::INPUTS_2
            .iter()
            .map(|x| json!([x[0], x[1], p.sum(x), p.output(x)]))
            .collect();
        json!({ "weights": p.weights, "bias": p.bias, "rows": rows })
    };
    let circuit = |f: &dyn Fn(u8, u8) -> Vec<u8>| {
        perceptron::INPUTS_2
            .iter()
            .map(|&[a, b]| [vec![a, b], f(a, b)].concat())
            .collect::<Vec<_>>()
    };
    Reply::json(
        200,
        &json!({
            "nand": single(Perceptron::nand()),
            "and": single(Perceptron::and()),
            "or": single(Perceptron::or()),
            "xor": circuit(&|a, b| vec![perceptron::xor(a, b)]),
            "half_adder": circuit(&|a, b| {
                let (sum, carry) = perceptron::half_adder(a, b);
                vec![sum, carry]
            }),
        }),
    )
}

/// The canvas's model as a safetensors file, the kind `mlp predict` reads.
pub fn model_file(state: &State) -> Reply {
    match state.model() {
        None => Reply::error(409, "no model yet: train one first"),
        Some(slot) => Reply::bytes("application/octet-stream", slot.model.to_bytes(&[])).with_header(
            "Content-Disposition",
            "attachment; filename=\"mlp-model.st\"".into(),
        ),
    }
}
