/* ssd on Fashion-MNIST: the MLP of the training benchmark, three forget
 * sets (one whole class, 600 random rows, half of one class), against a
 * retrain from scratch on D minus F; alpha sweeps for sample and batch
 * importances; one-row request latency. Writes the model's weights and
 * each forget set for tools/bench/torch_ssd.py, and prints one JSON line.
 *   build/bench/bench_ssd [--data DIR] [--out DIR] [--epochs N] */
#include <math.h>

#include "bench_common.h"

#define RECIPE "optimizer=sgd lr=0.05 momentum=0.9 batch=128 seed=7 epochs=%d"
static const char *MODEL = "layers=784-256-128-10 act=relu seed=7";

typedef struct sets {
    forget_dataset *D, *F, *R, *test, *test_class;
} sets;

static void metrics(FILE *o, const forget_model *m, const sets *s)
{
    double r, f, t, mia, tc;
    BENCH_CHECK(forget_eval_accuracy(m, s->R, &r));
    BENCH_CHECK(forget_eval_accuracy(m, s->F, &f));
    BENCH_CHECK(forget_eval_accuracy(m, s->test, &t));
    BENCH_CHECK(forget_eval_accuracy(m, s->test_class, &tc));
    BENCH_CHECK(forget_eval_mia(m, s->R, s->test, s->F, &mia));
    fprintf(o, "\"retain_acc\":%.4f,\"forget_acc\":%.4f,\"test_acc\":%.4f,"
            "\"test_class_acc\":%.4f,\"mia\":%.4f", r, f, t, tc, mia);
}

/* Clone the original, run ssd with params, print one run's JSON. */
static void ssd_run(FILE *o, const forget_model *orig, const sets *s,
                    const char *params, int first)
{
    forget_model *m = NULL;
    forget_unlearner *u = NULL;
    BENCH_CHECK(forget_model_clone(&m, orig));
    BENCH_CHECK(forget_unlearner_create(&u, "ssd", m, params));
    double t0 = bench_now();
    BENCH_CHECK(forget_unlearner_prepare(u, s->D));
    double prep = bench_now() - t0;
    t0 = bench_now();
    int rc = forget_unlearner_forget(u, s->F);
    double fgt = bench_now() - t0;
    fprintf(o, "%s{\"params\":\"%s\",\"prepare_seconds\":%.4f,", first ? "" : ",",
            params, prep);
    if (rc != FORGET_OK) {
        fprintf(o, "\"error\":\"%s\"}", forget_strerror(rc));
    } else {
        double dampened = 0;
        forget_report_get(forget_unlearner_report(u), "dampened", &dampened);
        fprintf(o, "\"forget_seconds\":%.4f,\"dampened\":%.0f,", fgt,
                dampened);
        metrics(o, m, s);
        fprintf(o, "}");
    }
    forget_unlearner_free(u);
    forget_model_free(m);
}

static void write_forget_file(const char *path, const forget_dataset *F)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        perror(path);
        exit(1);
    }
    const uint64_t *ids = forget_dataset_ids(F);
    for (size_t i = 0; i < forget_dataset_rows(F); i++)
        fprintf(f, "%llu\n", (unsigned long long)ids[i]);
    fclose(f);
}

/* Rows of train picked by a seeded hash: every row of class `cls` when
 * frac is 1, a fraction of them otherwise; or `count` random rows. */
static forget_dataset *pick(const forget_dataset *train, int cls, double frac,
                            size_t count)
{
    size_t n = forget_dataset_rows(train), k = 0;
    const int32_t *y = forget_dataset_labels(train);
    uint64_t *ids = malloc(n * sizeof *ids);
    for (size_t i = 0; i < n; i++) {
        uint64_t h = (i + 1) * 0x9E3779B97F4A7C15ull;
        h ^= h >> 29;
        double u = (double)(h % 1000003) / 1000003.0;
        if (cls >= 0 ? (y[i] == cls && u < frac)
                     : u < (double)count / (double)n && k < count)
            ids[k++] = i;
    }
    forget_dataset *F = NULL;
    BENCH_CHECK(forget_dataset_subset_ids(&F, train, ids, k));
    free(ids);
    return F;
}

