"""Handles never dangle: each test here crashed (SIGSEGV or use after free)
or failed with the single-module binding of 0.1.0."""
import copy
import gc
import pickle

import numpy as np
import pytest

import libforget as lf


def test_model_closed_while_an_unlearner_borrows_it(data):
    """Deferred: the Model object is closed at once, the C model lives until
    its last unlearner is closed, and the unlearner keeps working."""
    with lf.Model("mlp", layers=[4, 8, 3]) as m:
        m.train(data, epochs=10, batch=16)
        u = lf.Unlearner("ssd", m, alpha=1.5)
        u.prepare(data)
    assert m.closed  # the with block closed it
    with pytest.raises(lf.StateError, match="Model is closed"):
        m.digest()
    assert u.model is m  # still the same object, closed for its user
    with data.of_class(1) as f:
        assert u.forget(f)["dampened"] > 0
    blob = u.to_bytes()
    assert blob
    with pytest.raises(lf.StateError):
        pickle.dumps(u)  # needs its model's file, and the Model is closed
    u.close()
    gc.collect()


def test_a_second_unlearner_and_closing_in_any_order(data):
    m = lf.Model("analytic", inputs=4, outputs=3)
    u1 = lf.Unlearner("analytic", m, keep_rows=True).prepare(data)
    u2 = lf.Unlearner("analytic", m)
    m.close()
    u1.forget_ids([1, 2])
    u1.close()
    u2.prepare(data)  # the model still lives for u2
    with data.subset([7, 8]) as rows:
        assert u2.forget(rows)["rows"] == 2
    assert u2.model is m and m.closed
    u2.close()


def test_deepcopy_and_pickle_are_real_copies(mlp, data, xy):
    x, _ = xy
    want = mlp.predict_proba(x)
    c = copy.deepcopy(mlp)
    p = pickle.loads(pickle.dumps(mlp))
    mlp.close()            # closing the original ...
    del mlp
    gc.collect()
    assert np.array_equal(c.predict_proba(x), want)  # ... leaves the copies whole
    assert np.array_equal(p.predict_proba(x), want)
    c.close()
    assert np.array_equal(p.predict_proba(x), want)


def test_ensemble_after_its_unlearner_is_closed(data):
    m = lf.Model("mlp", layers=[4, 8, 3])
    u = lf.Unlearner("sisa", m, shards=2, slices=1, epochs=1, train={"batch": 16})
    assert u.model is None  # sisa builds its ensemble in prepare
    u.prepare(data)
    ens = u.model
    assert ens is not m and ens.kind != "mlp" and ens.accuracy(data) > 0.5
    ens.close()  # does nothing: the unlearner owns it
    assert ens.accuracy(data) > 0.5
    part = ens.parts()[0]
    u.close()
    with pytest.raises(lf.StateError, match="Unlearner is closed"):
        ens.predict(data)
    assert ens.closed and part.accuracy(data) > 0.5  # parts are copies
    with pytest.raises(ValueError, match="parts"):
        lf.Unlearner("ssd", lf.Unlearner("sisa", m, shards=2, slices=1).prepare(data).model)


def test_ensemble_view_follows_a_new_prepare(data):
    with lf.Model("mlp", layers=[4, 8, 3]) as m, \
            lf.Unlearner("sisa", m, shards=2, slices=1, epochs=1, train={"batch": 16}) as u:
        u.prepare(data)
        ens = u.model
        d1 = ens.digest()
        with data.without(range(60)) as less:
            u.prepare(less)   # a new ensemble: the old one is freed by C
        assert ens.digest() != d1 and ens.digest() == u.model.digest()


def test_unlearner_pickle_and_deepcopy(data):
    m = lf.Model("analytic", inputs=4, outputs=3)
    u = lf.Unlearner("analytic", m, keep_rows=True)
    u.prepare(data)
    m2, u2 = pickle.loads(pickle.dumps((m, u)))
    assert u2.model is m2 and m2 is not m and u2.method == "analytic" and u2.prepared
    m3 = copy.deepcopy(u).model
    u_shallow = copy.copy(u)
    assert u_shallow.model is m
    for uu in (u, u2):
        uu.forget_ids([3, 4, 5])
    assert m2.digest() == m.digest()  # the same request, the same model
    assert m3.digest() != m.digest()  # deepcopy's model is its own
    u_shallow.close()
    u.close()
    m.close()
    gc.collect()
    assert u2.forget_ids([6])["rows"] == 1


def test_host_model_cannot_be_pickled(data):
    def forward(p, x):
        return x[:, :3] * p[0]

    def backward(p, x, dout):
        return (dout * x[:, :3]).sum(axis=1, keepdims=True)
    h = lf.HostModel(forward, backward, [1.0], inputs=4, outputs=3)
    with pytest.raises(lf.UnsupportedError, match="cannot be pickled"):
        pickle.dumps(h)
    with pytest.raises(NotImplementedError):
        h.save("/tmp/never.fgm")
    c = copy.deepcopy(h)  # a clone, sharing the callbacks
    assert isinstance(c, lf.HostModel)
    h.close()
    del h, forward, backward
    gc.collect()
    assert c.predict_proba(data).shape == (300, 3)  # the callbacks outlive h


def test_sisa_pickles_with_its_checkpoints(data):
    m = lf.Model("mlp", layers=[4, 8, 3])
    u = lf.Unlearner("sisa", m, shards=2, slices=2, train={"batch": 16})
    u.prepare(data)
    m2, u2 = pickle.loads(pickle.dumps((m, u)))
    assert u2.model.digest() == u.model.digest()
    for uu in (u, u2):
        uu.forget_ids([1, 2, 150])
    assert u2.model.digest() == u.model.digest()  # same checkpoints, same retraining
    with pytest.raises(lf.UnsupportedError, match="parts"):
        pickle.dumps(u.model)  # the library cannot load an ensemble back
    with pytest.raises(lf.UnsupportedError):
        copy.deepcopy(u.model)


def test_no_close_from_inside_a_call(data, xy):
    """A callback closing the object its call is using would free it under
    C: refused (StateError, raised from the call), the object intact."""
    x, _ = xy
    m = lf.Model("mlp", layers=[4, 8, 3])
    before = m.digest()
    for victim in (m, data):
        with pytest.raises(lf.StateError, match="from inside a call"):
            m.train(data, epochs=2, progress=lambda f, s, v=victim: v.close())
        assert not victim.closed
    assert m.digest() == before and m.accuracy(data) >= 0
    u = lf.Unlearner("ssd", m)
    with pytest.raises(lf.StateError, match="from inside a call"):
        u.prepare(data, progress=lambda f, s: u.close())
    u.prepare(data)

    def forward(p, xx):
        h.close()
        return xx[:, :3]
    h = lf.HostModel(forward, lambda p, xx, d: np.zeros((len(xx), 1)), [1.0], 4, 3)
    with pytest.raises(lf.StateError, match="from inside a call"):
        h.predict(x)
    assert not h.closed
