"""Datasets: n rows of d float32 features, a class label (int32) or a
regression target vector per row, and a unique uint64 sample id per row.

Conversions (documented in docs/python.md): features of any real dtype and
memory order become one C-contiguous float32 copy (the library copies again
what it keeps, so the caller's array is never referenced); labels must be
integral, 0..2^31-1; ids integral, 0..2^64-1, distinct. A dataset made
without labels and targets is for prediction only (``labeled`` is False).

Pickling and copy.deepcopy copy through arrays (x, labels or targets,
ids): the copy's class count is its largest label + 1 (a subset keeps its
source's count; its copy does not), and byte-stored IDX features become
floats of the same values.
"""
from __future__ import annotations

import ctypes
from typing import Any, Optional, Tuple

import numpy as np

from . import _convert as conv
from ._arrays import copy_out, ptr
from ._call import check
from ._handle import Handle, locked
from ._lib import lib
from .errors import InvalidArgumentError
from .params import Params, format_params

__all__ = ["Dataset"]

TASKS = {1: "classification", 2: "regression"}  # FORGET_TASK_*


class Dataset(Handle):
    """A dataset owned by this object (immutable once made).

    ``Dataset(x, labels)`` for classification, ``Dataset(x,
    targets=t)`` for regression (t: n values or n x k), ``Dataset(x)``
    for prediction only; ``ids=`` gives the sample ids (default 0..n-1).
    """

    _rank = 2

    def __init__(self, x: Any, labels: Any = None, *, targets: Any = None,
                 ids: Any = None) -> None:
        super().__init__()
        if labels is not None and targets is not None:
            raise InvalidArgumentError("give labels (classification) or "
                                       "targets (regression), not both")
        xs = conv.features(x, "x")
        n, d = xs.shape
        idv = None if ids is None else conv.ids(ids, n=n)
        L = lib()
        h = ctypes.c_void_p()
        self._labeled = labels is not None or targets is not None
        if targets is not None:
            t = conv.targets(targets, n)
            check(L.forget_dataset_create_regression(
                ctypes.byref(h), n, d, ptr(xs), ptr(t), t.shape[1], ptr(idv)))
        else:
            y = (conv.labels(labels, n) if labels is not None
                 else np.zeros(n, np.int32))
            check(L.forget_dataset_create(ctypes.byref(h), n, d, ptr(xs),
                                          ptr(y), ptr(idv)))
        self._adopt(h.value, L.forget_dataset_free)

    @classmethod
    def _wrap(cls, handle: Optional[int], labeled: bool = True) -> "Dataset":
        ds = cls.__new__(cls)
        Handle.__init__(ds)
        ds._labeled = labeled
        ds._adopt(handle, lib().forget_dataset_free)
        return ds

    # ---- loaders ----
    @classmethod
    def from_idx(cls, images: conv.PathLike, labels: conv.PathLike,
                 params: Params = None, **kwargs: Any) -> "Dataset":
        """IDX files (MNIST's format; gzip or plain). Parameters:
        normalize (default True), limit (0 = all rows), storage
        ("floats" or "bytes": a quarter of the memory, same results)."""
        h = ctypes.c_void_p()
        check(lib().forget_dataset_load_idx(
            ctypes.byref(h), conv.path(images, "images"),
            conv.path(labels, "labels"),
            conv.text(format_params(params, **kwargs), "parameters")))
        return cls._wrap(h.value)

    @classmethod
    def from_csv(cls, path: conv.PathLike, params: Params = None,
                 **kwargs: Any) -> "Dataset":
        """A CSV file (plain or gzip). Parameters: label (column of the
        label or target, -1 = last), header, task ("classification" or
        "regression"), delimiter (one character), id (column of sample
        ids, -1 = none)."""
        h = ctypes.c_void_p()
        check(lib().forget_dataset_load_csv(
            ctypes.byref(h), conv.path(path),
            conv.text(format_params(params, **kwargs), "parameters")))
        return cls._wrap(h.value)

    # ---- sizes and contents ----
    def _get(self, fn: Any) -> Any:
        with self._lock:
            return fn(self._handle())

    def __len__(self) -> int:
        return int(self._get(lib().forget_dataset_rows))

    @property
    def features(self) -> int:
        """Features per row."""
        return int(self._get(lib().forget_dataset_features))

    @property
    def task(self) -> str:
        """"classification" or "regression"."""
        return TASKS[self._get(lib().forget_dataset_task)]

    @property
    def labeled(self) -> bool:
        """False for a dataset made without labels or targets (prediction
        only: training, evaluation and unlearning refuse it)."""
        self._get(lambda h: h)
        return self._labeled

    @property
    def classes(self) -> int:
        """Classification: largest label + 1 (kept by subsets); else 0."""
        return int(self._get(lib().forget_dataset_classes))

    @property
    def target_dim(self) -> int:
        """Regression: columns of the target; else 0."""
        return int(self._get(lib().forget_dataset_target_dim))

    @property
    def shape(self) -> Tuple[int, int]:
        """(rows, features)."""
        with self._lock:
            h = self._handle()
            L = lib()
            return int(L.forget_dataset_rows(h)), int(L.forget_dataset_features(h))

    @property
    def x(self) -> np.ndarray:
        """The features, rows x features float32 (a copy)."""
        with self._lock:
            h = self._handle()
            L = lib()
            n, d = L.forget_dataset_rows(h), L.forget_dataset_features(h)
            out = np.empty((n, d), np.float32)
            if n:
                check(L.forget_dataset_copy_rows(h, 0, n, ptr(out), out.size))
            return out

    @property
    def labels(self) -> Optional[np.ndarray]:
        """Class labels, int32 (a copy); None for regression or unlabeled."""
        with self._lock:
            h = self._handle()
            L = lib()
            if not self._labeled or L.forget_dataset_task(h) != 1:
                return None
            n = L.forget_dataset_rows(h)
            return copy_out(L.forget_dataset_labels(h), ctypes.c_int32, (n,),
                            np.int32)

    @property
    def targets(self) -> Optional[np.ndarray]:
        """Regression targets, rows x target_dim float32 (a copy); else None."""
        with self._lock:
            h = self._handle()
            L = lib()
            if L.forget_dataset_task(h) != 2:
                return None
            n, k = L.forget_dataset_rows(h), L.forget_dataset_target_dim(h)
            return copy_out(L.forget_dataset_targets(h), ctypes.c_float,
                            (n, k), np.float32)

    @property
    def ids(self) -> np.ndarray:
        """The sample ids, uint64 (a copy)."""
        with self._lock:
            h = self._handle()
            L = lib()
            n = L.forget_dataset_rows(h)
            return copy_out(L.forget_dataset_ids(h), ctypes.c_uint64, (n,),
                            np.uint64)

    def find(self, id: Any) -> int:
        """The row holding sample id (NotFoundError if none)."""
        key = conv.one_id(id)
        row = ctypes.c_size_t()
        with self._lock:
            check(lib().forget_dataset_find(self._handle(), key, ctypes.byref(row)))
        return int(row.value)

    def __contains__(self, id: Any) -> bool:
        try:
            self.find(id)
        except (KeyError, ValueError, TypeError):
            return False
        return True

    # ---- new datasets from this one ----
    def _derive(self, fn: Any, *args: Any, other: Optional["Dataset"] = None) -> "Dataset":
        h = ctypes.c_void_p()
        with locked(self, other):
            extra = () if other is None else (other._handle(),)
            check(fn(ctypes.byref(h), self._handle(), *extra, *args))
        return Dataset._wrap(h.value, self._labeled)

    def subset(self, ids: Any) -> "Dataset":
        """The rows whose ids are listed, in this dataset's order."""
        v = conv.ids(ids)
        return self._derive(lib().forget_dataset_subset_ids, ptr(v), v.size)

    def without(self, ids: Any) -> "Dataset":
        """All rows but those whose ids are listed."""
        v = conv.ids(ids)
        return self._derive(lib().forget_dataset_exclude_ids, ptr(v), v.size)

    def complement(self, remove: "Dataset") -> "Dataset":
        """This dataset minus the rows of remove (matched by id)."""
        if not isinstance(remove, Dataset):
            raise TypeError("remove must be a Dataset")
        return self._derive(lib().forget_dataset_complement, other=remove)

    def of_class(self, label: Any) -> "Dataset":
        """The rows of one class (classification only; may be empty)."""
        k = conv.one_index(label, "label")
        if k > conv.INT32_MAX:
            raise InvalidArgumentError(f"label = {k} does not fit int32")
        return self._derive(lib().forget_dataset_subset_class, k)

    def slice(self, begin: int, end: int) -> "Dataset":
        """Rows [begin, end)."""
        b, e = conv.one_index(begin, "begin"), conv.one_index(end, "end")
        return self._derive(lib().forget_dataset_slice, b, e)

    def __getitem__(self, key: slice) -> "Dataset":
        """ds[a:b]: rows a..b-1 (step 1 only; negative bounds count from
        the end, as for lists)."""
        if not isinstance(key, slice):
            raise TypeError("index a Dataset with a slice (ds[a:b]); use "
                            "subset(ids) for ids")
        begin, end, step = key.indices(len(self))
        if step != 1:
            raise InvalidArgumentError("a Dataset slice must have step 1")
        return self.slice(begin, max(begin, end))

    # ---- copies ----
    def _arrays(self) -> Tuple[Any, ...]:
        with self._lock:
            task = self.task
            return (self.x, self.labels if self._labeled and task ==
                    "classification" else None, self.targets, self.ids)

    def __reduce__(self) -> Tuple[Any, ...]:
        return (_from_arrays, self._arrays())

    def __deepcopy__(self, memo: Any) -> "Dataset":
        return _from_arrays(*self._arrays())

    def __copy__(self) -> "Dataset":
        return _from_arrays(*self._arrays())

    def __repr__(self) -> str:
        if self.closed:
            return "<Dataset closed>"
        n, d = self.shape
        what = self.task if self._labeled else "unlabeled"
        return f"<Dataset {n} rows x {d} features, {what}>"


def _from_arrays(x: np.ndarray, labels: Optional[np.ndarray],
                 targets: Optional[np.ndarray], ids: np.ndarray) -> Dataset:
    return Dataset(x, labels, targets=targets, ids=ids)
