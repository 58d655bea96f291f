/* newton (influence removal by one Newton step) against retraining, on
 * Fashion-MNIST (issue 19's benchmark). A linear softmax model on the raw
 * pixels, trained by libforget with weight_decay lambda; for removals of
 * m rows (the first m of a seeded permutation; each from the original)
 * newton's prepare and forget are timed apart, and its result is compared
 * with libforget's retrain on the retained rows (same recipe, same seed)
 * and with scikit-learn's LogisticRegression fitted on the same rows
 * (tools/bench/sk_logreg.py, run as a subprocess: the same objective,
 * bias penalised; its fit time is the yardstick of the target "a one-row
 * removal >= 100x faster than retraining with scikit-learn"). One JSON
 * line on stdout (bench.py makes the tables), progress on stderr.
 *   build/bench/bench_newton [--data DIR | --synthetic] [--quick] ... */
#include <dlfcn.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_common.h"

typedef struct options {
    const char *data, *recipe, *script, *python, *dir;
    const char *newton[8];
    int newton_blas[8]; /* OpenBLAS threads during that run (0: as is) */
    int blas_next;
    size_t n_newton;
    int reps;
    double lambda, sk_tol;
    int polish;
    size_t removals[8], n_removals, train_rows;
    uint64_t seed;
    int synthetic, quick, sklearn;
} options;

/* The training recipe: SGD with momentum, then (--polish) full Newton
 * steps until the gradient norm stops halving: the Newton step of a
 * removal assumes the optimum, which SGD in float32 approaches slowly
 * at a small weight decay. */
static const char *const k_recipe =
    "optimizer=sgd momentum=0.9 epochs=20 batch=256 lr=0.05";

static void usage(FILE *f)
{
    fprintf(f,
        "usage: bench_newton [options]\n"
        "  --data DIR        Fashion-MNIST IDX files (default "
        "/usr/share/datasets/fashion-mnist)\n"
        "  --synthetic       generated data instead (3000 rows, 20 features, "
        "4 classes)\n"
        "  --quick           the first 6000 training rows\n"
        "  --train-rows N    the first N training rows\n"
        "  --lambda L        weight decay of training and newton (1e-4)\n"
        "  --recipe P        training parameters, weight_decay added "
        "(default below)\n"
        "  --newton P        newton's parameters, weight_decay added; "
        "repeat for\n"
        "                    more runs (default: one run, the defaults)\n"
        "  --newton-blas N   the --newton runs after it with OpenBLAS on N "
        "threads\n"
        "                    (openblas_set_num_threads, restored after; "
        "0: as is)\n"
        "  --reps N          forget timed N times (a loaded copy each), "
        "median (3)\n"
        "  --polish N        Newton steps after the recipe, at most (6)\n"
        "  --removals LIST   rows removed, comma separated (1,10,100)\n"
        "  --seed S          seed of the removed rows (1)\n"
        "  --sklearn-tol T   LogisticRegression's tol (1e-8)\n"
        "  --no-sklearn      no scikit-learn runs\n"
        "  --python P        (/usr/bin/python3)  --script S "
        "(tools/bench/sk_logreg.py)\n"
        "  --dir D           scratch files (build/bench)\n"
        "default recipe (stages separated by ';'):\n  %s\n", k_recipe);
}

