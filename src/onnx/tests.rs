//! Export and import against each other, and files that must be refused.

use super::proto::tensor_proto::DataType;
use super::proto::{ModelProto, NodeProto, TensorProto};
use super::{from_bytes, to_bytes};
use crate::data::standardize::Standardizer;
use crate::data::tabular::Task;
use crate::{Activation, Architecture, Cost, Init, Model, Network};
use prost::Message;
use rand::SeedableRng;
use std::path::Path;

fn model(sizes: &[usize], hidden: Activation, output: Activation, cost: Cost) -> Model {
    let arch = Architecture {
        sizes: sizes.to_vec(),
        hidden,
        output,
        cost,
    };
    let net = Network::build(
        &arch,
        Init::Glorot,
        &mut rand_chacha::ChaCha8Rng::seed_from_u64(7),
    )
    .unwrap();
    Model::digits(net)
}

fn tabular() -> Model {
    let mut m = model(
        &[3, 5, 2],
        Activation::Relu,
        Activation::Softmax,
        Cost::LogLikelihood,
    );
    m.classes = vec!["no".into(), "yes".into()];
    m.features = vec!["a".into(), "b".into(), "c".into()];
    m.target = "answer".into();
    m.standardizer = Some(Standardizer {
        mean: ndarray::array![1.0, -2.0, 3.5],
        scale: ndarray::array![0.5, 1.0, 4.0],
    });
    m
}

fn regressor() -> Model {
    let mut m = model(&[4, 6, 6, 1], Activation::Tanh, Activation::Identity, Cost::Mse);
    m.task = Task::Regress;
    m.classes.clear();
    m
}

fn standardised_regressor() -> Model {
    let mut m = regressor();
    m.standardizer = Some(Standardizer {
        mean: ndarray::array![1.0, 2.0, 3.0, 4.0],
        scale: ndarray::array![2.0, 0.5, 1.0, 3.0],
    });
    m.target_standardizer = Some(Standardizer {
        mean: ndarray::array![150.0],
        scale: ndarray::array![75.0],
    });
    m
}

fn import(bytes: &[u8]) -> crate::Result<Model> {
    from_bytes(bytes, Path::new("m.onnx"))
}

fn error(bytes: &[u8]) -> String {
    import(bytes).unwrap_err().to_string()
}

fn proto(m: &Model) -> ModelProto {
    ModelProto::decode(&to_bytes(m)[..]).unwrap()
}

#[test]
fn every_kind_of_model_comes_back_whole() {
    let models = [
        model(
            &[784, 30, 10],
            Activation::Sigmoid,
            Activation::Sigmoid,
            Cost::Quadratic,
        ),
        model(
            &[6, 4, 3],
            Activation::LeakyRelu,
            Activation::Sigmoid,
            Cost::CrossEntropy,
        ),
        tabular(),
        regressor(),
        standardised_regressor(),
    ];
    for m in models {
        assert_eq!(import(&to_bytes(&m)).unwrap(), m);
    }
}

#[test]
fn no_truncation_of_the_graph_imports() {
    let m = tabular();
    let bytes = to_bytes(&m);
    // prost writes fields in tag order: the graph (7), the opset (8), then the names (14).
    let mut without_metadata = proto(&m);
    without_metadata.metadata_props.clear();
    let graph_end = without_metadata.encode_to_vec().len();
    for len in 0..graph_end {
        assert!(import(&bytes[..len]).is_err(), "truncated to {len}");
    }
    for len in graph_end..bytes.len() {
        if let Ok(back) = import(&bytes[..len]) {
            assert_eq!(back.net, m.net);
        }
    }
}

#[test]
fn an_unsupported_node_is_named() {
    let mut p = proto(&tabular());
    p.graph.as_mut().unwrap().node[3].op_type = Some("Conv".into());
    let e = error(&p.encode_to_vec());
    assert!(e.contains("node 3 'Relu_3' (Conv) is not supported"), "{e}");
}

