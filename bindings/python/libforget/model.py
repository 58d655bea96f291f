"""Models: create, train, predict, save, copy; parameters as one float32
vector with named blocks.

Ownership: a Model owns its C model. Closing it (or leaving its ``with``
block) while unlearners borrow it closes the Python object at once -- any
later use of it raises StateError -- and the C model lives on until the
last of those unlearners is closed (the library defers the free); the
unlearners keep working. Pickling writes a real model file
(forget_model_save_buffer); copy.copy and copy.deepcopy make an independent
clone (forget_model_clone).
"""
from __future__ import annotations

import ctypes
from typing import Any, List, NamedTuple, Optional, Tuple, Type

import numpy as np

from . import _convert as conv
from ._arrays import ptr
from ._call import CallbackErrors, check
from ._handle import Handle, locked
from ._lib import lib
from ._report import report_dict
from ._signatures import DIGEST_SIZE, MAX_DIMS
from .dataset import TASKS, Dataset
from .errors import StateError, UnsupportedError
from .metrics import MetricsMixin, need_dataset
from .params import Params, format_params
from .progress import NO_PROGRESS, ProgressArg, ProgressCall

__all__ = ["Model", "Block"]


class Block(NamedTuple):
    """A named block of the flat parameter vector: params[offset:offset +
    prod(shape)] reshaped to shape (row-major; a dense weight is outputs x
    inputs, as PyTorch holds it)."""
    name: str
    shape: Tuple[int, ...]
    offset: int


def _buffer(save: Any, h: int, sinks: Tuple[Any, ...] = ()) -> bytes:
    """The bytes of a forget_*_save_buffer call (asks for the size first)."""
    size = ctypes.c_size_t()
    check(save(h, None, 0, ctypes.byref(size)), sinks)
    buf = ctypes.create_string_buffer(max(size.value, 1))
    check(save(h, buf, size.value, ctypes.byref(size)), sinks)
    return buf.raw[:size.value]