static int parse(options *o, int argc, char **argv)
{
    memset(o, 0, sizeof *o);
    o->data = "/usr/share/datasets/fashion-mnist";
    o->recipe = k_recipe;
    o->reps = 3;
    o->script = "tools/bench/sk_logreg.py";
    o->python = "/usr/bin/python3";
    o->dir = "build/bench";
    o->lambda = 1e-4;
    o->sk_tol = 1e-8;
    o->polish = 6;
    o->seed = 1;
    o->sklearn = 1;
    size_t def[] = {1, 10, 100};
    memcpy(o->removals, def, sizeof def);
    o->n_removals = 3;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        int takes = 1;
        if (!strcmp(a, "--help")) {
            usage(stdout);
            return 1;
        } else if (!strcmp(a, "--synthetic")) {
            o->synthetic = 1;
            takes = 0;
        } else if (!strcmp(a, "--quick")) {
            o->quick = 1;
            takes = 0;
        } else if (!strcmp(a, "--no-sklearn")) {
            o->sklearn = 0;
            takes = 0;
        } else if (v == NULL) {
            fprintf(stderr, "bench_newton: %s: unknown or without value\n", a);
            return -1;
        } else if (!strcmp(a, "--data"))
            o->data = v;
        else if (!strcmp(a, "--train-rows"))
            o->train_rows = strtoull(v, NULL, 10);
        else if (!strcmp(a, "--lambda"))
            o->lambda = atof(v);
        else if (!strcmp(a, "--recipe"))
            o->recipe = v;
        else if (!strcmp(a, "--newton") && o->n_newton < 8) {
            o->newton_blas[o->n_newton] = o->blas_next;
            o->newton[o->n_newton++] = v;
        } else if (!strcmp(a, "--newton-blas"))
            o->blas_next = atoi(v);
        else if (!strcmp(a, "--reps"))
            o->reps = atoi(v);
        else if (!strcmp(a, "--polish"))
            o->polish = atoi(v);
        else if (!strcmp(a, "--seed"))
            o->seed = strtoull(v, NULL, 10);
        else if (!strcmp(a, "--sklearn-tol"))
            o->sk_tol = atof(v);
        else if (!strcmp(a, "--python"))
            o->python = v;
        else if (!strcmp(a, "--script"))
            o->script = v;
        else if (!strcmp(a, "--dir"))
            o->dir = v;
        else if (!strcmp(a, "--removals")) {
            o->n_removals = 0;
            for (const char *s = v; *s && o->n_removals < 8;) {
                char *end;
                unsigned long long m = strtoull(s, &end, 10);
                if (end == s || m == 0) {
                    fprintf(stderr, "bench_newton: --removals %s: a list of "
                            "positive counts\n", v);
                    return -1;
                }
                o->removals[o->n_removals++] = (size_t)m;
                s = *end == ',' ? end + 1 : end;
            }
        } else {
            fprintf(stderr, "bench_newton: unknown option %s\n", a);
            return -1;
        }
        i += takes;
    }
    if (!(o->lambda > 0)) {
        fprintf(stderr, "bench_newton: --lambda must be > 0\n");
        return -1;
    }
    if (o->n_newton == 0)
        o->newton[o->n_newton++] = "";
    if (o->quick && !o->train_rows)
        o->train_rows = 6000;
    return 0;
}

/* ---- data ---- */

