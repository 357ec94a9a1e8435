"""``augment``: the estimators trained on distorted images (scikit-learn's 8×8 digits)."""

import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

import mlp

AUGMENT = {"rotate": 10, "scale": 0.1, "elastic_sigma": 0}


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return train_test_split(X, y, random_state=0)


def fit(X, y, augment, random_state=0, estimator=mlp.MLPClassifier, max_iter=30):
    """A fit, without the ConvergenceWarning of a short one."""
    model = estimator(augment=augment, max_iter=max_iter, random_state=random_state)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y)


def test_a_distorted_fit_predicts_repeats_itself_and_differs(digits):
    X_train, X_test, y_train, y_test = digits
    a = fit(X_train, y_train, AUGMENT)
    assert a.predict(X_test).shape == y_test.shape
    assert a.score(X_test, y_test) > 0.8
    b = fit(X_train, y_train, AUGMENT)
    for wa, wb in zip(a.coefs_, b.coefs_):
        np.testing.assert_array_equal(wa, wb)
    plain = fit(X_train, y_train, False)
    assert not np.array_equal(a.coefs_[0], plain.coefs_[0])
    other_seed = fit(X_train, y_train, AUGMENT, random_state=1)
    assert not np.array_equal(a.coefs_[0], other_seed.coefs_[0])
    # True is the library's default ranges: another fit again.
    default = fit(X_train, y_train, True)
    assert not np.array_equal(a.coefs_[0], default.coefs_[0])


def test_the_regressor_takes_augment_too(digits):
    X_train, _, y_train, _ = digits
    reg = fit(X_train, y_train.astype(float), AUGMENT, estimator=mlp.MLPRegressor, max_iter=3)
    assert reg.predict(X_train[:5]).shape == (5,)


def test_non_square_features_are_refused():
    X = np.random.default_rng(0).random((40, 10))
    y = np.arange(40) % 2
    with pytest.raises(ValueError, match="10 features"):
        mlp.MLPClassifier(augment=True, max_iter=2).fit(X, y)


def test_lbfgs_is_refused(digits):
    X_train, _, y_train, _ = digits
    with pytest.raises(ValueError, match="L-BFGS"):
        mlp.MLPClassifier(augment=True, solver="lbfgs", max_iter=2).fit(X_train, y_train)


@pytest.mark.parametrize(
    "augment, match",
    [
        ({"rotation": 5}, "'rotation'"),
        ({"sigma": 5}, "'sigma'"),
        ({"scale": 2.0}, "scaling"),
        ({"rotate": -1}, "rotation"),
        ({"elastic_sigma": "big"}, "elastic_sigma"),
        ("yes", "augment"),
    ],
)
def test_bad_augment_values_are_value_errors(digits, augment, match):
    X_train, _, y_train, _ = digits
    with pytest.raises(ValueError, match=match):
        mlp.MLPClassifier(augment=augment, max_iter=1).fit(X_train[:50], y_train[:50])


def test_clone_and_get_params_keep_augment():
    clf = mlp.MLPClassifier(augment=AUGMENT)
    assert clf.get_params()["augment"] == AUGMENT
    assert clone(clf).get_params()["augment"] == AUGMENT
    assert mlp.MLPRegressor().get_params()["augment"] is False
    assert clone(mlp.MLPRegressor(augment=True)).augment is True
