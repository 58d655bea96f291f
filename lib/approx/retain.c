/* The retained budget (retain.h): the seeded sample, the prepared ids
 * with their rows' fingerprints, requests against them, save and load. */
#include "approx/retain.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const fg_kept_tags fg_retain_tags = {
    .ids = "RKID",
    .x = "RKX ",
    .x8_norm = "RKXN",
    .x8 = "RKX8",
    .labels = "RKYL",
    .targets = "RKYT",
};

size_t fg_retain_size(size_t n, double b)
{
    double want = b < 1.0 ? ceil(b * (double)n) : floor(b);
    size_t k = want >= (double)n ? n : (size_t)want;
    size_t floor_rows = n < FG_RETAIN_FLOOR ? n : FG_RETAIN_FLOOR;
    return k < floor_rows ? floor_rows : k;
}

void fg_retain_free(fg_retain *r)
{
    fg_idset_free(&r->ids);
    fg_free(r->fp);
    forget_dataset_free(r->kept);
    fg_free(r->kslot);
    memset(r, 0, sizeof *r);
}

/* Ascending, for the sample to keep the training order. */
static int fg_retain_cmp(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

int fg_rows_draw(const forget_dataset *train, size_t k, uint64_t seed,
                 forget_dataset **rows, size_t **slot)
{
    size_t n = forget_dataset_rows(train);
    size_t *order = fg_malloc_array(n ? n : 1, sizeof *order);
    if (order == NULL)
        return fg_nomem("the retained rows");
    fg_rng g;
    fg_rng_seed(&g, seed);
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    fg_rng_shuffle(&g, order, n);
    k = k < n ? k : n;
    qsort(order, k, sizeof *order, fg_retain_cmp);
    int rc = fg_dataset_gather(rows, train, order, k, "the retained rows");
    if (rc != FORGET_OK) {
        fg_free(order);
        return rc;
    }
    *slot = order; /* slot i is row i of train */
    return FORGET_OK;
}

int fg_retain_prepare(fg_retain *r, const forget_dataset *train,
                      double budget, uint64_t seed)
{
    size_t n = forget_dataset_rows(train);
    fg_retain fresh;
    memset(&fresh, 0, sizeof fresh);
    fresh.d = forget_dataset_features(train);
    fresh.fp = fg_malloc_array(n ? n : 1, 2 * sizeof(uint64_t));
    int rc = fresh.fp ? FORGET_OK : fg_nomem("the retained rows");
    if (rc == FORGET_OK)
        rc = fg_idset_from(&fresh.ids, train);
    if (rc == FORGET_OK)
        rc = fg_dataset_fingerprints(train, NULL, fresh.fp);
    if (rc == FORGET_OK)
        rc = fg_rows_draw(train, fg_retain_size(n, budget), seed, &fresh.kept,
                          &fresh.kslot);
    if (rc != FORGET_OK) {
        fg_retain_free(&fresh);
        return rc;
    }
    *r = fresh;
    return FORGET_OK;
}

void fg_retain_plan_free(fg_retain_plan *q)
{
    fg_free(q->slot);
    fg_free(q->pos);
    forget_dataset_free(q->live);
    forget_dataset_free(q->kept);
    memset(q, 0, sizeof *q);
}

/* Are the request's live rows the rows learned? */
static int fg_retain_verify(const fg_retain *r, const forget_dataset *rows,
                            const fg_retain_plan *q, const char *method)
{
    float *scratch = fg_malloc_array(r->d ? r->d : 1, sizeof(float));
    if (scratch == NULL)
        return fg_nomem("a request");
    int rc = FORGET_OK;
    for (size_t i = 0; rc == FORGET_OK && i < q->n; i++) {
        uint64_t fp[2];
        fg_dataset_fingerprint(rows, q->pos[i], scratch, fp);
        int feat_ok = fp[0] == r->fp[2 * q->slot[i]];
        int target_ok = fp[1] == r->fp[2 * q->slot[i] + 1];
        if (!feat_ok || !target_ok)
            rc = fg_row_differs(method, forget_dataset_ids(rows)[q->pos[i]],
                                feat_ok, target_ok);
    }
    fg_free(scratch);
    return rc;
}

int fg_rows_drop(const forget_dataset *rows, const size_t *slot,
                 size_t n_slots, const size_t *gone, size_t n_gone,
                 forget_dataset **out, size_t *dropped)
{
    size_t kn = forget_dataset_rows(rows);
    unsigned char *mark = fg_calloc(n_slots ? n_slots : 1, 1);
    size_t *keep = fg_malloc_array(kn ? kn : 1, sizeof *keep);
    int rc = mark && keep ? FORGET_OK : fg_nomem("a request");
    size_t m = 0;
    *out = NULL;
    *dropped = 0;
    if (rc == FORGET_OK) {
        for (size_t i = 0; i < n_gone; i++)
            mark[gone[i]] = 1;
        for (size_t i = 0; i < kn; i++)
            if (!mark[slot[i]])
                keep[m++] = i;
        *dropped = kn - m;
        if (*dropped > 0)
            rc = fg_dataset_gather(out, rows, keep, m, "the retained rows");
    }
    fg_free(mark);
    fg_free(keep);
    return rc;
}

void fg_rows_commit(forget_dataset **rows, size_t *slot,
                    const unsigned char *gone, forget_dataset **after)
{
    if (*after == NULL)
        return;
    /* the kept rows' slots, in the same order, without those marked */
    size_t kn = forget_dataset_rows(*rows), m = 0;
    for (size_t i = 0; i < kn; i++)
        if (!gone[slot[i]])
            slot[m++] = slot[i];
    forget_dataset_free(*rows);
    *rows = *after;
    *after = NULL;
}

int fg_retain_plan_request(const fg_retain *r, const forget_dataset *rows,
                           fg_retain_plan *q, const char *method,
                           forget_run *run)
{
    memset(q, 0, sizeof *q);
    size_t n_req = forget_dataset_rows(rows);
    if (forget_dataset_features(rows) != r->d)
        return fg_error(FORGET_E_INVALID, "method '%s': the rows have %zu "
                        "features, the prepared ones %zu", method,
                        forget_dataset_features(rows), r->d);
    q->slot = fg_malloc_array(n_req ? n_req : 1, sizeof *q->slot);
    q->pos = fg_malloc_array(n_req ? n_req : 1, sizeof *q->pos);
    int rc = q->slot && q->pos ? FORGET_OK : fg_nomem("a request");
    if (rc == FORGET_OK)
        rc = fg_idset_request(&r->ids, forget_dataset_ids(rows), n_req,
                              q->slot, q->pos, &q->n, &q->repeats, method);
    if (rc == FORGET_OK)
        rc = fg_retain_verify(r, rows, q, method);
    if (rc == FORGET_OK && run)
        rc = forget_run_report(run, "already_forgotten", (double)q->repeats);
    if (rc == FORGET_OK && run)
        rc = forget_run_report(run, "rows_verified", (double)q->n);
    if (rc == FORGET_OK && q->n > 0 && q->n < n_req)
        rc = fg_dataset_gather(&q->live, rows, q->pos, q->n, method);
    if (rc == FORGET_OK)
        rc = fg_rows_drop(r->kept, r->kslot, r->ids.n, q->slot, q->n,
                          &q->kept, &q->dropped);
    if (rc != FORGET_OK)
        fg_retain_plan_free(q);
    return rc;
}

const forget_dataset *fg_retain_live(const fg_retain_plan *q,
                                     const forget_dataset *rows)
{
    return q->live ? q->live : rows;
}

void fg_retain_commit(fg_retain *r, fg_retain_plan *q)
{
    fg_idset_mark(&r->ids, q->slot, q->n);
    for (size_t i = 0; i < q->n; i++)
        r->fp[2 * q->slot[i]] = r->fp[2 * q->slot[i] + 1] = 0;
    fg_rows_commit(&r->kept, r->kslot, r->ids.gone, &q->kept);
    fg_retain_plan_free(q);
}

int fg_retain_save(const fg_retain *r, forget_writer *w)
{
    int rc = fg_idset_save(&r->ids, w);
    if (rc == FORGET_OK)
        rc = forget_writer_section(w, "RFPS", FORGET_SECTION_REQUIRED, r->fp,
                                   2 * r->ids.n * sizeof(uint64_t));
    if (rc == FORGET_OK)
        rc = fg_kept_save(w, &fg_retain_tags, r->kept);
    return rc;
}

int fg_rows_slots(const fg_idset *ids, const forget_dataset *rows,
                  size_t **slot, const char *what, const char *method)
{
    size_t kn = forget_dataset_rows(rows);
    const uint64_t *id = forget_dataset_ids(rows);
    size_t *s = fg_malloc_array(kn ? kn : 1, sizeof *s);
    if (s == NULL)
        return fg_nomem("the retained rows");
    for (size_t i = 0; i < kn; i++)
        if (!fg_idmap_find(&ids->index, id[i], &s[i]) || ids->gone[s[i]] ||
            (i > 0 && s[i] <= s[i - 1])) {
            fg_free(s);
            return fg_error(FORGET_E_FORMAT, "method '%s': %s row %zu "
                            "(sample id %llu) is not a remembered prepared "
                            "row in order", method, what, i,
                            (unsigned long long)id[i]);
        }
    *slot = s;
    return FORGET_OK;
}

int fg_retain_load(fg_retain *r, const fg_slot *t, const forget_model *m,
                   const char *method)
{
    fg_retain fresh;
    memset(&fresh, 0, sizeof fresh);
    fresh.d = forget_model_inputs(m);
    char owner[64];
    snprintf(owner, sizeof owner, "method '%s'", method);
    int rc = fg_idset_load_slots(&fresh.ids, t, method);
    const fg_slot *fp = fg_slot_get(t, "RFPS");
    if (rc == FORGET_OK && (!fp->data || fp->count != 2 * fresh.ids.n))
        rc = fg_error(FORGET_E_FORMAT, "%s: the saved fingerprints do not "
                      "fit the %zu prepared ids", owner, fresh.ids.n);
    if (rc == FORGET_OK) {
        size_t n = fresh.ids.n ? fresh.ids.n : 1;
        fresh.fp = fg_malloc_array(n, 2 * sizeof(uint64_t));
        if (fresh.fp == NULL)
            rc = fg_nomem("the fingerprints");
        else
            fg_get_u64s(fresh.fp, fp->data, 2 * fresh.ids.n);
    }
    if (rc == FORGET_OK)
        rc = fg_kept_load(&fresh.kept, t, &fg_retain_tags, fresh.d,
                          forget_model_task(m), forget_model_outputs(m),
                          owner);
    if (rc == FORGET_OK)
        rc = fg_rows_slots(&fresh.ids, fresh.kept, &fresh.kslot, "retained",
                           method);
    if (rc != FORGET_OK) {
        fg_retain_free(&fresh);
        return rc;
    }
    *r = fresh;
    return FORGET_OK;
}

int fg_retain_prepare_run(fg_retain *r, const forget_model *m,
                          const forget_dataset *train, double budget,
                          uint64_t seed, const char *owner, forget_run *run)
{
    int rc = fg_model_check_data(m, train, owner);
    if (rc != FORGET_OK)
        return rc;
    if (forget_dataset_rows(train) == 0)
        return fg_error(FORGET_E_INVALID, "%s: the training data is empty",
                        owner);
    fg_retain fresh;
    memset(&fresh, 0, sizeof fresh);
    rc = forget_run_report(run, "rows", (double)forget_dataset_rows(train));
    if (rc == FORGET_OK)
        rc = fg_retain_prepare(&fresh, train, budget, seed);
    if (rc == FORGET_OK)
        rc = forget_run_report(run, "retained_rows",
                               (double)forget_dataset_rows(fresh.kept));
    if (rc == FORGET_OK)
        rc = forget_run_progress(run, 1.0);
    if (rc != FORGET_OK) {
        fg_retain_free(&fresh);
        return rc;
    }
    fg_retain_free(r);
    *r = fresh;
    return FORGET_OK;
}
