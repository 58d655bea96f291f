/* newton's certified mode on a binary Fashion-MNIST task (issue 19's
 * benchmark): two classes (default 0 T-shirt/top against 6 shirt),
 * every row scaled to unit L2 norm (Guo et al.'s setting: the bound grows
 * with the row norm), binary logistic regression (`linear`, 2 outputs)
 * trained by full-batch descent with weight_decay lambda, without and with
 * the objective perturbation perturb=sigma for each sigma asked. For
 * each perturbed model: the test accuracy (against the unperturbed one:
 * certified mode's accuracy cost), then single-row removals in a seeded
 * order with certified=true epsilon delta until the first request that
 * retrains instead of stepping (or --max requests): how many removals
 * the budget buys before a retrain, the bound spent, the time of a step
 * and of the retraining request. One JSON line on stdout, progress on
 * stderr.
 *   build/bench/bench_newton_cert [--data DIR] [--classes A,B]
 *       [--sigmas S1,S2,...] [--epsilon E] [--delta D] [--lambda L]
 *       [--epochs N] [--lr R] [--max N] [--seed S] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_common.h"

typedef struct options {
    const char *data;
    int a, b;
    double sigmas[8];
    size_t n_sigmas, max;
    double epsilon, delta, lambda, lr;
    int epochs;
    uint64_t seed;
} options;

static int parse(options *o, int argc, char **argv)
{
    memset(o, 0, sizeof *o);
    o->data = "/usr/share/datasets/fashion-mnist";
    o->a = 0;
    o->b = 6;
    double def[] = {0.1, 1, 10};
    memcpy(o->sigmas, def, sizeof def);
    o->n_sigmas = 3;
    o->max = 200;
    o->epsilon = 1;
    o->delta = 1e-4;
    o->lambda = 1e-3;
    o->lr = 1;
    o->epochs = 1500;
    o->seed = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--help")) {
            fprintf(stdout, "usage: bench_newton_cert [--data DIR] "
                    "[--classes A,B] [--sigmas S,...] [--epsilon E] "
                    "[--delta D] [--lambda L] [--epochs N] [--lr R] "
                    "[--max N] [--seed S]\n");
            return 1;
        }
        if (v == NULL) {
            fprintf(stderr, "bench_newton_cert: %s: unknown or without "
                    "value\n", a);
            return -1;
        }
        if (!strcmp(a, "--data"))
            o->data = v;
        else if (!strcmp(a, "--classes")) {
            if (sscanf(v, "%d,%d", &o->a, &o->b) != 2 || o->a == o->b ||
                o->a < 0 || o->b < 0 || o->a > 9 || o->b > 9) {
                fprintf(stderr, "bench_newton_cert: --classes A,B\n");
                return -1;
            }
        } else if (!strcmp(a, "--sigmas")) {
            o->n_sigmas = 0;
            for (const char *s = v; *s && o->n_sigmas < 8;) {
                char *end;
                double x = strtod(s, &end);
                if (end == s || !(x > 0)) {
                    fprintf(stderr, "bench_newton_cert: --sigmas: positive "
                            "values\n");
                    return -1;
                }
                o->sigmas[o->n_sigmas++] = x;
                s = *end == ',' ? end + 1 : end;
            }
        } else if (!strcmp(a, "--epsilon"))
            o->epsilon = atof(v);
        else if (!strcmp(a, "--delta"))
            o->delta = atof(v);
        else if (!strcmp(a, "--lambda"))
            o->lambda = atof(v);
        else if (!strcmp(a, "--epochs"))
            o->epochs = atoi(v);
        else if (!strcmp(a, "--lr"))
            o->lr = atof(v);
        else if (!strcmp(a, "--max"))
            o->max = strtoull(v, NULL, 10);
        else if (!strcmp(a, "--seed"))
            o->seed = strtoull(v, NULL, 10);
        else {
            fprintf(stderr, "bench_newton_cert: unknown option %s\n", a);
            return -1;
        }
        i++;
    }
    return 0;
}

/* The rows of classes a (label 0) and b (label 1) of ds, each scaled to
 * unit norm. */
