/* Sample ids spread over ranks: the uniqueness check of prepare and the
 * owners of a request's ids. */
#include "data/idspread.h"

#include <stdlib.h>

#include "util/alloc.h"
#include "util/comm.h"
#include "util/error.h"
#include "util/le.h"
#include "util/sha256.h"

static int fg_u64_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

int fg_idspread_unique(const forget_comm *c, const uint64_t *ids, size_t n,
                       const char *method)
{
    if (!fg_comm_multi(c))
        return FORGET_OK;
    void *all = NULL;
    size_t bytes = 0;
    int rc = fg_comm_allgatherv(c, ids, n * sizeof *ids, &all, NULL, &bytes,
                                "the sample ids");
    if (rc != FORGET_OK)
        return rc;
    uint64_t *v = all;
    size_t total = bytes / sizeof *v;
    qsort(v, total, sizeof *v, fg_u64_cmp);
    for (size_t i = 1; rc == FORGET_OK && i < total; i++)
        if (v[i] == v[i - 1])
            rc = fg_error(FORGET_E_INVALID, "method '%s': sample id %llu is "
                          "held by two ranks (each id lives on one rank)",
                          method, (unsigned long long)v[i]);
    fg_free(all);
    return rc;
}

int fg_idspread_same_list(const forget_comm *c, const uint64_t *ids,
                          size_t count, const char *method)
{
    if (!fg_comm_multi(c))
        return FORGET_OK;
    fg_sha256 h;
    unsigned char n[8], d[FG_SHA256_SIZE];
    fg_put_u64(n, (uint64_t)count);
    fg_sha256_init(&h);
    fg_sha256_update(&h, n, sizeof n);
    for (size_t i = 0; i < count; i++) {
        unsigned char b[8];
        fg_put_u64(b, ids[i]);
        fg_sha256_update(&h, b, sizeof b);
    }
    fg_sha256_final(&h, d);
    int rc = fg_comm_same(c, d, sizeof d, "list of ids");
    if (rc == FORGET_E_INVALID)
        rc = fg_error(FORGET_E_INVALID, "method '%s': a request by ids takes "
                      "the same ids on every rank (%s)", method,
                      forget_last_error());
    return rc;
}

int fg_idspread_mine(const forget_comm *c, const fg_idset *s,
                     const uint64_t *ids, size_t count, uint64_t **keep,
                     size_t *n_keep, const char *method)
{
    int same = fg_idspread_same_list(c, ids, count, method);
    if (same != FORGET_OK)
        return same;
    double *held = fg_malloc_array(count, sizeof *held);
    uint64_t *mine = fg_malloc_array(count ? count : 1, sizeof *mine);
    int rc = held && mine ? FORGET_OK : fg_nomem("a request");
    size_t n = 0;
    for (size_t i = 0; rc == FORGET_OK && i < count; i++) {
        int forgotten;
        held[i] = fg_idset_forgotten(s, ids[i], &forgotten) == FORGET_OK;
        if (held[i] != 0.0)
            mine[n++] = ids[i];
    }
    /* Local failures first, agreed: the sum must run on every rank. */
    rc = fg_comm_agree(c, rc);
    if (rc == FORGET_OK)
        rc = fg_comm_allreduce(c, held, count, "which ranks hold the ids");
    for (size_t i = 0; rc == FORGET_OK && i < count; i++) {
        if (held[i] == 0.0)
            rc = fg_error(FORGET_E_NOT_FOUND, "method '%s': no rank learned "
                          "sample id %llu", method,
                          (unsigned long long)ids[i]);
        else if (held[i] != 1.0) /* prepare checked that ids are unique */
            rc = fg_error(FORGET_E_INTERNAL, "method '%s': sample id %llu "
                          "is held by %.0f ranks", method,
                          (unsigned long long)ids[i], held[i]);
    }
    fg_free(held);
    if (rc != FORGET_OK) {
        fg_free(mine);
        return rc;
    }
    *keep = mine;
    *n_keep = n;
    return FORGET_OK;
}

int fg_idspread_rows(const forget_comm *c, int rc, const forget_dataset *ds,
                     forget_dataset **out)
{
    size_t n = forget_dataset_rows(ds), d = forget_dataset_features(ds);
    int regression = forget_dataset_task(ds) == FORGET_TASK_REGRESSION;
    size_t t = regression ? forget_dataset_target_dim(ds) : 1;
    float *x = rc == FORGET_OK ? fg_malloc_array(n ? n : 1, d * sizeof *x)
                               : NULL;
    if (rc == FORGET_OK && x == NULL)
        rc = fg_nomem("the rows of every rank");
    if (rc == FORGET_OK && n > 0)
        rc = forget_dataset_copy_rows(ds, 0, n, x, n * d);
    rc = fg_comm_agree(c, rc);
    void *gx = NULL, *gy = NULL, *gid = NULL;
    size_t bx = 0, by = 0, bid = 0;
    if (rc == FORGET_OK)
        rc = fg_comm_allgatherv(c, x, n * d * sizeof *x, &gx, NULL, &bx,
                                "the rows' features");
    fg_free(x);
    if (rc == FORGET_OK)
        rc = regression
                 ? fg_comm_allgatherv(c, forget_dataset_targets(ds),
                                      n * t * sizeof(float), &gy, NULL, &by,
                                      "the rows' targets")
                 : fg_comm_allgatherv(c, forget_dataset_labels(ds),
                                      n * sizeof(int32_t), &gy, NULL, &by,
                                      "the rows' labels");
    if (rc == FORGET_OK)
        rc = fg_comm_allgatherv(c, forget_dataset_ids(ds), n * sizeof(uint64_t),
                                &gid, NULL, &bid, "the rows' ids");
    size_t total = bid / sizeof(uint64_t);
    if (rc == FORGET_OK &&
        (bx != total * d * sizeof(float) ||
         by != total * t * (regression ? sizeof(float) : sizeof(int32_t))))
        rc = fg_error(FORGET_E_INVALID, "the ranks' rows disagree in shape "
                      "(features or targets per row)");
    forget_dataset *all = NULL;
    if (rc == FORGET_OK)
        rc = regression ? forget_dataset_create_regression(&all, total, d, gx,
                                                           gy, t, gid)
                        : forget_dataset_create(&all, total, d, gx, gy, gid);
    fg_free(gx);
    fg_free(gy);
    fg_free(gid);
    if (rc == FORGET_OK)
        *out = all;
    return rc;
}
