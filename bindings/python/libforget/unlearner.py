"""Unlearners: one method bound to one model, turning deletion requests into
a changed model.

The unlearner borrows its model: the model's C object stays alive while the
unlearner lives, even if the Model is closed first (see model.py). Every
call holds the unlearner's lock and then the model's, so the model is not
used by another thread meanwhile.

Pickling writes the model (as a model file) and the unlearner's state
(forget_unlearner_save_buffer) together; unpickling loads the state for the
unpickled model, so ``pickle.loads(pickle.dumps((m, u)))`` gives a pair
whose unlearner borrows the new model. copy.deepcopy does the same with a
clone of the model; copy.copy loads the state for the same model. A
deletion journal is not carried over (open it again on the copy only if
the original is gone: one journal, one state). Methods that cannot save
(UnsupportedError) cannot be pickled.
"""
from __future__ import annotations

import ctypes
from typing import Any, Dict, Optional, Tuple

import numpy as np

from . import _convert as conv
from ._arrays import copy_out, ptr
from ._call import check
from ._handle import Handle, locked
from ._lib import lib
from ._report import report_dict
from .dataset import Dataset
from .errors import InvalidArgumentError, StateError
from .metrics import need_dataset
from .model import Model, OwnedModel, _buffer
from .params import Params, format_params
from .progress import NO_PROGRESS, ProgressArg, ProgressCall

__all__ = ["Unlearner"]

JOURNAL_REPAIR, JOURNAL_NEW = 1, 2            # FORGET_JOURNAL_* flags
JOURNAL_KINDS = {1: "forget", 2: "learn"}     # FORGET_JOURNAL_FORGET, _LEARN
KEY_MIN, KEY_MAX = 16, 1024                   # FORGET_JOURNAL_KEY_MIN/_MAX


def _need_model(model: Optional[Model]) -> None:
    if model is None:
        return
    if not isinstance(model, Model):
        raise TypeError(f"model must be a Model or None, not {type(model).__name__}")
    if isinstance(model, OwnedModel):
        raise InvalidArgumentError("an unlearner's own model (sisa's ensemble) "
                                   "cannot be lent to another unlearner: use "
                                   "one of its parts()")


