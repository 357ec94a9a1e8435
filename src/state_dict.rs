//! A PyTorch `state_dict` in safetensors: the weights of `nn.Sequential(Linear, act, Linear,
//! act, …)`, named `0.weight`, `0.bias`, `2.weight`, … (layer `l`'s Linear at index `2l`, its
//! activation module at `2l + 1`), so `model.load_state_dict(safetensors.torch.load_file(…))`
//! loads them. `nn.Linear` keeps its weight `out × in`, as mlp does.
//!
//! A state_dict holds no activations and no input standardisation: the file's metadata names
//! the activations (and the model's task, class and feature names) for the way back, and the
//! standardisation is folded into the first layer, since a Sequential of Linears has nowhere
//! else to keep it: `W' = W / scale` (per input), `b' = b − W'·mean`.

use crate::activation::Activation;
use crate::cost::Cost;
use crate::error::{Error, Result};
use crate::model::Model;
use crate::model_io;
use crate::network::{Layer, Network};
use ndarray::{Array1, Array2, Axis};
use safetensors::tensor::{Dtype, SafeTensors, TensorView};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// The metadata key naming the layers' activations, comma-separated (`relu,softmax`).
pub const ACTIVATIONS: &str = "mlp.activations";

/// The bytes of a safetensors state_dict for `model`, its standardisation folded in.
pub fn to_bytes(model: &Model) -> Vec<u8> {
    let mut layers = model.net.layers.clone();
    if let Some(s) = &model.standardizer {
        let first = &mut layers[0];
        first.weights /= &s.scale.view().insert_axis(Axis(0));
        first.biases -= &first.weights.dot(&s.mean);
    }
    // A regressor's target standardisation, `z·scale + mean` after an identity output layer,
    // folds into that layer the same way.
    if let Some(t) = &model.target_standardizer {
        let last = layers.last_mut().expect("a network has a layer");
        last.weights *= &t.scale.view().insert_axis(Axis(1));
        last.biases = &last.biases * &t.scale + &t.mean;
    }
    let bytes = |v: &mut dyn Iterator<Item = &f32>| v.flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>();
    let data: Vec<(String, Vec<usize>, Vec<u8>)> = layers
        .iter()
        .enumerate()
        .flat_map(|(l, layer)| {
            let w = layer.weights.as_standard_layout();
            [
                (
                    format!("{}.weight", 2 * l),
                    vec![layer.neurons(), layer.inputs()],
                    bytes(&mut w.iter()),
                ),
                (
                    format!("{}.bias", 2 * l),
                    vec![layer.neurons()],
                    bytes(&mut layer.biases.iter()),
                ),
            ]
        })
        .collect();
    let views: Vec<(String, TensorView)> = data
        .iter()
        .map(|(name, shape, b)| {
            (
                name.clone(),
                TensorView::new(Dtype::F32, shape.clone(), b).expect("shape matches the bytes"),
            )
        })
        .collect();
    let activations: Vec<&str> = model.net.layers.iter().map(|l| l.activation.name()).collect();
    // The names mlp's model file keeps, read back by the model file's own reader.
    let mut names = model.clone();
    names.standardizer = None;
    names.target_standardizer = None;
    let (_, mut meta, _) = model_io::from_bytes_with::<f32>(&names.to_bytes(&[]), Path::new("model"))
        .expect("a model's own bytes read back");
    meta.retain(|k, _| matches!(k.as_str(), "task" | "classes" | "features" | "target" | "cost"));
    meta.insert(ACTIVATIONS.into(), activations.join(","));
    safetensors::serialize(views, Some(meta)).expect("f32 tensors of checked shapes")
}

/// Writes the state_dict for `model` atomically.
pub fn save(model: &Model, path: &Path) -> Result<()> {
    crate::files::write_atomic(path, &to_bytes(model))
}

