#!/usr/bin/python3
"""PyTorch reference for libforget's Selective Synaptic Dampening (SSD) benchmark.

Applies the reference SSD code (Foster et al. 2024) to the model and forget set of
our C benchmark: an MLP (default 784-256-128-10, ReLU) from raw <f4 parameters (per
layer the nn.Linear weight, out x in row-major, then bias); F = 0-based rows of the
Fashion-MNIST training set D; R = D - F. It reproduces the reference code's batch
importances (`calc_importance`: --batch rows over D in file order and F in given
order, unshuffled; mean over batches of grad**2 of the batch-mean cross-entropy)
and dampens entries with I_F > alpha*I_D by min(lam*I_D/I_F, 1). Timed: the D and
F passes, dampening per alpha, and (yardstick only) a per-sample pass over D done
the C way: per Linear sum_rows grad**2 = (Delta*Delta)^T (A*A), bias sum Delta**2.
Per alpha and for the original model: accuracy on R, F and test, and the SSD paper's
entropy MIA (share of F called members by a balanced logistic regression fitted on
R vs test softmax entropies). One JSON line on stdout. On 2 cores:
  OPENBLAS_NUM_THREADS=2 tools/bench/torch_ssd.py --weights W --forget F --threads 1
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch
from torch import nn
from sklearn.linear_model import LogisticRegression

from fashion_idx import read_idx  # noqa: E402 (next to this script)

def load_split(data_dir, prefix):
    """Return (float32 [N, 784] in [0, 1], int64 [N]) tensors for 'train' or 't10k'."""
    images = read_idx(os.path.join(data_dir, f"{prefix}-images-idx3-ubyte.gz"), 0x00000803)
    labels = read_idx(os.path.join(data_dir, f"{prefix}-labels-idx1-ubyte.gz"), 0x00000801)
    x = images.reshape(len(images), -1).astype(np.float32)
    x /= 255.0
    return torch.from_numpy(x), torch.from_numpy(labels.astype(np.int64))


def load_mlp(path, layers):
    """nn.Sequential of Linear/ReLU with parameters read from a raw <f4 file."""
    mods = [m for i, o in zip(layers, layers[1:]) for m in (nn.Linear(i, o), nn.ReLU())]
    model = nn.Sequential(*mods[:-1])  # no ReLU on the logits
    want = 4 * sum(p.numel() for p in model.parameters())
    if os.path.getsize(path) != want:
        sys.exit(f"{path}: {os.path.getsize(path)} bytes, layers {layers} need {want}")
    flat, off = torch.from_numpy(np.fromfile(path, dtype="<f4")), 0
    with torch.no_grad():
        for p in model.parameters():  # weight then bias, layer by layer
            p.copy_(flat[off:off + p.numel()].view_as(p))
            off += p.numel()
    return model


def batch_importance(model, x, y, batch):
    """Reference SSD calc_importance: mean over mini-batches of grad**2."""
    loss_fn, imps = nn.CrossEntropyLoss(), [torch.zeros_like(p) for p in model.parameters()]
    starts = range(0, len(x), batch)
    for i in starts:
        model.zero_grad(set_to_none=False)
        loss_fn(model(x[i:i + batch]), y[i:i + batch]).backward()
        for imp, p in zip(imps, model.parameters()):
            imp += p.grad.clone().pow(2)
    return [imp / float(len(starts)) for imp in imps]


def sample_importance(model, x, y, chunk=1024):
    """Sum over rows of per-row grad**2, as (Delta*Delta)^T (A*A) per Linear."""
    linears, seen = [m for m in model if isinstance(m, nn.Linear)], {}
    hooks = [m.register_forward_hook(lambda m, i, o: seen.__setitem__(m, (i[0], o)))
             for m in linears]
    imps = [torch.zeros_like(p) for p in model.parameters()]  # W0, b0, W1, b1, ...
    loss_fn = nn.CrossEntropyLoss(reduction="sum")  # sum: Delta is the per-row gradient
    for i in range(0, len(x), chunk):
        loss = loss_fn(model(x[i:i + chunk]), y[i:i + chunk])
        deltas = torch.autograd.grad(loss, [seen[m][1] for m in linears])
        with torch.no_grad():
            for k, (m, d) in enumerate(zip(linears, deltas)):
                a, d2 = seen[m][0], d * d
                imps[2 * k] += d2.t() @ (a * a)
                imps[2 * k + 1] += d2.sum(0)
    for h in hooks:
        h.remove()
    return imps


def check_sample_importance(model, x, y):
    """Assert the GEMM form matches an explicit per-row loop on a tiny chunk."""
    fast = sample_importance(model, x, y, chunk=3)
    slow = [torch.zeros_like(p) for p in model.parameters()]
    for r in range(len(x)):
        model.zero_grad(set_to_none=False)
        nn.functional.cross_entropy(model(x[r:r + 1]), y[r:r + 1]).backward()
        for s, p in zip(slow, model.parameters()):
            s += p.grad.pow(2)
    for f, s in zip(fast, slow):
        rel = ((f - s).abs().max() / s.abs().max().clamp_min(1e-30)).item()
        assert rel <= 1e-4, f"per-sample importance mismatch: relative error {rel:.3g}"


def ssd_dampen(model, imp_d, imp_f, alpha, lam):
    """SSD selection + dampening in place; returns the number of dampened entries."""
    count = 0
    with torch.no_grad():
        for p, oimp, fimp in zip(model.parameters(), imp_d, imp_f):
            loc = fimp > oimp * alpha
            p[loc] = p[loc] * (oimp[loc] * lam / fimp[loc]).clamp(max=1.0)
            count += int(loc.sum())
    return count


@torch.no_grad()
def evaluate(model, x_train, y_train, x_test, y_test, fmask):
    """Accuracy on R, F, test and the SSD paper's entropy MIA score on F."""
    model.eval()
    p_tr, p_te = torch.softmax(model(x_train), 1), torch.softmax(model(x_test), 1)
    ent = [-torch.where(q > 0, q * q.log(), torch.zeros_like(q)).sum(1) for q in (p_tr, p_te)]
    e_r, e_f, e_t = ent[0][~fmask], ent[0][fmask], ent[1]
    clf = LogisticRegression(class_weight="balanced", solver="lbfgs")
    clf.fit(torch.cat([e_r, e_t]).numpy().reshape(-1, 1),
            np.concatenate([np.ones(len(e_r)), np.zeros(len(e_t))]))
    hit = p_tr.argmax(1) == y_train
    return {"retain_acc": round(hit[~fmask].float().mean().item(), 6),
            "forget_acc": round(hit[fmask].float().mean().item(), 6),
            "test_acc": round((p_te.argmax(1) == y_test).float().mean().item(), 6),
            "mia": round(float(clf.predict(e_f.numpy().reshape(-1, 1)).mean()), 6)}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--weights", required=True, help="raw little-endian float32 parameters")
    p.add_argument("--forget", required=True, help="one 0-based training row index per line")
    p.add_argument("--data", default="/usr/share/datasets/fashion-mnist", help="IDX .gz dir")
    p.add_argument("--layers", default="784-256-128-10")
    p.add_argument("--alphas", default="10,4,2,1.5")
    p.add_argument("--lam", type=float, default=1.0)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--threads", type=int, default=1, help="torch.set_num_threads")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    layers = [int(s) for s in a.layers.split("-")]
    (x, y), (x_test, y_test) = load_split(a.data, "train"), load_split(a.data, "t10k")
    if x.shape[1] != layers[0]:
        sys.exit(f"input width {x.shape[1]} != first layer {layers[0]}")
    model = load_mlp(a.weights, layers)
    forget = torch.from_numpy(np.loadtxt(a.forget, dtype=np.int64, ndmin=1))
    if (len(forget) == 0 or forget.min() < 0 or forget.max() >= len(x)
            or len(torch.unique(forget)) != len(forget)):
        sys.exit(f"{a.forget}: empty, duplicate or out-of-range [0, {len(x)}) rows")
    fmask = torch.zeros(len(x), dtype=torch.bool)
    fmask[forget] = True
    x_f, y_f, data = x[forget], y[forget], (x, y, x_test, y_test, fmask)
    out = {"framework": "pytorch", "torch_version": torch.__version__,
           "torch_threads": torch.get_num_threads(),
           "openblas_threads": os.environ.get("OPENBLAS_NUM_THREADS"),
           "lam": a.lam, "batch": a.batch, "forget_rows": len(forget)}
    print(f"{out}, layers {layers}, |D| {len(x)}", file=sys.stderr)
    model.train()
    t0 = time.perf_counter()
    imp_d = batch_importance(model, x, y, a.batch)
    t1 = time.perf_counter()
    imp_f = batch_importance(model, x_f, y_f, a.batch)
    t2 = time.perf_counter()
    check_sample_importance(model, x[:7], y[:7])
    t3 = time.perf_counter()
    sample_importance(model, x, y, chunk=1024)
    out.update(d_pass_seconds=round(t1 - t0, 4), f_pass_seconds=round(t2 - t1, 4),
               sample_pass_seconds=round(time.perf_counter() - t3, 4))
    print(f"importance passes: {out}", file=sys.stderr)
    out["original"] = evaluate(model, *data)
    print(f"original: {out['original']}", file=sys.stderr)
    state, out["runs"] = {k: v.clone() for k, v in model.state_dict().items()}, []
    for alpha in (float(s) for s in a.alphas.split(",")):
        model.load_state_dict(state)
        t0 = time.perf_counter()
        n = ssd_dampen(model, imp_d, imp_f, alpha, a.lam)
        run = {"alpha": alpha, "dampened": n, "dampen_seconds": round(time.perf_counter() - t0, 6)}
        run.update(evaluate(model, *data))
        print(f"alpha {alpha}: {run}", file=sys.stderr)
        out["runs"].append(run)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
