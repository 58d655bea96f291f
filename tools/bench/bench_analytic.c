/* analytic on Fashion-MNIST: fit, and forgetting k = 1, 10, 100, 1000
 * rows by each update path, against a refit on the rest; one-row requests
 * at d = 2049 and 4097 against the memory bound of one pass over R (R out
 * of every cache; whether it could fit the last-level cache is printed).
 * Writes the random map's weights and the forget list for
 * tools/bench/np_ridge.py; prints one JSON line.
 *   build/bench/bench_analytic [--data DIR] [--out DIR] [--width B]
 *                              [--one-row | --learn-only] */
#include <math.h>
#include <stdint.h>

#include "bench_common.h"

/* The float64 head from a saved model (section HEAD of docs/FORMAT.md). */
static double *head_of(const forget_model *m, size_t *n)
{
    size_t len = 0;
    BENCH_CHECK(forget_model_save_buffer(m, NULL, 0, &len));
    unsigned char *b = malloc(len);
    BENCH_CHECK(forget_model_save_buffer(m, b, len, &len));
    double *h = NULL;
    for (size_t at = 16; at + 24 <= len;) {
        uint64_t l;
        memcpy(&l, b + at + 8, 8);
        if (!memcmp(b + at, "HEAD", 4)) {
            h = malloc(l);
            memcpy(h, b + at + 24, l);
            *n = l / 8;
        }
        at += 24 + l + (8 - l % 8) % 8;
    }
    free(b);
    return h;
}

static double max_abs_diff(const forget_model *a, const forget_model *b,
                           double *rel)
{
    size_t n = 0, n2 = 0;
    double *x = head_of(a, &n), *y = head_of(b, &n2), mx = 0, scale = 0;
    for (size_t i = 0; i < n; i++) {
        mx = fmax(mx, fabs(x[i] - y[i]));
        scale = fmax(scale, fabs(y[i]));
    }
    free(x);
    free(y);
    *rel = mx / scale;
    return mx;
}

/* Seconds to read and write d*d doubles once (best of 5), each time from
 * memory: before each pass a buffer of twice the last-level cache is
 * read, so no line of the d x d buffer is left in any cache (an in-place
 * stream like the update of R, without its arithmetic). */
static double bandwidth_bound(size_t d)
{
    size_t n = d * d, llc = bench_llc_bytes();
    size_t ne = 2 * (llc ? llc : (size_t)64 << 20) / sizeof(double);
    double *r = malloc(n * sizeof *r), *e = malloc(ne * sizeof *e), best = 1e9;
    for (size_t i = 0; i < n; i++)
        r[i] = (double)(i % 97);
    for (size_t i = 0; i < ne; i++)
        e[i] = (double)i;
    volatile double sink = 0;
    for (int rep = 0; rep < 5; rep++) {
        double s = 0;
        for (size_t i = 0; i < ne; i += 8)
            s += e[i];
        sink += s;
        double t = bench_now();
        for (size_t i = 0; i < n; i++)
            r[i] = r[i] * 1.0000001 + 1e-9;
        t = bench_now() - t;
        best = t < best ? t : best;
    }
    sink += r[n / 2];
    free(r);
    free(e);
    return best;
}

/* One-row requests on the random map of width B (d = B + 1) against the
 * bound: a row forgotten and learned back, 15 rows, medians; and 64
 * requests in a row (32 rows out, then back), their mean: what a stream
 * of one-row requests costs, G's buffered update (every 64 rows)
 * included. Prints one JSON object. */
static void one_row(forget_dataset *train, const uint64_t *list, int width)
{
    char p[160];
    snprintf(p, sizeof p, "inputs=784 outputs=10 gamma=1 features=random "
             "width=%d seed=7", width);
    forget_model *m = NULL;
    forget_unlearner *u = NULL;
    BENCH_CHECK(forget_model_create(&m, "analytic", p));
    BENCH_CHECK(forget_unlearner_create(&u, "analytic", m, ""));
    double t0 = bench_now();
    BENCH_CHECK(forget_unlearner_prepare(u, train));
    double prep = bench_now() - t0, tf[15], tl[15];
    forget_dataset *rows[32];
    for (int r = 0; r < 32; r++)
        BENCH_CHECK(forget_dataset_subset_ids(&rows[r], train, &list[r], 1));
    BENCH_CHECK(forget_unlearner_forget(u, rows[0])); /* warm buffers */
    BENCH_CHECK(forget_unlearner_learn(u, rows[0]));
    for (int r = 0; r < 15; r++) {
        t0 = bench_now();
        BENCH_CHECK(forget_unlearner_forget(u, rows[r]));
        tf[r] = bench_now() - t0;
        t0 = bench_now();
        BENCH_CHECK(forget_unlearner_learn(u, rows[r]));
        tl[r] = bench_now() - t0;
    }
    t0 = bench_now();
    for (int r = 0; r < 32; r++)
        BENCH_CHECK(forget_unlearner_forget(u, rows[r]));
    for (int r = 0; r < 32; r++)
        BENCH_CHECK(forget_unlearner_learn(u, rows[r]));
    double stream = (bench_now() - t0) / 64;
    qsort(tf, 15, sizeof *tf, bench_cmp_double);
    qsort(tl, 15, sizeof *tl, bench_cmp_double);
    size_t d = (size_t)width + 1, llc = bench_llc_bytes();
    double bound = bandwidth_bound(d);
    printf("{\"d\":%zu,\"prepare_seconds\":%.2f,\"forget_seconds\":%.6f,"
           "\"forget_p10_p90\":[%.6f,%.6f],\"learn_seconds\":%.6f,"
           "\"stream_seconds\":%.6f,\"rw_bound_seconds\":%.6f,"
           "\"rw_bound_bytes\":%zu,\"llc_bytes\":%zu,\"fits_llc\":%s}",
           d, prep, tf[7], tf[1], tf[13], tl[7], stream, bound,
           d * d * sizeof(double), llc,
           llc == 0 ? "null" : d * d * sizeof(double) <= llc ? "true" : "false");
    fflush(stdout);
    fprintf(stderr, "  one-row requests at d = %zu done\n", d);
    for (int r = 0; r < 32; r++)
        forget_dataset_free(rows[r]);
    forget_unlearner_free(u);
    forget_model_free(m);
}

