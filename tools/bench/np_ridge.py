#!/usr/bin/python3
"""numpy / scikit-learn yardstick for libforget's analytic (closed-form) unlearning.

Ridge head W = (Phi^T Phi + gamma I)^-1 Phi^T Y, Y = one-hot labels, on fixed
float64 features of Fashion-MNIST (IDX .gz, pixels float32 / 255): raw (784
pixels) or random = relu(X M^T + b) with M (B x 784), b (B) from --map
(little-endian float32, M row-major then b); plus a 1 column: d = 785 or B+1.
Then the first k rows of a forget list are removed exactly, three ways:
  refit     sklearn Ridge(solver="cholesky", fit_intercept=False) on the rest
            ("retrain from scratch"); its coef_.T is the reference W_ref;
  woodbury  U = Phu R; S = I - U Phu^T; R' = R + U^T S^-1 U;
            W' = W - U^T S^-1 (Yu - Phu W)            (O(k d^2), forms R');
  downdate  G' = G - Phu^T Phu; B' = B - Phu^T Yu; W' = chol(G') \\ B'
            (O(k d^2 + d^3), no R'). Cholesky is scipy's if installed.
Timed (perf_counter; median of the runs that fill --budget seconds, updates at
least 5, `reps` counts them): building Phi from the float32 pixels, the two
fits (sklearn's includes its copy of X, copy_X=True), each update. Not timed:
Phu, Yu, the refit's remaining rows, the prepared G, B, R = G^-1, W and two
d x d workspaces: woodbury writes R' once into one (U^T S^-1 U, += R; no copy
of R), downdate builds and factors G' in the other (on this VM a first-touched
4 KiB page costs ~14 us: a fresh 785^2 array costs more than a k = 1 update).
Shared G, B, R, W are never modified; BLAS threads are left alone.
One JSON line on stdout, progress on stderr. E.g.
  OPENBLAS_NUM_THREADS=2 tools/bench/np_ridge.py --features random --map M --forget F
"""
import argparse
import json
import os
import resource
import sys
import time

import numpy as np
import sklearn
from sklearn.linear_model import Ridge

from fashion_idx import read_idx  # noqa: E402 (next to this script)

try:
    import scipy.linalg as sla
except ImportError:
    sla = None

DEFAULT_DATA = "/usr/share/datasets/fashion-mnist"


def spd_factor(a, overwrite=False):
    """Cholesky (scipy) of an SPD matrix; without scipy, keep it for np.linalg.solve."""
    return sla.cho_factor(a, overwrite_a=overwrite, check_finite=False) if sla else a


def spd_solve(f, b):
    return sla.cho_solve(f, b, check_finite=False) if sla else np.linalg.solve(f, b)


def timed(fn, budget, min_reps=1, max_reps=1000):
    """Run fn until budget seconds are spent (and min_reps runs): median, reps, result."""
    times, out = [], None
    while len(times) < min_reps or (sum(times) < budget and len(times) < max_reps):
        out = None  # drop the previous result before computing the next
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times)), len(times), out


def build_features(x, mw, mb):
    """Phi (n x d, float64): raw pixels (mw is None) or relu(x mw^T + mb), then 1s."""
    phi = np.empty((len(x), (x.shape[1] if mw is None else len(mb)) + 1))
    if mw is None:
        phi[:, :-1] = x
    else:
        core = phi[:, :-1]  # strided view: BLAS writes into it directly
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


def woodbury(r, w, phu, yu, r_out):
    """W', and R' = R + U^T S^-1 U into r_out (r and w untouched)."""
    ut = r @ phu.T  # U^T = R Phu^T (R symmetric), so U = ut.T is Fortran-ordered
    s = np.eye(len(phu)) - phu @ ut  # S = I - U Phu^T
    f = spd_factor(s.T, overwrite=True)  # .T: Fortran order, LAPACK factors in place
    np.matmul(ut, spd_solve(f, ut.T), out=r_out)
    r_out += r  # R' written once, no copy of R
    return w - ut @ spd_solve(f, yu - phu @ w), r_out


