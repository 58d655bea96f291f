/* Closed-form exact unlearning for models of kind analytic (the ACU
 * family): the ridge head W = (Phi^T Phi + gamma I)^-1 Phi^T Y is updated
 * exactly when rows are learned or forgotten.
 *
 * State (float64): G = Phi^T Phi + gamma I and Bt = Y^T Phi, exact sums;
 * R = G^-1 (upper triangles); W, which the model's head follows after
 * each request. A request of k rows (Phi_u, Y_u), sign s = +1 to forget
 * and -1 to learn, is either
 *  - a Woodbury update, O(d^2 k): U = Phi_u R, S = I - s U Phi_u^T = Us^T Us,
 *    T = Us^-T U, F = Us^-T (Y_u - Phi_u W); R += s T^T T, W -= s F^T T
 *    (refused with FORGET_E_NUMERIC when S is not positive definite: rows
 *    that were never learned); or
 *  - a refactorisation, O(d^2 k + d^3): G -= s Phi_u^T Phi_u, then R and W
 *    from a Cholesky factorisation of G.
 * A cost model picks one; a refresh from G after d rows of Woodbury
 * updates bounds the rounding drift (analytic_update.c). The updates of R
 * and G are deferred so that a request moves R once (analytic_pending.c). This file: the
 * method's table, requests by rows and by ids, learning, state files. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "forget/backend.h"
#include "model/kit.h"
#include "methods/analytic_update.h"

static const forget_param_def fg_am_params[] = {
    {"update", FORGET_PARAM_ENUM, "auto", 0, -1, "auto|woodbury|refactor",
     "how a request updates the solution: a Woodbury rank-k update of "
     "R = G^-1 (O(d^2 k)), a refactorisation of the Gram matrix (O(d^3)), "
     "or the cheaper by the cost model"},
    {"refresh", FORGET_PARAM_INT, "0", 0, 1e9, NULL,
     "recompute R and W from G after this many Woodbury requests (0 = "
     "after d rows of Woodbury updates), bounding rounding drift"},
    {"keep_rows", FORGET_PARAM_BOOL, "false", 0, -1, NULL,
     "keep each learned row's features and target so requests can name ids "
     "only (the features stay in memory and in saved states until the row "
     "is forgotten)"},
};
#define FG_AM_N_PARAMS (sizeof fg_am_params / sizeof *fg_am_params)

/* The sections of the kept rows (keep_rows=true). */
static const fg_kept_slot_tags fg_am_kept_tags = {"KROX", "KROY"};

static int fg_am_create(void **state, forget_model *model,
                        const forget_params *p, void *user_data)
{
    (void)user_data;
    if (!fg_is_analytic(model))
        return fg_error(FORGET_E_INVALID, "method 'analytic': needs a model "
                        "of kind analytic, not '%s'",
                        forget_model_kind(model));
    fg_am *s = fg_calloc(1, sizeof *s);
    if (s == NULL)
        return fg_nomem("the analytic state");
    size_t upd;
    forget_params_enum(p, "update", &upd);
    forget_params_int(p, "refresh", &s->refresh);
    forget_params_bool(p, "keep_rows", &s->keep_rows);
    s->update = (int)upd;
    s->model = model;
    s->d = fg_analytic_dim(model);
    s->k = forget_model_outputs(model);
    s->in = forget_model_inputs(model);
    s->rank = 0;
    s->ranks = 1;
    *state = s;
    return FORGET_OK;
}

static void fg_am_free_arrays(fg_am *s);

static void fg_am_release(void *state) { fg_am_free_arrays(state); }

static void fg_am_free_arrays(fg_am *s)
{
    fg_free(s->g);
    fg_free(s->r);
    fg_free(s->bt);
    fg_free(s->w);
    fg_free(s->x);
    fg_free(s->y);
    fg_free(s->fp);
    fg_free(s->spare_g);
    fg_free(s->spare_r);
    fg_free(s->spare_w);
    fg_free(s->pend);
    fg_free(s->gbuf);
    fg_free(s->gdiag);
    fg_dwork_free(&s->work);
    fg_dwork_free(&s->feat);
    fg_idset_free(&s->ids);
    s->g = s->r = s->bt = s->w = s->y = NULL;
    s->spare_g = s->spare_r = s->spare_w = NULL;
    s->pend = s->gbuf = s->gdiag = NULL;
    s->pend_n = s->gbuf_plus = s->gbuf_minus = 0;
    s->x = NULL;
    s->fp = NULL;
}

