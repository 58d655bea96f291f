"""The exception classes: one per FORGET_E_* code, each also the matching
built-in, raised with the library's message."""
import pickle

import numpy as np
import pytest

import libforget as lf

# code: (class, built-in or None)
CLASSES = {
    -1: (lf.InvalidArgumentError, ValueError),
    -2: (lf.OutOfMemoryError, MemoryError),
    -3: (lf.ForgetIOError, OSError),
    -4: (lf.FormatError, ValueError),
    -5: (lf.NotFoundError, KeyError),
    -6: (lf.ExistsError, None),
    -7: (lf.VersionError, None),
    -8: (lf.NumericError, ArithmeticError),
    -9: (lf.CanceledError, None),
    -10: (lf.UnsupportedError, NotImplementedError),
    -11: (lf.StateError, RuntimeError),
    -12: (lf.ParamError, ValueError),
    -13: (lf.InternalError, None),
}


@pytest.mark.parametrize("code", sorted(CLASSES))
def test_every_code(code):
    cls, builtin = CLASSES[code]
    assert lf.error_class(code) is cls and cls.code == code
    e = cls("parameter 'x' is wrong", code)
    assert isinstance(e, lf.ForgetError)
    if builtin is not None:
        assert isinstance(e, builtin)
    assert e.code == code and e.message == "parameter 'x' is wrong"
    assert str(e) == "parameter 'x' is wrong"  # KeyError would quote it
    back = pickle.loads(pickle.dumps(e))
    assert type(back) is cls and back.code == code and str(back) == str(e)
    text = lf.strerror(code)
    assert text and text != lf.strerror(-99)  # each code has its own text


def test_unknown_code_is_the_base():
    assert lf.error_class(-99) is lf.ForgetError and lf.error_class(0) is lf.ForgetError


def test_oserror_subclass_is_not_parsed_as_errno():
    e = lf.ForgetIOError("cannot open '/x': No such file", -3)
    assert e.errno is None and str(e) == "cannot open '/x': No such file"


def test_library_errors_arrive_as_their_class(tmp_path, data):
    """One real failure per reachable code: class, built-in, code, message."""
    cases = []

    def expect(code, fn, needle):
        with pytest.raises(CLASSES[code][0]) as e:
            fn()
        assert e.value.code == code and needle in e.value.message, e.value.message
        if CLASSES[code][1] is not None:
            assert isinstance(e.value, CLASSES[code][1])
        cases.append(code)

    expect(-1, lambda: lf.Dataset(np.ones((3, 0)), [0, 1, 2]), "")
    expect(-3, lambda: lf.Model.load(tmp_path / "missing.fgm"), "missing.fgm")
    expect(-4, lambda: lf.Model.from_bytes(b"not a model file at all" * 4), "")
    expect(-5, lambda: lf.Model("cnn"), "cnn")
    expect(-12, lambda: lf.Model("mlp", layers=[4, 3], act="sigmoid"), "act")
    with lf.Model("mlp", layers=[4, 8, 3]) as m:
        expect(-8, lambda: m.train(data, lr=100, epochs=20), "")
        with lf.Unlearner("ssd", m) as u:
            expect(-11, lambda: u.forget(data), "prepare")
            u.prepare(data)
            expect(-10, lambda: u.forget_ids([1]), "ssd")
        path = tmp_path / "m.fgm"
        m.save(path)
    try:
        lf.set_limit("max_bytes", 64)
        expect(-2, lambda: lf.Model.load(path), "forget_set_limit")
    finally:
        lf.set_limit("max_bytes", 0)
    assert lf.get_limit("max_bytes") == 2**31
    assert sorted(cases) == [-12, -11, -10, -8, -5, -4, -3, -2, -1]
