"""pytest suite of the ctypes binding: every class and its error paths.
Run: LIBFORGET=build/libforget.so.0 /usr/bin/python3 -m pytest bindings/python/tests
"""
import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import libforget as lf  # noqa: E402

FORGET_E_INVALID, FORGET_E_FORMAT, FORGET_E_NOT_FOUND = -1, -4, -5
FORGET_E_UNSUPPORTED, FORGET_E_STATE, FORGET_E_PARAM = -10, -11, -12


def blobs(n=300, d=4, classes=3, seed=1):
    rng = np.random.default_rng(seed)
    y = (np.arange(n) % classes).astype(np.int32)
    x = rng.normal(0, 0.4, (n, d)).astype(np.float32)
    x[np.arange(n), y % d] += 3.0
    return x, y


@pytest.fixture
def data():
    x, y = blobs()
    with lf.Dataset(x, y) as ds:
        yield ds


def test_version_and_methods():
    assert lf.version().count(".") == 2
    assert lf.blas_info().split()[0] in ("OpenBLAS", "MKL", "BLIS",
                                         "reference")
    m = lf.methods()
    assert set(["ssd", "analytic", "sisa"]) <= set(m)
    assert m["sisa"]["exact"] and not m["ssd"]["exact"]
    assert any(p["name"] == "alpha" and p["default"] == "2" for p in m["ssd"]["params"])


def test_dataset(data, tmp_path):
    assert len(data) == 300 and data.features == 4 and data.classes == 3
    assert list(data.ids[:3]) == [0, 1, 2]
    with data.subset([5, 1]) as s:
        assert list(s.ids) == [1, 5]  # the source's order
    with data.without(range(10)) as w:
        assert len(w) == 290
    with data.of_class(2) as c:
        assert len(c) == 100
    csv = tmp_path / "d.csv"
    csv.write_text("1,0.5,2\n0,1.5,3\n")
    with lf.Dataset.from_csv(str(csv)) as ds:
        assert len(ds) == 2 and ds.features == 2
    reg = lf.Dataset(np.ones((3, 2)), targets=np.arange(3.0), ids=[7, 8, 9])
    assert list(reg.ids) == [7, 8, 9]
    reg.close()
    with pytest.raises(ValueError):
        reg.ids


def test_dataset_errors(data, tmp_path):
    x, y = blobs(10)
    x[3, 1] = np.nan
    with pytest.raises(lf.ForgetError) as e:
        lf.Dataset(x, y)
    assert e.value.code == FORGET_E_INVALID and "row 3" in e.value.message
    with pytest.raises(lf.ForgetError) as e:
        data.subset([99999])
    assert e.value.code == FORGET_E_NOT_FOUND and "99999" in e.value.message
    with pytest.raises(lf.ForgetError) as e:
        lf.Dataset(np.ones((2, 2)), [0, 1], ids=[4, 4])
    assert "appears in rows" in e.value.message
    bad = tmp_path / "bad.csv"
    bad.write_text("1,x\n")
    with pytest.raises(lf.ForgetError) as e:
        lf.Dataset.from_csv(str(bad))
    assert e.value.code == FORGET_E_FORMAT and "line 1" in e.value.message
    with pytest.raises(ValueError):
        lf.Dataset(np.ones(3), [0])


def test_model(data, tmp_path):
    with lf.Model("mlp", "layers=4-8-3 seed=2") as m:
        m.train(data, "epochs=20 batch=16")
        assert m.accuracy(data) > 0.95 and m.loss(data) < 0.3
        p = m.predict(data)
        assert p.shape == (300, 3) and np.allclose(p.sum(axis=1), 1, atol=1e-5)
        path = str(tmp_path / "m.fgm")
        m.save(path)
        with lf.Model.load(path) as back:
            assert np.array_equal(back.params, m.params) and back.kind == "mlp"
        w = m.params
        w[:] = 0
        m.params = w
        assert not m.params.any()
        with pytest.raises(lf.ForgetError):
            m.params = np.zeros(3)
    with pytest.raises(lf.ForgetError) as e:
        lf.Model("cnn", "")
    assert e.value.code == FORGET_E_NOT_FOUND
    with pytest.raises(lf.ForgetError) as e:
        lf.Model("mlp", "layers=4-3 act=sigmoid")
    assert e.value.code == FORGET_E_PARAM and "act" in e.value.message


