/* libforget-mpi: the communicator table (forget/backend.h) over MPI.
 *
 * Each table owns a duplicate of the host's communicator with
 * MPI_ERRORS_RETURN, and everything its collectives need besides the
 * caller's buffers: the counts and displacements of an all-gather and
 * the all-reduce's scratch, allocated when the table is made (where the
 * ranks agree on it), so that no collective allocates and no rank can
 * fail one alone. The all-reduce gathers every rank's vector a piece at
 * a time and adds them in rank order, so every rank gets the same bits
 * whatever MPI's reduction tree.
 *
 * Without a timeout the collectives are MPI's blocking calls on the
 * caller's buffers (bytes in pieces of at most FG_MPI_CHUNK, so sizes
 * past INT_MAX work). With a timeout they are non-blocking and polled
 * until a deadline, and MPI only ever sees buffers the table owns (the
 * staging area): the caller's bytes are copied in before a piece and out
 * after it completed. A collective that times out is still pending in
 * MPI, which may complete it later; it completes into the staging area,
 * which then stays MPI's: the table is broken, makes no more MPI calls
 * (a new collective could match the stale one), and freeing it while the
 * collective is still pending leaves the staging area allocated on
 * purpose (fg_mpi_park). */
#include "forget/forget_mpi.h"

#include <limits.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Bytes per blocking MPI call: below INT_MAX with room to spare. */
#define FG_MPI_CHUNK ((size_t)1 << 30)
/* The staging area: the all-reduce's scratch, and with a timeout every
 * collective's receive buffer. All ranks' pieces together take
 * FG_MPI_STAGE bytes; one rank's piece is at most FG_MPI_PIECE_MAX and
 * at least FG_MPI_PIECE_MIN bytes. */
#define FG_MPI_STAGE ((size_t)16 << 20)
#define FG_MPI_PIECE_MAX ((size_t)2 << 20)
#define FG_MPI_PIECE_MIN ((size_t)64)

#ifdef FG_MPI_TEST_HOOKS
/* tests/mpi/hooked only (never in the shipped library): allocations that
 * may still succeed (-1: any), and another staging size. */
extern long fg_mpi_test_alloc_budget;
extern size_t fg_mpi_test_stage_bytes;
long fg_mpi_test_alloc_budget = -1;
size_t fg_mpi_test_stage_bytes = 0;
static void *fg_mpi_malloc(size_t size)
{
    if (fg_mpi_test_alloc_budget == 0)
        return NULL;
    if (fg_mpi_test_alloc_budget > 0)
        fg_mpi_test_alloc_budget--;
    return malloc(size);
}
#define FG_MPI_STAGE_BYTES                                                  \
    (fg_mpi_test_stage_bytes ? fg_mpi_test_stage_bytes : FG_MPI_STAGE)
#else
#define fg_mpi_malloc malloc
#define FG_MPI_STAGE_BYTES FG_MPI_STAGE
#endif

typedef struct fg_mpi {
    MPI_Comm comm;
    int rank, size;
    double timeout; /* seconds; 0: none */
    uint64_t sent;  /* payload bytes sent */
    /* made with the table (NULL for one rank, which never calls MPI) */
    int *counts, *displs;  /* an MPI_Allgatherv's, size each */
    size_t piece;          /* bytes of one rank's block per staged call */
    unsigned char *gather; /* size x piece: the staging area */
    unsigned char *send;   /* piece bytes, with a timeout: what is sent */
    /* a collective timed out: its request, and the buffers above, are
     * MPI's until it completes (perhaps never: a rank died) */
    int broken;
    MPI_Request pending;
    char why[224];
    struct fg_mpi *parked_next;
} fg_mpi;

/* Broken tables freed while their collective was pending: kept
 * reachable (not a leak a checker reports as lost), never freed. */
static fg_mpi *_Atomic fg_mpi_parked;

static void fg_mpi_park(fg_mpi *m)
{
    fg_mpi *head = atomic_load(&fg_mpi_parked);
    do
        m->parked_next = head;
    while (!atomic_compare_exchange_weak(&fg_mpi_parked, &head, m));
}

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
    forget_set_error(FORGET_E_IO, m->why);
    return 1;
}

