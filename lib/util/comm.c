/* Communicators: the single-process table, a host table's check, and the
 * collectives as methods use them. */
#include "util/comm.h"

#include <string.h>

#include "util/alloc.h"
#include "util/error.h"

/* ---- the built-in single-process table (rank 0 of 1) ---- */

static int fg_single_barrier(void *ud)
{
    (void)ud;
    return FORGET_OK;
}

static int fg_single_broadcast(void *ud, void *data, size_t size,
                               int32_t root)
{
    (void)ud;
    (void)data;
    (void)size;
    if (root != 0)
        return fg_error(FORGET_E_INVALID, "broadcast from rank %d: the "
                        "single-process communicator has rank 0 only",
                        (int)root);
    return FORGET_OK;
}

static int fg_single_allgather(void *ud, const void *send, size_t send_size,
                               void *recv, const size_t *recv_sizes)
{
    (void)ud;
    if (recv_sizes[0] != send_size)
        return fg_error(FORGET_E_INVALID, "allgather: rank 0 sends %zu bytes "
                        "but %zu are expected", send_size, recv_sizes[0]);
    if (send_size > 0 && recv != send)
        memmove(recv, send, send_size);
    return FORGET_OK;
}

static int fg_single_allreduce(void *ud, double *data, size_t count)
{
    (void)ud;
    (void)data;
    (void)count;
    return FORGET_OK;
}

static const forget_comm fg_comm_single_table = {
    sizeof(forget_comm), NULL, 0, 1, fg_single_barrier, fg_single_broadcast,
    fg_single_allgather, fg_single_allreduce};

const forget_comm *forget_comm_single(void) { return &fg_comm_single_table; }

int fg_comm_copy(forget_comm *out, const forget_comm *comm)
{
    if (comm->struct_size < FG_COMM_MIN_SIZE)
        return fg_error(FORGET_E_INVALID, "communicator table of %zu bytes is "
                        "smaller than the minimum of %zu", comm->struct_size,
                        (size_t)FG_COMM_MIN_SIZE);
    if (comm->size < 1 || comm->rank < 0 || comm->rank >= comm->size)
        return fg_error(FORGET_E_INVALID, "communicator: rank %d of %d is "
                        "not in [0, size) with size >= 1", (int)comm->rank,
                        (int)comm->size);
    if (!comm->barrier || !comm->broadcast || !comm->allgather ||
        !comm->allreduce_sum)
        return fg_error(FORGET_E_INVALID, "communicator: barrier, broadcast, "
                        "allgather and allreduce_sum are all required");
    memset(out, 0, sizeof *out);
    size_t n = comm->struct_size < sizeof *out ? comm->struct_size
                                               : sizeof *out;
    memcpy(out, comm, n);
    out->struct_size = sizeof *out;
    return FORGET_OK;
}

int fg_comm_multi(const forget_comm *comm) { return comm->size > 1; }

/* A collective's status as ours. */
static int fg_comm_status(int rc, const char *op, const char *what)
{
    if (rc == FORGET_OK)
        return FORGET_OK;
    if (rc > 0 || rc < FORGET_E_INTERNAL)
        return fg_error(FORGET_E_IO, "communicator: %s of %s returned the "
                        "unknown status %d", op, what, rc);
    if (forget_last_error_code() != rc)
        fg_error(rc, "communicator: %s of %s failed: %s", op, what,
                 forget_strerror(rc));
    return rc;
}

int fg_comm_barrier(const forget_comm *c, const char *what)
{
    forget_set_error(FORGET_OK, "");
    return fg_comm_status(c->barrier(c->user_data), "barrier", what);
}

int fg_comm_broadcast(const forget_comm *c, void *data, size_t size,
                      int32_t root, const char *what)
{
    forget_set_error(FORGET_OK, "");
    return fg_comm_status(c->broadcast(c->user_data, data, size, root),
                          "broadcast", what);
}

