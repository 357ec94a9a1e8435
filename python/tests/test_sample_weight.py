"""sample_weight in fit and partial_fit, class_weight, shuffle and invscaling."""

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.base import clone
from sklearn.metrics import recall_score
from sklearn.utils.class_weight import compute_sample_weight

import mlp


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:400], y[:400]


def lbfgs(**kw):
    # Standardisation off: it is fitted on the rows as given, copies included.
    return dict(solver="lbfgs", max_iter=15, random_state=0, standardize=False, alpha=0.0, **kw)


def test_a_weight_of_two_is_a_row_given_twice(digits):
    X, y = digits
    X = X / 16.0
    w = np.where(np.arange(len(y)) < 100, 2.0, 1.0)
    rows = np.concatenate([np.arange(len(y)), np.arange(100)])
    weighted = mlp.MLPClassifier(hidden_layer_sizes=(20,), **lbfgs()).fit(X, y, sample_weight=w)
    copied = mlp.MLPClassifier(hidden_layer_sizes=(20,), **lbfgs()).fit(X[rows], y[rows])
    plain = mlp.MLPClassifier(hidden_layer_sizes=(20,), **lbfgs()).fit(X, y)
    gap = np.abs(weighted.predict_proba(X) - copied.predict_proba(X)).max()
    assert gap < 1e-3, gap
    assert np.abs(weighted.predict_proba(X) - plain.predict_proba(X)).max() > 1e-3


def test_a_weight_of_zero_is_a_row_left_out(digits):
    X, y = digits
    X = X / 16.0
    keep = np.arange(len(y)) % 4 != 0
    w = keep.astype(float)
    # Rows of weight 0 may hold anything at all.
    y_noise = np.where(keep, y, (y + 3) % 10)
    weighted = mlp.MLPRegressor(hidden_layer_sizes=(10,), **lbfgs()).fit(X, y_noise, sample_weight=w)
    left_out = mlp.MLPRegressor(hidden_layer_sizes=(10,), **lbfgs()).fit(X[keep], y[keep])
    assert np.abs(weighted.predict(X) - left_out.predict(X)).max() < 1e-3


def test_balanced_class_weights_raise_the_rare_class_recall(digits):
    X, y = digits
    # Keep 12 rows of digit 9 among the rest: a rare class.
    nines = np.flatnonzero(y == 9)
    rows = np.concatenate([np.flatnonzero(y != 9), nines[:12]])
    X, y = X[rows], (y[rows] == 9).astype(int)
    params = dict(hidden_layer_sizes=(8,), max_iter=30, random_state=1, learning_rate_init=0.003)
    plain = mlp.MLPClassifier(**params).fit(X, y)
    balanced = mlp.MLPClassifier(class_weight="balanced", **params).fit(X, y)
    r_plain = recall_score(y, plain.predict(X))
    r_balanced = recall_score(y, balanced.predict(X))
    assert r_balanced > r_plain, (r_plain, r_balanced)
    # 'balanced' is scikit-learn's compute_sample_weight("balanced", y), nothing else.
    by_hand = mlp.MLPClassifier(**params).fit(X, y, sample_weight=compute_sample_weight("balanced", y))
    np.testing.assert_array_equal(balanced.predict_proba(X), by_hand.predict_proba(X))


def test_a_class_weight_dict_is_those_sample_weights_times_the_given_ones(digits):
    X, y = digits
    labels = np.array(["a", "b", "c", "d", "e"])[y % 5]
    weights = {"a": 3.0, "b": 0.5, "c": 1.0, "d": 2.0, "e": 1.0}
    given = np.linspace(0.5, 1.5, len(y))
    params = dict(hidden_layer_sizes=(10,), max_iter=5, random_state=0)
    by_dict = mlp.MLPClassifier(class_weight=weights, **params).fit(X, labels, sample_weight=given)
    per_row = np.array([weights[label] for label in labels]) * given
    by_rows = mlp.MLPClassifier(**params).fit(X, labels, sample_weight=per_row)
    plain = mlp.MLPClassifier(**params).fit(X, labels, sample_weight=given)
    np.testing.assert_allclose(by_dict.predict_proba(X), by_rows.predict_proba(X), rtol=0, atol=1e-6)
    assert np.abs(by_dict.predict_proba(X) - plain.predict_proba(X)).max() > 1e-3
    # The same in partial_fit, the classes given up front.
    pf_dict = mlp.MLPClassifier(class_weight=weights, **params)
    pf_rows = mlp.MLPClassifier(**params)
    for _ in range(2):
        pf_dict.partial_fit(X, labels, sample_weight=given, classes=sorted(weights))
        pf_rows.partial_fit(X, labels, sample_weight=per_row, classes=sorted(weights))
    np.testing.assert_allclose(pf_dict.predict_proba(X), pf_rows.predict_proba(X), rtol=0, atol=1e-6)


