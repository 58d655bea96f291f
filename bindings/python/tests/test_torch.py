"""libforget.torch: TorchModel (an nn.Module as a host model: forward,
per-row gradients by vmap and by a loop, training, unlearning, write-back,
errors) and the state_dict bridge of the dense kinds. Skipped without
PyTorch, except the check that the import then fails clearly."""
import os
import subprocess
import sys

import numpy as np
import pytest

import libforget as lf

try:
    import torch
    from torch import nn
except ImportError:
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")


def test_import_without_torch_is_a_clear_import_error():
    code = ("import sys; sys.modules['torch'] = None\n"
            "try:\n    import libforget.torch\n"
            "except ImportError as e:\n    print('ImportError:', e)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=dict(os.environ), check=True).stdout
    assert out.startswith("ImportError: libforget.torch needs PyTorch")
    # the rest of the package does not need torch
    code = "import sys; sys.modules['torch'] = None\nimport libforget.sklearn, libforget\n"
    subprocess.run([sys.executable, "-c", code], env=dict(os.environ), check=True)


@pytest.fixture(scope="module")
def lft():
    if torch is None:
        pytest.skip("PyTorch is not installed")
    import libforget.torch as mod
    return mod


def data(n=240, d=6, classes=3, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, classes, n)
    x = rng.normal(size=(n, d)) + 2.0 * np.eye(classes, d)[y]
    return x.astype(np.float32), y.astype(np.int32)


def mlp(sizes, act=None, seed=0):
    torch.manual_seed(seed)
    act = act or nn.ReLU
    mods = []
    for i in range(len(sizes) - 1):
        if i:
            mods.append(act())
        mods.append(nn.Linear(sizes[i], sizes[i + 1]))
    return nn.Sequential(*mods)


def torch_train(net, x, y, epochs=5, regression=False):
    opt = torch.optim.Adam(net.parameters(), lr=0.01)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    loss_fn = nn.MSELoss() if regression else nn.CrossEntropyLoss()
    for _ in range(epochs):
        for i in range(0, len(x), 32):
            opt.zero_grad()
            loss_fn(net(xt[i:i + 32]), yt[i:i + 32] if regression
                    else yt[i:i + 32].long()).backward()
            opt.step()
    return net


def torch_out(net, x, softmax=True):
    with torch.no_grad():
        out = net(torch.from_numpy(x))
        return (torch.softmax(out, 1) if softmax else out).numpy()


def flat(module):
    return torch.cat([p.detach().reshape(-1) for p in module.parameters()]).numpy()


# ---- TorchModel ----

@needs_torch
def test_parameter_vector_is_the_modules_parameters_in_order(lft):
    class Odd(nn.Module):  # parameters registered out of the forward's order
        def __init__(self):
            super().__init__()
            self.scale = nn.Parameter(torch.tensor([1.5]))
            self.second = nn.Linear(5, 2)
            self.first = nn.Linear(3, 5)

        def forward(self, x):
            return self.second(torch.tanh(self.first(x))) * self.scale

    torch.manual_seed(1)
    m = Odd()
    tm = lft.TorchModel(m, inputs=3, outputs=2)
    expect = np.concatenate([[1.5], m.second.weight.detach().numpy().ravel(),
                             m.second.bias.detach().numpy(),
                             m.first.weight.detach().numpy().ravel(),
                             m.first.bias.detach().numpy()]).astype(np.float32)
    np.testing.assert_array_equal(tm.params, expect)
    assert tm.param_count == 1 + 10 + 2 + 15 + 5
    x, _ = data(n=20, d=3)
    np.testing.assert_allclose(tm.predict_proba(x), torch_out(m, x), atol=1e-6)
    # the library's vector drives the outputs, not the module's tensors
    p = tm.params
    p[0] = 0.0  # scale 0: every logit 0, uniform probabilities
    tm.params = p
    np.testing.assert_allclose(tm.predict_proba(x), 0.5, atol=1e-7)
    assert m.scale.item() == 1.5  # untouched until write_back
    tm.write_back()
    assert m.scale.item() == 0.0


@needs_torch
def test_per_row_gradients_vmap_and_loop_equal_the_formula(lft):
    """For a linear module the per-row vector-Jacobian product is known:
    row i = [outer(dout_i, x_i), dout_i]."""
    torch.manual_seed(2)
    lin = nn.Sequential(nn.Linear(4, 3))
    rng = np.random.default_rng(3)
    x = rng.normal(size=(7, 4)).astype(np.float32)
    dout = rng.normal(size=(7, 3)).astype(np.float32)
    expect = np.concatenate([np.einsum("ij,ik->ijk", dout, x).reshape(7, -1), dout], axis=1)
    backends = lft.per_row_backends()
    assert backends[-1] == "loop"
    for per_row in backends:
        tm = lft.TorchModel(lin, 4, 3, per_row=per_row)
        assert tm.per_row == per_row
        got = tm._bridge.backward(tm.params, x, dout)
        np.testing.assert_allclose(got, expect, rtol=1e-6, atol=1e-6)
    with pytest.raises(ValueError):
        lft.TorchModel(lin, 4, 3, per_row="fast")


@needs_torch
def test_without_vmap_the_loop_is_chosen(lft, monkeypatch):
    monkeypatch.setattr(lft, "_vmap_grad", lambda: None)  # neither torch.func nor functorch
    assert lft.per_row_backends() == ["loop"]
    net = mlp([3, 4, 2])
    assert lft.TorchModel(net, 3, 2).per_row == "loop"
    with pytest.raises(ValueError, match="needs torch.func or functorch"):
        lft.TorchModel(net, 3, 2, per_row="vmap")


@needs_torch
@pytest.mark.parametrize("per_row", ["vmap", "loop"])
def test_ssd_on_torchmodel_equals_ssd_on_the_native_mlp(lft, per_row):
    """Same weights, same data, same request: the host model's per-row
    gradients come from torch (float32, its own summation order) and the
    native mlp's from libforget's GEMMs, so importances agree to float32
    rounding (~1e-7 relative) and the dampened weights to ~1e-6 relative;
    we allow rtol 1e-5 (atol 1e-7 for weights near 0). Selection
    (I_F > alpha I_R) could flip only for a weight whose ratio lies within
    ~1e-6 of alpha; on this fixed data none does, so the dampened sets
    must be equal."""
    if per_row not in lft.per_row_backends():
        pytest.skip("no vmap here")
    x, y = data()
    net = torch_train(mlp([6, 12, 3]), x, y, epochs=3)
    tm = lft.TorchModel(net, 6, 3, per_row=per_row)
    native = lft.from_sequential(net)
    np.testing.assert_array_equal(tm.params, native.params)
    before = native.params
    ds = lf.Dataset(x, y)
    reports = []
    for model in (tm, native):
        u = lf.Unlearner("ssd", model)
        u.prepare(ds)
        reports.append(u.forget(ds.of_class(1)))
    assert reports[0]["dampened"] == reports[1]["dampened"] > 0
    changed_t = tm.params != before
    changed_n = native.params != before
    np.testing.assert_array_equal(changed_t, changed_n)
    np.testing.assert_allclose(tm.params, native.params, rtol=1e-5, atol=1e-7)
    # the module keeps its weights until write_back
    np.testing.assert_array_equal(flat(net), before)
    tm.write_back()
    np.testing.assert_array_equal(flat(net), tm.params)


@needs_torch
def test_training_a_torchmodel_changes_the_module(lft):
    x, y = data(n=200)
    net = mlp([6, 10, 3], act=nn.Tanh, seed=4)
    start = flat(net).copy()
    tm = lft.TorchModel(net, 6, 3)
    ds = lf.Dataset(x, y)
    acc0 = tm.accuracy(ds)
    tm.train(ds, epochs=4, lr=0.01, optimizer="adam", batch=32)
    after = flat(net)
    assert np.abs(after - start).max() > 1e-3  # write_back happened
    np.testing.assert_array_equal(after, tm.params)
    assert tm.accuracy(ds) > max(acc0, 0.8)
    np.testing.assert_allclose(torch_out(net, x), tm.predict_proba(x), atol=1e-6)
    # the same training on the native mlp with the same start: equal up to
    # float32 rounding carried through 28 Adam steps
    net2 = mlp([6, 10, 3], act=nn.Tanh, seed=4)
    native = lft.from_sequential(net2)
    native.train(ds, epochs=4, lr=0.01, optimizer="adam", batch=32)
    np.testing.assert_allclose(native.params, tm.params, rtol=1e-3, atol=1e-4)


@needs_torch
def test_float64_module_and_regression(lft):
    rng = np.random.default_rng(5)
    x = rng.normal(size=(120, 3)).astype(np.float32)
    t = (x @ np.array([[1.0], [-2.0], [0.5]])).astype(np.float32)
    net = mlp([3, 8, 1], seed=6).double()
    tm = lft.TorchModel(net, 3, 1, task="regression")
    with torch.no_grad():
        ref = net(torch.from_numpy(x).double()).numpy()
    np.testing.assert_allclose(tm.predict(x), ref, rtol=1e-5, atol=1e-6)
    tm.train(lf.Dataset(x, targets=t), epochs=20, lr=0.02, optimizer="adam", batch=16)
    assert all(p.dtype == torch.float64 for p in net.parameters())
    with torch.no_grad():
        fitted = net(torch.from_numpy(x).double()).numpy()
    assert np.mean((fitted - t) ** 2) < 0.1 * np.var(t)


@needs_torch
def test_module_errors_come_back_as_libforget_errors(lft):
    net = mlp([4, 5, 2])
    with pytest.raises(lf.InvalidArgumentError, match="forward failed"):
        lft.TorchModel(net, inputs=3, outputs=2)  # 3 features into Linear(4, .)
    with pytest.raises(lf.InvalidArgumentError, match=r"expected \(1, 3\)"):
        lft.TorchModel(net, inputs=4, outputs=3)
    with pytest.raises(TypeError):
        lft.TorchModel(lambda v: v, 4, 2)

    class OneRowOnly(nn.Module):  # fine on the probe's single row only
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(4, 2)

        def forward(self, x):
            return self.lin(x.view(1, 4))

    tm = lft.TorchModel(OneRowOnly(), 4, 2)
    x, y = data(n=10, d=4, classes=2)
    with pytest.raises(lf.ForgetError, match="forward failed on 10 rows") as info:
        tm.predict_proba(x)
    assert isinstance(info.value, ValueError)
    np.testing.assert_allclose(tm.predict_proba(x[:1]).sum(), 1.0, atol=1e-6)  # still works
    before = tm.params
    with pytest.raises(lf.ForgetError):
        tm.train(lf.Dataset(x, y), epochs=1)
    np.testing.assert_array_equal(tm.params, before)

    class WrongRows(nn.Module):  # returns one row whatever it is given
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(4, 2)

        def forward(self, x):
            return self.lin(x)[:1]

    tm = lft.TorchModel(WrongRows(), 4, 2)
    with pytest.raises(lf.InvalidArgumentError, match="shape"):
        tm.predict_proba(x)


@needs_torch
def test_sisa_over_a_torchmodel_is_exact(lft):
    """sisa clones the host model per shard (shared callbacks, serialised
    by the bridge's lock) and stays exact."""
    x, y = data(n=90)
    ids = np.arange(90)
    params = dict(shards=3, slices=2, epochs=2, train={"batch": 16, "lr": 0.05})
    u = lf.Unlearner("sisa", lft.TorchModel(mlp([6, 5, 3], seed=7), 6, 3), params)
    u.prepare(lf.Dataset(x, y, ids=ids))
    u.forget_ids([4, 50, 51])
    keep = np.setdiff1d(ids, [4, 50, 51])
    v = lf.Unlearner("sisa", lft.TorchModel(mlp([6, 5, 3], seed=7), 6, 3), params)
    v.prepare(lf.Dataset(x[keep], y[keep], ids=keep))
    np.testing.assert_array_equal(u.model.predict_proba(x), v.model.predict_proba(x))


# ---- the state_dict bridge ----

@needs_torch
@pytest.mark.parametrize("act", ["relu", "tanh"])
def test_pytorch_trained_mlp_imports_with_equal_predictions(lft, act):
    x, y = data()
    net = torch_train(mlp([6, 16, 16, 3], act=nn.ReLU if act == "relu" else nn.Tanh), x, y)
    model = lft.from_sequential(net)
    assert model.kind == "mlp" and lf.parse_params(model.creation_params)["act"] == act
    np.testing.assert_allclose(model.predict_proba(x), torch_out(net, x), rtol=0, atol=1e-6)
    again = lft.from_state_dict(net.state_dict(), act=act)
    assert again.digest() == model.digest()
    # back to torch: a new Sequential with the same outputs
    seq = lft.to_sequential(model)
    np.testing.assert_allclose(torch_out(seq, x), model.predict_proba(x), rtol=0, atol=1e-6)
    sd = lft.to_state_dict(model)
    assert list(sd) == ["0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"]
    for key, value in net.state_dict().items():
        np.testing.assert_array_equal(sd[key].numpy(), value.numpy())
    fresh = mlp([6, 16, 16, 3], act=nn.ReLU if act == "relu" else nn.Tanh, seed=99)
    fresh.load_state_dict(sd)
    np.testing.assert_allclose(torch_out(fresh, x), torch_out(net, x), atol=0)
    names = list(lft.to_state_dict(model, names="libforget"))
    assert names == [b.name for b in model.blocks()]


@needs_torch
def test_linear_and_regression_and_many_layers(lft):
    rng = np.random.default_rng(8)
    x = rng.normal(size=(30, 5)).astype(np.float32)
    lin = mlp([5, 2], seed=8)
    m = lft.from_sequential(lin, task="regression")
    assert m.kind == "linear" and m.task == "regression"
    np.testing.assert_allclose(m.predict(x), torch_out(lin, x, softmax=False), atol=1e-6)
    # seven layers: keys 0..12, where "10" and "12" sort after "2" only by
    # number; a shuffled state_dict imports alike
    deep = mlp([5, 4, 4, 4, 4, 4, 4, 3], seed=9)
    sd = deep.state_dict()
    shuffled = dict(sorted(sd.items(), key=lambda kv: kv[0]))  # "10" before "2"
    assert list(shuffled)[:2] == ["0.bias", "0.weight"]
    m = lft.from_state_dict(shuffled)
    np.testing.assert_allclose(m.predict_proba(x), torch_out(deep, x), atol=1e-6)


@needs_torch
def test_bridge_refusals_name_the_problem(lft):
    bad = [
        (nn.Sequential(nn.Linear(3, 4), nn.Sigmoid(), nn.Linear(4, 2)), "Sigmoid"),
        (nn.Sequential(nn.Linear(3, 4, bias=False), nn.ReLU(), nn.Linear(4, 2)), "bias"),
        (nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 4), nn.Tanh(),
                       nn.Linear(4, 2)), "one kind"),
        (nn.Sequential(nn.Linear(3, 4), nn.ReLU()), "end with a Linear"),
        (nn.Sequential(nn.ReLU(), nn.Linear(3, 4)), "expected Linear"),
        (nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(5, 2)), "takes 5 inputs"),
        (nn.Sequential(), "start and end"),
    ]
    for seq, message in bad:
        with pytest.raises(ValueError, match=message):
            lft.from_sequential(seq)
    with pytest.raises(TypeError):
        lft.from_sequential(nn.Linear(3, 4))
    sd = mlp([3, 4, 2]).state_dict()
    for change, message in [
        (lambda d: d.pop("2.bias"), "no bias"),
        (lambda d: d.pop("0.weight"), "no weight"),
        (lambda d: d.__setitem__("0.running_mean", torch.zeros(4)), "running_mean"),
        (lambda d: d.__setitem__("2.weight", torch.zeros(2, 5)), "takes 5 inputs"),
        (lambda d: d.__setitem__("0.bias", torch.zeros(3)), "bias"),
    ]:
        d = dict(sd)
        change(d)
        with pytest.raises(ValueError, match=message):
            lft.from_state_dict(d)
    with pytest.raises(ValueError, match="act"):
        lft.from_state_dict(sd, act="gelu")
    with pytest.raises(ValueError, match="no layer"):
        lft.from_state_dict({})
    analytic = lf.Model("analytic", inputs=3, outputs=2)
    with pytest.raises(ValueError, match="analytic"):
        lft.to_state_dict(analytic)
    with pytest.raises(ValueError, match="names"):
        lft.to_state_dict(lft.from_state_dict(sd), names="keras")


@needs_torch
def test_the_docs_example_runs(lft, capsys):
    from test_sklearn import doc_block
    code = doc_block("\n## PyTorch")
    if code is None:
        pytest.skip("not in a libforget source tree")
    scope = {}
    exec(compile(code, "docs/python.md", "exec"), scope)
    assert float(capsys.readouterr().out) > 0  # ssd dampened parameters
    np.testing.assert_array_equal(flat(scope["net"]), scope["model"].params)
