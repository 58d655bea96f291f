#!/usr/bin/python3
"""PyTorch yardstick for libforget's SISA method (Bourtoule et al. 2021).

SISA as lib/methods/sisa.c does it, on Fashion-MNIST (IDX .gz, pixels float32/255).
Sample id = train row index; h = mix64(id ^ mix64(seed)), shard = h % S, slice =
mix64(h) % R. A template MLP (784-256-128-10, ReLU) is made under
torch.manual_seed(seed); each shard starts from a copy of its weights. Stage r
of shard s trains on its rows with slice <= r (in id order) for epochs[r] epochs
with a fresh SGD(lr 0.05, momentum 0.9, wd 0), batch 128, reshuffled each epoch
by a torch.Generator seeded per shard and stage like the C code ((seed %
1000000007) * 4099 + shard * 64 + r); an empty stage trains nothing. After each
stage a checkpoint (state_dict copy) is kept in memory. The ensemble predicts by
the mean of the shards' softmax probabilities. Forgetting ids: coalesce them
(unique, not yet forgotten); per affected shard, r0 = smallest slice among its
ids; restore the checkpoint of stage r0-1 (initial weights if r0 = 0), retrain
stages r0..R-1 without the forgotten rows.

Timed (perf_counter): train_seconds (all shards, one after another);
one_deletion_seconds (line 0 of --deletions); sequential_100_seconds (lines
1..100, one call each); batch_100_seconds (lines 101..200 in one call, from the
state after those: "batch_from"); full_retrain_seconds (all shards from scratch
without the 201 ids; training is deterministic, so it should equal the unlearned
ensemble bit for bit: "retrain_matches_unlearned"). One JSON line on stdout.
  OPENBLAS_NUM_THREADS=2 tools/bench/torch_sisa.py --deletions FILE --threads 1
"""
import argparse
import copy
import json
import os
import resource
import sys
import time

import numpy as np
import torch
from torch import nn

from torch_common import build_mlp, load_split  # noqa: E402 (next to this script)

DEFAULT_DATA = "/usr/share/datasets/fashion-mnist"
M64 = (1 << 64) - 1


def mix64(x):
    """SplitMix64 finaliser on a Python int (the reference, = fg_mix64)."""
    x = (x + 0x9E3779B97F4A7C15) & M64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & M64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & M64
    return x ^ (x >> 31)


def mix64_np(x):
    """mix64 on a uint64 array (numpy array arithmetic wraps modulo 2^64)."""
    x = x + np.uint64(0x9E3779B97F4A7C15)
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def assign(ids, seed, S, R):
    """Shard and slice (int64 arrays) of each id, as libforget's fg_sisa_assign."""
    h = mix64_np(np.asarray(ids, dtype=np.uint64) ^ np.uint64(mix64(seed & M64)))
    return (h % np.uint64(S)).astype(np.int64), (mix64_np(h) % np.uint64(R)).astype(np.int64)


class Sisa:
    """S constituents with R stage checkpoints each, over rows still 'alive'."""

    def __init__(self, a, x, y, init_state, alive):
        self.a, self.x, self.y, self.init, self.alive = a, x, y, init_state, alive.copy()
        self.S, self.R, self.epochs = a.shards, a.slices, a.epoch_list
        self.shard, self.slice = assign(np.arange(len(x)), a.seed, self.S, self.R)
        self.models, self.ckpt = [None] * self.S, [[None] * self.R for _ in range(self.S)]

    def train_shard(self, s, r0=0):
        """(Re)train shard s from stage r0 on; returns the stages trained."""
        model = build_mlp(self.a.layer_list)
        model.load_state_dict(self.init if r0 == 0 else self.ckpt[s][r0 - 1])
        for r in range(r0, self.R):
            mask = self.alive & (self.shard == s) & (self.slice <= r)
            rows = torch.from_numpy(np.flatnonzero(mask))  # increasing id order
            gen = torch.Generator().manual_seed((self.a.seed % 1000000007) * 4099 + s * 64 + r)
            opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=0)
            for _ in range(self.epochs[r] if len(rows) else 0):
                perm = rows[torch.randperm(len(rows), generator=gen)]
                for idx in perm.split(128):
                    opt.zero_grad(set_to_none=True)
                    nn.functional.cross_entropy(model(self.x[idx]), self.y[idx]).backward()
                    opt.step()
            self.ckpt[s][r] = copy.deepcopy(model.state_dict())
        self.models[s] = model
        return self.R - r0

    def train_all(self):
        return sum(self.train_shard(s) for s in range(self.S))

    def forget(self, ids):
        """Forget ids (one request); returns the stages retrained."""
        ids = np.unique(np.asarray(ids, dtype=np.int64))
        ids = ids[self.alive[ids]]  # coalesce: already-forgotten ids cost nothing
        self.alive[ids] = False
        sh, sl = self.shard[ids], self.slice[ids]
        first = {int(s): int(sl[sh == s].min()) for s in np.unique(sh)}  # shard -> r0
        return sum(self.train_shard(s, r0) for s, r0 in sorted(first.items()))

    @torch.no_grad()
    def accuracy(self, x, y):
        prob = sum(torch.softmax(m(x), dim=1) for m in self.models) / len(self.models)
        return (prob.argmax(1) == y).double().mean().item()


