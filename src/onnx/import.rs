//! An MLP-shaped ONNX graph as a [`Model`]: the nodes read in order, each layer a `Gemm` (or a
//! `MatMul` and an `Add`) and at most one activation op, with `Flatten`, `Cast`, `Sub` and `Div`
//! allowed before the first layer and the label-making nodes of skl2onnx (`ArgMax`,
//! `ArrayFeatureExtractor`, `ZipMap`, `Cast`, `Reshape`) after the last; skl2onnx's two-class
//! output (one sigmoid neuron, then `Sub` and `Concat`) becomes two softmax neurons
//! (`two_classes`).
//!
//! Nothing in the file is trusted: a tensor's declared shape is checked against the bytes it
//! holds before anything is allocated for it, so a file cannot ask for more memory than its
//! own size.

use super::proto::tensor_proto::{DataLocation, DataType};
use super::proto::{ModelProto, NodeProto, TensorProto, attribute_proto::AttributeType, type_proto};
use crate::activation::{Activation, LEAK};
use crate::cost::Cost;
use crate::data::standardize::Standardizer;
use crate::data::tabular::Task;
use crate::error::{Error, Result};
use crate::model::Model;
use crate::network::{Layer, Network};
use ndarray::{Array1, Array2};
use prost::Message;
use std::collections::HashMap;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

/// What the layer ops are, for the error on any other node.
const SUPPORTED: &str = "mlp reads Gemm (or MatMul + Add) layers, each followed by at most one of \
    Sigmoid, Tanh, Relu, LeakyRelu (alpha 0.01), Softmax, Identity; Flatten, Cast, Sub and Div \
    before the first layer; Mul and Add after the last (a regressor's target scale), or Sub and \
    Concat after a one-neuron sigmoid (skl2onnx's two classes, [1 - p, p]); ArgMax, \
    ArrayFeatureExtractor, ZipMap, Cast, Reshape after the last";

/// Reads an ONNX file's bytes as a model; `path` is named in errors. Tensors kept in external
/// data files are refused: see [`from_file_bytes`].
pub fn from_bytes(bytes: &[u8], path: &Path) -> Result<Model> {
    read(bytes, path, None)
}

/// [`from_bytes`] for the file at `path`, whose tensors may be kept in external data files
/// beside it (torch.onnx.export's default).
pub fn from_file_bytes(bytes: &[u8], path: &Path) -> Result<Model> {
    read(bytes, path, Some(path.parent().unwrap_or(Path::new(""))))
}

fn read(bytes: &[u8], path: &Path, dir: Option<&Path>) -> Result<Model> {
    let bad = |message: String| Error::Onnx {
        path: path.into(),
        message,
    };
    let mut proto = ModelProto::decode(bytes).map_err(|e| bad(format!("not an ONNX protobuf: {e}")))?;
    if let Some(dir) = dir {
        inline_external(&mut proto, dir).map_err(bad)?;
    }
    let model = Reader::new(&proto).and_then(Reader::read).map_err(bad)?;
    // The model file's own checks (sizes, which softmax layers, cost and output, scales) are
    // the one definition of a usable model: a graph that passes them imports.
    Model::from_bytes(&model.to_bytes(&[]), path).map_err(|e| match e {
        Error::Model { message, .. } => bad(message),
        e => e,
    })
}

type Fallible<T> = std::result::Result<T, String>;

mod two_classes;

struct Reader<'a> {
    proto: &'a ModelProto,
    /// Initializers and `Constant` nodes' values, by name.
    constants: HashMap<&'a str, &'a TensorProto>,
    meta: HashMap<&'a str, &'a str>,
}

/// Where in the graph the reader is.
#[derive(PartialEq, Clone, Copy)]
enum Stage {
    /// Before the first layer: reshaping and standardising the input.
    Input,
    Layers,
    /// After the network's output: skl2onnx's label and probability nodes.
    Tail,
}

