"""Evaluation of a model (forget_eval_*), as methods of Model."""
from __future__ import annotations

import ctypes
from typing import Any, Dict, Optional, Tuple

import numpy as np

from ._arrays import ptr
from ._call import check
from ._handle import locked
from ._lib import lib
from ._signatures import Scorecard
from .dataset import Dataset
from .errors import InvalidArgumentError


def need_dataset(data: Any, what: str, labels: bool = True) -> Dataset:
    """data as a Dataset, labeled unless labels is False."""
    if not isinstance(data, Dataset):
        raise TypeError(f"{what} must be a Dataset, not {type(data).__name__}")
    if labels and not data.labeled:
        raise InvalidArgumentError(f"{what} has no labels (it was made for "
                                   f"prediction only)")
    return data


def _need_model(other: Any, what: str = "other") -> None:
    if not isinstance(other, MetricsMixin):
        raise TypeError(f"{what} must be a Model, not {type(other).__name__}")


def _absent(name: str, original: Any, retrained: Any) -> bool:
    """True for the scorecard fields of a model that was not given (NaN in
    C, None here)."""
    if name.startswith("orig_"):
        return original is None
    if name.startswith(("ref_", "gap_")) or name == "avg_gap":
        return retrained is None
    return False


class MetricsMixin:
    """accuracy, loss, per-class accuracy, confusion matrix, membership
    inference, loss AUC and distances. Inputs are never changed."""

    # Model provides _lock, _handle() and _sinks().
    _lock: Any
    _handle: Any
    _sinks: Any

    def _scalar(self, fn: Any, *data: Dataset) -> float:
        v = ctypes.c_double()
        with locked(self, *data):
            check(fn(self._handle(), *[d._handle() for d in data], ctypes.byref(v)),
                  self._sinks())
        return v.value

    def _outputs_count(self) -> int:
        with self._lock:
            return int(lib().forget_model_outputs(self._handle()))

    def accuracy(self, data: Dataset) -> float:
        """Fraction of rows whose most probable class is the label."""
        return self._scalar(lib().forget_eval_accuracy, need_dataset(data, "data"))

    def loss(self, data: Dataset) -> float:
        """Mean per-row loss (cross-entropy, or mean squared error)."""
        return self._scalar(lib().forget_eval_loss, need_dataset(data, "data"))

    def class_accuracy(self, data: Dataset) -> np.ndarray:
        """Accuracy per class (float64, one per output; NaN for a class
        without rows)."""
        need_dataset(data, "data")
        with locked(self, data):
            k = self._outputs_count()
            out = np.empty(k, np.float64)
            check(lib().forget_eval_class_accuracy(self._handle(), data._handle(),
                                                   ptr(out), k), self._sinks())
        return out

    def confusion(self, data: Dataset) -> np.ndarray:
        """classes x classes counts (uint64): row = label, column =
        prediction."""
        need_dataset(data, "data")
        with locked(self, data):
            k = self._outputs_count()
            out = np.zeros((k, k), np.uint64)
            check(lib().forget_eval_confusion(self._handle(), data._handle(),
                                              ptr(out), k), self._sinks())
        return out

    def mia(self, retain: Dataset, test: Dataset, target: Dataset) -> float:
        """The SSD paper's membership-inference attack: a logistic
        regression on prediction entropy, fitted on retain (members) vs test
        (non-members); the fraction of target rows judged members."""
        return self._scalar(lib().forget_eval_mia, need_dataset(retain, "retain"),
                            need_dataset(test, "test"), need_dataset(target, "target"))

    def loss_auc(self, members: Dataset, nonmembers: Dataset) -> float:
        """A loss-threshold attack's ROC AUC (0.5 = no signal)."""
        return self._scalar(lib().forget_eval_loss_auc,
                            need_dataset(members, "members"),
                            need_dataset(nonmembers, "nonmembers"))

    def scorecard(self, forget: Dataset, retain: Dataset, test: Dataset,
                  original: Any = None,
                  retrained: Any = None) -> Dict[str, Optional[float]]:
        """The scorecard against retraining (forget_eval_scorecard): this
        model's forget_acc, retain_acc, test_acc, mia (the entropy attack's
        share of forget rows judged members) and loss_auc (forget rows as
        members, test rows as non-members); the same figures of retrained
        (ref_*) and original (orig_*); the gaps to retrained in percentage
        points (gap_*) and avg_gap, the mean of the first four gaps. The
        figures of a model not given, and without retrained the gaps, are
        None (NaN in C): "not given" is not a number, and None also
        survives json.dumps."""
        for name, m in (("original", original), ("retrained", retrained)):
            if m is not None:
                _need_model(m, name)
        sets = (need_dataset(forget, "forget"), need_dataset(retain, "retain"),
                need_dataset(test, "test"))
        sc = Scorecard()
        sc.struct_size = ctypes.sizeof(Scorecard)
        sinks = self._sinks()
        for m in (original, retrained):
            if m is not None:
                sinks += m._sinks()
        with locked(self, original, retrained, *sets):
            check(lib().forget_eval_scorecard(
                self._handle(), original._handle() if original is not None else None,
                retrained._handle() if retrained is not None else None,
                *[d._handle() for d in sets], ctypes.byref(sc)), sinks)
        return {name: None if _absent(name, original, retrained) else getattr(sc, name)
                for name in Scorecard.FIGURES}

    def output_distance(self, other: Any, data: Dataset) -> Tuple[float, float]:
        """(max, mean) of |p_self - p_other| over every row and output."""
        _need_model(other)
        need_dataset(data, "data", labels=False)
        mx, mean = ctypes.c_double(), ctypes.c_double()
        with locked(self, other, data):
            check(lib().forget_eval_output_distance(
                self._handle(), other._handle(), data._handle(), ctypes.byref(mx),
                ctypes.byref(mean)), self._sinks() + other._sinks())
        return mx.value, mean.value

    def param_distance(self, other: Any) -> Tuple[float, float]:
        """(L2 norm, max abs) of the parameter difference (same shapes)."""
        _need_model(other)
        l2, mx = ctypes.c_double(), ctypes.c_double()
        with locked(self, other):
            check(lib().forget_eval_param_distance(
                self._handle(), other._handle(), ctypes.byref(l2), ctypes.byref(mx)))
        return l2.value, mx.value


def scorecard(model: Any, forget: Dataset, retain: Dataset, test: Dataset,
              original: Any = None, retrained: Any = None) -> Dict[str, Optional[float]]:
    """model.scorecard(forget, retain, test, original, retrained): the
    scorecard of model against retraining, as a dict (see Model.scorecard)."""
    _need_model(model, "model")
    return model.scorecard(forget, retain, test, original=original,
                           retrained=retrained)
