/* How often progress moves: the longest time between two progress
 * reports (or the call's start or end) in the long calls of each method
 * on Fashion-MNIST. Not part of `make bench`'s tables; run it by hand:
 *   OPENBLAS_NUM_THREADS=2 build/bench/bench_progress [--data DIR] */
#include <forget/forget.h>
#include <stdio.h>
#include <string.h>

#include "bench_common.h"

static double g_last, g_worst, g_start;
static int g_calls;

static int on_progress(double fraction, const char *stage, void *user)
{
    (void)fraction, (void)stage, (void)user;
    double t = bench_now();
    g_worst = t - g_last > g_worst ? t - g_last : g_worst;
    g_last = t;
    g_calls++;
    return 0;
}

static void begin(void)
{
    g_start = g_last = bench_now();
    g_worst = 0;
    g_calls = 0;
}

static void end(const char *what)
{
    double t = bench_now();
    g_worst = t - g_last > g_worst ? t - g_last : g_worst;
    printf("| %s | %.2f s | %d | %.3f s |\n", what, t - g_start, g_calls,
           g_worst);
}

static forget_unlearner *make(const char *method, forget_model *m,
                              const char *params)
{
    forget_unlearner *u = NULL;
    BENCH_CHECK(forget_unlearner_create(&u, method, m, params));
    BENCH_CHECK(forget_unlearner_set_progress(u, on_progress, NULL));
    return u;
}

int main(int argc, char **argv)
{
    const char *dir = "/usr/share/datasets/fashion-mnist";
    if (argc > 2 && !strcmp(argv[1], "--data"))
        dir = argv[2];
    BENCH_CHECK(forget_init());
    forget_dataset *tr = NULL, *test = NULL, *cls = NULL, *k1000 = NULL;
    bench_load(dir, &tr, &test, NULL);
    printf("| call | time | reports | longest gap |\n|---|---|---|---|\n");
    forget_model *m = NULL, *a = NULL, *t = NULL;
    BENCH_CHECK(forget_model_create(&m, "mlp", "layers=784-256-128-10 seed=1"));
    BENCH_CHECK(forget_model_set_progress(m, on_progress, NULL));
    begin();
    BENCH_CHECK(forget_model_train(m, tr, "epochs=2"));
    end("train mlp 784-256-128-10, 2 epochs");
    BENCH_CHECK(forget_model_set_progress(m, NULL, NULL));
    forget_unlearner *u = make("ssd", m, "");
    begin();
    BENCH_CHECK(forget_unlearner_prepare(u, tr));
    end("ssd prepare (per-row importances)");
    BENCH_CHECK(forget_dataset_subset_class(&cls, tr, 3));
    begin();
    BENCH_CHECK(forget_unlearner_forget(u, cls));
    end("ssd forget a class");
    BENCH_CHECK(forget_model_create(&a, "analytic", "inputs=784 outputs=10 "
                                    "features=random width=2048"));
    forget_unlearner *ua = make("analytic", a, "update=refactor");
    begin();
    BENCH_CHECK(forget_unlearner_prepare(ua, tr));
    end("analytic prepare (d = 2049)");
    BENCH_CHECK(forget_dataset_slice(&k1000, tr, 0, 1000));
    begin();
    BENCH_CHECK(forget_unlearner_forget(ua, k1000));
    end("analytic forget 1000 rows (refactor)");
    BENCH_CHECK(forget_model_create(&t, "mlp", "layers=784-128-10 seed=2"));
    forget_unlearner *us = make("sisa", t, "shards=5 slices=4 threads=2");
    begin();
    BENCH_CHECK(forget_unlearner_prepare(us, tr));
    end("sisa prepare (5 shards x 4 slices)");
    uint64_t ids[3] = {1, 2, 3};
    begin();
    BENCH_CHECK(forget_unlearner_forget_ids(us, ids, 3));
    end("sisa forget 3 ids");
    forget_unlearner_free(u);
    forget_unlearner_free(ua);
    forget_unlearner_free(us);
    forget_model_free(m);
    forget_model_free(a);
    forget_model_free(t);
    forget_dataset_free(cls);
    forget_dataset_free(k1000);
    forget_dataset_free(tr);
    forget_dataset_free(test);
    return 0;
}