impl<'a> Reader<'a> {
    fn new(proto: &'a ModelProto) -> Fallible<Self> {
        let graph = proto.graph.as_ref().ok_or("the file holds no graph")?;
        // The ops' meaning depends on the opset (Softmax changed at 13): a file without one is
        // not ONNX, and a cut one may have lost it.
        if !proto
            .opset_import
            .iter()
            .any(|o| matches!(o.domain.as_deref(), None | Some("" | "ai.onnx")))
        {
            return Err("the file imports no opset of the standard ONNX operators".into());
        }
        let mut constants: HashMap<&str, &TensorProto> = graph
            .initializer
            .iter()
            .map(|t| (t.name.as_deref().unwrap_or(""), t))
            .collect();
        for node in &graph.node {
            if node.op_type.as_deref() == Some("Constant")
                && let (Some(out), Some(t)) = (
                    node.output.first(),
                    attribute(node, "value").and_then(|a| a.t.as_ref()),
                )
            {
                constants.insert(out, t);
            }
        }
        let meta = proto
            .metadata_props
            .iter()
            .map(|p| (p.key.as_deref().unwrap_or(""), p.value.as_deref().unwrap_or("")))
            .collect();
        Ok(Reader {
            proto,
            constants,
            meta,
        })
    }

    fn read(self) -> Fallible<Model> {
        let graph = self.proto.graph.as_ref().expect("checked in new");
        let inputs: Vec<_> = graph
            .input
            .iter()
            .filter(|i| !self.constants.contains_key(i.name.as_deref().unwrap_or("")))
            .collect();
        let [input] = inputs[..] else {
            return Err(format!(
                "the graph has {} inputs besides its weights; an MLP has one",
                inputs.len()
            ));
        };
        let mut current = input.name.clone().unwrap_or_default();
        let mut declared_features = declared_width(input);
        let mut stage = Stage::Input;
        let mut layers: Vec<Layer<f32>> = Vec::new();
        // The last layer still waits for its MatMul's Add, or for its activation.
        let (mut wants_bias, mut activated) = (false, true);
        let (mut mean, mut scale) = (None, None);
        let (mut classes, mut argmax) = (None, false);
        // A regressor's `Mul` and `Add` after its last layer: the target standardisation.
        let (mut target_scale, mut target_mean): (Option<Array1<f32>>, Option<Array1<f32>>) = (None, None);

        let mut nodes = graph.node.iter().enumerate();
        while let Some((i, node)) = nodes.next() {
            let op = node.op_type.as_deref().unwrap_or("");
            let name = node.name.as_deref().filter(|n| !n.is_empty());
            let here = match name {
                Some(n) => format!("node {i} '{n}' ({op})"),
                None => format!("node {i} ({op})"),
            };
            let reads_current = node.input.first() == Some(&current);
            let output = || -> Fallible<String> {
                match &node.output[..] {
                    [out] => Ok(out.clone()),
                    _ => Err(format!("{here} has {} outputs, expected one", node.output.len())),
                }
            };
            // Identity changes nothing: skl2onnx ends a string-labelled classifier with one.
            let layer_op = matches!(op, "Gemm" | "MatMul" | "Add")
                || (activation(op).is_some() && op != "Identity")
                || (stage == Stage::Input && matches!(op, "Flatten" | "Sub" | "Div"));
            if layer_op && stage == Stage::Tail {
                return Err(format!("{here} comes after the network's output; {SUPPORTED}"));
            }
            match op {
                "Constant" => continue,
                "Identity" if reads_current => current = output()?,
                "Cast" if reads_current && stage == Stage::Input => {
                    if int_attribute(node, "to") != Some(DataType::Float as i64) {
                        return Err(format!("{here} casts the input to another type than float"));
                    }
                    current = output()?;
                }
                "Flatten" if reads_current => {
                    if int_attribute(node, "axis").unwrap_or(1) != 1 {
                        return Err(format!("{here}: only axis 1 (one row per sample) is supported"));
                    }
                    declared_features = None;
                    current = output()?;
                }
                "Sub" | "Div" if reads_current => {
                    let (shape, v) = self.constant(node, 1, &here)?;
                    let v = Array1::from(vector(&shape, v, &here)?);
                    let sub_after_div = op == "Sub" && scale.is_some();
                    let slot = if op == "Sub" { &mut mean } else { &mut scale };
                    if slot.is_some() || sub_after_div {
                        return Err(format!(
                            "{here}: the input is standardised as (x − mean) / scale, once"
                        ));
                    }
                    *slot = Some(v);
                    current = output()?;
                }
                "Gemm" | "MatMul" if reads_current => {
                    if target_scale.is_some() {
                        return Err(format!("{here} comes after the output's Mul; {SUPPORTED}"));
                    }
                    let (shape, w) = self.constant(node, 1, &here)?;
                    let [rows, cols] = shape[..] else {
                        return Err(format!("{here}: weights of shape {shape:?}, expected 2-D"));
                    };
                    let w = Array2::from_shape_vec((rows, cols), w).expect("count checked");
                    let gemm = op == "Gemm";
                    if gemm
                        && (int_attribute(node, "transA").unwrap_or(0) != 0
                            || float_attribute(node, "alpha").unwrap_or(1.0) != 1.0
                            || float_attribute(node, "beta").unwrap_or(1.0) != 1.0)
                    {
                        return Err(format!(
                            "{here}: only transA = 0, alpha = 1, beta = 1 are supported"
                        ));
                    }
                    // mlp keeps W as n_out × n_in; MatMul and Gemm without transB hold n_in × n_out.
                    let w = if gemm && int_attribute(node, "transB").unwrap_or(0) == 1 {
                        w
                    } else {
                        w.reversed_axes().as_standard_layout().to_owned()
                    };
                    let n_in = layers.last().map(Layer::neurons).or(declared_features);
                    if let Some(n) = n_in.filter(|&n| n != w.ncols()) {
                        return Err(format!(
                            "{here}: shape mismatch: the layer reads {} values but gets {n}",
                            w.ncols()
                        ));
                    }
                    let biases = if gemm && node.input.len() > 2 {
                        let (shape, b) = self.constant(node, 2, &here)?;
                        bias(&shape, b, w.nrows(), &here)?
                    } else {
                        Array1::zeros(w.nrows())
                    };
                    layers.push(Layer {
                        weights: w,
                        biases,
                        activation: Activation::Identity,
                    });
                    (wants_bias, activated, stage) = (!gemm, false, Stage::Layers);
                    current = output()?;
                }
                "Add" if wants_bias && node.input.contains(&current) => {
                    let at = if reads_current { 1 } else { 0 };
                    let (shape, b) = self.constant(node, at, &here)?;
                    let layer = layers.last_mut().expect("wants_bias follows a layer");
                    layer.biases = bias(&shape, b, layer.neurons(), &here)?;
                    wants_bias = false;
                    current = output()?;
                }
                "Mul" if reads_current && !layers.is_empty() && !wants_bias && target_scale.is_none() => {
                    let (shape, v) = self.constant(node, 1, &here)?;
                    target_scale = Some(Array1::from(vector(&shape, v, &here)?));
                    (activated, stage) = (true, Stage::Layers);
                    current = output()?;
                }
                "Add" if reads_current && target_scale.is_some() && target_mean.is_none() => {
                    let (shape, v) = self.constant(node, 1, &here)?;
                    target_mean = Some(Array1::from(vector(&shape, v, &here)?));
                    current = output()?;
                }
                _ if reads_current && !activated && activation(op).is_some() => {
                    let f = activation(op).expect("matched");
                    if f == Activation::LeakyRelu
                        && float_attribute(node, "alpha").is_some_and(|a| (a - LEAK as f32).abs() > 1e-6)
                    {
                        return Err(format!("{here}: mlp's leaky ReLU has alpha {LEAK}"));
                    }
                    if f == Activation::Softmax && !matches!(int_attribute(node, "axis"), None | Some(1 | -1))
                    {
                        return Err(format!(
                            "{here}: softmax along axis 1 (each sample's outputs) only"
                        ));
                    }
                    layers.last_mut().expect("a layer").activation = f;
                    (wants_bias, activated) = (false, true);
                    current = output()?;
                }
                // skl2onnx's two-class classifier: `[1 − p, p]` from one sigmoid neuron.
                "Sub"
                    if stage == Stage::Layers
                        && activated
                        && target_scale.is_none()
                        && node.input.get(1) == Some(&current) =>
                {
                    let layer = layers.last_mut().expect("activated follows a layer");
                    current = self.two_classes(node, nodes.next().map(|(_, n)| n), &current, layer, &here)?;
                    stage = Stage::Tail;
                }
                "ArgMax" | "ArrayFeatureExtractor" | "ZipMap" | "Cast" | "Reshape" | "Identity"
                    if !layers.is_empty() && !wants_bias =>
                {
                    stage = Stage::Tail;
                    argmax |= op == "ArgMax";
                    if op == "ArrayFeatureExtractor" {
                        classes = Some(self.labels(node, &here)?);
                    }
                }
                _ => {
                    return Err(if layer_op {
                        format!(
                            "{here} does not read the output of the node before it ('{current}'); {SUPPORTED}"
                        )
                    } else {
                        format!("{here} is not supported: {SUPPORTED}")
                    });
                }
            }
        }
        if layers.is_empty() {
            return Err("the graph has no Gemm or MatMul layer".into());
        }
        if wants_bias {
            return Err("the last MatMul has no Add".into());
        }

        let standardizer = match (mean, scale) {
            (None, None) => None,
            (mean, scale) => {
                let d = layers[0].inputs();
                let (mean, scale) = (
                    mean.unwrap_or_else(|| Array1::zeros(d)),
                    scale.unwrap_or_else(|| Array1::ones(d)),
                );
                if mean.len() != d || scale.len() != d {
                    return Err(format!(
                        "shape mismatch: the input's Sub/Div hold {} and {} values for {d} features",
                        mean.len(),
                        scale.len()
                    ));
                }
                Some(Standardizer { mean, scale })
            }
        };
        let target_standardizer = match (target_mean, target_scale) {
            (None, None) => None,
            (mean, scale) => {
                let k = layers.last().expect("checked").neurons();
                let (mean, scale) = (
                    mean.unwrap_or_else(|| Array1::zeros(k)),
                    scale.unwrap_or_else(|| Array1::ones(k)),
                );
                if mean.len() != k || scale.len() != k {
                    return Err(format!(
                        "shape mismatch: the output's Mul/Add hold {} and {} values for {k} outputs",
                        scale.len(),
                        mean.len()
                    ));
                }
                Some(Standardizer { mean, scale })
            }
        };
        let output = layers.last().expect("checked").activation;
        let cost = match self.meta.get("cost") {
            Some(c) => c.parse().map_err(|e| format!("metadata 'cost': {e}"))?,
            None => Cost::for_output(output),
        };
        let mut model = Model::digits(Network { layers, cost });
        model.standardizer = standardizer;
        model.target_standardizer = target_standardizer;
        model.task = match self.meta.get("task") {
            Some(&"regress") => Task::Regress,
            Some(&"multilabel") => Task::MultiLabel,
            Some(_) => Task::Classify,
            None if argmax || classes.is_some() || output == Activation::Softmax => Task::Classify,
            None => Task::Regress,
        };
        let names = |key: &str| -> Fallible<Option<Vec<String>>> {
            self.meta
                .get(key)
                .map(|v| serde_json::from_str(v).map_err(|e| format!("metadata '{key}': {e}")))
                .transpose()
        };
        if model.task == Task::Regress {
            model.classes.clear();
        } else if let Some(c) = names("classes")?.or(classes) {
            model.classes = c;
        }
        model.features = names("features")?.unwrap_or_default();
        model.target = self.meta.get("target").map_or(String::new(), |t| t.to_string());
        Ok(model)
    }

