"""The scikit-learn surface of mlp.MLPClassifier and mlp.MLPRegressor."""

import copy
import pickle
import threading
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_breast_cancer, load_digits, make_regression
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.model_selection import train_test_split

import mlp


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return train_test_split(X, y, test_size=0.25, random_state=0)


def test_defaults_are_scikit_learns():
    from sklearn.neural_network import MLPClassifier

    ours, theirs = mlp.MLPClassifier().get_params(), MLPClassifier().get_params()
    for name, value in theirs.items():
        assert ours[name] == value, name


def test_classifier_learns_digits_and_reports_its_fit(digits):
    Xtr, Xte, ytr, yte = digits
    clf = mlp.MLPClassifier(random_state=0).fit(Xtr, ytr)
    assert clf.score(Xte, yte) > 0.95
    assert list(clf.classes_) == list(range(10))
    assert clf.n_features_in_ == 64
    assert clf.n_layers_ == 3 and clf.n_outputs_ == 10
    assert [c.shape for c in clf.coefs_] == [(64, 100), (100, 10)]
    assert [b.shape for b in clf.intercepts_] == [(100,), (10,)]
    assert len(clf.loss_curve_) == clf.n_iter_ and clf.loss_ == clf.loss_curve_[-1]
    assert clf.loss_curve_[-1] < clf.loss_curve_[0] / 5
    assert clf.best_loss_ == min(clf.loss_curve_)
    assert clf.t_ == clf.n_iter_ * len(Xtr)
    p = clf.predict_proba(Xte)
    assert p.shape == (len(Xte), 10)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(np.exp(clf.predict_log_proba(Xte)), p)


def test_coefs_act_on_raw_inputs(digits):
    """coefs_/intercepts_ have the standardisation folded in: a forward pass in NumPy over raw
    X with scikit-learn's layout reproduces predict_proba."""
    Xtr, Xte, ytr, _ = digits
    clf = mlp.MLPClassifier(hidden_layer_sizes=(20,), max_iter=30, random_state=1).fit(Xtr, ytr)
    a = np.maximum(Xte @ clf.coefs_[0] + clf.intercepts_[0], 0)
    z = a @ clf.coefs_[1] + clf.intercepts_[1]
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(p, clf.predict_proba(Xte), atol=1e-4)


def test_any_label_type():
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]] * 10, dtype=float)
    for y in (
        np.array(["no", "yes", "yes", "no"] * 10),
        np.array([False, True, True, False] * 10),
        np.array([-3, 7, 7, -3] * 10),
    ):
        clf = mlp.MLPClassifier(hidden_layer_sizes=(16,), learning_rate_init=0.05, max_iter=500, random_state=0)
        clf.fit(X, y)
        assert clf.classes_.dtype == y.dtype
        assert (clf.predict(X) == y).all()


def test_same_seed_same_network_other_seed_another(digits):
    Xtr, _, ytr, _ = digits
    fit = lambda seed: mlp.MLPClassifier(max_iter=3, random_state=seed).fit(Xtr, ytr)
    with pytest.warns(ConvergenceWarning):
        a, b, c = fit(0), fit(0), fit(1)
    np.testing.assert_array_equal(a.coefs_[0], b.coefs_[0])
    assert not np.array_equal(a.coefs_[0], c.coefs_[0])


def test_partial_fit_equals_fit_of_as_many_epochs(digits):
    Xtr, _, ytr, _ = digits
    a = mlp.MLPClassifier(random_state=3)
    for _ in range(3):
        a.partial_fit(Xtr, ytr, classes=np.arange(10))
    b = mlp.MLPClassifier(random_state=3, max_iter=3, tol=0)
    with pytest.warns(ConvergenceWarning):
        b.fit(Xtr, ytr)
    assert a.n_iter_ == 3
    np.testing.assert_array_equal(a.coefs_[1], b.coefs_[1])
    with pytest.raises(ValueError, match="not the same as on the first call"):
        a.partial_fit(Xtr, ytr, classes=np.arange(11))
    with pytest.raises(ValueError, match="classes must be passed"):
        mlp.MLPClassifier().partial_fit(Xtr, ytr)