static double gauss(uint64_t *s)
{
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    double u = ((double)(*s >> 11) + 0.5) / 9007199254740992.0;
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    double v = (double)(*s >> 11) / 9007199254740992.0;
    return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

/* n rows of d features in [0, 1] from k overlapping Gaussian classes. */
static forget_dataset *synth(size_t n, size_t d, size_t k, uint64_t seed,
                             uint64_t id0)
{
    float *x = malloc(n * d * sizeof *x);
    int32_t *y = malloc(n * sizeof *y);
    uint64_t *ids = malloc(n * sizeof *ids), s = 12345;
    double *mu = malloc(k * d * sizeof *mu);
    for (size_t i = 0; i < k * d; i++)
        mu[i] = 0.5 + 0.15 * gauss(&s);
    s = seed;
    for (size_t i = 0; i < n; i++) {
        size_t c = i % k;
        y[i] = (int32_t)c;
        ids[i] = id0 + i;
        for (size_t j = 0; j < d; j++) {
            double v = mu[c * d + j] + 0.25 * gauss(&s);
            x[i * d + j] = (float)(v < 0 ? 0 : v > 1 ? 1 : v);
        }
    }
    forget_dataset *ds = NULL;
    BENCH_CHECK(forget_dataset_create(&ds, n, d, x, y, ids));
    free(x);
    free(y);
    free(ids);
    free(mu);
    return ds;
}

/* Rows and labels of ds as raw little-endian files for sk_logreg.py. */
static void write_raw(const forget_dataset *ds, const char *xpath,
                      const char *ypath)
{
    size_t n = forget_dataset_rows(ds), d = forget_dataset_features(ds);
    float *x = malloc(n * d * sizeof *x);
    BENCH_CHECK(forget_dataset_copy_rows(ds, 0, n, x, n * d));
    FILE *f = fopen(xpath, "wb"), *g = fopen(ypath, "wb");
    if (!f || !g || fwrite(x, sizeof *x, n * d, f) != n * d ||
        fwrite(forget_dataset_labels(ds), sizeof(int32_t), n, g) != n) {
        perror(xpath);
        exit(1);
    }
    fclose(f);
    fclose(g);
    free(x);
}

/* ---- the objective, in float64 ---- */

/* ||grad J|| over ds at the linear model m: J = mean cross-entropy +
 * lambda/2 ||theta||^2 (bias included), as newton and sk_logreg.py. */
static double grad_norm(const forget_model *m, const forget_dataset *ds,
                        double lambda)
{
    size_t n = forget_dataset_rows(ds), d = forget_dataset_features(ds);
    size_t k = forget_model_outputs(m), p = forget_model_param_count(m);
    const int32_t *y = forget_dataset_labels(ds);
    float *th = malloc(p * sizeof *th), *x = malloc(256 * d * sizeof *x);
    double *g = calloc(p, sizeof *g), z[64];
    BENCH_CHECK(forget_model_get_params(m, th, p));
    for (size_t b = 0; b < n; b += 256) {
        size_t c = n - b < 256 ? n - b : 256;
        BENCH_CHECK(forget_dataset_copy_rows(ds, b, c, x, c * d));
        for (size_t i = 0; i < c; i++) {
            const float *xi = x + i * d;
            double mx = -1e300, sum = 0.0;
            for (size_t j = 0; j < k; j++) {
                double s = th[k * d + j];
                for (size_t l = 0; l < d; l++)
                    s += (double)th[j * d + l] * xi[l];
                z[j] = s;
                mx = s > mx ? s : mx;
            }
            for (size_t j = 0; j < k; j++)
                sum += (z[j] = exp(z[j] - mx));
            for (size_t j = 0; j < k; j++) {
                double r = z[j] / sum - (y[b + i] == (int32_t)j);
                g[k * d + j] += r;
                for (size_t l = 0; l < d; l++)
                    g[j * d + l] += r * xi[l];
            }
        }
    }
    double s = 0.0;
    for (size_t i = 0; i < p; i++) {
        double v = g[i] / (double)n + lambda * th[i];
        s += v * v;
    }
    free(th);
    free(x);
    free(g);
    return sqrt(s);
}

/* ---- training ---- */

/* ds and a copy of its first row under a new id. */
static forget_dataset *with_duplicate(const forget_dataset *ds)
{
    size_t n = forget_dataset_rows(ds), d = forget_dataset_features(ds);
    float *x = malloc((n + 1) * d * sizeof *x);
    int32_t *y = malloc((n + 1) * sizeof *y);
    uint64_t *ids = malloc((n + 1) * sizeof *ids), top = 0;
    BENCH_CHECK(forget_dataset_copy_rows(ds, 0, n, x, n * d));
    memcpy(x + n * d, x, d * sizeof *x);
    memcpy(y, forget_dataset_labels(ds), n * sizeof *y);
    memcpy(ids, forget_dataset_ids(ds), n * sizeof *ids);
    for (size_t i = 0; i < n; i++)
        top = ids[i] > top ? ids[i] : top;
    y[n] = y[0];
    ids[n] = top + 1;
    forget_dataset *out = NULL;
    BENCH_CHECK(forget_dataset_create(&out, n + 1, d, x, y, ids));
    free(x);
    free(y);
    free(ids);
    return out;
}

/* Newton polish: m's training objective over ds minimised by full Newton
 * steps, each taken by the newton method itself (prepared on ds and a
 * duplicate row, then forgetting the duplicate: one step on the
 * objective over ds, from the exact gradient), until the gradient norm
 * stops halving or after o->polish steps. Returns the steps taken. */
static int polish(forget_model *m, const options *o, const forget_dataset *ds)
{
    if (o->polish == 0)
        return 0;
    forget_dataset *dup = with_duplicate(ds), *one = NULL;
    size_t n = forget_dataset_rows(ds);
    uint64_t id = forget_dataset_ids(dup)[n];
    BENCH_CHECK(forget_dataset_subset_ids(&one, dup, &id, 1));
    char params[512];
    snprintf(params, sizeof params, "weight_decay=%.17g cg_max_iter=5000",
             o->lambda);
    double last = INFINITY;
    int steps = 0;
    while (steps < o->polish) {
        forget_unlearner *u = NULL;
        BENCH_CHECK(forget_unlearner_create(&u, "newton", m, params));
        BENCH_CHECK(forget_unlearner_prepare(u, dup));
        BENCH_CHECK(forget_unlearner_forget(u, one));
        steps++;
        double before = NAN, after = NAN;
        forget_report_get(forget_unlearner_report(u), "residual_norm_before",
                          &before);
        forget_report_get(forget_unlearner_report(u), "residual_norm", &after);
        forget_unlearner_free(u);
        fprintf(stderr, "    polish step %d: gradient %.3g -> %.3g\n", steps,
                before, after);
        if (!(after < 0.5 * before) || !(after < 0.5 * last))
            break;
        last = after;
    }
    forget_dataset_free(one);
    forget_dataset_free(dup);
    return steps;
}

/* A fresh linear model (seed 1) trained on ds by the recipe's stages
 * (';' separated), each with weight_decay lambda, then polished by
 * Newton steps; returns the seconds. */
static double train_model(forget_model **out, const options *o,
                    const forget_dataset *ds, size_t k)
{
    char params[128], stage[512];
    snprintf(params, sizeof params, "inputs=%zu outputs=%zu seed=1",
             forget_dataset_features(ds), k);
    BENCH_CHECK(forget_model_create(out, "linear", params));
    double t0 = bench_now();
    for (const char *s = o->recipe; *s;) {
        size_t len = strcspn(s, ";");
        snprintf(stage, sizeof stage, "%.*s weight_decay=%g", (int)len, s,
                 o->lambda);
        BENCH_CHECK(forget_model_train(*out, ds, stage));
        s += len + (s[len] == ';');
    }
    polish(*out, o, ds);
    return bench_now() - t0;
}

/* ---- scikit-learn ---- */

typedef struct sk_result {
    int ran;
    double seconds, test_acc, grad_norm;
    long iterations;
    char version[32];
    float *theta; /* p floats, libforget's layout */
} sk_result;

static double json_num(const char *line, const char *key)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *at = strstr(line, pat);
    return at ? atof(at + strlen(pat)) : NAN;
}

