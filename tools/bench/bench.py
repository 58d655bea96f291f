#!/usr/bin/python3
"""Run libforget's benchmarks beside their yardsticks and write the figures
into docs/BENCHMARKS.md (between <!-- bench:NAME --> markers).

Called by `make bench` (which builds build/bench/*). Each benchmark runs
its commands REPEAT times, alternating ours and theirs so that drift in the
machine's speed hits both alike, and reports medians.

  tools/bench/bench.py [--repeat N] [--only train] [--data DIR] [--quick]
"""
import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DOC = os.path.join(ROOT, "docs", "BENCHMARKS.md")


def run_json(cmd, env_extra):
    env = dict(os.environ)
    env.update(env_extra)
    out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def machine():
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    caches = ", ".join("%s %s" % (k, v) for k, v in cache_sizes().items())
    return "%s, %d cores, %s, %.0f GiB, %s" % (cpu, os.cpu_count(), caches or "caches unknown",
                                           mem, platform.platform())


def cache_sizes():
    """The data caches of cpu0 from sysfs, e.g. {"L1d": "48K", "L2": "1024K",
    "L3": "32768K"} (a VM reports what its hypervisor exposes)."""
    out = {}
    base = "/sys/devices/system/cpu/cpu0/cache"
    try:
        names = sorted(os.listdir(base))
    except OSError:
        return out
    for idx in names:
        try:
            with open(os.path.join(base, idx, "level")) as f:
                level = f.read().strip()
            with open(os.path.join(base, idx, "type")) as f:
                kind = f.read().strip()
            with open(os.path.join(base, idx, "size")) as f:
                size = f.read().strip()
        except OSError:
            continue
        if kind == "Instruction":
            continue
        out["L%s%s" % (level, "d" if kind == "Data" else "")] = size
    return out


def last_level_cache_bytes():
    """The largest data cache in bytes (0 if unknown): a working set larger
    than this is served from memory."""
    best = 0
    for size in cache_sizes().values():
        mult = {"K": 2**10, "M": 2**20, "G": 2**30}.get(size[-1:], 1)
        try:
            best = max(best, int(size.rstrip("KMG")) * mult)
        except ValueError:
            pass
    return best


def cpu_flags():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def openblas_setup():
    """Which OpenBLAS kernels both sides will run, as a sentence for the
    report. OpenBLAS 0.3.21 (Debian 12) picks its kernels from the CPUID
    model; on a virtual CPU it does not know ("Intel(R) Xeon(R) Processor")
    it falls back to its SSE3 "Prescott" kernels, 3-4x slower than the
    AVX-512 ones. Then both sides are given OPENBLAS_CORETYPE for what the
    CPU's flags support (the same value for libforget and PyTorch, which
    loads the same libopenblas); a value the user set is kept."""
    import ctypes
    try:
        lib = ctypes.CDLL("libopenblas.so.0")
        lib.openblas_get_corename.restype = ctypes.c_char_p
        lib.openblas_get_config.restype = ctypes.c_char_p
    except (OSError, AttributeError):
        sys.exit("bench: libopenblas.so.0 not found; the benchmarks compare "
                 "against OpenBLAS (apt-get install libopenblas-dev)")
    core = lib.openblas_get_corename().decode()
    version = lib.openblas_get_config().decode().split(" NO_")[0].split(" DYNAMIC")[0]
    if os.environ.get("OPENBLAS_CORETYPE"):
        return "%s, kernels %s (OPENBLAS_CORETYPE set by the caller)" % (version, core)
    flags = cpu_flags()
    want = ("SkylakeX" if "avx512f" in flags else
            "Haswell" if "avx2" in flags and "fma" in flags else None)
    if core == "Prescott" and want:
        os.environ["OPENBLAS_CORETYPE"] = want
        return ("%s, kernels %s for both sides (OPENBLAS_CORETYPE=%s: this "
                "CPU's model is unknown to OpenBLAS, which would fall back to "
                "its SSE3 Prescott kernels)" % (version, want, want))
    return "%s, kernels %s (detected)" % (version, core)


BLAS_NOTE = ""


def median(rows, key):
    return statistics.median(r[key] for r in rows)


