/* sisa on Fashion-MNIST, the protocol of tools/bench/torch_sisa.py:
 * 5 shards x 4 slices of the MLP 784-256-128-10; training; one deletion;
 * 100 deletions one call each; 100 more as one call; a full retrain of the
 * ensemble on what remains. Writes the deletion list; one JSON line.
 *
 * The overhead per request: a request's time minus the training work it
 * needs, its sample passes (the report's) times the cost of one sample
 * pass of plain training (forget_model_train of the template, with the
 * same training parameters and threads, one epoch over a shard's worth of
 * rows copied into a dataset of their own: the fastest of four runs, two
 * before the 100 deletions and two after), as a share of a one-shard
 * retrain (a full retrain's sample passes over the shards, at that cost).
 *   build/bench/bench_sisa [--data DIR] [--out DIR] [--threads N] [--lanes L] */
#include <stdint.h>
#include <sys/resource.h>

#include "bench_common.h"

#define SHARDS 5
#define TRAIN "lr=0.05 momentum=0.9 batch=128 lanes=%d"
#define CFG "shards=5 slices=4 epochs=1 seed=1 threads=%d train=\"" TRAIN "\""

/* Seconds per sample pass of plain training: one epoch of the template's
 * copy over rows (a dataset of its own), with threads. */
static double pass_cost(const forget_model *tmpl, const forget_dataset *rows,
                        int threads, int lanes)
{
    forget_model *m = NULL;
    char params[256];
    snprintf(params, sizeof params, TRAIN " epochs=1 seed=7", lanes);
    BENCH_CHECK(forget_model_clone(&m, tmpl));
    int before = forget_get_threads();
    BENCH_CHECK(forget_set_threads(threads));
    double t0 = bench_now();
    BENCH_CHECK(forget_model_train(m, rows, params));
    double t = bench_now() - t0;
    BENCH_CHECK(forget_set_threads(before));
    forget_model_free(m);
    return t / (double)forget_dataset_rows(rows);
}

static double min2(double a, double b) { return a < b ? a : b; }

