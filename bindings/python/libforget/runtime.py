"""Library-wide facts and settings: version, BLAS, threads, load limits and
the registered methods."""
from __future__ import annotations

import ctypes
from dataclasses import dataclass
from typing import Dict, List

from ._call import check
from ._convert import one_index
from ._lib import lib
from .errors import InvalidArgumentError
from .params import ParamInfo, method_params

__all__ = ["version", "version_number", "blas_info", "set_threads",
           "get_threads", "set_limit", "get_limit", "limits", "strerror",
           "MethodInfo", "methods"]

LIMITS = {"max_bytes": 1, "max_rows": 2, "max_features": 3}  # FORGET_LIMIT_*
METHOD_EXACT, METHOD_NEEDS_RETAINED, METHOD_NO_MODEL = 1, 2, 4


def version() -> str:
    """The C library's version, "MAJOR.MINOR.PATCH"."""
    return lib().forget_version_string().decode()


def version_number() -> int:
    """The C library's version as MAJOR*10000 + MINOR*100 + PATCH."""
    return int(lib().forget_version_number())


def blas_info() -> str:
    """Which BLAS the library runs on, one line ("OpenBLAS (...)", "MKL
    (...)", "BLIS (...)", or "reference BLAS (...)": 10-20x slower)."""
    return lib().forget_blas_info().decode("utf-8", "replace")


def strerror(code: int) -> str:
    """The library's static text for a FORGET_E_* code."""
    return lib().forget_strerror(int(code)).decode()


def set_threads(threads: int) -> None:
    """Threads libforget may use for its own parallel work (sisa shards,
    training lanes); 0 = one per processor (the default). 0..1024. BLAS's
    own threads are not changed (OPENBLAS_NUM_THREADS sets those)."""
    n = one_index(threads, "threads")
    if n > 1024:
        raise InvalidArgumentError(f"threads = {n} is outside 0..1024")
    check(lib().forget_set_threads(n))


def get_threads() -> int:
    """The effective thread count (0 resolved to the processor count)."""
    return int(lib().forget_get_threads())


def _which(name: str) -> int:
    try:
        return LIMITS[name]
    except KeyError:
        raise InvalidArgumentError(f"unknown limit {name!r}; known: "
                                   f"{', '.join(LIMITS)}") from None


def set_limit(name: str, value: int) -> None:
    """Set a load limit ("max_bytes", "max_rows" or "max_features"): what
    loaders accept from a file before allocating for it. 0 restores the
    default. Process-wide; applies to loads that start afterwards."""
    v = one_index(value, "value")
    if v >= 2**64:
        raise InvalidArgumentError(f"value = {v} exceeds 2**64-1")
    check(lib().forget_set_limit(_which(name), v))


def get_limit(name: str) -> int:
    """The effective value of a load limit."""
    v = ctypes.c_uint64()
    check(lib().forget_get_limit(_which(name), ctypes.byref(v)))
    return int(v.value)


def limits() -> Dict[str, int]:
    """All load limits: {"max_bytes": ..., "max_rows": ..., "max_features": ...}."""
    return {name: get_limit(name) for name in LIMITS}


@dataclass(frozen=True)
class MethodInfo:
    """A registered unlearning method."""
    name: str
    description: str
    exact: bool            # the result equals a retrain without the rows
    needs_retained: bool   # forget needs the retained data
    no_model: bool         # may be created without a model
    params: List[ParamInfo]


def methods() -> Dict[str, MethodInfo]:
    """{name: MethodInfo} for every registered method, in registration
    order."""
    L = lib()
    out = {}
    for i in range(L.forget_method_count()):
        name = L.forget_method_name(i)
        desc, flags = ctypes.c_char_p(), ctypes.c_uint32()
        check(L.forget_method_describe(name, ctypes.byref(desc), ctypes.byref(flags)))
        f = flags.value
        out[name.decode()] = MethodInfo(
            name=name.decode(), description=(desc.value or b"").decode(),
            exact=bool(f & METHOD_EXACT),
            needs_retained=bool(f & METHOD_NEEDS_RETAINED),
            no_model=bool(f & METHOD_NO_MODEL),
            params=method_params(name.decode()))
    return out