    /// The values of input `at` of `node`, which must be a constant.
    fn constant(&self, node: &NodeProto, at: usize, here: &str) -> Fallible<(Vec<usize>, Vec<f32>)> {
        let name = node
            .input
            .get(at)
            .ok_or_else(|| format!("{here} has no input {at}"))?;
        let t = self
            .constants
            .get(name.as_str())
            .ok_or_else(|| format!("{here}: input '{name}' is computed, expected a constant (weights)"))?;
        floats(t).map_err(|e| format!("{here}: tensor '{name}': {e}"))
    }

    /// The class labels an `ArrayFeatureExtractor` picks from: its first input's strings or
    /// integers.
    fn labels(&self, node: &NodeProto, here: &str) -> Fallible<Vec<String>> {
        let name = node.input.first().map_or("", String::as_str);
        let Some(t) = self.constants.get(name) else {
            return Err(format!(
                "{here}: picks from '{name}', not from a list of class labels"
            ));
        };
        let count = element_count(t)?;
        let labels: Vec<String> = if !t.string_data.is_empty() {
            t.string_data
                .iter()
                .map(|s| String::from_utf8_lossy(s).into_owned())
                .collect()
        } else if !t.int64_data.is_empty() {
            t.int64_data.iter().map(i64::to_string).collect()
        } else if !t.int32_data.is_empty() {
            t.int32_data.iter().map(i32::to_string).collect()
        } else {
            let raw = t.raw_data.as_deref().unwrap_or_default();
            if t.data_type != Some(DataType::Int64 as i32) || raw.len() != count.saturating_mul(8) {
                return Err(format!("{here}: class labels '{name}' are not strings or int64"));
            }
            raw.chunks_exact(8)
                .map(|b| i64::from_le_bytes(b.try_into().expect("8 bytes")).to_string())
                .collect()
        };
        if labels.len() != count {
            return Err(format!(
                "{here}: '{name}' declares {count} labels but holds {}",
                labels.len()
            ));
        }
        Ok(labels)
    }
}