class Model(MetricsMixin, Handle):
    """A trainable model: ``Model("mlp", layers=[784, 64, 10],
    act="relu")``, ``Model("linear", "inputs=4 outputs=3")``,
    ``Model("analytic", inputs=4, outputs=3)``; see model_kinds() for
    every kind's parameters."""

    _rank = 1
    _host: Optional[CallbackErrors] = None  # a host model's callbacks
    _host_class: Optional[Type["Model"]] = None  # set by host.py

    def __init__(self, kind: str, params: Params = None, **kwargs: Any) -> None:
        super().__init__()
        h = ctypes.c_void_p()
        L = lib()
        check(L.forget_model_create(ctypes.byref(h), conv.text(kind, "kind"),
                                    conv.text(format_params(params, **kwargs),
                                              "parameters")))
        self._adopt(h.value, L.forget_model_free)

    @classmethod
    def _wrap(cls, handle: Optional[int], host: Optional[CallbackErrors] = None) -> "Model":
        """A Model owning handle (a HostModel when host callbacks go with it)."""
        kind = Model._host_class if host is not None and Model._host_class else Model
        m = kind.__new__(kind)
        Handle.__init__(m)
        m._host = host
        m._adopt(handle, lib().forget_model_free, keep=(host,))
        return m

    def _sinks(self) -> Tuple[Any, ...]:
        return (self._host,)

    # ---- files and copies ----
    @classmethod
    def load(cls, path: conv.PathLike) -> "Model":
        """A model from a file written by save()."""
        h = ctypes.c_void_p()
        check(lib().forget_model_load(ctypes.byref(h), conv.path(path)))
        return Model._wrap(h.value)

    @classmethod
    def from_bytes(cls, data: bytes) -> "Model":
        """A model from the bytes of to_bytes() (a model file's bytes)."""
        raw = conv.raw_bytes(data, "data")
        h = ctypes.c_void_p()
        check(lib().forget_model_load_buffer(ctypes.byref(h), raw, len(raw)))
        return Model._wrap(h.value)

    def save(self, path: conv.PathLike) -> None:
        """Write a model file (crash-safe: a temporary file renamed over
        path). Host models cannot be saved (UnsupportedError)."""
        p = conv.path(path)
        with self._lock:
            check(lib().forget_model_save(self._handle(), p))

    def to_bytes(self) -> bytes:
        """The model file's bytes (what save() writes)."""
        with self._lock:
            return _buffer(lib().forget_model_save_buffer, self._handle())

    @classmethod
    def import_safetensors(cls, source: Any, params: Params = None,
                           **kwargs: Any) -> "Model":
        """A linear or mlp model from a safetensors file (a path) or its
        bytes: PyTorch's named tensors, PREFIX.weight (outputs x inputs) and
        PREFIX.bias per layer in the natural order of the prefixes; F32, F64,
        F16 and BF16 read as float32. Parameters: kind (auto|linear|mlp),
        act (relu|tanh), task (classification|regression); not given, the
        file's libforget metadata decides, else relu and classification.
        Anything that does not fit raises FormatError naming the tensor."""
        text = conv.text(format_params(params, **kwargs), "parameters")
        h = ctypes.c_void_p()
        if isinstance(source, (bytes, bytearray, memoryview)):
            raw = conv.raw_bytes(source, "source")
            check(lib().forget_model_import_buffer(ctypes.byref(h), raw, len(raw), text))
        else:
            check(lib().forget_model_import(ctypes.byref(h), conv.path(source), text))
        return Model._wrap(h.value)

    def export_safetensors(self, path: Optional[conv.PathLike] = None,
                           names: str = "libforget") -> Optional[bytes]:
        """Write a linear or mlp model as a safetensors file of float32
        tensors (returns None), or return its bytes when path is None.
        names="torch" uses nn.Sequential's keys ("0.weight", "2.weight",
        ...), "libforget" the block names ("dense0.weight", ...). Importing
        the result gives an equal model (same digest)."""
        text = conv.text(format_params(None, names=names), "parameters")
        with self._lock:
            if path is None:
                return _buffer(lambda h, buf, cap, size:
                               lib().forget_model_export_buffer(h, buf, cap, size, text),
                               self._handle())
            check(lib().forget_model_export(self._handle(), conv.path(path), text))
        return None

    def clone(self) -> "Model":
        """An independent deep copy (a host model's copy shares its
        callbacks)."""
        h = ctypes.c_void_p()
        with self._lock:
            check(lib().forget_model_clone(ctypes.byref(h), self._handle()))
        return Model._wrap(h.value, self._host)

    @classmethod
    def create_trunk(cls, mlp: "Model", params: Params = None,
                     **kwargs: Any) -> "Model":
        """An "analytic" model whose feature map is a trained mlp's hidden
        layers (copied, frozen). Parameters: outputs (0 = the mlp's), gamma,
        task, bias. Fit its head with train() or the analytic method."""
        if not isinstance(mlp, Model):
            raise TypeError("mlp must be a Model")
        text = conv.text(format_params(params, **kwargs), "parameters")
        h = ctypes.c_void_p()
        with mlp._lock:
            check(lib().forget_model_create_trunk(ctypes.byref(h), mlp._handle(), text))
        return Model._wrap(h.value)

    def __reduce__(self) -> Tuple[Any, ...]:
        return (Model.from_bytes, (self.to_bytes(),))

    def __copy__(self) -> "Model":
        return self.clone()

    def __deepcopy__(self, memo: Any) -> "Model":
        return self.clone()

    # ---- properties ----
    def _get(self, fn: Any) -> Any:
        with self._lock:
            return fn(self._handle())

    @property
    def kind(self) -> str:
        """"linear", "mlp", "analytic", "host", or an ensemble's kind."""
        return self._get(lib().forget_model_kind).decode()

    @property
    def creation_params(self) -> str:
        """The canonical creation parameters, every key included (parse
        with libforget.parse_params)."""
        return self._get(lib().forget_model_params).decode()

    @property
    def task(self) -> str:
        """"classification" or "regression"."""
        return TASKS[self._get(lib().forget_model_task)]

    @property
    def inputs(self) -> int:
        """Features per row."""
        return int(self._get(lib().forget_model_inputs))

    @property
    def outputs(self) -> int:
        """Classes, or regression outputs."""
        return int(self._get(lib().forget_model_outputs))

    @property
    def param_count(self) -> int:
        """Length of the flat parameter vector."""
        return int(self._get(lib().forget_model_param_count))

    @property
    def params(self) -> np.ndarray:
        """The parameters as one flat float32 vector (a copy). Assigning
        a vector of the same length replaces them (non-finite values are
        refused, naming the index)."""
        with self._lock:
            h = self._handle()
            L = lib()
            out = np.empty(L.forget_model_param_count(h), np.float32)
            check(L.forget_model_get_params(h, ptr(out), out.size))
            return out

    @params.setter
    def params(self, values: Any) -> None:
        arr = conv._real_array(values, "params")
        if arr.ndim != 1:
            raise conv.InvalidArgumentError(f"params must be a flat vector; got "
                                            f"shape {arr.shape}")
        v = conv._float32(arr, "params")
        with self._lock:
            h = self._handle()
            n = lib().forget_model_param_count(h)
            if v.size != n:
                raise conv.InvalidArgumentError(f"params has {v.size} values; "
                                                f"the model has {n}")
            check(lib().forget_model_set_params(h, ptr(v), v.size))

    def blocks(self) -> List[Block]:
        """The named blocks of params, in order: [(name, shape, offset)],
        e.g. ("dense0.weight", (64, 784), 0), ("dense0.bias", (64,), 50176)."""
        L = lib()
        out = []
        with self._lock:
            h = self._handle()
            for i in range(L.forget_model_block_count(h)):
                name, off, size = ctypes.c_char_p(), ctypes.c_size_t(), ctypes.c_size_t()
                check(L.forget_model_block(h, i, ctypes.byref(name), ctypes.byref(off),
                                           ctypes.byref(size)))
                dims = (ctypes.c_size_t * MAX_DIMS)()
                ndim = ctypes.c_size_t()
                check(L.forget_model_block_shape(h, i, dims, ctypes.byref(ndim)))
                out.append(Block(name.value.decode(),
                                 tuple(int(dims[k]) for k in range(ndim.value)),
                                 int(off.value)))
        return out

    def parts(self) -> List["Model"]:
        """An ensemble's constituents (sisa's), as independent copies (the
        ensemble's own change with its unlearner); [] for other kinds."""
        L = lib()
        out = []
        with self._lock:
            h = self._handle()
            for i in range(L.forget_model_part_count(h)):
                c = ctypes.c_void_p()
                check(L.forget_model_clone(ctypes.byref(c), L.forget_model_part(h, i)))
                out.append(Model._wrap(c.value, self._host))
        return out

    def digest(self) -> bytes:
        """SHA-256 of everything the predictions depend on (32 bytes):
        equal models, equal digests, on every host."""
        out = (ctypes.c_ubyte * DIGEST_SIZE)()
        with self._lock:
            check(lib().forget_model_digest(self._handle(), out))
        return bytes(out)

    # ---- training ----
    def train(self, data: Dataset, params: Params = None, *,
              progress: ProgressArg = None, **kwargs: Any) -> "Model":
        """Train on data (mini-batch SGD or Adam; the closed-form fit for
        "analytic", which takes no parameters). Parameters: optimizer, lr,
        momentum, epochs, batch, seed, weight_decay, shuffle, beta1, beta2,
        eps, lanes (train_params() lists them). Deterministic. On failure or
        cancel the model is as before. Returns self."""
        need_dataset(data, "data")
        text = conv.text(format_params(params, **kwargs), "parameters")
        L = lib()
        with ProgressCall(progress) as pc, locked(self, data):
            h = self._handle()
            check(L.forget_model_set_progress(h, pc.c_fn, None))
            try:
                rc = L.forget_model_train(h, data._handle(), text)
            finally:
                L.forget_model_set_progress(h, NO_PROGRESS, None)
            check(rc, (pc.errors,) + self._sinks())
        return self

    @property
    def train_report(self) -> dict:
        """Figures of the last successful training ("seconds", "epochs",
        "steps", "final_loss", "samples_per_second", "threads"); {} before."""
        with self._lock:
            return report_dict(lib().forget_model_train_report(self._handle()))

    # ---- prediction ----
    def _forward(self, X: Any) -> np.ndarray:
        L = lib()
        if isinstance(X, Dataset):
            with locked(self, X):
                h = self._handle()
                k = L.forget_model_outputs(h)
                out = np.empty((len(X), k), np.float32)
                check(L.forget_model_predict(h, X._handle(), ptr(out), out.size),
                      self._sinks())
            return out
        with self._lock:
            h = self._handle()
            x = conv.features(X, "X", width=L.forget_model_inputs(h))
            out = np.empty((x.shape[0], L.forget_model_outputs(h)), np.float32)
            if x.shape[0]:
                check(L.forget_model_predict_raw(h, ptr(x), x.shape[0], ptr(out),
                                                 out.size), self._sinks())
        return out

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities, rows x classes float32, for an array
        (rows x features, converted as Dataset's x) or a Dataset."""
        if self.task != "classification":
            raise UnsupportedError("predict_proba: a regression model has no "
                                   "probabilities (use predict)")
        return self._forward(X)

    def predict(self, X: Any) -> np.ndarray:
        """Classification: the most probable class per row (int64).
        Regression: the outputs, rows x outputs float32. X: an array or a
        Dataset."""
        out = self._forward(X)
        if self.task == "classification":
            return out.argmax(axis=1).astype(np.int64)
        return out

    def __repr__(self) -> str:
        if self.closed:
            return f"<{type(self).__name__} closed>"
        try:
            return (f"<{type(self).__name__} {self.kind} {self.inputs}->"
                    f"{self.outputs} {self.task}>")
        except StateError:
            return f"<{type(self).__name__} (no model)>"


class OwnedModel(Model):
    """A model owned by an unlearner (sisa's ensemble): always the
    unlearner's current model, usable while the unlearner is open (then
    StateError). close() does nothing; it is freed with its unlearner. It
    cannot be cloned, copied or pickled (the library refuses); its
    parts() can."""

    def __init__(self, owner: Any) -> None:  # noqa: D107 (not public)
        Handle.__init__(self)
        self._owner = owner
        self._lock = owner._lock  # the unlearner's calls change it
        self._host = owner._model_host

    def _handle(self) -> int:
        return self._owner._owned_model_handle()

    @property
    def closed(self) -> bool:
        return self._owner.closed

    def close(self) -> None:
        """Does nothing: the unlearner owns this model."""

    def __reduce__(self) -> Tuple[Any, ...]:
        raise UnsupportedError(
            "an unlearner's own model (sisa's ensemble) cannot be pickled: "
            "the library cannot load it back as a model; pickle the unlearner "
            "together with its model, or the ensemble's parts()")