static const char *MODES[3] = {"auto", "woodbury", "refactor"};

static void run_config(const char *features, const char *model_params,
                       forget_dataset *train, const uint64_t *list, int first)
{
    forget_model *base = NULL, *fitm = NULL;
    BENCH_CHECK(forget_model_create(&base, "analytic", model_params));
    BENCH_CHECK(forget_model_clone(&fitm, base));
    double t0 = bench_now();
    BENCH_CHECK(forget_model_train(fitm, train, ""));
    double fit = bench_now() - t0;
    printf("%s\"%s\":{\"fit_seconds\":%.3f,", first ? "" : ",", features, fit);
    forget_model *models[3];
    forget_unlearner *u[3];
    for (int i = 0; i < 3; i++) {
        char p[64];
        snprintf(p, sizeof p, "update=%s", MODES[i]);
        BENCH_CHECK(forget_model_clone(&models[i], base));
        BENCH_CHECK(forget_unlearner_create(&u[i], "analytic", models[i], p));
        t0 = bench_now();
        BENCH_CHECK(forget_unlearner_prepare(u[i], train));
        if (i == 0)
            printf("\"prepare_seconds\":%.3f,\"k\":[", bench_now() - t0);
    }
    const size_t ks[4] = {1, 10, 100, 1000};
    for (int ki = 0; ki < 4; ki++) {
        size_t k = ks[ki];
        forget_dataset *f = NULL, *rest = NULL;
        BENCH_CHECK(forget_dataset_subset_ids(&f, train, list, k));
        BENCH_CHECK(forget_dataset_complement(&rest, train, f));
        forget_model *ref = NULL;
        BENCH_CHECK(forget_model_clone(&ref, base));
        t0 = bench_now();
        BENCH_CHECK(forget_model_train(ref, rest, ""));
        double refit = bench_now() - t0;
        printf("%s{\"k\":%zu,\"refit_seconds\":%.3f", ki ? "," : "", k, refit);
        for (int i = 0; i < 3; i++) {
            /* k = 1: 9 different rows, median; otherwise one request. The
             * rows are learned back (exactly) between requests. */
            int reps = k == 1 ? 9 : 1;
            double t[9], woodbury = 0, rel = 0, dw = 0;
            /* One untimed request of the same size first, so that the
             * timed ones see warm buffers (as numpy's preallocated ones):
             * the first request of a new size faults its work space in. */
            BENCH_CHECK(forget_unlearner_forget(u[i], f));
            BENCH_CHECK(forget_unlearner_learn(u[i], f));
            for (int r = 0; r < reps; r++) {
                forget_dataset *one = f;
                if (k == 1)
                    BENCH_CHECK(forget_dataset_subset_ids(&one, train,
                                                          &list[r], 1));
                t0 = bench_now();
                BENCH_CHECK(forget_unlearner_forget(u[i], one));
                t[r] = bench_now() - t0;
                forget_report_get(forget_unlearner_report(u[i]), "woodbury",
                                  &woodbury);
                if (r == 0)
                    dw = max_abs_diff(models[i], ref, &rel);
                BENCH_CHECK(forget_unlearner_learn(u[i], one));
                if (one != f)
                    forget_dataset_free(one);
            }
            qsort(t, (size_t)reps, sizeof *t, bench_cmp_double);
            printf(",\"%s_seconds\":%.5f,\"%s_path\":\"%s\","
                   "\"%s_max_abs_dW\":%.3g,\"%s_rel_dW\":%.3g",
                   MODES[i], t[reps / 2], MODES[i],
                   woodbury == 1.0 ? "woodbury" : "refactor", MODES[i], dw,
                   MODES[i], rel);
            fflush(stdout);
        }
        printf("}");
        fprintf(stderr, "  %s k=%zu done\n", features, k);
        forget_model_free(ref);
        forget_dataset_free(f);
        forget_dataset_free(rest);
    }
    size_t d = strcmp(features, "raw") ? 2049 : 785;
    printf("],\"d\":%zu,\"rw_bound_seconds\":%.5f}", d, bandwidth_bound(d));
    for (int i = 0; i < 3; i++) {
        forget_unlearner_free(u[i]);
        forget_model_free(models[i]);
    }
    forget_model_free(fitm);
    forget_model_free(base);
}

