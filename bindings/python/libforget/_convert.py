"""Checking and converting what callers pass in, before anything reaches C.

One documented conversion for features: any real array (any float or
integer dtype, any memory order) becomes a C-contiguous float32 copy (no
copy when it is one already). Labels, ids and paths are checked strictly:
nothing is truncated, wrapped or rounded silently.
"""
from __future__ import annotations

import operator
import os
from typing import Any, Optional, Union

import numpy as np

from .errors import InvalidArgumentError

PathLike = Union[str, bytes, "os.PathLike[str]", "os.PathLike[bytes]"]

INT32_MAX = 2**31 - 1
UINT64_MAX = 2**64 - 1


def text(value: Optional[str], what: str) -> Optional[bytes]:
    """A str as UTF-8 bytes for C (None stays None); NUL refused."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError(f"{what} must be a str, not {type(value).__name__}")
    if "\0" in value:
        raise InvalidArgumentError(f"{what} contains a NUL character")
    return value.encode("utf-8")


def path(value: PathLike, what: str = "path") -> bytes:
    """A str, bytes or os.PathLike as the bytes of a file name."""
    try:
        raw = os.fsencode(os.fspath(value))
    except TypeError:
        raise TypeError(f"{what} must be a str, bytes or os.PathLike, not "
                        f"{type(value).__name__}") from None
    if not raw:
        raise InvalidArgumentError(f"{what} is empty")
    if b"\0" in raw:
        raise InvalidArgumentError(f"{what} contains a NUL byte")
    return raw


def _real_array(values: Any, what: str) -> np.ndarray:
    arr = np.asarray(values)
    if arr.dtype.kind not in "biuf":
        if arr.dtype.kind == "O":
            try:
                arr = arr.astype(np.float64)
            except (TypeError, ValueError, OverflowError):
                raise TypeError(f"{what} must hold real numbers") from None
        else:
            raise TypeError(f"{what} must hold real numbers, not "
                            f"{arr.dtype}")
    return arr


def raw_bytes(data: Any, what: str) -> bytes:
    """bytes, bytearray, memoryview or any buffer, as bytes (an int, which
    bytes() would turn into zeros, is refused)."""
    try:
        return memoryview(data).tobytes()
    except TypeError:
        raise TypeError(f"{what} must be bytes-like, not "
                        f"{type(data).__name__}") from None


def _first_bad(mask: np.ndarray) -> int:
    return int(np.flatnonzero(mask.ravel())[0])


def _float32(arr: np.ndarray, what: str) -> np.ndarray:
    with np.errstate(over="ignore", invalid="ignore"):
        out = np.ascontiguousarray(arr, dtype=np.float32)
    bad = ~np.isfinite(out)
    if bad.any():
        i = _first_bad(bad)
        where = np.unravel_index(i, out.shape)
        src = arr[where]
        pos = ", ".join(str(int(k)) for k in where)
        why = ("is outside float32's range" if np.isfinite(src)
               else "is not finite")
        raise InvalidArgumentError(f"{what}[{pos}] = {src!r} {why}")
    return out


def features(x: Any, what: str = "X", width: Optional[int] = None) -> np.ndarray:
    """Rows x features as a C-contiguous float32 array, finite."""
    arr = _real_array(x, what)
    if arr.ndim != 2:
        raise InvalidArgumentError(f"{what} must be 2-D (rows x features); "
                                   f"got shape {arr.shape}")
    if width is not None and arr.shape[1] != width:
        raise InvalidArgumentError(f"{what} has {arr.shape[1]} features per "
                                   f"row; the model takes {width}")
    return _float32(arr, what)


def targets(t: Any, n: int, what: str = "targets") -> np.ndarray:
    """Regression targets: n values or n x k, as float32 n x k."""
    arr = _real_array(t, what)
    if arr.ndim == 1:
        arr = arr.reshape(-1, 1)
    if arr.ndim != 2 or arr.shape[0] != n:
        raise InvalidArgumentError(f"{what} must hold one value or row per "
                                   f"sample ({n}); got shape {np.shape(t)}")
    if arr.shape[1] == 0:
        raise InvalidArgumentError(f"{what} has no columns")
    return _float32(arr, what)


def _check_integral(arr: np.ndarray, what: str, hi: int, why_hi: str) -> None:
    """Every value integral and in [0, hi], else name the first bad index."""
    none = np.zeros(arr.shape, bool)
    kind = arr.dtype.kind
    if kind == "f":
        with np.errstate(invalid="ignore"):
            nonint = ~np.isfinite(arr) | (arr != np.floor(arr))
            neg = arr < 0
            big = arr > float(hi) if hi < 2**53 else arr >= 2.0**64
    elif kind in "iu":
        nonint = none
        neg = arr < 0 if kind == "i" else none
        big = arr > hi if np.iinfo(arr.dtype).max > hi else none
    else:
        raise TypeError(f"{what} must hold integers, not {arr.dtype}")
    bad = nonint | neg | big
    if bad.any():
        i = _first_bad(bad)
        why = ("is not an integer" if nonint[i] else "is negative" if neg[i]
               else why_hi)
        raise InvalidArgumentError(f"{what}[{i}] = {arr[i]!r} {why}")


def _object_ints(values: Any, what: str, hi: int, why_hi: str) -> np.ndarray:
    """Python objects (huge ints, mixed types) checked one by one."""
    out = []
    for i, v in enumerate(values):
        if isinstance(v, (bool, np.bool_)):
            raise TypeError(f"{what}[{i}] = {v!r} is a bool, not an integer")
        if isinstance(v, (str, bytes)):
            raise TypeError(f"{what}[{i}] = {v!r} is text, not a number")
        try:
            k = operator.index(v)
        except TypeError:
            try:
                f = float(v)
            except (TypeError, ValueError):
                raise TypeError(f"{what}[{i}] = {v!r} is not a number") from None
            if not np.isfinite(f) or f != int(f):
                raise InvalidArgumentError(f"{what}[{i}] = {v!r} is not an "
                                           f"integer") from None
            k = int(f)
        if k < 0:
            raise InvalidArgumentError(f"{what}[{i}] = {v!r} is negative")
        if k > hi:
            raise InvalidArgumentError(f"{what}[{i}] = {v!r} {why_hi}")
        out.append(k)
    return np.array(out, dtype=np.uint64)


def _as_1d(values: Any, what: str) -> np.ndarray:
    try:
        arr = np.asarray(values)
    except OverflowError:
        arr = np.asarray(values, dtype=object)
    if arr.dtype.kind == "f" and not isinstance(values, np.ndarray):
        # numpy turns [0, 2**64-1] into floats: check Python numbers exactly
        arr = np.asarray(values, dtype=object)
    if arr.ndim != 1:
        raise InvalidArgumentError(f"{what} must be 1-D; got shape {arr.shape}")
    return arr


def labels(y: Any, n: int, what: str = "labels") -> np.ndarray:
    """Class labels: n integers in 0..2^31-1 (bools are 0 and 1), int32."""
    arr = _as_1d(y, what)
    if arr.shape[0] != n:
        raise InvalidArgumentError(f"{what} must hold one label per row "
                                   f"({n}); got {arr.shape[0]}")
    why = f"does not fit int32 (labels are 0..{INT32_MAX})"
    if arr.dtype.kind == "b":
        return arr.astype(np.int32)
    if arr.dtype.kind == "O":
        return _object_ints(arr, what, INT32_MAX, why).astype(np.int32)
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"{what} must hold integers, not {arr.dtype}")
    _check_integral(arr, what, INT32_MAX, why)
    return np.ascontiguousarray(arr, dtype=np.int32)


def ids(values: Any, what: str = "ids", n: Optional[int] = None,
        unique: bool = True) -> np.ndarray:
    """Sample ids: integers in 0..2^64-1 (no bools), as uint64; with
    unique, an id listed twice is refused naming its second place."""
    arr = _as_1d(values, what)
    if n is not None and arr.shape[0] != n:
        raise InvalidArgumentError(f"{what} must hold one id per row ({n}); "
                                   f"got {arr.shape[0]}")
    why = "exceeds 2**64-1, the largest sample id"
    if arr.dtype.kind == "b":
        raise TypeError(f"{what} must hold integers, not bools")
    if arr.dtype.kind == "O" or arr.size == 0:
        out = _object_ints(arr, what, UINT64_MAX, why)
    elif arr.dtype.kind in "iuf":
        _check_integral(arr, what, UINT64_MAX, why)
        out = np.ascontiguousarray(arr, dtype=np.uint64)
    else:
        raise TypeError(f"{what} must hold integers, not {arr.dtype}")
    if unique and out.size > 1:
        order = np.argsort(out, kind="stable")
        s = out[order]
        same = s[1:] == s[:-1]
        if same.any():
            i = int(order[1:][same].min())
            first = int(np.flatnonzero(out[:i] == out[i])[0])
            raise InvalidArgumentError(f"{what}[{i}] = {int(out[i])} repeats "
                                       f"{what}[{first}]")
    return out


def one_id(value: Any, what: str = "id") -> int:
    """A single sample id as a Python int in 0..2^64-1."""
    if np.ndim(value) != 0:
        raise InvalidArgumentError(f"{what} must be one integer; got shape "
                                   f"{np.shape(value)}")
    try:
        return int(_object_ints([value], what, UINT64_MAX,
                                "exceeds 2**64-1, the largest sample id")[0])
    except InvalidArgumentError as e:
        raise InvalidArgumentError(e.message.replace(f"{what}[0]", what)) from None


def one_index(value: Any, what: str) -> int:
    """A non-negative integer (an index, a label, a row)."""
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{what} must be an integer, not a bool")
    try:
        k = operator.index(value)
    except TypeError:
        raise TypeError(f"{what} must be an integer, not "
                        f"{type(value).__name__}") from None
    if k < 0:
        raise InvalidArgumentError(f"{what} = {k} is negative")
    return k
