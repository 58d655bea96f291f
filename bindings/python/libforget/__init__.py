"""libforget from Python, through ctypes: datasets, models and unlearners.

Each class owns its C handle: use it as a context manager, call close(), or
let the finalizer free it. Every error raises ForgetError carrying the
library's code and message. numpy arrays are passed by pointer (the
library copies what it keeps); results come back as numpy arrays.

The library is found at an explicit path (load(path)), else in the
environment variable LIBFORGET, else by the system loader (libforget.so.0).
"""
import ctypes
import ctypes.util
import os
import weakref

import numpy as np

__all__ = ["ForgetError", "load", "version", "blas_info", "methods",
           "read_journal",
           "Dataset", "Model", "Unlearner"]

_c_float_p = ctypes.POINTER(ctypes.c_float)
_c_int32_p = ctypes.POINTER(ctypes.c_int32)
_c_uint64_p = ctypes.POINTER(ctypes.c_uint64)
_vp = ctypes.c_void_p
_sz = ctypes.c_size_t
_int = ctypes.c_int
_str = ctypes.c_char_p

_DIGEST_SIZE = 32       # FORGET_DIGEST_SIZE
_JOURNAL_REPAIR = 1     # FORGET_JOURNAL_REPAIR
_JOURNAL_KINDS = {1: "forget", 2: "learn"}  # FORGET_JOURNAL_FORGET, _LEARN
_JOURNAL_RECORDS = {1: "open", 2: "request", 3: "done", 4: "abort"}  # FORGET_JOURNAL_RECORD_*
# forget_journal_fn
_JOURNAL_FN = ctypes.CFUNCTYPE(_int, ctypes.c_void_p, _int, ctypes.c_uint64, ctypes.c_int64,
                               ctypes.c_char_p, _int, ctypes.POINTER(ctypes.c_uint64),
                               ctypes.c_size_t, ctypes.POINTER(ctypes.c_ubyte), _int)


class ForgetError(Exception):
    """A libforget call failed: .code is the FORGET_E_* value (negative)."""

    def __init__(self, code, message):
        super().__init__(f"{message} ({code})")
        self.code = code
        self.message = message


class _ParamDef(ctypes.Structure):
    _fields_ = [("name", _str), ("type", ctypes.c_int32), ("default_value", _str),
                ("min", ctypes.c_double), ("max", ctypes.c_double),
                ("choices", _str), ("doc", _str)]


