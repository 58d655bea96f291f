"""PyTorch bridge: a torch module as a libforget model, and dense weights
moved between ``nn.Sequential`` and libforget's ``mlp``/``linear`` models.

Importable only when PyTorch (>= 1.12, for functional_call) is; otherwise
``import libforget.torch`` raises ImportError saying so.

``TorchModel(module, inputs, outputs, task=...)`` is a HostModel: the
library trains, evaluates and unlearns the module through two callbacks.
Its parameter vector is the module's ``parameters()`` in that order, each
tensor flattened row-major (``torch.cat([p.reshape(-1) for p in
module.parameters()])``), as float32. The callbacks never modify the
module: forward runs ``functional_call`` under ``no_grad`` with the
library's parameters; backward gives per-row vector-Jacobian products with
``vmap(grad(...))`` (``torch.func`` on torch >= 2, ``functorch`` on 1.13)
or, when neither is available or ``per_row="loop"``, one autograd call per
row. ``write_back()`` copies the library's parameters into the module
(``train`` does it itself; after an unlearner's forget, call it).

``from_sequential``, ``from_state_dict``, ``to_state_dict`` and
``to_sequential`` convert dense networks (Linear layers with bias, one
activation kind, ReLU or Tanh, between them and none after the last) using
the model's named blocks (``Model.blocks()``: "dense0.weight" outputs x
inputs as nn.Linear holds it, "dense0.bias", ...), never a guessed layout.
"""
try:
    import torch
    from torch import nn
    from torch.nn.utils.stateless import functional_call as _stateless_call
except ImportError as _e:  # pragma: no cover - exercised in a subprocess
    raise ImportError("libforget.torch needs PyTorch >= 1.12 (import torch "
                      f"failed: {_e}); install python3-torch or torch") from _e

import re
import threading
from collections import OrderedDict
from typing import Any, List, Mapping, Tuple

import numpy as np

from libforget import HostModel, Model
from libforget.errors import InvalidArgumentError

__all__ = ["TorchModel", "from_sequential", "from_state_dict", "to_state_dict",
           "to_sequential", "per_row_backends"]


def _vmap_grad():
    """(vmap, grad) from torch.func (torch >= 2) or functorch, else None."""
    func = getattr(torch, "func", None)
    if func is not None and hasattr(func, "vmap") and hasattr(func, "grad"):
        return func.vmap, func.grad
    try:
        import functorch
    except ImportError:
        return None
    return functorch.vmap, functorch.grad


def _functional_call():
    func = getattr(torch, "func", None)
    return getattr(func, "functional_call", None) or _stateless_call


def per_row_backends() -> List[str]:
    """The ways backward can run here: ["vmap", "loop"] or ["loop"]."""
    return ["vmap", "loop"] if _vmap_grad() is not None else ["loop"]


