"""Turning a C status into an exception, and Python exceptions raised inside
callbacks (progress, host models) back into Python exceptions."""
from __future__ import annotations

import threading
from typing import Iterable, List, Optional

from ._lib import lib
from .errors import ForgetError, make_error


class CallbackErrors:
    """Holds exceptions raised by Python code that C called back (a host
    model's forward, a progress function), to raise them again from the
    Python call that made the C call. Shared by clones of a host model."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._errors: List[BaseException] = []

    def add(self, exc: BaseException) -> None:
        with self._lock:
            self._errors.append(exc)

    def take(self) -> Optional[BaseException]:
        with self._lock:
            errors, self._errors = self._errors, []
        return errors[0] if errors else None


def last_error(rc: int) -> ForgetError:
    """The exception for status rc, with the calling thread's message."""
    L = lib()
    message = L.forget_last_error().decode("utf-8", "replace")
    if not message:
        message = L.forget_strerror(rc).decode("utf-8", "replace")
    return make_error(rc, message)


def check(rc: int, sinks: Iterable[Optional[CallbackErrors]] = ()) -> None:
    """Raise for a nonzero status. An exception a callback raised during the
    call is raised instead (the library's error as its __cause__), and also
    after a call that succeeded all the same (a progress function that
    raised at the final 1.0, when it is too late to cancel): an exception
    of the caller's own code is never swallowed."""
    pending = None
    for sink in sinks:
        if sink is not None:
            exc = sink.take()
            if pending is None:
                pending = exc
    if rc == 0:
        if pending is not None:
            raise pending
        return
    err = last_error(rc)
    if pending is not None:
        raise pending from err
    raise err
