/* The communicator table over MPI: each collective against what it must
 * give, computed here from what every rank sent. */
#include <mpi.h>
#include <stdlib.h>
#include <string.h>

#include <forget/backend.h>

#include "mpi_test.h"

/* A value rank r contributes at i: no two sums in different orders give
 * the same bits for all of them. */
static double contribution(int r, size_t i)
{
    return 1.0 / (double)(3 + i % 97) + (double)(r + 1) * 1e-3 *
           (double)((i * 2654435761u) % 1000) + (r % 2 ? 1e8 : -1e8);
}

static void test_allreduce(const forget_comm *c, size_t count)
{
    double *v = malloc(count * sizeof *v);
    for (size_t i = 0; i < count; i++)
        v[i] = contribution(g_rank, i);
    CHECK_OK(c->allreduce_sum(c->user_data, v, count));
    int in_order = 1;
    for (size_t i = 0; i < count; i++) {
        double s = contribution(0, i);
        for (int r = 1; r < g_size; r++)
            s += contribution(r, i);
        in_order &= memcmp(&s, &v[i], sizeof s) == 0;
    }
    CHECK(in_order); /* (r0 + r1) + r2 ..., bit for bit */
    CHECK(same_on_all_ranks(v, count * sizeof *v));
    free(v);
}

/* Every collective on one table: with a timeout (through the table's
 * staging area) or without (MPI's blocking calls on these buffers). */
static void test_table(double timeout)
{
    forget_comm *c = NULL;
    CHECK_OK(forget_mpi_comm(&c, MPI_COMM_WORLD, timeout));
    if (c == NULL)
        return;
    CHECK(c->struct_size == sizeof(forget_comm));
    CHECK(c->rank == g_rank && c->size == g_size);
    CHECK_OK(c->barrier(c->user_data));

    /* broadcast from every root */
    for (int root = 0; root < g_size; root++) {
        char msg[32];
        memset(msg, 0, sizeof msg);
        if (g_rank == root)
            snprintf(msg, sizeof msg, "from rank %d", root);
        CHECK_OK(c->broadcast(c->user_data, msg, sizeof msg, root));
        char want[32];
        memset(want, 0, sizeof want);
        snprintf(want, sizeof want, "from rank %d", root);
        CHECK(!memcmp(msg, want, sizeof msg));
    }
    CHECK(c->broadcast(c->user_data, NULL, 0, g_size) == FORGET_E_INVALID);

    /* all-gather: rank r sends r + 1 bytes of value r (rank 1 of 3+: 0
     * bytes, a rank with nothing to send) */
    size_t *sizes = malloc((size_t)g_size * sizeof *sizes), total = 0;
    for (int r = 0; r < g_size; r++) {
        sizes[r] = r == 1 ? 0 : (size_t)r + 1;
        total += sizes[r];
    }
    unsigned char send[8], *recv = malloc(total + 1);
    memset(send, g_rank, sizeof send);
    CHECK_OK(c->allgather(c->user_data, send, sizes[g_rank], recv, sizes));
    size_t at = 0;
    int ok = 1;
    for (int r = 0; r < g_size; r++)
        for (size_t i = 0; i < sizes[r]; i++)
            ok &= recv[at++] == r;
    CHECK(ok);
    free(recv);
    free(sizes);

    /* all-reduce: small, and past one piece (2^18 doubles) */
    test_allreduce(c, 5);
    test_allreduce(c, ((size_t)1 << 18) + 3);

    /* the bytes sent: each rank's blocks to the others */
    uint64_t before = forget_mpi_comm_bytes_sent(c);
    double one = 1.0;
    CHECK_OK(c->allreduce_sum(c->user_data, &one, 1));
    CHECK(one == (double)g_size);
    CHECK(forget_mpi_comm_bytes_sent(c) - before ==
          (uint64_t)(g_size > 1 ? 8 * (g_size - 1) : 0));
    forget_mpi_comm_free(c);
}

void test_comm(void)
{
    test_table(60.0);
    test_table(0.0);

    /* bad arguments: refused, out untouched */
    CHECK(forget_mpi_comm(NULL, MPI_COMM_WORLD, 1.0) == FORGET_E_INVALID);
    forget_comm *bad = NULL;
    CHECK(forget_mpi_comm(&bad, MPI_COMM_WORLD, -1.0) == FORGET_E_INVALID);
    CHECK(bad == NULL);
    forget_mpi_comm_free(NULL);
}