class _Bridge:
    """forward/backward of one module on the library's flat parameters. A
    lock serialises the calls: functional_call swaps the module's tensors
    while it runs, so two threads (sisa's shards) must take turns."""

    def __init__(self, module, per_row):
        self.module = module
        named = list(module.named_parameters())
        if not named:
            raise InvalidArgumentError("the module has no parameters")
        self.names = [n for n, _ in named]
        self.shapes = [tuple(p.shape) for _, p in named]
        self.sizes = [p.numel() for _, p in named]
        first = named[0][1]
        self.dtype, self.device = first.dtype, first.device
        if not self.dtype.is_floating_point:
            raise InvalidArgumentError(f"the module's parameters are {self.dtype}; "
                                       "expected floating point")
        self.call = _functional_call()
        tools = _vmap_grad()
        if per_row == "auto":
            per_row = "vmap" if tools is not None else "loop"
        if per_row not in ("vmap", "loop"):
            raise InvalidArgumentError(f"per_row={per_row!r} is not 'auto', 'vmap' or 'loop'")
        if per_row == "vmap" and tools is None:
            raise InvalidArgumentError("per_row='vmap' needs torch.func or functorch")
        self.per_row = per_row
        if tools is not None:
            vmap, grad = tools
            self.per_row_grad = vmap(grad(self._row_dot), in_dims=(None, 0, 0))
        self.lock = threading.Lock()

    def flat(self):
        """The module's parameters as the library's vector (float32)."""
        with torch.no_grad():
            parts = [p.detach().reshape(-1).to("cpu", torch.float32)
                     for p in self.module.parameters()]
        return torch.cat(parts).numpy()

    def _tensor(self, a):
        return torch.from_numpy(np.array(a, np.float32)).to(self.device, self.dtype)

    def _unflatten(self, flat):
        chunks = torch.split(flat, self.sizes)
        return {n: c.view(s) for n, c, s in zip(self.names, chunks, self.shapes)}

    def _run(self, flat, x):
        return self.call(self.module, self._unflatten(flat), (x,))

    def _row_dot(self, flat, xi, di):
        return (self._run(flat, xi.unsqueeze(0)).squeeze(0) * di).sum()

    def _fail(self, which, n, e):
        hint = " (per_row='loop' avoids vmap)" if which == "backward" and \
            self.per_row == "vmap" else ""
        return InvalidArgumentError(f"the torch module's {which} failed on {n} rows: "
                                    f"{type(e).__name__}: {e}{hint}")

    def forward(self, params, x):
        with self.lock:
            try:
                with torch.no_grad():
                    out = self._run(self._tensor(params), self._tensor(x))
            except Exception as e:
                raise self._fail("forward", len(x), e) from e
        if not isinstance(out, torch.Tensor):
            raise InvalidArgumentError(f"the torch module's forward returned "
                                       f"{type(out).__name__}; expected a tensor")
        return out.detach().to("cpu", torch.float32).numpy()

    def backward(self, params, x, dout):
        with self.lock:
            flat, xt, dt = self._tensor(params), self._tensor(x), self._tensor(dout)
            try:
                if self.per_row == "vmap":
                    grads = self.per_row_grad(flat, xt, dt)
                else:
                    grads = torch.empty((len(x), flat.numel()), dtype=flat.dtype,
                                        device=flat.device)
                    for i in range(len(x)):
                        leaf = flat.detach().requires_grad_(True)
                        value = (self._run(leaf, xt[i:i + 1])[0] * dt[i]).sum()
                        grads[i] = torch.autograd.grad(value, leaf)[0]
            except Exception as e:
                raise self._fail("backward", len(x), e) from e
        return grads.detach().to("cpu", torch.float32).numpy()


class TorchModel(HostModel):
    """An ``nn.Module`` as a libforget model (a HostModel; see the module
    doc). inputs: features per row; outputs: the module's outputs per row
    (logits for classification, values for regression). per_row: how
    backward gets per-row gradients, "auto" (vmap when available), "vmap" or
    "loop". The module must treat each row on its own (no BatchNorm in
    training mode, no dropout: call ``module.eval()`` if it has them) and is
    probed once on one row of zeros, so a wrong shape fails here."""

    def __init__(self, module: "nn.Module", inputs: int, outputs: int,
                 task: str = "classification", *, per_row: str = "auto") -> None:
        if not isinstance(module, nn.Module):
            raise TypeError(f"module must be a torch.nn.Module, not {type(module).__name__}")
        bridge = _Bridge(module, per_row)
        probe = bridge.forward(bridge.flat(), np.zeros((1, int(inputs)), np.float32))
        if probe.shape != (1, outputs):
            raise InvalidArgumentError(f"the module maps 1 row of {inputs} features to "
                                       f"shape {tuple(probe.shape)}; expected (1, {outputs})")
        super().__init__(bridge.forward, bridge.backward, bridge.flat(), inputs, outputs, task)
        self.module = module
        self.per_row = bridge.per_row
        self._bridge = bridge

    def write_back(self) -> "nn.Module":
        """Copy the library's parameters into the module (in its dtype and
        device). Returns the module."""
        flat = torch.from_numpy(self.params)
        with self._bridge.lock, torch.no_grad():
            for p, chunk in zip(self.module.parameters(), torch.split(flat, self._bridge.sizes)):
                p.copy_(chunk.view(p.shape))
        return self.module

    def train(self, data: Any, params: Any = None, **kwargs: Any) -> "TorchModel":
        """Model.train, then write_back(). Returns self."""
        super().train(data, params, **kwargs)
        self.write_back()
        return self


