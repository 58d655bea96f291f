"""Models: training, prediction on arrays and datasets, parameters and
blocks, files and buffers, copies, metrics."""
import copy
import pathlib
import pickle

import numpy as np
import pytest

import libforget as lf


def test_train_and_predict(data, xy):
    x, y = xy
    with lf.Model("mlp", layers=[4, 8, 3], seed=2) as m:
        assert m.kind == "mlp" and m.task == "classification"
        assert (m.inputs, m.outputs, m.param_count) == (4, 3, 4 * 8 + 8 + 8 * 3 + 3)
        assert m.train_report == {}
        assert m.train(data, epochs=20, batch=16) is m
        rep = m.train_report
        assert rep["epochs"] == 20 and rep["steps"] == 20 * 19 and rep["final_loss"] < 0.3
        p = m.predict_proba(data)
        assert p.shape == (300, 3) and p.dtype == np.float32
        assert np.allclose(p.sum(axis=1), 1, atol=1e-5)
        assert np.array_equal(p, m.predict_proba(x))           # dataset == array
        assert np.array_equal(m.predict(x), p.argmax(axis=1))  # labels
        assert m.predict(data).dtype == np.int64
        assert m.accuracy(data) == pytest.approx(np.mean(m.predict(x) == y))
        assert m.accuracy(data) > 0.95 and m.loss(data) < 0.3


def test_params_and_blocks():
    with lf.Model("mlp", layers=[5, 7, 4, 3], seed=9) as m:
        blocks = m.blocks()
        assert [b.name for b in blocks] == ["dense0.weight", "dense0.bias", "dense1.weight",
                                            "dense1.bias", "dense2.weight", "dense2.bias"]
        assert [b.shape for b in blocks] == [(7, 5), (7,), (4, 7), (4,), (3, 4), (3,)]
        offset = 0
        for b in blocks:  # contiguous, in order, covering the vector
            assert b.offset == offset
            offset += int(np.prod(b.shape))
        assert offset == m.param_count
        # dense0.weight is outputs x inputs: check it against a forward pass
        w = m.params
        W0 = w[0:35].reshape(7, 5)
        assert np.all(np.abs(W0) <= 1 / np.sqrt(5) + 1e-7)  # U(-1/sqrt(fan_in), ..)
        # set and get back; wrong sizes and non-finite values change nothing
        v = np.linspace(-1, 1, m.param_count)
        m.params = v
        assert np.array_equal(m.params, v.astype(np.float32))
        for bad in (np.zeros(3), np.zeros((2, m.param_count)), np.full(m.param_count, np.nan)):
            with pytest.raises(ValueError):
                m.params = bad
        assert np.array_equal(m.params, v.astype(np.float32))
    with lf.Model("analytic", inputs=4, outputs=3) as a:
        assert a.blocks()[0].shape[0] == 3


def test_files_buffers_and_pickles(tmp_path, mlp, data):
    d = mlp.digest()
    assert len(d) == 32
    for path in (tmp_path / "m.fgm", str(tmp_path / "m2.fgm")):
        mlp.save(path)
        with lf.Model.load(path) as back:
            assert back.digest() == d and np.array_equal(back.params, mlp.params)
    raw = mlp.to_bytes()
    assert raw == pathlib.Path(tmp_path / "m.fgm").read_bytes()  # a real model file
    with lf.Model.from_bytes(raw) as back:
        assert back.digest() == d
    for c in (pickle.loads(pickle.dumps(mlp)), copy.deepcopy(mlp), copy.copy(mlp), mlp.clone()):
        assert c.digest() == d and c._h != mlp._h
        c.params = np.zeros(c.param_count)  # independent
        assert mlp.digest() == d and c.digest() != d
        c.close()
        assert mlp.accuracy(data) > 0.9  # still alive
    with pytest.raises(lf.FormatError):
        lf.Model.from_bytes(raw[:-7])
    with pytest.raises(lf.FormatError):
        lf.Model.from_bytes(b"")


def test_trunk_and_parts(data, mlp):
    with lf.Model.create_trunk(mlp, gamma=0.1) as head:
        assert head.kind == "analytic" and head.outputs == 3
        head.train(data)
        assert head.accuracy(data) > 0.9
    with lf.Unlearner("sisa", mlp, shards=3, slices=1, epochs=2, train={"batch": 16}) as u:
        u.prepare(data)
        parts = u.model.parts()
        assert len(parts) == 3 and all(p.kind == "mlp" for p in parts)
        mean = np.mean([p.predict_proba(data) for p in parts], axis=0)
        assert np.allclose(mean, u.model.predict_proba(data), atol=1e-5)
    assert mlp.parts() == []


def test_metrics(data, mlp, xy):
    x, y = xy
    pred = mlp.predict(x)
    conf = mlp.confusion(data)
    assert conf.shape == (3, 3) and conf.sum() == 300
    for i in range(3):
        for j in range(3):
            assert conf[i, j] == np.sum((y == i) & (pred == j))
    ca = mlp.class_accuracy(data)
    assert np.allclose(ca, [np.mean(pred[y == k] == k) for k in range(3)])
    with data.subset(range(150)) as a, data.without(range(150)) as b:
        auc = mlp.loss_auc(a, b)
        mia = mlp.mia(a, b, a)
        assert 0 <= auc <= 1 and 0 <= mia <= 1
    with mlp.clone() as c:
        assert mlp.param_distance(c) == (0.0, 0.0)
        assert mlp.output_distance(c, data) == (0.0, 0.0)
        w = c.params
        w[3] += 0.5
        w[7] -= 1.5
        c.params = w
        l2, mx = mlp.param_distance(c)
        assert l2 == pytest.approx(np.hypot(0.5, 1.5), rel=1e-6) and mx == pytest.approx(1.5)
        mx, mean = mlp.output_distance(c, data)
        diff = np.abs(mlp.predict_proba(x) - c.predict_proba(x))
        assert mx == pytest.approx(diff.max(), abs=1e-6)
        assert mean == pytest.approx(diff.mean(), abs=1e-6)
    with pytest.raises(TypeError):
        mlp.param_distance(data)
    with lf.Model("mlp", layers=[4, 5, 3]) as other, pytest.raises(ValueError):
        mlp.param_distance(other)


def test_closed_model(mlp, data):
    m = mlp.clone()
    m.close()
    assert m.closed and "closed" in repr(m)
    for use in (lambda: m.params, lambda: m.predict(data), lambda: m.train(data),
                lambda: m.save("/tmp/x.fgm"), lambda: m.digest(), lambda: m.blocks(),
                lambda: pickle.dumps(m), lambda: copy.deepcopy(m), lambda: m.accuracy(data),
                lambda: mlp.param_distance(m), lambda: lf.Unlearner("ssd", m)):
        with pytest.raises(lf.StateError, match="Model is closed"):
            use()
