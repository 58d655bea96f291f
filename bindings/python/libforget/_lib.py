"""Finding and loading the C library, once per process.

Lookup order (the first that loads wins):

1. an explicit ``libforget.load(path)`` before any other call;
2. the environment variable ``LIBFORGET`` (a path);
3. the copy bundled in the wheel, ``libforget/_native/libforget.so.0``;
4. ``ctypes.util.find_library("forget")`` (the ldconfig cache);
5. ``libforget.so.0`` through the system loader (``LD_LIBRARY_PATH``,
   RUNPATH, the ldconfig cache);
6. the usual prefixes: ``/usr/local/lib``, ``/usr/local/lib/<multiarch>``,
   ``/usr/lib/<multiarch>``, ``/usr/lib``.

An explicit path or ``LIBFORGET`` that fails to load is an error at once
(no silent fallback to another copy). When nothing loads, the error lists
every place tried and what to do.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os
import sysconfig
import threading
from typing import List, Optional, Tuple, Union

from . import _signatures
from .errors import LibraryNotFoundError, VersionError

__all__ = ["load", "lib", "library_path"]

ABI_MAJOR = 0  # the SONAME major this package speaks (libforget.so.0)
SONAME = f"libforget.so.{ABI_MAJOR}"
BUNDLED = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_native",
                       SONAME)

_lib: Optional[ctypes.CDLL] = None
_path: Optional[str] = None
_load_lock = threading.Lock()


def _prefixes() -> List[str]:
    multiarch = sysconfig.get_config_var("MULTIARCH") or ""
    dirs = ["/usr/local/lib"]
    if multiarch:
        dirs += [f"/usr/local/lib/{multiarch}", f"/usr/lib/{multiarch}"]
    dirs.append("/usr/lib")
    return [os.path.join(d, SONAME) for d in dirs]


def _open(path: str) -> ctypes.CDLL:
    return ctypes.CDLL(path)


def _configure(cdll: ctypes.CDLL, where: str) -> None:
    missing = _signatures.apply(cdll)
    if missing:
        raise VersionError(
            f"the library loaded from {where} lacks {', '.join(missing)}: it "
            f"is older than this Python package; point LIBFORGET at a "
            f"current build or reinstall the package")
    number = cdll.forget_version_number()
    if number // 10000 != ABI_MAJOR:
        raise VersionError(
            f"the library loaded from {where} is version "
            f"{cdll.forget_version_string().decode()}; this package needs "
            f"major version {ABI_MAJOR}")
    rc = cdll.forget_init()
    if rc != 0:
        raise VersionError(f"forget_init failed ({rc}): "
                           f"{cdll.forget_last_error().decode('utf-8', 'replace')}")


def _search() -> Tuple[ctypes.CDLL, str]:
    tried: List[str] = []
    env = os.environ.get("LIBFORGET")
    if env:
        try:
            return _open(env), env
        except OSError as e:
            raise LibraryNotFoundError(
                f"LIBFORGET={env!r} could not be loaded: {e}. Point it at a "
                f"built libforget.so.0 (make; build/libforget.so.0) or unset "
                f"it to search the usual places") from None
    tried.append("$LIBFORGET: not set")
    attempts: List[Tuple[str, Optional[str]]] = []
    if os.path.exists(BUNDLED):
        attempts.append((f"the copy bundled in the package ({BUNDLED})", BUNDLED))
    else:
        tried.append(f"the copy bundled in the package ({BUNDLED}): absent")
    found = ctypes.util.find_library("forget")
    if found:
        attempts.append((f'ctypes.util.find_library("forget") -> {found}', found))
    else:
        tried.append('ctypes.util.find_library("forget"): nothing')
    attempts.append((f"the system loader ({SONAME}: LD_LIBRARY_PATH, RUNPATH, "
                     f"the ldconfig cache)", SONAME))
    for p in _prefixes():
        if os.path.exists(p):
            attempts.append((p, p))
        else:
            tried.append(f"{p}: absent")
    for label, target in attempts:
        try:
            return _open(target), target
        except OSError as e:
            tried.append(f"{label}: {e}")
    listing = "\n  - ".join(tried)
    raise LibraryNotFoundError(
        f"the C library {SONAME} was not found. Looked in:\n  - {listing}\n"
        f"Do one of: build it (`make` in the libforget tree) and set "
        f"LIBFORGET=/path/to/build/{SONAME} (or call libforget.load(path) "
        f"first); install it (`make install`, then `ldconfig`); or install "
        f"the wheel made by `make python-wheel`, which bundles it.")


def load(path: Union[str, "os.PathLike[str]", None] = None) -> ctypes.CDLL:
    """Load the C library (once per process) and return its ctypes handle.

    ``path`` names the shared object to use; it must come before any other
    call of the package (a second library cannot replace the first: objects
    made by one must not reach the other). Without it the module
    documentation's lookup order applies. Raises
    :class:`LibraryNotFoundError` (an ``OSError``) with the places tried, or
    :class:`VersionError` when the library found is too old or too new.
    """
    global _lib, _path
    with _load_lock:
        if _lib is not None:
            if path is not None and os.fspath(path) != _path:
                raise VersionError(
                    f"libforget is loaded already from {_path}; load({path!r}) "
                    f"must come before any other call")
            return _lib
        if path is not None:
            where = os.fspath(path)
            try:
                cdll = _open(where)
            except OSError as e:
                raise LibraryNotFoundError(
                    f"load({where!r}): {e}") from None
        else:
            cdll, where = _search()
        _configure(cdll, where)
        _lib, _path = cdll, where
        return cdll


def lib() -> ctypes.CDLL:
    """The loaded library, loading it on first use."""
    return _lib if _lib is not None else load()


def library_path() -> str:
    """Where the loaded library came from (a path, or the name the system
    loader resolved); loads it first if needed."""
    lib()
    assert _path is not None
    return _path
