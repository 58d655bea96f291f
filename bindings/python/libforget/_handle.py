"""The base of every object that owns a C handle: a lock per handle, close(),
a finalizer, and a helper that takes the locks of several objects in one
fixed order.

Threads: every call that passes a handle to C holds that handle's lock, so
two Python threads using one object take turns (they never run together,
and close() waits for a call in flight). Locks are re-entrant. When a call
involves several objects, their locks are taken in one global order -- by
rank (unlearner 0, model 1, dataset 2, path lock 3), then by creation -- so
two threads can never wait for each other.
"""
from __future__ import annotations

import contextlib
import itertools
import threading
import weakref
from typing import Any, Callable, Iterator, Optional, Tuple

from .errors import StateError

_serial = itertools.count()


class HandleLock:
    """A re-entrant lock with a place in the global lock order."""

    __slots__ = ("rank", "serial", "_lock")

    def __init__(self, rank: int) -> None:
        self.rank = rank
        self.serial = next(_serial)
        self._lock = threading.RLock()

    def acquire(self) -> None:
        self._lock.acquire()

    def release(self) -> None:
        self._lock.release()

    def owned(self) -> bool:
        """True when the calling thread holds this lock."""
        return self._lock._is_owned()  # type: ignore[attr-defined]

    def __enter__(self) -> "HandleLock":
        self._lock.acquire()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._lock.release()


@contextlib.contextmanager
def locked(*objs: Any) -> Iterator[None]:
    """Hold the locks of objs (None entries skipped, repeats taken once) in
    the global order."""
    locks = {}
    for o in objs:
        if o is not None:
            lk = o._lock
            locks[id(lk)] = lk
    ordered = sorted(locks.values(), key=lambda lk: (lk.rank, lk.serial))
    taken = []
    try:
        for lk in ordered:
            lk.acquire()
            taken.append(lk)
        yield
    finally:
        for lk in reversed(taken):
            lk.release()


def _free(free: Callable[[int], None], handle: int, keep: Tuple[Any, ...]) -> None:
    del keep  # held until now: callbacks the C object may call
    free(handle)


class Handle:
    """Owns one C handle. close() (or leaving a ``with`` block, or the
    garbage collector) frees it; afterwards every use raises StateError."""

    _rank = 9
    _h: Optional[int] = None

    def __init__(self) -> None:
        self._lock = HandleLock(self._rank)
        self._h = None
        self._fin: Optional[weakref.finalize] = None

    def _adopt(self, handle: Optional[int], free: Callable[[int], None],
               keep: Tuple[Any, ...] = ()) -> None:
        """Take ownership of a new handle (freed with free(handle))."""
        if not handle:
            raise StateError("the library returned no object (a NULL handle)")
        self._h = handle
        self._fin = weakref.finalize(self, _free, free, handle, keep)

    def _handle(self) -> int:
        """The C handle; the caller holds self._lock."""
        h = self._h
        if h is None:
            raise StateError(f"this {type(self).__name__} is closed")
        return h

    @property
    def closed(self) -> bool:
        """True once close() was called."""
        return self._h is None

    def close(self) -> None:
        """Free the C object now (idempotent; waits for a call in flight on
        another thread). Any later use raises StateError. Refused from a
        callback (progress, host model) of a call on this very object."""
        self._refuse_reentrant_close()
        with self._lock:
            self._close_locked()

    def _refuse_reentrant_close(self) -> None:
        if self._lock.owned() and self._h is not None:
            raise StateError(f"this {type(self).__name__} cannot be closed from "
                             f"inside a call that uses it (a progress or host "
                             f"model callback)")

    def _close_locked(self) -> None:
        if self._h is None:
            return
        self._h = None
        if self._fin is not None:
            self._fin()

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