static void fg_am_destroy(void *state)
{
    fg_am *s = state;
    if (s == NULL)
        return;
    fg_am_free_arrays(s);
    fg_free(s);
}

/* n = s with fresh arrays for a state of rows rows (every pointer of n is
 * set, so fg_am_free_arrays(n) frees what was made even on failure). */
static int fg_am_alloc(const fg_am *s, fg_am *n, size_t rows)
{
    size_t d = s->d, k = s->k;
    *n = *s;
    memset(&n->ids, 0, sizeof n->ids);
    memset(&n->work, 0, sizeof n->work);
    memset(&n->feat, 0, sizeof n->feat);
    n->g = fg_calloc(d * d, sizeof(double));
    n->r = fg_malloc_array(d * d, sizeof(double));
    n->bt = fg_calloc(k * d, sizeof(double));
    n->w = fg_malloc_array(k * d, sizeof(double));
    /* The spares are touched now (calloc), so that no request pays for
     * faulting in fresh pages. */
    n->spare_g = fg_calloc(d * d, sizeof(double));
    n->spare_r = fg_calloc(d * d, sizeof(double));
    n->spare_w = fg_calloc(k * d, sizeof(double));
    n->pend = n->gbuf = n->gdiag = NULL;
    n->pend_n = n->gbuf_plus = n->gbuf_minus = 0;
    n->x = NULL;
    n->y = NULL;
    n->fp = s->keep_rows ? NULL : fg_malloc_array(rows ? rows : 1,
                                                   2 * sizeof(uint64_t));
    if ((!s->keep_rows && !n->fp) || !n->g || !n->r || !n->bt || !n->w ||
        !n->spare_g || !n->spare_r || !n->spare_w ||
        fg_am_pending_alloc(n) != FORGET_OK)
        return fg_nomem("the Gram matrix");
    if (s->keep_rows) {
        n->x = fg_malloc_array(rows ? rows : 1, s->in * sizeof(float));
        n->y = fg_malloc_array(rows ? rows : 1, k * sizeof(double));
        if (!n->x || !n->y)
            return fg_nomem("the kept rows");
    }
    return FORGET_OK;
}

static int fg_am_prepare(void *state, const forget_dataset *train,
                         forget_run *run)
{
    fg_am *s = state;
    int rc = fg_model_check_data(s->model, train, "method 'analytic'");
    if (rc != FORGET_OK) {
        /* on many ranks every rank fails with it: this rank makes the two
         * agreements the others make (fg_am_ranks_prepare's, the last) */
        const forget_comm *c = fg_am_comm(s);
        rc = fg_comm_agree(c, rc);
        return fg_comm_multi(c) ? fg_comm_agree(c, rc) : rc;
    }
    size_t d = s->d, k = s->k, rows = forget_dataset_rows(train);
    fg_am n;
    rc = fg_am_alloc(s, &n, rows);
    if (rc == FORGET_OK)
        rc = fg_idset_from(&n.ids, train);
    if (rc == FORGET_OK && !s->keep_rows) /* slot i is row i */
        rc = fg_dataset_fingerprints(train, NULL, n.fp);
    if (rc == FORGET_OK)
        rc = fg_analytic_stats(s->model, train, n.g, n.bt, run);
    /* On many ranks G, Bt and the row count become the sums over all. */
    rc = fg_am_ranks_prepare(&n, train, rows, rc);
    if (rc == FORGET_OK) {
        for (size_t i = 0; i < d; i++)
            n.g[i * d + i] += fg_analytic_gamma(s->model);
        rc = fg_am_factor(d, k, n.g, n.bt, n.r, n.w);
    }
    if (fg_comm_multi(fg_am_comm(s)))
        rc = fg_comm_agree(fg_am_comm(s), rc); /* all ranks or none */
    if (rc != FORGET_OK) {
        fg_am_free_arrays(&n);
        return rc;
    }
    if (s->keep_rows && rows) {
        for (size_t i = 0; i < rows; i++)
            fg_dataset_row(train, i, n.x + i * s->in);
        fg_analytic_targets(s->model, train, 0, rows, n.y);
    }
    n.cap = rows;
    fg_state_swap(s, &n, sizeof n, fg_am_release);
    fg_am_g_cleared(s);
    /* Form R now: prepare is slow anyway, the first request should not be. */
    fg_dpotri(d, s->r, d);
    s->r_factor = 0;
    s->woodbury_rows = s->woodbury_calls = 0;
    s->drift = 0.0;
    s->prepared = 1;
    fg_analytic_set_head(s->model, s->w);
    return FORGET_OK;
}

