"""scikit-learn's ``MLPClassifier`` and ``MLPRegressor``, trained by the ``mlp`` crate.

This module is the scikit-learn surface only: parameter checks, input validation, label
encoding and the fitted attributes. Training, prediction and the model file are the Rust
library's (``mlp::estimator`` through ``mlp._core``).
"""

import numbers
import warnings

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils.class_weight import compute_class_weight, compute_sample_weight
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import (
    _check_sample_weight,
    check_is_fitted,
    column_or_1d,
    validate_data,
)

from . import _core

# What a model file written from Python records about the labels, so that mlp.load gives the
# same classes_ back (the file keeps class names as strings, which the CLI prints).
LABEL_DTYPE_KEY = "python.classes_dtype"


def _weights(sample_weight, X):
    """``sample_weight`` as float32, one per row of ``X``, checked as scikit-learn checks it
    (its shape, and no negative weight); ``None`` stays ``None``: every row counts once."""
    if sample_weight is None:
        return None
    w = _check_sample_weight(sample_weight, X, dtype=np.float32, ensure_non_negative=True)
    return np.ascontiguousarray(w, dtype=np.float32)

def _indicator(y):
    """A multilabel ``y`` as 0/1 float32: a nonzero entry is the label present (scikit-learn's
    ``LabelBinarizer`` reads it so)."""
    return np.ascontiguousarray(y != 0, dtype=np.float32)


# ``augment``'s keys, and the names of the library's `Distortion` fields they set.
_DISTORTION_KEYS = {
    "rotate": "rotate",
    "scale": "scale",
    "shear": "shear",
    "shift": "shift",
    "elastic_sigma": "sigma",
    "elastic_alpha": "alpha",
}


def _distortion(augment):
    """``augment`` as the library's ``Distortion`` fields: ``None`` for no distortions, ``{}``
    for its default ranges (``True``), else the ranges given (the others default). The
    library checks the values' bounds."""
    if augment is True or augment is False or isinstance(augment, np.bool_):
        return {} if augment else None
    out = {}
    for key, value in augment.items():
        if key not in _DISTORTION_KEYS:
            raise ValueError(
                f"augment has an unknown key {key!r}; the keys are {', '.join(_DISTORTION_KEYS)}"
            )
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
            raise ValueError(f"augment[{key!r}] must be a number, got {value!r}")
        out[_DISTORTION_KEYS[key]] = float(value)
    return out


_ACTIVATIONS = {"identity": "identity", "logistic": "sigmoid", "tanh": "tanh", "relu": "relu"}


