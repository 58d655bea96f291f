/* What the deletion journal costs: one-row requests with and without a
 * journal for each method on Fashion-MNIST, SHA-256 throughput, the
 * digest of the models involved and one fsync'ed append. Prints one JSON
 * line.
 *   build/bench/bench_journal [--data DIR] [--dir DIR] [--requests N] */
#include <fcntl.h>
#include <unistd.h>

#include "bench_common.h"

static const char *MLP = "layers=784-256-128-10 act=relu seed=7";
static const char *RECIPE = "optimizer=sgd lr=0.05 momentum=0.9 batch=128 "
                            "seed=7 epochs=1";

static double median(double *v, size_t n)
{
    qsort(v, n, sizeof *v, bench_cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* One one-row request (row perm[i]) by rows (ssd) or by ids: seconds. */
static double request(forget_unlearner *u, const forget_dataset *D,
                      const uint64_t *perm, size_t i, int by_ids)
{
    uint64_t id = forget_dataset_ids(D)[perm[i]];
    if (by_ids) {
        double t0 = bench_now();
        BENCH_CHECK(forget_unlearner_forget_ids(u, &id, 1));
        return bench_now() - t0;
    }
    forget_dataset *F = NULL;
    BENCH_CHECK(forget_dataset_subset_ids(&F, D, &id, 1));
    double t0 = bench_now();
    BENCH_CHECK(forget_unlearner_forget(u, F));
    double t = bench_now() - t0;
    forget_dataset_free(F);
    return t;
}

/* One method: the same requests on two identical unlearners, both loaded
 * from the prepared one's saved state on copies of its model, without and
 * with a journal, interleaved. */
static void method(FILE *o, const char *name, forget_model *m,
                   forget_unlearner *u, const forget_dataset *D,
                   const uint64_t *perm, size_t n, int by_ids,
                   const char *jpath, int first)
{
    size_t len;
    BENCH_CHECK(forget_unlearner_save_buffer(u, NULL, 0, &len));
    void *state = malloc(len);
    BENCH_CHECK(forget_unlearner_save_buffer(u, state, len, &len));
    forget_model *mc[2] = {NULL, NULL};
    forget_unlearner *uc[2] = {NULL, NULL};
    for (int i = 0; i < 2; i++) {
        BENCH_CHECK(forget_model_clone(&mc[i], m));
        BENCH_CHECK(forget_unlearner_load_buffer(&uc[i], mc[i], state, len));
    }
    free(state);
    unlink(jpath);
    BENCH_CHECK(forget_unlearner_open_journal(uc[1], jpath, 0));
    /* the same request on both, in alternating order, so that the
     * machine's drift falls on both alike */
    double *tp = malloc(n * sizeof *tp), *tj = malloc(n * sizeof *tj);
    for (size_t i = 0; i < n; i++) {
        if (i % 2) {
            tj[i] = request(uc[1], D, perm, i, by_ids);
            tp[i] = request(uc[0], D, perm, i, by_ids);
        } else {
            tp[i] = request(uc[0], D, perm, i, by_ids);
            tj[i] = request(uc[1], D, perm, i, by_ids);
        }
    }
    double *dt = malloc(n * sizeof *dt);
    for (size_t i = 0; i < n; i++)
        dt[i] = tj[i] - tp[i];
    double added = median(dt, n); /* per request: same work on both */
    double plain = median(tp, n), journaled = median(tj, n);
    free(dt);
    free(tp);
    free(tj);
    unsigned char d[FORGET_DIGEST_SIZE];
    double t0 = bench_now();
    for (int i = 0; i < 5; i++)
        BENCH_CHECK(forget_model_digest(forget_unlearner_model(uc[1]), d));
    double digest = (bench_now() - t0) / 5;
    fprintf(o, "%s\"%s\":{\"requests\":%zu,\"plain_seconds\":%.6f,"
            "\"journaled_seconds\":%.6f,\"added_seconds\":%.6f,"
            "\"digest_seconds\":%.6f}",
            first ? "" : ",", name, n, plain, journaled, added, digest);
    for (int i = 0; i < 2; i++) {
        forget_unlearner_free(uc[i]);
        forget_model_free(mc[i]);
    }
}

int main(int argc, char **argv)
{
    const char *data = "/usr/share/datasets/fashion-mnist", *dir = "build/bench";
    size_t n = 30;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--data"))
            data = argv[i + 1];
        else if (!strcmp(argv[i], "--dir"))
            dir = argv[i + 1];
        else if (!strcmp(argv[i], "--requests"))
            n = (size_t)atol(argv[i + 1]);
    }
    BENCH_CHECK(forget_init());
    forget_dataset *D = NULL, *test = NULL;
    bench_load(data, &D, &test, NULL);
    uint64_t *perm = bench_permutation(forget_dataset_rows(D), 11);
    char jpath[600];
    snprintf(jpath, sizeof jpath, "%s/bench.journal", dir);
    FILE *o = stdout;
    fprintf(o, "{");

    /* SHA-256 throughput: the digest of a 67 MB model */
    forget_model *m = NULL;
    BENCH_CHECK(forget_model_create(&m, "linear", "inputs=4096 outputs=4096"));
    unsigned char d[FORGET_DIGEST_SIZE];
    double t0 = bench_now();
    BENCH_CHECK(forget_model_digest(m, d));
    double sha = bench_now() - t0;
    fprintf(o, "\"sha256_mb_per_s\":%.1f,", 4.0 * 4096 * 4097 / sha / 1e6);
    forget_model_free(m);

    /* one 100-byte append + fsync, as a journal record */
    char fpath[600];
    snprintf(fpath, sizeof fpath, "%s/bench.fsync", dir);
    int fd = open(fpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    double ft[50];
    char rec[100] = {0};
    for (int i = 0; i < 50; i++) {
        t0 = bench_now();
        if (write(fd, rec, sizeof rec) != (ssize_t)sizeof rec || fsync(fd) != 0)
            return 1;
        ft[i] = bench_now() - t0;
    }
    close(fd);
    unlink(fpath);
    fprintf(o, "\"append_fsync_seconds\":%.6f,", median(ft, 50));

    /* ssd on a trained MLP: rows */
    BENCH_CHECK(forget_model_create(&m, "mlp", MLP));
    BENCH_CHECK(forget_model_train(m, D, RECIPE));
    forget_unlearner *u = NULL;
    BENCH_CHECK(forget_unlearner_create(&u, "ssd", m, ""));
    BENCH_CHECK(forget_unlearner_prepare(u, D));
    method(o, "ssd", m, u, D, perm, n, 0, jpath, 1);
    forget_unlearner_free(u);
    forget_model_free(m);

    /* analytic, random map 2048 wide, keep_rows: ids */
    BENCH_CHECK(forget_model_create(&m, "analytic", "inputs=784 outputs=10 "
                                    "features=random width=2048 gamma=1"));
    BENCH_CHECK(forget_unlearner_create(&u, "analytic", m, "keep_rows=true"));
    BENCH_CHECK(forget_unlearner_prepare(u, D));
    method(o, "analytic", m, u, D, perm, n, 1, jpath, 0);
    forget_unlearner_free(u);
    forget_model_free(m);

    /* sisa 5 x 4 on the MLP: ids (fewer requests: each retrains) */
    BENCH_CHECK(forget_model_create(&m, "mlp", MLP));
    BENCH_CHECK(forget_unlearner_create(&u, "sisa", m, "shards=5 slices=4 "
                                        "epochs=1 train=\"lr=0.05 "
                                        "momentum=0.9 batch=128\""));
    BENCH_CHECK(forget_unlearner_prepare(u, D));
    method(o, "sisa", m, u, D, perm, n / 3 ? n / 3 : 1, 1, jpath, 0);
    forget_unlearner_free(u);
    forget_model_free(m);
    unlink(jpath);
    fprintf(o, "}\n");
    free(perm);
    forget_dataset_free(D);
    forget_dataset_free(test);
    BENCH_CHECK(forget_shutdown());
    return 0;
}