/* The n rows at slot[] (features x, targets y) forgotten, then marked and
 * what was kept of them erased. On many ranks, the request is the rows of
 * every rank (gathered: the same on all ranks), and each rank marks the
 * slots of its own. */
static int fg_am_forget_slots(fg_am *s, int rc, const size_t *slot,
                              size_t n, const float *x, const double *y,
                              forget_run *run)
{
    float *gx = NULL;
    double *gy = NULL;
    size_t gn = 0;
    rc = fg_am_ranks_rows(s, rc, x, y, n, &gx, &gy, &gn);
    if (rc == FORGET_OK && gn > 0)
        rc = fg_am_request(s, gx ? gx : x, gy ? gy : y, gn, 1.0, run);
    fg_free(gx);
    fg_free(gy);
    if (rc != FORGET_OK)
        return rc;
    fg_idset_mark(&s->ids, slot, n);
    for (size_t i = 0; i < n; i++) {
        if (s->keep_rows) {
            memset(s->x + slot[i] * s->in, 0, s->in * sizeof(float));
            memset(s->y + slot[i] * s->k, 0, s->k * sizeof(double));
        } else if (s->fp) { /* a hash of deleted data goes too */
            s->fp[2 * slot[i]] = s->fp[2 * slot[i] + 1] = 0;
        }
    }
    return FORGET_OK;
}

/* A request's ids through the one rule (fg_idset_request): slot and pos
 * (count entries each, allocated) and n rows to forget now, with x and y
 * allocated for them. */
static int fg_am_plan(fg_am *s, const uint64_t *ids, size_t count,
                      size_t **slot, size_t **pos, size_t *n, float **x,
                      double **y, forget_run *run)
{
    size_t repeats = 0;
    *slot = fg_malloc_array(count, sizeof **slot);
    *pos = fg_malloc_array(count, sizeof **pos);
    if (*slot == NULL || *pos == NULL)
        return fg_nomem("a request");
    int rc = fg_idset_request(&s->ids, ids, count, *slot, *pos, n, &repeats,
                              "analytic");
    if (rc == FORGET_OK)
        rc = forget_run_report(run, "already_forgotten", (double)repeats);
    if (rc == FORGET_OK && *n > 0) {
        *x = fg_malloc_array(*n, s->in * sizeof(float));
        *y = fg_malloc_array(*n, s->k * sizeof(double));
        if (*x == NULL || *y == NULL)
            rc = fg_nomem("a request");
    }
    return rc;
}

/* The rows of a request must be the rows that were learned: compared
 * with the kept rows (keep_rows), else with the fingerprints kept of
 * them. A difference is FORGET_E_INVALID naming the id and what differs,
 * before anything changes. Reports rows_verified (0 for a state saved
 * before fingerprints existed: it cannot tell). */
