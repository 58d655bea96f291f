/* A collective that times out (docs/MPI.md, "Failures"): every rank but
 * the last calls it on a table with a short timeout; the last rank comes
 * only after the others have given up. Then
 *   - the survivors' call returned FORGET_E_IO ("timed out") after about
 *     the timeout;
 *   - when the late rank has made its call and MPI has completed the
 *     stale collective, nothing was written into the buffers the
 *     survivors had passed (they belong to the caller again the moment
 *     the call returns; the valgrind run frees them at once instead);
 *   - the survivors' table is broken: every later call fails at once with
 *     FORGET_E_IO naming the earlier timeout, and sends nothing. */
#include <mpi.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <forget/backend.h>

#include "hooked.h"

#define TIMEOUT 0.3 /* seconds */
#define LATE 1.0    /* the late rank's delay, past the timeout */
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

static void pause_for(double s)
{
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    nanosleep(&ts, NULL);
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
        pause_for(0.001);
    }
}

static int all_bytes(const unsigned char *p, size_t n, unsigned char v)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != v)
            return 0;
    return 1;
}

static void one(int op, int free_buffers)
{
    forget_comm *c = NULL;
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
    MPI_Barrier(MPI_COMM_WORLD);
    if (late) {
        pause_for(LATE);
        /* the others have given up: this call completes (their part of
         * the collective was posted) or times out itself */
        (void)run(c, op, &u);
    } else {
        double t0 = now();
        int rc = run(c, op, &u);
        double dt = now() - t0;
        CHECK(rc == FORGET_E_IO);
        CHECK(strstr(forget_last_error(), "timed out") != NULL);
        CHECK(dt >= 0.9 * TIMEOUT && dt < LATE);
        if (rc != FORGET_E_IO || dt >= LATE)
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
    }
    /* the late rank has made its call: MPI may now complete the stale
     * collective on the survivors */
    MPI_Barrier(MPI_COMM_WORLD);
    progress();
    if (!late && !free_buffers) {
        CHECK(all_bytes(u.a, BYTES, 0xA5));
        CHECK(all_bytes(u.b, (size_t)g_size * BYTES, 0xA5));
        if (!all_bytes(u.a, BYTES, 0xA5) ||
            !all_bytes(u.b, (size_t)g_size * BYTES, 0xA5))
            fprintf(stderr, "rank %d: the %s that timed out wrote into the "
                    "caller's buffers afterwards\n", g_rank, op_name[op]);
    }
    if (!late) {
        /* broken: every call fails at once, naming the timeout, and sends
         * nothing */
        bufs v;
        v.a = calloc(1, BYTES);
        v.b = calloc(1, (size_t)g_size * BYTES);
        v.sizes = u.sizes;
        uint64_t sent = forget_mpi_comm_bytes_sent(c);
        for (int k = 0; k < OP_COUNT; k++) {
            double t0 = now();
            int rc = run(c, k, &v);
            CHECK(rc == FORGET_E_IO);
            CHECK(strstr(forget_last_error(), "timed out") != NULL);
            CHECK(now() - t0 < TIMEOUT / 2);
        }
        CHECK(forget_mpi_comm_bytes_sent(c) == sent);
        /* and through an unlearner: its first collective fails (not
         * timed: prepare computes before it) */
        forget_model *m = NULL;
        forget_unlearner *un = NULL;
        forget_dataset *rows = make_rows(12, 4, 2, 3);
        CHECK_OK(forget_model_create(&m, "analytic", "inputs=4 outputs=2 "
                                     "features=identity"));
        CHECK_OK(forget_unlearner_create(&un, "analytic", m, ""));
        CHECK_OK(forget_unlearner_set_comm(un, c));
        CHECK(forget_unlearner_prepare(un, rows) == FORGET_E_IO);
        CHECK(strstr(forget_last_error(), "timed out") != NULL);
        forget_unlearner_free(un);
        forget_model_free(m);
        forget_dataset_free(rows);
        free(v.a);
        free(v.b);
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
    for (int op = 0; op < OP_COUNT; op++)
        one(op, free_buffers);
    /* a new table works after the broken ones */
    forget_comm *c = world_comm();
    double v = 1.0;
    if (c != NULL) {
        CHECK_OK(c->allreduce_sum(c->user_data, &v, 1));
        CHECK(v == (double)g_size);
    }
    forget_mpi_comm_free(c);
}
