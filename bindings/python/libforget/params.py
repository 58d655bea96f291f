"""Parameter strings: built from keyword arguments or dicts, parsed back,
and the declared tables of model kinds, methods and training.

``format_params("seed=2", layers=[784, 64, 10], act="relu")`` gives
``"seed=2 layers=784-64-10 act=relu"``. Values: bool -> true/false; int;
float (finite, written by repr: locale-free, shortest round trip); str;
a list or tuple -> its items joined by '-' (layers); a dict -> a nested
parameter string (sisa's ``train``); None -> the key is left out (the
default applies). A value that is empty or holds a space, tab, newline,
comma, '=', '"' or backslash is double-quoted with \\" and \\\\ escaped,
as the library's parser reads it (lib/util/params.c).

Keyword parameters share the call's namespace: a library parameter named
like one of the call's own arguments (kind, method, model, data, path,
params, progress) goes in the params string or mapping instead.
"""
from __future__ import annotations

import ctypes
import math
import re
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple, Union

import numpy as np

from ._call import check
from ._lib import lib
from ._signatures import ParamDef
from .errors import InvalidArgumentError

__all__ = ["ParamInfo", "format_params", "parse_params", "model_kinds",
           "train_params", "method_params"]

Params = Union[None, str, Mapping[str, Any]]

_KEY = re.compile(r"[a-z0-9_]+\Z")
_NEEDS_QUOTES = re.compile(r'[\s,="\\]')
_TYPES = {1: "int", 2: "double", 3: "bool", 4: "enum", 5: "string"}


def _scalar(key: str, value: Any) -> str:
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        f = float(value)
        if not math.isfinite(f):
            raise InvalidArgumentError(f"parameter '{key}': {f} is not finite")
        return repr(f)
    if isinstance(value, str):
        if "\0" in value:
            raise InvalidArgumentError(f"parameter '{key}' contains a NUL "
                                       f"character")
        return value
    raise TypeError(f"parameter '{key}': a {type(value).__name__} cannot be "
                    f"written as a parameter value")


def _quote(value: str) -> str:
    if value and not _NEEDS_QUOTES.search(value):
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _value(key: str, value: Any) -> str:
    if isinstance(value, Mapping):
        return _quote(format_params(value))
    if isinstance(value, (list, tuple, np.ndarray)):
        items = list(np.asarray(value).ravel()) if isinstance(value, np.ndarray) else value
        parts = []
        for item in items:
            if isinstance(item, (list, tuple, Mapping, np.ndarray)):
                raise TypeError(f"parameter '{key}': nested sequences are "
                                f"not parameter values")
            parts.append(_scalar(key, item))
        return _quote("-".join(parts))
    return _quote(_scalar(key, value))


def format_params(params: Params = None, **kwargs: Any) -> str:
    """One parameter string from a string, a mapping and/or keywords.

    A string is passed on as written; mapping entries and keywords are
    appended as ``key=value`` (see the module's rules). Keys must be
    ``[a-z0-9_]+``. The library reports unknown keys, keys given twice and
    bad values (ParamError, naming the key)."""
    pieces: List[str] = []
    items: List[Tuple[Any, Any]] = []
    if params is None:
        pass
    elif isinstance(params, str):
        if "\0" in params:
            raise InvalidArgumentError("the parameter string contains a NUL "
                                       "character")
        if params.strip():
            pieces.append(params.strip())
    elif isinstance(params, Mapping):
        items.extend(params.items())
    else:
        raise TypeError(f"parameters must be a str or a mapping, not "
                        f"{type(params).__name__}")
    items.extend(kwargs.items())
    for key, value in items:
        if not isinstance(key, str) or not _KEY.match(key):
            raise InvalidArgumentError(f"parameter name {key!r} is not "
                                       f"[a-z0-9_]+")
        if value is None:
            continue
        pieces.append(f"{key}={_value(key, value)}")
    return " ".join(pieces)


def parse_params(text: str) -> Dict[str, str]:
    """A parameter string as {key: value text}, unquoting as the library
    does (e.g. a model's creation parameters, Model.creation_params)."""
    out: Dict[str, str] = {}
    i, n = 0, len(text)
    seps = " \t\r\n,"
    while True:
        while i < n and text[i] in seps:
            i += 1
        if i >= n:
            return out
        j = text.find("=", i)
        if j < 0:
            raise InvalidArgumentError(f"expected key=value at {text[i:]!r}")
        key, i = text[i:j], j + 1
        if i < n and text[i] == '"':
            i += 1
            value = []
            while i < n and text[i] != '"':
                if text[i] == "\\" and i + 1 < n and text[i + 1] in '"\\':
                    i += 1
                value.append(text[i])
                i += 1
            if i >= n:
                raise InvalidArgumentError(f"parameter '{key}': unterminated "
                                           f"quoted value")
            i += 1
            out[key] = "".join(value)
        else:
            j = i
            while j < n and text[j] not in seps:
                j += 1
            out[key], i = text[i:j], j
    return out


@dataclass(frozen=True)
class ParamInfo:
    """One declared parameter (forget_param_def)."""
    name: str
    type: str                 # "int", "double", "bool", "enum", "string"
    default: Optional[str]    # text form; None = required
    min: Optional[float]      # int/double range, inclusive; None = no range
    max: Optional[float]
    choices: Optional[Tuple[str, ...]]  # enum
    doc: str


def _info(d: ParamDef) -> ParamInfo:
    ranged = d.type in (1, 2) and d.min <= d.max
    return ParamInfo(
        name=d.name.decode(),
        type=_TYPES.get(d.type, str(d.type)),
        default=None if d.default_value is None else d.default_value.decode(),
        min=d.min if ranged else None,
        max=d.max if ranged else None,
        choices=tuple(d.choices.decode().split("|")) if d.choices else None,
        doc=(d.doc or b"").decode())


def _table(count: int, get: Callable[[int, Any], int]) -> List[ParamInfo]:
    out = []
    for i in range(count):
        p = ctypes.POINTER(ParamDef)()
        check(get(i, ctypes.byref(p)))
        out.append(_info(p.contents))
    return out


def model_kinds() -> Dict[str, List[ParamInfo]]:
    """{kind: its parameter table} for every model kind ("linear", "mlp",
    "analytic", ...)."""
    L = lib()
    out = {}
    for i in range(L.forget_model_kind_count()):
        name = L.forget_model_kind_name(i)
        n = ctypes.c_size_t()
        check(L.forget_model_kind_param_count(name, ctypes.byref(n)))
        out[name.decode()] = _table(
            n.value, lambda j, p, name=name: L.forget_model_kind_param(name, j, p))
    return out


def train_params() -> List[ParamInfo]:
    """The training parameter table (Model.train's keywords)."""
    L = lib()
    return _table(L.forget_train_param_count(), L.forget_train_param)


def method_params(method: str) -> List[ParamInfo]:
    """The parameter table of one registered method."""
    L = lib()
    name = method.encode()
    n = ctypes.c_size_t()
    check(L.forget_method_param_count(name, ctypes.byref(n)))
    return _table(n.value, lambda j, p: L.forget_method_param(name, j, p))