def test_unlearners(data, tmp_path):
    # analytic: exact, by ids with keep_rows, saved and loaded.
    with lf.Model("analytic", "inputs=4 outputs=3") as m, \
            lf.Unlearner("analytic", m, "keep_rows=true") as u:
        u.prepare(data)
        rep = u.forget_ids([3, 4, 5])
        assert rep["rows"] == 3 and "seconds" in rep
        assert u.forget_ids([3])["already_forgotten"] == 1
        # an id named twice is forgotten once, the repeat counted
        rep = u.forget_ids([6, 6])
        assert rep["rows"] == 1 and rep["already_forgotten"] == 1
        with pytest.raises(lf.ForgetError) as e:
            u.forget_ids([12345])
        assert e.value.code == FORGET_E_NOT_FOUND and "12345" in e.value.message
        path = str(tmp_path / "a.state")
        u.save(path)
        with lf.Unlearner.load(path, m) as v:
            assert v.report == {}
        assert u.model is m
    # ssd needs the rows, not only ids.
    with lf.Model("mlp", "layers=4-8-3") as m:
        m.train(data, "epochs=10 batch=16")
        with lf.Unlearner("ssd", m, "alpha=1.5") as u:
            u.prepare(data)
            with pytest.raises(lf.ForgetError) as e:
                u.forget_ids([1])
            assert e.value.code == FORGET_E_UNSUPPORTED
            before = m.params
            with data.of_class(1) as f:
                assert u.forget(f)["dampened"] > 0
            assert not np.array_equal(before, m.params)  # the model changed
    # sisa: its ensemble is a borrowed model.
    with lf.Model("mlp", "layers=4-8-3") as t, \
            lf.Unlearner("sisa", t, 'shards=2 slices=2 train="batch=16"') as u:
        u.prepare(data)
        ens = u.model
        assert ens is not t and ens.accuracy(data) > 0.8
        assert u.forget_ids([1, 2])["shards_retrained"] >= 1
    with pytest.raises(lf.ForgetError) as e:
        lf.Unlearner("nope", None, "")
    assert e.value.code == FORGET_E_NOT_FOUND


def test_model_closed_under_its_unlearner(data):
    # Closing a model an unlearner borrows used to free it under the
    # unlearner (SIGSEGV at the next forget); the library now keeps it
    # alive until the unlearner goes.
    m = lf.Model("mlp", "layers=4-8-3")
    m.train(data, "epochs=10 batch=16")
    with lf.Unlearner("ssd", m, "alpha=1.5") as u:
        u.prepare(data)
        m.close()
        with data.of_class(1) as f:
            assert u.forget(f)["dampened"] > 0


def test_learn_and_mia(data):
    with lf.Model("analytic", "inputs=4 outputs=3") as m, \
            lf.Unlearner("analytic", m) as u:
        with data.without(range(50)) as first, data.subset(range(50)) as later:
            u.prepare(first)
            u.learn(later)
            score = m.mia(first, later, later)
            assert 0.0 <= score <= 1.0