static int fg_am_verify(fg_am *s, const forget_dataset *rows,
                        const size_t *slot, const size_t *pick, size_t n,
                        const float *x, const double *y, forget_run *run)
{
    float *scratch = NULL;
    if (!s->keep_rows && s->fp && n > 0 &&
        (scratch = fg_malloc_array(s->in ? s->in : 1, sizeof(float))) == NULL)
        return fg_nomem("a request");
    int rc = FORGET_OK;
    for (size_t i = 0; rc == FORGET_OK && i < n; i++) {
        int feat_ok = 1, target_ok = 1;
        if (s->keep_rows) {
            feat_ok = !memcmp(x + i * s->in, s->x + slot[i] * s->in,
                              s->in * sizeof(float));
            target_ok = !memcmp(y + i * s->k, s->y + slot[i] * s->k,
                                s->k * sizeof(double));
        } else if (s->fp) {
            uint64_t fp[2];
            fg_dataset_fingerprint(rows, pick[i], scratch, fp);
            feat_ok = fp[0] == s->fp[2 * slot[i]];
            target_ok = fp[1] == s->fp[2 * slot[i] + 1];
        }
        if (!feat_ok || !target_ok)
            rc = fg_row_differs("analytic", forget_dataset_ids(rows)[pick[i]],
                                feat_ok, target_ok);
    }
    fg_free(scratch);
    if (rc == FORGET_OK)
        rc = forget_run_report(run, "rows_verified",
                               s->keep_rows || s->fp ? (double)n : 0.0);
    return rc;
}

static int fg_am_forget(void *state, const forget_dataset *rows,
                        forget_run *run)
{
    fg_am *s = state;
    int rc = fg_am_ranks_check(s);
    if (rc != FORGET_OK)
        return rc;
    rc = fg_model_check_data(s->model, rows, "method 'analytic'");
    size_t *slot = NULL, *pick = NULL, n = 0;
    float *x = NULL;
    double *y = NULL;
    if (rc == FORGET_OK && forget_dataset_rows(rows) > 0)
        rc = fg_am_plan(s, forget_dataset_ids(rows),
                        forget_dataset_rows(rows), &slot, &pick, &n, &x, &y,
                        run);
    for (size_t i = 0; rc == FORGET_OK && i < n; i++) {
        fg_dataset_row(rows, pick[i], x + i * s->in);
        fg_analytic_targets(s->model, rows, pick[i], pick[i] + 1,
                            y + i * s->k);
    }
    if (rc == FORGET_OK)
        rc = fg_am_verify(s, rows, slot, pick, n, x, y, run);
    /* (on many ranks the ranks agree on rc first) */
    rc = fg_am_forget_slots(s, rc, slot, n, x, y, run);
    fg_free(slot);
    fg_free(pick);
    fg_free(x);
    fg_free(y);
    return rc;
}

/* By ids, from the kept rows: the same rule and the same request as by
 * rows (an id named twice is forgotten once). */
static int fg_am_forget_ids(void *state, const uint64_t *ids, size_t count,
                            forget_run *run)
{
    fg_am *s = state;
    if (!s->keep_rows)
        return fg_error(FORGET_E_UNSUPPORTED, "method 'analytic': without "
                        "keep_rows=true it keeps no features; pass the rows "
                        "(forget_unlearner_forget)");
    int rc = fg_am_ranks_check(s);
    if (rc != FORGET_OK)
        return rc;
    size_t *slot = NULL, *pos = NULL, n = 0;
    float *x = NULL;
    double *y = NULL;
    /* On many ranks the ids are the same on every rank: each rank takes
     * those it holds; an id no rank holds is refused on every rank. */
    uint64_t *mine = NULL;
    const forget_comm *c = fg_am_comm(s);
    if (fg_comm_multi(c)) {
        rc = fg_idspread_mine(c, &s->ids, ids, count, &mine, &count,
                              "analytic");
        ids = mine;
    }
    if (rc == FORGET_OK && count > 0)
        rc = fg_am_plan(s, ids, count, &slot, &pos, &n, &x, &y, run);
    for (size_t i = 0; rc == FORGET_OK && i < n; i++) {
        memcpy(x + i * s->in, s->x + slot[i] * s->in, s->in * sizeof(float));
        memcpy(y + i * s->k, s->y + slot[i] * s->k, s->k * sizeof(double));
    }
    if (rc == FORGET_OK) /* the kept rows are the learned ones */
        rc = forget_run_report(run, "rows_verified", (double)n);
    if (rc == FORGET_OK || !fg_comm_multi(c) || mine != NULL)
        rc = fg_am_forget_slots(s, rc, slot, n, x, y, run);
    fg_free(mine);
    fg_free(slot);
    fg_free(pos);
    fg_free(x);
    fg_free(y);
    return rc;
}