/// Replaces each initializer's external data by its bytes, read from `dir`: from a relative
/// location inside `dir` only, and only the bytes the tensor's declared shape needs, once the
/// file is known to hold them.
fn inline_external(proto: &mut ModelProto, dir: &Path) -> Fallible<()> {
    let Some(graph) = proto.graph.as_mut() else {
        return Ok(());
    };
    for t in &mut graph.initializer {
        if t.data_location != Some(DataLocation::External as i32) {
            continue;
        }
        let name = t.name.clone().unwrap_or_default();
        let entry = |key: &str| {
            t.external_data
                .iter()
                .find(|e| e.key.as_deref() == Some(key))
                .and_then(|e| e.value.clone())
        };
        let number = |key: &str| -> Fallible<Option<u64>> {
            entry(key)
                .map(|v| {
                    v.parse::<u64>()
                        .map_err(|_| format!("tensor '{name}': external data {key} '{v}'"))
                })
                .transpose()
        };
        let location =
            entry("location").ok_or_else(|| format!("tensor '{name}': external data without a location"))?;
        let relative = Path::new(&location);
        if relative.as_os_str().is_empty()
            || relative
                .components()
                .any(|c| !matches!(c, std::path::Component::Normal(_)))
        {
            return Err(format!(
                "tensor '{name}': external data location '{location}' is not a file beside the model"
            ));
        }
        let width = match t.data_type {
            Some(d) if d == DataType::Float as i32 => 4,
            Some(d) if d == DataType::Double as i32 => 8,
            _ => {
                return Err(format!(
                    "tensor '{name}': external data of another type than FLOAT or DOUBLE"
                ));
            }
        };
        let need = element_count(t)?
            .checked_mul(width)
            .ok_or_else(|| format!("tensor '{name}': dimensions {:?} are not a size", t.dims))?;
        let offset = number("offset")?.unwrap_or(0);
        if let Some(length) = number("length")?.filter(|&l| l != need as u64) {
            return Err(format!(
                "tensor '{name}': declares shape {:?} ({need} bytes) but its external data is {length} bytes",
                t.dims
            ));
        }
        let file = dir.join(relative);
        let io = |e: std::io::Error| format!("tensor '{name}': external data {}: {e}", file.display());
        let mut f = std::fs::File::open(&file).map_err(io)?;
        let size = f.metadata().map_err(io)?.len();
        if offset.checked_add(need as u64).is_none_or(|end| end > size) {
            return Err(format!(
                "tensor '{name}': external data {} holds {size} bytes, the tensor needs {need} from byte {offset}",
                file.display()
            ));
        }
        let mut buffer = vec![0; need];
        f.seek(SeekFrom::Start(offset)).map_err(io)?;
        f.read_exact(&mut buffer).map_err(io)?;
        t.raw_data = Some(buffer);
        t.data_location = None;
        t.external_data.clear();
    }
    Ok(())
}

