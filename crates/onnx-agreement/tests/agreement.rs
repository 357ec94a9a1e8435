//! mlp's exported ONNX graphs (`mlp::onnx::to_bytes`, what `mlp export --onnx` writes) run in
//! tract, an ONNX runtime written apart from mlp, and give mlp's own outputs
//! ([`Model::outputs`], what `mlp predict` prints) within 1e-5 absolute, with every predicted
//! label (the graph's `label`, an int64 ArgMax) equal to mlp's winning output neuron.
//!
//! Four models, each trained here briefly through the library (agreement is the point, not
//! accuracy): (a) the lecture's 784-30-10 sigmoid network, (b) a ReLU/softmax network, (c) a
//! regressor on MNIST's pixels with standardised targets (the graph's `Mul`/`Add` tail), (d) a
//! classifier of seeded tabular data whose features are standardised (the graph's `Sub`/`Div`
//! head). (a)–(c) are scored on the 10 000 MNIST test images from `MLP_DATA_DIR`; (d) on
//! 10 000 seeded rows it was not trained on. Each test prints its max |Δ|; run with
//! `-- --nocapture` to see them.

use mlp::data::standardize::Standardizer;
use mlp::data::tabular::Task;
use mlp::data::{Dataset, Features, Targets, mnist};
use mlp::optim::{Optim, Optimizer};
use mlp::train::{self, Progress, Sets, TrainConfig};
use mlp::{Activation, Architecture, Cost, Init, MlpClassifier, Model, Network};
use ndarray::{Array2, Axis};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::path::PathBuf;
use std::sync::OnceLock;
use tract_onnx::prelude::*;

const TOLERANCE: f32 = 1e-5;

/// MNIST's training set and its test images as `mlp predict` reads them (pixels / 255).
struct Mnist {
    train: Dataset,
    test_x: Array2<f32>,
}

fn mnist() -> &'static Mnist {
    static DATA: OnceLock<Mnist> = OnceLock::new();
    DATA.get_or_init(|| {
        let dir = std::env::var_os(mnist::DATA_DIR_ENV)
            .map(PathBuf::from)
            .unwrap_or_else(|| {
                panic!(
                    "{} is not set: it must name the directory of the MNIST files (the agreement \
                 test runs on the 10 000 test images)",
                    mnist::DATA_DIR_ENV
                )
            });
        let (train, test) = mnist::load(&dir).unwrap_or_else(|e| panic!("MNIST in {}: {e}", dir.display()));
        let Features::Pixels(p) = &test.features else {
            panic!("MNIST's images are pixels")
        };
        let test_x = p.mapv(|b| f32::from(b) / 255.0);
        assert_eq!(test_x.dim(), (10_000, 784));
        Mnist { train, test_x }
    })
}

/// What tract computes from the model's ONNX graph on `x`: the first output (probabilities or
/// values) and, for a classifier, the int64 labels.
fn tract_outputs(model: &Model, x: &Array2<f32>) -> (Array2<f32>, Option<Vec<i64>>) {
    let bytes = mlp::onnx::to_bytes(model);
    // The graph's batch dimension is left symbolic: one plan serves any number of rows.
    let plan = tract_onnx::onnx()
        .model_for_read(&mut &bytes[..])
        .expect("tract reads the graph")
        .into_optimized()
        .expect("tract optimises the graph")
        .into_runnable()
        .expect("tract plans the graph");
    let input = Tensor::from_shape(&[x.nrows(), x.ncols()], x.as_slice().expect("standard layout"))
        .expect("input tensor");
    let out = plan.run(tvec!(input.into())).expect("tract runs the graph");
    let first = &out[0];
    let shape = first.shape().to_vec();
    assert_eq!(shape[0], x.nrows(), "one output row per input row");
    let values = Array2::from_shape_vec(
        (shape[0], shape[1]),
        first
            .to_plain_array_view::<f32>()
            .expect("float outputs")
            .iter()
            .copied()
            .collect(),
    )
    .expect("2-D outputs");
    let labels = out.get(1).map(|t| {
        let labels = t.to_plain_array_view::<i64>().expect("int64 labels");
        labels.iter().copied().collect()
    });
    (values, labels)
}

/// Runs the model in tract and in mlp on `x`, asserts they agree, prints and returns max |Δ|.
fn agree(name: &str, model: &Model, x: &Array2<f32>) -> f32 {
    let ours = model.outputs(x.view()).expect("mlp's outputs");
    let (theirs, labels) = tract_outputs(model, x);
    assert_eq!(ours.dim(), theirs.dim(), "{name}: output shapes");
    let max = ours
        .iter()
        .zip(&theirs)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    let mut line = format!("tract agreement, {name}: {} rows, max |Δ| {max:.3e}", x.nrows());
    if model.task == Task::Classify {
        let ours: Vec<i64> = model
            .predict_indices(x.view())
            .expect("mlp's labels")
            .into_iter()
            .map(|j| j as i64)
            .collect();
        let theirs = labels.expect("a classifier's graph has a label output");
        let equal = ours.iter().zip(&theirs).filter(|(a, b)| a == b).count();
        line += &format!(", labels equal {equal}/{}", ours.len());
        assert_eq!(theirs.len(), ours.len(), "{line}");
        assert_eq!(equal, ours.len(), "{line}");
    } else {
        assert!(
            labels.is_none(),
            "{name}: a regressor's graph has no label output"
        );
    }
    println!("{line}");
    assert!(max <= TOLERANCE, "{line} > {TOLERANCE}");
    // The batch dimension is dynamic: a few rows alone give what they gave among all.
    let (few, _) = tract_outputs(model, &x.slice(ndarray::s![..7, ..]).to_owned());
    let few_max = few
        .iter()
        .zip(theirs.slice(ndarray::s![..7, ..]))
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    assert!(few_max <= TOLERANCE, "{name}: 7 rows alone differ by {few_max}");
    max
}