static void scenario(FILE *o, const char *name, forget_dataset *F,
                     const forget_model *orig, forget_dataset *train,
                     forget_dataset *test, int cls, int epochs,
                     const char *outdir, int first)
{
    sets s = {train, F, NULL, test, NULL};
    BENCH_CHECK(forget_dataset_complement(&s.R, train, F));
    BENCH_CHECK(forget_dataset_subset_class(&s.test_class, test, cls));
    char path[512], recipe[256];
    snprintf(path, sizeof path, "%s/forget-%s.txt", outdir, name);
    write_forget_file(path, F);
    fprintf(o, "%s\"%s\":{\"forget_rows\":%zu,\"forget_file\":\"%s\","
            "\"class\":%d,\"original\":{", first ? "" : ",", name,
            forget_dataset_rows(F), path, cls);
    metrics(o, orig, &s);
    /* Retrain from scratch on R with the same initialisation and recipe. */
    forget_model *re = NULL;
    BENCH_CHECK(forget_model_create(&re, "mlp", MODEL));
    snprintf(recipe, sizeof recipe, RECIPE, epochs);
    double t0 = bench_now();
    BENCH_CHECK(forget_model_train(re, s.R, recipe));
    fprintf(o, "},\"retrain\":{\"seconds\":%.3f,", bench_now() - t0);
    metrics(o, re, &s);
    forget_model_free(re);
    fprintf(o, "},\"ssd\":[");
    const char *runs[] = {
        "reference=retain alpha=1.5", "reference=retain alpha=2",
        "reference=retain alpha=4",   "reference=retain alpha=10",
        "reference=full alpha=1.5",   "reference=full alpha=2",
        "reference=full alpha=4",     "reference=full alpha=10",
        "importance=batch alpha=1.5", "importance=batch alpha=2",
        "importance=batch alpha=4",   "importance=batch alpha=10",
    };
    for (size_t i = 0; i < sizeof runs / sizeof *runs; i++) {
        ssd_run(o, orig, &s, runs[i], i == 0);
        fprintf(stderr, "  %s: %s\n", name, runs[i]);
    }
    fprintf(o, "]}");
    forget_dataset_free(s.R);
    forget_dataset_free(s.test_class);
}

/* Median and 90th percentile of one-row requests, one call each. */
static void latency(FILE *o, const forget_model *orig, forget_dataset *train)
{
    forget_model *m = NULL;
    forget_unlearner *u = NULL;
    BENCH_CHECK(forget_model_clone(&m, orig));
    BENCH_CHECK(forget_unlearner_create(&u, "ssd", m, "alpha=10"));
    BENCH_CHECK(forget_unlearner_prepare(u, train));
    enum { N = 200 };
    double t[N];
    for (int i = 0; i < N; i++) {
        uint64_t id = (uint64_t)(i * 293 + 11);
        forget_dataset *one = NULL;
        double t0 = bench_now();
        BENCH_CHECK(forget_dataset_subset_ids(&one, train, &id, 1));
        BENCH_CHECK(forget_unlearner_forget(u, one));
        t[i] = bench_now() - t0;
        forget_dataset_free(one);
    }
    qsort(t, N, sizeof *t, bench_cmp_double);
    fprintf(o, ",\"one_row\":{\"requests\":%d,\"median_ms\":%.3f,"
            "\"p90_ms\":%.3f,\"max_ms\":%.3f}", N, 1e3 * t[N / 2],
            1e3 * t[N * 9 / 10], 1e3 * t[N - 1]);
    forget_unlearner_free(u);
    forget_model_free(m);
}

int main(int argc, char **argv)
{
    const char *dir = "/usr/share/datasets/fashion-mnist", *out = "build/bench";
    int epochs = 5;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--data"))
            dir = argv[i + 1];
        else if (!strcmp(argv[i], "--out"))
            out = argv[i + 1];
        else if (!strcmp(argv[i], "--epochs"))
            epochs = atoi(argv[i + 1]);
    }
    BENCH_CHECK(forget_init());
    forget_dataset *train = NULL, *test = NULL;
    bench_load(dir, &train, &test, NULL);
    forget_model *orig = NULL;
    char recipe[256], path[512];
    snprintf(recipe, sizeof recipe, RECIPE, epochs);
    BENCH_CHECK(forget_model_create(&orig, "mlp", MODEL));
    BENCH_CHECK(forget_model_train(orig, train, recipe));
    size_t P = forget_model_param_count(orig);
    float *w = malloc(P * sizeof *w);
    BENCH_CHECK(forget_model_get_params(orig, w, P));
    snprintf(path, sizeof path, "%s/ssd-weights.f32", out);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(w, sizeof *w, P, f) != P || fclose(f) != 0) {
        perror(path);
        return 1;
    }
    free(w);
    printf("{\"weights\":\"%s\",\"scenarios\":{", path);
    forget_dataset *full = pick(train, 0, 1.0, 0);
    forget_dataset *half = pick(train, 0, 0.5, 0);
    forget_dataset *rnd = pick(train, -1, 0, 600);
    int cls_rnd = 0;
    scenario(stdout, "class", full, orig, train, test, 0, epochs, out, 1);
    scenario(stdout, "random600", rnd, orig, train, test, cls_rnd, epochs,
             out, 0);
    scenario(stdout, "halfclass", half, orig, train, test, 0, epochs, out, 0);
    printf("}");
    latency(stdout, orig, train);
    printf("}\n");
    forget_dataset_free(full);
    forget_dataset_free(half);
    forget_dataset_free(rnd);
    forget_model_free(orig);
    forget_dataset_free(test);
    forget_dataset_free(train);
    return forget_shutdown() == FORGET_OK ? 0 : 1;
}