/// Reads a state_dict of `nn.Sequential(Linear, act, …)`; `activations` (one per Linear) are
/// needed when the file's metadata does not name them (a file torch wrote).
pub fn from_bytes(bytes: &[u8], path: &Path, activations: Option<&[Activation]>) -> Result<Model> {
    let bad = |m: String| {
        Error::Invalid(format!(
            "{}: not a PyTorch state_dict mlp can read: {m}",
            path.display()
        ))
    };
    let (_, header) =
        SafeTensors::read_metadata(bytes).map_err(|e| bad(format!("safetensors header: {e}")))?;
    let tensors = SafeTensors::deserialize(bytes).map_err(|e| bad(format!("safetensors: {e}")))?;
    let meta: HashMap<String, String> = header.metadata().clone().unwrap_or_default();
    // Linear modules by their index in the Sequential.
    let mut linear: BTreeMap<usize, [Option<TensorView>; 2]> = BTreeMap::new();
    for (name, t) in tensors.tensors() {
        let parsed = name
            .split_once('.')
            .and_then(|(i, what)| Some((i.parse::<usize>().ok()?, what)));
        let slot = match parsed {
            Some((i, "weight")) => (i, 0),
            Some((i, "bias")) => (i, 1),
            _ => return Err(bad(format!("tensor '{name}' is not INDEX.weight or INDEX.bias"))),
        };
        linear.entry(slot.0).or_default()[slot.1] = Some(t);
    }
    let given: Vec<Activation> = match (activations, meta.get(ACTIVATIONS)) {
        (Some(a), _) => a.to_vec(),
        (None, Some(text)) => text
            .split(',')
            .map(str::parse)
            .collect::<std::result::Result<_, _>>()
            .map_err(|e| bad(format!("metadata '{ACTIVATIONS}': {e}")))?,
        (None, None) => {
            return Err(bad(
                "the file does not name the activations; give them (--activations relu,softmax)".into(),
            ));
        }
    };
    if given.len() != linear.len() {
        return Err(bad(format!(
            "{} Linear layers but {} activations",
            linear.len(),
            given.len()
        )));
    }
    let mut layers = Vec::with_capacity(linear.len());
    for ((i, [w, b]), activation) in linear.into_iter().zip(given) {
        let w = w.ok_or_else(|| bad(format!("'{i}.bias' without '{i}.weight'")))?;
        let [n_out, n_in] = w.shape()[..] else {
            return Err(bad(format!(
                "'{i}.weight' has shape {:?}, expected [out, in]",
                w.shape()
            )));
        };
        let weights =
            Array2::from_shape_vec((n_out, n_in), floats(&w, &format!("{i}.weight")).map_err(&bad)?)
                .expect("shape checked");
        let biases = match b {
            Some(b) if b.shape() == [n_out] => Array1::from(floats(&b, &format!("{i}.bias")).map_err(&bad)?),
            Some(b) => {
                return Err(bad(format!(
                    "'{i}.bias' has shape {:?}, expected [{n_out}]",
                    b.shape()
                )));
            }
            None => Array1::zeros(n_out),
        };
        layers.push(Layer {
            weights,
            biases,
            activation,
        });
    }
    if layers.is_empty() {
        return Err(bad("no Linear layer".into()));
    }
    let output = layers.last().expect("checked").activation;
    let net = Network {
        layers,
        cost: Cost::for_output(output),
    };
    // The model file's reader is the one parser of the names (and checker of the sizes, the
    // activations and the cost): the network goes through it with the file's metadata.
    let mut names: BTreeMap<String, String> = meta
        .into_iter()
        .filter(|(k, _)| matches!(k.as_str(), "task" | "classes" | "features" | "target" | "cost"))
        .collect();
    names.entry("task".into()).or_insert_with(|| {
        let classify = matches!(output, Activation::Softmax | Activation::Sigmoid);
        if classify { "classify" } else { "regress" }.into()
    });
    let with_cost = |cost: &str| -> Result<Network<f32>> {
        let mut net = net.clone();
        net.cost = cost.parse().map_err(|e| bad(format!("metadata 'cost': {e}")))?;
        Ok(net)
    };
    let net = match names.remove("cost") {
        Some(c) => with_cost(&c)?,
        None => net,
    };
    let bytes = model_io::to_bytes_with(&net, &names, &model_io::Extras::new());
    Model::from_bytes(&bytes, path).map_err(|e| match e {
        Error::Model { message, .. } => bad(message),
        e => e,
    })
}