def test_partial_fit_classes_absent_from_the_first_batch(digits):
    Xtr, _, ytr, _ = digits
    clf = mlp.MLPClassifier(random_state=0)
    clf.partial_fit(Xtr[ytr < 5], ytr[ytr < 5], classes=np.arange(10))
    clf.partial_fit(Xtr, ytr)
    assert clf.predict_proba(Xtr[:3]).shape == (3, 10)


def test_warm_start_continues(digits):
    Xtr, _, ytr, _ = digits
    clf = mlp.MLPClassifier(max_iter=2, warm_start=True, random_state=0)
    with pytest.warns(ConvergenceWarning):
        clf.fit(Xtr, ytr)
        first = clf.coefs_[0].copy()
        clf.fit(Xtr, ytr)
    assert clf.n_iter_ == 4 and len(clf.loss_curve_) == 4
    assert not np.array_equal(first, clf.coefs_[0])


def test_early_stopping_records_validation_scores(digits):
    Xtr, _, ytr, _ = digits
    clf = mlp.MLPClassifier(early_stopping=True, random_state=0).fit(Xtr, ytr)
    assert len(clf.validation_scores_) == clf.n_iter_
    assert clf.best_validation_score_ == max(clf.validation_scores_) > 0.9
    assert clf.best_loss_ is None


def test_regressor_single_and_multi_output():
    X, y = make_regression(n_samples=300, n_features=5, n_targets=2, noise=0.1, random_state=0)
    y = y / y.std(axis=0)
    reg = mlp.MLPRegressor(random_state=0, max_iter=500).fit(X, y)
    assert reg.predict(X).shape == (300, 2) and reg.predict(X).dtype == np.float64
    assert reg.score(X, y) > 0.95
    assert reg.out_activation_ == "identity" and reg.n_outputs_ == 2
    one = mlp.MLPRegressor(random_state=0, max_iter=500).fit(X, y[:, 0])
    assert one.predict(X).shape == (300,)
    assert one.score(X, y[:, 0]) > 0.95


def test_errors_are_scikit_learns_kinds(digits):
    Xtr, _, ytr, _ = digits
    with pytest.raises(NotFittedError):
        mlp.MLPClassifier().predict(Xtr)
    with pytest.raises(ValueError, match="hidden_layer_sizes"):
        mlp.MLPClassifier(hidden_layer_sizes=(0,)).fit(Xtr, ytr)
    with pytest.raises(ValueError, match="solver"):
        mlp.MLPClassifier(solver="newton").fit(Xtr, ytr)
    with pytest.raises(ValueError, match="learning_rate_init"):
        mlp.MLPClassifier(learning_rate_init=-1).fit(Xtr, ytr)
    with pytest.raises(ValueError, match="NaN"):
        mlp.MLPClassifier().fit(np.full((4, 2), np.nan), [0, 1, 0, 1])
    with pytest.raises(ValueError, match="not a finite number"), np.errstate(over="ignore"):
        # Finite in float64, infinite in the float32 the network computes in.
        mlp.MLPClassifier().fit(np.array([[1e300], [1.0]]), [0, 1])
    clf = mlp.MLPClassifier(max_iter=5).fit(Xtr[:50], ytr[:50])
    with pytest.raises(ValueError, match="features"):
        clf.predict(Xtr[:, :10])
    with pytest.raises(ValueError, match="diverged"):
        mlp.MLPRegressor(solver="sgd", learning_rate_init=1e6, momentum=0).fit(Xtr, ytr * 1e6)