/* Room for n slots of kept rows (keep_rows) or fingerprints: the arrays
 * grow by doubling, so learning a row costs O(1) amortised in the rows
 * kept (it copied them all). Contents unchanged, so a request that fails
 * later leaves the state as it was (only the first ids.n slots count). */
static int fg_am_reserve(fg_am *s, size_t n)
{
    if (n <= s->cap || (!s->keep_rows && !s->fp))
        return FORGET_OK;
    size_t cap = n > 2 * s->cap ? n : 2 * s->cap;
    cap = cap < 64 ? 64 : cap;
    if (s->keep_rows) {
        float *x = fg_realloc_array(s->x, cap, s->in * sizeof(float));
        if (x != NULL)
            s->x = x;
        double *y = x ? fg_realloc_array(s->y, cap, s->k * sizeof(double))
                      : NULL;
        if (y == NULL)
            return fg_nomem("the kept rows");
        s->y = y;
    } else {
        uint64_t *fp = fg_realloc_array(s->fp, cap, 2 * sizeof(uint64_t));
        if (fp == NULL)
            return fg_nomem("the row fingerprints");
        s->fp = fp;
    }
    s->cap = cap;
    return FORGET_OK;
}

/* After a learn succeeded: its rows (targets y, fingerprints fp) into
 * their slots; cannot fail (the room was reserved). */
static void fg_am_keep(fg_am *s, const forget_dataset *rows,
                       const size_t *slot, const double *y,
                       const uint64_t *fp)
{
    for (size_t i = 0; i < forget_dataset_rows(rows); i++) {
        if (s->keep_rows) {
            fg_dataset_row(rows, i, s->x + slot[i] * s->in);
            memcpy(s->y + slot[i] * s->k, y + i * s->k,
                   s->k * sizeof(double));
        } else if (s->fp) {
            s->fp[2 * slot[i]] = fp[2 * i];
            s->fp[2 * slot[i] + 1] = fp[2 * i + 1];
        }
    }
}

/* The request of a learn (rc: the checks' status): the rows' features as
 * floats (converted into a buffer when they are stored as bytes); on many
 * ranks every rank's rows, gathered after the ranks agree on rc. */
static int fg_am_learn_rows(fg_am *s, int rc, const forget_dataset *rows,
                            const double *y, forget_run *run)
{
    size_t m = forget_dataset_rows(rows);
    float *xb = NULL, *gx = NULL;
    double *gy = NULL;
    if (rc == FORGET_OK && m > 0 && forget_dataset_x(rows) == NULL &&
        (xb = fg_malloc_array(m, s->in * sizeof(float))) == NULL)
        rc = fg_nomem("a request");
    const float *x = rc == FORGET_OK && m > 0
                         ? fg_dataset_rows(rows, 0, m, xb) : NULL;
    size_t gn = 0;
    rc = fg_am_ranks_rows(s, rc, x, y, m, &gx, &gy, &gn);
    if (rc == FORGET_OK && gn > 0)
        rc = fg_am_request(s, gx ? gx : x, gy ? gy : y, gn, -1.0, run);
    fg_free(xb);
    fg_free(gx);
    fg_free(gy);
    return rc;
}

