#!/usr/bin/python3
"""numpy / scikit-learn yardstick for libforget's analytic (closed-form) unlearning.

A ridge head W = (Phi^T Phi + gamma I)^-1 Phi^T Y on fixed features of
Fashion-MNIST (read straight from the IDX .gz files, pixels float32 / 255,
then float64), Y = one-hot labels, then the first k rows of a forget list
removed exactly, three ways:
  refit     sklearn Ridge(solver="cholesky", fit_intercept=False) on the
            remaining rows ("retrain from scratch"); its coef_.T is W_ref;
  woodbury  U = Phu R; S = I - U Phu^T; R' = R + U^T S^-1 U;
            W' = W - U^T S^-1 (Yu - Phu W)           (O(k d^2), forms R');
  downdate  G' = G - Phu^T Phu; B' = B - Phu^T Yu; W' = chol(G') \\ B'
            (O(k d^2 + d^3), does not form R').
Features: raw (784 pixels) or random = relu(X M^T + b), M (B x 784) and b (B)
read from --map (raw little-endian float32, M row-major then b); a constant-1
column is always appended, so d = 785 or B + 1. Everything is float64.

What is timed (time.perf_counter): feature_seconds (float32 pixels -> Phi),
the two fits, and each update. Phu, Yu, the remaining rows for the refit and
the prepared state (G, B, R = G^-1, W) are built outside the timers. The
woodbury update writes R' once into a fresh d x d array (U^T S^-1 U, then
+= R in place): no copy of R is made, the shared state is never modified.
Each measurement repeats until --budget seconds are spent (fast updates at
least 5 times) and reports the median; `reps` says how many runs.
The refit's time includes sklearn's own copy of X (copy_X=True, its default).
Output: exactly one JSON line on stdout; progress goes to stderr.

  OPENBLAS_NUM_THREADS=2 tools/bench/np_ridge.py --features raw --forget F
  tools/bench/np_ridge.py --features random --map M --width 2048 --forget F
"""
import argparse
import gzip
import json
import os
import resource
import sys
import time

import numpy as np
import sklearn
from sklearn.linear_model import Ridge

try:
    import scipy.linalg as sla
except ImportError:
    sla = None

DEFAULT_DATA = "/usr/share/datasets/fashion-mnist"