static double fg_mpi_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Wait for a non-blocking collective on the staging area until the
 * deadline; past it, park the request: the table is broken. */
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
            m->broken = 1;
            m->pending = *req;
            snprintf(m->why, sizeof m->why, "libforget-mpi: %s timed out "
                     "after %g s (a rank died or is stuck); the table "
                     "makes no more calls (free it; docs/MPI.md, "
                     "\"Failures\")", call, m->timeout);
            forget_set_error(FORGET_E_IO, m->why);
            /* every later call names this one */
            snprintf(m->why, sizeof m->why, "libforget-mpi: an earlier %s "
                     "timed out after %g s: this table makes no more calls "
                     "(free it; docs/MPI.md, \"Failures\")", call,
                     m->timeout);
            return FORGET_E_IO;
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
    if (m->size == 1)
        return FORGET_OK;
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

/* The caller's bytes in pieces: MPI's blocking broadcast on them, or,
 * with a timeout, through the staging area. */
static int fg_mpi_bcast_pieces(fg_mpi *m, unsigned char *data, size_t size,
                               int root)
{
    int staged = m->timeout > 0;
    size_t cap = staged ? m->piece * (size_t)m->size : FG_MPI_CHUNK;
    cap = cap < FG_MPI_CHUNK ? cap : FG_MPI_CHUNK;
    for (size_t at = 0; at < size; at += cap) {
        int n = (int)(size - at < cap ? size - at : cap), rc;
        if (!staged) {
            rc = MPI_Bcast(data + at, n, MPI_BYTE, root, m->comm);
            if (rc != MPI_SUCCESS)
                return fg_mpi_fail(rc, "MPI_Bcast");
            continue;
        }
        if (root == m->rank)
            memcpy(m->gather, data + at, (size_t)n);
        MPI_Request req;
        rc = MPI_Ibcast(m->gather, n, MPI_BYTE, root, m->comm, &req);
        if (rc != MPI_SUCCESS)
            return fg_mpi_fail(rc, "MPI_Ibcast");
        if ((rc = fg_mpi_wait(m, &req, "MPI_Ibcast")) != FORGET_OK)
            return rc;
        if (root != m->rank)
            memcpy(data + at, m->gather, (size_t)n);
    }
    return FORGET_OK;
}

static int fg_mpi_broadcast(void *ud, void *data, size_t size, int32_t root)
{
    fg_mpi *m = ud;
    if (fg_mpi_broken(m))
        return FORGET_E_IO;
    if (root < 0 || root >= m->size)
        return forget_set_error(FORGET_E_INVALID, "libforget-mpi: broadcast "
                                "from a rank out of range");
    if (m->size == 1)
        return FORGET_OK;
    int rc = fg_mpi_bcast_pieces(m, data, size, root);
    if (rc == FORGET_OK && root == m->rank)
        m->sent += (uint64_t)size * (uint64_t)(m->size - 1);
    return rc;
}

/* One all-gather into the staging area: rank r's m->counts[r] bytes land
 * at r x m->piece. send is the caller's without a timeout, m->send with
 * one. */
static int fg_mpi_gather_piece(fg_mpi *m, const void *send)
{
    for (int r = 0; r < m->size; r++)
        m->displs[r] = r * (int)m->piece;
    int mine = m->counts[m->rank];
    if (m->timeout <= 0) {
        int rc = MPI_Allgatherv(send, mine, MPI_BYTE, m->gather, m->counts,
                                m->displs, MPI_BYTE, m->comm);
        return rc == MPI_SUCCESS ? FORGET_OK
                                 : fg_mpi_fail(rc, "MPI_Allgatherv");
    }
    MPI_Request req;
    int rc = MPI_Iallgatherv(send, mine, MPI_BYTE, m->gather, m->counts,
                             m->displs, MPI_BYTE, m->comm, &req);
    if (rc != MPI_SUCCESS)
        return fg_mpi_fail(rc, "MPI_Iallgatherv");
    return fg_mpi_wait(m, &req, "MPI_Iallgatherv");
}

/* With a timeout: the blocks a piece at a time through the staging area,
 * each copied out once its piece completed. */
static int fg_mpi_allgather_staged(fg_mpi *m, const unsigned char *send,
                                   unsigned char *recv, const size_t *sizes)
{
    size_t most = 0;
    for (int r = 0; r < m->size; r++)
        most = sizes[r] > most ? sizes[r] : most;
    for (size_t off = 0; off < most; off += m->piece) {
        for (int r = 0; r < m->size; r++) {
            size_t left = sizes[r] > off ? sizes[r] - off : 0;
            m->counts[r] = (int)(left < m->piece ? left : m->piece);
        }
        if (m->counts[m->rank] > 0)
            memcpy(m->send, send + off, (size_t)m->counts[m->rank]);
        int rc = fg_mpi_gather_piece(m, m->send);
        if (rc != FORGET_OK)
            return rc;
        size_t at = 0;
        for (int r = 0; r < m->size; r++) {
            if (m->counts[r] > 0)
                memcpy(recv + at + off, m->gather + (size_t)r * m->piece,
                       (size_t)m->counts[r]);
            at += sizes[r];
        }
    }
    return FORGET_OK;
}