def bench_train(args):
    """MLP 784-256-128-10 on Fashion-MNIST: libforget vs PyTorch (CPU)."""
    ours_cmd = [os.path.join(ROOT, "build", "bench", "bench_train"), "--data", args.data]
    torch_py = os.path.join(ROOT, "tools", "bench", "torch_mlp.py")
    # PyTorch's two best settings on this machine: 1 torch thread, or 2 with
    # passive OpenMP waiting (2 spinning torch threads plus 2 BLAS threads
    # oversubscribe the cores and run 3-5x slower).
    torch_cfgs = [
        ("torch threads 1", ["--threads", "1"], {}),
        ("torch threads 2, OMP_WAIT_POLICY=passive", ["--threads", "2"],
         {"OMP_WAIT_POLICY": "passive"}),
    ]
    # libforget's two settings: its default (one lane, OpenBLAS threads),
    # and lanes=2 on its own threads with a one-thread OpenBLAS.
    ours_cfgs = [
        ("lanes=2, OpenBLAS 1 thread", ["--lanes", "2"], {"OPENBLAS_NUM_THREADS": "1"}),
        ("default: lanes=1, OpenBLAS 2 threads", [], {"OPENBLAS_NUM_THREADS": "2"}),
    ]
    blas = {"OPENBLAS_NUM_THREADS": "2"}
    ours, theirs = [[] for _ in ours_cfgs], [[] for _ in torch_cfgs]
    for _ in range(args.repeat):
        for i, (_, flags, env) in enumerate(ours_cfgs):
            ours[i].append(run_json(ours_cmd + flags, env))
        for i, (_, flags, env) in enumerate(torch_cfgs):
            theirs[i].append(run_json(["/usr/bin/python3", torch_py, "--data",
                                       args.data] + flags, dict(blas, **env)))
        print("  train: ours %s s, pytorch %s s" % (
            " / ".join("%.2f" % o[-1]["train_seconds"] for o in ours),
            " / ".join("%.2f" % t[-1]["train_seconds"] for t in theirs)),
            file=sys.stderr)
    floats = run_json(ours_cmd + ["--storage", "floats"], blas)
    print("  train: ours with float storage %.2f s" % floats["train_seconds"],
          file=sys.stderr)
    best = min(range(len(torch_cfgs)), key=lambda i: median(theirs[i], "train_seconds"))
    mine = min(range(len(ours_cfgs)), key=lambda i: median(ours[i], "train_seconds"))
    tb, ob, od = theirs[best], ours[mine], ours[1]
    o_t, t_t = median(ob, "train_seconds"), median(tb, "train_seconds")
    o_rss, t_rss = median(ob, "peak_rss_mib"), median(tb, "peak_rss_mib")
    o_acc, t_acc = median(ob, "test_accuracy"), median(tb, "test_accuracy")
    lines = [
        "Recipe: MLP 784-256-128-10 relu, SGD momentum 0.9, lr 0.05, batch 128,",
        "5 epochs, 60000 training rows, softmax cross-entropy; test accuracy on",
        "the 10000 test rows. Each side at its fastest setting in this run:",
        "libforget **%s**, PyTorch **%s** (OpenBLAS 2 threads)." % (
            ours_cfgs[mine][0], torch_cfgs[best][0]),
        "Medians of %d runs, alternating." % args.repeat,
        "",
        "| | libforget | PyTorch %s (CPU) | ratio |" % tb[0]["torch_version"],
        "|---|---|---|---|",
        "| training time | %.2f s | %.2f s | **%.2fx** faster |" % (o_t, t_t, t_t / o_t),
        "| samples / s | %.0f | %.0f | |" % (median(ob, "samples_per_second"),
                                            median(tb, "samples_per_second")),
        "| test accuracy | %.4f | %.4f | %+.4f |" % (o_acc, t_acc, o_acc - t_acc),
        "| peak RSS | %.0f MiB | %.0f MiB | %.2f |" % (o_rss, t_rss, o_rss / t_rss),
        "",
        "libforget's default setting (%s): %.2f s, %.2fx PyTorch's fastest;" % (
            ours_cfgs[1][0], median(od, "train_seconds"),
            t_t / median(od, "train_seconds")),
        "test accuracy %.4f (the lanes sum each batch's gradient in two parts," %
        median(od, "test_accuracy"),
        "so their bits differ from one lane's, not their quality).",
        "",
        "libforget loads the images with `storage=bytes` (kept as bytes, converted",
        "to floats a batch at a time; results are bit-identical to float storage,",
        "tests/test_compact.c). One run with float storage (default setting):",
        "%.2f s, peak RSS %.0f MiB." % (floats["train_seconds"], floats["peak_rss_mib"]),
        "Peak RSS is read after training and evaluation, before the sgemm",
        "calibration allocates its matrices; PyTorch's at the end of its script.",
        "",
        "libforget's training reached %.1f GFLOP/s at its fastest setting" %
        median(ob, "gflops_achieved"),
        "(counting forward, weight gradients and input gradients of all but the",
        "first layer); cblas_sgemm with OpenBLAS on 2 threads in the same run:",
        "%.1f GFLOP/s at the first layer's shape (128x256x784)" %
        median(od, "sgemm_gflops_128x256x784"),
        "and %.1f GFLOP/s at 2048^3." % median(od, "sgemm_gflops_2048"),
        "",
        "All runs (train seconds): " + "; ".join(
            "libforget (%s) %s" % (cfg[0], ", ".join("%.2f" % r["train_seconds"] for r in o))
            for cfg, o in zip(ours_cfgs, ours)) + "; " + "; ".join(
            "PyTorch (%s) %s" % (cfg[0], ", ".join("%.2f" % r["train_seconds"] for r in t))
            for cfg, t in zip(torch_cfgs, theirs)) + ".",
    ]
    return "\n".join(lines)