static int fg_am_learn(void *state, const forget_dataset *rows,
                       forget_run *run)
{
    fg_am *s = state;
    int rc = fg_am_ranks_check(s);
    if (rc != FORGET_OK)
        return rc;
    /* (on many ranks each rank passes its own new rows, possibly none; a
     * failure of the checks below is agreed on before any change) */
    rc = fg_model_check_data(s->model, rows, "method 'analytic'");
    size_t m = forget_dataset_rows(rows), total = 0;
    size_t *slot = fg_malloc_array(m ? m : 1, sizeof *slot);
    double *y = fg_malloc_array(m ? m : 1, s->k * sizeof(double));
    uint64_t *fp = NULL;
    if (rc == FORGET_OK && (slot == NULL || y == NULL))
        rc = fg_nomem("a request");
    if (rc == FORGET_OK) /* room made before the request: nothing fails after */
        rc = fg_idset_learn_plan(&s->ids, forget_dataset_ids(rows), m, slot,
                                 &total, "analytic");
    if (rc == FORGET_OK && !s->keep_rows && s->fp) {
        if ((fp = fg_malloc_array(m ? m : 1, 2 * sizeof *fp)) == NULL)
            rc = fg_nomem("the row fingerprints");
        else
            rc = fg_dataset_fingerprints(rows, NULL, fp);
    }
    if (rc == FORGET_OK)
        rc = fg_am_reserve(s, total);
    if (rc == FORGET_OK && m > 0)
        fg_analytic_targets(s->model, rows, 0, m, y);
    rc = fg_am_ranks_learn_ids(s, rc, forget_dataset_ids(rows), m);
    rc = fg_am_learn_rows(s, rc, rows, y, run);
    if (rc == FORGET_OK) {
        fg_am_keep(s, rows, slot, y, fp);
        fg_idset_learn_commit(&s->ids, forget_dataset_ids(rows), m, slot);
    }
    fg_free(slot);
    fg_free(y);
    fg_free(fp);
    return rc;
}

/* ---- state files: AGRM (G), AINV (R, or G's Cholesky factor), ABT (Bt),
 * ACNT (4 x u64: rows, Woodbury rows and calls since the refresh, 1 if
 * AINV holds the factor), ADRF (optional, f64: the drift estimate), the
 * id set, and with keep_rows the kept rows
 * (KROX float32 features, KROY float64 targets, one per slot: lib/data),
 * without them AFPR (2 x u64 fingerprints per slot).
 * W is the model's head (saved with the model). ---- */

static int fg_am_save(void *state, forget_writer *w)
{
    fg_am *s = state;
    if (!s->prepared)
        return FORGET_OK;
    /* The file holds R and G as they are: the deferred updates are applied
     * first (in place, so that this state and the one loaded from the
     * file go on bit for bit alike). */
    fg_am_flush(s);
    size_t d = s->d, c = s->k;
    unsigned char cnt[32];
    fg_put_u64(cnt, s->n_rows);
    fg_put_u64(cnt + 8, s->woodbury_rows);
    fg_put_u64(cnt + 16, s->woodbury_calls);
    fg_put_u64(cnt + 24, (uint64_t)s->r_factor);
    /* float64 little-endian: the in-memory layout on our hosts. */
    int rc = forget_writer_section(w, "AGRM", FORGET_SECTION_REQUIRED, s->g,
                                   d * d * sizeof(double));
    if (rc == FORGET_OK)
        rc = forget_writer_section(w, "AINV", FORGET_SECTION_REQUIRED, s->r,
                                   d * d * sizeof(double));
    if (rc == FORGET_OK)
        rc = forget_writer_section(w, "ABT ", FORGET_SECTION_REQUIRED, s->bt,
                                   c * d * sizeof(double));
    if (rc == FORGET_OK)
        rc = forget_writer_section(w, "ACNT", FORGET_SECTION_REQUIRED, cnt,
                                   sizeof cnt);
    if (rc == FORGET_OK) { /* optional: older libraries skip it */
        unsigned char drift[8];
        uint64_t bits;
        memcpy(&bits, &s->drift, sizeof bits);
        fg_put_u64(drift, bits);
        rc = forget_writer_section(w, "ADRF", 0, drift, sizeof drift);
    }
    if (rc == FORGET_OK)
        rc = fg_idset_save(&s->ids, w);
    if (rc == FORGET_OK && s->keep_rows)
        rc = fg_kept_slots_save(w, &fg_am_kept_tags, s->x, s->y, s->ids.n,
                                s->in, c);
    if (rc == FORGET_OK && s->fp) /* u64 little-endian, as in memory */
        rc = forget_writer_section(w, "AFPR", FORGET_SECTION_REQUIRED, s->fp,
                                   s->ids.n * 2 * sizeof(uint64_t));
    if (rc == FORGET_OK)
        rc = fg_am_ranks_save(s, w);
    return rc;
}

