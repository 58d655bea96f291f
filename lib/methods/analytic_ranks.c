/* The analytic method on many ranks (docs/MPI.md): each rank passes its
 * own rows; G = Phi^T Phi and Bt = Y^T Phi are sums over rows, so the
 * ranks' partial sums are all-reduced (in rank order) at prepare and the
 * state is the same on every rank; a request's rows are all-gathered so
 * that every rank makes the same update, and each rank marks the ids it
 * holds. */
#include <string.h>

#include "forget/backend.h"
#include "model/kit.h"
#include "methods/analytic_update.h"

int fg_am_set_comm(void *state, const forget_comm *comm)
{
    fg_am *s = state;
    if (s->prepared && fg_comm_multi(comm) &&
        (comm->size != s->ranks || comm->rank != s->rank))
        return fg_error(FORGET_E_STATE, "method 'analytic': this state is "
                        "rank %d of %d; a communicator of rank %d of %d "
                        "does not fit it (prepare again on those ranks)",
                        (int)s->rank, (int)s->ranks, (int)comm->rank,
                        (int)comm->size);
    s->comm = comm;
    return FORGET_OK;
}

const forget_comm *fg_am_comm(const fg_am *s)
{
    return s->comm ? s->comm : forget_comm_single();
}

int fg_am_ranks_check(const fg_am *s)
{
    const forget_comm *c = fg_am_comm(s);
    if (c->size != s->ranks || c->rank != s->rank)
        return fg_error(FORGET_E_STATE, "method 'analytic': this state is "
                        "rank %d of %d; attach its communicator first "
                        "(forget_unlearner_set_comm)", (int)s->rank,
                        (int)s->ranks);
    return FORGET_OK;
}

int fg_am_ranks_prepare(fg_am *n, const forget_dataset *train, size_t rows,
                        int rc)
{
    const forget_comm *c = fg_am_comm(n);
    n->rank = c->rank;
    n->ranks = c->size;
    n->n_rows = rows;
    if (!fg_comm_multi(c))
        return rc;
    size_t d = n->d, k = n->k;
    rc = fg_comm_agree(c, rc);
    if (rc == FORGET_OK)
        rc = fg_idspread_unique(c, forget_dataset_ids(train), rows,
                                "analytic");
    if (rc == FORGET_OK)
        rc = fg_comm_allreduce(c, n->g, d * d, "the Gram matrix");
    if (rc == FORGET_OK)
        rc = fg_comm_allreduce(c, n->bt, k * d, "Y^T Phi");
    double total = (double)rows;
    if (rc == FORGET_OK)
        rc = fg_comm_allreduce(c, &total, 1, "the row count");
    if (rc == FORGET_OK)
        n->n_rows = (size_t)total;
    return rc;
}

int fg_am_ranks_rows(const fg_am *s, int rc, const float *x,
                     const double *y, size_t n, float **gx, double **gy,
                     size_t *gn)
{
    const forget_comm *c = fg_am_comm(s);
    *gx = NULL;
    *gy = NULL;
    *gn = n;
    if (!fg_comm_multi(c))
        return rc;
    rc = fg_comm_agree(c, rc);
    void *bx = NULL, *by = NULL;
    size_t nx = 0, ny = 0;
    if (rc == FORGET_OK)
        rc = fg_comm_allgatherv(c, x, n * s->in * sizeof(float), &bx, NULL,
                                &nx, "the request's features");
    if (rc == FORGET_OK)
        rc = fg_comm_allgatherv(c, y, n * s->k * sizeof(double), &by, NULL,
                                &ny, "the request's targets");
    size_t rows = s->k ? ny / (s->k * sizeof(double)) : 0;
    if (rc == FORGET_OK && nx != rows * s->in * sizeof(float))
        rc = fg_error(FORGET_E_INTERNAL, "method 'analytic': the ranks' "
                      "features and targets disagree");
    if (rc != FORGET_OK) {
        fg_free(bx);
        fg_free(by);
        return rc;
    }
    *gx = bx;
    *gy = by;
    *gn = rows;
    return FORGET_OK;
}

int fg_am_ranks_learn_ids(const fg_am *s, int rc, const uint64_t *ids,
                          size_t n)
{
    const forget_comm *c = fg_am_comm(s);
    if (!fg_comm_multi(c))
        return rc;
    rc = fg_comm_agree(c, rc);
    if (rc != FORGET_OK)
        return rc;
    void *all = NULL;
    size_t *sizes = NULL, bytes = 0;
    rc = fg_comm_allgatherv(c, ids, n * sizeof *ids, &all, &sizes, &bytes,
                            "the ids to learn");
    if (rc != FORGET_OK)
        return rc;
    const uint64_t *v = all;
    size_t at = 0;
    for (int32_t r = 0; rc == FORGET_OK && r < c->size; r++) {
        size_t k = sizes[r] / sizeof *v;
        for (size_t i = 0; rc == FORGET_OK && r != c->rank && i < k; i++) {
            int forgotten;
            if (fg_idset_forgotten(&s->ids, v[at + i], &forgotten) ==
                FORGET_OK)
                rc = fg_error(FORGET_E_INVALID, "method 'analytic': rank %d "
                              "learns sample id %llu, which rank %d learned "
                              "already (an id lives on one rank)", (int)r,
                              (unsigned long long)v[at + i], (int)c->rank);
        }
        at += k;
    }
    fg_free(all);
    fg_free(sizes);
    rc = fg_comm_agree(c, rc);
    if (rc == FORGET_OK) /* new ids, distinct across the ranks */
        rc = fg_idspread_unique(c, ids, n, "analytic");
    return rc;
}

int fg_am_ranks_save(const fg_am *s, forget_writer *w)
{
    if (s->ranks <= 1)
        return FORGET_OK;
    unsigned char b[8];
    fg_put_u32(b, (uint32_t)s->rank);
    fg_put_u32(b + 4, (uint32_t)s->ranks);
    /* required: a library that does not know ranks must not take one
     * rank's part for a whole state */
    return forget_writer_section(w, "AMPI", FORGET_SECTION_REQUIRED, b,
                                 sizeof b);
}

int fg_am_ranks_load(fg_am *s, const fg_slot *ampi)
{
    s->rank = 0;
    s->ranks = 1;
    if (ampi->data == NULL)
        return FORGET_OK;
    uint32_t r = ampi->size == 8 ? fg_get_u32(ampi->data) : 0;
    uint32_t p = ampi->size == 8 ? fg_get_u32(ampi->data + 4) : 0;
    if (p < 2 || p > INT32_MAX || r >= p)
        return fg_error(FORGET_E_FORMAT, "method 'analytic': section AMPI "
                        "is malformed");
    s->rank = (int32_t)r;
    s->ranks = (int32_t)p;
    return FORGET_OK;
}
