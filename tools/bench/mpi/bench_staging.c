/* bench_staging: what libforget-mpi's staging area costs (make bench-mpi;
 * docs/BENCHMARKS.md, MPI). With a timeout every collective copies the
 * caller's bytes into the table's own buffers and back out; without one
 * MPI works on the caller's buffers. Measured on the collectives the
 * methods' heaviest steps make:
 *   all-reduce of 2049 x 2049 doubles (analytic's Gram matrix, 33.6 MB);
 *   all-gather of 32 MB per rank (sisa's rows on two ranks);
 *   broadcast of 8 MB from rank 0.
 * The two tables are used in turn (which goes first alternates),
 * --repeat times each; the table gives the best and the median of the
 * slowest rank's times. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <forget/backend.h>
#include <forget/forget_mpi.h>

#include "../bench_common.h"

enum { REDUCE, GATHER, BCAST, KINDS };
static const char *const kind_name[KINDS] = {
    "all-reduce 2049² doubles (33.6 MB)", "all-gather 32 MB per rank",
    "broadcast 8 MB"};
#define MAX_REPEAT 51

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double slowest(double t)
{
    double m = 0;
    MPI_Allreduce(&t, &m, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    return m;
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, size, repeat = 7;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--repeat") && i + 1 < argc)
            repeat = atoi(argv[++i]);
    repeat = repeat < 1 ? 1 : repeat > MAX_REPEAT ? MAX_REPEAT : repeat;
    BENCH_CHECK(forget_init());
    forget_comm *t[2] = {NULL, NULL}; /* no timeout; a timeout */
    BENCH_CHECK(forget_mpi_comm(&t[0], MPI_COMM_WORLD, 0));
    BENCH_CHECK(forget_mpi_comm(&t[1], MPI_COMM_WORLD, 600));
    size_t nd = (size_t)2049 * 2049, block = (size_t)32 << 20;
    size_t nb = (size_t)8 << 20;
    double *g = malloc(nd * sizeof *g);
    unsigned char *send = malloc(block), *all = malloc(block * size);
    unsigned char *b = malloc(nb);
    size_t *sizes = malloc((size_t)size * sizeof *sizes);
    for (int r = 0; r < size; r++)
        sizes[r] = block;
    memset(send, rank + 1, block);
    memset(all, 0, block * size);
    memset(b, rank, nb);
    static double times[2][KINDS][MAX_REPEAT];
    for (int k = 0; k < repeat; k++)
        for (int j = 0; j < 2; j++) {
            int s = (k + j) % 2; /* which goes first alternates */
            const forget_comm *c = t[s];
            for (size_t i = 0; i < nd; i++)
                g[i] = (double)(i % 13) + rank;
            MPI_Barrier(MPI_COMM_WORLD);
            double t0 = bench_now();
            BENCH_CHECK(c->allreduce_sum(c->user_data, g, nd));
            times[s][REDUCE][k] = slowest(bench_now() - t0);
            MPI_Barrier(MPI_COMM_WORLD);
            t0 = bench_now();
            BENCH_CHECK(c->allgather(c->user_data, send, block, all, sizes));
            times[s][GATHER][k] = slowest(bench_now() - t0);
            MPI_Barrier(MPI_COMM_WORLD);
            t0 = bench_now();
            BENCH_CHECK(c->broadcast(c->user_data, b, nb, 0));
            times[s][BCAST][k] = slowest(bench_now() - t0);
        }
    if (rank == 0)
        for (int q = 0; q < KINDS; q++) {
            double best[2], med[2];
            for (int s = 0; s < 2; s++) {
                qsort(times[s][q], (size_t)repeat, sizeof(double), cmp);
                best[s] = times[s][q][0];
                med[s] = times[s][q][repeat / 2];
            }
            printf("| %s | %d | %d | %.1f | %.1f | %.1f | %.1f | %+.0f%% |\n",
                   kind_name[q], size, repeat, 1e3 * best[0], 1e3 * med[0],
                   1e3 * best[1], 1e3 * med[1],
                   100.0 * (med[1] - med[0]) / med[0]);
        }
    free(g);
    free(send);
    free(all);
    free(b);
    free(sizes);
    forget_mpi_comm_free(t[0]);
    forget_mpi_comm_free(t[1]);
    forget_shutdown();
    MPI_Finalize();
    return 0;
}