int fg_comm_allreduce(const forget_comm *c, double *data, size_t count,
                      const char *what)
{
    forget_set_error(FORGET_OK, "");
    return fg_comm_status(c->allreduce_sum(c->user_data, data, count),
                          "all-reduce", what);
}

static int fg_comm_gather(const forget_comm *c, const void *send,
                          size_t send_size, void *recv, const size_t *sizes,
                          const char *what)
{
    forget_set_error(FORGET_OK, "");
    return fg_comm_status(c->allgather(c->user_data, send, send_size, recv,
                                       sizes),
                          "all-gather", what);
}

/* P entries of scratch: the box's when c is a box's table, else
 * allocated (*own set: free them). */
static int fg_comm_take(const forget_comm *c, int32_t **codes, size_t **sizes,
                        uint64_t **u64, int *own)
{
    *own = !fg_comm_scratch(c, codes, sizes, u64);
    if (!*own)
        return FORGET_OK;
    size_t p = (size_t)c->size;
    *codes = fg_malloc_array(p, sizeof **codes);
    *sizes = fg_malloc_array(p, sizeof **sizes);
    *u64 = fg_malloc_array(p, sizeof **u64);
    if (*codes && *sizes && *u64)
        return FORGET_OK;
    fg_free(*codes);
    fg_free(*sizes);
    fg_free(*u64);
    return fg_nomem("a collective's scratch");
}

static void fg_comm_drop(int32_t *codes, size_t *sizes, uint64_t *u64, int own)
{
    if (!own)
        return;
    fg_free(codes);
    fg_free(sizes);
    fg_free(u64);
}

/* A block size that says "this rank has no room for the sizes". */
#define FG_COMM_NO_ROOM UINT64_MAX

int fg_comm_allgatherv(const forget_comm *c, const void *send,
                       size_t send_size, void **recv, size_t **sizes,
                       size_t *total, const char *what)
{
    size_t p = (size_t)c->size;
    int32_t *codes;
    size_t *eight;
    uint64_t *n64;
    int own;
    int rc = fg_comm_take(c, &codes, &eight, &n64, &own);
    if (rc != FORGET_OK)
        return rc;
    /* a rank without room for the sizes still takes part, saying so */
    size_t *sz = fg_malloc_array(p, sizeof *sz);
    uint64_t mine = sz ? (uint64_t)send_size : FG_COMM_NO_ROOM;
    for (size_t r = 0; r < p; r++)
        eight[r] = sizeof(uint64_t);
    rc = fg_comm_gather(c, &mine, sizeof mine, n64, eight, what);
    if (rc != FORGET_OK) {
        fg_comm_drop(codes, eight, n64, own);
        fg_free(sz);
        return rc;
    }
    size_t sum = 0;
    for (size_t r = 0; rc == FORGET_OK && r < p; r++) /* sz may be NULL */
        if (n64[r] == FG_COMM_NO_ROOM)
            rc = fg_error(FORGET_E_NOMEM, "all-gather of %s: rank %zu is out "
                          "of memory", what, r);
    for (size_t r = 0; rc == FORGET_OK && r < p; r++) {
        if (n64[r] > SIZE_MAX - sum)
            rc = fg_error(FORGET_E_NOMEM, "all-gather of %s: the blocks "
                          "exceed the address space", what);
        else {
            sz[r] = (size_t)n64[r];
            sum += sz[r];
        }
    }
    if (rc == FORGET_OK && sz[c->rank] != send_size)
        rc = fg_error(FORGET_E_INTERNAL, "all-gather of %s: the communicator "
                      "returned a wrong size for this rank", what);
    unsigned char *buf = NULL;
    if (rc == FORGET_OK && (buf = fg_malloc(sum ? sum : 1)) == NULL)
        rc = fg_nomem("an all-gather");
    fg_comm_drop(codes, eight, n64, own);
    /* the blocks can be large: a rank without room for them says so
     * before the gather, or the others would wait in it for ever */
    rc = fg_comm_agree(c, rc);
    if (rc == FORGET_OK)
        rc = fg_comm_gather(c, send, send_size, buf, sz, what);
    if (rc != FORGET_OK) {
        fg_free(buf);
        fg_free(sz);
        return rc;
    }
    *recv = buf;
    *total = sum;
    if (sizes)
        *sizes = sz;
    else
        fg_free(sz);
    return FORGET_OK;
}