/* sk_logreg.py on the training rows but those of drop (m indices). */
static sk_result sklearn_fit(const options *o, const char *raw,
                             const size_t *drop, size_t m, size_t p)
{
    sk_result r;
    memset(&r, 0, sizeof r);
    if (!o->sklearn)
        return r;
    char ex[512], po[512], cmd[8192];
    snprintf(ex, sizeof ex, "%s/newton_exclude.txt", o->dir);
    snprintf(po, sizeof po, "%s/newton_sk_params.bin", o->dir);
    FILE *f = fopen(ex, "w");
    if (!f) {
        perror(ex);
        exit(1);
    }
    for (size_t i = 0; i < m; i++)
        fprintf(f, "%zu\n", drop[i]);
    fclose(f);
    char rows[64] = "";
    if (o->train_rows && !o->synthetic)
        snprintf(rows, sizeof rows, " --train-rows %zu", o->train_rows);
    snprintf(cmd, sizeof cmd, "%s %s %s%s --lambda %.17g --tol %g "
             "--exclude %s --params-out %s", o->python, o->script, raw, rows,
             o->lambda, o->sk_tol, ex, po);
    FILE *pipe = popen(cmd, "r");
    char line[4096] = "", last[4096] = "";
    while (pipe && fgets(line, sizeof line, pipe))
        memcpy(last, line, sizeof last);
    if (!pipe || pclose(pipe) != 0 || last[0] != '{') {
        fprintf(stderr, "bench_newton: %s failed\n", cmd);
        exit(1);
    }
    r.ran = 1;
    r.seconds = json_num(last, "seconds");
    r.test_acc = json_num(last, "test_acc");
    r.grad_norm = json_num(last, "grad_norm");
    r.iterations = (long)json_num(last, "iterations");
    const char *v = strstr(last, "\"sklearn_version\": \"");
    if (v)
        sscanf(v + 20, "%31[^\"]", r.version);
    double *th = malloc(p * sizeof *th);
    f = fopen(po, "rb");
    if (!f || fread(th, sizeof *th, p, f) != p) {
        fprintf(stderr, "bench_newton: %s: not %zu parameters\n", po, p);
        exit(1);
    }
    fclose(f);
    r.theta = malloc(p * sizeof *r.theta);
    for (size_t i = 0; i < p; i++)
        r.theta[i] = (float)th[i];
    free(th);
    return r;
}