static forget_dataset *binary(const forget_dataset *ds, int a, int b)
{
    size_t n = forget_dataset_rows(ds), d = forget_dataset_features(ds), m = 0;
    const int32_t *y = forget_dataset_labels(ds);
    const uint64_t *ids = forget_dataset_ids(ds);
    float *all = malloc(n * d * sizeof *all), *x = malloc(n * d * sizeof *x);
    int32_t *yy = malloc(n * sizeof *yy);
    uint64_t *ii = malloc(n * sizeof *ii);
    BENCH_CHECK(forget_dataset_copy_rows(ds, 0, n, all, n * d));
    for (size_t i = 0; i < n; i++) {
        if (y[i] != a && y[i] != b)
            continue;
        double s = 0.0;
        for (size_t j = 0; j < d; j++)
            s += (double)all[i * d + j] * all[i * d + j];
        double inv = s > 0 ? 1.0 / sqrt(s) : 0.0;
        for (size_t j = 0; j < d; j++)
            x[m * d + j] = (float)(all[i * d + j] * inv);
        yy[m] = y[i] == b;
        ii[m] = ids[i];
        m++;
    }
    forget_dataset *out = NULL;
    BENCH_CHECK(forget_dataset_create(&out, m, d, x, yy, ii));
    free(all);
    free(x);
    free(yy);
    free(ii);
    return out;
}

static double acc(const forget_model *m, const forget_dataset *ds)
{
    double a = 0;
    BENCH_CHECK(forget_eval_accuracy(m, ds, &a));
    return a;
}

static double rep(const forget_unlearner *u, const char *key)
{
    double v = NAN;
    forget_report_get(forget_unlearner_report(u), key, &v);
    return v;
}

static forget_model *train(const options *o, const forget_dataset *tr,
                           double sigma, char *params, size_t cap,
                           double *seconds)
{
    size_t n = forget_dataset_rows(tr);
    char pert[64] = "";
    if (sigma > 0)
        snprintf(pert, sizeof pert, " perturb=%.17g", sigma);
    snprintf(params, cap, "optimizer=sgd lr=%.17g momentum=0.9 batch=%zu "
             "shuffle=false weight_decay=%.17g epochs=%d seed=3%s", o->lr, n,
             o->lambda, o->epochs, pert);
    char mp[64];
    snprintf(mp, sizeof mp, "inputs=%zu outputs=2",
             forget_dataset_features(tr));
    forget_model *m = NULL;
    BENCH_CHECK(forget_model_create(&m, "linear", mp));
    double t0 = bench_now();
    BENCH_CHECK(forget_model_train(m, tr, params));
    *seconds = bench_now() - t0;
    return m;
}

