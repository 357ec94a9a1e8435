"""Multilabel classification (y a 0/1 indicator matrix) against scikit-learn's MLPClassifier."""

import json
import os
import pickle
import subprocess

import numpy as np
import pytest
import sklearn.neural_network as sk
from sklearn.datasets import make_multilabel_classification
from sklearn.metrics import accuracy_score

import mlp


@pytest.fixture(scope="module")
def problem():
    X, Y = make_multilabel_classification(
        n_samples=1200, n_features=20, n_classes=5, n_labels=2, random_state=0
    )
    return X[:900], Y[:900], X[900:], Y[900:]


@pytest.fixture(scope="module")
def fitted(problem):
    X, Y, _, _ = problem
    params = dict(hidden_layer_sizes=(50,), max_iter=300, random_state=0)
    ours = mlp.MLPClassifier(**params).fit(X, Y)
    theirs = sk.MLPClassifier(**params).fit(X, Y)
    return ours, theirs


def test_outputs_are_shaped_and_typed_as_scikit_learns(problem, fitted):
    _, _, Xt, Yt = problem
    ours, theirs = fitted
    for ours_out, theirs_out in [
        (ours.predict(Xt), theirs.predict(Xt)),
        (ours.predict_proba(Xt), theirs.predict_proba(Xt)),
    ]:
        assert ours_out.shape == theirs_out.shape == Yt.shape
        assert ours_out.dtype == theirs_out.dtype
    assert set(np.unique(ours.predict(Xt))) <= {0, 1}
    p = ours.predict_proba(Xt)
    assert ((p > 0) & (p < 1)).all()
    # Each label on its own: rows need not sum to 1.
    assert np.abs(p.sum(axis=1) - 1).max() > 0.1
    np.testing.assert_array_equal(ours.predict(Xt), (p > 0.5).astype(int))
    np.testing.assert_array_equal(ours.classes_, theirs.classes_)
    assert ours.n_outputs_ == theirs.n_outputs_ == Yt.shape[1]
    assert ours.out_activation_ == theirs.out_activation_ == "logistic"
    assert ours.__sklearn_tags__().classifier_tags.multi_label


def test_subset_accuracy_is_close_to_scikit_learns(problem, fitted):
    _, _, Xt, Yt = problem
    ours, theirs = fitted
    a_ours, a_theirs = ours.score(Xt, Yt), theirs.score(Xt, Yt)
    # score is subset accuracy: every label of a row right.
    assert a_ours == accuracy_score(Yt, ours.predict(Xt))
    assert a_ours > 0.4, a_ours
    assert a_ours > a_theirs - 0.05, (a_ours, a_theirs)
    # The loss is scikit-learn's binary log-loss (summed over labels, mean over samples):
    # of the same size as theirs after training.
    assert abs(ours.loss_ - theirs.loss_) < 0.5 * theirs.loss_ + 0.05, (ours.loss_, theirs.loss_)


def test_partial_fit_and_early_stopping(problem):
    X, Y, Xt, Yt = problem
    clf = mlp.MLPClassifier(hidden_layer_sizes=(50,), random_state=0)
    first = None
    for epoch in range(30):
        clf.partial_fit(X, Y, classes=np.arange(Y.shape[1]))
        if epoch == 0:
            first = clf.score(Xt, Yt)
    assert clf.n_iter_ == 30 and clf.score(Xt, Yt) > first
    with pytest.raises(ValueError, match="label columns"):
        clf.partial_fit(X, Y[:, :3])
    with pytest.raises(ValueError, match="one label per row"):
        clf.partial_fit(X, Y[:, 0])
    es = mlp.MLPClassifier(hidden_layer_sizes=(50,), early_stopping=True, random_state=0).fit(X, Y)
    # The held-out score is the subset accuracy, as scikit-learn's score.
    assert all(0 <= s <= 1 for s in es.validation_scores_)
    assert es.n_iter_ < 200


def test_a_non_indicator_2d_y_is_refused_and_nonzero_means_present(problem):
    X, Y, Xt, _ = problem
    # Three values per column: one class per output (multiclass-multioutput), not labels.
    with pytest.raises(ValueError, match="multilabel indicator"):
        mlp.MLPClassifier(max_iter=2).fit(X, Y + 2 * Y[:, ::-1])
    # Two values, one of them 0: scikit-learn's LabelBinarizer reads a nonzero entry as the
    # label present.
    params = dict(hidden_layer_sizes=(10,), max_iter=3, random_state=0)
    threes = mlp.MLPClassifier(**params).fit(X, 3 * Y)
    ones = mlp.MLPClassifier(**params).fit(X, Y)
    np.testing.assert_array_equal(threes.predict_proba(Xt), ones.predict_proba(Xt))


def test_the_model_file_round_trips_through_python_and_the_cli(problem, fitted, tmp_path):
    _, _, Xt, _ = problem
    ours, _ = fitted
    path = tmp_path / "multilabel.st"
    ours.save(path)
    back = mlp.load(path)
    np.testing.assert_array_equal(back.predict_proba(Xt), ours.predict_proba(Xt))
    np.testing.assert_array_equal(back.predict(Xt), ours.predict(Xt))
    np.testing.assert_array_equal(back.classes_, ours.classes_)
    again = pickle.loads(pickle.dumps(ours))
    np.testing.assert_array_equal(again.predict(Xt), ours.predict(Xt))
    cli = os.environ.get("MLP_BIN")
    if not cli:
        pytest.skip("MLP_BIN is not set: no CLI to compare with")
    rows = tmp_path / "rows.npy"
    np.save(rows, Xt[:50].astype(np.float32))
    out = subprocess.run(
        [cli, "predict", str(path), str(rows), "--json"], capture_output=True, text=True, check=True
    )
    answers = json.loads(out.stdout)
    predicted = ours.predict(Xt[:50])
    for answer, row in zip(answers, predicted):
        assert answer["prediction"] == [str(j) for j in np.flatnonzero(row)]
    probs = np.array([[e["probability"] for e in a["labels"]] for a in answers])
    np.testing.assert_allclose(probs, ours.predict_proba(Xt[:50]), rtol=0, atol=1e-6)
    # eval scores one class per row: a multilabel model is refused by name, not mis-scored.
    refused = subprocess.run([cli, "eval", str(path)], capture_output=True, text=True)
    assert refused.returncode != 0 and "multilabel" in refused.stderr


def test_onnx_export_and_import_keep_it_multilabel(problem, fitted, tmp_path):
    ort = pytest.importorskip("onnxruntime", reason="onnxruntime did not install")
    cli = os.environ.get("MLP_BIN")
    if not cli:
        pytest.skip("MLP_BIN is not set: no CLI to import with")
    _, _, Xt, _ = problem
    ours, _ = fitted
    graph = tmp_path / "multilabel.onnx"
    ours.to_onnx(graph)
    session = ort.InferenceSession(str(graph), providers=["CPUExecutionProvider"])
    (p,) = session.run(["output"], {"input": Xt.astype(np.float32)})
    np.testing.assert_allclose(p, ours.predict_proba(Xt), rtol=0, atol=1e-5)
    back = tmp_path / "back.st"
    subprocess.run([cli, "import", str(graph), "-o", str(back)], capture_output=True, check=True)
    imported = mlp.load(back)
    np.testing.assert_array_equal(imported.predict(Xt), ours.predict(Xt))
    assert imported.predict(Xt).shape == Xt[:, :0].shape[:1] + (ours.n_outputs_,)