/* The message a failing rank sends with its code. */
#define FG_COMM_MSG 512

int fg_comm_agree(const forget_comm *c, int rc)
{
    if (!fg_comm_multi(c))
        return rc;
    char mine_msg[FG_COMM_MSG];
    memset(mine_msg, 0, sizeof mine_msg);
    if (rc != FORGET_OK) {
        const char *m = forget_last_error();
        size_t len = m ? strlen(m) : 0;
        len = len < FG_COMM_MSG - 1 ? len : FG_COMM_MSG - 1;
        memcpy(mine_msg, m ? m : "", len);
        mine_msg[len] = '\0';
    }
    size_t p = (size_t)c->size;
    int32_t *codes;
    size_t *four;
    uint64_t *u64;
    int own;
    /* a box's table (every unlearner's) has the scratch: only a bare
     * table can fail here, alone */
    int trc = fg_comm_take(c, &codes, &four, &u64, &own);
    if (trc != FORGET_OK)
        return trc;
    for (size_t r = 0; r < p; r++)
        four[r] = sizeof(int32_t);
    int32_t code = rc;
    int grc = fg_comm_gather(c, &code, sizeof code, codes, four,
                             "the ranks' statuses");
    if (grc != FORGET_OK) {
        fg_comm_drop(codes, four, u64, own);
        return grc;
    }
    int32_t first = -1;
    for (size_t r = 0; r < p && first < 0; r++)
        if (codes[r] != FORGET_OK)
            first = (int32_t)r;
    int agreed = first < 0 ? FORGET_OK : codes[first];
    fg_comm_drop(codes, four, u64, own);
    if (first < 0)
        return FORGET_OK;
    char msg[FG_COMM_MSG];
    memset(msg, 0, sizeof msg);
    if (first == c->rank)
        memcpy(msg, mine_msg, sizeof msg);
    grc = fg_comm_broadcast(c, msg, sizeof msg, first,
                            "the failing rank's message");
    if (grc != FORGET_OK)
        return grc;
    msg[FG_COMM_MSG - 1] = '\0';
    if (strncmp(msg, "rank ", 5) == 0) /* agreed on once already */
        return fg_error(agreed, "%s", msg);
    return fg_error(agreed, "rank %d: %s", (int)first, msg);
}

int fg_comm_sum(const forget_comm *c, int rc, double *v, size_t n,
                const char *what)
{
    if (!fg_comm_multi(c))
        return rc;
    rc = fg_comm_agree(c, rc);
    return rc == FORGET_OK ? fg_comm_allreduce(c, v, n, what) : rc;
}

int fg_comm_same(const forget_comm *c, const void *data, size_t size,
                 const char *what)
{
    if (!fg_comm_multi(c))
        return FORGET_OK;
    size_t p = (size_t)c->size;
    unsigned char *all = fg_malloc_array(p, size ? size : 1);
    size_t *sizes = fg_malloc_array(p, sizeof *sizes);
    int rc = all && sizes ? FORGET_OK : fg_nomem("a comparison of ranks");
    rc = fg_comm_agree(c, rc);
    for (size_t r = 0; rc == FORGET_OK && r < p; r++)
        sizes[r] = size;
    if (rc == FORGET_OK)
        rc = fg_comm_gather(c, data, size, all, sizes, what);
    for (size_t r = 1; rc == FORGET_OK && r < p; r++)
        if (memcmp(all, all + r * size, size) != 0)
            rc = fg_error(FORGET_E_INVALID, "rank %zu's %s differs from rank "
                          "0's (every rank must start from the same)", r,
                          what);
    fg_free(all);
    fg_free(sizes);
    return rc;
}
