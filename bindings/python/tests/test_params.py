"""Parameters as keywords and dicts, written as the C parser reads them."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import libforget as lf

# any text the C side can carry: no NUL, no lone surrogates
TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\0"),
               max_size=40)
KEYS = st.from_regex(r"[a-z0-9_]{1,12}", fullmatch=True)


def test_examples():
    assert lf.format_params(layers=[784, 64, 10], act="relu") == "layers=784-64-10 act=relu"
    assert lf.format_params("seed=2", shuffle=False) == "seed=2 shuffle=false"
    assert lf.format_params({"a": True, "b": None, "c": 0.5}, d=np.int64(3)) == "a=true c=0.5 d=3"
    assert lf.format_params(train={"batch": 16, "lr": 0.1}) == 'train="batch=16 lr=0.1"'
    assert lf.format_params(store="/data/my dir") == 'store="/data/my dir"'
    assert lf.format_params(delimiter=",") == 'delimiter=","'
    assert lf.format_params(x="") == 'x=""'
    assert lf.format_params() == "" and lf.format_params("  ") == ""


@given(st.dictionaries(KEYS, TEXT, max_size=5))
def test_text_values_round_trip(values):
    """parse_params (the C grammar, lib/util/params.c) gives back every value."""
    assert lf.parse_params(lf.format_params(values)) == values


@given(st.dictionaries(KEYS, st.one_of(st.integers(-2**63, 2**63 - 1), st.booleans(),
                                       st.floats(allow_nan=False, allow_infinity=False)),
                       max_size=5))
def test_scalar_values_round_trip(values):
    back = lf.parse_params(lf.format_params(values))
    assert set(back) == set(values)
    for k, v in values.items():
        if isinstance(v, bool):
            assert back[k] == ("true" if v else "false")
        elif isinstance(v, int):
            assert int(back[k]) == v
        else:
            assert float(back[k]) == v  # repr round-trips exactly


@settings(max_examples=60, deadline=None)
@given(TEXT)
def test_the_library_reads_the_same_text(value):
    """The C parser receives exactly the value: its error echoes it."""
    if value in ("classification", "regression"):
        return
    with pytest.raises(lf.ParamError) as e:
        lf.Model("linear", inputs=2, outputs=2, task=value)
    assert f"'{value}' is not one of classification|regression" in e.value.message


@pytest.mark.parametrize("bad, exc", [
    ({"Bad": 1}, lf.InvalidArgumentError), ({"a b": 1}, ValueError),
    ({"x": math.nan}, ValueError), ({"x": math.inf}, ValueError),
    ({"x": "a\0b"}, ValueError), ({"x": object()}, TypeError),
    ({"x": [[1, 2]]}, TypeError), ({"x": b"bytes"}, TypeError),
])
def test_refused_before_c(bad, exc):
    with pytest.raises(exc):
        lf.format_params(bad)


def test_strings_dicts_and_keywords_reach_the_library(data):
    a = lf.Model("mlp", "layers=4-8-3 act=tanh seed=3")
    b = lf.Model("mlp", {"layers": (4, 8, 3), "act": "tanh"}, seed=3)
    c = lf.Model("mlp", layers=np.array([4, 8, 3]), act="tanh", seed=3)
    assert a.creation_params == b.creation_params == c.creation_params
    assert lf.parse_params(a.creation_params) == {"layers": "4-8-3", "act": "tanh",
                                                  "task": "classification", "seed": "3"}
    assert a.digest() == b.digest() == c.digest()
    with pytest.raises(lf.ParamError, match="given twice"):
        lf.Model("mlp", "layers=4-3", layers=[4, 3])
    sisa = lf.Unlearner("sisa", a, shards=2, slices=1, train={"batch": 16, "lr": 0.1})
    sisa.prepare(data)
    assert sisa.report["seconds"] >= 0


def test_tables():
    kinds = lf.model_kinds()
    assert {"linear", "mlp", "analytic"} <= set(kinds)
    layers = next(p for p in kinds["mlp"] if p.name == "layers")
    assert layers.type == "string" and layers.default is None  # required
    act = next(p for p in kinds["mlp"] if p.name == "act")
    assert act.type == "enum" and "relu" in act.choices and act.default == "relu"
    epochs = next(p for p in lf.train_params() if p.name == "epochs")
    assert epochs.type == "int" and epochs.min is not None and epochs.min <= 5 <= epochs.max
    m = lf.methods()
    assert list(m)[:3] == ["ssd", "analytic", "sisa"]
    assert m["sisa"].exact and not m["ssd"].exact and m["ssd"].description
    alpha = next(p for p in m["ssd"].params if p.name == "alpha")
    assert alpha.default == "2" and alpha.type == "double" and alpha.doc
