"""One unlearner on many MPI ranks, with mpi4py (docs/MPI.md).

On every rank::

    from mpi4py import MPI
    import libforget, libforget.mpi

    comm = libforget.mpi.Comm(MPI.COMM_WORLD, timeout=60)
    u = libforget.Unlearner("analytic", model, keep_rows=True)
    comm.attach(u)              # forget_unlearner_set_comm
    u.prepare(my_rows)          # each rank its own rows
    u.forget_ids(ids)           # the same ids on every rank
    u.close()
    comm.close()                # after the unlearners that use it

The table comes from libforget-mpi (``make mpi``), loaded from
``LIBFORGET_MPI`` (a path), else beside the libforget the package loaded,
else through the system loader; it is given the communicator's Fortran
handle (``comm.py2f()``), so it works whatever MPI mpi4py was built with,
as long as libforget-mpi was built with the same one.
"""
from __future__ import annotations

import ctypes
import os
from ctypes import POINTER, c_double, c_int, c_int32, c_int64, c_size_t, \
    c_uint64, c_void_p
from typing import Any, Optional

from ._call import check
from ._handle import locked
from ._lib import lib, library_path
from .errors import LibraryNotFoundError, StateError
from .unlearner import Unlearner

__all__ = ["Comm"]

SONAME = "libforget-mpi.so.0"
_mpi_lib: Optional[ctypes.CDLL] = None


class _CommStruct(ctypes.Structure):
    """forget_comm's first fields (backend.h; append-only)."""
    _fields_ = [("struct_size", c_size_t), ("user_data", c_void_p),
                ("rank", c_int32), ("size", c_int32)]


def _load() -> ctypes.CDLL:
    global _mpi_lib
    if _mpi_lib is not None:
        return _mpi_lib
    lib()  # libforget first: libforget-mpi links it
    tried = []
    env = os.environ.get("LIBFORGET_MPI")
    places = [env] if env else [
        os.path.join(os.path.dirname(library_path()), SONAME), SONAME]
    for place in places:
        try:
            cdll = ctypes.CDLL(place, mode=ctypes.RTLD_GLOBAL)
            break
        except OSError as e:
            tried.append(f"{place}: {e}")
            if env:
                break
    else:
        cdll = None
    if cdll is None:
        raise LibraryNotFoundError(
            "libforget-mpi was not found (build it with `make mpi`, or set "
            "LIBFORGET_MPI); tried: " + "; ".join(tried))
    cdll.forget_mpi_comm_fortran.restype = c_int
    cdll.forget_mpi_comm_fortran.argtypes = [POINTER(c_void_p), c_int64,
                                             c_double]
    cdll.forget_mpi_comm_free.restype = None
    cdll.forget_mpi_comm_free.argtypes = [c_void_p]
    cdll.forget_mpi_comm_bytes_sent.restype = c_uint64
    cdll.forget_mpi_comm_bytes_sent.argtypes = [c_void_p]
    _mpi_lib = cdll
    return cdll


class Comm:
    """The communicator table over an mpi4py communicator (collective: every
    rank makes one). timeout > 0 bounds every collective (seconds): past
    it the call fails with an OSError (FORGET_E_IO) instead of waiting for a
    rank that died, and the table cannot be used again."""

    def __init__(self, comm: Any = None, timeout: float = 0.0) -> None:
        if comm is None:
            from mpi4py import MPI
            comm = MPI.COMM_WORLD
        self._lib = _load()
        h = c_void_p()
        check(self._lib.forget_mpi_comm_fortran(ctypes.byref(h),
                                                int(comm.py2f()),
                                                float(timeout)))
        self._h: Optional[int] = h.value
        self._users: list = []

    def _handle(self) -> int:
        if self._h is None:
            raise StateError("this Comm is closed")
        return self._h

    @property
    def rank(self) -> int:
        return _CommStruct.from_address(self._handle()).rank

    @property
    def size(self) -> int:
        return _CommStruct.from_address(self._handle()).size

    @property
    def bytes_sent(self) -> int:
        """Payload bytes this rank has sent through the table."""
        return int(self._lib.forget_mpi_comm_bytes_sent(self._handle()))

    def attach(self, unlearner: Unlearner) -> None:
        """forget_unlearner_set_comm on every rank (collective for a
        prepared or loaded unlearner). The unlearner keeps this Comm
        alive; close() waits for no one: close the unlearners first."""
        with locked(unlearner):
            check(lib().forget_unlearner_set_comm(unlearner._handle(),
                                                  self._handle()))
        unlearner._forget_comm = self
        self._users.append(unlearner)

    def close(self) -> None:
        """Free the table (before MPI finalises). Refused while an
        unlearner attached to it is still open."""
        if self._h is None:
            return
        if any(not u.closed and getattr(u, "_forget_comm", None) is self
               for u in self._users):
            raise StateError("an unlearner attached to this Comm is still "
                             "open: close it first")
        self._lib.forget_mpi_comm_free(self._h)
        self._h = None
        self._users = []

    def __enter__(self) -> "Comm":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
