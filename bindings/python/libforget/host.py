"""Host models: a model computed by Python functions on numpy arrays, which
the library trains, evaluates and unlearns (forget_model_create_host).

``forward(params, x) -> out``: params is the library's parameter vector
(float32, n_params), x the rows (float32, n x inputs, n <= 256); out must
be n x outputs (logits for classification -- the library applies softmax --
or values for regression). ``backward(params, x, dout) -> grads``: grads
n x n_params, row i the gradient with respect to the parameters of
sum_j dout[i, j] * out[i, j] (a per-row vector-Jacobian product).

params, x and dout are read-only views of the library's buffers, valid only
during the call: copy what you keep. Results of another real dtype are
converted to float32; a wrong shape or a non-finite value is refused. An
exception raised by a callback (or a refused result) makes the C call fail
and is raised again from the Python call that was running (train, predict,
an unlearner's forget ...), with the library's error as its __cause__.
Clones (copy, deepcopy, clone(), sisa's shards) share the callbacks; sisa
may call them from several threads at once (different clones), so they
must not depend on shared mutable state. Host models cannot be saved or
pickled (their code is Python).
"""
from __future__ import annotations

import ctypes
from typing import Any, Callable, Tuple

import numpy as np

from . import _convert as conv
from ._arrays import ptr, view
from ._call import CallbackErrors, check
from ._handle import Handle
from ._lib import lib
from ._signatures import BACKWARD_FN, FORWARD_FN, HostModelStruct
from .errors import E_INVALID, InvalidArgumentError, UnsupportedError
from .model import Model

__all__ = ["HostModel"]

ForwardFn = Callable[[np.ndarray, np.ndarray], Any]
BackwardFn = Callable[[np.ndarray, np.ndarray, np.ndarray], Any]
_TASK_CODES = {"classification": 1, "regression": 2}


class _Callbacks(CallbackErrors):
    """The C function pointers of one host model and all its clones; kept
    alive as long as any of those C models (their finalizers hold it)."""

    def __init__(self, forward: ForwardFn, backward: BackwardFn,
                 n_params: int, inputs: int, outputs: int) -> None:
        super().__init__()
        self.forward, self.backward = forward, backward
        self.n_params, self.inputs, self.outputs = n_params, inputs, outputs
        self.c_forward = FORWARD_FN(self._forward)
        self.c_backward = BACKWARD_FN(self._backward)

    def _fail(self, which: str, exc: BaseException) -> int:
        self.add(exc)
        msg = f"the host model's {which} raised {type(exc).__name__}: {exc}"
        lib().forget_set_error(E_INVALID, msg.encode("utf-8", "replace")[:1000])
        return E_INVALID

    @staticmethod
    def _result(value: Any, shape: Tuple[int, int], which: str) -> np.ndarray:
        arr = np.asarray(value)
        if arr.dtype.kind not in "biuf":
            raise InvalidArgumentError(f"{which} returned {arr.dtype} values; "
                                       f"expected real numbers")
        if arr.shape != shape:
            raise InvalidArgumentError(f"{which} returned shape {arr.shape}; "
                                       f"expected {shape}")
        return conv._float32(arr, f"{which}'s result")

    def _forward(self, params: int, x: int, n: int, out: int, _user: Any) -> int:
        try:
            P = view(params, ctypes.c_float, (self.n_params,))
            X = view(x, ctypes.c_float, (n, self.inputs))
            res = self._result(self.forward(P, X), (n, self.outputs), "forward")
            view(out, ctypes.c_float, (n, self.outputs), writeable=True)[...] = res
            return 0
        except BaseException as e:  # raised again by the outer call
            return self._fail("forward", e)

    def _backward(self, params: int, x: int, dout: int, n: int, grads: int,
                  _user: Any) -> int:
        try:
            P = view(params, ctypes.c_float, (self.n_params,))
            X = view(x, ctypes.c_float, (n, self.inputs))
            D = view(dout, ctypes.c_float, (n, self.outputs))
            res = self._result(self.backward(P, X, D), (n, self.n_params), "backward")
            view(grads, ctypes.c_float, (n, self.n_params), writeable=True)[...] = res
            return 0
        except BaseException as e:
            return self._fail("backward", e)


class HostModel(Model):
    """A model whose outputs and gradients come from Python functions (see
    the module documentation). The library keeps its own copy of the
    parameters, initialised from params; read them with ``.params``."""

    def __init__(self, forward: ForwardFn, backward: BackwardFn, params: Any,
                 inputs: int, outputs: int, task: str = "classification") -> None:
        Handle.__init__(self)
        if not callable(forward) or not callable(backward):
            raise TypeError("forward and backward must be callable")
        if task not in _TASK_CODES:
            raise InvalidArgumentError(f"task must be 'classification' or "
                                       f"'regression', not {task!r}")
        arr = conv._real_array(params, "params")
        if arr.ndim != 1:
            raise InvalidArgumentError(f"params must be a flat vector; got shape "
                                       f"{arr.shape}")
        p = conv._float32(arr, "params")
        n_in = conv.one_index(inputs, "inputs")
        n_out = conv.one_index(outputs, "outputs")
        cb = _Callbacks(forward, backward, p.size, n_in, n_out)
        spec = HostModelStruct(ctypes.sizeof(HostModelStruct), _TASK_CODES[task],
                               n_in, n_out, p.size, ptr(p) if p.size else None,
                               cb.c_forward, cb.c_backward, None)
        h = ctypes.c_void_p()
        L = lib()
        check(L.forget_model_create_host(ctypes.byref(h), ctypes.byref(spec)))
        self._host = cb
        self._adopt(h.value, L.forget_model_free, keep=(cb,))

    def __reduce__(self) -> Tuple[Any, ...]:
        raise UnsupportedError("a HostModel cannot be pickled or saved (its "
                               "forward and backward are Python code): "
                               "pickle .params and build it again")

    def to_bytes(self) -> bytes:
        """Refused: host models cannot be saved (UnsupportedError)."""
        raise UnsupportedError("a HostModel cannot be saved (its forward and "
                               "backward are Python code)")


Model._host_class = HostModel
