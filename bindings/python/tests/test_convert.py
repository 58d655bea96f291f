"""Inputs are checked, never coerced silently: labels, ids, features."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import libforget as lf

N = st.integers(1, 40)


def _bad_at(n, i, good, bad):
    v = [good] * n
    v[i] = bad
    return v


@settings(max_examples=80)
@given(st.data())
def test_labels_name_the_first_bad_index(d):
    n = d.draw(N)
    i = d.draw(st.integers(0, n - 1))
    bad = d.draw(st.sampled_from([0.9, 1.7, -1, -3.0, 2**31, 2.0**40, np.nan, np.inf, 2**63]))
    y = np.array(_bad_at(n, i, 1, bad))
    if i + 1 < n:  # a later bad value is not the one named
        y = np.array(_bad_at(n, i, 1, bad) [:i + 1] + [-7] * (n - i - 1), dtype=y.dtype)
    with pytest.raises(ValueError) as e:
        lf.Dataset(np.zeros((n, 2)), y)
    assert isinstance(e.value, lf.InvalidArgumentError)
    assert f"labels[{i}] = " in str(e.value)


def test_float_labels_are_not_truncated():
    with pytest.raises(ValueError, match=r"labels\[0\] = 0.9 is not an integer"):
        lf.Dataset(np.zeros((2, 1)), [0.9, 1.7])
    # integral floats, bools and every integer dtype are fine
    for y in ([0.0, 2.0], [False, True], np.array([0, 2], np.uint8), np.array([1, 0], np.int64)):
        with lf.Dataset(np.zeros((2, 1)), y) as ds:
            assert list(ds.labels) == [int(v) for v in y]


@settings(max_examples=80)
@given(st.data())
def test_ids_name_the_first_bad_index(d):
    n = d.draw(N)
    i = d.draw(st.integers(0, n - 1))
    bad = d.draw(st.sampled_from([-1, -2**40, 1.5, 2**64, 2**70, np.nan, "dup"]))
    ids = list(range(10, 10 + n))
    if bad == "dup":
        if i == 0:
            return
        j = d.draw(st.integers(0, i - 1))
        ids[i] = ids[j]
        expect = f"ids[{i}] = {ids[j]} repeats ids[{j}]"
    else:
        ids[i] = bad
        expect = f"ids[{i}] = "
    with pytest.raises(ValueError) as e:
        lf.Dataset(np.zeros((n, 1)), np.zeros(n, int), ids=ids)
    assert expect in str(e.value)


def test_ids_keep_every_bit(data):
    big = [0, 2**64 - 1, 2**63, 2**53 + 1]
    with lf.Dataset(np.zeros((4, 1)), [0, 1, 0, 1], ids=big) as ds:
        assert [int(v) for v in ds.ids] == big
        assert ds.find(2**64 - 1) == 1 and ds.find(np.uint64(2**53 + 1)) == 3
        assert 2**63 in ds and 5 not in ds
        with pytest.raises(KeyError):
            ds.find(5)
        with pytest.raises(ValueError, match="id = -1 is negative"):
            ds.find(-1)
        with pytest.raises(ValueError, match="exceeds 2\\*\\*64-1"):
            ds.subset([2**64])
        with pytest.raises(TypeError):
            ds.subset([True])
    with pytest.raises(ValueError, match=r"ids\[1\] = 2.5 is not an integer"):
        data.subset([1, 2.5])
    with pytest.raises(ValueError, match=r"ids\[2\] = 1 repeats ids\[0\]"):
        data.without([1, 3, 1])


@settings(max_examples=30, deadline=None)
@given(st.sampled_from([np.float64, np.float32, np.float16, np.int32, np.uint8]),
       st.sampled_from(["C", "F"]), st.integers(1, 30), st.integers(0, 2**32 - 1))
def test_features_one_conversion(dtype, order, n, seed):
    """Any real dtype, either order: the same as a C-contiguous float32 copy."""
    rng = np.random.default_rng(seed)
    x = np.asarray(rng.normal(0, 3, (n, 4)), dtype=dtype, order=order)
    ref = np.ascontiguousarray(x, dtype=np.float32)
    with lf.Dataset(x, np.zeros(n, int)) as ds:
        assert np.array_equal(ds.x, ref)
    with lf.Model("linear", inputs=4, outputs=3, seed=seed % 1000 + 1) as m:
        assert np.array_equal(m.predict_proba(x), m.predict_proba(ref))
        assert np.array_equal(m.predict_proba(x[::-1]), m.predict_proba(ref[::-1]))


def test_features_refused(data):
    x = np.zeros((3, 2))
    x[2, 1] = 1e300  # finite in float64, not in float32
    with pytest.raises(ValueError, match=r"x\[2, 1\] = 1e\+300 is outside float32's range"):
        lf.Dataset(x, [0, 1, 0])
    x[2, 1] = np.nan
    with pytest.raises(ValueError, match=r"x\[2, 1\] = nan is not finite"):
        lf.Dataset(x, [0, 1, 0])
    with pytest.raises(ValueError, match="2-D"):
        lf.Dataset(np.zeros(3), [0, 1, 0])
    with pytest.raises(TypeError):
        lf.Dataset(np.array([["a", "b"]]), [0])
    with pytest.raises(TypeError):
        lf.Dataset(np.ones((1, 2), complex), [0])
    with lf.Model("linear", inputs=4, outputs=3) as m:
        with pytest.raises(ValueError, match="the model takes 4"):
            m.predict(np.zeros((2, 5)))
        with pytest.raises(ValueError, match=r"X\[1, 0\] = inf is not finite"):
            m.predict([[0, 0, 0, 0], [np.inf, 0, 0, 0]])
        assert m.predict(np.zeros((0, 4))).shape == (0,)


def test_targets(data):
    with lf.Dataset(np.ones((3, 2)), targets=[1.0, 2.0, 3.0]) as ds:
        assert ds.task == "regression" and ds.target_dim == 1 and ds.labels is None
        assert ds.targets.shape == (3, 1) and list(ds.targets[:, 0]) == [1, 2, 3]
    with pytest.raises(ValueError, match=r"targets\[1, 0\] = nan"):
        lf.Dataset(np.ones((3, 2)), targets=[1.0, np.nan, 3.0])
    with pytest.raises(ValueError, match="one value or row per sample"):
        lf.Dataset(np.ones((3, 2)), targets=[1.0, 2.0])
    with pytest.raises(ValueError, match="not both"):
        lf.Dataset(np.ones((3, 2)), [0, 1, 0], targets=[1.0, 2.0, 3.0])


def test_paths_and_names(tmp_path, mlp):
    with pytest.raises(ValueError, match="NUL"):
        mlp.save(str(tmp_path / "a\0b"))
    with pytest.raises(TypeError):
        mlp.save(42)
    with pytest.raises(ValueError, match="NUL"):
        lf.Model("ml\0p")
    with pytest.raises(ValueError, match="empty"):
        mlp.save("")


def test_text_and_buffers_are_not_numbers(data):
    with pytest.raises(TypeError, match="text"):
        data.find("7")
    with pytest.raises(TypeError):
        data.subset(np.array([1, "2"], dtype=object))
    with pytest.raises(TypeError, match="bytes-like"):
        lf.Model.from_bytes(5)  # bytes(5) would be five zero bytes
    with pytest.raises(TypeError, match="labels"):
        lf.Dataset(np.zeros((2, 1)), [0, None])
