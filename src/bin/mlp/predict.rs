//! `mlp predict MODEL INPUT...`: classes (or values) for pictures of digits, CSV rows, `.npy`
//! rows or the images of an IDX file.

use mlp::data::digit_image;
use mlp::data::idx::read_idx;
use mlp::data::tabular::{Task, read_npy_2d};
use mlp::{Error, Model};
use ndarray::Array2;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

/// The samples of one input file, with a name for each.
struct Samples {
    x: Array2<f32>,
    /// "digit.png", or "data.csv row 3".
    names: Vec<String>,
    /// A picture with almost no ink: its answer is flagged as no reading of a digit.
    little_ink: bool,
}

pub fn predict(
    model_path: &Path,
    inputs: &[PathBuf],
    top: Option<usize>,
    json_out: bool,
) -> Result<(), Error> {
    let model = Model::load(model_path)?;
    let softmax = model
        .net
        .layers
        .last()
        .is_some_and(|l| l.activation == mlp::Activation::Softmax);
    let mut results = Vec::new();
    for input in inputs {
        let samples = read_input(&model, input)?;
        let outputs = model.outputs(samples.x.view())?;
        for (name, out) in samples.names.iter().zip(outputs.rows()) {
            let mut result = match model.task {
                Task::Classify => {
                    let mut ranked: Vec<(usize, f32)> = out.iter().copied().enumerate().collect();
                    ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
                    let k = top.unwrap_or(if json_out { ranked.len() } else { 1 });
                    ranked.truncate(k.max(1));
                    // Softmax outputs are probabilities; other outputs (the lecture's sigmoid
                    // neurons) are each neuron's activation, reported as such.
                    let key = if softmax { "probability" } else { "activation" };
                    let probabilities: Vec<Value> = ranked
                        .iter()
                        .map(|&(j, p)| json!({"class": model.classes[j], key: p}))
                        .collect();
                    json!({"input": name, "prediction": model.classes[ranked[0].0], "top": probabilities})
                }
                Task::Regress => json!({"input": name, "prediction": out.to_vec()}),
                // Each label on its own: present when its sigmoid output is above ½.
                Task::MultiLabel => {
                    let present: Vec<&String> = model
                        .classes
                        .iter()
                        .zip(out)
                        .filter(|(_, p)| **p > 0.5)
                        .map(|(c, _)| c)
                        .collect();
                    let probabilities: Vec<Value> = model
                        .classes
                        .iter()
                        .zip(out)
                        .map(|(c, &p)| json!({"label": c, "probability": p}))
                        .collect();
                    json!({"input": name, "prediction": present, "labels": probabilities})
                }
            };
            if samples.little_ink {
                result["low_confidence"] = json!(true);
            }
            if !json_out {
                print_line(&result, model.task);
            }
            results.push(result);
        }
    }
    if json_out {
        println!("{}", Value::Array(results));
    }
    Ok(())
}

fn print_line(r: &Value, task: Task) {
    let name = r["input"].as_str().unwrap_or_default();
    match task {
        Task::Classify => {
            let ranked: Vec<String> = r["top"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|c| {
                    let class = c["class"].as_str().unwrap_or_default();
                    match (c["probability"].as_f64(), c["activation"].as_f64()) {
                        (Some(p), _) => format!("{class} ({:.1}%)", 100.0 * p),
                        (None, a) => format!("{class} (activation {:.3})", a.unwrap_or(f64::NAN)),
                    }
                })
                .collect();
            println!("{name}: {}", ranked.join(", "));
        }
        Task::Regress => {
            let values: Vec<String> = r["prediction"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|v| format!("{:.6}", v.as_f64().unwrap_or(f64::NAN)))
                .collect();
            println!("{name}: {}", values.join(", "));
        }
        Task::MultiLabel => {
            let present: Vec<&str> = r["prediction"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            let shown = if present.is_empty() {
                "no label".to_string()
            } else {
                present.join(", ")
            };
            println!("{name}: {shown}");
        }
    }
}

/// Reads one input by its kind: a picture (by extension), a CSV or `.npy` file, else IDX.
fn read_input(model: &Model, path: &Path) -> Result<Samples, Error> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    let display = path.display().to_string();
    let rows = |x: Array2<f32>| {
        let names = (1..=x.nrows()).map(|i| format!("{display} row {i}")).collect();
        Samples {
            x,
            names,
            little_ink: false,
        }
    };
    match ext.as_str() {
        "png" | "jpg" | "jpeg" => {
            if model.net.n_inputs() != digit_image::SIDE * digit_image::SIDE {
                return Err(Error::Mismatch(format!(
                    "{display}: pictures become 784 MNIST pixels, but the model reads {} features",
                    model.net.n_inputs()
                )));
            }
            let digit = digit_image::load_digit(path)?;
            if digit.little_ink {
                eprintln!(
                    "warning: {display}: almost no ink (a speck, not a digit?); the answer below is low-confidence"
                );
            }
            Ok(Samples {
                x: Array2::from_shape_vec((1, digit.pixels.len()), digit.pixels).expect("784 pixels"),
                names: vec![display],
                little_ink: digit.little_ink,
            })
        }
        "csv" => Ok(rows(model.read_csv(path)?.x)),
        "npy" => Ok(rows(read_npy_2d(path)?)),
        _ => {
            let idx = read_idx(path).map_err(|e| match e {
                Error::Format { offset, .. } if offset < 4 => Error::Invalid(format!(
                    "{display}: expected a picture (.png, .jpg, .jpeg), a .csv or .npy file, or an \
                     IDX file, but the name has no such extension and the first bytes are no IDX magic number"
                )),
                e => e,
            })?;
            let n = idx.dims.first().copied().unwrap_or(0);
            let d: usize = idx.dims.iter().skip(1).product();
            if idx.dims.len() < 2 || n == 0 {
                return Err(Error::Invalid(format!(
                    "{display}: expected images (an IDX file of n × rows × columns bytes), a picture \
                     (.png, .jpg), a .csv or a .npy file; this IDX file has dimensions {:?}",
                    idx.dims
                )));
            }
            let x = Array2::from_shape_vec((n, d), idx.data.iter().map(|&b| b as f32 / 255.0).collect())
                .expect("IDX sizes checked by the reader");
            let names = (1..=n).map(|i| format!("{display} image {i}")).collect();
            Ok(Samples {
                x,
                names,
                little_ink: false,
            })
        }
    }
}
