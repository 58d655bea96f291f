/* Allocation failure (docs/MPI.md, "Failures"): a rank that cannot
 * allocate its table fails forget_mpi_comm on every rank, with the same
 * code and out untouched, and leaves nothing behind (the next table
 * works); once made, a table's collectives allocate nothing, so a rank
 * out of memory cannot fail one alone. */
#include <mpi.h>
#include <stdlib.h>
#include <string.h>

#include <forget/backend.h>

#include "hooked.h"

static void creation_fails_everywhere(double timeout)
{
    for (int f = 0; f < g_size; f++) {
        long k = 0;
        for (;; k++) {
            forget_comm sentinel, *c = &sentinel;
            if (g_rank == f)
                fg_mpi_test_alloc_budget = k;
            int rc = forget_mpi_comm(&c, MPI_COMM_WORLD, timeout);
            fg_mpi_test_alloc_budget = -1;
            CHECK(same_on_all_ranks(&rc, sizeof rc));
            if (rc == FORGET_OK) {
                double v = 1.0;
                CHECK(c != &sentinel && c != NULL);
                if (c != &sentinel && c != NULL) {
                    CHECK_OK(c->allreduce_sum(c->user_data, &v, 1));
                    forget_mpi_comm_free(c);
                }
                CHECK(v == (double)g_size);
                break;
            }
            CHECK(rc == FORGET_E_NOMEM);
            CHECK(c == &sentinel);
            if (g_rank != f) {
                char want[32];
                snprintf(want, sizeof want, "rank %d ", f);
                CHECK(strstr(forget_last_error(), want) != NULL);
            }
            if (k > 20)
                break;
        }
        /* the table, its state, and past one rank the staging area */
        CHECK(k >= (g_size > 1 ? 3 : 2) && k <= 20);
    }
}

/* Every collective, on sizes past one piece, with no allocation allowed
 * on rank f. */
static void collectives_allocate_nothing(double timeout, int f)
{
    forget_comm *c = NULL;
    CHECK_OK(forget_mpi_comm(&c, MPI_COMM_WORLD, timeout));
    if (c == NULL)
        return;
    size_t n = ((size_t)1 << 18) + 5, p = (size_t)g_size;
    double *v = malloc(n * sizeof *v);
    unsigned char *all = malloc(p * n);
    size_t *sizes = malloc(p * sizeof *sizes);
    for (size_t i = 0; i < n; i++)
        v[i] = (double)(i % 7) + (double)g_rank;
    for (size_t r = 0; r < p; r++)
        sizes[r] = n;
    if (g_rank == f)
        fg_mpi_test_alloc_budget = 0;
    CHECK_OK(c->barrier(c->user_data));
    CHECK_OK(c->broadcast(c->user_data, v, n * sizeof *v, 0));
    CHECK_OK(c->allgather(c->user_data, v, n, all, sizes));
    CHECK_OK(c->allreduce_sum(c->user_data, v, n));
    fg_mpi_test_alloc_budget = -1;
    int ok = 1;
    for (size_t i = 0; i < n; i++)
        ok &= v[i] == (double)p * (double)(i % 7);
    CHECK(ok);
    free(v);
    free(all);
    free(sizes);
    forget_mpi_comm_free(c);
}

void test_alloc(void)
{
    creation_fails_everywhere(0.0);
    creation_fails_everywhere(30.0);
    for (int f = 0; f < g_size; f++) {
        collectives_allocate_nothing(0.0, f);
        collectives_allocate_nothing(30.0, f);
    }
}
