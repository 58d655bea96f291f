/* A host's communicator as an unlearner holds it (fg_comm_box, comm.h):
 * a copy of the host's table behind trampolines that notice the first
 * collective that fails on more than one rank and refuse every one after
 * it, and the per-rank scratch the collectives would otherwise allocate
 * (a rank that cannot allocate a few bytes must still take part, or the
 * others wait for it). */
#include "util/comm.h"

#include <string.h>

#include "util/alloc.h"
#include "util/error.h"

struct fg_comm_box {
    forget_comm table; /* what the methods get: trampolines, user_data =
                          this box */
    forget_comm host;  /* the host's table, copied */
    int broken;        /* a collective failed on this rank */
    int32_t *codes;    /* scratch, host.size entries each */
    size_t *sizes;
    uint64_t *u64;
};

/* A collective's status: the first failure on many ranks breaks the box
 * (whether the other ranks finished it is unknown from here). */
static int fg_box_seen(fg_comm_box *b, int rc)
{
    if (rc != FORGET_OK && b->host.size > 1)
        b->broken = 1;
    return rc;
}

static int fg_box_refuse(const fg_comm_box *b)
{
    if (!b->broken)
        return FORGET_OK;
    return fg_error(FORGET_E_IO, "communicator: an earlier collective failed "
                    "on this rank (rank %d of %d), so no other is started; "
                    "what the other ranks did is unknown (docs/MPI.md, "
                    "\"Failures\")", (int)b->host.rank, (int)b->host.size);
}

static int fg_box_barrier(void *ud)
{
    fg_comm_box *b = ud;
    int rc = fg_box_refuse(b);
    return rc ? rc : fg_box_seen(b, b->host.barrier(b->host.user_data));
}

static int fg_box_broadcast(void *ud, void *data, size_t size, int32_t root)
{
    fg_comm_box *b = ud;
    int rc = fg_box_refuse(b);
    return rc ? rc
              : fg_box_seen(b, b->host.broadcast(b->host.user_data, data,
                                                 size, root));
}

static int fg_box_allgather(void *ud, const void *send, size_t send_size,
                            void *recv, const size_t *recv_sizes)
{
    fg_comm_box *b = ud;
    int rc = fg_box_refuse(b);
    return rc ? rc
              : fg_box_seen(b, b->host.allgather(b->host.user_data, send,
                                                 send_size, recv,
                                                 recv_sizes));
}

static int fg_box_allreduce(void *ud, double *data, size_t count)
{
    fg_comm_box *b = ud;
    int rc = fg_box_refuse(b);
    return rc ? rc
              : fg_box_seen(b, b->host.allreduce_sum(b->host.user_data, data,
                                                     count));
}

int fg_comm_box_new(fg_comm_box **out, const forget_comm *host)
{
    fg_comm_box *b = fg_calloc(1, sizeof *b);
    if (b == NULL)
        return fg_nomem("a communicator");
    int rc = fg_comm_copy(&b->host, host);
    if (rc != FORGET_OK) {
        fg_free(b);
        return rc;
    }
    size_t p = (size_t)b->host.size;
    b->codes = fg_malloc_array(p, sizeof *b->codes);
    b->sizes = fg_malloc_array(p, sizeof *b->sizes);
    b->u64 = fg_malloc_array(p, sizeof *b->u64);
    if (b->codes == NULL || b->sizes == NULL || b->u64 == NULL) {
        fg_comm_box_free(b);
        return fg_nomem("a communicator's scratch");
    }
    b->table = b->host;
    b->table.user_data = b;
    b->table.barrier = fg_box_barrier;
    b->table.broadcast = fg_box_broadcast;
    b->table.allgather = fg_box_allgather;
    b->table.allreduce_sum = fg_box_allreduce;
    *out = b;
    return FORGET_OK;
}

void fg_comm_box_free(fg_comm_box *b)
{
    if (b == NULL)
        return;
    fg_free(b->codes);
    fg_free(b->sizes);
    fg_free(b->u64);
    fg_free(b);
}

const forget_comm *fg_comm_box_table(const fg_comm_box *b)
{
    return &b->table;
}

int fg_comm_box_broken(const fg_comm_box *b) { return b && b->broken; }

int fg_comm_broken(const forget_comm *c)
{
    return c->barrier == fg_box_barrier &&
           fg_comm_box_broken((const fg_comm_box *)c->user_data);
}

int fg_comm_scratch(const forget_comm *c, int32_t **codes, size_t **sizes,
                    uint64_t **u64)
{
    if (c->barrier != fg_box_barrier)
        return 0;
    const fg_comm_box *b = c->user_data;
    *codes = b->codes;
    *sizes = b->sizes;
    *u64 = b->u64;
    return 1;
}
