/* libforget-mpi: the communicator table (forget/backend.h) over MPI.
 *
 * Each table owns a duplicate of the host's communicator with
 * MPI_ERRORS_RETURN. Collectives move bytes (MPI_BYTE) in pieces of at
 * most FG_MPI_CHUNK, so sizes past INT_MAX work; the all-reduce gathers
 * every rank's vector (a piece at a time) and adds them in rank order,
 * so every rank gets the same bits whatever MPI's reduction tree. With a
 * timeout, every collective is non-blocking and polled until its
 * deadline. */
#include "forget/forget_mpi.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Bytes per MPI call: below INT_MAX with room to spare. */
#define FG_MPI_CHUNK ((size_t)1 << 30)
/* Doubles per piece of an all-reduce (times the ranks: its scratch). */
#define FG_MPI_REDUCE_PIECE ((size_t)1 << 18)

typedef struct fg_mpi {
    MPI_Comm comm;
    int rank, size;
    double timeout; /* seconds; 0: none */
    int broken;     /* a collective timed out: nothing may follow */
    uint64_t sent;  /* payload bytes sent */
    double *scratch; /* size x FG_MPI_REDUCE_PIECE doubles, on demand */
} fg_mpi;

static int fg_mpi_fail(int mpi_rc, const char *call)
{
    char text[MPI_MAX_ERROR_STRING + 1];
    int len = 0;
    if (MPI_Error_string(mpi_rc, text, &len) != MPI_SUCCESS || len < 0)
        len = 0;
    text[len] = '\0';
    char msg[MPI_MAX_ERROR_STRING + 96];
    snprintf(msg, sizeof msg, "libforget-mpi: %s failed: %s", call,
             len ? text : "(no text)");
    return forget_set_error(FORGET_E_IO, msg);
}

static int fg_mpi_broken(const fg_mpi *m)
{
    if (!m->broken)
        return 0;
    forget_set_error(FORGET_E_IO, "libforget-mpi: an earlier collective "
                     "timed out; this communicator table cannot be used "
                     "again (free it)");
    return 1;
}

static double fg_mpi_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Wait for a non-blocking collective until the deadline. */
static int fg_mpi_wait(fg_mpi *m, MPI_Request *req, const char *call)
{
    double deadline = fg_mpi_now() + m->timeout;
    for (unsigned long spin = 0;; spin++) {
        int done = 0;
        int rc = MPI_Test(req, &done, MPI_STATUS_IGNORE);
        if (rc != MPI_SUCCESS)
            return fg_mpi_fail(rc, call);
        if (done)
            return FORGET_OK;
        if (fg_mpi_now() > deadline) {
            /* the request stays pending: the table is unusable now */
            m->broken = 1;
            char msg[160];
            snprintf(msg, sizeof msg, "libforget-mpi: %s timed out after "
                     "%g s (a rank died or is stuck)", call, m->timeout);
            return forget_set_error(FORGET_E_IO, msg);
        }
        if (spin > 1000) {
            struct timespec ts = {0, 100000}; /* 0.1 ms */
            nanosleep(&ts, NULL);
        }
    }
}

static int fg_mpi_barrier(void *ud)
{
    fg_mpi *m = ud;
    if (fg_mpi_broken(m))
        return FORGET_E_IO;
    if (m->timeout <= 0) {
        int rc = MPI_Barrier(m->comm);
        return rc == MPI_SUCCESS ? FORGET_OK : fg_mpi_fail(rc, "MPI_Barrier");
    }
    MPI_Request req;
    int rc = MPI_Ibarrier(m->comm, &req);
    if (rc != MPI_SUCCESS)
        return fg_mpi_fail(rc, "MPI_Ibarrier");
    return fg_mpi_wait(m, &req, "MPI_Ibarrier");
}

static int fg_mpi_bcast_piece(fg_mpi *m, void *data, int n, int root)
{
    if (m->timeout <= 0) {
        int rc = MPI_Bcast(data, n, MPI_BYTE, root, m->comm);
        return rc == MPI_SUCCESS ? FORGET_OK : fg_mpi_fail(rc, "MPI_Bcast");
    }
    MPI_Request req;
    int rc = MPI_Ibcast(data, n, MPI_BYTE, root, m->comm, &req);
    if (rc != MPI_SUCCESS)
        return fg_mpi_fail(rc, "MPI_Ibcast");
    return fg_mpi_wait(m, &req, "MPI_Ibcast");
}