def timed(fn, *args):
    """(fn(*args), seconds it took)."""
    t0 = time.perf_counter()
    out = fn(*args)
    return out, time.perf_counter() - t0


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", default=DEFAULT_DATA, help="directory with the IDX .gz files")
    p.add_argument("--shards", type=int, default=5)
    p.add_argument("--slices", type=int, default=4)
    p.add_argument("--epochs", default="1", help="one number, or one per slice joined by ':'")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--layers", default="784-256-128-10")
    p.add_argument("--threads", type=int, default=1, help="torch.set_num_threads")
    p.add_argument("--deletions", required=True, help="text file, one train row index a line")
    a = p.parse_args()

    a.epoch_list = [int(e) for e in a.epochs.split(":")]
    a.epoch_list *= a.slices if len(a.epoch_list) == 1 else 1
    if len(a.epoch_list) != a.slices or min(a.epoch_list) < 0 or min(a.shards, a.slices) < 1:
        sys.exit(f"need shards, slices >= 1 and --epochs as 1 or {a.slices} numbers >= 0")
    a.layer_list = [int(v) for v in a.layers.split("-")]
    with open(a.deletions) as f:
        dels = [int(t) for t in f.read().split()]
    if len(dels) < 201:
        sys.exit(f"{a.deletions}: {len(dels)} indices, need >= 201 (1 + 100 + 100 batch)")

    for i in (0, 1, 59999, 2**63 + 5):  # vectorised hash == reference hash
        h, (sh, sl) = mix64(i ^ mix64(a.seed & M64)), assign([i], a.seed, a.shards, a.slices)
        assert (sh[0], sl[0]) == (h % a.shards, mix64(h) % a.slices), f"mix64 mismatch, id {i}"

    torch.set_num_threads(a.threads)
    x_train, y_train = load_split(a.data, "train")
    x_test, y_test = load_split(a.data, "t10k")
    n = len(x_train)
    if x_train.shape[1] != a.layer_list[0] or not all(0 <= d < n for d in dels[:201]):
        sys.exit(f"need first layer {x_train.shape[1]} and deletion indices in [0, {n})")
    torch.manual_seed(a.seed)
    init_state = build_mlp(a.layer_list).state_dict()  # the template
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, {n} rows, "
          f"S={a.shards} R={a.slices} epochs {a.epoch_list}", file=sys.stderr)

    sisa = Sisa(a, x_train, y_train, init_state, np.ones(n, dtype=bool))
    _, train_s = timed(sisa.train_all)
    test_acc = sisa.accuracy(x_test, y_test)
    print(f"trained in {train_s:.2f}s, test accuracy {test_acc:.4f}", file=sys.stderr)
    _, one_s = timed(sisa.forget, dels[:1])
    stages_seq, seq_s = timed(lambda: sum(sisa.forget([d]) for d in dels[1:101]))
    print(f"one deletion {one_s:.2f}s, sequential 100 {seq_s:.2f}s", file=sys.stderr)
    stages_batch, batch_s = timed(sisa.forget, dels[101:201])  # continues the state
    fresh = Sisa(a, x_train, y_train, init_state, sisa.alive)
    _, full_s = timed(fresh.train_all)
    print(f"batch 100 {batch_s:.2f}s, full retrain {full_s:.2f}s", file=sys.stderr)
    same = all(torch.equal(u, v) for m, f in zip(sisa.models, fresh.models)
               for u, v in zip(m.state_dict().values(), f.state_dict().values()))
    r4 = lambda v: round(v, 4)  # noqa: E731
    result = {
        "framework": "pytorch", "torch_version": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "openblas_threads": os.environ.get("OPENBLAS_NUM_THREADS"),
        "shards": a.shards, "slices": a.slices, "epochs": a.epoch_list, "train_rows": n,
        "train_seconds": r4(train_s), "test_accuracy": r4(test_acc),
        "one_deletion_seconds": r4(one_s), "sequential_100_seconds": r4(seq_s),
        "batch_100_seconds": r4(batch_s), "batch_from": "after_sequential",
        "full_retrain_seconds": r4(full_s), "retrain_matches_unlearned": same,
        "test_accuracy_after": r4(sisa.accuracy(x_test, y_test)),
        "stages_retrained_sequential": stages_seq, "stages_retrained_batch": stages_batch,
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