def downdate(g, b, phu, yu, g_out):
    """W' = (G - Phu^T Phu)^-1 (B - Phu^T Yu), G' built in g_out (g untouched)."""
    np.matmul(phu.T, phu, out=g_out)  # dsyrk
    np.subtract(g, g_out, out=g_out)
    return spd_solve(spd_factor(g_out.T, overwrite=True), b - phu.T @ yu)


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
    x, n = images.reshape(len(images), -1) / np.float32(255.0), len(images)
    y = np.eye(10)[labels]  # one-hot, float64
    mw = mb = None
    if a.features == "random":
        want, size = (x.shape[1] + 1) * a.width * 4, a.map and os.path.getsize(a.map)
        if size != want:
            sys.exit(f"--map {a.map}: {size} bytes, expected {want} for width {a.width}")
        m = np.fromfile(a.map, dtype="<f4")
        mw, mb = m[:-a.width].reshape(a.width, x.shape[1]), m[-a.width:]
    forget = np.loadtxt(a.forget, dtype=np.int64, ndmin=1)
    ks = [int(s) for s in a.ks.split(",")]
    head = forget[:max(ks)]
    if len(np.unique(head)) != max(ks) or not 0 <= head.min() <= head.max() < n:
        sys.exit(f"{a.forget}: need {max(ks)} distinct row indices in [0, {n})")
    blas = os.environ.get("OPENBLAS_NUM_THREADS")

    feat_s, feat_reps, phi = timed(lambda: build_features(x, mw, mb), a.budget)
    d = phi.shape[1]
    sk_s, sk_reps, w_sk = timed(lambda: sklearn_fit(phi, y, a.gamma), a.budget)
    np_s, np_reps, (g, b, w) = timed(lambda: numpy_fit(phi, y, a.gamma), a.budget)
    print(f"numpy {np.__version__}, sklearn {sklearn.__version__}, scipy {sla is not None}, "
          f"OPENBLAS_NUM_THREADS={blas}; Phi {n} x {d} {feat_s:.3f}s; fit: sklearn "
          f"{sk_s:.3f}s, numpy {np_s:.3f}s, max|dW| {np.abs(w - w_sk).max():.3g}", file=sys.stderr)
    r = spd_solve(spd_factor(g), np.eye(d))  # prepared state, not timed
    r = (r + r.T) / 2  # exactly symmetric
    r_out, g_out = r.copy(), g.copy()  # d x d workspaces, pages already touched

    rows = []
    for k in ks:
        phu, yu = phi[forget[:k]], y[forget[:k]]
        rest = np.delete(phi, forget[:k], axis=0), np.delete(y, forget[:k], axis=0)
        ref_s, ref_reps, w_ref = timed(lambda: sklearn_fit(*rest, a.gamma), a.budget)
        rest = None
        # what libforget's requests include and numpy's variants are spared:
        # the features of the k rows, from their pixels
        xk = x[forget[:k]]
        fk_s, fk_reps, _ = timed(lambda: build_features(xk, mw, mb), a.budget, 5)
        wb_s, wb_reps, (w_wb, _) = timed(lambda: woodbury(r, w, phu, yu, r_out), a.budget, 5)
        dd_s, dd_reps, w_dd = timed(lambda: downdate(g, b, phu, yu, g_out), a.budget, 5)
        scale = np.abs(w_ref).max()
        dw_wb, dw_dd = np.abs(w_wb - w_ref).max(), np.abs(w_dd - w_ref).max()
        rows.append(dict(k=k, refit_seconds=ref_s, woodbury_seconds=wb_s, downdate_seconds=dd_s,
                         rows_feature_seconds=fk_s,
                         woodbury_max_abs_dW=dw_wb, downdate_max_abs_dW=dw_dd,
                         woodbury_rel_dW=dw_wb / scale, downdate_rel_dW=dw_dd / scale,
                         reps=dict(refit=ref_reps, woodbury=wb_reps, downdate=dd_reps,
                                   rows_feature=fk_reps)))
        print(f"k={k}: refit {ref_s:.4f}s, woodbury {wb_s:.5f}s (x{wb_reps}, dW {dw_wb:.2g}), "
              f"downdate {dd_s:.5f}s (x{dd_reps}, dW {dw_dd:.2g})", file=sys.stderr)

    fmt = lambda v: float(f"{v:.6g}") if isinstance(v, float) else v  # noqa: E731
    print(json.dumps({
        "framework": "numpy", "numpy_version": np.__version__,
        "sklearn_version": sklearn.__version__, "scipy": sla is not None,
        "openblas_threads": blas, "threads": a.threads, "features": a.features,
        "d": d, "n": n, "gamma": a.gamma, "feature_seconds": fmt(feat_s),
        "sklearn_fit_seconds": fmt(sk_s), "numpy_fit_seconds": fmt(np_s),
        "fit_solver": "scipy.linalg.cho_factor/cho_solve" if sla else "numpy.linalg.solve",
        "fit_reps": {"feature": feat_reps, "sklearn": sk_reps, "numpy": np_reps},
        "woodbury_forms_R": True, "woodbury_copies_R": False,
        "k": [{key: fmt(v) for key, v in row.items()} for row in rows],
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }))


if __name__ == "__main__":
    main()