/* Without a timeout: one MPI_Allgatherv on the caller's buffers when every
 * count and displacement fits an int, else a chunked broadcast per rank. */
static int fg_mpi_allgather_direct(fg_mpi *m, const unsigned char *send,
                                   size_t send_size, unsigned char *recv,
                                   const size_t *sizes, size_t total)
{
    if (total <= (size_t)INT_MAX) {
        size_t at = 0;
        for (int r = 0; r < m->size; r++) {
            m->counts[r] = (int)sizes[r];
            m->displs[r] = (int)at;
            at += sizes[r];
        }
        /* MPI_IN_PLACE is not used: send is the caller's own buffer */
        int rc = MPI_Allgatherv(send, (int)send_size, MPI_BYTE, recv,
                                m->counts, m->displs, MPI_BYTE, m->comm);
        return rc == MPI_SUCCESS ? FORGET_OK
                                 : fg_mpi_fail(rc, "MPI_Allgatherv");
    }
    size_t at = 0;
    for (int r = 0; r < m->size; r++) {
        if (r == m->rank && sizes[r] > 0)
            memmove(recv + at, send, sizes[r]);
        int rc = fg_mpi_bcast_pieces(m, recv + at, sizes[r], r);
        if (rc != FORGET_OK)
            return rc;
        at += sizes[r];
    }
    return FORGET_OK;
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
    if (m->size == 1) {
        if (send_size > 0 && recv != send)
            memmove(recv, send, send_size);
        return FORGET_OK;
    }
    int rc = m->timeout > 0
                 ? fg_mpi_allgather_staged(m, send, recv, recv_sizes)
                 : fg_mpi_allgather_direct(m, send, send_size, recv,
                                           recv_sizes, total);
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
    size_t p = (size_t)m->size, per = m->piece / sizeof(double);
    const double *all = (const double *)(void *)m->gather;
    for (size_t at = 0; at < count; at += per) {
        size_t n = count - at < per ? count - at : per;
        for (size_t r = 0; r < p; r++)
            m->counts[r] = (int)(n * sizeof(double));
        const void *send = data + at;
        if (m->timeout > 0) {
            memcpy(m->send, data + at, n * sizeof(double));
            send = m->send;
        }
        int rc = fg_mpi_gather_piece(m, send);
        if (rc != FORGET_OK)
            return rc;
        m->sent += (uint64_t)(n * sizeof(double)) * (uint64_t)(p - 1);
        /* rank 0's value, then + rank 1's, + rank 2's, ...: one order on
         * every rank */
        for (size_t i = 0; i < n; i++) {
            double s = all[i];
            for (size_t r = 1; r < p; r++)
                s += all[r * per + i];
            data[at + i] = s;
        }
    }
    return FORGET_OK;
}

/* What a table of size ranks holds besides its communicator. */
static void fg_mpi_release(forget_comm *c, fg_mpi *m)
{
    if (m != NULL) {
        free(m->counts);
        free(m->displs);
        free(m->gather);
        free(m->send);
        free(m);
    }
    free(c);
}

