"""Host models: a numpy MLP through Python callbacks behaves as the native
mlp with the same weights."""
import gc

import numpy as np
import pytest

import libforget as lf

LAYERS = [4, 16, 3]


class NumpyMLP:
    """One hidden relu layer, the native mlp's parameter layout (dense0
    weight as outputs x inputs, dense0 bias, dense1 weight, dense1 bias)."""

    def __init__(self, d, h, k):
        self.d, self.h, self.k = d, h, k
        self.n_params = h * d + h + k * h + k
        self.calls = 0

    def unpack(self, p):
        d, h, k = self.d, self.h, self.k
        W0 = p[:h * d].reshape(h, d)
        b0 = p[h * d:h * d + h]
        W1 = p[h * d + h:h * d + h + k * h].reshape(k, h)
        return W0, b0, W1, p[-k:]

    def forward(self, p, x):
        self.calls += 1
        W0, b0, W1, b1 = self.unpack(p)
        return np.maximum(x @ W0.T + b0, 0) @ W1.T + b1

    def backward(self, p, x, dout):
        W0, b0, W1, b1 = self.unpack(p)
        z = x @ W0.T + b0
        a = np.maximum(z, 0)
        dz = (dout @ W1) * (z > 0)
        n = x.shape[0]
        return np.hstack([(dz[:, :, None] * x[:, None, :]).reshape(n, -1), dz,
                          (dout[:, :, None] * a[:, None, :]).reshape(n, -1), dout])


def pair(data, train=True):
    native = lf.Model("mlp", layers=LAYERS, seed=3)
    if train:
        native.train(data, epochs=5, batch=16)
    net = NumpyMLP(*LAYERS)
    host = lf.HostModel(net.forward, net.backward, native.params, inputs=4, outputs=3)
    return native, host, net


def test_same_predictions(data, xy):
    x, _ = xy
    native, host, net = pair(data)
    assert host.kind == "host" and host.param_count == native.param_count
    assert host.blocks() == [lf.Block("host", (native.param_count,), 0)]
    assert np.allclose(host.predict_proba(x), native.predict_proba(x), atol=1e-6)
    assert np.allclose(host.predict_proba(data), native.predict_proba(data), atol=1e-6)
    assert net.calls >= 2 and host.accuracy(data) == native.accuracy(data)
    assert host.loss(data) == pytest.approx(native.loss(data), abs=1e-6)


def test_ssd_dampens_the_same_parameters(data):
    native, host, _ = pair(data)
    reports = []
    with data.of_class(2) as f:
        for m in (native, host):
            u = lf.Unlearner("ssd", m, alpha=1.5)
            u.prepare(data)
            reports.append(u.forget(f))
    # The importances are the mean of squared per-row gradients either way;
    # native computes them with one GEMM per layer, the host path squares
    # each row's gradient from backward(): float32 sums in another order,
    # ~1e-7 relative apart. The dampening factor is continuous in them, so
    # the parameters agree to float32 rounding (rtol 1e-4 leaves room for
    # an importance ratio of ~1e3); the selection is the same (asserted).
    assert reports[0]["dampened"] == reports[1]["dampened"] > 0
    assert np.allclose(host.params, native.params, rtol=1e-4, atol=1e-6)


def test_training_through_callbacks(data):
    native, host, _ = pair(data, train=False)
    loss0 = host.loss(data)
    for m in (native, host):
        m.train(data, epochs=1, batch=16, shuffle=False)
    # one epoch of SGD: the batch gradients agree to float32 rounding
    assert host.loss(data) < loss0
    assert np.allclose(host.params, native.params, atol=1e-4)


def test_callback_exceptions_are_raised_from_the_call(data, xy):
    x, _ = xy
    state = {"fail": None}

    def forward(p, xx):
        if state["fail"] == "forward":
            raise ZeroDivisionError("bad forward")
        return np.tile(p[:3], (xx.shape[0], 1)) + xx[:, :3]

    def backward(p, xx, dout):
        if state["fail"] == "backward":
            raise LookupError("bad backward")
        return np.hstack([dout, np.zeros((xx.shape[0], 1))])
    h = lf.HostModel(forward, backward, [0.1, 0.2, 0.3, 0.0], inputs=4, outputs=3)
    before = h.digest()
    state["fail"] = "forward"
    with pytest.raises(ZeroDivisionError, match="bad forward") as e:
        h.predict(x)
    assert isinstance(e.value.__cause__, lf.ForgetError)
    assert "ZeroDivisionError: bad forward" in e.value.__cause__.message
    with pytest.raises(ZeroDivisionError):
        h.train(data, epochs=1)
    state["fail"] = "backward"
    with pytest.raises(LookupError, match="bad backward"):
        h.train(data, epochs=1)
    assert h.digest() == before  # failed training changed nothing
    state["fail"] = None
    h.train(data, epochs=1)
    assert h.digest() != before