def bench_ssd(args):
    """ssd on Fashion-MNIST beside retraining and PyTorch's reference SSD."""
    blas = {"OPENBLAS_NUM_THREADS": "2"}
    out = os.path.join(ROOT, "build", "bench")
    ours = run_json([os.path.join(out, "bench_ssd"), "--data", args.data, "--out", out],
                    blas)
    alphas = "10,4,2,1.5"
    theirs = {}
    for name, sc in ours["scenarios"].items():
        theirs[name] = run_json(["/usr/bin/python3",
                                 os.path.join(ROOT, "tools", "bench", "torch_ssd.py"),
                                 "--data", args.data, "--weights", ours["weights"],
                                 "--forget", sc["forget_file"], "--alphas", alphas,
                                 "--threads", "1"], blas)
        print("  ssd: %s done" % name, file=sys.stderr)
    titles = {"class": "Full-class forgetting (class 0, all %d training rows)",
              "random600": "Random forgetting (%d rows drawn by a seeded hash)",
              "halfclass": "Half of one class (%d rows of class 0): a sub-class-like case"}
    lines = [
        "Model: the MLP of the training benchmark (784-256-128-10, 5 epochs, seed 7),",
        "trained once by libforget; PyTorch's reference SSD runs on the same weights",
        "and forget set (tools/bench/torch_ssd.py: mini-batch importances over D in",
        "file order, batch 128, as the reference code). *Retrain* is libforget",
        "training from the same initialisation on D minus F. Accuracies on the",
        "retained rows, the forgotten rows, the test set and the test rows of",
        "class 0; MIA = the SSD paper's entropy attack, fraction of F judged a member",
        "(the target is the retrained model's value, not 0). lambda = 1. *Forget",
        "step* = the pass over F plus selection and dampening, for both.",
        "",
    ]
    for name, sc in ours["scenarios"].items():
        t = theirs[name]
        lines += ["### " + titles[name] % sc["forget_rows"], "",
                  "| model | retain | forget | test | test class 0 | MIA | dampened | forget step |",
                  "|---|---|---|---|---|---|---|---|"]

        def row(label, r, damp="", secs=""):
            tc = r.get("test_class_acc")
            return "| %s | %.4f | %.4f | %.4f | %s | %.3f | %s | %s |" % (
                label, r["retain_acc"], r["forget_acc"], r["test_acc"],
                "%.4f" % tc if tc is not None else "", r["mia"], damp, secs)
        lines.append(row("original", sc["original"]))
        lines.append(row("retrain from scratch", sc["retrain"], "",
                         "%.2f s" % sc["retrain"]["seconds"]))
        for r in sc["ssd"]:
            label = "libforget ssd " + r["params"].replace("importance=batch", "batch")
            if "error" in r:
                lines.append("| %s | refused: alpha >= n_D/n_F (nothing can be selected) "
                             "| | | | | | |" % label)
                continue
            lines.append(row(label, r, "%d" % r["dampened"],
                             "%.1f ms" % (1e3 * r["forget_seconds"])))
        for r in t["runs"]:
            lines.append(row("PyTorch reference alpha=%g" % r["alpha"], r,
                             "%d" % r["dampened"],
                             "%.1f ms" % (1e3 * (t["f_pass_seconds"] + r["dampen_seconds"]))))
        lines.append("")
    sample = [r["prepare_seconds"] for sc in ours["scenarios"].values()
              for r in sc["ssd"] if "batch" not in r["params"]]
    batch = [r["prepare_seconds"] for sc in ours["scenarios"].values()
             for r in sc["ssd"] if "batch" in r["params"]]
    tp = list(theirs.values())
    lines += [
        "### Time",
        "",
        "| pass over D (60000 rows) | libforget | PyTorch |",
        "|---|---|---|",
        "| per-row importances (sum of squared per-row gradients) | %.2f s | %.2f s |" % (
            statistics.median(sample), statistics.median(t["sample_pass_seconds"] for t in tp)),
        "| mini-batch importances (reference procedure) | %.2f s | %.2f s |" % (
            statistics.median(batch), statistics.median(t["d_pass_seconds"] for t in tp)),
        "",
        "libforget medians over the %d prepares of the sweep above; PyTorch" % len(sample),
        "medians over its %d runs (one per forget set)." % len(tp),
        "One-row requests (sample mode, one forget call per row, %d calls, including" %
        ours["one_row"]["requests"],
        "the subset of one id): median %.2f ms, 90th percentile %.2f ms, max %.2f ms." % (
            ours["one_row"]["median_ms"], ours["one_row"]["p90_ms"], ours["one_row"]["max_ms"]),
    ]
    return "\n".join(lines)