class _BaseMLP(BaseEstimator):
    """The parameters and the fitting both estimators share."""

    _parameter_constraints = {
        "hidden_layer_sizes": ["array-like", Interval(numbers.Integral, 1, None, closed="left")],
        "activation": [StrOptions({"identity", "logistic", "tanh", "relu"})],
        "solver": [StrOptions({"adam", "sgd", "lbfgs"})],
        "alpha": [Interval(numbers.Real, 0, None, closed="left")],
        "batch_size": [StrOptions({"auto"}), Interval(numbers.Integral, 1, None, closed="left")],
        "learning_rate": [StrOptions({"constant", "invscaling", "adaptive"})],
        "learning_rate_init": [Interval(numbers.Real, 0, None, closed="neither")],
        "power_t": [Interval(numbers.Real, 0, None, closed="left")],
        "max_iter": [Interval(numbers.Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "tol": [Interval(numbers.Real, 0, None, closed="left")],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "momentum": [Interval(numbers.Real, 0, 1, closed="both")],
        "nesterovs_momentum": ["boolean"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(numbers.Real, 0, 1, closed="left")],
        "beta_1": [Interval(numbers.Real, 0, 1, closed="left")],
        "beta_2": [Interval(numbers.Real, 0, 1, closed="left")],
        "epsilon": [Interval(numbers.Real, 0, None, closed="neither")],
        "n_iter_no_change": [Interval(numbers.Integral, 1, None, closed="left")],
        "max_fun": [Interval(numbers.Integral, 1, None, closed="left")],
        "dropout": [Interval(numbers.Real, 0, 1, closed="left")],
        "input_dropout": [Interval(numbers.Real, 0, 1, closed="left")],
        "n_threads": [None, Interval(numbers.Integral, 1, None, closed="left")],
        "init": [None, StrOptions({"glorot", "he", "standard-normal", "scaled-normal"})],
        "standardize": ["boolean"],
        "augment": ["boolean", dict],
    }

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        dropout=0.0,
        input_dropout=0.0,
        n_threads=None,
        init=None,
        standardize=True,
        augment=False,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.dropout = dropout
        self.input_dropout = input_dropout
        self.n_threads = n_threads
        self.init = init
        self.standardize = standardize
        self.augment = augment

    # --- parameters for the Rust core -------------------------------------------------------

    def _core_params(self):
        """The hyper-parameters in the library's names (``mlp::estimator::Params``)."""
        self._validate_params()
        sizes = self.hidden_layer_sizes
        sizes = [int(sizes)] if isinstance(sizes, numbers.Integral) else [int(s) for s in sizes]
        if any(s < 1 for s in sizes):
            raise ValueError(f"hidden_layer_sizes must be > 0, got {sizes}.")
        if not hasattr(self, "_seed"):
            # An int seeds exactly as `mlp train --seed` does; None or a RandomState draws one
            # seed per estimator, kept for partial_fit and warm starts.
            rs = self.random_state
            self._seed = (
                int(rs)
                if isinstance(rs, numbers.Integral)
                else int(check_random_state(rs).randint(np.iinfo(np.int32).max))
            )
        return dict(
            hidden_layer_sizes=sizes,
            activation=_ACTIVATIONS[self.activation],
            solver=self.solver,
            alpha=float(self.alpha),
            batch_size=None if self.batch_size == "auto" else int(self.batch_size),
            learning_rate=self.learning_rate,
            power_t=float(self.power_t),
            shuffle=bool(self.shuffle),
            learning_rate_init=float(self.learning_rate_init),
            max_iter=int(self.max_iter),
            tol=float(self.tol),
            n_iter_no_change=int(self.n_iter_no_change),
            early_stopping=bool(self.early_stopping),
            validation_fraction=float(self.validation_fraction),
            momentum=float(self.momentum),
            nesterovs_momentum=bool(self.nesterovs_momentum),
            beta_1=float(self.beta_1),
            beta_2=float(self.beta_2),
            epsilon=float(self.epsilon),
            dropout=float(self.dropout),
            input_dropout=float(self.input_dropout),
            warm_start=bool(self.warm_start),
            n_threads=None if self.n_threads is None else int(self.n_threads),
            max_fun=int(self.max_fun),
            init=self.init or "glorot",
            standardize=bool(self.standardize),
            augment=_distortion(self.augment),
            random_state=self._seed,
        )

    def _check_stochastic(self):
        if self.solver not in ("sgd", "adam"):
            raise AttributeError(
                f"partial_fit is only available for stochastic optimizers. {self.solver} is not stochastic."
            )

    def _continuing(self):
        """True when fit goes on from the fitted network (warm_start); else a new seed is drawn."""
        fitted = getattr(self, "_core", None) is not None and self._core.is_fitted()
        if not (self.warm_start and fitted):
            self.__dict__.pop("_seed", None)
            return False
        return True

    def _make_core(self, params, core_class=None):
        if getattr(self, "_core", None) is None:
            self._core = (core_class or self._core_class)(**params)
        else:
            self._core.set_params(**params)
        return self._core

    def _on_epoch(self):
        if not self.verbose:
            return None

        def report(epoch, loss, validation_score):
            print(f"Iteration {epoch}, loss = {loss:.8f}")
            if validation_score is not None:
                print(f"Validation score: {validation_score:.6f}")

        return report

    def _validate_x(self, X, reset):
        X = validate_data(self, X, reset=reset, dtype=(np.float32, np.float64))
        return np.ascontiguousarray(X, dtype=np.float32)

    def _before_training(self, continuing):
        """Where the fitted attributes stand before a fit or partial_fit: the epochs and losses
        so far (kept here, not only in the Rust estimator, whose record starts again when an
        estimator is unpickled) and the Rust estimator's own count."""
        if not continuing:
            return 0, [], 0, 0
        core_epochs = self._core.fit_state()["n_iter"]
        return self.n_iter_, list(self.loss_curve_), self.t_, core_epochs

    def _run(self, train, X, before, incremental):
        """Runs ``train`` (one call into the Rust estimator, which checks for Ctrl-C between
        mini-batches) and reads the fitted attributes back — also when Ctrl-C stopped it: the
        network as its last finished mini-batch left it is kept and usable."""
        try:
            train()
        except KeyboardInterrupt:
            if self._core.is_fitted():
                self._after_training(X.shape[0], before, incremental=True)
            raise
        self._after_training(X.shape[0], before, incremental)

    def _after_training(self, n_samples, before, incremental):
        """The fitted attributes, read back from the Rust estimator."""
        n_iter, losses, t, core_epochs = before
        state = self._core.fit_state()
        new = list(state["loss_curve"])[core_epochs:]
        self.loss_curve_ = losses + new
        self.loss_ = self.loss_curve_[-1] if self.loss_curve_ else None
        self.n_iter_ = n_iter + len(new)
        # Samples seen (scikit-learn's t_).
        self.t_ = t + n_samples * len(new)
        if self.early_stopping and not incremental and self.solver != "lbfgs":
            self.validation_scores_ = list(state["validation_scores"])
            self.best_validation_score_ = max(self.validation_scores_, default=None)
            self.best_loss_ = None
        else:
            self.validation_scores_ = None
            self.best_validation_score_ = None
            self.best_loss_ = min(self.loss_curve_, default=None)
        coefs, intercepts = self._core.layers()
        self.coefs_ = list(coefs)
        self.intercepts_ = list(intercepts)
        sizes = self._core.sizes()
        self.n_layers_ = len(sizes)
        self.n_outputs_ = sizes[-1]
        if not incremental and not state["converged"] and len(new) >= self.max_iter:
            what = "lbfgs failed to converge" if self.solver == "lbfgs" else "Stochastic Optimizer"
            warnings.warn(
                f"{what}: Maximum iterations ({self.max_iter}) reached and the "
                "optimization hasn't converged yet.",
                ConvergenceWarning,
            )

    # --- persistence ---------------------------------------------------------------------------

    def to_bytes(self):
        """The model file's bytes: what ``mlp train --save`` writes (safetensors)."""
        check_is_fitted(self)
        return self._model_bytes()

    def save(self, path):
        """Writes the model file, which ``mlp predict`` and :func:`mlp.load` read."""
        data = self.to_bytes()
        with open(path, "wb") as f:
            f.write(data)

    def to_onnx(self, path=None):
        """The model as an ONNX graph's bytes, what ``mlp export --onnx`` writes (input
        ``input``, outputs ``probabilities`` and ``label``, or ``output``); also written to
        ``path`` when one is given."""
        data = _core.onnx_bytes(self.to_bytes())
        if path is not None:
            with open(path, "wb") as f:
                f.write(data)
        return data

    def _features(self):
        names = getattr(self, "feature_names_in_", None)
        return [] if names is None else [str(n) for n in names]

    def __getstate__(self):
        # A copy: object.__getstate__ may hand back the instance's own __dict__.
        state = dict(super().__getstate__())
        core = state.pop("_core", None)
        if core is not None and core.is_fitted():
            state["_model_file"] = self._model_bytes()
        return state

    def __setstate__(self, state):
        data = state.pop("_model_file", None)
        super().__setstate__(state)
        self._core = None
        if data is not None:
            loaded = _core.load_bytes(data, "pickled estimator", **self._core_params())
            self._core = loaded["estimator"]


class MLPClassifier(ClassifierMixin, _BaseMLP):
    """Multi-layer perceptron classifier (scikit-learn's ``MLPClassifier``, trained in Rust).

    Softmax output neurons (one per class, also for two classes) and the log-likelihood cost.
    Beyond scikit-learn: ``dropout``, ``input_dropout``, ``n_threads``, ``init``,
    ``standardize`` (inputs scaled to zero mean and unit variance, on by default; the scaling
    is part of the model) and ``augment``.

    ``augment`` (default ``False``) trains on fresh random distortions
    of the training images in every epoch (rotation, scaling, shear, translation and an elastic
    field, as ``mlp train --augment``): each row of ``X`` must be a square image (side × side
    features, row-major, such as ``load_digits``' 8×8), distorted in its own units before the
    standardisation, with 0 beyond the border. ``True`` takes the library's ranges (rotate 15°,
    scale 0.15, shear 0, shift 0, elastic_sigma 6, elastic_alpha 36); a dict sets any of the keys
    ``rotate`` (degrees), ``scale`` (fraction), ``shear``, ``shift`` (pixels), ``elastic_sigma``
    and ``elastic_alpha`` (pixels; sigma 0 turns the elastic part off), the others as for
    ``True``. Those ranges are Cireşan et al.'s for MNIST's 28×28 digits: an elastic field
    of σ = 6 pixels moves an 8×8 image as a whole, so small images want smaller ranges (for
    ``load_digits``, e.g. ``{"rotate": 10, "scale": 0.1, "elastic_sigma": 0}``). The
    distortions come from ``random_state``, the epoch and the row alone, so a fit
    repeats itself; the validation part of ``early_stopping`` and prediction are never
    distorted; not with ``solver='lbfgs'``.
    """

    _core_class = _core.Classifier
    out_activation_ = "softmax"

    _parameter_constraints = {
        **_BaseMLP._parameter_constraints,
        "class_weight": [StrOptions({"balanced"}), dict, None],
    }

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        dropout=0.0,
        input_dropout=0.0,
        n_threads=None,
        init=None,
        standardize=True,
        augment=False,
        class_weight=None,
    ):
        super().__init__(
            hidden_layer_sizes=hidden_layer_sizes,
            activation=activation,
            solver=solver,
            alpha=alpha,
            batch_size=batch_size,
            learning_rate=learning_rate,
            learning_rate_init=learning_rate_init,
            power_t=power_t,
            max_iter=max_iter,
            shuffle=shuffle,
            random_state=random_state,
            tol=tol,
            verbose=verbose,
            warm_start=warm_start,
            momentum=momentum,
            nesterovs_momentum=nesterovs_momentum,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            beta_1=beta_1,
            beta_2=beta_2,
            epsilon=epsilon,
            n_iter_no_change=n_iter_no_change,
            max_fun=max_fun,
            dropout=dropout,
            input_dropout=input_dropout,
            n_threads=n_threads,
            init=init,
            standardize=standardize,
            augment=augment,
        )
        self.class_weight = class_weight

    def _validate_xy(self, X, y, reset):
        """``X`` as float32 and ``y`` as scikit-learn's ``MLPClassifier`` reads it: 1-D labels
        (a single column is flattened, with a warning), or a 2-D 0/1 indicator matrix."""
        X, y = validate_data(self, X, y, reset=reset, dtype=(np.float32, np.float64), multi_output=True)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        if y.ndim == 2 and (kind := type_of_target(y)) != "multilabel-indicator":
            raise ValueError(
                f"y is {kind}: a 2-D y must be a multilabel indicator matrix (0s and 1s, one "
                "column per label); one column of labels per output is not supported"
            )
        return np.ascontiguousarray(X, dtype=np.float32), y

    def _class_weighted(self, y, codes, sample_weight):
        """``sample_weight`` times the weight of each row's class (``class_weight``: a dict
        ``{label: weight}``, or 'balanced': ``n_samples / (n_classes · count(label))``), as
        scikit-learn's ``compute_class_weight`` computes it over ``classes_``; for multilabel
        y, 'balanced' multiplies every label column's weights (``compute_sample_weight``)."""
        if self.class_weight is None:
            return sample_weight
        if y.ndim == 2:
            if not isinstance(self.class_weight, str):
                raise ValueError(
                    "class_weight as a dict weighs each row by its one class; for multilabel y "
                    "use class_weight='balanced' or pass sample_weight"
                )
            w = compute_sample_weight(self.class_weight, y).astype(np.float32)
        else:
            per_class = compute_class_weight(self.class_weight, classes=self.classes_, y=y)
            w = per_class[codes].astype(np.float32)
        return w if sample_weight is None else w * sample_weight

    def _encode(self, y, fresh):
        """``y`` as the Rust estimator takes it: class codes (uint32), or the indicator matrix
        (float32) for multilabel y. ``fresh``: learn ``classes_`` from ``y`` (fit from scratch)."""
        multilabel = y.ndim == 2
        if fresh:
            self._multilabel = multilabel
            if multilabel:
                # scikit-learn's LabelBinarizer: the labels are the columns 0 … k − 1.
                self.classes_ = np.arange(y.shape[1])
                return _indicator(y)
            self.classes_, codes = np.unique(y, return_inverse=True)
            return codes.astype(np.uint32).ravel()
        if multilabel != self._is_multilabel():
            what = {True: "a multilabel indicator matrix", False: "one label per row"}
            raise ValueError(
                f"y is {what[multilabel]} but the estimator was fitted on "
                f"{what[self._is_multilabel()]}"
            )
        if multilabel:
            if y.shape[1] != len(self.classes_):
                raise ValueError(
                    f"y has {y.shape[1]} label columns; the estimator was fitted with "
                    f"{len(self.classes_)}"
                )
            return _indicator(y)
        return self._codes(y)

    def fit(self, X, y, sample_weight=None):
        """Fits the network to ``X`` and the classes ``y`` (one label per row, or a 2-D 0/1
        indicator matrix: multilabel), each row counting by its ``sample_weight`` times its
        class's ``class_weight``; returns ``self``."""
        continuing = self._continuing()
        params = self._core_params()
        X, y = self._validate_xy(X, y, reset=not continuing)
        sample_weight = _weights(sample_weight, X)
        before = self._before_training(continuing)
        if not continuing:
            self._core = None
        encoded = self._encode(y, fresh=not continuing)
        sample_weight = self._class_weighted(y, encoded, sample_weight)
        core = self._make_core(params, _core.MultiLabel if self._is_multilabel() else _core.Classifier)
        self._run(lambda: core.fit(X, encoded, sample_weight, self._on_epoch()), X, before, False)
        return self

    def partial_fit(self, X, y, sample_weight=None, classes=None):
        """One epoch of the solver over ``(X, y)``; ``classes`` is required on the first call
        (the order of the arguments is scikit-learn 1.9's; for multilabel y the labels are
        ``y``'s columns, as in scikit-learn)."""
        self._check_stochastic()
        params = self._core_params()
        if isinstance(self.class_weight, str):
            # scikit-learn's SGDClassifier refuses it too: one batch's counts are not the data's.
            raise ValueError(
                "class_weight 'balanced' is not supported for partial_fit. In order to use "
                "'balanced' weights, use compute_class_weight('balanced', classes=classes, y=y) "
                "on a large enough sample of the training targets and pass the resulting "
                "weights as the class_weight parameter (a dict)."
            )
        first = getattr(self, "_core", None) is None or not self._core.is_fitted()
        X, y = self._validate_xy(X, y, reset=first)
        sample_weight = _weights(sample_weight, X)
        if first and classes is None:
            raise ValueError("classes must be passed on the first call to partial_fit.")
        if y.ndim == 2:
            encoded = self._encode(y, fresh=first)
        else:
            if first:
                self._multilabel = False
                self.classes_ = np.unique(classes)
            elif classes is not None and not np.array_equal(self.classes_, np.unique(classes)):
                raise ValueError(
                    f"`classes={np.unique(classes)!r}` is not the same as on the first call to "
                    f"partial_fit, which was: {self.classes_!r}"
                )
            encoded = self._encode(y, fresh=False)
        sample_weight = self._class_weighted(y, encoded, sample_weight)
        before = self._before_training(not first)
        if self._is_multilabel():
            core = self._make_core(params, _core.MultiLabel)
            args = (X, encoded, sample_weight, self._on_epoch())
        else:
            core = self._make_core(params, _core.Classifier)
            n_classes = len(self.classes_) if first else None
            args = (X, encoded, n_classes, sample_weight, self._on_epoch())
        self._run(lambda: core.partial_fit(*args), X, before, True)
        return self

    def _is_multilabel(self):
        """Fitted on a 2-D indicator matrix (an estimator pickled before multilabel existed
        was not)."""
        return getattr(self, "_multilabel", False)

    def _after_training(self, n_samples, before, incremental):
        super()._after_training(n_samples, before, incremental)
        self.out_activation_ = "logistic" if self._is_multilabel() else "softmax"

    def _codes(self, y):
        y = np.asarray(y).ravel()
        codes = np.searchsorted(self.classes_, y)
        codes = np.clip(codes, 0, len(self.classes_) - 1)
        unknown = self.classes_[codes] != y
        if unknown.any():
            raise ValueError(
                f"y holds labels not in classes {self.classes_!r}: {np.unique(y[unknown])!r}"
            )
        return codes.astype(np.uint32)

    def _outputs(self, X):
        check_is_fitted(self)
        return self._core.predict_proba(self._validate_x(X, reset=False))

    def predict_proba(self, X):
        """The probability of each class (columns in ``classes_`` order); multilabel: of each
        label, on its own."""
        p = self._outputs(X).astype(np.float64)
        if self._is_multilabel():
            return p
        # float32 softmax rows sum to 1 within ~1e-7; normalise again in float64.
        return p / p.sum(axis=1, keepdims=True)

    def predict_log_proba(self, X):
        """The logarithm of :meth:`predict_proba`."""
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X):
        """The most probable class of each row; multilabel: the indicator matrix of the
        labels whose probability is above ½."""
        out = self._outputs(X)
        if self._is_multilabel():
            return (out > 0.5).astype(int)
        return self.classes_[np.argmax(out, axis=1)]

    def _model_bytes(self):
        classes = [str(c) for c in self.classes_]
        meta = {LABEL_DTYPE_KEY: self.classes_.dtype.str}
        return self._core.to_bytes(classes, self._features(), meta)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = True
        tags.classifier_tags.multi_label = True
        return tags