#[test]
fn a_shape_mismatch_between_layers_is_named() {
    let mut p = proto(&model(
        &[4, 3, 2],
        Activation::Sigmoid,
        Activation::Sigmoid,
        Cost::Quadratic,
    ));
    let w = &mut p.graph.as_mut().unwrap().initializer[2];
    assert_eq!(w.name.as_deref(), Some("layers.1.weights"));
    // [2, 3] → [3, 2]: the same six values, now a layer that reads two.
    w.dims = vec![3, 2];
    let e = error(&p.encode_to_vec());
    assert!(
        e.contains("shape mismatch: the layer reads 2 values but gets 3"),
        "{e}"
    );
}

#[test]
fn a_huge_declared_tensor_in_a_small_file_is_refused_before_allocating() {
    let mut p = proto(&regressor());
    let w = &mut p.graph.as_mut().unwrap().initializer[0];
    w.dims = vec![1_000_000_000];
    let bytes = p.encode_to_vec();
    assert!(bytes.len() < 1000);
    let e = error(&bytes);
    assert!(
        e.contains("declares shape [1000000000] (1000000000 values) but holds 96 bytes"),
        "{e}"
    );
    w_overflow(&mut p);
    let e = error(&p.encode_to_vec());
    assert!(e.contains("are not a size"), "{e}");
}

fn w_overflow(p: &mut ModelProto) {
    p.graph.as_mut().unwrap().initializer[0].dims = vec![i64::MAX, i64::MAX];
}

#[test]
fn garbage_and_wrong_types_are_errors() {
    assert!(error(b"not an onnx file at all").contains("ONNX"));
    let mut p = proto(&regressor());
    p.graph.as_mut().unwrap().initializer[0].data_type = Some(DataType::Int64 as i32);
    let e = error(&p.encode_to_vec());
    assert!(e.contains("element type INT64"), "{e}");
}

/// What skl2onnx writes for an `MLPClassifier`: MatMul + Add layers (weights `n_in × n_out`),
/// then ArgMax, ArrayFeatureExtractor over the class labels, and ZipMap.
#[test]
fn a_matmul_add_graph_with_sklearns_label_nodes_keeps_the_labels() {
    let m = tabular();
    let mut p = proto(&m);
    p.metadata_props.clear();
    let g = p.graph.as_mut().unwrap();
    let node = |op: &str, inputs: &[&str], output: &str| NodeProto {
        op_type: Some(op.into()),
        input: inputs.iter().map(|s| s.to_string()).collect(),
        output: vec![output.into()],
        ..Default::default()
    };
    for t in &mut g.initializer {
        if t.dims.len() == 2 {
            let (r, c) = (t.dims[0] as usize, t.dims[1] as usize);
            let v: Vec<f32> = t
                .raw_data
                .as_ref()
                .unwrap()
                .chunks(4)
                .map(|b| f32::from_le_bytes(b.try_into().unwrap()))
                .collect();
            let transposed: Vec<u8> = (0..c)
                .flat_map(|j| (0..r).map(move |i| (i, j)))
                .flat_map(|(i, j)| v[i * c + j].to_le_bytes())
                .collect();
            t.dims = vec![c as i64, r as i64];
            t.raw_data = Some(transposed);
        }
    }
    g.initializer.push(TensorProto {
        name: Some("classes".into()),
        dims: vec![2],
        data_type: Some(DataType::String as i32),
        string_data: vec![b"no".to_vec(), b"yes".to_vec()],
        ..Default::default()
    });
    g.node = vec![
        node("Sub", &["input", "input.mean"], "c"),
        node("Div", &["c", "input.scale"], "s"),
        node("MatMul", &["s", "layers.0.weights"], "m0"),
        node("Add", &["m0", "layers.0.biases"], "a0"),
        node("Relu", &["a0"], "z0"),
        node("MatMul", &["z0", "layers.1.weights"], "m1"),
        node("Add", &["layers.1.biases", "m1"], "a1"),
        node("Softmax", &["a1"], "probabilities"),
        node("ArgMax", &["probabilities"], "i"),
        node("ArrayFeatureExtractor", &["classes", "i"], "label"),
        node("ZipMap", &["probabilities"], "output_probability"),
    ];
    let back = import(&p.encode_to_vec()).unwrap();
    assert_eq!(back.net.layers, m.net.layers);
    assert_eq!(back.classes, m.classes);
    assert_eq!(back.standardizer, m.standardizer);
    assert_eq!(back.net.cost, Cost::LogLikelihood);
}