static double *fg_am_doubles(const fg_slot *b, size_t n, int *rc)
{
    if (*rc != FORGET_OK)
        return NULL;
    if (b->data == NULL || b->size != n * sizeof(double)) {
        *rc = fg_error(FORGET_E_FORMAT, "method 'analytic': section %s is "
                       "missing or does not fit the model", b->tag);
        return NULL;
    }
    double *v = fg_malloc_array(n ? n : 1, sizeof(double));
    if (v == NULL) {
        *rc = fg_nomem("the analytic state");
        return NULL;
    }
    fg_get_f64s(v, b->data, n);
    for (size_t i = 0; i < n; i++)
        if (!isfinite(v[i])) {
            *rc = fg_error(FORGET_E_FORMAT, "method 'analytic': section %s "
                           "holds a non-finite value", b->tag);
            fg_free(v);
            return NULL;
        }
    return v;
}

/* The counts of ACNT and the id set. */
static int fg_am_restore_counts(fg_am *s, const fg_slot *t)
{
    const fg_slot *cnt = fg_slot_get(t, "ACNT");
    if (cnt->size != 32 || fg_get_u64(cnt->data + 24) > 1)
        return fg_error(FORGET_E_FORMAT, "method 'analytic': section ACNT "
                        "is malformed");
    int rc = fg_idset_load_slots(&s->ids, t, "analytic");
    if (rc != FORGET_OK)
        return rc;
    s->n_rows = (size_t)fg_get_u64(cnt->data);
    s->woodbury_rows = (size_t)fg_get_u64(cnt->data + 8);
    s->woodbury_calls = (size_t)fg_get_u64(cnt->data + 16);
    s->r_factor = (int)fg_get_u64(cnt->data + 24);
    /* The drift estimate (ADRF); a state saved before it was kept does
     * not know it after Woodbury requests, and its next request starts
     * from a factorisation. */
    const fg_slot *adrf = fg_slot_get(t, "ADRF");
    s->drift = s->woodbury_rows > 0 ? FG_AM_DRIFT_BUDGET : 0.0;
    if (adrf->data != NULL) {
        uint64_t bits = fg_get_u64(adrf->data);
        double drift;
        memcpy(&drift, &bits, sizeof drift);
        if (adrf->size != 8 || !(drift >= 0.0 && drift <= FG_AM_DRIFT_BUDGET))
            return fg_error(FORGET_E_FORMAT, "method 'analytic': section "
                            "ADRF is malformed");
        s->drift = drift;
    }
    /* (a rank's part holds its own ids, the count is every rank's) */
    if (s->ranks == 1 ? s->n_rows != fg_idset_remembered(&s->ids)
                      : s->n_rows < fg_idset_remembered(&s->ids))
        return fg_error(FORGET_E_FORMAT, "method 'analytic': the row count "
                        "disagrees with the ids");
    return FORGET_OK;
}

/* AFPR, the fingerprints (2 x u64 per slot) of a state without kept
 * rows; absent in states saved before them, which are then not checked. */
static int fg_am_restore_fingerprints(fg_am *s, const fg_slot *afpr)
{
    if (afpr->data == NULL)
        return FORGET_OK;
    if (s->keep_rows || afpr->count != 2 * s->ids.n)
        return fg_error(FORGET_E_FORMAT, "method 'analytic': section AFPR "
                        "does not fit the state");
    if ((s->fp = fg_malloc_array(afpr->count ? afpr->count : 1,
                                 sizeof(uint64_t))) == NULL)
        return fg_nomem("the row fingerprints");
    fg_get_u64s(s->fp, afpr->data, afpr->count);
    return FORGET_OK;
}

/* The prepared state from its sections (AGRM present); W from the
 * model's head. */