# (name, restype, argtypes); int-returning functions are checked.
_SIGNATURES = [
    ("forget_strerror", _str, [_int]),
    ("forget_last_error", _str, []),
    ("forget_version_string", _str, []),
    ("forget_blas_info", _str, []),
    ("forget_version_number", ctypes.c_uint32, []),
    ("forget_init", _int, []),
    ("forget_shutdown", _int, []),
    ("forget_method_count", _sz, []),
    ("forget_method_name", _str, [_sz]),
    ("forget_method_describe", _int, [_str, ctypes.POINTER(_str), ctypes.POINTER(ctypes.c_uint32)]),
    ("forget_method_param_count", _int, [_str, ctypes.POINTER(_sz)]),
    ("forget_method_param", _int, [_str, _sz, ctypes.POINTER(ctypes.POINTER(_ParamDef))]),
    ("forget_dataset_create", _int, [ctypes.POINTER(_vp), _sz, _sz, _c_float_p, _c_int32_p, _c_uint64_p]),
    ("forget_dataset_create_regression", _int, [ctypes.POINTER(_vp), _sz, _sz, _c_float_p, _c_float_p, _sz, _c_uint64_p]),
    ("forget_dataset_load_idx", _int, [ctypes.POINTER(_vp), _str, _str, _str]),
    ("forget_dataset_load_csv", _int, [ctypes.POINTER(_vp), _str, _str]),
    ("forget_dataset_free", None, [_vp]),
    ("forget_dataset_rows", _sz, [_vp]),
    ("forget_dataset_features", _sz, [_vp]),
    ("forget_dataset_classes", _sz, [_vp]),
    ("forget_dataset_ids", _c_uint64_p, [_vp]),
    ("forget_dataset_subset_ids", _int, [ctypes.POINTER(_vp), _vp, _c_uint64_p, _sz]),
    ("forget_dataset_exclude_ids", _int, [ctypes.POINTER(_vp), _vp, _c_uint64_p, _sz]),
    ("forget_dataset_subset_class", _int, [ctypes.POINTER(_vp), _vp, ctypes.c_int32]),
    ("forget_model_create", _int, [ctypes.POINTER(_vp), _str, _str]),
    ("forget_model_free", None, [_vp]),
    ("forget_model_load", _int, [ctypes.POINTER(_vp), _str]),
    ("forget_model_save", _int, [_vp, _str]),
    ("forget_model_train", _int, [_vp, _vp, _str]),
    ("forget_model_outputs", _sz, [_vp]),
    ("forget_model_kind", _str, [_vp]),
    ("forget_model_param_count", _sz, [_vp]),
    ("forget_model_get_params", _int, [_vp, _c_float_p, _sz]),
    ("forget_model_set_params", _int, [_vp, _c_float_p, _sz]),
    ("forget_model_predict", _int, [_vp, _vp, _c_float_p, _sz]),
    ("forget_model_digest", _int, [_vp, ctypes.POINTER(ctypes.c_ubyte)]),
    ("forget_eval_accuracy", _int, [_vp, _vp, ctypes.POINTER(ctypes.c_double)]),
    ("forget_eval_loss", _int, [_vp, _vp, ctypes.POINTER(ctypes.c_double)]),
    ("forget_eval_mia", _int, [_vp, _vp, _vp, _vp, ctypes.POINTER(ctypes.c_double)]),
    ("forget_unlearner_create", _int, [ctypes.POINTER(_vp), _str, _vp, _str]),
    ("forget_unlearner_free", None, [_vp]),
    ("forget_unlearner_prepare", _int, [_vp, _vp]),
    ("forget_unlearner_forget", _int, [_vp, _vp]),
    ("forget_unlearner_forget_ids", _int, [_vp, _c_uint64_p, _sz]),
    ("forget_unlearner_learn", _int, [_vp, _vp]),
    ("forget_unlearner_model", _vp, [_vp]),
    ("forget_unlearner_report", _vp, [_vp]),
    ("forget_unlearner_save", _int, [_vp, _str]),
    ("forget_unlearner_load", _int, [ctypes.POINTER(_vp), _vp, _str]),
    ("forget_unlearner_open_journal", _int, [_vp, _str, ctypes.c_uint32]),
    ("forget_unlearner_is_forgotten", _int, [_vp, ctypes.c_uint64, ctypes.POINTER(_int)]),
    ("forget_unlearner_journal_pending", _int, [_vp, ctypes.POINTER(_int), ctypes.POINTER(_c_uint64_p),
                                                ctypes.POINTER(_sz)]),
    ("forget_journal_read", _int, [_str, _JOURNAL_FN, _vp]),
    ("forget_report_count", _sz, [_vp]),
    ("forget_report_key", _str, [_vp, _sz]),
    ("forget_report_value", ctypes.c_double, [_vp, _sz]),
]

_lib = None


def load(path=None):
    """Load the library (once); returns the ctypes handle."""
    global _lib
    if _lib is not None:
        return _lib
    path = path or os.environ.get("LIBFORGET") or ctypes.util.find_library("forget") \
        or "libforget.so.0"
    lib = ctypes.CDLL(path)
    for name, res, args in _SIGNATURES:
        fn = getattr(lib, name)
        fn.restype, fn.argtypes = res, args
    _check(lib.forget_init(), lib)
    _lib = lib
    return lib


def _L():
    return _lib if _lib is not None else load()