/* ---- one removal ---- */

static double report_get(const forget_unlearner *u, const char *key)
{
    double v = NAN;
    forget_report_get(forget_unlearner_report(u), key, &v);
    return v;
}

static double acc(const forget_model *m, const forget_dataset *ds)
{
    double a;
    BENCH_CHECK(forget_eval_accuracy(m, ds, &a));
    return a;
}

/* "name":{"l2":..,"max_abs":..,"pred_max":..,"pred_mean":..} of a
 * against b (predictions on the test rows). */
static void json_dist(FILE *f, const char *name, const forget_model *a,
                      const forget_model *b, const forget_dataset *test)
{
    double l2, mx, pmax, pmean;
    BENCH_CHECK(forget_eval_param_distance(a, b, &l2, &mx));
    BENCH_CHECK(forget_eval_output_distance(a, b, test, &pmax, &pmean));
    fprintf(f, ",\"%s\":{\"l2\":%.6g,\"max_abs\":%.6g,\"pred_max\":%.6g,"
            "\"pred_mean\":%.6g}", name, l2, mx, pmax, pmean);
}

/* newton with params on a clone of orig: prepared once (timed), then
 * o->reps requests of the rows f, each on a fresh clone with the prepared
 * state loaded from a buffer (the load is not timed); the median time.
 * The last clone is returned in *out with its unlearner's figures. */
/* OpenBLAS's thread count (the host's call: the library never makes
 * it); returns the count before, 0 where OpenBLAS is not loaded. */
static int blas_threads_set(int n)
{
    int (*get)(void) = (int (*)(void))dlsym(RTLD_DEFAULT,
                                            "openblas_get_num_threads");
    void (*set)(int) = (void (*)(int))dlsym(RTLD_DEFAULT,
                                            "openblas_set_num_threads");
    if (get == NULL || set == NULL)
        return 0;
    int before = get();
    if (n > 0)
        set(n);
    return before;
}

static void newton_run(FILE *out, const options *o, const char *extra,
                       int blas, const forget_dataset *train,
                       const forget_dataset *f, const forget_model *orig,
                       forget_model **model, forget_unlearner **unl)
{
    int blas_before = blas > 0 ? blas_threads_set(blas) : 0;
    char params[512];
    snprintf(params, sizeof params, "weight_decay=%.17g %s", o->lambda,
             extra);
    forget_model *nm = NULL;
    BENCH_CHECK(forget_model_clone(&nm, orig));
    forget_unlearner *u = NULL;
    BENCH_CHECK(forget_unlearner_create(&u, "newton", nm, params));
    double t0 = bench_now();
    BENCH_CHECK(forget_unlearner_prepare(u, train));
    double t_prep = bench_now() - t0, times[16];
    size_t len = 0;
    BENCH_CHECK(forget_unlearner_save_buffer(u, NULL, 0, &len));
    void *buf = malloc(len);
    BENCH_CHECK(forget_unlearner_save_buffer(u, buf, len, &len));
    forget_unlearner_free(u);
    forget_model_free(nm);
    int reps = o->reps < 1 ? 1 : o->reps > 16 ? 16 : o->reps;
    for (int r = 0; r < reps; r++) {
        nm = NULL;
        u = NULL;
        BENCH_CHECK(forget_model_clone(&nm, orig));
        BENCH_CHECK(forget_unlearner_load_buffer(&u, nm, buf, len));
        t0 = bench_now();
        BENCH_CHECK(forget_unlearner_forget(u, f));
        times[r] = bench_now() - t0;
        if (r + 1 < reps) {
            forget_unlearner_free(u);
            forget_model_free(nm);
        }
    }
    free(buf);
    if (blas_before > 0)
        blas_threads_set(blas_before);
    fprintf(out, "\"params\":\"%s\",\"blas_threads\":%d,\"threads\":%d,"
            "\"prepare_seconds\":%.6f,\"forget_seconds_all\":[", extra,
            blas, (int)forget_get_threads(), t_prep);
    for (int r = 0; r < reps; r++)
        fprintf(out, "%s%.6f", r ? "," : "", times[r]);
    qsort(times, (size_t)reps, sizeof *times, bench_cmp_double);
    fprintf(out, "],\"forget_seconds\":%.6f", times[reps / 2]);
    *model = nm;
    *unl = u;
}

