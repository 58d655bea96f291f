"""Exceptions: ForgetError and one subclass per FORGET_E_* code.

Every subclass also derives from the built-in exception a Python user would
catch for that failure (``except ValueError`` catches a bad argument whether
the package or the C library found it). ``.code`` is the FORGET_E_* value
(negative), ``.message`` the library's detail (the key, id, row, line or
file offset at fault).
"""
from __future__ import annotations

from typing import Dict, Optional, Type

__all__ = [
    "ForgetError", "InvalidArgumentError", "OutOfMemoryError",
    "ForgetIOError", "FormatError", "NotFoundError", "ExistsError",
    "VersionError", "NumericError", "CanceledError", "UnsupportedError",
    "StateError", "ParamError", "InternalError", "LibraryNotFoundError",
    "error_class", "make_error",
]

# FORGET_E_* (include/forget/forget.h); fixed numbers, never reused.
E_INVALID, E_NOMEM, E_IO, E_FORMAT, E_NOT_FOUND = -1, -2, -3, -4, -5
E_EXISTS, E_VERSION, E_NUMERIC, E_CANCELED = -6, -7, -8, -9
E_UNSUPPORTED, E_STATE, E_PARAM, E_INTERNAL = -10, -11, -12, -13


class ForgetError(Exception):
    """A libforget call failed. ``.code``: the FORGET_E_* value (negative);
    ``.message``: what went wrong, naming the culprit."""

    code: int = 0

    def __init__(self, message: str, code: Optional[int] = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        return self.message


class InvalidArgumentError(ForgetError, ValueError):
    """FORGET_E_INVALID: a bad argument (size, NaN, duplicate id, ...)."""
    code = E_INVALID


class OutOfMemoryError(ForgetError, MemoryError):
    """FORGET_E_NOMEM: an allocation failed, or a load limit was hit."""
    code = E_NOMEM


class ForgetIOError(ForgetError, OSError):
    """FORGET_E_IO: a file could not be opened, read or written."""
    code = E_IO


class FormatError(ForgetError, ValueError):
    """FORGET_E_FORMAT: a file or buffer is malformed or hostile."""
    code = E_FORMAT


class NotFoundError(ForgetError, KeyError):
    """FORGET_E_NOT_FOUND: a named thing (id, method, kind, key) is absent."""
    code = E_NOT_FOUND

    def __str__(self) -> str:  # KeyError would quote the message
        return self.message


class ExistsError(ForgetError):
    """FORGET_E_EXISTS: a name is registered already."""
    code = E_EXISTS


class VersionError(ForgetError):
    """FORGET_E_VERSION: an ABI or file format version not supported (also:
    the library found is too old or too new for this package)."""
    code = E_VERSION


class NumericError(ForgetError, ArithmeticError):
    """FORGET_E_NUMERIC: a numerical failure (diverged, not positive
    definite, a non-finite output)."""
    code = E_NUMERIC


class CanceledError(ForgetError):
    """FORGET_E_CANCELED: the progress callback asked to stop; the object
    is as it was before the call."""
    code = E_CANCELED


class UnsupportedError(ForgetError, NotImplementedError):
    """FORGET_E_UNSUPPORTED: not offered by this method or model."""
    code = E_UNSUPPORTED


class StateError(ForgetError, RuntimeError):
    """FORGET_E_STATE: the wrong moment (not prepared, journal attached,
    lock held) -- and any use of a closed object."""
    code = E_STATE


class ParamError(ForgetError, ValueError):
    """FORGET_E_PARAM: a parameter is unknown, malformed or out of range."""
    code = E_PARAM


class InternalError(ForgetError):
    """FORGET_E_INTERNAL: a bug in libforget or a backend."""
    code = E_INTERNAL


class LibraryNotFoundError(ForgetIOError):
    """The C library could not be found or loaded; the message lists the
    places tried and what to do."""


_BY_CODE: Dict[int, Type[ForgetError]] = {
    cls.code: cls for cls in (
        InvalidArgumentError, OutOfMemoryError, ForgetIOError, FormatError,
        NotFoundError, ExistsError, VersionError, NumericError,
        CanceledError, UnsupportedError, StateError, ParamError,
        InternalError)
}


def error_class(code: int) -> Type[ForgetError]:
    """The exception class of a FORGET_E_* code (ForgetError if unknown)."""
    return _BY_CODE.get(code, ForgetError)


def make_error(code: int, message: str) -> ForgetError:
    """An exception of the class that matches code."""
    return error_class(code)(message, code)
