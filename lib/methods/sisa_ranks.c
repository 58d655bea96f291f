/* sisa on many ranks (docs/MPI.md): the rows are all-gathered at prepare
 * so that every rank lays out the same shards; shard sh is trained, and
 * its checkpoints kept, on rank sh mod P only; after each training the
 * owners' new constituents are all-gathered, so that every rank holds the
 * whole ensemble, byte-identical to one process's. */
#include <string.h>

#include "methods/sisa.h"

int fg_sisa_set_comm(void *state, const forget_comm *comm)
{
    fg_sisa *s = state;
    if (s->prepared && fg_comm_multi(comm) &&
        (comm->size != s->ranks || comm->rank != s->rank))
        return fg_error(FORGET_E_STATE, "method 'sisa': this state is rank "
                        "%d of %d; a communicator of rank %d of %d does not "
                        "fit it (prepare again on those ranks)",
                        (int)s->rank, (int)s->ranks, (int)comm->rank,
                        (int)comm->size);
    s->comm = comm;
    return FORGET_OK;
}

const forget_comm *fg_sisa_comm(const fg_sisa *s)
{
    return s->comm ? s->comm : forget_comm_single();
}

int fg_sisa_owns(const fg_sisa *s, size_t sh)
{
    return sh % (size_t)s->ranks == (size_t)s->rank;
}

size_t fg_sisa_own_first(const fg_sisa *s, fg_job *jobs, size_t n)
{
    size_t own = 0;
    for (size_t i = 0; i < n; i++)
        if (fg_sisa_owns(s, jobs[i].shard)) {
            fg_job j = jobs[i];
            memmove(&jobs[own + 1], &jobs[own], (i - own) * sizeof *jobs);
            jobs[own++] = j;
        }
    return own;
}

/* This rank's block: the parameters of the jobs it owns, in jobs order. */
static int fg_sisa_pack(const fg_sisa *s, const fg_job *jobs, size_t n,
                        float **out, size_t *bytes)
{
    size_t own = 0;
    for (size_t i = 0; i < n; i++)
        own += (size_t)fg_sisa_owns(s, jobs[i].shard);
    float *buf = fg_malloc_array(own ? own : 1, s->P * sizeof *buf);
    if (buf == NULL)
        return fg_nomem("the constituents to share");
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (fg_sisa_owns(s, jobs[i].shard))
            memcpy(buf + s->P * k++, fg_model_theta(jobs[i].model),
                   s->P * sizeof *buf);
    *out = buf;
    *bytes = own * s->P * sizeof *buf;
    return FORGET_OK;
}

int fg_sisa_share(fg_sisa *s, fg_job *jobs, size_t n, int rc)
{
    const forget_comm *c = fg_sisa_comm(s);
    if (!fg_comm_multi(c))
        return rc;
    float *mine = NULL;
    size_t bytes = 0;
    if (rc == FORGET_OK)
        rc = fg_sisa_pack(s, jobs, n, &mine, &bytes);
    rc = fg_comm_agree(c, rc);
    void *all = NULL;
    size_t total = 0, *sizes = NULL;
    if (rc == FORGET_OK)
        rc = fg_comm_allgatherv(c, mine, bytes, &all, &sizes, &total,
                                "the retrained constituents");
    fg_free(mine);
    /* rank r's block holds its jobs in jobs order */
    size_t at = 0;
    for (int32_t r = 0; rc == FORGET_OK && r < c->size; r++) {
        const float *block = (const float *)((const char *)all + at);
        size_t k = 0;
        for (size_t i = 0; rc == FORGET_OK && i < n; i++) {
            if (jobs[i].shard % (size_t)c->size != (size_t)r)
                continue;
            if ((k + 1) * s->P * sizeof(float) > sizes[r]) {
                rc = fg_error(FORGET_E_INTERNAL, "method 'sisa': rank %d "
                              "sent fewer constituents than it trains",
                              (int)r);
                break;
            }
            if (r != c->rank) {
                rc = fg_model_clone_raw(&jobs[i].model, s->tmpl);
                if (rc == FORGET_OK)
                    memcpy(fg_model_theta(jobs[i].model), block + s->P * k,
                           s->P * sizeof(float));
            }
            k++;
        }
        at += sizes[r];
    }
    fg_free(all);
    fg_free(sizes);
    return rc;
}
