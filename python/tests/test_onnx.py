"""ONNX: `mlp export --onnx` graphs run in ONNX Runtime and give mlp's own outputs, and MLPs
exported by skl2onnx and torch.onnx.export come in through `mlp import` predicting what they
predicted where they were trained.

The CLI is $MLP_BIN (scripts/test-python.sh builds it), else target/release/mlp; MNIST is in
$MLP_DATA_DIR. Each agreement test prints its figures (run pytest with -s to see them)."""

import gzip
import json
import os
import pathlib
import subprocess

import numpy as np
import pytest

import mlp

onnx = pytest.importorskip("onnx", reason="the onnx package did not install")
ort = pytest.importorskip("onnxruntime", reason="onnxruntime did not install")

ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN = pathlib.Path(os.environ.get("MLP_BIN", ROOT / "target" / "release" / "mlp"))
MNIST = pathlib.Path(os.environ.get("MLP_DATA_DIR", ROOT.parent / "shared" / "data" / "mnist"))
TOLERANCE = 1e-5

pytestmark = pytest.mark.skipif(
    not BIN.exists() and "MLP_BIN" not in os.environ,
    reason=f"the mlp binary is not built ({BIN}); `cargo build --release` first",
)


def cli(*args):
    out = subprocess.run([str(BIN), *map(str, args)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return out.stdout


def cli_error(*args):
    out = subprocess.run([str(BIN), *map(str, args)], capture_output=True, text=True)
    assert out.returncode != 0, out.stdout
    return out.stderr


def mnist_test_images():
    """The 10 000 test images as `mlp predict` reads them: pixels / 255 in float32."""
    path = MNIST / "t10k-images-idx3-ubyte"
    raw = path.read_bytes() if path.exists() else gzip.open(f"{path}.gz").read()
    return np.frombuffer(raw[16:], np.uint8).reshape(-1, 784).astype(np.float32) / np.float32(255)


def run_onnx(path, x):
    model = onnx.load(str(path))
    onnx.checker.check_model(model, full_check=True)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    return dict(zip(names, session.run(None, {"input": x}))), model


def export(model, tmp_path):
    out = tmp_path / "model.onnx"
    cli("export", model, "--onnx", out)
    return out


def agreement(name, ours, theirs, labels_ours=None, labels_theirs=None):
    diff = float(np.abs(np.asarray(ours, np.float64) - np.asarray(theirs, np.float64)).max())
    line = f"{name}: {len(ours)} rows, max abs diff {diff:.3g}"
    if labels_ours is not None:
        equal = int((np.asarray(labels_ours) == np.asarray(labels_theirs)).sum())
        line += f", labels equal {equal}/{len(ours)}"
        assert equal == len(ours), line
    print(line)
    assert diff <= TOLERANCE, line


@pytest.mark.skipif(not (MNIST / "t10k-images-idx3-ubyte.gz").exists()
                    and not (MNIST / "t10k-images-idx3-ubyte").exists(),
                    reason=f"no MNIST in {MNIST}")
@pytest.mark.parametrize("net", [
    ("sigmoid lecture net", []),
    ("relu/softmax net", ["--activation", "relu", "--output", "softmax", "--cost", "log-likelihood",
                          "--eta", "0.1"]),
])
def test_mnist_nets_agree_with_onnxruntime(tmp_path, net):
    name, flags = net
    model = tmp_path / "mnist.safetensors"
    cli("train", "--epochs", "1", "--layers", "784,30,10", *flags, "--save", model, "-qq")
    x = mnist_test_images()
    out, graph = run_onnx(export(model, tmp_path), x)
    assert {p.key for p in graph.metadata_props} >= {"task", "classes"}
    ours = mlp.load(model)._outputs(x)
    agreement(f"MNIST {name}", ours, out["probabilities"], ours.argmax(axis=1), out["label"])


def tabular(tmp_path, task):
    from sklearn.datasets import load_diabetes, load_iris

    X, y = (load_iris if task == "classify" else load_diabetes)(return_X_y=True)
    X = X.astype(np.float32)
    np.save(tmp_path / "x.npy", X)
    np.save(tmp_path / "y.npy", y.astype(np.int64 if task == "classify" else np.float64))
    model = tmp_path / f"{task}.safetensors"
    cli("train", "--npy", tmp_path / "x.npy", "--npy-target", tmp_path / "y.npy", "--task", task,
        "--hidden", "16", "--epochs", "50", "--test-split", "0", "--save", model, "-qq")
    return X, model


def test_standardised_tabular_classifier_agrees_with_onnxruntime(tmp_path):
    X, model = tabular(tmp_path, "classify")
    out, graph = run_onnx(export(model, tmp_path), X)
    ops = [n.op_type for n in graph.graph.node]
    assert ops[:2] == ["Sub", "Div"], f"the standardisation is in the graph: {ops}"
    ours = mlp.load(model)._outputs(X)
    agreement("iris standardised classifier", ours, out["probabilities"], ours.argmax(axis=1), out["label"])


def test_regressor_agrees_with_onnxruntime(tmp_path):
    X, model = tabular(tmp_path, "regress")
    out, graph = run_onnx(export(model, tmp_path), X)
    assert [o.name for o in graph.graph.output] == ["output"]
    assert [n.op_type for n in graph.graph.node][-2:] == ["Mul", "Add"], "the target scale"
    ours = np.ravel(mlp.load(model).predict(X))
    theirs = out["output"].ravel()
    # Targets in the hundreds: float32 steps there are 3e-5, so compare relative to the scale.
    scale = float(np.abs(theirs).max())
    agreement("diabetes standardised regressor (relative)", ours / scale, theirs / scale)


def test_a_python_trained_classifier_exports_with_its_class_names(tmp_path):
    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True)
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    clf = mlp.MLPClassifier(hidden_layer_sizes=(8,), max_iter=200, random_state=0).fit(X, names)
    model = tmp_path / "iris.safetensors"
    clf.save(model)
    exported = export(model, tmp_path)
    assert clf.to_onnx() == exported.read_bytes(), "Python's export is the CLI's"
    out, graph = run_onnx(exported, X.astype(np.float32))
    meta = {p.key: p.value for p in graph.metadata_props}
    classes = np.array(json.loads(meta["classes"]))
    assert list(classes) == list(clf.classes_)
    agreement("iris from mlp.MLPClassifier", clf._outputs(X), out["probabilities"],
              clf.predict(X), classes[out["label"]])


def test_sklearn_mlp_classifier_via_skl2onnx_imports_and_predicts_the_same(tmp_path):
    skl2onnx = pytest.importorskip("skl2onnx", reason="skl2onnx did not install")
    from skl2onnx.common.data_types import FloatTensorType
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    from sklearn.neural_network import MLPClassifier

    X, y = load_digits(return_X_y=True)
    X = X.astype(np.float32)
    X_train, X_test, y_train, _ = train_test_split(X, y, test_size=0.3, random_state=0)
    sk = MLPClassifier(hidden_layer_sizes=(32,), max_iter=300, random_state=0).fit(X_train, y_train)
    graph = skl2onnx.to_onnx(sk, initial_types=[("input", FloatTensorType([None, 64]))])
    onnx.save(graph, str(tmp_path / "sk.onnx"))
    cli("import", tmp_path / "sk.onnx", "-o", tmp_path / "sk.safetensors")
    ours = mlp.load(tmp_path / "sk.safetensors")
    assert list(ours.classes_.astype(str)) == [str(c) for c in sk.classes_]
    predicted = ours.predict(X_test).astype(str)
    expected = sk.predict(X_test).astype(str)
    equal = int((predicted == expected).sum())
    diff = float(np.abs(ours._outputs(X_test) - sk.predict_proba(X_test)).max())
    print(f"digits skl2onnx MLPClassifier → mlp import: {len(X_test)} rows, labels equal "
          f"{equal}/{len(X_test)}, max abs diff of probabilities {diff:.3g}")
    assert equal == len(X_test)


def test_sklearn_two_class_mlp_classifier_via_skl2onnx_imports_and_agrees(tmp_path):
    """Two classes: scikit-learn's one logistic output neuron, `[1 - p, p]` in skl2onnx's graph."""
    skl2onnx = pytest.importorskip("skl2onnx", reason="skl2onnx did not install")
    from skl2onnx.common.data_types import FloatTensorType
    from sklearn.datasets import load_breast_cancer
    from sklearn.model_selection import train_test_split
    from sklearn.neural_network import MLPClassifier

    data = load_breast_cancer()
    # Named classes, to see the labels kept; the features standardised beforehand (by the
    # training rows), since a Pipeline's StandardScaler becomes an op mlp does not read.
    X, y = data.data, data.target_names[data.target]
    X_train, X_test, y_train, _ = train_test_split(X, y, test_size=0.3, random_state=0)
    mean, scale = X_train.mean(axis=0), X_train.std(axis=0)
    X_train, X_test = [((v - mean) / scale).astype(np.float32) for v in (X_train, X_test)]
    sk = MLPClassifier(hidden_layer_sizes=(16,), max_iter=300, random_state=0).fit(X_train, y_train)
    assert sk.n_outputs_ == 1 and sk.out_activation_ == "logistic"
    graph = skl2onnx.to_onnx(sk, initial_types=[("input", FloatTensorType([None, 30]))])
    assert "Sub" in [n.op_type for n in graph.graph.node]
    onnx.save(graph, str(tmp_path / "sk.onnx"))
    cli("import", tmp_path / "sk.onnx", "-o", tmp_path / "sk.safetensors")
    ours = mlp.load(tmp_path / "sk.safetensors")
    assert list(ours.classes_.astype(str)) == ["benign", "malignant"] == list(sk.classes_)
    # agreement() asserts every label equal and the probabilities within 1e-5.
    agreement("breast cancer (2 classes) skl2onnx MLPClassifier → mlp import",
              ours._outputs(X_test), sk.predict_proba(X_test),
              ours.predict(X_test).astype(str), sk.predict(X_test).astype(str))


def test_sklearn_mlp_regressor_via_skl2onnx_imports_and_agrees(tmp_path):
    skl2onnx = pytest.importorskip("skl2onnx", reason="skl2onnx did not install")
    from skl2onnx.common.data_types import FloatTensorType
    from sklearn.datasets import load_diabetes
    from sklearn.neural_network import MLPRegressor

    X, y = load_diabetes(return_X_y=True)
    X = X.astype(np.float32)
    sk = MLPRegressor(hidden_layer_sizes=(16,), activation="tanh", max_iter=300, random_state=0).fit(X, y)
    graph = skl2onnx.to_onnx(sk, initial_types=[("input", FloatTensorType([None, 10]))])
    onnx.save(graph, str(tmp_path / "sk.onnx"))
    cli("import", tmp_path / "sk.onnx", "-o", tmp_path / "sk.safetensors")
    ours = np.ravel(mlp.load(tmp_path / "sk.safetensors").predict(X))
    # skl2onnx computes in float32, as mlp does; scikit-learn itself in float64.
    session = ort.InferenceSession(str(tmp_path / "sk.onnx"), providers=["CPUExecutionProvider"])
    theirs = session.run(None, {"input": X})[0].ravel()
    scale = float(np.abs(theirs).max())
    agreement("diabetes skl2onnx MLPRegressor → mlp import (relative)", ours / scale, theirs / scale)


def test_an_unsupported_graph_names_its_first_unsupported_node(tmp_path):
    from onnx import TensorProto, helper

    x = helper.make_tensor_value_info("input", TensorProto.FLOAT, [None, 4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [None, 4])
    node = helper.make_node("Exp", ["input"], ["y"], name="exp")
    graph = helper.make_model(helper.make_graph([node], "g", [x], [y]),
                              opset_imports=[helper.make_opsetid("", 13)])
    onnx.save(graph, str(tmp_path / "exp.onnx"))
    e = cli_error("import", tmp_path / "exp.onnx", "-o", tmp_path / "m.safetensors")
    assert "node 0 'exp' (Exp) is not supported" in e, e
    (tmp_path / "cut.onnx").write_bytes((tmp_path / "exp.onnx").read_bytes()[:20])
    e = cli_error("import", tmp_path / "cut.onnx", "-o", tmp_path / "m.safetensors")
    assert "cut.onnx: not an ONNX graph mlp can read" in e, e


def torch_or_skip():
    return pytest.importorskip(
        "torch", reason="torch is not installed (scripts/test-python.sh installs it with MLP_TEST_TORCH=1)"
    )


@pytest.mark.parametrize("dynamo", [False, True], ids=["torchscript exporter", "dynamo exporter"])
def test_torch_sequential_via_torch_onnx_export_imports_and_matches(tmp_path, dynamo):
    torch = torch_or_skip()
    if dynamo:
        pytest.importorskip("onnxscript", reason="the dynamo exporter needs onnxscript, not installed")
    torch.manual_seed(0)
    net = torch.nn.Sequential(
        torch.nn.Linear(20, 16), torch.nn.Tanh(), torch.nn.Linear(16, 8), torch.nn.ReLU(),
        torch.nn.Linear(8, 3), torch.nn.Softmax(dim=1),
    ).eval()
    x = torch.randn(50, 20)
    if dynamo:
        # Its default: the weights in an external data file beside the graph (t.onnx.data).
        torch.onnx.export(net, (x,), str(tmp_path / "t.onnx"), input_names=["input"],
                          dynamic_shapes=({0: torch.export.Dim("N")},), dynamo=True)
    else:
        torch.onnx.export(net, (x,), str(tmp_path / "t.onnx"), input_names=["input"],
                          dynamic_axes={"input": {0: "N"}}, dynamo=False)
    cli("import", tmp_path / "t.onnx", "-o", tmp_path / "t.safetensors")
    ours = mlp.load(tmp_path / "t.safetensors")._outputs(x.numpy())
    with torch.no_grad():
        theirs = net(x).numpy()
    agreement("torch nn.Sequential → torch.onnx.export → mlp import", ours, theirs,
              ours.argmax(axis=1), theirs.argmax(axis=1))


def test_torch_state_dict_round_trip_matches(tmp_path):
    torch = torch_or_skip()
    st = pytest.importorskip("safetensors.torch", reason="safetensors did not install")
    X, model = tabular(tmp_path, "classify")
    sd = tmp_path / "sd.safetensors"
    cli("export", model, "--torch-safetensors", sd)
    net = torch.nn.Sequential(torch.nn.Linear(4, 16), torch.nn.ReLU(), torch.nn.Linear(16, 3),
                              torch.nn.Softmax(dim=1))
    net.load_state_dict(st.load_file(str(sd)))
    with torch.no_grad():
        theirs = net(torch.from_numpy(X)).numpy()
    ours = mlp.load(model)._outputs(X)
    # The standardisation is folded into the first Linear: equal up to float rounding.
    agreement("iris standardised classifier → state_dict → torch", ours, theirs,
              ours.argmax(axis=1), theirs.argmax(axis=1))
    # And a state_dict torch wrote comes back, given the activations torch does not store.
    torch.manual_seed(1)
    other = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 2)).eval()
    st.save_file(other.state_dict(), str(tmp_path / "t.safetensors"))
    cli("import", tmp_path / "t.safetensors", "--activations", "tanh,identity", "-o", tmp_path / "t.st")
    with torch.no_grad():
        theirs = other(torch.from_numpy(X)).numpy()
    ours = mlp.load(tmp_path / "t.st").predict(X)
    agreement("torch state_dict → mlp import", ours, theirs)