def test_journal_recovers_sisa(data, tmp_path):
    sisa = 'shards=2 slices=2 seed=3 train="batch=16"'
    state, journal = str(tmp_path / "s0.state"), str(tmp_path / "j.journal")
    with lf.Model("mlp", "layers=4-8-3 seed=4") as t:
        with lf.Unlearner("sisa", t, sisa) as u:
            with pytest.raises(lf.ForgetError) as e:
                u.open_journal(journal)  # not prepared
            assert e.value.code == FORGET_E_STATE
            u.prepare(data)
            with pytest.raises(lf.ForgetError) as e:
                u.is_forgotten(1)
            assert e.value.code == FORGET_E_STATE and "journal" in e.value.message
            with pytest.raises(lf.ForgetError) as e:
                u.journal_pending()
            assert e.value.code == FORGET_E_STATE
            u.save(state)  # the state before the request
            before = u.model.digest()
            assert len(before) == 32
            rep = u.open_journal(journal)
            assert rep["journal_requests"] == 0 and rep["journal_pending"] == 0
            assert u.forget_ids([1, 2, 7])["journal_seq"] == 1
            assert u.is_forgotten(2) and not u.is_forgotten(3)
            kind, ids = u.journal_pending()
            assert kind is None and len(ids) == 0
            after = u.model.digest()
            assert after != before
            with pytest.raises(lf.ForgetError) as e:
                u.open_journal(journal)  # attached already
            assert e.value.code == FORGET_E_STATE
        # the "crash": reload the state from before the request
        with lf.Unlearner.load(state, t) as v:
            assert v.model.digest() == before
            rep = v.open_journal(journal)
            assert rep["journal_requests"] == 1 and rep["journal_redone"] == 1
            assert rep["journal_pending"] == 0 and rep["journal_dropped_bytes"] == 0
            assert v.model.digest() == after
            assert v.is_forgotten(7) and not v.is_forgotten(0)
    # the audit view: open, the request and its end (twice: then the redo)
    recs = lf.read_journal(journal)
    assert [r["type"] for r in recs] == ["open", "request", "done", "done"]
    assert recs[1]["kind"] == "forget" and list(recs[1]["ids"]) == [1, 2, 7]
    assert recs[1]["digest"] == before and recs[2]["digest"] == after
    assert all(r["method"] == "sisa" for r in recs)
    with pytest.raises(lf.ForgetError) as e:
        lf.read_journal(str(tmp_path / "none.journal"))
    assert e.value.code == -3  # FORGET_E_IO
    with open(journal, "rb") as f:
        whole = f.read()
    with open(str(tmp_path / "cut.journal"), "wb") as f:
        f.write(whole[:-5])  # the last DONE cut short
    with pytest.raises(lf.ForgetError) as e:
        lf.read_journal(str(tmp_path / "cut.journal"))
    assert e.value.code == -4 and len(e.value.records) == 3  # FORGET_E_FORMAT
    # a model the journal never recorded
    with lf.Model("mlp", "layers=4-8-3 seed=5") as t, \
            lf.Unlearner("sisa", t, sisa) as w:
        w.prepare(data)
        with pytest.raises(lf.ForgetError) as e:
            w.open_journal(journal)
        assert e.value.code == FORGET_E_STATE and "matches no state" in e.value.message
    with open(journal, "ab") as f:
        f.write(b"\x01")  # a cut-short last append
    with lf.Model("mlp", "layers=4-8-3 seed=4") as t, \
            lf.Unlearner.load(state, t) as w:
        with pytest.raises(lf.ForgetError) as e:
            w.open_journal(journal)
        assert e.value.code == FORGET_E_FORMAT
        assert w.open_journal(journal, repair=True)["journal_dropped_bytes"] == 1


def test_journal_pending_needs_rows(data, tmp_path):
    # analytic without keep_rows cannot redo a request from ids alone.
    mpath, state = str(tmp_path / "m0.fgm"), str(tmp_path / "a0.state")
    journal = str(tmp_path / "a.journal")
    with lf.Model("analytic", "inputs=4 outputs=3") as m, \
            lf.Unlearner("analytic", m) as u, data.subset([4, 9]) as rows:
        u.prepare(data)
        m.save(mpath)
        u.save(state)
        u.open_journal(journal)
        u.forget(rows)
        after = m.digest()
    with lf.Model.load(mpath) as m, lf.Unlearner.load(state, m) as v, \
            data.subset([4, 9]) as rows, data.subset([5]) as other:
        rep = v.open_journal(journal)
        assert rep["journal_redone"] == 0 and rep["journal_pending"] == 1
        kind, ids = v.journal_pending()
        assert kind == "forget" and sorted(ids) == [4, 9]
        assert not v.is_forgotten(4)
        with pytest.raises(lf.ForgetError) as e:
            v.forget(other)  # the pending request must come first
        assert e.value.code == FORGET_E_STATE and "pending" in e.value.message
        v.forget(rows)
        assert v.journal_pending()[0] is None and v.is_forgotten(9)
        assert m.digest() == after
