/* bench_mpi: analytic and sisa on P ranks (make bench-mpi; docs/MPI.md's
 * cost model, docs/BENCHMARKS.md). Every rank loads Fashion-MNIST's
 * training set and keeps its rows (row i on rank i mod P); then
 *   analytic: prepare (the fit: features, Gram matrix, all-reduce,
 *             factorisation) on all 60000 rows at d = 2049, and a
 *             100-row request by rows;
 *   sisa:     prepare (8 shards, 4 slices, an MLP 784-64-10) on the first
 *             --sisa-rows rows, and a 100-id request.
 * Times are the slowest rank's (every rank starts at a barrier); bytes
 * are what one rank sends through the communicator (the most any rank
 * sends), forget_mpi_comm_bytes_sent. --threads T: libforget's threads
 * per rank (the BLAS's: OPENBLAS_NUM_THREADS). --single: no
 * communicator (the library as one process uses it), on one rank.
 * --timeout S: the table's timeout (default 0: MPI's blocking calls on
 * the library's buffers; S > 0: non-blocking calls on the table's staging
 * area, the cost of copying measured against 0). */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <forget/forget_mpi.h>

#include "../bench_common.h"

static int rank, size;

static double slowest(double t)
{
    double m = 0;
    MPI_Allreduce(&t, &m, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    return m;
}

static double most(uint64_t b)
{
    double v = (double)b, m = 0;
    MPI_Allreduce(&v, &m, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    return m;
}

/* Rows of ds at positions i (i < limit) with i mod size == rank, or all
 * of them (the single-process reference). */
static forget_dataset *mine(const forget_dataset *ds, size_t limit, int all)
{
    size_t n = forget_dataset_rows(ds) < limit ? forget_dataset_rows(ds)
                                               : limit;
    uint64_t *ids = malloc(n * sizeof *ids);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (all || (int)(i % (size_t)size) == rank)
            ids[k++] = forget_dataset_ids(ds)[i];
    forget_dataset *out = NULL;
    BENCH_CHECK(forget_dataset_subset_ids(&out, ds, ids, k));
    free(ids);
    return out;
}

/* 100 ids of the first n rows, spread (a seeded permutation). */
static void pick(const forget_dataset *ds, size_t n, uint64_t *ids)
{
    uint64_t *perm = bench_permutation(n, 99);
    for (size_t i = 0; i < 100; i++)
        ids[i] = forget_dataset_ids(ds)[perm[i]];
    free(perm);
}

/* The request's rows this rank holds (by position i mod size). */
static forget_dataset *mine_of(const forget_dataset *ds, const uint64_t *ids,
                               size_t n, int all)
{
    uint64_t *keep = malloc(n * sizeof *keep);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        size_t row;
        BENCH_CHECK(forget_dataset_find(ds, ids[i], &row));
        if (all || (int)(row % (size_t)size) == rank)
            keep[k++] = ids[i];
    }
    forget_dataset *out = NULL;
    if (k > 0)
        BENCH_CHECK(forget_dataset_subset_ids(&out, ds, keep, k));
    else
        BENCH_CHECK(forget_dataset_create(&out, 0, forget_dataset_features(ds),
                                          NULL, NULL, NULL));
    free(keep);
    return out;
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    const char *dir = "/usr/share/datasets/fashion-mnist";
    int threads = 1, single = 0;
    double timeout = 0;
    size_t sisa_rows = 20000;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--threads") && i + 1 < argc)
            threads = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--timeout") && i + 1 < argc)
            timeout = atof(argv[++i]);
        else if (!strcmp(argv[i], "--single"))
            single = 1;
        else if (!strcmp(argv[i], "--sisa-rows") && i + 1 < argc)
            sisa_rows = (size_t)atol(argv[++i]);
        else if (!strcmp(argv[i], "--data") && i + 1 < argc)
            dir = argv[++i];
    }
    BENCH_CHECK(forget_init());
    BENCH_CHECK(forget_set_threads(threads));
    forget_dataset *train = NULL, *test = NULL;
    bench_load(dir, &train, &test, "normalize=true");
    forget_comm *c = NULL;
    if (!single)
        BENCH_CHECK(forget_mpi_comm(&c, MPI_COMM_WORLD, timeout));
    int all = single;
    uint64_t ids[100];

    /* ---- analytic: the fit at d = 2049, a 100-row request ---- */
    forget_dataset *rows = mine(train, (size_t)-1, all);
    forget_model *m = NULL;
    forget_unlearner *u = NULL;
    BENCH_CHECK(forget_model_create(&m, "analytic", "inputs=784 outputs=10 "
                                    "gamma=1 features=random width=2048 "
                                    "seed=7"));
    BENCH_CHECK(forget_unlearner_create(&u, "analytic", m, ""));
    if (c)
        BENCH_CHECK(forget_unlearner_set_comm(u, c));
    uint64_t f0 = forget_mpi_comm_bytes_sent(c);
    MPI_Barrier(MPI_COMM_WORLD);
    double t0 = bench_now();
    BENCH_CHECK(forget_unlearner_prepare(u, rows));
    double a_fit = slowest(bench_now() - t0);
    double a_fit_bytes = most(forget_mpi_comm_bytes_sent(c) - f0);
    pick(train, forget_dataset_rows(train), ids);
    forget_dataset *req = mine_of(train, ids, 100, all);
    uint64_t b0 = forget_mpi_comm_bytes_sent(c);
    MPI_Barrier(MPI_COMM_WORLD);
    t0 = bench_now();
    BENCH_CHECK(forget_unlearner_forget(u, req));
    double a_req = slowest(bench_now() - t0);
    double a_bytes = most(forget_mpi_comm_bytes_sent(c) - b0);
    forget_dataset_free(req);
    forget_unlearner_free(u);
    forget_model_free(m);
    forget_dataset_free(rows);

    /* ---- sisa: prepare and a 100-id request ---- */
    rows = mine(train, sisa_rows, all);
    BENCH_CHECK(forget_model_create(&m, "mlp", "layers=784-64-10 seed=1"));
    char params[160];
    snprintf(params, sizeof params, "shards=8 slices=4 epochs=1 seed=1 "
             "threads=%d", threads);
    BENCH_CHECK(forget_unlearner_create(&u, "sisa", m, params));
    if (c)
        BENCH_CHECK(forget_unlearner_set_comm(u, c));
    uint64_t s0 = forget_mpi_comm_bytes_sent(c);
    MPI_Barrier(MPI_COMM_WORLD);
    t0 = bench_now();
    BENCH_CHECK(forget_unlearner_prepare(u, rows));
    double s_prep = slowest(bench_now() - t0);
    double s_prep_bytes = most(forget_mpi_comm_bytes_sent(c) - s0);
    pick(train, sisa_rows, ids);
    b0 = forget_mpi_comm_bytes_sent(c);
    MPI_Barrier(MPI_COMM_WORLD);
    t0 = bench_now();
    BENCH_CHECK(forget_unlearner_forget_ids(u, ids, 100));
    double s_req = slowest(bench_now() - t0);
    double s_bytes = most(forget_mpi_comm_bytes_sent(c) - b0);
    double shards = 0;
    forget_report_get(forget_unlearner_report(u), "shards_retrained", &shards);
    unsigned char d[32];
    BENCH_CHECK(forget_model_digest(forget_unlearner_model(u), d));
    if (rank == 0) {
        printf("| %s | %d | %d | %.2f | %.1f | %.1f | %.2f | %.2f | %.1f | "
               "%.2f | %.0f | %.2f | %02x%02x%02x%02x |\n",
               single ? "one process, no communicator"
                      : timeout > 0 ? "ranks, timeout (staged)" : "ranks",
               size,
               threads, a_fit, a_fit_bytes / 1e6, 1e3 * a_req,
               a_bytes / 1e6, s_prep,
               s_prep_bytes / 1e6, s_req, shards, s_bytes / 1e6, d[0], d[1],
               d[2], d[3]);
        fflush(stdout);
    }
    forget_unlearner_free(u);
    forget_model_free(m);
    forget_dataset_free(rows);
    forget_dataset_free(train);
    forget_dataset_free(test);
    forget_mpi_comm_free(c);
    forget_shutdown();
    MPI_Finalize();
    return 0;
}