int main(int argc, char **argv)
{
    options o;
    int rc = parse(&o, argc, argv);
    if (rc)
        return rc < 0 ? 2 : 0;
    BENCH_CHECK(forget_init());
    forget_dataset *tr0 = NULL, *te0 = NULL;
    bench_load(o.data, &tr0, &te0, "storage=floats");
    forget_dataset *tr = binary(tr0, o.a, o.b), *te = binary(te0, o.a, o.b);
    forget_dataset_free(tr0);
    forget_dataset_free(te0);
    size_t n = forget_dataset_rows(tr);
    char params[512];
    double secs = 0;
    fprintf(stderr, "bench_newton_cert: %zu rows (classes %d, %d), "
            "training without perturbation ...\n", n, o.a, o.b);
    forget_model *plain = train(&o, tr, 0, params, sizeof params, &secs);
    printf("{\"bench\":\"newton_cert\",\"version\":\"%s\",\"blas\":\"%s\","
           "\"classes\":[%d,%d],\"train_rows\":%zu,\"test_rows\":%zu,"
           "\"lambda\":%g,\"epsilon\":%g,\"delta\":%g,\"train\":\"%s\","
           "\"plain\":{\"train_seconds\":%.3f,\"train_acc\":%.6f,"
           "\"test_acc\":%.6f},\"runs\":[", forget_version_string(),
           forget_blas_info(), o.a, o.b, n, forget_dataset_rows(te),
           o.lambda, o.epsilon, o.delta, params, secs, acc(plain, tr),
           acc(plain, te));
    fflush(stdout);
    forget_model_free(plain);
    uint64_t *perm = bench_permutation(n, o.seed);
    const uint64_t *ids = forget_dataset_ids(tr);
    for (size_t si = 0; si < o.n_sigmas; si++) {
        double sigma = o.sigmas[si];
        fprintf(stderr, "  sigma %g: training ...\n", sigma);
        forget_model *m = train(&o, tr, sigma, params, sizeof params, &secs);
        printf("%s{\"sigma\":%g,\"train_seconds\":%.3f,\"train_acc\":%.6f,"
               "\"test_acc\":%.6f", si ? "," : "", sigma, secs, acc(m, tr),
               acc(m, te));
        char up[1024];
        snprintf(up, sizeof up, "certified=true epsilon=%.17g delta=%.17g "
                 "train=\"%s\"", o.epsilon, o.delta, params);
        forget_unlearner *u = NULL;
        BENCH_CHECK(forget_unlearner_create(&u, "newton", m, up));
        double t0 = bench_now();
        rc = forget_unlearner_prepare(u, tr);
        double t_prep = bench_now() - t0;
        if (rc != FORGET_OK) {
            fprintf(stderr, "  sigma %g: prepare refused: %s\n", sigma,
                    forget_last_error());
            printf(",\"refused\":\"prepare: %d\"}", rc);
            forget_unlearner_free(u);
            forget_model_free(m);
            fflush(stdout);
            continue;
        }
        printf(",\"prepare_seconds\":%.3f,\"budget\":%.6g,\"spent0\":%.6g,"
               "\"row_norm\":%.6g,\"gram_norm\":%.6g", t_prep,
               rep(u, "cert_budget"), rep(u, "cert_spent"),
               rep(u, "cert_row_norm"), rep(u, "cert_gram_norm"));
        size_t steps = 0, req = 0;
        double t_steps = 0, t_retrain = -1, bound_sum = 0, acc_before = 0;
        int retrained = 0;
        for (req = 0; req < o.max && !retrained; req++) {
            forget_dataset *f = NULL;
            uint64_t id = ids[perm[req]];
            BENCH_CHECK(forget_dataset_subset_ids(&f, tr, &id, 1));
            t0 = bench_now();
            rc = forget_unlearner_forget(u, f);
            double t = bench_now() - t0;
            forget_dataset_free(f);
            if (rc != FORGET_OK) {
                fprintf(stderr, "  sigma %g: request %zu refused: %s\n",
                        sigma, req + 1, forget_last_error());
                break;
            }
            retrained = rep(u, "retrained") == 1;
            if (retrained) {
                t_retrain = t;
            } else {
                steps++;
                t_steps += t;
                bound_sum += rep(u, "cert_bound");
                acc_before = acc(m, te);
            }
        }
        printf(",\"steps_before_retrain\":%zu,\"retrained\":%d,"
               "\"requests\":%zu,\"step_seconds_mean\":%.6f,"
               "\"retrain_request_seconds\":%.3f,\"bound_mean\":%.6g,"
               "\"test_acc_after_steps\":%.6f,\"spent_end\":%.6g}", steps,
               retrained, req, steps ? t_steps / (double)steps : 0,
               t_retrain, steps ? bound_sum / (double)steps : 0,
               steps ? acc_before : acc(m, te), rep(u, "cert_spent"));
        fflush(stdout);
        fprintf(stderr, "  sigma %g: %zu steps before %s\n", sigma, steps,
                retrained ? "a retrain" : "the end");
        forget_unlearner_free(u);
        forget_model_free(m);
    }
    printf("]}\n");
    free(perm);
    forget_dataset_free(tr);
    forget_dataset_free(te);
    return forget_shutdown() == FORGET_OK ? 0 : 1;
}
