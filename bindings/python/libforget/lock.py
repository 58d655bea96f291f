"""Advisory locks for load-modify-save (forget_lock_path), as context
managers::

    with libforget.lock_path("s.state"):
        m = Model.load("m.fgm"); u = Unlearner.load("s.state", m)
        u.forget_ids([7]); m.save("m.fgm"); u.save("s.state")

The lock is flock(2) on "PATH.lock" beside the file: released when the
process ends however it ends. It belongs to the handle, so two locks on one
path in one process conflict (a thread must not wait for a lock its own
process holds: use wait=False to be told at once).
"""
from __future__ import annotations

import ctypes
from typing import Any

from . import _convert as conv
from ._call import check
from ._handle import Handle
from ._lib import lib

__all__ = ["PathLock", "lock_path"]

LOCK_NOWAIT, LOCK_SHARED = 1, 2  # FORGET_LOCK_*


class PathLock(Handle):
    """A held lock; release() (or leaving the ``with`` block, or the
    garbage collector) releases it."""

    _rank = 3

    def __init__(self, path: conv.PathLike, *, shared: bool = False,
                 wait: bool = True) -> None:
        super().__init__()
        p = conv.path(path)
        flags = (LOCK_SHARED if shared else 0) | (0 if wait else LOCK_NOWAIT)
        h = ctypes.c_void_p()
        L = lib()
        check(L.forget_lock_path(ctypes.byref(h), p, flags))
        self.path = path
        self._adopt(h.value, L.forget_lock_release)

    def release(self) -> None:
        """Release the lock (idempotent)."""
        self.close()

    def __enter__(self) -> "PathLock":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<PathLock {self.path!r} {'released' if self.closed else 'held'}>"


def lock_path(path: conv.PathLike, *, shared: bool = False,
              wait: bool = True) -> PathLock:
    """Lock path for a load-modify-save: exclusive, or shared (readers)
    with shared=True; waits until free, or with wait=False raises
    StateError at once when it is held (naming the lock file)."""
    return PathLock(path, shared=shared, wait=wait)
