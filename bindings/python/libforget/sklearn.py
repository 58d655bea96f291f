"""scikit-learn estimators that can forget: ForgetClassifier, ForgetRegressor.

Both are ordinary scikit-learn estimators (fit, predict, score, get_params,
set_params, clone, pickle, Pipeline, GridSearchCV) over a libforget model,
plus two methods of their own:

- ``forget(ids)`` removes the influence of the training rows named by their
  sample ids (``fit(X, y, ids=...)``; by default row ``i`` of the X given to
  fit has id ``i``);
- ``learn(X, y, ids=None)`` adds rows (method ``analytic`` only).

The default is exact unlearning: ``kind="mlp"`` trained by ``sisa`` (the
ensemble after ``forget`` is bit-identical to a fresh fit without those
rows, same parameters and ids), or ``kind="analytic"`` (a ridge head on a
frozen random feature map: forget and learn are closed-form updates, equal
to a refit up to float64 rounding). ``method="ssd"`` is the approximate,
retrain-free alternative for ``mlp``/``linear`` models.
"""
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted

from libforget import Dataset, Model, Unlearner, _convert

__all__ = ["ForgetClassifier", "ForgetRegressor"]

_KINDS = ("mlp", "linear", "analytic")
_METHODS = {"mlp": ("sisa", "ssd"), "linear": ("sisa", "ssd"),
            "analytic": ("analytic",)}
_AUTO = {"mlp": "sisa", "linear": "sisa", "analytic": "analytic"}
_MAX_SEED = 2 ** 53


def _check_choice(name, value, choices):
    if value not in choices:
        raise ValueError(f"{name}={value!r} is not one of {', '.join(map(repr, choices))}")


def _check_int(name, value, low):
    if isinstance(value, bool) or not isinstance(value, Integral) or value < low:
        raise ValueError(f"{name}={value!r} must be an integer >= {low}")
    return int(value)


def _check_real(name, value, positive=True):
    if isinstance(value, bool) or not isinstance(value, Real) or not np.isfinite(value) \
            or (value <= 0 if positive else value < 0):
        raise ValueError(f"{name}={value!r} must be a finite number "
                         f"{'> 0' if positive else '>= 0'}")
    return float(value)


_PARAMS_DOC = """
    Parameters (stored as given; checked by fit, which raises ValueError)
    ----------
    kind : "mlp" (default), "linear" or "analytic"
        The libforget model: dense layers, softmax/linear regression, or a
        ridge head on a frozen feature map (closed-form fit).
    hidden : tuple of int, default (64,)
        mlp: the hidden layers' widths.
    act : "relu" (default) or "tanh"
        mlp: the hidden activation; analytic: the random layer's.
    method : "auto" (default), "sisa", "ssd" or "analytic"
        The unlearning method. auto: "sisa" for mlp/linear, "analytic" for
        analytic (both exact). "ssd" (mlp/linear) is approximate and keeps
        the training rows in the estimator to find them by id.
    epochs, batch, lr, optimizer, momentum, weight_decay
        Training (mlp/linear; analytic ignores them): 10, 32, 0.01,
        "adam" (or "sgd"), 0.9 (sgd), 0.0. With sisa, epochs is per stage:
        stage r of each shard trains on slices 0..r for that many epochs.
    shards, slices : int, default 5 and 4
        sisa: constituent models, and slices (checkpoints) per shard.
    width, gamma, features
        analytic: random layer width (256), ridge penalty (1.0), feature
        map "random" (default) or "identity".
    method_params : dict, optional
        More parameters of the method, passed on verbatim (e.g.
        {"aggregate": "vote"} for sisa, {"alpha": 5} for ssd). analytic
        runs with keep_rows=true so that forget needs ids only: the rows'
        features then stay in the state (and in a pickle) until forgotten.
    random_state : int (default 0), None or RandomState
        The seed of the initial weights, the shuffles, sisa's shard hash and
        the random features. forget equals a fresh fit only for the same
        int seed; None draws one at each fit.
"""