def test_class_weight_is_a_parameter_and_refused_as_scikit_learn_refuses_it(digits):
    X, y = digits
    clf = mlp.MLPClassifier(class_weight={0: 2.0}, max_iter=2)
    assert clf.get_params()["class_weight"] == {0: 2.0}
    assert clone(clf).class_weight == {0: 2.0}
    assert "class_weight" not in mlp.MLPRegressor().get_params()
    # A label that is not in y (while some of y's are missing): compute_class_weight's error.
    with pytest.raises(ValueError, match=r"not in class_weight"):
        mlp.MLPClassifier(class_weight={0: 1.0, 42: 2.0}, max_iter=2).fit(X, y)
    with pytest.raises(ValueError, match="class_weight"):
        mlp.MLPClassifier(class_weight="uniform", max_iter=2).fit(X, y)
    # scikit-learn's SGDClassifier refuses 'balanced' in partial_fit: one batch's counts are
    # not the data's.
    with pytest.raises(ValueError, match="'balanced' is not supported for partial_fit"):
        mlp.MLPClassifier(class_weight="balanced").partial_fit(X, y, classes=np.arange(10))


def test_bad_weights_are_refused_by_name(digits):
    X, y = digits
    clf = mlp.MLPClassifier(max_iter=2)
    with pytest.raises(ValueError, match="sample_weight"):
        clf.fit(X, y, sample_weight=np.ones(len(y) - 1))
    with pytest.raises(ValueError, match="[Nn]egative"):
        clf.fit(X, y, sample_weight=-np.ones(len(y)))
    with pytest.raises(ValueError, match="non-zero|every sample_weight is 0"):
        clf.fit(X, y, sample_weight=np.zeros(len(y)))
    with pytest.raises(ValueError, match="finite|NaN|infinity"):
        clf.fit(X, y, sample_weight=np.full(len(y), np.nan))


def test_partial_fit_takes_weights_in_scikit_learns_argument_order(digits):
    X, y = digits
    clf = mlp.MLPClassifier(hidden_layer_sizes=(10,), random_state=0)
    clf.partial_fit(X, y, np.ones(len(y)), np.arange(10))
    assert list(clf.classes_) == list(range(10)) and clf.n_iter_ == 1


def test_shuffle_false_and_invscaling_train(digits):
    X, y = digits
    runs = [
        mlp.MLPClassifier(solver="sgd", shuffle=s, max_iter=5, random_state=0, learning_rate_init=0.1)
        .fit(X, y)
        .loss_curve_
        for s in (False, True, False)
    ]
    assert runs[0] == runs[2], "shuffle=False is deterministic"
    assert runs[0] != runs[1], "shuffle=False changed nothing"
    inv = mlp.MLPClassifier(
        solver="sgd", learning_rate="invscaling", power_t=0.5, max_iter=5, random_state=0, learning_rate_init=0.1
    ).fit(X, y)
    const = mlp.MLPClassifier(solver="sgd", max_iter=5, random_state=0, learning_rate_init=0.1).fit(X, y)
    # After the first epoch (400 samples) η falls to 0.1/√401: the losses part from the
    # constant run's.
    assert inv.loss_curve_[0] == const.loss_curve_[0]
    assert inv.loss_curve_[1:] != const.loss_curve_[1:]