def _check(rc, lib=None):
    if rc != 0:
        lib = lib or _L()
        raise ForgetError(rc, lib.forget_last_error().decode("utf-8", "replace"))
    return rc


def _b(s):
    return None if s is None else s.encode("utf-8")


def _ptr(arr, ctype):
    return arr.ctypes.data_as(ctypes.POINTER(ctype))


def version():
    return _L().forget_version_string().decode()


def blas_info():
    """Which BLAS the library runs on ("OpenBLAS ... (core ...; N
    threads)", "reference BLAS (...)": 10-20x slower), as forget_blas_info."""
    return _L().forget_blas_info().decode()


def read_journal(path):
    """A deletion journal's records, in order, as dicts: type ("open",
    "request", "done", "abort"), seq, time_ns, method, and for requests kind
    ("forget"/"learn") and ids (uint64 array), digest (bytes; not for
    aborts), status (aborts: the failed call's FORGET_E_* code). A damaged
    journal raises ForgetError; its .records holds those before the damage."""
    records = []

    def visit(_user, rtype, seq, time_ns, method, kind, ids, n_ids, digest, status):
        rec = {"type": _JOURNAL_RECORDS.get(rtype, rtype), "seq": seq, "time_ns": time_ns,
               "method": method.decode("utf-8", "replace")}
        if rtype == 2:
            rec["kind"] = _JOURNAL_KINDS.get(kind, kind)
            rec["ids"] = np.ctypeslib.as_array(ids, (n_ids,)).copy()
        if digest:
            rec["digest"] = bytes(digest[:_DIGEST_SIZE])
        if rtype == 4:
            rec["status"] = status
        records.append(rec)
        return 0

    try:
        _check(_L().forget_journal_read(_b(path), _JOURNAL_FN(visit), None))
    except ForgetError as e:
        e.records = records
        raise
    return records


def methods():
    """{name: {"exact": bool, "description": str, "params": [dict, ...]}}"""
    lib, out = _L(), {}
    for i in range(lib.forget_method_count()):
        name = lib.forget_method_name(i)
        desc, flags, n = _str(), ctypes.c_uint32(), _sz()
        _check(lib.forget_method_describe(name, ctypes.byref(desc), ctypes.byref(flags)))
        _check(lib.forget_method_param_count(name, ctypes.byref(n)))
        params = []
        for j in range(n.value):
            d = ctypes.POINTER(_ParamDef)()
            _check(lib.forget_method_param(name, j, ctypes.byref(d)))
            p = d.contents
            params.append({"name": p.name.decode(), "default": (p.default_value or b"").decode(),
                           "doc": (p.doc or b"").decode()})
        out[name.decode()] = {"exact": bool(flags.value & 1),
                              "description": desc.value.decode(), "params": params}
    return out