/// torch.onnx.export's default: the weights in a data file beside the graph.
#[test]
fn external_data_beside_the_file_is_read_and_nothing_outside_it() {
    use super::proto::StringStringEntryProto;
    use super::proto::tensor_proto::DataLocation;
    let m = regressor();
    let dir = tempfile::tempdir().unwrap();
    let write = |location: &str, length: Option<usize>| {
        let mut p = proto(&m);
        let w = &mut p.graph.as_mut().unwrap().initializer[0];
        let raw = w.raw_data.take().unwrap();
        std::fs::write(dir.path().join("w.data"), [&[0u8; 3][..], &raw].concat()).unwrap();
        let entry = |k: &str, v: String| StringStringEntryProto {
            key: Some(k.into()),
            value: Some(v),
        };
        w.data_location = Some(DataLocation::External as i32);
        w.external_data = vec![entry("location", location.into()), entry("offset", "3".into())];
        w.external_data
            .extend(length.map(|l| entry("length", l.to_string())));
        let path = dir.path().join("m.onnx");
        std::fs::write(&path, p.encode_to_vec()).unwrap();
        (super::load(&path), p.encode_to_vec())
    };
    let (back, bytes) = write("w.data", Some(96));
    assert_eq!(back.unwrap(), m);
    assert!(
        error(&bytes).contains("external file"),
        "from bytes alone, no file is opened"
    );
    let e = write("../w.data", None).0.unwrap_err().to_string();
    assert!(e.contains("is not a file beside the model"), "{e}");
    let e = write("w.data", Some(4000)).0.unwrap_err().to_string();
    assert!(e.contains("but its external data is 4000 bytes"), "{e}");
    let mut p = proto(&m);
    let w = &mut p.graph.as_mut().unwrap().initializer[0];
    w.raw_data = None;
    w.dims = vec![1_000_000_000];
    w.data_location = Some(DataLocation::External as i32);
    w.external_data = vec![StringStringEntryProto {
        key: Some("location".into()),
        value: Some("w.data".into()),
    }];
    let path = dir.path().join("huge.onnx");
    std::fs::write(&path, p.encode_to_vec()).unwrap();
    let e = super::load(&path).unwrap_err().to_string();
    assert!(
        e.contains("holds 99 bytes, the tensor needs 4000000000 from byte 0"),
        "{e}"
    );
}

/// A float tensor of `dims` holding `v`, as skl2onnx writes its initializers.
fn floats(name: &str, dims: &[i64], v: &[f32]) -> TensorProto {
    TensorProto {
        name: Some(name.into()),
        dims: dims.to_vec(),
        data_type: Some(DataType::Float as i32),
        float_data: v.to_vec(),
        ..Default::default()
    }
}

/// What skl2onnx writes for a two-class `MLPClassifier`: a 3-2-1 network whose one sigmoid
/// output `p` is the second class's probability, then `[1 − p, p]`, ArgMax and the labels.
/// `edit` changes the graph before it is written.
fn two_class_graph(edit: impl FnOnce(&mut Vec<NodeProto>, &mut Vec<TensorProto>)) -> Vec<u8> {
    let node = |op: &str, inputs: &[&str], output: &str| NodeProto {
        name: Some(output.into()),
        op_type: Some(op.into()),
        input: inputs.iter().map(|s| s.to_string()).collect(),
        output: vec![output.into()],
        ..Default::default()
    };
    let mut concat = node("Concat", &["negative", "p"], "probabilities");
    concat.attribute = vec![super::proto::AttributeProto {
        name: Some("axis".into()),
        i: Some(1),
        ..Default::default()
    }];
    let mut nodes = vec![
        node("MatMul", &["input", "w0"], "m0"),
        node("Add", &["m0", "b0"], "a0"),
        node("Relu", &["a0"], "h"),
        node("MatMul", &["h", "w1"], "m1"),
        node("Add", &["m1", "b1"], "a1"),
        node("Sigmoid", &["a1"], "p"),
        node("Sub", &["unity", "p"], "negative"),
        concat,
        node("ArgMax", &["probabilities"], "i"),
        node("ArrayFeatureExtractor", &["classes", "i"], "label"),
        node("ZipMap", &["probabilities"], "output_probability"),
        // skl2onnx's last node for string labels.
        node("Identity", &["label"], "output_label"),
    ];
    let mut tensors = vec![
        // n_in × n_out, as MatMul reads them.
        floats("w0", &[3, 2], &[0.5, -1.0, 2.0, 0.25, -0.75, 1.5]),
        floats("b0", &[1, 2], &[0.1, -0.2]),
        floats("w1", &[2, 1], &[1.25, -0.5]),
        floats("b1", &[1, 1], &[0.3]),
        floats("unity", &[], &[1.0]),
        TensorProto {
            name: Some("classes".into()),
            dims: vec![2],
            data_type: Some(DataType::String as i32),
            string_data: vec![b"benign".to_vec(), b"malignant".to_vec()],
            ..Default::default()
        },
    ];
    edit(&mut nodes, &mut tensors);
    ModelProto {
        opset_import: vec![super::proto::OperatorSetIdProto {
            domain: Some(String::new()),
            version: Some(14),
        }],
        graph: Some(super::proto::GraphProto {
            node: nodes,
            initializer: tensors,
            input: vec![super::proto::ValueInfoProto {
                name: Some("input".into()),
                ..Default::default()
            }],
            ..Default::default()
        }),
        ..Default::default()
    }
    .encode_to_vec()
}