def test_verbose_prints_scikit_learns_lines(digits, capsys):
    Xtr, _, ytr, _ = digits
    with pytest.warns(ConvergenceWarning):
        mlp.MLPClassifier(max_iter=2, verbose=True).fit(Xtr, ytr)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("Iteration 1, loss = ") and lines[1].startswith("Iteration 2, loss = ")


def test_an_exception_in_a_callback_stops_the_fit_and_keeps_the_finished_epochs(digits):
    """What Ctrl-C does (the callback checks signals after every epoch): the exception
    propagates and the estimator keeps the network of the epochs finished."""
    Xtr, _, ytr, _ = digits
    clf = mlp.MLPClassifier(random_state=0)
    clf.partial_fit(Xtr, ytr, classes=np.arange(10))
    calls = []

    def stop(epoch, loss, score):
        calls.append(epoch)
        raise KeyboardInterrupt

    core = clf._core
    with pytest.raises(KeyboardInterrupt):
        core.fit(np.ascontiguousarray(Xtr, dtype=np.float32), ytr.astype(np.uint32), on_epoch=stop)
    assert calls == [1]
    assert core.is_fitted()
    assert core.predict_proba(np.ascontiguousarray(Xtr[:2], dtype=np.float32)).shape == (2, 10)


def test_fit_releases_the_gil(digits):
    """While one thread fits, another runs Python: with the GIL held it could not run at all
    (a fit is one call into Rust). The throughput of two fits at once is in benchmarks/."""
    Xtr, _, ytr, _ = digits
    clf = mlp.MLPClassifier(max_iter=30, tol=0, random_state=0, n_threads=1)
    fit = threading.Thread(target=lambda: clf.fit(Xtr, ytr))
    counted = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        fit.start()
        while fit.is_alive():
            counted += 1
        fit.join()
    assert clf.n_iter_ == 30
    assert counted > 10_000, counted


def test_pickle_deepcopy_clone(digits):
    Xtr, Xte, ytr, _ = digits
    clf = mlp.MLPClassifier(max_iter=20, random_state=0)
    with pytest.warns(ConvergenceWarning):
        clf.fit(Xtr, ytr)
    for other in (pickle.loads(pickle.dumps(clf)), copy.deepcopy(clf)):
        np.testing.assert_array_equal(other.predict_proba(Xte), clf.predict_proba(Xte))
        assert other.to_bytes() == clf.to_bytes()
    fresh = clone(clf)
    assert fresh.get_params() == clf.get_params() and not hasattr(fresh, "classes_")


def test_partial_fit_after_pickling_keeps_counting(digits):
    """An estimator shipped between processes (dask-ml's Incremental does) keeps n_iter_,
    loss_curve_ and t_ going; the optimizer's state starts again (the model file keeps none)."""
    Xtr, _, ytr, _ = digits
    clf = mlp.MLPClassifier(random_state=0)
    for _ in range(3):
        clf.partial_fit(Xtr, ytr, classes=np.arange(10))
        clf = pickle.loads(pickle.dumps(clf))
    assert clf.n_iter_ == 3 and len(clf.loss_curve_) == 3 and clf.t_ == 3 * len(Xtr)
    assert clf.loss_curve_[2] < clf.loss_curve_[0]
    loaded = mlp.loads(clf.to_bytes())
    loaded.partial_fit(Xtr, ytr)
    assert loaded.n_iter_ == 1


def test_lbfgs_solver():
    X, y = load_breast_cancer(return_X_y=True)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)
    clf = mlp.MLPClassifier(solver="lbfgs", random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(Xtr, ytr)
    assert clf.score(Xte, yte) > 0.94
    assert 1 <= clf.n_iter_ <= 200 and len(clf.loss_curve_) == clf.n_iter_
    assert all(b <= a for a, b in zip(clf.loss_curve_, clf.loss_curve_[1:])), "L-BFGS never raises f"
    with pytest.raises(AttributeError, match="stochastic"):
        clf.partial_fit(Xtr, ytr)