# ---- state_dict bridge for the dense kinds ----

_ACTS = {nn.ReLU: "relu", nn.Tanh: "tanh"}
_ACT_MODULES = {"relu": nn.ReLU, "tanh": nn.Tanh}
_DENSE = re.compile(r"dense(\d+)\.(weight|bias)\Z")


def _numpy(t, what):
    if not isinstance(t, torch.Tensor):
        raise TypeError(f"{what} is a {type(t).__name__}, not a tensor")
    return t.detach().to("cpu", torch.float32).numpy()


def _dense_model(layers: List[Tuple[np.ndarray, np.ndarray]], act: str,
                 task: str) -> Model:
    """A libforget linear/mlp model holding layers [(W, b), ...] (numpy),
    filled through its named blocks."""
    for i, (w, b) in enumerate(layers):
        if w.ndim != 2 or b.shape != (w.shape[0],):
            raise InvalidArgumentError(f"layer {i}: weight {w.shape} and bias {b.shape} "
                                       "are not outputs x inputs and outputs")
        if i and w.shape[1] != layers[i - 1][0].shape[0]:
            raise InvalidArgumentError(f"layer {i} takes {w.shape[1]} inputs; layer "
                                       f"{i - 1} gives {layers[i - 1][0].shape[0]}")
    if task not in ("classification", "regression"):
        raise InvalidArgumentError(f"task={task!r} is not 'classification' or 'regression'")
    if len(layers) == 1:
        w = layers[0][0]
        model = Model("linear", inputs=w.shape[1], outputs=w.shape[0], task=task)
    else:
        widths = [layers[0][0].shape[1]] + [w.shape[0] for w, _ in layers]
        model = Model("mlp", layers="-".join(map(str, widths)), act=act, task=task)
    arrays = {}
    for i, (w, b) in enumerate(layers):
        arrays[f"dense{i}.weight"], arrays[f"dense{i}.bias"] = w, b
    flat = np.empty(model.param_count, np.float32)
    for block in model.blocks():
        if block.name not in arrays:
            raise InvalidArgumentError(f"the {model.kind} model has a block "
                                       f"{block.name!r} this bridge does not fill")
        a = arrays.pop(block.name)
        if a.shape != block.shape:
            raise InvalidArgumentError(f"block {block.name!r} is {block.shape}; "
                                       f"the tensor is {a.shape}")
        flat[block.offset:block.offset + a.size] = a.reshape(-1)
    if arrays:
        raise InvalidArgumentError(f"the {model.kind} model has no block for "
                                   f"{sorted(arrays)}")
    model.params = flat
    return model


def from_sequential(seq: "nn.Sequential", task: str = "classification") -> Model:
    """A libforget model with the weights of ``nn.Sequential(Linear, Act,
    Linear, ..., Linear)`` (Act: all ReLU or all Tanh; every Linear with a
    bias; no activation or softmax after the last: libforget applies
    softmax itself for classification). One Linear gives kind "linear",
    more give "mlp"."""
    if not isinstance(seq, nn.Sequential):
        raise TypeError(f"expected an nn.Sequential, not {type(seq).__name__}")
    layers, act = [], None
    children = list(seq.children())
    for i, mod in enumerate(children):
        expect_linear = i % 2 == 0
        if expect_linear and isinstance(mod, nn.Linear):
            if mod.bias is None:
                raise InvalidArgumentError(f"layer {i} (Linear) has no bias; libforget's "
                                           "dense layers always have one")
            layers.append((_numpy(mod.weight, f"layer {i}'s weight"),
                           _numpy(mod.bias, f"layer {i}'s bias")))
        elif not expect_linear and type(mod) in _ACTS:
            if act not in (None, _ACTS[type(mod)]):
                raise InvalidArgumentError(f"layer {i} is {type(mod).__name__}; an earlier "
                                           f"activation is {act}: libforget uses one kind")
            act = _ACTS[type(mod)]
        else:
            raise InvalidArgumentError(f"layer {i} is {type(mod).__name__}; expected "
                                       f"{'Linear' if expect_linear else 'ReLU or Tanh'} "
                                       "(Linear, Act, Linear, ..., Linear)")
    if not layers or len(children) % 2 == 0:
        raise InvalidArgumentError("the Sequential must start and end with a Linear layer")
    return _dense_model(layers, act or "relu", task)