fn floats(t: &TensorView, name: &str) -> std::result::Result<Vec<f32>, String> {
    match t.dtype() {
        Dtype::F32 => Ok(t
            .data()
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes(b.try_into().expect("4")))
            .collect()),
        Dtype::F64 => Ok(t
            .data()
            .chunks_exact(8)
            .map(|b| f64::from_le_bytes(b.try_into().expect("8")) as f32)
            .collect()),
        d => Err(format!("'{name}' has dtype {d:?}, expected F32 or F64")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::standardize::Standardizer;
    use crate::{Architecture, Init};
    use rand::SeedableRng;

    #[test]
    fn a_standardised_classifier_comes_back_with_its_names_and_outputs() {
        let arch = Architecture {
            sizes: vec![3, 8, 4, 2],
            hidden: Activation::Tanh,
            output: Activation::Softmax,
            cost: Cost::LogLikelihood,
        };
        let net = Network::build(
            &arch,
            Init::Glorot,
            &mut rand_chacha::ChaCha8Rng::seed_from_u64(3),
        )
        .unwrap();
        let mut model = Model::digits(net);
        model.classes = vec!["no".into(), "yes".into()];
        model.features = vec!["a".into(), "b".into(), "c".into()];
        model.standardizer = Some(Standardizer {
            mean: ndarray::array![10.0, -2.0, 0.5],
            scale: ndarray::array![4.0, 0.25, 1.0],
        });
        let bytes = to_bytes(&model);
        let st = SafeTensors::deserialize(&bytes).unwrap();
        let mut names = st.names();
        names.sort();
        assert_eq!(
            names,
            ["0.bias", "0.weight", "2.bias", "2.weight", "4.bias", "4.weight"]
        );
        assert_eq!(st.tensor("0.weight").unwrap().shape(), [8, 3]);
        let back = from_bytes(&bytes, Path::new("sd"), None).unwrap();
        assert_eq!((&back.classes, &back.features), (&model.classes, &model.features));
        assert_eq!(back.net.layers[1..], model.net.layers[1..]);
        assert_eq!(back.net.cost, Cost::LogLikelihood);
        let x = ndarray::array![[9.0f32, -2.1, 0.0], [14.0, -1.5, 3.0], [0.0, 0.0, 0.0]];
        let (ours, folded) = (model.outputs(x.view()).unwrap(), back.outputs(x.view()).unwrap());
        let diff = (&ours - &folded).iter().fold(0.0f32, |m, d| m.max(d.abs()));
        assert!(
            diff < 1e-6,
            "folding the standardisation changed an output by {diff}"
        );
    }

    #[test]
    fn a_regressors_target_standardisation_is_folded_into_its_last_layer() {
        let arch = Architecture {
            sizes: vec![2, 4, 1],
            hidden: Activation::Relu,
            output: Activation::Identity,
            cost: Cost::Mse,
        };
        let net = Network::build(
            &arch,
            Init::Glorot,
            &mut rand_chacha::ChaCha8Rng::seed_from_u64(5),
        )
        .unwrap();
        let mut model = Model::digits(net);
        model.task = crate::data::tabular::Task::Regress;
        model.classes.clear();
        model.target_standardizer = Some(Standardizer {
            mean: ndarray::array![150.0],
            scale: ndarray::array![75.0],
        });
        let back = from_bytes(&to_bytes(&model), Path::new("sd"), None).unwrap();
        let x = ndarray::array![[0.5f32, -1.0], [2.0, 3.0]];
        let (ours, folded) = (model.outputs(x.view()).unwrap(), back.outputs(x.view()).unwrap());
        let diff = (&ours - &folded).iter().fold(0.0f32, |m, d| m.max(d.abs()));
        assert!(diff < 1e-4, "outputs near 150 changed by {diff}");
    }

    #[test]
    fn a_file_without_activations_needs_them_given() {
        let arch = Architecture::lecture(&[4, 3, 2]);
        let net = Network::build(
            &arch,
            Init::Glorot,
            &mut rand_chacha::ChaCha8Rng::seed_from_u64(1),
        )
        .unwrap();
        let model = Model::digits(net);
        let mut bare = Vec::new();
        for (l, layer) in model.net.layers.iter().enumerate() {
            bare.push((
                format!("{}.weight", 2 * l),
                layer.weights.clone().into_raw_vec_and_offset().0,
                vec![layer.neurons(), layer.inputs()],
            ));
            bare.push((
                format!("{}.bias", 2 * l),
                layer.biases.to_vec(),
                vec![layer.neurons()],
            ));
        }
        let raw: Vec<(String, Vec<u8>, Vec<usize>)> = bare
            .into_iter()
            .map(|(n, v, s)| (n, v.iter().flat_map(|x| x.to_le_bytes()).collect(), s))
            .collect();
        let views: Vec<(String, TensorView)> = raw
            .iter()
            .map(|(n, b, s)| (n.clone(), TensorView::new(Dtype::F32, s.clone(), b).unwrap()))
            .collect();
        let bytes = safetensors::serialize(views, None).unwrap();
        let e = from_bytes(&bytes, Path::new("sd"), None).unwrap_err().to_string();
        assert!(e.contains("does not name the activations"), "{e}");
        let given = [Activation::Sigmoid, Activation::Sigmoid];
        let back = from_bytes(&bytes, Path::new("sd"), Some(&given)).unwrap();
        assert_eq!(back.net.layers, model.net.layers);
        let e = from_bytes(&bytes[..bytes.len() - 1], Path::new("sd"), Some(&given))
            .unwrap_err()
            .to_string();
        assert!(e.contains("safetensors"), "{e}");
    }
}