static void removal(const options *o, FILE *out, int first, size_t m,
                    const uint64_t *perm, const forget_dataset *train,
                    const forget_dataset *test, const forget_model *orig,
                    const char *raw, size_t k)
{
    size_t n = forget_dataset_rows(train);
    const uint64_t *all = forget_dataset_ids(train);
    uint64_t *ids = malloc(m * sizeof *ids);
    size_t *drop = malloc(m * sizeof *drop);
    for (size_t i = 0; i < m; i++) {
        drop[i] = (size_t)perm[i];
        ids[i] = all[perm[i]];
    }
    forget_dataset *f = NULL, *r = NULL;
    BENCH_CHECK(forget_dataset_subset_ids(&f, train, ids, m));
    BENCH_CHECK(forget_dataset_complement(&r, train, f));
    fprintf(stderr, "  remove %zu rows: libforget retrain ...\n", m);
    forget_model *re = NULL;
    double t_re = train_model(&re, o, r, k);
    if (o->sklearn)
        fprintf(stderr, "  remove %zu rows: scikit-learn ...\n", m);
    sk_result sk = sklearn_fit(o, raw, drop, m, forget_model_param_count(orig));
    forget_model *skm = NULL;
    fprintf(out, "%s{\"rows\":%zu,\"retained_rows\":%zu,\"retrain_seconds\":"
            "%.4f,\"retrain_grad_norm\":%.6g,\"test_acc\":{\"original\":%.6f,"
            "\"retrain\":%.6f", first ? "" : ",", m, n - m, t_re,
            grad_norm(re, r, o->lambda), acc(orig, test), acc(re, test));
    if (sk.ran) {
        BENCH_CHECK(forget_model_clone(&skm, orig));
        BENCH_CHECK(forget_model_set_params(skm, sk.theta,
                                            forget_model_param_count(orig)));
        fprintf(out, ",\"sklearn\":%.6f", sk.test_acc);
    }
    fprintf(out, "}");
    json_dist(out, "original_vs_retrain", orig, re, test);
    if (sk.ran) {
        json_dist(out, "retrain_vs_sklearn", re, skm, test);
        json_dist(out, "original_vs_sklearn", orig, skm, test);
        fprintf(out, ",\"sklearn\":{\"seconds\":%.4f,\"iterations\":%ld,"
                "\"grad_norm\":%.6g,\"version\":\"%s\"}", sk.seconds,
                sk.iterations, sk.grad_norm, sk.version);
    }
    fprintf(out, ",\"newton\":[");
    for (size_t c = 0; c < o->n_newton; c++) {
        fprintf(stderr, "  remove %zu rows: newton %s ...\n", m, o->newton[c]);
        forget_model *nm = NULL;
        forget_unlearner *u = NULL;
        fprintf(out, "%s{", c ? "," : "");
        newton_run(out, o, o->newton[c], o->newton_blas[c], train, f, orig,
                   &nm, &u);
        fprintf(out, ",\"residual_norm\":%.6g,\"residual_norm_before\":%.6g,"
                "\"cg_iterations\":%.0f,\"cg_residual\":%.3g,\"step_norm\":"
                "%.6g,\"test_acc\":%.6f", report_get(u, "residual_norm"),
                report_get(u, "residual_norm_before"),
                report_get(u, "cg_iterations"), report_get(u, "cg_residual"),
                report_get(u, "step_norm"), acc(nm, test));
        json_dist(out, "vs_retrain", nm, re, test);
        if (sk.ran)
            json_dist(out, "vs_sklearn", nm, skm, test);
        fprintf(out, "}");
        fflush(out);
        forget_unlearner_free(u);
        forget_model_free(nm);
    }
    fprintf(out, "]}");
    fflush(out);
    forget_model_free(skm);
    free(sk.theta);
    forget_model_free(re);
    forget_dataset_free(f);
    forget_dataset_free(r);
    free(ids);
    free(drop);
}