/// Trains `net` on `data` for `epochs` epochs by `rule` with learning rate `eta`, mini-batches of 10.
fn fit(net: &mut Network<f32>, data: &Dataset, rule: Optimizer, eta: f64, epochs: usize) {
    let config = TrainConfig {
        epochs,
        ..TrainConfig::default()
    };
    let mut optim = Optim::new(rule, eta, 0.0, net);
    let mut progress = Progress::new(ChaCha8Rng::seed_from_u64(1));
    let sets = Sets {
        train: data,
        validation: None,
        test: None,
    };
    train::train(net, sets, &config, &mut optim, &mut progress, |_| Ok(())).expect("training");
}

#[test]
fn a_sigmoid_lecture_network_agrees() {
    let data = mnist();
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let mut net = Network::new(&[784, 30, 10], Init::StandardNormal, &mut rng).unwrap();
    // The lecture's SGD, η = 3, one epoch.
    fit(&mut net, &data.train, Optimizer::Sgd, 3.0, 1);
    agree("sigmoid 784-30-10 (MNIST)", &Model::digits(net), &data.test_x);
}

#[test]
fn a_relu_softmax_network_agrees() {
    let data = mnist();
    let arch = Architecture {
        sizes: vec![784, 100, 10],
        hidden: Activation::Relu,
        output: Activation::Softmax,
        cost: Cost::LogLikelihood,
    };
    let mut net = Network::build(&arch, Init::He, &mut ChaCha8Rng::seed_from_u64(0)).unwrap();
    fit(&mut net, &data.train, Optimizer::Sgd, 0.1, 1);
    agree(
        "ReLU/softmax 784-100-10 (MNIST)",
        &Model::digits(net),
        &data.test_x,
    );
}

#[test]
fn a_regressor_with_standardised_targets_agrees() {
    let data = mnist();
    // Two real-valued targets per image: its digit as a number and its ink (mean pixel
    // value), standardised for training as `mlp train --task regress` does.
    let Features::Pixels(p) = &data.train.features else {
        panic!("MNIST's images are pixels")
    };
    let n = 20_000;
    let mut y = Array2::<f32>::zeros((n, 2));
    for (i, mut row) in y.axis_iter_mut(Axis(0)).enumerate() {
        row[0] = f32::from(data.train.labels[i]);
        row[1] = p.row(i).iter().map(|&b| f32::from(b)).sum::<f32>() / (784.0 * 255.0);
    }
    let target = Standardizer::fit(y.view()).unwrap();
    target.transform_inplace(y.view_mut()).unwrap();
    let train_set = Dataset {
        features: Features::Pixels(p.slice(ndarray::s![..n, ..]).to_owned()),
        labels: Vec::new(),
        n_classes: 0,
        targets: Targets::Values(y),
        weights: None,
    };
    let arch = Architecture {
        sizes: vec![784, 30, 2],
        hidden: Activation::Tanh,
        output: Activation::Identity,
        cost: Cost::Quadratic,
    };
    let mut net = Network::build(&arch, Init::Glorot, &mut ChaCha8Rng::seed_from_u64(0)).unwrap();
    let adam = Optimizer::Adam {
        beta1: 0.9,
        beta2: 0.999,
        epsilon: 1e-8,
    };
    fit(&mut net, &train_set, adam, 1e-3, 1);
    let model = Model {
        task: Task::Regress,
        classes: Vec::new(),
        target: "digit and ink".into(),
        target_standardizer: Some(target),
        ..Model::digits(net)
    };
    agree(
        "regressor 784-30-2, standardised targets (MNIST)",
        &model,
        &data.test_x,
    );
}

/// `n` seeded rows of four features on very different scales, and a class of three from a
/// rule on them.
fn tabular(n: usize, rng: &mut ChaCha8Rng) -> (Array2<f32>, Vec<String>) {
    let mut x = Array2::<f32>::zeros((n, 4));
    let mut y = Vec::with_capacity(n);
    for mut row in x.axis_iter_mut(Axis(0)) {
        let (a, b, c, d): (f32, f32, f32, f32) = (rng.random(), rng.random(), rng.random(), rng.random());
        row[0] = 1000.0 + 500.0 * a;
        row[1] = 0.001 * b;
        row[2] = -40.0 + 80.0 * c;
        row[3] = d;
        let s = a + b - 0.5 * c;
        y.push(
            if s < 0.4 {
                "low"
            } else if s < 0.9 {
                "mid"
            } else {
                "high"
            }
            .to_string(),
        );
    }
    (x, y)
}

#[test]
fn a_standardised_tabular_classifier_agrees() {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let (x, y) = tabular(2_000, &mut rng);
    let mut clf = MlpClassifier::<String>::new()
        .hidden_layer_sizes(&[16])
        .activation(Activation::Tanh)
        .max_iter(20)
        .random_state(0);
    clf.fit(x.view(), &y).unwrap();
    let model = clf.model().unwrap();
    assert!(model.standardizer.is_some(), "the features are standardised");
    let (test_x, _) = tabular(10_000, &mut rng);
    agree("standardised tabular 4-16-3 (seeded rows)", model, &test_x);
}