/// The number of features the graph's input declares (`[N, d]` with `d` fixed), if it does.
fn declared_width(input: &super::proto::ValueInfoProto) -> Option<usize> {
    let Some(type_proto::Value::TensorType(t)) = input.r#type.as_ref()?.value.as_ref() else {
        return None;
    };
    match &t.shape.as_ref()?.dim[..] {
        [_, d] => match d.value {
            Some(super::proto::tensor_shape_proto::dimension::Value::DimValue(n)) => usize::try_from(n).ok(),
            _ => None,
        },
        _ => None,
    }
}

fn attribute<'n>(node: &'n NodeProto, name: &str) -> Option<&'n super::proto::AttributeProto> {
    node.attribute.iter().find(|a| a.name.as_deref() == Some(name))
}

fn int_attribute(node: &NodeProto, name: &str) -> Option<i64> {
    attribute(node, name)
        .filter(|a| a.r#type.is_none_or(|t| t == AttributeType::Int as i32))
        .and_then(|a| a.i)
}

fn float_attribute(node: &NodeProto, name: &str) -> Option<f32> {
    attribute(node, name)
        .filter(|a| a.r#type.is_none_or(|t| t == AttributeType::Float as i32))
        .and_then(|a| a.f)
}

fn activation(op: &str) -> Option<Activation> {
    Some(match op {
        "Sigmoid" => Activation::Sigmoid,
        "Tanh" => Activation::Tanh,
        "Relu" => Activation::Relu,
        "LeakyRelu" => Activation::LeakyRelu,
        "Softmax" => Activation::Softmax,
        "Identity" => Activation::Identity,
        _ => return None,
    })
}

/// A constant of shape `[n]` or `[1, n]` as a vector.
fn vector(shape: &[usize], v: Vec<f32>, here: &str) -> Fallible<Vec<f32>> {
    match shape {
        [_] | [1, _] => Ok(v),
        _ => Err(format!(
            "{here}: a constant of shape {shape:?}, expected [n] or [1, n]"
        )),
    }
}

fn bias(shape: &[usize], b: Vec<f32>, n_out: usize, here: &str) -> Fallible<Array1<f32>> {
    let b = vector(shape, b, here)?;
    if b.len() != n_out {
        return Err(format!(
            "{here}: shape mismatch: {} biases for {n_out} neurons",
            b.len()
        ));
    }
    Ok(Array1::from(b))
}

/// The product of a tensor's dimensions, checked for overflow and negative sizes.
fn element_count(t: &TensorProto) -> Fallible<usize> {
    t.dims.iter().try_fold(1usize, |n, &d| {
        usize::try_from(d)
            .ok()
            .and_then(|d| n.checked_mul(d))
            .ok_or_else(|| format!("dimensions {:?} are not a size", t.dims))
    })
}

/// A float or double tensor's shape and values (as f32), its declared size checked against
/// the bytes it holds before they are converted.
fn floats(t: &TensorProto) -> Fallible<(Vec<usize>, Vec<f32>)> {
    if t.data_location == Some(DataLocation::External as i32) || !t.external_data.is_empty() {
        return Err("its data is in an external file (read only from a file on disk)".into());
    }
    let count = element_count(t)?;
    let shape = t.dims.iter().map(|&d| d as usize).collect();
    let raw = t.raw_data.as_deref().filter(|r| !r.is_empty());
    // `n` bytes (or items) of `width` each must be exactly the declared count.
    let holds = |n: usize, width: usize| -> Fallible<()> {
        if count.checked_mul(width) == Some(n) {
            Ok(())
        } else {
            Err(format!(
                "declares shape {:?} ({count} values) but holds {n} {}",
                t.dims,
                if raw.is_some() { "bytes" } else { "values" }
            ))
        }
    };
    let values: Vec<f32> = match (t.data_type.unwrap_or(0), raw) {
        (ty, Some(raw)) if ty == DataType::Float as i32 => {
            holds(raw.len(), 4)?;
            raw.chunks_exact(4)
                .map(|b| f32::from_le_bytes(b.try_into().expect("4 bytes")))
                .collect()
        }
        (ty, Some(raw)) if ty == DataType::Double as i32 => {
            holds(raw.len(), 8)?;
            raw.chunks_exact(8)
                .map(|b| f64::from_le_bytes(b.try_into().expect("8 bytes")) as f32)
                .collect()
        }
        (ty, None) if ty == DataType::Float as i32 => {
            holds(t.float_data.len(), 1)?;
            t.float_data.clone()
        }
        (ty, None) if ty == DataType::Double as i32 => {
            holds(t.double_data.len(), 1)?;
            t.double_data.iter().map(|&v| v as f32).collect()
        }
        (ty, _) => {
            let name = DataType::try_from(ty).map_or(format!("{ty}"), |d| d.as_str_name().to_string());
            return Err(format!("element type {name}, expected FLOAT or DOUBLE"));
        }
    };
    if let Some(i) = values.iter().position(|v| !v.is_finite()) {
        return Err(format!("a non-finite value at index {i}"));
    }
    Ok((shape, values))
}