int main(int argc, char **argv)
{
    options o;
    int rc = parse(&o, argc, argv);
    if (rc)
        return rc < 0 ? 2 : 0;
    double t_start = bench_now();
    BENCH_CHECK(forget_init());
    forget_dataset *train = NULL, *test = NULL, *cut = NULL;
    size_t k = 10;
    char raw[4096] = "";
    if (o.synthetic) {
        size_t n = o.train_rows ? o.train_rows : 3000, d = 20;
        k = 4;
        train = synth(n, d, k, o.seed + 1, 1);
        test = synth(1000, d, k, o.seed + 2, 1000000);
        char p[4][512];
        const char *names[4] = {"x", "y", "tx", "ty"};
        for (int i = 0; i < 4; i++)
            snprintf(p[i], sizeof p[i], "%s/newton_synth_%s.bin", o.dir,
                     names[i]);
        write_raw(train, p[0], p[1]);
        write_raw(test, p[2], p[3]);
        snprintf(raw, sizeof raw, "--raw %zu %zu %zu %s %s 1000 %s %s", n, d,
                 k, p[0], p[1], p[2], p[3]);
    } else {
        bench_load(o.data, &train, &test, "storage=bytes");
        snprintf(raw, sizeof raw, "--data %s", o.data);
        if (o.train_rows && o.train_rows < forget_dataset_rows(train)) {
            BENCH_CHECK(forget_dataset_slice(&cut, train, 0, o.train_rows));
            forget_dataset_free(train);
            train = cut;
        }
    }
    size_t n = forget_dataset_rows(train);
    for (size_t i = 0; i < o.n_removals; i++)
        if (o.removals[i] >= n) {
            fprintf(stderr, "bench_newton: cannot remove %zu of %zu rows\n",
                    o.removals[i], n);
            return 2;
        }
    fprintf(stderr, "bench_newton: training on %zu rows ...\n", n);
    forget_model *orig = NULL;
    double t_train = train_model(&orig, &o, train, k);
    FILE *out = stdout;
    char recipe[1024];
    snprintf(recipe, sizeof recipe, "%s", o.recipe);
    fprintf(out, "{\"bench\":\"newton\",\"version\":\"%s\",\"blas\":\"%s\","
            "\"data\":\"%s\",\"train_rows\":%zu,\"test_rows\":%zu,"
            "\"features\":%zu,\"classes\":%zu,\"lambda\":%g,\"recipe\":\"%s\","
            "\"polish\":%d,\"reps\":%d,"
            "\"seed\":%llu,\"original\":{"
            "\"train_seconds\":%.3f,\"train_acc\":%.6f,\"test_acc\":%.6f,"
            "\"grad_norm\":%.6g},\"removals\":[",
            forget_version_string(), forget_blas_info(),
            o.synthetic ? "synthetic" : o.data, n, forget_dataset_rows(test),
            forget_dataset_features(train), k, o.lambda, recipe, o.polish,
            o.reps,
            (unsigned long long)o.seed, t_train, acc(orig, train),
            acc(orig, test), grad_norm(orig, train, o.lambda));
    fflush(out);
    uint64_t *perm = bench_permutation(n, o.seed);
    for (size_t i = 0; i < o.n_removals; i++)
        removal(&o, out, i == 0, o.removals[i], perm, train, test, orig, raw, k);
    fprintf(out, "],\"total_seconds\":%.1f}\n", bench_now() - t_start);
    free(perm);
    forget_model_free(orig);
    forget_dataset_free(train);
    forget_dataset_free(test);
    return forget_shutdown() == FORGET_OK ? 0 : 1;
}
