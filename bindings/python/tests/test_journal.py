"""Deletion journals (attach, recover, read, verify, keys) and path locks."""
import threading

import numpy as np
import pytest

import libforget as lf

SISA = dict(shards=2, slices=2, seed=3, train={"batch": 16})


def test_journal_recovers_sisa(data, tmp_path):
    state, journal = tmp_path / "s0.state", tmp_path / "j.journal"
    with lf.Model("mlp", layers=[4, 8, 3], seed=4) as t:
        with lf.Unlearner("sisa", t, **SISA) as u:
            with pytest.raises(lf.StateError):
                u.open_journal(journal)  # not prepared
            u.prepare(data)
            with pytest.raises(lf.StateError, match="journal"):
                u.is_forgotten(1)
            with pytest.raises(lf.StateError):
                u.journal_pending()
            u.save(state)  # the state before the request
            before = u.model.digest()
            rep = u.open_journal(journal)
            assert rep["journal_requests"] == 0 and rep["journal_pending"] == 0
            assert u.forget_ids([1, 2, 7])["journal_seq"] == 1
            assert u.is_forgotten(2) and not u.is_forgotten(3)
            kind, ids = u.journal_pending()
            assert kind is None and len(ids) == 0
            after = u.model.digest()
            assert after != before
            with pytest.raises(lf.StateError):
                u.open_journal(journal)  # attached already
        with lf.Unlearner.load(state, t) as v:  # the "crash": the old state
            assert v.model.digest() == before
            rep = v.open_journal(journal)
            assert rep["journal_requests"] == 1 and rep["journal_redone"] == 1
            assert v.model.digest() == after
            assert v.is_forgotten(7) and not v.is_forgotten(0)
    recs = lf.read_journal(journal)
    assert [r["type"] for r in recs] == ["open", "request", "done", "done"]
    assert recs[1]["kind"] == "forget" and list(recs[1]["ids"]) == [1, 2, 7]
    assert recs[1]["digest"] == before and recs[2]["digest"] == after
    assert all(r["method"] == "sisa" for r in recs) and recs[1]["seq"] == 1
    assert lf.verify_journal(journal) == 4
    figs = lf.journal_figures(journal)  # each DONE's report: two for seq 1
    assert list(figs) == [1] and len(figs[1]) == 2
    assert figs[1][0]["shards_retrained"] >= 1 and "seconds" in figs[1][1]
    with pytest.raises(lf.ForgetIOError):
        lf.read_journal(tmp_path / "none.journal")
    whole = journal.read_bytes()
    cut = tmp_path / "cut.journal"
    cut.write_bytes(whole[:-5])  # the last DONE cut short
    with pytest.raises(lf.FormatError) as e:
        lf.read_journal(cut)
    assert len(e.value.records) == 3
    with pytest.raises(lf.FormatError) as e:
        lf.verify_journal(cut)
    assert e.value.records == 3 and e.value.offset > 0
    with open(journal, "ab") as f:
        f.write(b"\x01")  # a cut-short last append
    with lf.Model("mlp", layers=[4, 8, 3], seed=4) as t, lf.Unlearner.load(state, t) as w:
        with pytest.raises(lf.FormatError):
            w.open_journal(journal)
        assert w.open_journal(journal, repair=True)["journal_dropped_bytes"] == 1


def test_journal_pending_needs_rows(data, tmp_path):
    mpath, state, journal = tmp_path / "m0.fgm", tmp_path / "a0.state", tmp_path / "a.j"
    with lf.Model("analytic", inputs=4, outputs=3) as m, \
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
        assert kind == "forget" and sorted(ids) == [4, 9] and ids.dtype == np.uint64
        with pytest.raises(lf.StateError, match="pending"):
            v.forget(other)  # the pending request must come first
        v.forget(rows)
        assert v.journal_pending()[0] is None and v.is_forgotten(9)
        assert m.digest() == after


def test_keyed_journal(data, tmp_path):
    key = bytes(range(32))
    journal = tmp_path / "k.journal"
    with lf.Model("analytic", inputs=4, outputs=3) as m, \
            lf.Unlearner("analytic", m, keep_rows=True) as u:
        u.prepare(data)
        with pytest.raises(ValueError, match="16..1024"):
            u.set_journal_key(b"short")
        u.open_journal(journal, key=key, new=True)
        u.forget_ids([1])
    assert lf.verify_journal(journal, key) == 3
    with pytest.raises(lf.StateError):
        lf.verify_journal(journal)  # a keyed journal needs its key
    with pytest.raises(lf.FormatError) as e:
        lf.verify_journal(journal, bytes(32))  # another key
    assert e.value.records == 0
    raw = bytearray(journal.read_bytes())
    raw[-40] ^= 1
    journal.write_bytes(bytes(raw))
    with pytest.raises(lf.FormatError):
        lf.verify_journal(journal, key)


def test_lock_path(tmp_path):
    target = tmp_path / "s.state"
    with lf.lock_path(target) as lock:
        assert not lock.closed and (tmp_path / "s.state.lock").exists()
        with pytest.raises(lf.StateError, match="s.state.lock"):
            lf.lock_path(target, wait=False)
        with pytest.raises(lf.StateError):
            lf.lock_path(target, shared=True, wait=False)
    assert lock.closed
    with lf.lock_path(target, shared=True), lf.lock_path(target, shared=True, wait=False):
        pass  # shared locks coexist
    held = lf.lock_path(target)
    got = []
    t = threading.Thread(target=lambda: got.append(lf.lock_path(target)))
    t.start()
    t.join(0.3)
    assert t.is_alive() and not got  # waits for the holder ...
    held.release()
    t.join(30)
    assert got and not got[0].closed  # ... and gets it once released
    got[0].release()
    with pytest.raises(lf.ForgetIOError):
        lf.lock_path(tmp_path / "no such dir" / "x")
