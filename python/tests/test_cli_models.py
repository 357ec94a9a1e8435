"""One model file, two places: a model trained in Python predicts the same in `mlp predict`,
and a model trained by `mlp train` predicts the same in Python (mlp.load).

The CLI is the built binary named by $MLP_BIN (scripts/test-python.sh builds it), else
target/release/mlp of this repository."""

import json
import os
import pathlib
import subprocess

import numpy as np
import pytest
from sklearn.datasets import load_iris, load_diabetes

import mlp

ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN = pathlib.Path(os.environ.get("MLP_BIN", ROOT / "target" / "release" / "mlp"))

pytestmark = pytest.mark.skipif(
    not BIN.exists() and "MLP_BIN" not in os.environ,
    reason=f"the mlp binary is not built ({BIN}); `cargo build --release` first",
)


def cli(*args):
    out = subprocess.run([str(BIN), *map(str, args)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return out.stdout


def cli_predictions(model, x_npy):
    return json.loads(cli("predict", model, x_npy, "--json"))


def test_python_model_predicts_the_same_in_the_cli(tmp_path):
    X, y = load_iris(return_X_y=True)
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    clf = mlp.MLPClassifier(hidden_layer_sizes=(16,), max_iter=300, random_state=0).fit(X, names)
    model = tmp_path / "iris.safetensors"
    clf.save(model)
    np.save(tmp_path / "x.npy", X.astype(np.float32))
    results = cli_predictions(model, tmp_path / "x.npy")
    assert [r["prediction"] for r in results] == list(clf.predict(X))
    # The CLI prints float32 probabilities; Python's are the same float32 outputs.
    proba = clf._outputs(X)
    for r, p in zip(results, proba):
        by_class = {c["class"]: c["probability"] for c in r["top"]}
        got = np.array([by_class[c] for c in clf.classes_], dtype=np.float32)
        np.testing.assert_array_equal(got, p)


def test_cli_model_predicts_the_same_in_python(tmp_path):
    X, y = load_iris(return_X_y=True)
    np.save(tmp_path / "x.npy", X.astype(np.float32))
    np.save(tmp_path / "y.npy", y.astype(np.int64))
    model = tmp_path / "cli.safetensors"
    cli("train", "--npy", tmp_path / "x.npy", "--npy-target", tmp_path / "y.npy",
        "--test-split", "0", "--epochs", "50", "--save", model, "--quiet")
    loaded = mlp.load(model)
    assert isinstance(loaded, mlp.MLPClassifier)
    results = cli_predictions(model, tmp_path / "x.npy")
    assert [r["prediction"] for r in results] == list(loaded.predict(X))
    proba = loaded._outputs(X)
    for r, p in zip(results, proba):
        by_class = {c["class"]: c["probability"] for c in r["top"]}
        np.testing.assert_array_equal(
            np.array([by_class[c] for c in loaded.classes_], dtype=np.float32), p
        )
    # Re-written from Python (without the CLI's training record), the model is the same.
    again = mlp.loads(loaded.to_bytes())
    np.testing.assert_array_equal(again._outputs(X), proba)


def test_regressor_file_both_ways(tmp_path):
    X, y = load_diabetes(return_X_y=True)
    y = (y - y.mean()) / y.std()
    reg = mlp.MLPRegressor(max_iter=50, random_state=0)
    with pytest.warns(Warning):
        reg.fit(X, y)
    model = tmp_path / "reg.safetensors"
    reg.save(model)
    np.save(tmp_path / "x.npy", X.astype(np.float32))
    results = cli_predictions(model, tmp_path / "x.npy")
    cli_values = np.array([r["prediction"][0] for r in results], dtype=np.float32)
    np.testing.assert_array_equal(cli_values, reg.predict(X).astype(np.float32))
    back = mlp.load(model)
    np.testing.assert_array_equal(back.predict(X)[:, 0], reg.predict(X))


def test_labels_keep_their_type_through_the_file(tmp_path):
    X, y = load_iris(return_X_y=True)
    for labels in (y.astype(np.int64) * 10, y == 1):
        clf = mlp.MLPClassifier(hidden_layer_sizes=(8,), max_iter=100, random_state=0)
        with pytest.warns(Warning):
            clf.fit(X, labels)
        back = mlp.loads(clf.to_bytes())
        assert back.classes_.dtype == clf.classes_.dtype
        np.testing.assert_array_equal(back.predict(X), clf.predict(X))


def test_a_bad_model_file_is_a_value_error(tmp_path):
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"\x08\x00\x00\x00\x00\x00\x00\x00{}garbage")
    with pytest.raises(ValueError, match="bad.safetensors"):
        mlp.load(bad)
    with pytest.raises(OSError):
        mlp.load(tmp_path / "missing.safetensors")