static int fg_mpi_make(forget_comm **out, fg_mpi **mout, MPI_Comm dup,
                       int rank, int size, double timeout)
{
    forget_comm *c = fg_mpi_malloc(sizeof *c);
    fg_mpi *m = fg_mpi_malloc(sizeof *m);
    if (c != NULL)
        memset(c, 0, sizeof *c);
    if (m != NULL)
        memset(m, 0, sizeof *m);
    int ok = c != NULL && m != NULL;
    if (ok && size > 1) {
        size_t piece = FG_MPI_STAGE_BYTES / (size_t)size;
        piece = piece < FG_MPI_PIECE_MAX ? piece : FG_MPI_PIECE_MAX;
        piece -= piece % FG_MPI_PIECE_MIN;
        m->piece = piece > FG_MPI_PIECE_MIN ? piece : FG_MPI_PIECE_MIN;
        if (m->piece > (size_t)INT_MAX / (size_t)size) {
            fg_mpi_release(c, m);
            return forget_set_error(FORGET_E_UNSUPPORTED, "forget_mpi_comm: "
                                    "too many ranks for the staging area's "
                                    "int displacements");
        }
        m->counts = fg_mpi_malloc((size_t)size * sizeof *m->counts);
        m->displs = m->counts ? fg_mpi_malloc((size_t)size *
                                              sizeof *m->displs) : NULL;
        m->gather = m->displs ? fg_mpi_malloc((size_t)size * m->piece)
                              : NULL;
        m->send = m->gather && timeout > 0 ? fg_mpi_malloc(m->piece) : NULL;
        ok = m->gather != NULL && (timeout <= 0 || m->send != NULL);
    }
    if (!ok) {
        fg_mpi_release(c, m);
        return forget_set_error(FORGET_E_NOMEM, "forget_mpi_comm: no memory "
                                "for the table and its staging area");
    }
    m->comm = dup;
    m->rank = rank;
    m->size = size;
    m->timeout = timeout;
    c->struct_size = sizeof *c;
    c->user_data = m;
    c->rank = rank;
    c->size = size;
    c->barrier = fg_mpi_barrier;
    c->broadcast = fg_mpi_broadcast;
    c->allgather = fg_mpi_allgather;
    c->allreduce_sum = fg_mpi_allreduce;
    *out = c;
    *mout = m;
    return FORGET_OK;
}

/* Every rank learns whether every rank made its table: one blocking
 * all-reduce on the new communicator. Returns the same code on every
 * rank (the most negative of the ranks' codes). */
static int fg_mpi_agree(MPI_Comm dup, int rank, int status)
{
    int v[2] = {status == FORGET_OK ? INT_MAX : rank, status};
    int rc = MPI_Allreduce(MPI_IN_PLACE, v, 2, MPI_INT, MPI_MIN, dup);
    if (rc != MPI_SUCCESS)
        return fg_mpi_fail(rc, "MPI_Allreduce (forget_mpi_comm's agreement)");
    if (v[0] == INT_MAX)
        return FORGET_OK;
    if (status == v[1] && rank == v[0])
        return status; /* this rank's own message says what failed */
    char msg[200];
    snprintf(msg, sizeof msg, "forget_mpi_comm: rank %d could not make its "
             "table (%s): no rank made one", v[0], forget_strerror(v[1]));
    return forget_set_error(v[1], msg);
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
    /* the collective first: every rank joins it whatever its memory */
    MPI_Comm dup;
    int rc = MPI_Comm_dup(comm, &dup);
    if (rc != MPI_SUCCESS)
        return fg_mpi_fail(rc, "MPI_Comm_dup");
    int rank = 0, size = 1, status = FORGET_OK;
    rc = MPI_Comm_set_errhandler(dup, MPI_ERRORS_RETURN);
    if (rc == MPI_SUCCESS)
        rc = MPI_Comm_rank(dup, &rank);
    if (rc == MPI_SUCCESS)
        rc = MPI_Comm_size(dup, &size);
    if (rc != MPI_SUCCESS)
        status = fg_mpi_fail(rc, "MPI_Comm_rank/size");
    forget_comm *c = NULL;
    fg_mpi *m = NULL;
    if (status == FORGET_OK)
        status = fg_mpi_make(&c, &m, dup, rank, size, timeout_seconds);
    status = fg_mpi_agree(dup, rank, status);
    if (status != FORGET_OK) {
        fg_mpi_release(c, m);
        MPI_Comm_free(&dup);
        return status;
    }
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
    free(comm);
    if (m == NULL)
        return;
    int fin = 0, done = 0;
    MPI_Finalized(&fin);
    /* a broken table's collective may have completed since (the late
     * rank came): then nothing is MPI's any more */
    if (m->broken && !fin &&
        (MPI_Test(&m->pending, &done, MPI_STATUS_IGNORE) != MPI_SUCCESS ||
         !done)) {
        /* still pending on the duplicate and the staging area: MPI may
         * complete it into them, so neither is freed (nor the
         * communicator, whose free could wait for it) */
        fg_mpi_park(m);
        return;
    }
    if (!fin)
        MPI_Comm_free(&m->comm);
    fg_mpi_release(NULL, m);
}

uint64_t forget_mpi_comm_bytes_sent(const forget_comm *comm)
{
    if (comm == NULL || comm->user_data == NULL)
        return 0;
    return ((const fg_mpi *)comm->user_data)->sent;
}