static int fg_am_restore(fg_am *s, const fg_slot *t)
{
    size_t d = s->d, c = s->k;
    int rc = fg_am_ranks_load(s, fg_slot_get(t, "AMPI"));
    s->g = fg_am_doubles(fg_slot_get(t, "AGRM"), d * d, &rc);
    s->r = fg_am_doubles(fg_slot_get(t, "AINV"), d * d, &rc);
    s->bt = fg_am_doubles(fg_slot_get(t, "ABT "), c * d, &rc);
    if (rc == FORGET_OK)
        rc = fg_am_restore_counts(s, t);
    if (rc == FORGET_OK && s->keep_rows)
        rc = fg_kept_slots_load(&s->x, &s->y, t, &fg_am_kept_tags, s->ids.n,
                                s->in, c, "method 'analytic'");
    if (rc == FORGET_OK)
        rc = fg_am_restore_fingerprints(s, fg_slot_get(t, "AFPR"));
    s->cap = s->ids.n; /* what the loaders allocated */
    if (rc == FORGET_OK)
        rc = fg_am_pending_alloc(s);
    if (rc == FORGET_OK)
        fg_am_g_cleared(s);
    if (rc == FORGET_OK &&
        (s->w = fg_malloc_array(c, d * sizeof(double))) == NULL)
        rc = fg_nomem("the analytic state");
    if (rc == FORGET_OK)
        fg_analytic_get_head(s->model, s->w);
    return rc;
}

static int fg_am_load(void **state, forget_model *model,
                      const forget_params *p, forget_reader *r,
                      void *user_data)
{
    void *made = NULL;
    int rc = fg_am_create(&made, model, p, user_data);
    if (rc != FORGET_OK)
        return rc;
    fg_am *s = made;
    fg_slot t[] = {{"AGRM", 1, 0, 0, 0}, {"AINV", 1, 0, 0, 0},
                   {"ABT ", 1, 0, 0, 0}, {"ACNT", 1, 0, 0, 0},
                   {"IDS ", 1, 0, 0, 0}, {"GONE", 1, 0, 0, 0},
                   {"KROX", 1, 0, 0, 0}, {"KROY", 1, 0, 0, 0},
                   {"AFPR", 8, 0, 0, 0}, {"ADRF", 1, 0, 0, 0},
                   {"AMPI", 1, 0, 0, 0}, {NULL, 0, 0, 0, 0}};
    rc = fg_slots_read(r, t, NULL, NULL, "method 'analytic'");
    if (rc == FORGET_OK && t[0].data) {
        rc = fg_am_restore(s, t);
        s->prepared = rc == FORGET_OK;
    } else if (rc == FORGET_OK && (t[1].data || t[2].data || t[3].data)) {
        rc = fg_error(FORGET_E_FORMAT, "method 'analytic': the saved state "
                      "lacks its Gram matrix");
    }
    if (rc != FORGET_OK) {
        fg_am_destroy(s);
        return rc;
    }
    *state = s;
    return FORGET_OK;
}

static int fg_am_is_forgotten(void *state, uint64_t id, int *forgotten)
{
    const fg_am *s = state;
    return fg_idset_forgotten(&s->ids, id, forgotten);
}

const forget_method fg_method_analytic = {
    .struct_size = sizeof(forget_method),
    .abi_version = FORGET_BACKEND_ABI_VERSION,
    .flags = FORGET_METHOD_EXACT,
    .name = "analytic",
    .description = "closed-form exact unlearning of a ridge head on a frozen "
                   "feature map (models of kind analytic): Woodbury updates "
                   "or refactorisation, no retained data needed",
    .params = fg_am_params,
    .n_params = FG_AM_N_PARAMS,
    .param_def_size = sizeof(forget_param_def),
    .create = fg_am_create,
    .prepare = fg_am_prepare,
    .forget = fg_am_forget,
    .destroy = fg_am_destroy,
    .save = fg_am_save,
    .load = fg_am_load,
    .learn = fg_am_learn,
    .forget_ids = fg_am_forget_ids,
    .is_forgotten = fg_am_is_forgotten,
    .set_comm = fg_am_set_comm,
};
