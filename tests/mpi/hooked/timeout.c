/* A collective that times out (docs/MPI.md, "Failures"): every rank but
 * the last calls it on a table with a short timeout; the last rank calls
 * it only once the others have given up. Then
 *   - the survivors' call returned FORGET_E_IO ("timed out") after about
 *     the timeout;
 *   - their table is broken: every later call fails at once with
 *     FORGET_E_IO naming the earlier timeout, and sends nothing;
 *   - when the late rank has made its call and MPI has completed the
 *     stale collective, nothing was written into the buffers the
 *     survivors had passed (they are the caller's again the moment the
 *     call returns; the valgrind run frees them at once instead);
 *   - a broken table freed while its collective is still pending keeps
 *     what MPI may complete it into (the valgrind run sees no write into
 *     freed memory when the late rank comes); one freed after its
 *     collective completed is freed whole (the valgrind run's leak
 *     check). */
#include <mpi.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <forget/backend.h>

#include "hooked.h"

#define TIMEOUT 0.3 /* seconds */
#define BYTES 4096
#define DOUBLES 512

enum { OP_BARRIER, OP_BROADCAST, OP_ALLGATHER, OP_ALLREDUCE, OP_COUNT };
static const char *const op_name[OP_COUNT] = {"barrier", "broadcast",
                                              "all-gather", "all-reduce"};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* The buffers one call uses: a, and b for the all-gather's receive. */
typedef struct bufs {
    unsigned char *a, *b;
    size_t *sizes;
} bufs;

static int run(const forget_comm *c, int op, bufs *u)
{
    switch (op) {
    case OP_BARRIER:
        return c->barrier(c->user_data);
    case OP_BROADCAST: /* from the late rank: the others receive */
        return c->broadcast(c->user_data, u->a, BYTES, g_size - 1);
    case OP_ALLGATHER:
        return c->allgather(c->user_data, u->a, BYTES, u->b, u->sizes);
    default:
        return c->allreduce_sum(c->user_data, (double *)(void *)u->a,
                                DOUBLES);
    }
}

/* Let MPI progress whatever is pending for a while (a stale collective
 * completes here, if anywhere). */
static void progress(void)
{
    for (int i = 0; i < 100; i++) {
        int flag = 0;
        MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag,
                   MPI_STATUS_IGNORE);
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
}

static int all_bytes(const unsigned char *p, size_t n, unsigned char v)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != v)
            return 0;
    return 1;
}

/* The broken table refuses everything at once, sending nothing, and so
 * does an unlearner it is attached to. */
static void refuses(const forget_comm *c, const size_t *sizes)
{
    bufs v;
    v.a = calloc(1, BYTES);
    v.b = calloc(1, (size_t)g_size * BYTES);
    v.sizes = (size_t *)sizes;
    uint64_t sent = forget_mpi_comm_bytes_sent(c);
    for (int k = 0; k < OP_COUNT; k++) {
        double t0 = now();
        int rc = run(c, k, &v);
        CHECK(rc == FORGET_E_IO);
        CHECK(strstr(forget_last_error(), "timed out") != NULL);
        CHECK(now() - t0 < TIMEOUT / 2);
    }
    CHECK(forget_mpi_comm_bytes_sent(c) == sent);
    /* an unlearner cannot take the broken table: attaching a table of
     * many ranks is collective, and the table refuses at once */
    forget_model *m = NULL;
    forget_unlearner *un = NULL;
    forget_dataset *rows = make_rows(12, 4, 2, 3);
    CHECK_OK(forget_model_create(&m, "analytic", "inputs=4 outputs=2 "
                                 "features=identity"));
    CHECK_OK(forget_unlearner_create(&un, "analytic", m, ""));
    CHECK(forget_unlearner_set_comm(un, c) == FORGET_E_IO);
    CHECK(strstr(forget_last_error(), "timed out") != NULL);
    CHECK(forget_unlearner_comm(un)->size == 1);
    forget_unlearner_free(un);
    forget_model_free(m);
    forget_dataset_free(rows);
    free(v.a);
    free(v.b);
}

/* A table that the survivors free while its collective is pending (its
 * own function: the valgrind run's suppressions name it, as OpenMPI
 * loses the duplicate communicator left to it). */
static forget_comm *table_left_pending(void)
{
    forget_comm *c = NULL;
    CHECK_OK(forget_mpi_comm(&c, MPI_COMM_WORLD, TIMEOUT));
    return c;
}

static void one(int op, int free_buffers, int free_early)
{
    forget_comm *c = NULL;
    if (free_early)
        c = table_left_pending();
    else
        CHECK_OK(forget_mpi_comm(&c, MPI_COMM_WORLD, TIMEOUT));
    if (c == NULL)
        return;
    int late = g_rank == g_size - 1;
    bufs u;
    u.a = malloc(BYTES);
    u.b = malloc((size_t)g_size * BYTES);
    u.sizes = malloc((size_t)g_size * sizeof *u.sizes);
    for (int r = 0; r < g_size; r++)
        u.sizes[r] = BYTES;
    memset(u.a, 0x11 + g_rank, BYTES);
    memset(u.b, 0, (size_t)g_size * BYTES);
    if (!late) {
        double t0 = now();
        int rc = run(c, op, &u);
        double dt = now() - t0;
        CHECK(rc == FORGET_E_IO);
        CHECK(strstr(forget_last_error(), "timed out") != NULL);
        CHECK(dt >= 0.9 * TIMEOUT);
        if (rc != FORGET_E_IO)
            fprintf(stderr, "rank %d: the %s returned %d after %.2f s\n",
                    g_rank, op_name[op], rc, dt);
        if (free_buffers) {
            free(u.a);
            free(u.b);
            u.a = u.b = NULL;
        } else {
            memset(u.a, 0xA5, BYTES);
            memset(u.b, 0xA5, (size_t)g_size * BYTES);
        }
        refuses(c, u.sizes);
        if (free_early) {
            forget_mpi_comm_free(c);
            c = NULL;
        }
    }
    /* the survivors have given up: now the late rank comes, and its call
     * completes (their part of the collective was posted long ago) or
     * times out itself */
    MPI_Barrier(MPI_COMM_WORLD);
    if (late)
        (void)run(c, op, &u);
    MPI_Barrier(MPI_COMM_WORLD);
    progress(); /* MPI may complete the stale collective here */
    if (!late && !free_buffers) {
        int kept = all_bytes(u.a, BYTES, 0xA5) &&
                   all_bytes(u.b, (size_t)g_size * BYTES, 0xA5);
        CHECK(kept);
        if (!kept)
            fprintf(stderr, "rank %d: the %s that timed out wrote into the "
                    "caller's buffers afterwards\n", g_rank, op_name[op]);
    }
    forget_mpi_comm_free(c);
    free(u.a);
    free(u.b);
    free(u.sizes);
    MPI_Barrier(MPI_COMM_WORLD);
}

void test_timeout(int free_buffers)
{
    if (g_size < 2)
        return;
    for (int free_early = 0; free_early < 2; free_early++)
        for (int op = 0; op < OP_COUNT; op++)
            one(op, free_buffers, free_early);
    /* a new table works after the broken ones */
    forget_comm *c = world_comm();
    double v = 1.0;
    if (c != NULL) {
        CHECK_OK(c->allreduce_sum(c->user_data, &v, 1));
        CHECK(v == (double)g_size);
    }
    forget_mpi_comm_free(c);
}
