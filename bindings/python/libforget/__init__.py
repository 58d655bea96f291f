"""libforget from Python: machine unlearning on numpy arrays.

    import numpy as np, libforget as lf
    data = lf.Dataset(x, y)                       # x: rows x features, y: labels
    model = lf.Model("mlp", layers=[4, 16, 3], seed=2).train(data, epochs=20)
    u = lf.Unlearner("ssd", model, alpha=2)
    u.prepare(data)
    with data.of_class(1) as rows:
        print(u.forget(rows))                     # the report: seconds, dampened, ...

Objects own their C handles: close() them, use ``with``, or let the garbage
collector free them; a closed object raises StateError. Each object has a
lock: two threads using one object take turns. Errors are ForgetError
subclasses that are also the matching built-ins (ValueError, KeyError,
OSError, MemoryError, ...). docs/python.md in the libforget tree is the
guide; the C library is found as libforget._lib documents (LIBFORGET, the
bundled copy, the system).
"""
from ._lib import library_path, load
from .dataset import Dataset
from .errors import (CanceledError, ExistsError, ForgetError, ForgetIOError,
                     FormatError, InternalError, InvalidArgumentError,
                     LibraryNotFoundError, NotFoundError, NumericError,
                     OutOfMemoryError, ParamError, StateError,
                     UnsupportedError, VersionError, error_class)
from .host import HostModel
from .journal import journal_figures, read_journal, verify_journal
from .lock import PathLock, lock_path
from .metrics import scorecard
from .model import Block, Model
from .params import (ParamInfo, format_params, model_kinds, parse_params,
                     train_params)
from .progress import ProgressBar
from .runtime import (MethodInfo, blas_info, get_limit, get_threads, limits,
                      methods, set_limit, set_threads, strerror, version,
                      version_number)
from .unlearner import Unlearner

__version__ = "0.1.0"

__all__ = [
    # objects
    "Dataset", "Model", "HostModel", "Unlearner", "Block", "PathLock",
    # functions
    "load", "library_path", "version", "version_number", "blas_info",
    "set_threads", "get_threads", "set_limit", "get_limit", "limits",
    "strerror", "methods", "model_kinds", "train_params", "format_params",
    "parse_params", "read_journal", "journal_figures", "verify_journal", "lock_path",
    "scorecard",
    # helpers and records
    "ProgressBar", "MethodInfo", "ParamInfo",
    # errors
    "ForgetError", "InvalidArgumentError", "OutOfMemoryError",
    "ForgetIOError", "FormatError", "NotFoundError", "ExistsError",
    "VersionError", "NumericError", "CanceledError", "UnsupportedError",
    "StateError", "ParamError", "InternalError", "LibraryNotFoundError",
    "error_class",
]