#[test]
fn sklearns_two_class_output_imports_as_two_softmax_neurons() {
    let m = import(&two_class_graph(|_, _| ())).unwrap();
    assert_eq!(m.task, Task::Classify);
    assert_eq!(m.classes, ["benign", "malignant"]);
    assert_eq!(m.net.sizes(), [3, 2, 2]);
    assert_eq!(m.net.layers[1].activation, Activation::Softmax);
    assert_eq!(m.net.cost, Cost::LogLikelihood);
    let x = ndarray::array![[1.0f32, -2.0, 0.5], [-3.0, 0.25, 4.0], [0.0, 0.0, 0.0]];
    let out = m.outputs(x.view()).unwrap();
    for (row, o) in x.rows().into_iter().zip(out.rows()) {
        // The graph by hand: h = relu(x W₀ + b₀), p = σ(h · w₁ + b₁).
        let h0 = (0.5 * row[0] + 2.0 * row[1] - 0.75 * row[2] + 0.1).max(0.0);
        let h1 = (-row[0] + 0.25 * row[1] + 1.5 * row[2] - 0.2).max(0.0);
        let p = 1.0 / (1.0 + (-(1.25 * h0 - 0.5 * h1 + 0.3f32)).exp());
        assert!((o[1] - p).abs() < 1e-6, "{o} vs p = {p}");
        assert!((o[0] - (1.0 - p)).abs() < 1e-6, "{o} vs 1 - p = {}", 1.0 - p);
    }
}

#[test]
fn only_the_exact_two_class_pattern_imports() {
    type Edit = Box<dyn FnOnce(&mut Vec<NodeProto>, &mut Vec<TensorProto>)>;
    let cases: [(&str, Edit); 5] = [
        (
            "subtract p from the scalar 1",
            Box::new(|_, t| t[4] = floats("unity", &[], &[2.0])),
        ),
        (
            "node 'probabilities' (Concat) after node 6 'negative' (Sub)",
            Box::new(|n, _| {
                n[7].input.reverse();
            }),
        ),
        (
            "node 'probabilities' (Concat) after",
            Box::new(|n, _| n[7].attribute[0].i = Some(0)),
        ),
        ("the graph ends after it", Box::new(|n, _| n.truncate(7))),
        (
            "the output layer is 1 tanh neuron(s)",
            Box::new(|n, _| {
                n[5].op_type = Some("Tanh".into());
            }),
        ),
    ];
    for (needle, edit) in cases {
        let e = error(&two_class_graph(edit));
        assert!(e.contains("node ") && e.contains(needle), "{needle}: {e}");
    }
    // Two output neurons already: no Sub after them.
    let e = error(&two_class_graph(|n, t| {
        t[2] = floats("w1", &[2, 2], &[1.0, 2.0, 3.0, 4.0]);
        t[3] = floats("b1", &[1, 2], &[0.0, 0.0]);
        n[5].op_type = Some("Sigmoid".into());
    }));
    assert!(
        e.contains("node 6 'negative' (Sub) is not supported") && e.contains("2 sigmoid neuron(s)"),
        "{e}"
    );
}