class _ForgetEstimator(BaseEstimator):
    """What both estimators share: parameters, fit, forget, learn, pickle."""

    _task = None  # "classification" or "regression"

    def __init__(self, kind="mlp", hidden=(64,), act="relu", method="auto",
                 epochs=10, batch=32, lr=0.01, optimizer="adam", momentum=0.9,
                 weight_decay=0.0, shards=5, slices=4, width=256, gamma=1.0,
                 features="random", method_params=None, random_state=0):
        self.kind = kind
        self.hidden = hidden
        self.act = act
        self.method = method
        self.epochs = epochs
        self.batch = batch
        self.lr = lr
        self.optimizer = optimizer
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.shards = shards
        self.slices = slices
        self.width = width
        self.gamma = gamma
        self.features = features
        self.method_params = method_params
        self.random_state = random_state

    # ---- parameters, checked at fit (scikit-learn stores them verbatim) ----

    def _method(self):
        _check_choice("kind", self.kind, _KINDS)
        method = _AUTO[self.kind] if self.method == "auto" else self.method
        _check_choice(f"method (for kind={self.kind!r})", method, _METHODS[self.kind])
        return method

    def _seed(self):
        rs = self.random_state
        if isinstance(rs, Integral) and not isinstance(rs, bool):
            if not 0 <= rs < _MAX_SEED:
                raise ValueError(f"random_state={rs!r} must lie in [0, 2**53)")
            return int(rs)
        return int(check_random_state(rs).randint(np.iinfo(np.int32).max))

    def _model_params(self, inputs, outputs, seed):
        p = {"task": self._task, "seed": seed}
        _check_choice("act", self.act, ("relu", "tanh"))
        if self.kind == "linear":
            p.update(inputs=inputs, outputs=outputs)
        elif self.kind == "mlp":
            hidden = self.hidden
            if isinstance(hidden, Integral):
                hidden = (hidden,)
            try:
                widths = [_check_int("hidden", h, 1) for h in hidden]
            except TypeError:
                raise ValueError(f"hidden={hidden!r} must be a sequence of layer widths")
            p.update(layers="-".join(map(str, [inputs, *widths, outputs])), act=self.act)
        else:
            _check_choice("features", self.features, ("random", "identity"))
            p.update(inputs=inputs, outputs=outputs, features=self.features,
                     act=self.act, gamma=_check_real("gamma", self.gamma))
            if self.features == "random":
                p["width"] = _check_int("width", self.width, 1)
        return p

    def _train_params(self):
        _check_choice("optimizer", self.optimizer, ("adam", "sgd"))
        return {"optimizer": self.optimizer, "lr": _check_real("lr", self.lr),
                "batch": _check_int("batch", self.batch, 1),
                "momentum": _check_real("momentum", self.momentum, positive=False),
                "weight_decay": _check_real("weight_decay", self.weight_decay, positive=False)}

    def _method_params(self, method, seed):
        extra = dict(self.method_params or {})
        if method == "sisa":
            p = {"shards": _check_int("shards", self.shards, 1),
                 "slices": _check_int("slices", self.slices, 1),
                 "epochs": _check_int("epochs", self.epochs, 1), "seed": seed,
                 "train": self._train_params()}
        elif method == "analytic":
            p = {"keep_rows": True}  # so that forget(ids) needs the ids only
        else:
            p = {}
        p.update(extra)
        return p

    # ---- fit ----

    def _fit_targets(self, y):
        raise NotImplementedError

    def _dataset(self, X, t, ids):
        if self._task == "classification":
            return Dataset(X, labels=t, ids=ids)
        return Dataset(X, targets=t, ids=ids)

    def fit(self, X, y, ids=None):
        """Train on rows X with targets y. ids: one sample id per row, the
        names forget() takes (distinct integers in [0, 2**64); default
        0..n-1, the row indices). Returns self. A fit that fails leaves the
        estimator as it was."""
        before = dict(self.__dict__)
        try:
            return self._fit(X, y, ids)
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(before)
            raise

    def _fit(self, X, y, ids):
        method = self._method()
        seed = self._seed()
        X, y = self._validate_data(X, y, dtype=(np.float64, np.float32),
                                   multi_output=self._task == "regression",
                                   y_numeric=self._task == "regression")
        t, outputs = self._fit_targets(y)
        model_params = self._model_params(X.shape[1], outputs, seed)
        method_params = self._method_params(method, seed)
        data = self._dataset(X, t, ids)
        template = Model(self.kind, model_params)
        kept = None
        if method == "ssd":
            template.train(data, self._train_params(), seed=seed,
                           epochs=_check_int("epochs", self.epochs, 1))
            kept = data  # ssd forgets rows: forget(ids) finds them here
        # sisa trains its ensemble in prepare (the template stays as it was);
        # analytic fits the head in closed form; ssd sums its importances
        unlearner = Unlearner(method, template, method_params)
        unlearner.prepare(data)
        self._unlearner, self._kept = unlearner, kept
        ids = data.ids
        self._next_id = int(ids.max()) + 1 if len(ids) else 0
        self.method_ = method
        self.report_ = unlearner.report
        return self

    # ---- forget and learn ----

    def forget(self, ids):
        """Remove the influence of the training rows with these sample ids
        (those given to fit, default the row indices of fit's X; or to learn).

        A request is a set: ids forgotten already, or named twice, are
        skipped and counted in ``report_["already_forgotten"]`` (ssd: a
        repeat within one request is dropped here, uncounted). An id never
        learned raises a KeyError (libforget.NotFoundError) and changes
        nothing. Returns self; the method's figures are in ``report_``."""
        check_is_fitted(self)
        if self._kept is not None:  # ssd forgets rows: look them up by id
            rows = self._kept.subset(np.unique(_convert.ids(ids, unique=False)))
            self.report_ = self._unlearner.forget(rows)
        else:
            self.report_ = self._unlearner.forget_ids(ids)
        return self

    def learn(self, X, y, ids=None):
        """Add rows to what the model has learned, exactly as if they had been
        in the training data (method ``analytic`` only; the others raise
        NotImplementedError). ids default to the integers after the largest
        id seen so far. Returns self."""
        check_is_fitted(self)
        if self.method_ != "analytic":
            raise NotImplementedError(f"method {self.method_!r} cannot learn new rows "
                                      "(use kind='analytic', or fit again)")
        X, y = self._validate_data(X, y, reset=False, dtype=(np.float64, np.float32),
                                   multi_output=self._task == "regression",
                                   y_numeric=self._task == "regression")
        t = self._learn_targets(y)
        if ids is None:
            ids = np.arange(self._next_id, self._next_id + len(X), dtype=np.uint64)
        rows = self._dataset(X, t, ids)
        self.report_ = self._unlearner.learn(rows)
        self._next_id = max(self._next_id, int(rows.ids.max()) + 1)
        return self

    # ---- prediction ----

    def _outputs(self, X):
        check_is_fitted(self)
        X = self._validate_data(X, reset=False, dtype=(np.float64, np.float32))
        model = self._unlearner.model
        out = model.predict_proba(X) if self._task == "classification" else model.predict(X)
        return np.asarray(out, dtype=np.float64)

    @property
    def model_(self):
        """The libforget Model that predicts: the unlearner's (sisa: its
        ensemble, owned by the unlearner; always the current one)."""
        check_is_fitted(self, "method_")
        return self._unlearner.model

    @property
    def unlearner_(self):
        """The libforget Unlearner behind forget() and learn()."""
        check_is_fitted(self, "method_")
        return self._unlearner

    def _more_tags(self):
        return {"non_deterministic": False}