def read_idx(path, magic_expected):
    """Parse a gzip'ed big-endian IDX file (ubyte payload) into a numpy array."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    magic = int.from_bytes(raw[0:4], "big")
    if magic != magic_expected:
        raise ValueError(f"{path}: magic 0x{magic:08x}, expected 0x{magic_expected:08x}")
    ndim = magic & 0xFF
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(dims)):
        raise ValueError(f"{path}: payload has {data.size} bytes, header says {dims}")
    return data.reshape(dims)


def spd_factor(a, overwrite=False):
    """Factor a symmetric positive definite matrix (Cholesky if scipy exists)."""
    if sla is None:
        return a
    return sla.cho_factor(a, overwrite_a=overwrite, check_finite=False)


def spd_solve(f, b):
    if sla is None:
        return np.linalg.solve(f, b)
    return sla.cho_solve(f, b, check_finite=False)


def timed(fn, budget, min_reps=1, max_reps=1000):
    """Run fn until budget seconds are spent (and min_reps runs); median time."""
    times, out = [], None
    while len(times) < min_reps or (sum(times) < budget and len(times) < max_reps):
        out = None  # drop the previous result before computing the next
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times)), len(times), out


def build_features(x, kind, mw, mb):
    """Phi (n x d, float64): raw pixels or relu(x mw^T + mb), then a 1 column."""
    n = len(x)
    if kind == "raw":
        phi = np.empty((n, x.shape[1] + 1))
        phi[:, :-1] = x
    else:
        width = len(mb)
        phi = np.empty((n, width + 1))
        core = phi[:, :width]  # strided view: BLAS writes into it directly
        np.matmul(x.astype(np.float64), mw.astype(np.float64).T, out=core)
        core += mb.astype(np.float64)
        np.maximum(core, 0.0, out=core)
    phi[:, -1] = 1.0
    return phi


def sklearn_fit(phi, y, gamma):
    return Ridge(alpha=gamma, solver="cholesky", fit_intercept=False).fit(phi, y).coef_.T


def numpy_fit(phi, y, gamma):
    g = phi.T @ phi  # numpy uses dsyrk for A.T @ A
    g.flat[::g.shape[0] + 1] += gamma
    b = phi.T @ y
    return g, b, spd_solve(spd_factor(g), b)


def woodbury(r, w, phu, yu):
    u = phu @ r
    s = np.eye(len(phu)) - u @ phu.T
    f = spd_factor(s, overwrite=True)
    r_new = u.T @ spd_solve(f, u)
    r_new += r  # R' written once, fresh array; r untouched
    w_new = w - u.T @ spd_solve(f, yu - phu @ w)
    return w_new, r_new


def downdate(g, b, phu, yu):
    g_new = phu.T @ phu
    np.subtract(g, g_new, out=g_new)
    return spd_solve(spd_factor(g_new, overwrite=True), b - phu.T @ yu)


def fmt(x):
    return float(f"{x:.6g}")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", default=DEFAULT_DATA, help="directory with the IDX .gz files")
    p.add_argument("--features", choices=["raw", "random"], default="raw")
    p.add_argument("--map", help="random map: float32 LE, W (width x 784) then b (width)")
    p.add_argument("--width", type=int, default=2048, help="random map width B")
    p.add_argument("--gamma", type=float, default=1.0)
    p.add_argument("--forget", required=True, help="text file, one 0-based row index a line")
    p.add_argument("--ks", default="1,10,100,1000")
    p.add_argument("--budget", type=float, default=2.0, help="seconds per measurement")
    p.add_argument("--threads", type=int, help="informational only (recorded)")
    a = p.parse_args()

    images = read_idx(os.path.join(a.data, "train-images-idx3-ubyte.gz"), 0x00000803)
    labels = read_idx(os.path.join(a.data, "train-labels-idx1-ubyte.gz"), 0x00000801)
    x = images.reshape(len(images), -1).astype(np.float32)
    x /= 255.0
    n = len(x)
    y = np.zeros((n, 10))
    y[np.arange(n), labels] = 1.0
    mw = mb = None
    if a.features == "random":
        if not a.map:
            sys.exit("--features random needs --map FILE")
        want = (x.shape[1] + 1) * a.width * 4
        if os.path.getsize(a.map) != want:
            sys.exit(f"{a.map}: {os.path.getsize(a.map)} bytes, expected {want} for width {a.width}")
        m = np.fromfile(a.map, dtype="<f4")
        mw, mb = m[:a.width * x.shape[1]].reshape(a.width, x.shape[1]), m[a.width * x.shape[1]:]
    with open(a.forget) as f:
        forget = np.array([int(s) for s in f.read().split()], dtype=np.int64)
    ks = [int(s) for s in a.ks.split(",")]
    if (len(forget) < max(ks) or len(np.unique(forget[:max(ks)])) != max(ks)
            or forget.min() < 0 or forget.max() >= n):
        sys.exit(f"{a.forget}: need {max(ks)} distinct indices in [0, {n})")
    blas = os.environ.get("OPENBLAS_NUM_THREADS")
    if a.threads is not None and str(a.threads) != blas:
        print(f"note: --threads {a.threads} but OPENBLAS_NUM_THREADS={blas}", file=sys.stderr)

    feat_s, feat_reps, phi = timed(lambda: build_features(x, a.features, mw, mb), a.budget)
    del x, mw, mb
    d = phi.shape[1]
    print(f"numpy {np.__version__}, sklearn {sklearn.__version__}, scipy {sla is not None}, "
          f"OPENBLAS_NUM_THREADS={blas}; Phi {n} x {d}, features {feat_s:.3f}s", file=sys.stderr)
    sk_s, sk_reps, w_sk = timed(lambda: sklearn_fit(phi, y, a.gamma), a.budget)
    np_s, np_reps, (g, b, w) = timed(lambda: numpy_fit(phi, y, a.gamma), a.budget)
    print(f"fit: sklearn {sk_s:.3f}s x{sk_reps}, numpy {np_s:.3f}s x{np_reps}, "
          f"max|dW| {np.abs(w - w_sk).max():.3g}", file=sys.stderr)
    del w_sk
    r = spd_solve(spd_factor(g), np.eye(d))  # prepared state, not timed
    r = (r + r.T) / 2

    rows = []
    for k in ks:
        idx = forget[:k]
        phu, yu = phi[idx], y[idx]
        keep = np.ones(n, dtype=bool)
        keep[idx] = False
        phi_rest, y_rest = phi[keep], y[keep]
        ref_s, ref_reps, w_ref = timed(lambda: sklearn_fit(phi_rest, y_rest, a.gamma), a.budget)
        del phi_rest, y_rest
        wb_s, wb_reps, (w_wb, _) = timed(lambda: woodbury(r, w, phu, yu), a.budget, 5)
        dd_s, dd_reps, w_dd = timed(lambda: downdate(g, b, phu, yu), a.budget, 5)
        scale = np.abs(w_ref).max()
        dw_wb, dw_dd = np.abs(w_wb - w_ref).max(), np.abs(w_dd - w_ref).max()
        rows.append({"k": k, "refit_seconds": fmt(ref_s), "woodbury_seconds": fmt(wb_s),
                     "downdate_seconds": fmt(dd_s),
                     "woodbury_max_abs_dW": fmt(dw_wb), "downdate_max_abs_dW": fmt(dw_dd),
                     "woodbury_rel_dW": fmt(dw_wb / scale), "downdate_rel_dW": fmt(dw_dd / scale),
                     "reps": {"refit": ref_reps, "woodbury": wb_reps, "downdate": dd_reps}})
        print(f"k={k}: refit {ref_s:.4f}s, woodbury {wb_s:.5f}s (x{wb_reps}, dW {dw_wb:.2g}), "
              f"downdate {dd_s:.5f}s (x{dd_reps}, dW {dw_dd:.2g})", file=sys.stderr)

    print(json.dumps({
        "framework": "numpy", "numpy_version": np.__version__,
        "sklearn_version": sklearn.__version__, "scipy": sla is not None,
        "openblas_threads": blas, "threads": a.threads, "features": a.features,
        "d": d, "n": n, "gamma": a.gamma,
        "feature_seconds": fmt(feat_s), "sklearn_fit_seconds": fmt(sk_s),
        "numpy_fit_seconds": fmt(np_s),
        "fit_solver": "scipy.linalg.cho_factor/cho_solve" if sla else "numpy.linalg.solve",
        "fit_reps": {"feature": feat_reps, "sklearn": sk_reps, "numpy": np_reps},
        "woodbury_forms_R": True, "woodbury_copies_R": False,
        "k": rows,
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }))


if __name__ == "__main__":
    main()