def _natural_key(text):
    return [(0, int(t), "") if t.isdigit() else (1, 0, t)
            for t in re.split(r"(\d+)", text) if t]


def from_state_dict(state_dict: Mapping[str, Any], act: str = "relu",
                    task: str = "classification") -> Model:
    """A libforget model from a state_dict of dense layers: keys
    "<prefix>.weight" (outputs x inputs) and "<prefix>.bias", layers in the
    natural order of their prefixes ("10" after "2"), e.g. an
    nn.Sequential's "0.weight", "0.bias", "2.weight", ... act: "relu" or
    "tanh" between the layers."""
    if act not in _ACT_MODULES:
        raise InvalidArgumentError(f"act={act!r} is not 'relu' or 'tanh'")
    groups = {}
    for key, value in state_dict.items():
        prefix, _, leaf = key.rpartition(".")
        if leaf not in ("weight", "bias"):
            raise InvalidArgumentError(f"state_dict key {key!r} is not <prefix>.weight "
                                       "or <prefix>.bias")
        groups.setdefault(prefix, {})[leaf] = _numpy(value, f"state_dict[{key!r}]")
    layers = []
    for prefix in sorted(groups, key=_natural_key):
        g = groups[prefix]
        if set(g) != {"weight", "bias"}:
            missing = ({"weight", "bias"} - set(g)).pop()
            raise InvalidArgumentError(f"layer {prefix!r} has no {missing}")
        layers.append((g["weight"], g["bias"]))
    if not layers:
        raise InvalidArgumentError("the state_dict holds no layer")
    return _dense_model(layers, act, task)


def _dense_blocks(model):
    """[(layer, leaf, block)] of a linear/mlp model, checked."""
    if not isinstance(model, Model):
        raise TypeError(f"expected a libforget Model, not {type(model).__name__}")
    if model.kind not in ("linear", "mlp"):
        raise InvalidArgumentError(f"a {model.kind!r} model has no dense layers to export "
                                   "(linear and mlp only)")
    out = []
    for block in model.blocks():
        m = _DENSE.match(block.name)
        if not m:
            raise InvalidArgumentError(f"block {block.name!r} is not a dense layer's")
        out.append((int(m.group(1)), m.group(2), block))
    return out


def to_state_dict(model: Model, names: str = "torch") -> "OrderedDict[str, torch.Tensor]":
    """A linear/mlp model's parameters as an OrderedDict of float32 tensors
    (copies): names="torch" gives the keys of the matching nn.Sequential
    (see to_sequential: "0.weight", "0.bias", "2.weight", ...),
    names="libforget" the library's block names ("dense0.weight", ...)."""
    if names not in ("torch", "libforget"):
        raise InvalidArgumentError(f"names={names!r} is not 'torch' or 'libforget'")
    flat = model.params
    out = OrderedDict()
    for layer, leaf, block in _dense_blocks(model):
        size = int(np.prod(block.shape))
        key = f"{2 * layer}.{leaf}" if names == "torch" else block.name
        out[key] = torch.from_numpy(flat[block.offset:block.offset + size]
                                    .reshape(block.shape).copy())
    return out


def to_sequential(model: Model) -> "nn.Sequential":
    """An nn.Sequential(Linear, Act, ..., Linear) holding a linear/mlp
    model's weights (float32; no softmax at the end: apply it to get the
    library's probabilities)."""
    blocks = _dense_blocks(model)
    from libforget.params import parse_params
    act = parse_params(model.creation_params).get("act", "relu")
    mods = []
    for layer, leaf, block in blocks:
        if leaf == "weight":
            if mods:
                mods.append(_ACT_MODULES[act]())
            mods.append(nn.Linear(block.shape[1], block.shape[0]))
    seq = nn.Sequential(*mods)
    seq.load_state_dict(to_state_dict(model, "torch"))
    return seq
