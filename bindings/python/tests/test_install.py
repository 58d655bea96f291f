"""How the package and its C library are found (libforget/_lib.py)."""
import ctypes.util
import os
import subprocess
import sys

import pytest

import libforget as lf
from libforget import _lib


def test_installed_copy_and_its_library():
    """make check-python: imported from the fresh venv, no PYTHONPATH; the
    library is the wheel's bundled copy, or LIBFORGET for a source install."""
    expect = os.environ.get("LIBFORGET_EXPECT")
    if not expect:
        pytest.skip("run by make check-python (LIBFORGET_EXPECT)")
    assert "PYTHONPATH" not in os.environ
    assert sys.prefix != sys.base_prefix  # a venv
    assert os.path.abspath(lf.__file__).startswith(os.path.abspath(sys.prefix))
    assert os.path.exists(os.path.join(os.path.dirname(lf.__file__), "py.typed"))
    if expect == "bundled":
        assert "LIBFORGET" not in os.environ
        assert lf.library_path() == _lib.BUNDLED and os.path.isfile(_lib.BUNDLED)
    else:
        assert lf.library_path() == os.environ["LIBFORGET"]
        assert not os.path.exists(_lib.BUNDLED)
    assert lf.version().count(".") == 2


def _fake_open(ok=()):
    tried = []

    def opener(target):
        tried.append(target)
        if target in ok:
            return "cdll:" + target
        raise OSError(f"{target}: cannot open shared object file")
    return opener, tried


def test_lookup_order(monkeypatch):
    """LIBFORGET, bundled copy, find_library, the system loader, then the
    prefixes: each is tried only when the ones before fail."""
    monkeypatch.delenv("LIBFORGET", raising=False)
    monkeypatch.setattr(os.path, "exists", lambda p: True)
    monkeypatch.setattr(ctypes.util, "find_library", lambda name: "libforget.so.0-found")
    prefixes = _lib._prefixes()
    assert prefixes[0] == "/usr/local/lib/libforget.so.0"
    assert prefixes[-1] == "/usr/lib/libforget.so.0"
    order = [_lib.BUNDLED, "libforget.so.0-found", "libforget.so.0"] + prefixes
    for k, winner in enumerate(order):
        opener, tried = _fake_open(ok=(winner,))
        monkeypatch.setattr(_lib, "_open", opener)
        assert _lib._search() == ("cdll:" + winner, winner)
        assert tried == order[:k + 1]
    # LIBFORGET comes first, and a failing one is an error at once
    monkeypatch.setenv("LIBFORGET", "/opt/x/libforget.so.0")
    opener, tried = _fake_open(ok=("/opt/x/libforget.so.0", _lib.BUNDLED))
    monkeypatch.setattr(_lib, "_open", opener)
    assert _lib._search()[1] == "/opt/x/libforget.so.0" and len(tried) == 1
    opener, tried = _fake_open(ok=(_lib.BUNDLED,))
    monkeypatch.setattr(_lib, "_open", opener)
    with pytest.raises(lf.LibraryNotFoundError, match="LIBFORGET='/opt/x/libforget.so.0'"):
        _lib._search()
    assert tried == ["/opt/x/libforget.so.0"]


def test_not_found_says_where_and_what_to_do(monkeypatch):
    monkeypatch.delenv("LIBFORGET", raising=False)
    monkeypatch.setattr(_lib, "BUNDLED", "/nonexistent/_native/libforget.so.0")
    monkeypatch.setattr(ctypes.util, "find_library", lambda name: None)
    real_exists = os.path.exists
    monkeypatch.setattr(os.path, "exists",
                        lambda p: False if p.startswith(("/usr/", "/nonexistent")) else real_exists(p))
    opener, tried = _fake_open()
    monkeypatch.setattr(_lib, "_open", opener)
    with pytest.raises(lf.LibraryNotFoundError) as e:
        _lib._search()
    msg = str(e.value)
    assert isinstance(e.value, OSError) and isinstance(e.value, lf.ForgetError)
    assert tried == ["libforget.so.0"]  # only the loader: everything else is absent
    for place in ("$LIBFORGET: not set", "package (/nonexistent/_native/libforget.so.0): absent",
                  'find_library("forget"): nothing', "the system loader",
                  "cannot open shared object file", "/usr/local/lib/libforget.so.0: absent",
                  "/usr/lib/libforget.so.0: absent"):
        assert place in msg, place
    for fix in ("LIBFORGET=", "libforget.load(path)", "make install", "make python-wheel"):
        assert fix in msg, fix


def test_a_bad_library_is_refused():
    class Empty:  # no forget_* symbols at all
        pass
    with pytest.raises(lf.VersionError, match="lacks forget_strerror"):
        _lib._configure(Empty(), "/x/libforget.so.0")


def test_load_once():
    path = lf.library_path()
    assert lf.load(path) is lf.load()
    with pytest.raises(lf.VersionError, match="loaded already"):
        lf.load("/elsewhere/libforget.so.0")


def test_fresh_process_with_a_wrong_libforget():
    """Importing never needs the library; the first call says what failed."""
    env = dict(os.environ, LIBFORGET="/nonexistent/libforget.so.0")
    code = ("import libforget as lf\n"
            "try:\n    lf.version()\n"
            "except OSError as e:\n    print(type(e).__name__, e)\n")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, check=True).stdout
    assert out.startswith("LibraryNotFoundError LIBFORGET='/nonexistent/libforget.so.0'")