class _Handle:
    """Owns one C handle; freed by close(), a with block or the finalizer."""
    _free = None

    def __init__(self, handle, keep=()):
        if not handle:
            raise ForgetError(-13, "a NULL handle")
        self._h = handle
        self._keep = keep  # objects that must outlive this one
        self._fin = weakref.finalize(self, getattr(_L(), self._free), handle)

    @property
    def handle(self):
        if self._h is None:
            raise ValueError(f"{type(self).__name__} is closed")
        return self._h

    def close(self):
        self._fin()
        self._h = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class Dataset(_Handle):
    _free = "forget_dataset_free"

    def __init__(self, x, labels=None, targets=None, ids=None, _handle=None):
        if _handle is not None:
            super().__init__(_handle)
            return
        x = np.ascontiguousarray(x, dtype=np.float32)
        if x.ndim != 2:
            raise ValueError("x must be 2-D (rows x features)")
        n, d = x.shape
        idp = None
        if ids is not None:
            ids = np.ascontiguousarray(ids, dtype=np.uint64)
            if ids.shape != (n,):
                raise ValueError("ids must hold one id per row")
            idp = _ptr(ids, ctypes.c_uint64)
        h = _vp()
        if targets is not None:
            t = np.ascontiguousarray(targets, dtype=np.float32).reshape(n, -1)
            _check(_L().forget_dataset_create_regression(ctypes.byref(h), n, d, _ptr(x, ctypes.c_float),
                                                         _ptr(t, ctypes.c_float), t.shape[1], idp))
        else:
            y = np.ascontiguousarray(labels, dtype=np.int32)
            if y.shape != (n,):
                raise ValueError("labels must hold one label per row")
            _check(_L().forget_dataset_create(ctypes.byref(h), n, d, _ptr(x, ctypes.c_float),
                                              _ptr(y, ctypes.c_int32), idp))
        super().__init__(h.value)

    @classmethod
    def from_idx(cls, images, labels, params=None):
        h = _vp()
        _check(_L().forget_dataset_load_idx(ctypes.byref(h), _b(images), _b(labels), _b(params)))
        return cls(None, _handle=h.value)

    @classmethod
    def from_csv(cls, path, params=None):
        h = _vp()
        _check(_L().forget_dataset_load_csv(ctypes.byref(h), _b(path), _b(params)))
        return cls(None, _handle=h.value)

    def __len__(self):
        return _L().forget_dataset_rows(self.handle)

    @property
    def features(self):
        return _L().forget_dataset_features(self.handle)

    @property
    def classes(self):
        return _L().forget_dataset_classes(self.handle)

    @property
    def ids(self):
        n = len(self)
        p = _L().forget_dataset_ids(self.handle)
        return np.ctypeslib.as_array(p, (n,)).copy() if n else np.zeros(0, np.uint64)

    def _derive(self, fn, *args):
        h = _vp()
        _check(fn(ctypes.byref(h), self.handle, *args))
        return Dataset(None, _handle=h.value)

    def subset(self, ids):
        ids = np.ascontiguousarray(ids, dtype=np.uint64)
        return self._derive(_L().forget_dataset_subset_ids, _ptr(ids, ctypes.c_uint64), len(ids))

    def without(self, ids):
        ids = np.ascontiguousarray(ids, dtype=np.uint64)
        return self._derive(_L().forget_dataset_exclude_ids, _ptr(ids, ctypes.c_uint64), len(ids))

    def of_class(self, label):
        return self._derive(_L().forget_dataset_subset_class, int(label))


class Model(_Handle):
    _free = "forget_model_free"

    def __init__(self, kind=None, params=None, _handle=None):
        if _handle is None:
            h = _vp()
            _check(_L().forget_model_create(ctypes.byref(h), _b(kind), _b(params)))
            _handle = h.value
        super().__init__(_handle)

    @classmethod
    def load(cls, path):
        h = _vp()
        _check(_L().forget_model_load(ctypes.byref(h), _b(path)))
        return cls(_handle=h.value)

    def save(self, path):
        _check(_L().forget_model_save(self.handle, _b(path)))

    @property
    def kind(self):
        return _L().forget_model_kind(self.handle).decode()

    def train(self, data, params=None):
        _check(_L().forget_model_train(self.handle, data.handle, _b(params)))
        return self

    @property
    def params(self):
        n = _L().forget_model_param_count(self.handle)
        out = np.empty(n, np.float32)
        _check(_L().forget_model_get_params(self.handle, _ptr(out, ctypes.c_float), n))
        return out

    @params.setter
    def params(self, values):
        v = np.ascontiguousarray(values, dtype=np.float32)
        _check(_L().forget_model_set_params(self.handle, _ptr(v, ctypes.c_float), v.size))

    def predict(self, data):
        k = _L().forget_model_outputs(self.handle)
        out = np.empty((len(data), k), np.float32)
        _check(_L().forget_model_predict(self.handle, data.handle, _ptr(out, ctypes.c_float), out.size))
        return out

    def digest(self):
        """SHA-256 of everything the predictions depend on (32 bytes)."""
        out = (ctypes.c_ubyte * _DIGEST_SIZE)()
        _check(_L().forget_model_digest(self.handle, out))
        return bytes(out)

    def _metric(self, fn, *data):
        v = ctypes.c_double()
        _check(fn(self.handle, *[d.handle for d in data], ctypes.byref(v)))
        return v.value

    def accuracy(self, data):
        return self._metric(_L().forget_eval_accuracy, data)

    def loss(self, data):
        return self._metric(_L().forget_eval_loss, data)

    def mia(self, retain, test, target):
        """Share of target rows the SSD paper's entropy attack calls members."""
        return self._metric(_L().forget_eval_mia, retain, test, target)