int main(int argc, char **argv)
{
    const char *dir = "/usr/share/datasets/fashion-mnist", *out = "build/bench";
    int threads = 1, lanes = 1;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--data"))
            dir = argv[i + 1];
        else if (!strcmp(argv[i], "--out"))
            out = argv[i + 1];
        else if (!strcmp(argv[i], "--threads"))
            threads = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--lanes"))
            lanes = atoi(argv[i + 1]);
    }
    BENCH_CHECK(forget_init());
    forget_dataset *train = NULL, *test = NULL;
    bench_load(dir, &train, &test, "storage=bytes");
    /* 201 distinct ids by a seeded permutation. */
    size_t n = forget_dataset_rows(train);
    uint64_t *perm = bench_permutation(n, 777u);
    char path[512], cfg[512];
    snprintf(path, sizeof path, "%s/sisa-deletions.txt", out);
    FILE *f = fopen(path, "w");
    for (int i = 0; i < 201; i++)
        fprintf(f, "%llu\n", (unsigned long long)perm[i]);
    fclose(f);
    snprintf(cfg, sizeof cfg, CFG, threads, lanes);

    forget_model *tmpl = NULL;
    BENCH_CHECK(forget_model_create(&tmpl, "mlp", "layers=784-256-128-10 "
                                    "seed=1"));
    forget_unlearner *u = NULL;
    BENCH_CHECK(forget_unlearner_create(&u, "sisa", tmpl, cfg));
    double t0 = bench_now();
    BENCH_CHECK(forget_unlearner_prepare(u, train));
    double train_s = bench_now() - t0, acc, acc_after, v;
    BENCH_CHECK(forget_eval_accuracy(forget_unlearner_model(u), test, &acc));
    t0 = bench_now();
    BENCH_CHECK(forget_unlearner_forget_ids(u, perm, 1));
    double one = bench_now() - t0, stages_seq = 0, stages_batch = 0;
    forget_report_get(forget_unlearner_report(u), "slices_retrained", &v);
    double one_cost = 0;
    forget_report_get(forget_unlearner_report(u), "cost_vs_full_retrain",
                      &one_cost);
    /* Plain training's cost per sample pass, on a shard's worth of rows
     * (ones no deletion names). */
    forget_dataset *shard_rows = NULL;
    BENCH_CHECK(forget_dataset_subset_ids(&shard_rows, train, perm + 201,
                                          (n - 201) / SHARDS));
    double pass = pass_cost(tmpl, shard_rows, threads, lanes);
    pass = min2(pass, pass_cost(tmpl, shard_rows, threads, lanes));
    double seq_passes = 0, request_s[100], request_passes[100];
    t0 = bench_now();
    for (int i = 1; i <= 100; i++) {
        double t1 = bench_now();
        BENCH_CHECK(forget_unlearner_forget_ids(u, &perm[i], 1));
        request_s[i - 1] = bench_now() - t1;
        forget_report_get(forget_unlearner_report(u), "slices_retrained", &v);
        stages_seq += v;
        forget_report_get(forget_unlearner_report(u), "sample_passes",
                          &request_passes[i - 1]);
        seq_passes += request_passes[i - 1];
    }
    double seq = bench_now() - t0;
    pass = min2(pass, pass_cost(tmpl, shard_rows, threads, lanes));
    pass = min2(pass, pass_cost(tmpl, shard_rows, threads, lanes));
    forget_dataset_free(shard_rows);
    double over[100];
    for (int i = 0; i < 100; i++)
        over[i] = request_s[i] - request_passes[i] * pass;
    qsort(over, 100, sizeof *over, bench_cmp_double);
    fprintf(stderr, "  sisa: 100 one at a time done\n");
    t0 = bench_now();
    BENCH_CHECK(forget_unlearner_forget_ids(u, &perm[101], 100));
    double batch = bench_now() - t0, batch_cost = 0;
    forget_report_get(forget_unlearner_report(u), "slices_retrained",
                      &stages_batch);
    forget_report_get(forget_unlearner_report(u), "cost_vs_full_retrain",
                      &batch_cost);
    BENCH_CHECK(forget_eval_accuracy(forget_unlearner_model(u), test,
                                     &acc_after));
    /* A full retrain of the ensemble on what remains. */
    forget_dataset *rest = NULL;
    BENCH_CHECK(forget_dataset_exclude_ids(&rest, train, perm, 201));
    forget_unlearner *full = NULL;
    BENCH_CHECK(forget_unlearner_create(&full, "sisa", tmpl, cfg));
    t0 = bench_now();
    BENCH_CHECK(forget_unlearner_prepare(full, rest));
    double full_s = bench_now() - t0, full_passes = 0;
    forget_report_get(forget_unlearner_report(full), "sample_passes",
                      &full_passes);
    double shard_s = full_passes / SHARDS * pass;
    double over_mean = (seq - seq_passes * pass) / 100;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    const char *bt = getenv("OPENBLAS_NUM_THREADS");
    printf("{\"framework\":\"libforget\",\"deletions_file\":\"%s\","
           "\"threads\":%d,\"openblas_threads\":\"%s\","
           "\"train_seconds\":%.3f,\"test_accuracy\":%.4f,"
           "\"one_deletion_seconds\":%.3f,\"one_deletion_cost\":%.4f,"
           "\"sequential_100_seconds\":%.3f,\"batch_100_seconds\":%.3f,"
           "\"batch_100_cost\":%.4f,\"full_retrain_seconds\":%.3f,"
           "\"test_accuracy_after\":%.4f,\"stages_retrained_sequential\":%.0f,"
           "\"stages_retrained_batch\":%.0f,\"peak_rss_mib\":%.1f,"
           "\"sequential_100_full_retrains\":%.2f,"
           "\"sequential_100_work_retrains\":%.2f,"
           "\"pass_seconds\":%.3e,\"one_shard_retrain_seconds\":%.4f,"
           "\"overhead_per_request_seconds\":%.4f,"
           "\"overhead_per_request_median_seconds\":%.4f,"
           "\"overhead_vs_shard_retrain\":%.4f}\n",
           path, threads, bt ? bt : "", train_s, acc, one, one_cost, seq,
           batch, batch_cost, full_s, acc_after, stages_seq, stages_batch,
           ru.ru_maxrss / 1024.0, seq / full_s, seq_passes / full_passes,
           pass, shard_s, over_mean, 0.5 * (over[49] + over[50]),
           over_mean / shard_s);
    forget_unlearner_free(full);
    forget_unlearner_free(u);
    forget_model_free(tmpl);
    forget_dataset_free(rest);
    forget_dataset_free(test);
    forget_dataset_free(train);
    free(perm);
    return forget_shutdown() == FORGET_OK ? 0 : 1;
}
