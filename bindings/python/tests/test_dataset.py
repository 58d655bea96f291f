"""Datasets: contents, subsets, loaders, copies, closing."""
import copy
import gzip
import pickle
import struct

import numpy as np
import pytest

import libforget as lf


def test_contents(xy):
    x, y = xy
    ids = np.arange(1000, 1000 + len(y), dtype=np.uint64)[::-1].copy()
    with lf.Dataset(x, y, ids=ids) as ds:
        assert len(ds) == 300 and ds.features == 4 and ds.shape == (300, 4)
        assert ds.task == "classification" and ds.classes == 3 and ds.target_dim == 0
        assert ds.labeled and ds.targets is None
        assert np.array_equal(ds.x, x) and np.array_equal(ds.labels, y)
        assert np.array_equal(ds.ids, ids) and ds.ids.dtype == np.uint64
        for k in (0, 17, 299):
            assert ds.find(ids[k]) == k
        assert "300 rows x 4 features, classification" in repr(ds)


def test_subsets_keep_source_order(data, xy):
    x, y = xy
    rng = np.random.default_rng(5)
    for _ in range(10):
        pick = rng.choice(300, size=rng.integers(1, 50), replace=False)
        with data.subset(pick) as s, data.without(pick) as w:
            assert list(s.ids) == sorted(pick)  # the source's order, not the request's
            assert len(w) == 300 - len(pick) and not set(w.ids) & set(pick)
            assert np.array_equal(s.x, x[np.sort(pick)])
            with data.complement(s) as c:
                assert np.array_equal(c.ids, w.ids)
    with data.of_class(2) as c:
        assert len(c) == 100 and set(c.labels) == {2} and c.classes == 3
    with data.slice(10, 20) as s, data[10:20] as t, data[-5:] as u:
        assert list(s.ids) == list(t.ids) == list(range(10, 20))
        assert list(u.ids) == list(range(295, 300))
    with pytest.raises(lf.NotFoundError, match="99999"):
        data.subset([99999])
    with pytest.raises(ValueError):
        data.slice(5, 400)
    with pytest.raises(ValueError, match="step 1"):
        data[::2]
    with pytest.raises(TypeError):
        data[3]


def test_unlabeled_is_for_prediction(xy, mlp):
    x, _ = xy
    with lf.Dataset(x) as ds:
        assert not ds.labeled and ds.labels is None and len(ds) == 300
        assert np.array_equal(mlp.predict(ds), mlp.predict(x))
        with ds.subset([1, 2]) as s:
            assert not s.labeled and np.array_equal(mlp.predict(s), mlp.predict(x[1:3]))
        for call in (lambda: mlp.accuracy(ds), lambda: mlp.train(ds),
                     lambda: lf.Unlearner("ssd", mlp).prepare(ds)):
            with pytest.raises(ValueError, match="no labels"):
                call()


def test_regression(tmp_path):
    rng = np.random.default_rng(2)
    x = rng.normal(size=(50, 3))
    t = x @ np.array([[1.0, -2.0], [0.5, 0.0], [0.0, 3.0]])
    with lf.Dataset(x, targets=t, ids=range(100, 150)) as ds:
        assert ds.task == "regression" and ds.target_dim == 2 and ds.classes == 0
        assert np.allclose(ds.targets, t, atol=1e-6)
        with lf.Model("linear", inputs=3, outputs=2, task="regression") as m:
            m.train(ds, epochs=200, lr=0.05, batch=10)
            assert m.loss(ds) < 1e-3
            assert m.predict(x).shape == (50, 2)
            with pytest.raises(lf.UnsupportedError):
                m.predict_proba(x)


def test_loaders_take_paths_and_keywords(tmp_path):
    csv = tmp_path / "d.csv"
    csv.write_text("f1;f2;label\n0.5;2;1\n1.5;3;0\n")
    with lf.Dataset.from_csv(csv, label=-1, header=True, delimiter=";") as ds:
        assert len(ds) == 2 and ds.features == 2 and list(ds.labels) == [1, 0]
        assert np.allclose(ds.x, [[0.5, 2], [1.5, 3]])
    bad = tmp_path / "bad.csv"
    bad.write_text("1,x\n")
    with pytest.raises(lf.FormatError, match="line 1"):
        lf.Dataset.from_csv(bad)
    # IDX: 3 images of 2x2 unsigned bytes, gzip'ed images, plain labels
    img, lab = tmp_path / "img.idx.gz", tmp_path / "lab.idx"
    with gzip.open(img, "wb") as f:
        f.write(struct.pack(">IIII", 0x0803, 3, 2, 2) + bytes(range(0, 120, 10)))
    lab.write_bytes(struct.pack(">II", 0x0801, 3) + bytes([2, 0, 1]))
    with lf.Dataset.from_idx(img, lab, normalize=False) as ds:
        assert ds.shape == (3, 4) and list(ds.labels) == [2, 0, 1]
        assert np.array_equal(ds.x.ravel(), np.arange(0, 120, 10))
    with lf.Dataset.from_idx(str(img), str(lab), {"storage": "bytes"}) as ds:
        assert np.allclose(ds.x.ravel(), np.arange(0, 120, 10) / 255)
        with copy.deepcopy(ds) as c:  # bytes become floats of the same values
            assert np.array_equal(c.x, ds.x)


def test_copies(xy):
    x, y = xy
    with lf.Dataset(x, y, ids=range(7, 307)) as ds:
        for c in (pickle.loads(pickle.dumps(ds)), copy.deepcopy(ds), copy.copy(ds)):
            assert c is not ds and c._h != ds._h
            assert np.array_equal(c.x, x) and np.array_equal(c.labels, y)
            assert np.array_equal(c.ids, ds.ids)
            c.close()
            assert len(ds) == 300  # the original is untouched
        with ds.of_class(0) as sub:
            assert pickle.loads(pickle.dumps(sub)).classes == 1  # documented
    with lf.Dataset(x) as u:
        assert not pickle.loads(pickle.dumps(u)).labeled
    with lf.Dataset(x, targets=y.astype(float)) as r:
        assert pickle.loads(pickle.dumps(r)).task == "regression"


def test_closed(xy):
    ds = lf.Dataset(*xy)
    ds.close()
    ds.close()  # idempotent
    assert ds.closed and repr(ds) == "<Dataset closed>"
    for use in (len, lambda d: d.x, lambda d: d.ids, lambda d: d.subset([1]),
                lambda d: d.find(1), lambda d: pickle.dumps(d)):
        with pytest.raises(lf.StateError, match="Dataset is closed"):
            use(ds)
