/* The staging area (with a timeout) against the direct path (without):
 * with tiny pieces, so that every collective takes many rounds and the
 * blocks end mid-piece at different rounds, each table gives exactly the
 * bytes computed here from what every rank sent, and counts the same
 * bytes sent. */
#include <mpi.h>
#include <stdlib.h>
#include <string.h>

#include <forget/backend.h>

#include "hooked.h"

static unsigned char byte_of(int r, size_t i)
{
    return (unsigned char)(r * 31 + (int)(i * 7 % 251));
}

/* rank r sends 37 r + 5 bytes (rank 1: none) */
static size_t block_of(int r) { return r == 1 ? 0 : (size_t)r * 37 + 5; }

static double value_of(int r, size_t i)
{
    return 1.0 / (double)(3 + i % 89) + (r % 2 ? 1e8 : -1e8) +
           (double)r * 1e-3;
}

static uint64_t run_all(double timeout)
{
    forget_comm *c = NULL;
    CHECK_OK(forget_mpi_comm(&c, MPI_COMM_WORLD, timeout));
    if (c == NULL)
        return 0;
    /* broadcasts of 1000 bytes from every root */
    unsigned char b[1000];
    for (int root = 0; root < g_size; root++) {
        for (size_t i = 0; i < sizeof b; i++)
            b[i] = g_rank == root ? byte_of(root, i) : 0;
        CHECK_OK(c->broadcast(c->user_data, b, sizeof b, root));
        int ok = 1;
        for (size_t i = 0; i < sizeof b; i++)
            ok &= b[i] == byte_of(root, i);
        CHECK(ok);
    }
    /* an all-gather of uneven blocks */
    size_t p = (size_t)g_size, total = 0;
    size_t *sizes = malloc(p * sizeof *sizes);
    for (int r = 0; r < g_size; r++)
        total += sizes[r] = block_of(r);
    unsigned char *send = malloc(block_of(g_rank) + 1);
    unsigned char *recv = malloc(total + 1);
    for (size_t i = 0; i < block_of(g_rank); i++)
        send[i] = byte_of(g_rank, i);
    memset(recv, 0, total + 1);
    CHECK_OK(c->allgather(c->user_data, send, block_of(g_rank), recv,
                          sizes));
    int ok = 1;
    size_t at = 0;
    for (int r = 0; r < g_size; r++)
        for (size_t i = 0; i < block_of(r); i++)
            ok &= recv[at++] == byte_of(r, i);
    CHECK(ok);
    /* an all-reduce, added in rank order bit for bit */
    size_t n = 301;
    double *v = malloc(n * sizeof *v);
    for (size_t i = 0; i < n; i++)
        v[i] = value_of(g_rank, i);
    CHECK_OK(c->allreduce_sum(c->user_data, v, n));
    ok = 1;
    for (size_t i = 0; i < n; i++) {
        double s = value_of(0, i);
        for (int r = 1; r < g_size; r++)
            s += value_of(r, i);
        ok &= memcmp(&s, &v[i], sizeof s) == 0;
    }
    CHECK(ok);
    CHECK_OK(c->barrier(c->user_data));
    uint64_t sent = forget_mpi_comm_bytes_sent(c);
    free(v);
    free(send);
    free(recv);
    free(sizes);
    forget_mpi_comm_free(c);
    return sent;
}

void test_staging(void)
{
    /* 64-byte pieces past two ranks, 128 on two */
    fg_mpi_test_stage_bytes = 256;
    uint64_t staged = run_all(30.0);
    uint64_t direct = run_all(0.0);
    fg_mpi_test_stage_bytes = 0;
    CHECK(staged == direct);
    CHECK(run_all(30.0) == direct); /* the library's own pieces */
}