class MLPRegressor(RegressorMixin, _BaseMLP):
    """Multi-layer perceptron regressor (scikit-learn's ``MLPRegressor``, trained in Rust).

    Identity output neurons and the squared error; one or more targets. Beyond
    scikit-learn: the parameters :class:`MLPClassifier` lists, ``augment`` (distorted
    training images) among them.
    """

    _core_class = _core.Regressor
    out_activation_ = "identity"

    def _targets(self, y):
        y = np.asarray(y, dtype=np.float32)
        self._y_1d = y.ndim == 1
        return np.ascontiguousarray(y.reshape(len(y), -1))

    def fit(self, X, y, sample_weight=None):
        """Fits the network to ``X`` and the targets ``y`` (1-D or 2-D), each row counting by
        its ``sample_weight``; returns ``self``."""
        continuing = self._continuing()
        params = self._core_params()
        X, y = validate_data(
            self, X, y, reset=not continuing, dtype=(np.float32, np.float64), multi_output=True, y_numeric=True
        )
        X = np.ascontiguousarray(X, dtype=np.float32)
        sample_weight = _weights(sample_weight, X)
        before = self._before_training(continuing)
        if not continuing:
            self._core = None
        core = self._make_core(params)
        y = self._targets(y)
        self._run(lambda: core.fit(X, y, sample_weight, self._on_epoch()), X, before, False)
        return self

    def partial_fit(self, X, y, sample_weight=None):
        """One epoch of the solver over ``(X, y)``."""
        self._check_stochastic()
        params = self._core_params()
        first = getattr(self, "_core", None) is None or not self._core.is_fitted()
        X, y = validate_data(
            self, X, y, reset=first, dtype=(np.float32, np.float64), multi_output=True, y_numeric=True
        )
        X = np.ascontiguousarray(X, dtype=np.float32)
        sample_weight = _weights(sample_weight, X)
        before = self._before_training(not first)
        core = self._make_core(params)
        y = self._targets(y)
        self._run(lambda: core.partial_fit(X, y, sample_weight, self._on_epoch()), X, before, True)
        return self

    def predict(self, X):
        """The predicted targets: 1-D when fitted on a 1-D ``y``."""
        check_is_fitted(self)
        out = self._core.predict(self._validate_x(X, reset=False)).astype(np.float64)
        return out.ravel() if getattr(self, "_y_1d", False) else out

    def _model_bytes(self):
        return self._core.to_bytes(self._features(), {})

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = True
        return tags