class _BorrowedModel(Model):
    """A model owned by an unlearner (sisa's ensemble): never freed here."""

    def __init__(self, handle, owner):
        self._h, self._keep = handle, (owner,)
        self._fin = weakref.finalize(self, lambda: None)


class Unlearner(_Handle):
    _free = "forget_unlearner_free"

    def __init__(self, method=None, model=None, params=None, _handle=None):
        if _handle is None:
            h = _vp()
            _check(_L().forget_unlearner_create(ctypes.byref(h), _b(method),
                                                model.handle if model is not None else None,
                                                _b(params)))
            _handle = h.value
        super().__init__(_handle, keep=(model,))
        self._model = model

    @classmethod
    def load(cls, path, model):
        h = _vp()
        _check(_L().forget_unlearner_load(ctypes.byref(h), model.handle if model else None, _b(path)))
        return cls(model=model, _handle=h.value)

    def save(self, path):
        _check(_L().forget_unlearner_save(self.handle, _b(path)))

    def prepare(self, data):
        _check(_L().forget_unlearner_prepare(self.handle, data.handle))
        return self

    def forget(self, rows):
        _check(_L().forget_unlearner_forget(self.handle, rows.handle))
        return self.report

    def forget_ids(self, ids):
        ids = np.ascontiguousarray(ids, dtype=np.uint64)
        _check(_L().forget_unlearner_forget_ids(self.handle, _ptr(ids, ctypes.c_uint64), len(ids)))
        return self.report

    def learn(self, rows):
        _check(_L().forget_unlearner_learn(self.handle, rows.handle))
        return self.report

    def open_journal(self, path, repair=False):
        """Attach a deletion journal (recovering from it if it exists);
        repair=True drops a cut-short last append. Returns the report."""
        _check(_L().forget_unlearner_open_journal(self.handle, _b(path),
                                                  _JOURNAL_REPAIR if repair else 0))
        return self.report

    def is_forgotten(self, id):
        """Whether a journaled request forgot id (and no later learn undid it)."""
        f = _int()
        _check(_L().forget_unlearner_is_forgotten(self.handle, int(id), ctypes.byref(f)))
        return bool(f.value)

    def journal_pending(self):
        """The oldest pending request: ("forget" or "learn", ids), or (None, [])."""
        kind, p, n = _int(), _c_uint64_p(), _sz()
        _check(_L().forget_unlearner_journal_pending(self.handle, ctypes.byref(kind),
                                                     ctypes.byref(p), ctypes.byref(n)))
        if not n.value:
            return None, np.zeros(0, np.uint64)
        return _JOURNAL_KINDS.get(kind.value, kind.value), np.ctypeslib.as_array(p, (n.value,)).copy()

    @property
    def model(self):
        h = _L().forget_unlearner_model(self.handle)
        if self._model is not None and h == self._model.handle:
            return self._model
        return _BorrowedModel(h, self) if h else None

    @property
    def report(self):
        lib, r = _L(), _L().forget_unlearner_report(self.handle)
        if not r:
            return {}
        return {lib.forget_report_key(r, i).decode(): lib.forget_report_value(r, i)
                for i in range(lib.forget_report_count(r))}
