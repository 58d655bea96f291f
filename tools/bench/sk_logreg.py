#!/usr/bin/python3
"""scikit-learn yardstick of bench_newton: retraining L2-regularised softmax
regression on the retained rows.

The objective is libforget's linear kind trained with weight_decay lambda:
  J(W, b) = (1/n) sum_i CE(softmax(W x_i + b), y_i) + lambda/2 (|W|^2 + |b|^2)
(the bias penalised too). scikit-learn's LogisticRegression(multinomial,
lbfgs) minimises C sum_i CE + 1/2 |w|^2 with its intercept unpenalised, so
it is given x with a column of ones appended, fit_intercept=False and
C = 1 / (n lambda): the same minimiser. Only the fit is timed
(perf_counter), not reading the data.

Data: Fashion-MNIST's IDX files (pixels as float32 / 255, as libforget
loads them; --train-rows keeps the first rows) or raw little-endian files
written by bench_newton --synthetic (--raw N D K XTRAIN YTRAIN NT XTEST
YTEST: float32 rows, int32 labels). --exclude lists the training rows
(0-based indices, one per line) left out. One JSON line on stdout: fit
seconds, lbfgs iterations, the accuracies, the gradient norm of J at the
result (float64); --params-out writes the parameters as float64 in
libforget's layout (W row-major k x d, then b).
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import sklearn
from sklearn.linear_model import LogisticRegression

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fashion_idx import read_idx  # noqa: E402 (next to this script)


def load(args):
    if args.raw:
        n, d, k, xtr, ytr, nt, xte, yte = args.raw
        n, d, k, nt = int(n), int(d), int(k), int(nt)
        x = np.fromfile(xtr, dtype="<f4").reshape(n, d)
        y = np.fromfile(ytr, dtype="<i4")
        xt = np.fromfile(xte, dtype="<f4").reshape(nt, d)
        yt = np.fromfile(yte, dtype="<i4")
        return x, y, xt, yt, k
    p = lambda name: os.path.join(args.data, name)
    x = read_idx(p("train-images-idx3-ubyte.gz"), 0x803)
    x = x.reshape(len(x), -1).astype(np.float32) / np.float32(255)
    y = read_idx(p("train-labels-idx1-ubyte.gz"), 0x801).astype(np.int64)
    xt = read_idx(p("t10k-images-idx3-ubyte.gz"), 0x803)
    xt = xt.reshape(len(xt), -1).astype(np.float32) / np.float32(255)
    yt = read_idx(p("t10k-labels-idx1-ubyte.gz"), 0x801).astype(np.int64)
    if args.train_rows:
        x, y = x[:args.train_rows], y[:args.train_rows]
    return x, y, xt, yt, 10


def with_ones(x):
    out = np.empty((len(x), x.shape[1] + 1))
    out[:, :-1] = x
    out[:, -1] = 1.0
    return out


def grad_norm(x1, y, w, lam):
    z = x1 @ w.T
    z -= z.max(axis=1, keepdims=True)
    p = np.exp(z)
    p /= p.sum(axis=1, keepdims=True)
    p[np.arange(len(y)), y] -= 1.0
    return float(np.linalg.norm(p.T @ x1 / len(y) + lam * w))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--raw", nargs=8, metavar="ARG")
    ap.add_argument("--train-rows", type=int, default=0)
    ap.add_argument("--lambda", dest="lam", type=float, required=True)
    ap.add_argument("--tol", type=float, default=1e-8)
    ap.add_argument("--max-iter", type=int, default=100000)
    ap.add_argument("--exclude", help="file of training row indices left out")
    ap.add_argument("--params-out")
    args = ap.parse_args()
    x, y, xt, yt, k = load(args)
    if args.exclude:
        drop = np.loadtxt(args.exclude, dtype=np.int64, ndmin=1)
        keep = np.ones(len(x), bool)
        keep[drop] = False
        x, y = x[keep], y[keep]
    x1, xt1 = with_ones(x), with_ones(xt)
    n = len(x1)
    clf = LogisticRegression(multi_class="multinomial", solver="lbfgs",
                             C=1.0 / (n * args.lam), tol=args.tol,
                             max_iter=args.max_iter, fit_intercept=False)
    t0 = time.perf_counter()
    clf.fit(x1, y)
    secs = time.perf_counter() - t0
    w = clf.coef_
    if w.shape[0] != k:
        sys.exit("sk_logreg: %d classes in the fit, expected %d" % (w.shape[0], k))
    if args.params_out:
        np.concatenate([w[:, :-1].ravel(), w[:, -1]]).astype("<f8").tofile(args.params_out)
    print(json.dumps({
        "sklearn_version": sklearn.__version__, "rows": n,
        "seconds": secs, "iterations": int(np.max(clf.n_iter_)),
        "train_acc": float((clf.predict(x1) == y).mean()),
        "test_acc": float((clf.predict(xt1) == yt).mean()),
        "grad_norm": grad_norm(x1, y, w, args.lam)}))


if __name__ == "__main__":
    main()
