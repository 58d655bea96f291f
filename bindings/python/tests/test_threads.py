"""One handle, several Python threads: calls take turns (a lock per handle;
an unlearner's calls also hold its model's), and close() waits for a call
in flight. ctypes releases the GIL, so without the locks these calls would
overlap inside C."""
import random
import threading
import time

import numpy as np
import pytest

import libforget as lf

PAUSE = 0.3  # how long a call holds its object (seconds)


def run(*targets, timeout=60):
    errors = []

    def wrap(fn):
        def go():
            try:
                fn()
            except BaseException as e:  # reported below
                errors.append(e)
        return go
    threads = [threading.Thread(target=wrap(t)) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
        assert not t.is_alive(), "deadlock"
    if errors:
        raise errors[0]


def slow_progress(inside):
    """A progress function that signals, then holds the call a while."""
    def fn(fraction, stage):
        if not inside.is_set():
            inside.set()
            time.sleep(PAUSE)
    return fn


def waited(inside, call):
    """Wait until the other thread is inside its call, then time call: it
    must block for (most of) the PAUSE the other call holds the object."""
    assert inside.wait(30)
    t0 = time.monotonic()
    result = call()
    return time.monotonic() - t0, result


def test_two_threads_take_turns_on_a_model(data):
    with lf.Model("mlp", layers=[4, 8, 3]) as m:
        inside, done = threading.Event(), {}
        run(lambda: m.train(data, epochs=2, progress=slow_progress(inside)),
            lambda: done.update(read=waited(inside, lambda: m.params)))
        assert done["read"][0] >= PAUSE / 2  # it waited for the training


def test_an_unlearner_holds_its_models_lock(data, mlp, xy):
    x, _ = xy
    with lf.Unlearner("ssd", mlp, alpha=1.5) as u, data.of_class(1) as f:
        u.prepare(data)
        inside, done = threading.Event(), {}
        before = mlp.predict_proba(x)
        run(lambda: u.forget(f, progress=slow_progress(inside)),
            lambda: done.update(p=waited(inside, lambda: mlp.predict_proba(x))))
        assert done["p"][0] >= PAUSE / 2  # the model was locked by forget
        done["p"] = done["p"][1]
        # it saw the model after the request, never a half-changed one
        assert np.array_equal(done["p"], mlp.predict_proba(x))
        assert not np.array_equal(done["p"], before)


def test_close_waits_for_a_call_in_flight(data):
    m = lf.Model("mlp", layers=[4, 8, 3])
    inside, done = threading.Event(), {}
    run(lambda: done.update(result=m.train(data, epochs=2, progress=slow_progress(inside))),
        lambda: done.update(close=waited(inside, m.close)))
    assert done["result"] is m and done["close"][0] >= PAUSE / 2
    with pytest.raises(lf.StateError):
        m.predict(data)


def test_many_threads_one_model_then_closed(data, xy):
    """Random calls from four threads while a fifth closes everything: each
    call either works or raises StateError; nothing crashes or hangs."""
    x, _ = xy
    m = lf.Model("mlp", layers=[4, 8, 3])
    u = lf.Unlearner("ssd", m, alpha=1.5)
    u.prepare(data)
    sub = data.subset(range(20))
    counts = {"ok": 0, "closed": 0}
    lock = threading.Lock()
    ops = [lambda: m.predict_proba(x), lambda: m.params, lambda: m.digest(),
           lambda: m.accuracy(sub), lambda: m.clone().close(), lambda: sub.ids,
           lambda: u.forget(sub), lambda: setattr(m, "params", m.params),
           lambda: u.report, lambda: m.train(sub, epochs=1)]

    def worker(seed):
        rng = random.Random(seed)
        deadline = time.monotonic() + 1.5
        while time.monotonic() < deadline:
            try:
                rng.choice(ops)()
                key = "ok"
            except lf.StateError:
                key = "closed"
            with lock:
                counts[key] += 1

    def closer():
        time.sleep(0.6)
        for obj in rng_order([m, u, sub]):
            obj.close()
            time.sleep(0.05)

    def rng_order(objs):
        random.Random(7).shuffle(objs)
        return objs
    run(*(lambda s=s: worker(s) for s in range(4)), closer)
    assert counts["ok"] > 0 and counts["closed"] > 0


def test_lock_order_has_no_cycle(data):
    """Threads locking unlearner+model+dataset, model+dataset, and two
    models in opposite orders finish (locks are taken in one order)."""
    a = lf.Model("analytic", inputs=4, outputs=3)
    b = lf.Model("analytic", inputs=4, outputs=3)
    u = lf.Unlearner("analytic", a, keep_rows=True)
    u.prepare(data)
    a_first = lambda: [a.param_distance(b) for _ in range(200)]  # noqa: E731
    b_first = lambda: [b.param_distance(a) for _ in range(200)]  # noqa: E731
    learn = lambda: [u.forget_ids([i]) for i in range(50)]  # noqa: E731
    evals = lambda: [a.accuracy(data) for _ in range(200)]  # noqa: E731
    run(a_first, b_first, learn, evals)
    assert u.forget_ids([0])["already_forgotten"] == 1
