//! A [`Model`] as an ONNX `ModelProto`.

use super::proto::attribute_proto::AttributeType;
use super::proto::tensor_proto::DataType;
use super::proto::tensor_shape_proto::{Dimension, dimension};
use super::proto::{
    AttributeProto, GraphProto, ModelProto, NodeProto, OperatorSetIdProto, StringStringEntryProto,
    TensorProto, TensorShapeProto, TypeProto, ValueInfoProto, type_proto,
};
use crate::activation::{Activation, LEAK};
use crate::data::tabular::Task;
use crate::model::Model;
use prost::Message;

/// The graph's input.
pub const INPUT: &str = "input";
/// A classifier's output layer.
pub const PROBABILITIES: &str = "probabilities";
/// A classifier's winning output neuron, int64.
pub const LABEL: &str = "label";
/// A regressor's (or an autoencoder's) output layer.
pub const OUTPUT: &str = "output";

/// Gemm-13, Softmax-13 (one softmax per row along `axis`) and ArgMax-13.
pub(super) const OPSET: i64 = 13;
/// The IR version that goes with opset 13, so runtimes from ONNX 1.8 on read the file.
const IR_VERSION: i64 = 7;
/// The dynamic batch dimension's name.
const BATCH: &str = "N";

/// The bytes of an ONNX file holding `model`.
pub fn to_bytes(model: &Model) -> Vec<u8> {
    model_proto(model).encode_to_vec()
}

fn model_proto(model: &Model) -> ModelProto {
    let mut g = Graph::default();
    let d = model.net.n_inputs();
    let mut x = INPUT.to_string();
    if let Some(s) = &model.standardizer {
        g.tensor("input.mean", &[d], s.mean.iter().copied());
        g.tensor("input.scale", &[d], s.scale.iter().copied());
        g.node("Sub", &[&x, "input.mean"], "input.centered", vec![]);
        g.node(
            "Div",
            &["input.centered", "input.scale"],
            "input.standardized",
            vec![],
        );
        x = "input.standardized".into();
    }
    let classify = model.task == Task::Classify;
    let last = model.net.layers.len() - 1;
    for (l, layer) in model.net.layers.iter().enumerate() {
        let (w, b) = (format!("layers.{l}.weights"), format!("layers.{l}.biases"));
        g.tensor(
            &w,
            &[layer.neurons(), layer.inputs()],
            layer.weights.iter().copied(),
        );
        g.tensor(&b, &[layer.neurons()], layer.biases.iter().copied());
        let z = if l < last || model.target_standardizer.is_some() {
            format!("layers.{l}.z")
        } else if classify {
            PROBABILITIES.into()
        } else {
            OUTPUT.into()
        };
        let a = if layer.activation == Activation::Identity {
            z.clone()
        } else {
            format!("layers.{l}.a")
        };
        g.node("Gemm", &[&x, &w, &b], &a, vec![int("transB", 1)]);
        let (op, attributes) = match layer.activation {
            Activation::Identity => ("", vec![]),
            Activation::Sigmoid => ("Sigmoid", vec![]),
            Activation::Tanh => ("Tanh", vec![]),
            Activation::Relu => ("Relu", vec![]),
            Activation::LeakyRelu => ("LeakyRelu", vec![float("alpha", LEAK as f32)]),
            Activation::Softmax => ("Softmax", vec![int("axis", 1)]),
        };
        if !op.is_empty() {
            g.node(op, &[&a], &z, attributes);
        }
        x = z;
    }
    // A regressor trained on standardised targets: back to the target's units, `z·scale + mean`.
    if let Some(t) = &model.target_standardizer {
        let k = t.mean.len();
        g.tensor("target.scale", &[k], t.scale.iter().copied());
        g.tensor("target.mean", &[k], t.mean.iter().copied());
        g.node("Mul", &[&x, "target.scale"], "target.scaled", vec![]);
        g.node("Add", &["target.scaled", "target.mean"], OUTPUT, vec![]);
        x = OUTPUT.into();
    }
    let n_out = model.net.n_outputs() as i64;
    let mut outputs = vec![value_info(&x, DataType::Float, &[None, Some(n_out)])];
    if classify {
        g.node("ArgMax", &[&x], LABEL, vec![int("axis", 1), int("keepdims", 0)]);
        outputs.push(value_info(LABEL, DataType::Int64, &[None]));
    }
    let json = |v: &[String]| serde_json::to_string(v).expect("strings");
    let mut metadata = vec![("task", model.task.name().to_string())];
    if !model.classes.is_empty() {
        metadata.push(("classes", json(&model.classes)));
    }
    if !model.features.is_empty() {
        metadata.push(("features", json(&model.features)));
    }
    if !model.target.is_empty() {
        metadata.push(("target", model.target.clone()));
    }
    metadata.push(("cost", model.net.cost.name().to_string()));
    ModelProto {
        ir_version: Some(IR_VERSION),
        opset_import: vec![OperatorSetIdProto {
            domain: Some(String::new()),
            version: Some(OPSET),
        }],
        producer_name: Some("mlp".into()),
        producer_version: Some(env!("CARGO_PKG_VERSION").into()),
        graph: Some(GraphProto {
            name: Some("mlp".into()),
            node: g.nodes,
            initializer: g.initializers,
            input: vec![value_info(INPUT, DataType::Float, &[None, Some(d as i64)])],
            output: outputs,
            ..Default::default()
        }),
        metadata_props: metadata
            .into_iter()
            .map(|(k, v)| StringStringEntryProto {
                key: Some(k.into()),
                value: Some(v),
            })
            .collect(),
        ..Default::default()
    }
}