static int fg_mpi_broadcast(void *ud, void *data, size_t size, int32_t root)
{
    fg_mpi *m = ud;
    if (fg_mpi_broken(m))
        return FORGET_E_IO;
    if (root < 0 || root >= m->size)
        return forget_set_error(FORGET_E_INVALID, "libforget-mpi: broadcast "
                                "from a rank out of range");
    for (size_t at = 0; at < size; at += FG_MPI_CHUNK) {
        size_t n = size - at < FG_MPI_CHUNK ? size - at : FG_MPI_CHUNK;
        int rc = fg_mpi_bcast_piece(m, (unsigned char *)data + at, (int)n,
                                    root);
        if (rc != FORGET_OK)
            return rc;
    }
    if (root == m->rank)
        m->sent += (uint64_t)size * (uint64_t)(m->size - 1);
    return FORGET_OK;
}

/* One MPI_Allgatherv when every count and displacement fits an int. */
static int fg_mpi_gatherv(fg_mpi *m, const void *send, size_t send_size,
                          void *recv, const size_t *sizes, int *counts,
                          int *displs)
{
    size_t at = 0;
    for (int r = 0; r < m->size; r++) {
        counts[r] = (int)sizes[r];
        displs[r] = (int)at;
        at += sizes[r];
    }
    /* MPI_IN_PLACE is not used: send is the caller's own buffer */
    if (m->timeout <= 0) {
        int rc = MPI_Allgatherv(send, (int)send_size, MPI_BYTE, recv, counts,
                                displs, MPI_BYTE, m->comm);
        return rc == MPI_SUCCESS ? FORGET_OK
                                 : fg_mpi_fail(rc, "MPI_Allgatherv");
    }
    MPI_Request req;
    int rc = MPI_Iallgatherv(send, (int)send_size, MPI_BYTE, recv, counts,
                             displs, MPI_BYTE, m->comm, &req);
    if (rc != MPI_SUCCESS)
        return fg_mpi_fail(rc, "MPI_Iallgatherv");
    return fg_mpi_wait(m, &req, "MPI_Iallgatherv");
}

static int fg_mpi_allgather(void *ud, const void *send, size_t send_size,
                            void *recv, const size_t *recv_sizes)
{
    fg_mpi *m = ud;
    if (fg_mpi_broken(m))
        return FORGET_E_IO;
    if (recv_sizes[m->rank] != send_size)
        return forget_set_error(FORGET_E_INVALID, "libforget-mpi: allgather: "
                                "this rank's block is not the size the "
                                "sizes give it");
    size_t total = 0;
    for (int r = 0; r < m->size; r++) {
        if (recv_sizes[r] > SIZE_MAX - total)
            return forget_set_error(FORGET_E_INVALID, "libforget-mpi: "
                                    "allgather: the blocks overflow");
        total += recv_sizes[r];
    }
    int rc = FORGET_OK;
    if (total <= (size_t)INT_MAX) {
        int *counts = malloc((size_t)m->size * 2 * sizeof *counts);
        if (counts == NULL)
            return forget_set_error(FORGET_E_NOMEM, "libforget-mpi: "
                                    "allgather counts");
        rc = fg_mpi_gatherv(m, send, send_size, recv, recv_sizes, counts,
                            counts + m->size);
        free(counts);
    } else { /* past int counts: one chunked broadcast per rank */
        size_t at = 0;
        for (int r = 0; rc == FORGET_OK && r < m->size; r++) {
            unsigned char *dst = (unsigned char *)recv + at;
            if (r == m->rank && recv_sizes[r] > 0)
                memmove(dst, send, recv_sizes[r]);
            for (size_t o = 0; rc == FORGET_OK && o < recv_sizes[r];
                 o += FG_MPI_CHUNK) {
                size_t n = recv_sizes[r] - o < FG_MPI_CHUNK
                               ? recv_sizes[r] - o : FG_MPI_CHUNK;
                rc = fg_mpi_bcast_piece(m, dst + o, (int)n, r);
            }
            at += recv_sizes[r];
        }
    }
    if (rc == FORGET_OK)
        m->sent += (uint64_t)send_size * (uint64_t)(m->size - 1);
    return rc;
}