class Unlearner(Handle):
    """``Unlearner("ssd", model, alpha=10)``: see methods() for every
    method and its parameters. model may be None only for methods that
    need none."""

    _rank = 0

    def __init__(self, method: str, model: Optional[Model], params: Params = None,
                 **kwargs: Any) -> None:
        super().__init__()
        _need_model(model)
        name = conv.text(method, "method")
        text = conv.text(format_params(params, **kwargs), "parameters")
        h = ctypes.c_void_p()
        with locked(model):
            mh = model._handle() if model is not None else None
            check(lib().forget_unlearner_create(ctypes.byref(h), name, mh, text))
            self._bind(h.value, model)

    def _bind(self, handle: Optional[int], model: Optional[Model]) -> None:
        """Own handle, borrowing model (whose lock is held by the caller)."""
        self._model = model
        self._model_h = model._handle() if model is not None else None
        self._model_host = model._host if model is not None else None
        self._owned: Optional[OwnedModel] = None
        self._adopt(handle, lib().forget_unlearner_free, keep=(self._model_host,))

    @classmethod
    def _load(cls, loader: Any, loader_params: Any, source: Any, model: Optional[Model],
              params: Params, kwargs: Dict[str, Any]) -> "Unlearner":
        _need_model(model)
        text = format_params(params, **kwargs)
        u = cls.__new__(cls)
        Handle.__init__(u)
        h = ctypes.c_void_p()
        with locked(model):
            mh = model._handle() if model is not None else None
            sinks = (model._host,) if model is not None else ()
            if text:
                check(loader_params(ctypes.byref(h), mh, *source,
                                    conv.text(text, "parameters")), sinks)
            else:
                check(loader(ctypes.byref(h), mh, *source), sinks)
            u._bind(h.value, model)
        return u

    @classmethod
    def load(cls, path: conv.PathLike, model: Optional[Model], params: Params = None,
             **kwargs: Any) -> "Unlearner":
        """An unlearner from a state file, for model (the model it was saved
        with, or its saved copy; sisa: the template). Parameters replace
        saved ones the method allows (sisa: store)."""
        L = lib()
        return cls._load(L.forget_unlearner_load, L.forget_unlearner_load_params,
                         (conv.path(path),), model, params, kwargs)

    @classmethod
    def from_bytes(cls, data: bytes, model: Optional[Model], params: Params = None,
                   **kwargs: Any) -> "Unlearner":
        """An unlearner from the bytes of to_bytes(), for model."""
        raw = conv.raw_bytes(data, "data")
        L = lib()
        return cls._load(L.forget_unlearner_load_buffer,
                         L.forget_unlearner_load_buffer_params,
                         (raw, len(raw)), model, params, kwargs)

    def save(self, path: conv.PathLike) -> None:
        """Write the state (method, parameters, what prepare kept) to a file,
        crash-safe. The model is saved separately (Model.save)."""
        p = conv.path(path)
        with locked(self, self._model):
            check(lib().forget_unlearner_save(self._handle(), p))

    def to_bytes(self) -> bytes:
        """The state file's bytes (what save() writes)."""
        with locked(self, self._model):
            return _buffer(lib().forget_unlearner_save_buffer, self._handle())

    def __reduce__(self) -> Tuple[Any, ...]:
        return (_from_state, (self._model, self.to_bytes()))

    def close(self) -> None:
        """Free the unlearner (and its model's C object, if that Model was
        closed already). Idempotent; later use raises StateError."""
        self._refuse_reentrant_close()
        with locked(self, self._model):
            self._close_locked()

    # ---- the requests ----
    def _run(self, fn: Any, *args: Any, data: Optional[Dataset] = None,
             progress: ProgressArg = None) -> None:
        L = lib()
        with ProgressCall(progress) as pc, locked(self, self._model, data):
            h = self._handle()
            check(L.forget_unlearner_set_progress(h, pc.c_fn, None))
            try:
                extra = (data._handle(),) if data is not None else ()
                rc = fn(h, *extra, *args)
            finally:
                L.forget_unlearner_set_progress(h, NO_PROGRESS, None)
            check(rc, (pc.errors, self._model_host))

    def prepare(self, data: Dataset, *, progress: ProgressArg = None) -> "Unlearner":
        """Precompute what the method needs from the training data. Returns
        self (its report: .report)."""
        self._run(lib().forget_unlearner_prepare, data=need_dataset(data, "data"),
                  progress=progress)
        return self

    def forget(self, rows: Dataset, *, progress: ProgressArg = None) -> Dict[str, float]:
        """Remove the influence of these rows; returns the report. On any
        failure (CanceledError included) model and unlearner are as before."""
        self._run(lib().forget_unlearner_forget, data=need_dataset(rows, "rows"),
                  progress=progress)
        return self.report

    def forget_ids(self, ids: Any, *, progress: ProgressArg = None) -> Dict[str, float]:
        """Forget rows named by sample id (sisa; analytic with
        keep_rows=true). A request is a set: an id named twice is forgotten
        once and counted in the report's already_forgotten."""
        v = conv.ids(ids, unique=False)
        if v.size == 0:
            raise InvalidArgumentError("forget_ids: the list of ids is empty")
        self._run(lib().forget_unlearner_forget_ids, ptr(v), v.size, progress=progress)
        return self.report

    def learn(self, rows: Dataset, *, progress: ProgressArg = None) -> Dict[str, float]:
        """Add rows to what the model has learned (analytic: exactly)."""
        self._run(lib().forget_unlearner_learn, data=need_dataset(rows, "rows"),
                  progress=progress)
        return self.report

    def set_heldout(self, data: Optional[Dataset]) -> None:
        """Rows never trained on, for a method's target="heldout" or
        "heldout_loss" (forget until the forgotten rows look like these).
        Copied; None removes them. Not saved with the state: give them again
        after a load, and before open_journal when it may redo calibrated
        requests."""
        d = None if data is None else need_dataset(data, "data")
        with locked(self, d):
            check(lib().forget_unlearner_set_heldout(
                self._handle(), d._handle() if d is not None else None))

    # ---- getters ----
    @property
    def report(self) -> Dict[str, float]:
        """Figures of the last successful call ("seconds" first, then the
        method's own); {} before the first."""
        with self._lock:
            return report_dict(lib().forget_unlearner_report(self._handle()))

    @property
    def method(self) -> str:
        """The method's name."""
        with self._lock:
            return lib().forget_unlearner_method(self._handle()).decode()

    @property
    def prepared(self) -> bool:
        """True after a successful prepare (or a load)."""
        with self._lock:
            return bool(lib().forget_unlearner_is_prepared(self._handle()))

    @property
    def model(self) -> Optional[Model]:
        """The model the unlearner changes: the Model it was given, or
        (sisa) its ensemble, a model it owns (None before prepare)."""
        with self._lock:
            p = lib().forget_unlearner_model(self._handle())
            if not p:
                return None
            if p == self._model_h:
                return self._model
            if self._owned is None:
                self._owned = OwnedModel(self)
            return self._owned

    def _owned_model_handle(self) -> int:
        p = lib().forget_unlearner_model(self._handle())
        if not p:
            raise StateError("the unlearner has no model of its own yet "
                             "(sisa builds its ensemble in prepare)")
        return p

    # ---- deletion journal ----
    def set_journal_key(self, key: Optional[bytes]) -> None:
        """The HMAC key of the journal opened next (16..1024 bytes; None
        clears it). A new journal is keyed with it; an existing one must
        have been written with it."""
        if key is None:
            raw = b""
        else:
            raw = conv.raw_bytes(key, "key")
            if not KEY_MIN <= len(raw) <= KEY_MAX:
                raise InvalidArgumentError(f"a journal key has {KEY_MIN}..{KEY_MAX} "
                                           f"bytes, not {len(raw)}")
        with self._lock:
            check(lib().forget_unlearner_set_journal_key(
                self._handle(), raw or None, len(raw)))

    def open_journal(self, path: conv.PathLike, *, repair: bool = False,
                     new: bool = False, key: Optional[bytes] = None) -> Dict[str, float]:
        """Attach a deletion journal, recovering from it if it exists
        (requests logged after the state are finished again). repair drops
        a cut-short last append; new starts a new journal on purpose; key
        sets the HMAC key first. Returns the report (journal_requests,
        journal_redone, journal_pending, journal_dropped_bytes)."""
        p = conv.path(path)
        if key is not None:
            self.set_journal_key(key)
        flags = (JOURNAL_REPAIR if repair else 0) | (JOURNAL_NEW if new else 0)
        self._run(lib().forget_unlearner_open_journal, p, flags)
        return self.report

    def is_forgotten(self, id: Any) -> bool:
        """Whether id is forgotten (needs a journal attached)."""
        key = conv.one_id(id)
        f = ctypes.c_int()
        with self._lock:
            check(lib().forget_unlearner_is_forgotten(self._handle(), key,
                                                      ctypes.byref(f)))
        return bool(f.value)

    def journal_pending(self) -> Tuple[Optional[str], np.ndarray]:
        """The oldest pending request: ("forget" or "learn", its ids), or
        (None, empty) when none is pending. The next call must be that
        request."""
        kind, p, n = ctypes.c_int(), ctypes.POINTER(ctypes.c_uint64)(), ctypes.c_size_t()
        with self._lock:
            check(lib().forget_unlearner_journal_pending(
                self._handle(), ctypes.byref(kind), ctypes.byref(p), ctypes.byref(n)))
            if not n.value:
                return None, np.zeros(0, np.uint64)
            addr = ctypes.cast(p, ctypes.c_void_p).value
            ids = copy_out(addr, ctypes.c_uint64, (n.value,), np.uint64)
        return JOURNAL_KINDS.get(kind.value, str(kind.value)), ids

    def __repr__(self) -> str:
        if self.closed:
            return "<Unlearner closed>"
        state = "prepared" if self.prepared else "not prepared"
        return f"<Unlearner {self.method} {state}>"


def _from_state(model: Optional[Model], state: bytes) -> Unlearner:
    return Unlearner.from_bytes(state, model)