#[derive(Default)]
struct Graph {
    nodes: Vec<NodeProto>,
    initializers: Vec<TensorProto>,
}

impl Graph {
    fn tensor(&mut self, name: &str, dims: &[usize], values: impl Iterator<Item = f32>) {
        self.initializers.push(TensorProto {
            name: Some(name.into()),
            dims: dims.iter().map(|&d| d as i64).collect(),
            data_type: Some(DataType::Float as i32),
            // ONNX's raw_data is little-endian whatever the machine.
            raw_data: Some(values.flat_map(f32::to_le_bytes).collect()),
            ..Default::default()
        });
    }

    fn node(&mut self, op: &str, inputs: &[&str], output: &str, attribute: Vec<AttributeProto>) {
        self.nodes.push(NodeProto {
            name: Some(format!("{op}_{}", self.nodes.len())),
            op_type: Some(op.into()),
            domain: Some(String::new()),
            input: inputs.iter().map(|s| s.to_string()).collect(),
            output: vec![output.into()],
            attribute,
            ..Default::default()
        });
    }
}

fn int(name: &str, i: i64) -> AttributeProto {
    AttributeProto {
        name: Some(name.into()),
        r#type: Some(AttributeType::Int as i32),
        i: Some(i),
        ..Default::default()
    }
}

fn float(name: &str, f: f32) -> AttributeProto {
    AttributeProto {
        name: Some(name.into()),
        r#type: Some(AttributeType::Float as i32),
        f: Some(f),
        ..Default::default()
    }
}

/// A tensor's name, element type and shape; `None` is the batch dimension.
fn value_info(name: &str, elem: DataType, dims: &[Option<i64>]) -> ValueInfoProto {
    let dim = dims
        .iter()
        .map(|d| Dimension {
            value: Some(match d {
                Some(n) => dimension::Value::DimValue(*n),
                None => dimension::Value::DimParam(BATCH.into()),
            }),
            ..Default::default()
        })
        .collect();
    ValueInfoProto {
        name: Some(name.into()),
        r#type: Some(TypeProto {
            value: Some(type_proto::Value::TensorType(type_proto::Tensor {
                elem_type: Some(elem as i32),
                shape: Some(TensorShapeProto { dim }),
            })),
            ..Default::default()
        }),
        ..Default::default()
    }
}