def bench_analytic(args):
    """analytic (closed-form exact unlearning) beside numpy and scikit-learn."""
    blas = {"OPENBLAS_NUM_THREADS": "2"}
    out = os.path.join(ROOT, "build", "bench")
    ours = run_json([os.path.join(out, "bench_analytic"), "--data", args.data,
                     "--out", out], blas)
    theirs = {}
    for feat in ("raw", "random"):
        cmd = ["/usr/bin/python3", os.path.join(ROOT, "tools", "bench", "np_ridge.py"),
               "--data", args.data, "--features", feat, "--forget", ours["forget_file"],
               "--gamma", "1"]
        if feat == "random":
            cmd += ["--map", ours["map_file"], "--width", str(ours["width"])]
        theirs[feat] = run_json(cmd, blas)
        print("  analytic: numpy %s done" % feat, file=sys.stderr)
    lines = [
        "Ridge head on Fashion-MNIST (60000 rows, 10 one-hot targets, gamma = 1),",
        "features: the raw pixels plus a bias column (d = 785), or a random ReLU",
        "layer of width %d plus bias (d = %d; numpy computes the same layer from" % (
            ours["width"], ours["width"] + 1),
        "the weights libforget writes). numpy/scikit-learn are given the feature",
        "matrix in float64; libforget's fit includes computing the features.",
        "Forgetting k rows (the first k of a seeded permutation), each path from",
        "the same prepared state; *refit* = fitting again on the rest (libforget:",
        "`forget_model_train`; scikit-learn: `Ridge(solver=\"cholesky\")`).",
        "max |dW| is against libforget's own refit (numpy's: against sklearn's).",
        "libforget's requests take the rows' pixels and include computing their",
        "features; numpy's variants are handed them (*features of the k rows*",
        "is what computing them costs numpy; *best numpy + features* adds it to",
        "the faster numpy variant, the like-for-like figure).",
        "",
    ]
    for feat in ("raw", "random"):
        o, t = ours[feat], theirs[feat]
        lines += [
            "### %s features (d = %d)" % (feat, o["d"]), "",
            "| fit | time |", "|---|---|",
            "| libforget `forget_model_train` (features + Gram + Cholesky) | %.2f s |" %
            o["fit_seconds"],
            "| libforget `prepare` (the same plus R = G^-1) | %.2f s |" % o["prepare_seconds"],
            "| numpy: features | %.2f s |" % t["feature_seconds"],
            "| scikit-learn `Ridge(solver=\"cholesky\")` on the features | %.2f s |" %
            t["sklearn_fit_seconds"],
            "| numpy: Gram + Cholesky on the features | %.2f s |" % t["numpy_fit_seconds"],
            "",
            "| k | refit (libforget) | refit (sklearn) | libforget auto (path) | libforget woodbury | libforget refactor | numpy Woodbury | numpy Gram downdate | numpy: features of the k rows | best numpy + features | max rel dW (libforget auto) |",
            "|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for ko, kt in zip(o["k"], t["k"]):
            ms = lambda v: "%.2f ms" % (1e3 * v) if v < 1 else "%.2f s" % v
            best_np = min(kt["woodbury_seconds"], kt["downdate_seconds"])
            lines.append("| %d | %s | %s | %s (%s) | %s | %s | %s | %s | %s | %s | %.1e |" % (
                ko["k"], ms(ko["refit_seconds"]), ms(kt["refit_seconds"]),
                ms(ko["auto_seconds"]), ko["auto_path"], ms(ko["woodbury_seconds"]),
                ms(ko["refactor_seconds"]), ms(kt["woodbury_seconds"]),
                ms(kt["downdate_seconds"]), ms(kt["rows_feature_seconds"]),
                ms(best_np + kt["rows_feature_seconds"]), ko["auto_rel_dW"]))
        k1 = o["k"][0]
        lines += ["",
                  "Memory bound of one request: reading and writing R (d x d float64, "
                  "%.1f MB, out of cache) once takes %.2f ms here; a one-row request took %.2f ms "
                  "(%.2fx)." % (8.0 * o["d"] ** 2 / 1e6, 1e3 * o["rw_bound_seconds"],
                                1e3 * k1["auto_seconds"],
                                k1["auto_seconds"] / o["rw_bound_seconds"]),
                  ""]
    llc = ours["one_row"][0]["llc_bytes"]
    lines += ["### one-row requests against the memory bound", "",
              "Random map, d = 2049 and 4097: a row forgotten and learned back, 15 rows "
              "(medians, 10th-90th percentile of forgetting); *stream* = 64 requests in a "
              "row (32 rows out, then back) divided by 64, G's buffered update included. "
              "*bound* = reading and writing a d x d float64 buffer once in place, one "
              "thread, after reading twice the last-level cache (%s) so that nothing of it "
              "is cached (best of 5)." % ("%.0f MB" % (llc / 2**20) if llc else "size unknown"),
              "",
              "| d | R (MB) | fits the LLC | bound | forget one row (p10-p90) | learn it back | stream | forget / bound | stream / bound |",
              "|---|---|---|---|---|---|---|---|---|"]
    for r in ours["one_row"]:
        fits = {True: "yes", False: "no", None: "unknown"}[r["fits_llc"]]
        lines.append("| %d | %.1f | %s | %.2f ms | %.2f ms (%.2f-%.2f) | %.2f ms | %.2f ms | %.2fx | %.2fx |" % (
            r["d"], r["rw_bound_bytes"] / 1e6, fits, 1e3 * r["rw_bound_seconds"],
            1e3 * r["forget_seconds"], 1e3 * r["forget_p10_p90"][0],
            1e3 * r["forget_p10_p90"][1], 1e3 * r["learn_seconds"],
            1e3 * r["stream_seconds"], r["forget_seconds"] / r["rw_bound_seconds"],
            r["stream_seconds"] / r["rw_bound_seconds"]))
    lines.append("")
    kr = ours["keep_rows"]
    lines += ["### keep_rows=true: learning a row back", "",
              "Raw features, %d rows kept: forgetting one row %.2f ms, learning it "
              "back %.2f ms (medians of 15). Learning used to copy every kept row "
              "(O(rows)); the kept rows now grow by doubling." % (
                  kr["rows"], 1e3 * kr["forget_seconds"], 1e3 * kr["learn_seconds"]),
              ""]
    return "\n".join(lines)


def bench_sisa(args):
    """sisa (5 shards x 4 slices) beside the same protocol in PyTorch."""
    out = os.path.join(ROOT, "build", "bench")
    rows = []
    # threads=1: shards one after another, BLAS on both cores; threads=2:
    # two shards at once with BLAS on one core each, and a shard retrained
    # alone on two batch lanes (lanes=2).
    configs = [("1", "1", {"OPENBLAS_NUM_THREADS": "2"}),
               ("2", "2", {"OPENBLAS_NUM_THREADS": "1"})]
    ours = {}
    for threads, lanes, env in configs:
        ours[threads] = run_json([os.path.join(out, "bench_sisa"), "--data", args.data,
                                  "--out", out, "--threads", threads, "--lanes", lanes],
                                 env)
        print("  sisa: libforget threads=%s done" % threads, file=sys.stderr)
    torch = run_json(["/usr/bin/python3", os.path.join(ROOT, "tools", "bench", "torch_sisa.py"),
                      "--data", args.data, "--deletions", ours["1"]["deletions_file"],
                      "--threads", "1"], {"OPENBLAS_NUM_THREADS": "2"})
    o1, o2 = ours["1"], ours["2"]
    best = lambda key: min(o1[key], o2[key])
    lines = [
        "5 shards x 4 slices, one epoch per stage, MLP 784-256-128-10 (SGD lr 0.05,",
        "momentum 0.9, batch 128), Fashion-MNIST; the same layout hash, stage rules",
        "and deletion ids in both (tools/bench/torch_sisa.py). libforget is run with",
        "shards one at a time (OpenBLAS 2 threads, lanes=1) and with threads=2",
        "(OpenBLAS 1 thread; two shards at once, or one shard on two batch lanes,",
        "lanes=2); PyTorch at its fastest setting (1 torch thread, OpenBLAS 2).",
        "",
        "| | libforget, threads=1 | libforget, threads=2 | PyTorch %s | best ratio |" %
        torch.get("torch_version", ""),
        "|---|---|---|---|---|",
    ]
    for label, key in [("train the ensemble", "train_seconds"),
                       ("one deletion", "one_deletion_seconds"),
                       ("100 deletions, one call each", "sequential_100_seconds"),
                       ("100 deletions, one call", "batch_100_seconds"),
                       ("full retrain of the ensemble", "full_retrain_seconds")]:
        lines.append("| %s | %.2f s | %.2f s | %.2f s | %.2fx |" % (
            label, o1[key], o2[key], torch[key], torch[key] / best(key)))
    lines += [
        "| test accuracy (before / after) | %.4f / %.4f | %.4f / %.4f | %.4f / %.4f | |" % (
            o1["test_accuracy"], o1["test_accuracy_after"], o2["test_accuracy"],
            o2["test_accuracy_after"], torch["test_accuracy"], torch["test_accuracy_after"]),
        "",
        "100 deletions one call each cost %.1f full retrains in libforget (%.1f in" % (
            o1["sequential_100_seconds"] / o1["full_retrain_seconds"],
            torch["sequential_100_seconds"] / torch["full_retrain_seconds"]),
        "PyTorch); as one call %.2f (the report's cost_vs_full_retrain, counting" % (
            o1["batch_100_seconds"] / o1["full_retrain_seconds"]),
        "sample passes: %.2f). Stages retrained: %d one at a time, %d in one call." % (
            o1["batch_100_cost"], o1["stages_retrained_sequential"],
            o1["stages_retrained_batch"]),
        "The training work of the 100 one at a time is %.1f full retrains in sample" % (
            o1["sequential_100_work_retrains"]),
        "passes. Overhead per request (its time minus its sample passes at the cost",
        "per sample pass of plain training on a shard's worth of rows, %.1f / %.1f us" % (
            1e6 * o1["pass_seconds"], 1e6 * o2["pass_seconds"]),
        "at threads=1 / 2): %.1f ms (median %.1f ms), %.1f%% of a one-shard retrain," % (
            1e3 * o1["overhead_per_request_seconds"],
            1e3 * o1["overhead_per_request_median_seconds"],
            100 * o1["overhead_vs_shard_retrain"]),
        "at threads=1; %.1f ms (median %.1f ms), %.1f%%, at threads=2." % (
            1e3 * o2["overhead_per_request_seconds"],
            1e3 * o2["overhead_per_request_median_seconds"],
            100 * o2["overhead_vs_shard_retrain"]),
        "Peak RSS: libforget %.0f MiB, PyTorch %.0f MiB (libforget loads the images" % (
            o1["peak_rss_mib"], torch.get("peak_rss_mib", float("nan"))),
        "with `storage=bytes`, and sisa keeps its copy of the rows, its saved state",
        "and the subsets made along the way as bytes too; the process holds the",
        "training set, sisa's copy, the rows that remain and the full retrain's",
        "copy of them at its peak).",
    ]
    return "\n".join(lines)

def bench_journal(args):
    """What a deletion journal adds to a request (no peer to compare with)."""
    blas = {"OPENBLAS_NUM_THREADS": "2"}
    out = os.path.join(ROOT, "build", "bench")
    o = run_json([os.path.join(out, "bench_journal"), "--data", args.data,
                  "--dir", out], blas)
    ms = lambda v: "%.2f ms" % (1e3 * v)
    lines = [
        "One-row deletion requests on Fashion-MNIST: the median of the same",
        "requests (same rows, same order, interleaved) on two identical",
        "unlearners loaded from one saved state, one without and one with a",
        "journal. A journaled",
        "request adds two digests of",
        "the model (before and after) and two fsync'ed appends. ssd: the MLP",
        "784-256-128-10 trained one epoch, rows passed; analytic: random map",
        "2048 wide, `keep_rows=true`, ids; sisa: 5 shards x 4 slices of that",
        "MLP, ids. The journal lives in build/bench (the machine's disk).",
        "",
        "| method | requests | without journal (median) | with journal (median) | added (median of per-request differences) | one model digest |",
        "|---|---|---|---|---|---|",
    ]
    for name in ("ssd", "analytic", "sisa"):
        r = o[name]
        lines.append("| %s | %d | %s | %s | %s | %s |" % (
            name, r["requests"], ms(r["plain_seconds"]), ms(r["journaled_seconds"]),
            ms(r["added_seconds"]), ms(r["digest_seconds"])))
    lines += ["",
              "A model digest runs at %.0f MB/s here (SHA-256 with the CPU's SHA "
              "extensions, chosen at run time; the portable C code does about "
              "250 MB/s); one 100-byte append + fsync takes %s (median of 50). "
              "The two unlearners' requests alternate (which goes first "
              "alternates too): measured one after the other, this VM's speed "
              "drift (about 10%%) once made the journaled run look faster." % (
                  o["sha256_mb_per_s"],
                                            ms(o["append_fsync_seconds"]))]
    return "\n".join(lines)


def bench_approx(args):
    """Approximate methods against retraining (issue 18): bench_approx
    prints its tables as markdown and writes its figures as JSON."""
    out = os.path.join(ROOT, "build", "bench")
    path = os.path.join(out, "approx.json")
    cmd = [os.path.join(out, "bench_approx"), "--data", args.data, "--json", path]
    if args.quick:
        cmd.append("--quick")
    env = dict(os.environ, OPENBLAS_NUM_THREADS="2")
    t0 = time.time()
    tables = subprocess.run(cmd, env=env, check=True, stdout=subprocess.PIPE,
                            text=True).stdout
    with open(path) as f:
        doc = json.load(f)
    print("  approx: %.0f s" % (time.time() - t0), file=sys.stderr)
    lines = [line for line in tables.splitlines()
             if not line.startswith(("## ", "Total "))]
    return "\n".join(lines).strip("\n") + "\n\nThe whole run took %.0f s%s." % (
        doc["total_seconds"], " (--quick: 6000 training rows)" if args.quick else "")


def bench_newton(args):
    """newton (influence removal) against retraining, libforget's and
    scikit-learn's (issue 19): bench_newton prints one JSON line."""
    out = os.path.join(ROOT, "build", "bench")
    cmd = [os.path.join(out, "bench_newton"), "--data", args.data, "--dir", out,
           "--script", os.path.join(ROOT, "tools", "bench", "sk_logreg.py"),
           "--newton", "", "--newton", "cg_tol=1e-4", "--newton-blas", "1",
           "--newton", "", "--newton", "cg_tol=1e-4"]
    if args.quick:
        cmd.append("--quick")
    t0 = time.time()
    load0 = os.getloadavg()[0]
    o = run_json(cmd, {"OPENBLAS_NUM_THREADS": "2"})
    load1 = os.getloadavg()[0]

    def label(x):
        """a newton run's parameters, and its threads when OpenBLAS ran
        one (libforget's passes then run on its own threads)"""
        p = "`%s`" % x["params"] if x["params"] else "defaults"
        if x.get("blas_threads") == 1:
            p += " (OpenBLAS 1 thread, libforget %d)" % x["threads"]
        return p
    print("  newton: %.0f s" % (time.time() - t0), file=sys.stderr)
    orig = o["original"]
    ms = lambda v: "%.1f ms" % (1e3 * v) if v < 1 else "%.2f s" % v
    rs = o["removals"]
    sk_version = next((r["sklearn"]["version"] for r in rs if "sklearn" in r), "")
    lines = [
        "Softmax regression (`linear`) on the raw pixels of Fashion-MNIST (%d training" % o["train_rows"],
        "rows, pixels / 255; %d test rows), weight_decay lambda = %g on every parameter" % (
            o["test_rows"], o["lambda"]),
        "(bias included). Trained by libforget: `%s` (with weight_decay), then" % o["recipe"],
        "polished by at most %d full Newton steps (each the newton method's step on the" % o["polish"],
        "training objective: prepared on the rows and a duplicate row, forgetting the",
        "duplicate) until the gradient norm stops halving: %.1f s in all; training" % orig["train_seconds"],
        "accuracy %.4f, test accuracy %.4f, gradient norm %.2e (the Newton step" % (
            orig["train_acc"], orig["test_acc"], orig["grad_norm"]),
        "of a removal assumes the optimum). Removing the first m rows of a seeded",
        "permutation, each from the original: `newton` (prepare timed apart; forget the",
        "median of %d requests, each on a fresh copy loaded from the prepared state)," % o["reps"],
        "libforget's retrain on the retained rows (the same recipe and polish), and",
        "scikit-learn %s `LogisticRegression(multinomial, lbfgs, C = 1/(n lambda)," % sk_version,
        "tol = 1e-8)` on the same rows with a column of ones (fit_intercept=False: the",
        "bias penalised as in libforget, the same objective; tools/bench/sk_logreg.py,",
        "its fit alone timed), in the same run. OpenBLAS runs 2 threads for",
        "training, the retrains and scikit-learn; the newton runs marked \"OpenBLAS 1",
        "thread\" set it to 1 for themselves (openblas_set_num_threads, the host's",
        "call), so that libforget runs the passes over the rows on its own %d threads." % max(
            [x.get("threads", 1) for r in rs for x in r["newton"]] + [1]),
        "Load average (1 minute) %.1f at the start, %.1f at the end: other jobs ran on" % (
            load0, load1),
        "the machine, and the times are noisy.",
        "",
        "| rows removed | newton params | prepare | forget | CG iterations | libforget retrain | scikit-learn retrain (lbfgs iterations) | sklearn / forget |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rs:
        sk = r.get("sklearn")
        for x in r["newton"]:
            lines.append("| %d | %s | %s | %s | %d | %s | %s | %s |" % (
                r["rows"], label(x),
                ms(x["prepare_seconds"]), ms(x["forget_seconds"]), x["cg_iterations"],
                ms(r["retrain_seconds"]),
                "%s (%d)" % (ms(sk["seconds"]), sk["iterations"]) if sk else "-",
                "%.0fx" % (sk["seconds"] / x["forget_seconds"]) if sk else "-"))
    lines += [
        "",
        "| rows removed | model | test accuracy | gradient norm (retained objective) | \\|theta - theta_retrain\\| | mean \\|dp\\| vs retrain | \\|theta - theta_sklearn\\| |",
        "|---|---|---|---|---|---|---|",
    ]
    g = lambda d, key, f: ("%.3g" % d[key][f]) if key in d else "-"
    for r in rs:
        a = r["test_acc"]
        lines.append("| %d | original | %.4f | %.2e | %s | %s | %s |" % (
            r["rows"], a["original"], r["newton"][0]["residual_norm_before"],
            g(r, "original_vs_retrain", "l2"), g(r, "original_vs_retrain", "pred_mean"),
            g(r, "original_vs_sklearn", "l2")))
        for x in r["newton"]:
            lines.append("| %d | newton %s | %.4f | %.2e | %s | %s | %s |" % (
                r["rows"], label(x),
                x["test_acc"], x["residual_norm"], g(x, "vs_retrain", "l2"),
                g(x, "vs_retrain", "pred_mean"), g(x, "vs_sklearn", "l2")))
        lines.append("| %d | libforget retrain | %.4f | %.2e | 0 | 0 | %s |" % (
            r["rows"], a["retrain"], r["retrain_grad_norm"], g(r, "retrain_vs_sklearn", "l2")))
        if "sklearn" in r:
            lines.append("| %d | scikit-learn | %.4f | %.2e | %s | %s | 0 |" % (
                r["rows"], a["sklearn"], r["sklearn"]["grad_norm"],
                g(r, "retrain_vs_sklearn", "l2"), g(r, "retrain_vs_sklearn", "pred_mean")))
    one = rs[0]
    if "sklearn" in one:
        for x in one["newton"]:
            speed = one["sklearn"]["seconds"] / x["forget_seconds"]
            gap = 100 * abs(x["test_acc"] - one["test_acc"]["retrain"])
            lines += ["", "Target (a one-row removal >= 100x faster than retraining with "
                      "scikit-learn, test accuracy within 0.1 point of the retrained model), "
                      "newton %s: %.0fx, %.2f points: %s." % (
                          label(x), speed, gap,
                          "met" if speed >= 100 and gap <= 0.1 else "not met")]
    lines += ["", "The whole run took %.0f s%s." % (
        o["total_seconds"], " (--quick: 6000 training rows)" if args.quick else "")]
    return "\n".join(lines)


BENCHES = {"train": bench_train, "ssd": bench_ssd, "analytic": bench_analytic,
           "sisa": bench_sisa, "journal": bench_journal, "approx": bench_approx,
           "newton": bench_newton}


def write_section(name, body, command):
    with open(DOC) as f:
        doc = f.read()
    start, end = "<!-- bench:%s -->" % name, "<!-- /bench:%s -->" % name
    stamp = "Measured %s on %s.\n%s.\nCommand: `%s`.\n\n" % (
        time.strftime("%Y-%m-%d"), machine(), BLAS_NOTE, command)
    block = "%s\n%s%s\n%s" % (start, stamp, body, end)
    if start in doc:
        doc = re.sub(re.escape(start) + ".*?" + re.escape(end), lambda _: block, doc,
                     flags=re.S)
    else:
        doc = doc.rstrip("\n") + "\n\n" + block + "\n"
    with open(DOC, "w") as f:
        f.write(doc)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--only", choices=sorted(BENCHES), action="append")
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--quick", action="store_true",
                    help="approx, newton: 6000 training rows (a test of the wiring)")
    args = ap.parse_args()
    global BLAS_NOTE
    BLAS_NOTE = openblas_setup()
    print("bench: " + BLAS_NOTE, file=sys.stderr)
    for name in args.only or sorted(BENCHES):
        print("bench %s ..." % name, file=sys.stderr)
        body = BENCHES[name](args)
        write_section(name, body, "make bench")
        print(body)


if __name__ == "__main__":
    main()
