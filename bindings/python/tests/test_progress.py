"""Progress with cancel: a truthy return or an exception cancels and leaves
the object exactly as it was; progress=True draws a bar."""
import io
import sys

import pytest

import libforget as lf


def recorder(cancel_at=None, raise_at=None):
    seen = []

    def fn(fraction, stage):
        seen.append((fraction, stage))
        if raise_at is not None and len(seen) == raise_at:
            raise KeyError("stop here")
        return cancel_at is not None and len(seen) >= cancel_at
    return fn, seen


def check_reports(seen, stage):
    fr = [f for f, _ in seen]
    assert seen and all(s == stage for _, s in seen)
    assert all(0.0 <= f <= 1.0 for f in fr) and fr == sorted(fr) and fr[-1] == 1.0
    assert fr.count(1.0) == 1


def setups(data):
    """(name, object, call(progress)) for every call that takes progress."""
    m = lf.Model("mlp", layers=[4, 8, 3], seed=4)
    m.train(data, epochs=5, batch=16)
    ssd = lf.Unlearner("ssd", m.clone(), alpha=1.5)
    ssd.prepare(data)
    sisa = lf.Unlearner("sisa", m.clone(), shards=2, slices=2, epochs=2, train={"batch": 16})
    sisa.prepare(data)
    ana = lf.Unlearner("analytic", lf.Model("analytic", inputs=4, outputs=3, features="random",
                                            width=64), keep_rows=True)
    ana.prepare(data.without(range(40)))
    fresh = lf.Unlearner("ssd", m.clone(), alpha=1.5)
    rows = data.of_class(1)
    return [
        ("train", m, m, lambda p: m.train(data, epochs=3, batch=16, progress=p)),
        ("prepare", fresh, fresh.model, lambda p: fresh.prepare(data, progress=p)),
        ("forget", ssd, ssd.model, lambda p: ssd.forget(rows, progress=p)),
        ("forget", sisa, sisa.model, lambda p: sisa.forget_ids([1, 2, 50], progress=p)),
        ("learn", ana, ana.model, lambda p: ana.learn(data.subset(range(40)), progress=p)),
    ]


def state(obj, model):
    """Everything the call could change: the model, and the unlearner's
    saved state."""
    blob = obj.to_bytes() if isinstance(obj, lf.Unlearner) else b""
    return model.digest(), blob, dict(getattr(obj, "report", {}))


@pytest.mark.parametrize("which", range(5))
def test_reports_then_cancel_then_raise(data, which):
    stage, obj, model, call = setups(data)[which]
    before = state(obj, model)
    # cancel at the first report: CanceledError, nothing changed
    fn, seen = recorder(cancel_at=1)
    with pytest.raises(lf.CanceledError, match="canceled"):
        call(fn)
    assert len(seen) >= 1 and state(obj, model) == before
    # an exception in the callback: the same, and it is raised itself
    fn, seen = recorder(raise_at=1)
    with pytest.raises(KeyError, match="stop here") as e:
        call(fn)
    assert isinstance(e.value.__cause__, lf.CanceledError)
    assert state(obj, model) == before
    # a full run reports in [0, 1], ending at one 1.0
    fn, seen = recorder()
    call(fn)
    check_reports(seen, stage)
    assert model.digest() != before[0] or stage == "prepare"


def test_progress_bar_plain_line(data, monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm", None)  # not importable
    err = io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    with lf.Model("mlp", layers=[4, 8, 3]) as m:
        m.train(data, epochs=2, progress=True)
    out = err.getvalue()
    assert out.startswith("\rtrain:") and out.endswith("train: 100%\n")
    assert out.count("\n") == 1  # one line, rewritten in place


def test_progress_bar_tqdm(data, monkeypatch):
    pytest.importorskip("tqdm")
    err = io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    bar = lf.ProgressBar(use_tqdm=True)
    with lf.Model("mlp", layers=[4, 8, 3]) as m:
        m.train(data, epochs=2, progress=bar)
    bar.close()
    assert "train: 100%|" in err.getvalue()


def test_bad_progress_argument(data):
    with lf.Model("mlp", layers=[4, 8, 3]) as m, pytest.raises(TypeError):
        m.train(data, progress="yes")


def test_ctrl_c_cancels_cleanly(data):
    """SIGINT during training arrives inside the progress callback: the
    training is canceled, the model unchanged, KeyboardInterrupt raised."""
    import os
    import signal
    import threading
    if threading.current_thread() is not threading.main_thread():
        pytest.skip("signals are delivered to the main thread")
    with lf.Model("mlp", layers=[4, 8, 3]) as m:
        before = m.digest()
        sent = []

        def fn(fraction, stage):
            if not sent:
                sent.append(1)
                os.kill(os.getpid(), signal.SIGINT)
        with pytest.raises(KeyboardInterrupt) as e:
            m.train(data, epochs=5, progress=fn)
        assert isinstance(e.value.__cause__, lf.CanceledError)
        assert m.digest() == before
