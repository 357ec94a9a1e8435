"""mlp: multilayer perceptrons from first principles, trained in Rust.

``mlp.MLPClassifier`` and ``mlp.MLPRegressor`` are drop-in replacements for scikit-learn's;
``mlp.load(path)`` reads a model file written by ``mlp train --save`` or ``estimator.save``.
At the lecture's level: ``mlp.Network([784, 30, 10])`` (``feedforward``, ``backprop``,
``sgd``, ``evaluate``) and ``mlp.Perceptron`` with the gates (``Perceptron.nand()``, ``xor``,
``half_adder``).
"""

import numpy as np

from . import _core
from ._core import Network, Perceptron, half_adder, xor
from ._estimators import LABEL_DTYPE_KEY, MLPClassifier, MLPRegressor

__version__ = _core.__version__

__all__ = [
    "MLPClassifier",
    "MLPRegressor",
    "Network",
    "Perceptron",
    "half_adder",
    "load",
    "loads",
    "xor",
]


def loads(data, name="<bytes>"):
    """A fitted estimator from a model file's bytes (see :func:`load`)."""
    loaded = _core.load_bytes(bytes(data), name)
    meta = loaded["metadata"]
    if loaded["task"] in ("classify", "multilabel"):
        est = MLPClassifier()
        est._multilabel = loaded["task"] == "multilabel"
        est.out_activation_ = "logistic" if est._multilabel else "softmax"
        names = loaded["classes"]
        dtype = meta.get(LABEL_DTYPE_KEY)
        classes = np.array(names)
        if dtype is not None:
            kind = np.dtype(dtype)
            classes = np.array([n == "True" for n in names]) if kind == np.bool_ else classes.astype(kind)
        est.classes_ = classes
    else:
        est = MLPRegressor()
        est._y_1d = False
    est._core = loaded["estimator"]
    sizes = est._core.sizes()
    est.n_features_in_ = sizes[0]
    if loaded["features"]:
        est.feature_names_in_ = np.array(loaded["features"], dtype=object)
    est.n_layers_ = len(sizes)
    est.n_outputs_ = sizes[-1]
    coefs, intercepts = est._core.layers()
    est.coefs_, est.intercepts_ = list(coefs), list(intercepts)
    # The file keeps the network, not how it was trained.
    est.n_iter_, est.t_, est.loss_curve_ = 0, 0, []
    return est


def load(path):
    """A fitted estimator from a model file (``mlp train --save``, ``mlp train --csv ... --save``
    or ``estimator.save``): an :class:`MLPClassifier` whose ``classes_`` are the file's class
    names (with their original type when Python wrote the file; for a multilabel model the
    label columns ``0 … k − 1``), or an :class:`MLPRegressor`
    (predicting 2-D arrays, one column per output)."""
    with open(path, "rb") as f:
        return loads(f.read(), str(path))
