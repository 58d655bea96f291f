"""The public headers through cffi: tools/cdef.py (make cdef) must give a
cdef that cffi parses, and calls through it must work. The library is the
one the libforget package found (the bundled copy, LIBFORGET, the system)."""
import os
import subprocess
import sys

import pytest

import libforget

cffi = pytest.importorskip("cffi")
ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "..")


@pytest.fixture(scope="module")
def ffi_lib():
    cdef = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "cdef.py"),
                           os.path.join(ROOT, "include", "forget")],
                          check=True, capture_output=True, text=True).stdout
    ffi = cffi.FFI()
    ffi.cdef(cdef)
    lib = ffi.dlopen(libforget.library_path())
    assert lib.forget_init() == 0
    yield ffi, lib
    lib.forget_shutdown()


def test_constants_and_version(ffi_lib):
    ffi, lib = ffi_lib
    assert lib.FORGET_E_NOT_FOUND == -5 and lib.FORGET_TASK_REGRESSION == 2
    assert lib.FORGET_DIGEST_SIZE == 32 and lib.FORGET_JOURNAL_REPAIR == 1  # "1u" in the header
    assert lib.forget_version_number() == lib.FORGET_VERSION_NUMBER
    assert ffi.string(lib.forget_strerror(lib.FORGET_E_NOMEM)) == b"out of memory"


def test_unlearn_through_cffi(ffi_lib):
    ffi, lib = ffi_lib
    n = 100
    x = ffi.new("float[]", [float(i % 10) / 10 - 0.45 for i in range(n)] * 1)
    y = ffi.new("int32_t[]", [1 if i % 10 >= 5 else 0 for i in range(n)])
    ds = ffi.new("forget_dataset **")
    assert lib.forget_dataset_create(ds, n, 1, x, y, ffi.NULL) == 0
    m = ffi.new("forget_model **")
    assert lib.forget_model_create(m, b"analytic", b"inputs=1 outputs=2") == 0
    u = ffi.new("forget_unlearner **")
    assert lib.forget_unlearner_create(u, b"analytic", m[0], b"") == 0
    assert lib.forget_unlearner_prepare(u[0], ds[0]) == 0
    ids = ffi.new("uint64_t[]", [3, 4])
    sub = ffi.new("forget_dataset **")
    assert lib.forget_dataset_subset_ids(sub, ds[0], ids, 2) == 0
    assert lib.forget_unlearner_forget(u[0], sub[0]) == 0
    acc = ffi.new("double *")
    assert lib.forget_eval_accuracy(m[0], ds[0], acc) == 0 and acc[0] > 0.8
    missing = ffi.new("uint64_t[]", [777])
    assert lib.forget_dataset_subset_ids(sub, ds[0], missing, 1) == lib.FORGET_E_NOT_FOUND
    assert b"777" in ffi.string(lib.forget_last_error())
    lib.forget_dataset_free(sub[0])
    lib.forget_unlearner_free(u[0])
    lib.forget_model_free(m[0])
    lib.forget_dataset_free(ds[0])


def test_scorecard_struct_through_cffi(ffi_lib):
    """forget_scorecard as the cdef declares it: the caller sets
    struct_size, a model judged against itself has every gap 0, and a
    missing original leaves NaN."""
    ffi, lib = ffi_lib
    n = 60
    x = ffi.new("float[]", [float(i % 10) / 10 - 0.45 for i in range(n)])
    y = ffi.new("int32_t[]", [1 if i % 10 >= 5 else 0 for i in range(n)])
    ds = ffi.new("forget_dataset **")
    assert lib.forget_dataset_create(ds, n, 1, x, y, ffi.NULL) == 0
    m = ffi.new("forget_model **")
    assert lib.forget_model_create(m, b"analytic", b"inputs=1 outputs=2") == 0
    assert lib.forget_model_train(m[0], ds[0], ffi.NULL) == 0
    sc = ffi.new("forget_scorecard *")
    sc.struct_size = ffi.sizeof("forget_scorecard") - 1
    assert lib.forget_eval_scorecard(m[0], ffi.NULL, m[0], ds[0], ds[0], ds[0],
                                     sc) == lib.FORGET_E_VERSION
    assert sc.forget_acc == 0  # untouched
    sc.struct_size = ffi.sizeof("forget_scorecard")
    assert lib.forget_eval_scorecard(m[0], ffi.NULL, m[0], ds[0], ds[0], ds[0],
                                     sc) == 0
    assert sc.forget_acc > 0.8 and sc.gap_mia == 0 and sc.avg_gap == 0
    assert sc.orig_test_acc != sc.orig_test_acc  # NaN: no original given
    lib.forget_model_free(m[0])
    lib.forget_dataset_free(ds[0])