/* keep_rows=true on the raw features: one row forgotten, then learned
 * back, 15 rows, medians. Learning a row copied every kept row before
 * (O(rows)); now the kept rows grow by doubling (O(1) amortised). */
static void keep_rows_learn(forget_dataset *train, const uint64_t *list)
{
    forget_model *m = NULL;
    forget_unlearner *u = NULL;
    BENCH_CHECK(forget_model_create(&m, "analytic",
                                    "inputs=784 outputs=10 gamma=1"));
    BENCH_CHECK(forget_unlearner_create(&u, "analytic", m, "keep_rows=true"));
    BENCH_CHECK(forget_unlearner_prepare(u, train));
    double tf[15], tl[15];
    for (int r = 0; r < 15; r++) {
        forget_dataset *one = NULL;
        BENCH_CHECK(forget_dataset_subset_ids(&one, train, &list[r], 1));
        double t0 = bench_now();
        BENCH_CHECK(forget_unlearner_forget(u, one));
        tf[r] = bench_now() - t0;
        t0 = bench_now();
        BENCH_CHECK(forget_unlearner_learn(u, one));
        tl[r] = bench_now() - t0;
        forget_dataset_free(one);
    }
    qsort(tf, 15, sizeof *tf, bench_cmp_double);
    qsort(tl, 15, sizeof *tl, bench_cmp_double);
    printf("\"keep_rows\":{\"rows\":%zu,\"forget_seconds\":%.6f,"
           "\"learn_seconds\":%.6f}", forget_dataset_rows(train), tf[7],
           tl[7]);
    forget_unlearner_free(u);
    forget_model_free(m);
}

int main(int argc, char **argv)
{
    const char *dir = "/usr/share/datasets/fashion-mnist", *out = "build/bench";
    int width = 2048;
    int learn_only = argc > 1 && !strcmp(argv[argc - 1], "--learn-only");
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--data"))
            dir = argv[i + 1];
        else if (!strcmp(argv[i], "--out"))
            out = argv[i + 1];
        else if (!strcmp(argv[i], "--width"))
            width = atoi(argv[i + 1]);
    }
    BENCH_CHECK(forget_init());
    forget_dataset *train = NULL, *test = NULL;
    bench_load(dir, &train, &test, NULL);
    /* 1000 distinct rows by a seeded permutation (Fisher-Yates, LCG). */
    size_t n = forget_dataset_rows(train);
    uint64_t *perm = bench_permutation(n, 12345u);
    if (argc > 1 && !strcmp(argv[argc - 1], "--one-row")) {
        printf("{\"one_row\":[");
        one_row(train, perm, 2048);
        printf(",");
        one_row(train, perm, 4096);
        printf("]}\n");
        return 0;
    }
    if (learn_only) {
        printf("{");
        keep_rows_learn(train, perm);
        printf("}\n");
        return 0;
    }
    char path[512];
    snprintf(path, sizeof path, "%s/analytic-forget.txt", out);
    FILE *f = fopen(path, "w");
    for (int i = 0; i < 1000; i++)
        fprintf(f, "%llu\n", (unsigned long long)perm[i]);
    fclose(f);
    /* The random map's weights: the analytic kind builds its map as this
     * very linear model (same parameters, same seed). */
    char params[256];
    snprintf(params, sizeof params, "inputs=784 outputs=%d seed=7", width);
    forget_model *map = NULL;
    BENCH_CHECK(forget_model_create(&map, "linear", params));
    size_t P = forget_model_param_count(map);
    float *w = malloc(P * sizeof *w);
    BENCH_CHECK(forget_model_get_params(map, w, P));
    char mpath[512];
    snprintf(mpath, sizeof mpath, "%s/analytic-map.f32", out);
    f = fopen(mpath, "wb");
    if (!f || fwrite(w, 4, P, f) != P || fclose(f) != 0)
        return 1;
    free(w);
    forget_model_free(map);
    printf("{\"forget_file\":\"%s\",\"map_file\":\"%s\",\"width\":%d,", path,
           mpath, width);
    run_config("raw", "inputs=784 outputs=10 gamma=1", train, perm, 1);
    snprintf(params, sizeof params, "inputs=784 outputs=10 gamma=1 "
             "features=random width=%d seed=7", width);
    run_config("random", params, train, perm, 0);
    printf(",\"one_row\":[");
    one_row(train, perm, 2048);
    printf(",");
    one_row(train, perm, 4096);
    printf("],");
    keep_rows_learn(train, perm);
    printf("}\n");
    free(perm);
    forget_dataset_free(test);
    forget_dataset_free(train);
    return forget_shutdown() == FORGET_OK ? 0 : 1;
}