class ForgetClassifier(ClassifierMixin, _ForgetEstimator):
    __doc__ = """A classifier that can forget training rows (see the module's doc).

    Labels may be of any type scikit-learn accepts (integers, strings, ...):
    ``classes_`` holds them sorted and the model sees their indices 0..k-1.
    Attributes after fit: classes_, n_features_in_, method_, report_ (the
    last call's figures), model_ (the libforget Model that predicts),
    unlearner_.
    """ + _PARAMS_DOC

    _task = "classification"

    def _fit_targets(self, y):
        check_classification_targets(y)
        self.classes_, codes = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError("ForgetClassifier needs samples of at least 2 classes; "
                             f"got 1 class ({self.classes_[0]!r})")
        return codes.astype(np.int32), len(self.classes_)

    def _learn_targets(self, y):
        check_classification_targets(y)
        codes = np.searchsorted(self.classes_, y)
        codes = np.minimum(codes, len(self.classes_) - 1)
        unknown = self.classes_[codes] != y
        if np.any(unknown):
            raise ValueError(f"label {y[np.argmax(unknown)]!r} (row {int(np.argmax(unknown))}) "
                             f"is not one of the classes seen at fit: {list(self.classes_)}")
        return codes.astype(np.int32)

    def predict_proba(self, X):
        """Class probabilities, rows x classes_ (float64)."""
        return self._outputs(X)

    def predict(self, X):
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]


class ForgetRegressor(RegressorMixin, _ForgetEstimator):
    __doc__ = """A regressor that can forget training rows (see the module's doc).

    y may be 1-D (predict gives 1-D) or 2-D (several targets, n_outputs_).
    Attributes after fit as ForgetClassifier's, without classes_.
    """ + _PARAMS_DOC

    _task = "regression"

    def _fit_targets(self, y):
        y = np.asarray(y, dtype=np.float32)
        self._y_1d = y.ndim == 1
        t = y.reshape(len(y), -1)
        self.n_outputs_ = t.shape[1]
        return t, t.shape[1]

    def _learn_targets(self, y):
        t = np.asarray(y, dtype=np.float32).reshape(len(y), -1)
        if t.shape[1] != self.n_outputs_:
            raise ValueError(f"y has {t.shape[1]} targets per row; fit had {self.n_outputs_}")
        return t

    def predict(self, X):
        out = self._outputs(X)
        return out[:, 0] if self._y_1d else out

    def _more_tags(self):
        return {"non_deterministic": False, "multioutput": True}