static int fg_mpi_allreduce(void *ud, double *data, size_t count)
{
    fg_mpi *m = ud;
    if (fg_mpi_broken(m))
        return FORGET_E_IO;
    if (m->size == 1)
        return FORGET_OK;
    size_t p = (size_t)m->size;
    if (m->scratch == NULL &&
        (m->scratch = malloc(p * FG_MPI_REDUCE_PIECE * sizeof(double))) ==
            NULL)
        return forget_set_error(FORGET_E_NOMEM, "libforget-mpi: all-reduce "
                                "scratch");
    size_t *sizes = malloc(p * sizeof *sizes);
    if (sizes == NULL)
        return forget_set_error(FORGET_E_NOMEM, "libforget-mpi: all-reduce "
                                "sizes");
    int rc = FORGET_OK;
    for (size_t at = 0; rc == FORGET_OK && at < count;
         at += FG_MPI_REDUCE_PIECE) {
        size_t n = count - at < FG_MPI_REDUCE_PIECE ? count - at
                                                    : FG_MPI_REDUCE_PIECE;
        for (size_t r = 0; r < p; r++)
            sizes[r] = n * sizeof(double);
        rc = fg_mpi_allgather(m, data + at, n * sizeof(double), m->scratch,
                              sizes);
        /* rank 0's value, then + rank 1's, + rank 2's, ...: one order on
         * every rank */
        for (size_t i = 0; rc == FORGET_OK && i < n; i++) {
            double s = m->scratch[i];
            for (size_t r = 1; r < p; r++)
                s += m->scratch[r * n + i];
            data[at + i] = s;
        }
    }
    free(sizes);
    return rc;
}

int forget_mpi_comm(forget_comm **out, MPI_Comm comm, double timeout_seconds)
{
    if (out == NULL || comm == MPI_COMM_NULL)
        return forget_set_error(FORGET_E_INVALID, "forget_mpi_comm: out is "
                                "NULL or comm is MPI_COMM_NULL");
    if (!(timeout_seconds >= 0.0) || isinf(timeout_seconds))
        return forget_set_error(FORGET_E_INVALID, "forget_mpi_comm: the "
                                "timeout must be a finite number >= 0");
    int init = 0;
    MPI_Initialized(&init);
    if (!init)
        return forget_set_error(FORGET_E_STATE, "forget_mpi_comm: MPI is not "
                                "initialised (MPI_Init first)");
    forget_comm *c = calloc(1, sizeof *c);
    fg_mpi *m = calloc(1, sizeof *m);
    if (c == NULL || m == NULL) {
        free(c);
        free(m);
        return forget_set_error(FORGET_E_NOMEM, "forget_mpi_comm: the table");
    }
    int rc = MPI_Comm_dup(comm, &m->comm);
    if (rc != MPI_SUCCESS) {
        free(c);
        free(m);
        return fg_mpi_fail(rc, "MPI_Comm_dup");
    }
    rc = MPI_Comm_set_errhandler(m->comm, MPI_ERRORS_RETURN);
    if (rc == MPI_SUCCESS)
        rc = MPI_Comm_rank(m->comm, &m->rank);
    if (rc == MPI_SUCCESS)
        rc = MPI_Comm_size(m->comm, &m->size);
    if (rc != MPI_SUCCESS) {
        int err = fg_mpi_fail(rc, "MPI_Comm_rank/size");
        MPI_Comm_free(&m->comm);
        free(c);
        free(m);
        return err;
    }
    m->timeout = timeout_seconds;
    c->struct_size = sizeof *c;
    c->user_data = m;
    c->rank = m->rank;
    c->size = m->size;
    c->barrier = fg_mpi_barrier;
    c->broadcast = fg_mpi_broadcast;
    c->allgather = fg_mpi_allgather;
    c->allreduce_sum = fg_mpi_allreduce;
    *out = c;
    return FORGET_OK;
}

int forget_mpi_comm_fortran(forget_comm **out, int64_t fortran_handle,
                            double timeout_seconds)
{
    if (fortran_handle < INT_MIN || fortran_handle > INT_MAX)
        return forget_set_error(FORGET_E_INVALID, "forget_mpi_comm_fortran: "
                                "not a Fortran handle");
    return forget_mpi_comm(out, MPI_Comm_f2c((MPI_Fint)fortran_handle),
                           timeout_seconds);
}

void forget_mpi_comm_free(forget_comm *comm)
{
    if (comm == NULL)
        return;
    fg_mpi *m = comm->user_data;
    if (m != NULL) {
        int fin = 0;
        MPI_Finalized(&fin);
        /* a broken table has a collective pending on its duplicate:
         * freeing it would wait for it, so it is left to MPI_Finalize */
        if (!fin && !m->broken)
            MPI_Comm_free(&m->comm);
        free(m->scratch);
        free(m);
    }
    free(comm);
}

uint64_t forget_mpi_comm_bytes_sent(const forget_comm *comm)
{
    if (comm == NULL || comm->user_data == NULL)
        return 0;
    return ((const fg_mpi *)comm->user_data)->sent;
}