@pytest.mark.parametrize("result, match", [
    (lambda n: np.zeros((n, 4)), r"forward returned shape \(\d+, 4\); expected \(\d+, 3\)"),
    (lambda n: np.zeros(n), r"forward returned shape"),
    (lambda n: np.full((n, 3), np.nan), r"not finite"),
    (lambda n: np.full((n, 3), "a"), r"expected real numbers"),
    (lambda n: [[0, 0, 0]] * n, None),  # lists and ints are converted
])
def test_forward_results_are_checked(data, result, match):
    h = lf.HostModel(lambda p, x: result(x.shape[0]), lambda p, x, d: np.zeros((x.shape[0], 1)),
                     [1.0], inputs=4, outputs=3)
    if match is None:
        assert np.allclose(h.predict_proba(data), 1 / 3)
    else:
        with pytest.raises(ValueError, match=match):
            h.predict_proba(data)


def test_backward_results_are_checked(data):
    def forward(p, x):
        return x[:, :3] * p[0]
    for bad in (lambda n: np.zeros((n, 2)), lambda n: np.full((n, 1), np.inf)):
        h = lf.HostModel(forward, lambda p, x, d, bad=bad: bad(x.shape[0]), [1.0],
                         inputs=4, outputs=3)
        with pytest.raises(ValueError, match="backward"):
            h.train(data, epochs=1)


def test_views_are_read_only(data):
    def forward(p, x):
        x[0, 0] = 1.0  # refused: the library's buffer
        return x[:, :3]
    h = lf.HostModel(forward, lambda p, x, d: np.zeros((x.shape[0], 1)), [1.0],
                     inputs=4, outputs=3)
    with pytest.raises(ValueError, match="read-only"):
        h.predict(data)


def test_refused_specs():
    fwd, bwd = (lambda p, x: x), (lambda p, x, d: x)
    with pytest.raises(TypeError):
        lf.HostModel(None, bwd, [1.0], 4, 3)
    with pytest.raises(ValueError, match="task"):
        lf.HostModel(fwd, bwd, [1.0], 4, 3, task="ranking")
    with pytest.raises(ValueError, match="not finite"):
        lf.HostModel(fwd, bwd, [1.0, np.nan], 4, 3)
    with pytest.raises(lf.InvalidArgumentError):
        lf.HostModel(fwd, bwd, [1.0], 0, 3)
    with pytest.raises(lf.InvalidArgumentError):
        lf.HostModel(fwd, bwd, [], 4, 3)


def test_sisa_clones_share_the_callbacks(data):
    """sisa trains clones of the host model on its threads; the callbacks
    (closures here) outlive every Python reference the caller had."""
    def make():
        net = NumpyMLP(*LAYERS)
        start = lf.Model("mlp", layers=LAYERS, seed=5).params
        return lf.HostModel(net.forward, net.backward, start, inputs=4, outputs=3)
    h = make()
    u = lf.Unlearner("sisa", h, shards=3, slices=2, epochs=3, train={"batch": 16})
    del h
    gc.collect()
    u.prepare(data)
    assert u.model.accuracy(data) > 0.8
    rep = u.forget_ids(list(range(0, 300, 7)))
    assert rep["shards_retrained"] >= 1
    parts = u.model.parts()
    u.close()
    gc.collect()
    assert isinstance(parts[0], lf.HostModel) and parts[0].accuracy(data) > 0.8


def test_regression_host(data):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(64, 2))
    t = x @ np.array([2.0, -1.0]) + 0.5
    with lf.Dataset(x, targets=t) as ds:
        h = lf.HostModel(lambda p, xx: (xx @ p[:2] + p[2])[:, None],
                         lambda p, xx, d: d * np.hstack([xx, np.ones((len(xx), 1))]),
                         np.zeros(3), inputs=2, outputs=1, task="regression")
        h.train(ds, epochs=100, lr=0.05, batch=16)
        assert h.task == "regression" and np.allclose(h.params, [2.0, -1.0, 0.5], atol=1e-3)
