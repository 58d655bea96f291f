#!/usr/bin/python3
"""PyTorch-on-CPU yardstick for libforget's C trainer (run by `make bench`).

Trains the same recipe as the C trainer -- an MLP (default 784-256-128-10,
ReLU, nn.Linear default init) with softmax cross-entropy (mean) and
torch.optim.SGD(lr=0.05, momentum=0.9, weight_decay=0), batch 128, 5 epochs,
reshuffled every epoch from a seeded torch.Generator -- on Fashion-MNIST read
straight from the IDX .gz files (pixels float32 / 255).

What is measured (time.perf_counter):
  load_seconds   reading + decoding the four IDX files into tensors;
  train_seconds  the training loop only (batches are index_select'ed from
                 pre-loaded tensors; no DataLoader, no worker processes).
Test and train accuracy are computed afterwards in eval mode under no_grad;
final_loss is the mean cross-entropy of the last mini-batch.
Output: exactly one JSON line on stdout; progress goes to stderr.

Usage (Debian's interpreter, torch 1.13, no downloads). On 2 cores the fastest
is BLAS threads 2 + torch threads 1; 2 + 2 oversubscribes (about 3-5x slower):
  OPENBLAS_NUM_THREADS=2 /usr/bin/python3 tools/bench/torch_mlp.py --threads 1
  tools/bench/torch_mlp.py --limit 10000 --epochs 1 --data DIR   # quick check
"""
import argparse
import json
import os
import resource
import sys
import time

import torch
from torch import nn

from torch_common import build_mlp, load_split  # noqa: E402 (next to this script)

DEFAULT_DATA = "/usr/share/datasets/fashion-mnist"


@torch.no_grad()
def accuracy(model, x, y, chunk=10000):
    model.eval()
    hits = sum((model(x[i:i + chunk]).argmax(1) == y[i:i + chunk]).sum().item()
               for i in range(0, len(x), chunk))
    return hits / len(x)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", default=DEFAULT_DATA, help="directory with the IDX .gz files")
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--lr", type=float, default=0.05)
    p.add_argument("--momentum", type=float, default=0.9)
    p.add_argument("--limit", type=int, default=0, help="use the first N train rows (0 = all)")
    p.add_argument("--threads", type=int, default=1, help="torch.set_num_threads")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--layers", default="784-256-128-10")
    a = p.parse_args()

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)  # nn.Linear init
    layers = [int(s) for s in a.layers.split("-")]

    t0 = time.perf_counter()
    x_train, y_train = load_split(a.data, "train")
    x_test, y_test = load_split(a.data, "t10k")
    if a.limit > 0:
        x_train, y_train = x_train[:a.limit].contiguous(), y_train[:a.limit].contiguous()
    load_seconds = time.perf_counter() - t0
    if x_train.shape[1] != layers[0]:
        sys.exit(f"input width {x_train.shape[1]} != first layer {layers[0]}")

    model = build_mlp(layers)
    loss_fn = nn.CrossEntropyLoss()
    opt = torch.optim.SGD(model.parameters(), lr=a.lr, momentum=a.momentum, weight_decay=0)
    gen = torch.Generator().manual_seed(a.seed)
    n = len(x_train)
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, "
          f"{n} train rows, layers {layers}, load {load_seconds:.2f}s", file=sys.stderr)

    model.train()
    loss, t0 = torch.tensor(float("nan")), time.perf_counter()
    for epoch in range(a.epochs):
        perm = torch.randperm(n, generator=gen)
        for i in range(0, n, a.batch):
            idx = perm[i:i + a.batch]
            xb, yb = x_train.index_select(0, idx), y_train.index_select(0, idx)
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
        print(f"epoch {epoch + 1}/{a.epochs}: last batch loss {loss.item():.4f} "
              f"({time.perf_counter() - t0:.2f}s)", file=sys.stderr)
    train_seconds = time.perf_counter() - t0

    test_acc = accuracy(model, x_test, y_test)
    train_acc = accuracy(model, x_train, y_train)
    result = {
        "framework": "pytorch",
        "torch_version": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "openblas_threads": os.environ.get("OPENBLAS_NUM_THREADS"),
        "epochs": a.epochs,
        "batch": a.batch,
        "train_rows": n,
        "load_seconds": round(load_seconds, 4),
        "train_seconds": round(train_seconds, 4),
        "samples_per_second": round(n * a.epochs / train_seconds, 1) if train_seconds > 0 else None,
        "test_accuracy": round(test_acc, 4),
        "train_accuracy": round(train_acc, 4),
        "final_loss": round(loss.item(), 6),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
