/* Closed-form exact unlearning for models of kind analytic (the ACU
 * family): the ridge head W = (Phi^T Phi + gamma I)^-1 Phi^T Y is updated
 * exactly when rows are learned or forgotten.
 *
 * State (float64): G = Phi^T Phi + gamma I and Bt = Y^T Phi, exact sums;
 * R = G^-1 (upper triangles). A request of k rows (Phi_u, Y_u), sign s = +1
 * to forget and -1 to learn, is either
 *  - a Woodbury update, O(d^2 k): U = Phi_u R, S = I - s U Phi_u^T = Us^T Us,
 *    T = Us^-T U, F = Us^-T (Y_u - Phi_u W); R += s T^T T, W -= s F^T T
 *    (refused with FORGET_E_NUMERIC when S is not positive definite: rows
 *    that were never learned); or
 *  - a refactorisation, O(d^2 k + d^3): G -= s Phi_u^T Phi_u, then R and W
 *    from a Cholesky factorisation of G.
 * A cost model picks one; a refresh from G after d rows of Woodbury
 * updates bounds the rounding drift. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "util/alloc.h"
#include "format/container.h"
#include "util/error.h"
#include "data/dataset.h"
#include "la/la.h"
#include "format/sections.h"
#include "data/idset.h"
#include "model/analytic.h"

#define FG_UPD_AUTO 0
#define FG_UPD_WOODBURY 1
#define FG_UPD_REFACTOR 2

static const forget_param_def fg_an_params[] = {
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
#define FG_AN_N_PARAMS (sizeof fg_an_params / sizeof *fg_an_params)

typedef struct fg_an {
    forget_model *model;
    int update, keep_rows;
    int64_t refresh;
    int prepared;
    size_t d, k, in;
    double *g, *r, *bt; /* d x d, d x d, k x d */
    size_t n_rows;      /* rows learned now */
    int r_factor;       /* r holds G's Cholesky factor, not yet G^-1 */
    size_t woodbury_rows, woodbury_calls; /* since the last refresh */
    fg_idset ids;
    float *x;   /* keep_rows: ids.n x in features, zeroed when forgotten */
    double *y;  /* keep_rows: ids.n x k targets */
    /* Kept between requests so that no request faults in fresh pages:
     * the temporaries of a request, the feature map's scratch, and the
     * spare d x d buffers a refactorisation or refresh writes into (then
     * swaps with G and R). */
    fg_dwork work, feat;
    double *spare_g, *spare_r, *spare_w;
} fg_an;

static int fg_an_create(void **state, forget_model *model,
                        const forget_params *p, void *user_data)
{
    (void)user_data;
    if (!fg_is_analytic(model))
        return fg_error(FORGET_E_INVALID, "method 'analytic': needs a model "
                        "of kind analytic, not '%s'", model->kind);
    fg_an *s = fg_calloc(1, sizeof *s);
    if (s == NULL)
        return fg_nomem("the analytic state");
    size_t upd;
    forget_params_enum(p, "update", &upd);
    forget_params_int(p, "refresh", &s->refresh);
    forget_params_bool(p, "keep_rows", &s->keep_rows);
    s->update = (int)upd;
    s->model = model;
    s->d = fg_analytic_dim(model);
    s->k = model->outputs;
    s->in = model->inputs;
    *state = s;
    return FORGET_OK;
}

static void fg_an_free_arrays(fg_an *s)
{
    fg_free(s->g);
    fg_free(s->r);
    fg_free(s->bt);
    fg_free(s->x);
    fg_free(s->y);
    fg_free(s->spare_g);
    fg_free(s->spare_r);
    fg_free(s->spare_w);
    fg_dwork_free(&s->work);
    fg_dwork_free(&s->feat);
    fg_idset_free(&s->ids);
    s->g = s->r = s->bt = s->y = NULL;
    s->spare_g = s->spare_r = s->spare_w = NULL;
    s->x = NULL;
}

static void fg_an_destroy(void *state)
{
    fg_an *s = state;
    if (s == NULL)
        return;
    fg_an_free_arrays(s);
    fg_free(s);
}

/* r = the Cholesky factor of g (d x d upper) and wt = bt g^-1; the
 * inverse is formed only when a Woodbury request needs it (fg_an_inverse),
 * so a refactorisation costs what numpy's Gram downdate does.
 * FORGET_E_NUMERIC if g is not positive definite. */
static int fg_an_factor(size_t d, size_t k, const double *g, const double *bt,
                        double *r, double *wt)
{
    memcpy(r, g, d * d * sizeof *r);
    memcpy(wt, bt, k * d * sizeof *wt);
    if (fg_dpotrf(d, r, d) != 0 || fg_dpotrs_rows(d, k, r, d, wt, d) != 0)
        return fg_error(FORGET_E_NUMERIC, "method 'analytic': the Gram "
                        "matrix is not positive definite");
    return FORGET_OK;
}

static int fg_an_prepare(void *state, const forget_dataset *train,
                         forget_run *run)
{
    fg_an *s = state;
    int rc = fg_model_check_data(s->model, train, "method 'analytic'");
    if (rc != FORGET_OK)
        return rc;
    size_t d = s->d, k = s->k;
    fg_an n = *s;
    memset(&n.ids, 0, sizeof n.ids);
    memset(&n.work, 0, sizeof n.work);
    memset(&n.feat, 0, sizeof n.feat);
    n.g = fg_calloc(d * d, sizeof(double));
    n.r = fg_malloc_array(d * d, sizeof(double));
    n.bt = fg_calloc(k * d, sizeof(double));
    /* The spares are touched now (calloc), so that no request pays for
     * faulting in fresh pages. */
    n.spare_g = fg_calloc(d * d, sizeof(double));
    n.spare_r = fg_calloc(d * d, sizeof(double));
    n.spare_w = fg_calloc(k * d, sizeof(double));
    n.x = NULL;
    n.y = NULL;
    double *wt = fg_malloc_array(k * d, sizeof(double));
    rc = n.g && n.r && n.bt && n.spare_g && n.spare_r && n.spare_w && wt
             ? FORGET_OK
             : fg_nomem("the Gram matrix");
    if (rc == FORGET_OK && s->keep_rows) {
        n.x = fg_malloc_array(train->n ? train->n : 1, s->in * sizeof(float));
        n.y = fg_malloc_array(train->n ? train->n : 1, k * sizeof(double));
        if (!n.x || !n.y)
            rc = fg_nomem("the kept rows");
    }
    if (rc == FORGET_OK)
        rc = fg_idset_from(&n.ids, train);
    if (rc == FORGET_OK)
        rc = fg_analytic_stats(s->model, train, n.g, n.bt, run);
    if (rc == FORGET_OK) {
        for (size_t i = 0; i < d; i++)
            n.g[i * d + i] += fg_analytic_gamma(s->model);
        rc = fg_an_factor(d, k, n.g, n.bt, n.r, wt);
    }
    if (rc != FORGET_OK) {
        fg_an_free_arrays(&n);
        fg_free(wt);
        return rc;
    }
    if (s->keep_rows && train->n) {
        for (size_t i = 0; i < train->n; i++)
            fg_dataset_row(train, i, n.x + i * s->in);
        fg_analytic_targets(s->model, train, 0, train->n, n.y);
    }
    fg_an_free_arrays(s);
    *s = n;
    s->n_rows = train->n;
    /* Form R now: prepare is slow anyway, the first request should not be. */
    fg_dpotri(d, s->r, d);
    s->r_factor = 0;
    s->woodbury_rows = s->woodbury_calls = 0;
    s->prepared = 1;
    memcpy(fg_analytic_head(s->model), wt, k * d * sizeof(double));
    fg_analytic_sync(s->model);
    fg_free(wt);
    return FORGET_OK;
}

/* The cost model: a Woodbury request does about 4 d^2 k multiply-adds (U,
 * the update of R, the update of G) at the low efficiency of thin BLAS-3
 * calls; a refactorisation d^2 k + d^3 / 3 (the Gram update and a
 * Cholesky factorisation). On the benchmark machine the crossover sits
 * near k = d / 6 for d = 785 and 2049 (BENCHMARKS.md). */
static int fg_an_use_woodbury(const fg_an *s, size_t k)
{
    if (s->update != FG_UPD_AUTO)
        return s->update == FG_UPD_WOODBURY;
    return 6 * k < s->d;
}

/* Everything a request computes before anything changes: pointers into
 * the state's kept work space. */
typedef struct fg_an_req {
    size_t k;                   /* rows */
    double *phi, *y;            /* k x d, k x c */
    double *u, *smat, *f, *bt2; /* k x d, k x k, k x c, c x d */
} fg_an_req;

static int fg_an_req_alloc(fg_an *s, fg_an_req *q, size_t k)
{
    size_t d = s->d, c = s->k, total;
    if (fg_mul_size(k, 2 * d + 2 * c + k, &total) != 0 ||
        total > SIZE_MAX / sizeof(double) - c * d)
        return fg_error(FORGET_E_INVALID, "method 'analytic': a request of "
                        "%zu rows is too large", k);
    double *b = fg_dwork_get(&s->work, total + c * d);
    if (b == NULL)
        return fg_nomem("a request");
    q->k = k;
    q->phi = b;
    q->u = b + k * d;
    q->y = q->u + k * d;
    q->f = q->y + k * c;
    q->smat = q->f + k * c;
    q->bt2 = q->smat + k * k;
    return FORGET_OK;
}

/* The spare buffers a refactorisation or refresh writes into. */
static int fg_an_spares(fg_an *s)
{
    size_t d = s->d;
    if (!s->spare_g)
        s->spare_g = fg_malloc_array(d, d * sizeof(double));
    if (!s->spare_r)
        s->spare_r = fg_malloc_array(d, d * sizeof(double));
    if (!s->spare_w)
        s->spare_w = fg_malloc_array(s->k, d * sizeof(double));
    if (!s->spare_g || !s->spare_r || !s->spare_w)
        return fg_nomem("a refactorisation");
    return FORGET_OK;
}

/* R = G^-1 for a Woodbury request: s->r itself, or, when it holds the
 * Cholesky factor, the inverse formed in the spare buffer (swapped in at
 * commit, so that a refused request leaves the state byte-identical). */
static int fg_an_inverse(fg_an *s, const double **rinv)
{
    *rinv = s->r;
    if (!s->r_factor)
        return FORGET_OK;
    int rc = fg_an_spares(s);
    if (rc != FORGET_OK)
        return rc;
    memcpy(s->spare_r, s->r, s->d * s->d * sizeof(double));
    fg_dpotri(s->d, s->spare_r, s->d); /* the factor is valid: no failure */
    *rinv = s->spare_r;
    return FORGET_OK;
}

/* Woodbury, first half: U, S and its factor, F; nothing changes yet. */
static int fg_an_woodbury_plan(const fg_an *s, fg_an_req *q, double sign,
                               const double *wt, const double *rinv)
{
    size_t d = s->d, c = s->k, k = q->k;
    if (k == 1)
        fg_dsymv(d, 1.0, rinv, d, q->phi, 0.0, q->u);
    else
        fg_dsymm(1, k, d, 1.0, rinv, d, q->phi, d, 0.0, q->u, d);
    /* S = I - s U Phi^T */
    fg_dgemm(0, 1, k, k, d, -sign, q->u, d, q->phi, d, 0.0, q->smat, k);
    for (size_t i = 0; i < k; i++)
        q->smat[i * k + i] += 1.0;
    if (fg_dpotrf(k, q->smat, k) != 0)
        return fg_error(FORGET_E_NUMERIC, "method 'analytic': I - Phi_u R "
                        "Phi_u^T is not positive definite: rows that were "
                        "never learned, or features that differ from the "
                        "learned ones");
    /* F = Y_u - Phi_u W (k x c), then T = Us^-T U and F = Us^-T F. */
    memcpy(q->f, q->y, k * c * sizeof(double));
    fg_dgemm(0, 1, k, c, d, -1.0, q->phi, d, wt, d, 1.0, q->f, c);
    fg_dtrsm_ut(k, d, q->smat, k, q->u, d);
    fg_dtrsm_ut(k, c, q->smat, k, q->f, c);
    return FORGET_OK;
}

/* Refactorisation: G', R' and W' into the spare buffers. */
static int fg_an_refactor_plan(fg_an *s, fg_an_req *q, double sign)
{
    size_t d = s->d, c = s->k, k = q->k;
    int rc = fg_an_spares(s);
    if (rc != FORGET_OK)
        return rc;
    memcpy(s->spare_g, s->g, d * d * sizeof(double));
    fg_dsyrk(1, d, k, -sign, q->phi, d, 1.0, s->spare_g, d);
    memcpy(q->bt2, s->bt, c * d * sizeof(double));
    fg_dgemm(1, 0, c, d, k, -sign, q->y, c, q->phi, d, 1.0, q->bt2, d);
    if (fg_an_factor(d, c, s->spare_g, q->bt2, s->spare_r, s->spare_w) !=
        FORGET_OK)
        return fg_error(FORGET_E_NUMERIC, "method 'analytic': the Gram "
                        "matrix after the request is not positive definite: "
                        "rows that were never learned");
    return FORGET_OK;
}

static void fg_an_swap(double **a, double **b)
{
    double *t = *a;
    *a = *b;
    *b = t;
}

/* Apply a planned request; nothing here can fail. */
static void fg_an_commit(fg_an *s, fg_an_req *q, double sign, int woodbury)
{
    size_t d = s->d, c = s->k, k = q->k;
    double *wt = fg_analytic_head(s->model);
    fg_dgemm(1, 0, c, d, k, -sign, q->y, c, q->phi, d, 1.0, s->bt, d);
    if (woodbury) {
        if (s->r_factor) { /* the inverse was formed in the spare */
            fg_an_swap(&s->r, &s->spare_r);
            s->r_factor = 0;
        }
        if (k == 1)
            fg_dsyr(d, sign, q->u, s->r, d);
        else
            fg_dsyrk(1, d, k, sign, q->u, d, 1.0, s->r, d);
        fg_dgemm(1, 0, c, d, k, -sign, q->f, c, q->u, d, 1.0, wt, d);
        if (k == 1)
            fg_dsyr(d, -sign, q->phi, s->g, d);
        else
            fg_dsyrk(1, d, k, -sign, q->phi, d, 1.0, s->g, d);
        s->woodbury_rows += k;
        s->woodbury_calls++;
    } else {
        fg_an_swap(&s->g, &s->spare_g);
        fg_an_swap(&s->r, &s->spare_r);
        s->r_factor = 1;
        memcpy(wt, s->spare_w, c * d * sizeof(double));
        s->woodbury_rows = s->woodbury_calls = 0;
    }
    s->n_rows = sign > 0 ? s->n_rows - k : s->n_rows + k;
    fg_analytic_sync(s->model);
}

/* Recompute R and W from the exact sums when the drift budget is spent;
 * a failure keeps the (valid) Woodbury results. */
static void fg_an_maybe_refresh(fg_an *s, forget_run *run)
{
    int due = s->refresh > 0 ? s->woodbury_calls >= (size_t)s->refresh
                             : s->woodbury_rows >= s->d;
    if (!due || fg_an_spares(s) != FORGET_OK)
        return;
    size_t d = s->d, c = s->k;
    if (fg_an_factor(d, c, s->g, s->bt, s->spare_r, s->spare_w) != FORGET_OK)
        return;
    fg_an_swap(&s->r, &s->spare_r);
    s->r_factor = 1;
    memcpy(fg_analytic_head(s->model), s->spare_w, c * d * sizeof(double));
    fg_analytic_sync(s->model);
    s->woodbury_rows = s->woodbury_calls = 0;
    forget_run_report(run, "refreshed", 1);
}

/* Which kept buffers existed before a request: a failed request frees the
 * ones it created, so that it leaves the state as it found it. */
typedef struct fg_an_had {
    int work, feat, g, r, w;
} fg_an_had;

static fg_an_had fg_an_mark(const fg_an *s)
{
    fg_an_had h = {s->work.buf != NULL, s->feat.buf != NULL,
                   s->spare_g != NULL, s->spare_r != NULL, s->spare_w != NULL};
    return h;
}

static void fg_an_unmark(fg_an *s, fg_an_had h)
{
    if (!h.work)
        fg_dwork_free(&s->work);
    if (!h.feat)
        fg_dwork_free(&s->feat);
    if (!h.g) {
        fg_free(s->spare_g);
        s->spare_g = NULL;
    }
    if (!h.r) {
        fg_free(s->spare_r);
        s->spare_r = NULL;
    }
    if (!h.w) {
        fg_free(s->spare_w);
        s->spare_w = NULL;
    }
}

/* One request over k rows given as features x (k x in) and targets y
 * (k x c, already expanded). */
static int fg_an_request(fg_an *s, const float *x, const double *y, size_t k,
                         double sign, forget_run *run)
{
    fg_an_req q;
    memset(&q, 0, sizeof q);
    fg_an_had had = fg_an_mark(s);
    int rc = fg_an_req_alloc(s, &q, k);
    if (rc == FORGET_OK)
        rc = fg_analytic_features(s->model, x, k, q.phi, &s->feat);
    if (rc == FORGET_OK)
        memcpy(q.y, y, k * s->k * sizeof(double));
    int woodbury = fg_an_use_woodbury(s, k);
    if (rc == FORGET_OK)
        rc = forget_run_report(run, "woodbury", woodbury);
    if (rc == FORGET_OK)
        rc = forget_run_report(run, "rows", (double)k);
    if (rc == FORGET_OK)
        rc = forget_run_report(run, "refreshed", 0);
    const double *rinv = NULL;
    if (rc == FORGET_OK && woodbury)
        rc = fg_an_inverse(s, &rinv);
    if (rc == FORGET_OK)
        rc = woodbury ? fg_an_woodbury_plan(s, &q, sign,
                                            fg_analytic_head(s->model), rinv)
                      : fg_an_refactor_plan(s, &q, sign);
    if (rc == FORGET_OK)
        rc = forget_run_progress(run, 0.9);
    if (rc == FORGET_OK) {
        fg_an_commit(s, &q, sign, woodbury);
        fg_an_maybe_refresh(s, run);
    } else {
        fg_an_unmark(s, had);
    }
    return rc;
}

static int fg_an_forget(void *state, const forget_dataset *rows,
                        forget_run *run)
{
    fg_an *s = state;
    int rc = fg_model_check_data(s->model, rows, "method 'analytic'");
    if (rc != FORGET_OK)
        return rc;
    size_t *pick = fg_malloc_array(rows->n, sizeof *pick), n = 0, repeats = 0;
    size_t *slot = fg_malloc_array(rows->n, sizeof *slot);
    float *x = NULL;
    double *y = NULL;
    if (pick == NULL || slot == NULL) {
        fg_free(pick);
        fg_free(slot);
        return fg_nomem("a request");
    }
    rc = fg_idset_request(&s->ids, rows->ids, rows->n, slot, pick, &n,
                          &repeats, "analytic");
    if (rc == FORGET_OK)
        rc = forget_run_report(run, "already_forgotten", (double)repeats);
    if (rc == FORGET_OK && n > 0) {
        x = fg_malloc_array(n, s->in * sizeof(float));
        y = fg_malloc_array(n, s->k * sizeof(double));
        double *one = fg_malloc_array(1, s->k * sizeof(double));
        if (!x || !y || !one)
            rc = fg_nomem("a request");
        for (size_t i = 0; rc == FORGET_OK && i < n; i++) {
            fg_dataset_row(rows, pick[i], x + i * s->in);
            fg_analytic_targets(s->model, rows, pick[i], pick[i] + 1, one);
            memcpy(y + i * s->k, one, s->k * sizeof(double));
        }
        fg_free(one);
        if (rc == FORGET_OK)
            rc = fg_an_request(s, x, y, n, 1.0, run);
    }
    if (rc == FORGET_OK) {
        fg_idset_mark(&s->ids, slot, n);
        for (size_t i = 0; i < n; i++) {
            size_t at = slot[i];
            if (s->keep_rows) { /* erase what was kept of the row */
                memset(s->x + at * s->in, 0, s->in * sizeof(float));
                memset(s->y + at * s->k, 0, s->k * sizeof(double));
            }
        }
    }
    fg_free(pick);
    fg_free(slot);
    fg_free(x);
    fg_free(y);
    return rc;
}

static int fg_an_forget_ids(void *state, const uint64_t *ids, size_t count,
                            forget_run *run)
{
    fg_an *s = state;
    if (!s->keep_rows)
        return fg_error(FORGET_E_UNSUPPORTED, "method 'analytic': without "
                        "keep_rows=true it keeps no features; pass the rows "
                        "(forget_unlearner_forget)");
    /* Build a dataset of the kept rows, then forget it like any other. */
    size_t *slot = fg_malloc_array(count, sizeof *slot), n = 0;
    if (slot == NULL)
        return fg_nomem("a request");
    int rc = FORGET_OK;
    for (size_t i = 0; rc == FORGET_OK && i < count; i++) {
        size_t at;
        if (!fg_idmap_find(&s->ids.index, ids[i], &at))
            rc = fg_error(FORGET_E_NOT_FOUND, "method 'analytic': sample id "
                          "%llu (entry %zu of the request) was never learned",
                          (unsigned long long)ids[i], i);
        else
            slot[n++] = at;
    }
    forget_dataset *ds = NULL;
    if (rc == FORGET_OK)
        rc = fg_dataset_new(&ds, n, s->in,
                            s->model->task == FORGET_TASK_REGRESSION
                                ? FORGET_TASK_REGRESSION
                                : FORGET_TASK_CLASSIFICATION,
                            s->k, "method 'analytic'");
    if (rc == FORGET_OK) {
        for (size_t i = 0; i < n; i++) {
            memcpy(ds->x + i * s->in, s->x + slot[i] * s->in,
                   s->in * sizeof(float));
            ds->ids[i] = s->ids.ids[slot[i]];
            const double *y = s->y + slot[i] * s->k;
            if (ds->labels) {
                size_t best = 0;
                for (size_t j = 1; j < s->k; j++)
                    best = y[j] > y[best] ? j : best;
                ds->labels[i] = (int32_t)best;
            } else {
                for (size_t j = 0; j < s->k; j++)
                    ds->targets[i * s->k + j] = (float)y[j];
            }
        }
        rc = fg_dataset_seal(&ds, s->k, "method 'analytic'");
    }
    if (rc == FORGET_OK) {
        rc = fg_an_forget(s, ds, run);
        forget_dataset_free(ds);
    }
    fg_free(slot);
    return rc;
}

static int fg_an_learn(void *state, const forget_dataset *rows,
                       forget_run *run)
{
    fg_an *s = state;
    int rc = fg_model_check_data(s->model, rows, "method 'analytic'");
    if (rc != FORGET_OK)
        return rc;
    fg_idset ids;
    size_t *slot = fg_malloc_array(rows->n, sizeof *slot);
    double *y = fg_malloc_array(rows->n, s->k * sizeof(double));
    float *kx = NULL;
    double *ky = NULL;
    memset(&ids, 0, sizeof ids);
    rc = slot && y ? FORGET_OK : fg_nomem("a request");
    if (rc == FORGET_OK)
        rc = fg_idset_with(&s->ids, rows->ids, rows->n, &ids, slot,
                           "analytic");
    if (rc == FORGET_OK && s->keep_rows) {
        kx = fg_realloc_array(NULL, ids.n, s->in * sizeof(float));
        ky = fg_realloc_array(NULL, ids.n, s->k * sizeof(double));
        if (!kx || !ky)
            rc = fg_nomem("the kept rows");
    }
    float *xb = NULL; /* the rows as floats when they are stored as bytes */
    if (rc == FORGET_OK && rows->x8 &&
        (xb = fg_malloc_array(rows->n, s->in * sizeof(float))) == NULL)
        rc = fg_nomem("a request");
    if (rc == FORGET_OK) {
        fg_analytic_targets(s->model, rows, 0, rows->n, y);
        rc = fg_an_request(s, fg_dataset_rows(rows, 0, rows->n, xb), y,
                           rows->n, -1.0, run);
    }
    fg_free(xb);
    if (rc == FORGET_OK) {
        if (s->keep_rows) {
            memcpy(kx, s->x, s->ids.n * s->in * sizeof(float));
            memcpy(ky, s->y, s->ids.n * s->k * sizeof(double));
            for (size_t i = 0; i < rows->n; i++) {
                fg_dataset_row(rows, i, kx + slot[i] * s->in);
                memcpy(ky + slot[i] * s->k, y + i * s->k,
                       s->k * sizeof(double));
            }
            fg_free(s->x);
            fg_free(s->y);
            s->x = kx;
            s->y = ky;
            kx = NULL;
            ky = NULL;
        }
        fg_idset_free(&s->ids);
        s->ids = ids;
        memset(&ids, 0, sizeof ids);
    }
    fg_idset_free(&ids);
    fg_free(slot);
    fg_free(y);
    fg_free(kx);
    fg_free(ky);
    return rc;
}

/* ---- state files: AGRM (G), AINV (R, or G's Cholesky factor), ABT (Bt),
 * ACNT (4 x u64: rows, Woodbury rows and calls since the refresh, 1 if
 * AINV holds the factor), the id set, and with
 * keep_rows KROX (float32 features) and KROY (float64 targets) ---- */

static int fg_an_save(void *state, forget_writer *w)
{
    fg_an *s = state;
    if (!s->prepared)
        return FORGET_OK;
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
    if (rc == FORGET_OK)
        rc = fg_idset_save(&s->ids, w);
    if (rc == FORGET_OK && s->keep_rows)
        rc = forget_writer_section(w, "KROX", FORGET_SECTION_REQUIRED, s->x,
                                   s->ids.n * s->in * sizeof(float));
    if (rc == FORGET_OK && s->keep_rows)
        rc = forget_writer_section(w, "KROY", FORGET_SECTION_REQUIRED, s->y,
                                   s->ids.n * c * sizeof(double));
    return rc;
}

static double *fg_an_doubles(const fg_slot *b, size_t n, int *rc)
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

static int fg_an_load(void **state, forget_model *model,
                      const forget_params *p, forget_reader *r,
                      void *user_data)
{
    void *made = NULL;
    int rc = fg_an_create(&made, model, p, user_data);
    if (rc != FORGET_OK)
        return rc;
    fg_an *s = made;
    fg_slot b[9] = {{"AGRM", 1, 0, 0, 0}, {"AINV", 1, 0, 0, 0}, {"ABT ", 1, 0, 0, 0},
                    {"ACNT", 1, 0, 0, 0}, {"IDS ", 1, 0, 0, 0}, {"GONE", 1, 0, 0, 0},
                    {"KROX", 1, 0, 0, 0}, {"KROY", 1, 0, 0, 0}, {NULL, 0, 0, 0, 0}};
    rc = fg_slots_read(r, b, NULL, NULL, "method 'analytic'");
    if (rc == 0 && b[0].data) {
        size_t d = s->d, c = s->k;
        s->g = fg_an_doubles(&b[0], d * d, &rc);
        s->r = fg_an_doubles(&b[1], d * d, &rc);
        s->bt = fg_an_doubles(&b[2], c * d, &rc);
        if (rc == 0 && (b[3].size != 32 ||
                        fg_get_u64((const unsigned char *)b[3].data + 24) > 1))
            rc = fg_error(FORGET_E_FORMAT, "method 'analytic': section ACNT "
                          "is malformed");
        if (rc == 0)
            rc = fg_idset_load(&s->ids, b[4].data, b[4].size, b[5].data,
                               b[5].size, "analytic");
        if (rc == 0) {
            s->n_rows = (size_t)fg_get_u64(b[3].data);
            s->woodbury_rows = (size_t)fg_get_u64((const unsigned char *)
                                                  b[3].data + 8);
            s->woodbury_calls = (size_t)fg_get_u64((const unsigned char *)
                                                   b[3].data + 16);
            s->r_factor = (int)fg_get_u64((const unsigned char *)b[3].data +
                                          24);
            if (s->n_rows != s->ids.n - s->ids.n_gone)
                rc = fg_error(FORGET_E_FORMAT, "method 'analytic': the row "
                              "count disagrees with the ids");
        }
        if (rc == 0 && s->keep_rows) {
            size_t nx = s->ids.n * s->in;
            if (b[6].size != nx * sizeof(float) ||
                b[7].size != s->ids.n * c * sizeof(double))
                rc = fg_error(FORGET_E_FORMAT, "method 'analytic': the kept "
                              "rows are missing or do not fit");
            if (rc == 0 && (s->x = fg_malloc_array(nx ? nx : 1,
                                                   sizeof(float))) == NULL)
                rc = fg_nomem("the kept rows");
            if (rc == 0)
                fg_get_f32s(s->x, b[6].data, nx);
            if (rc == 0)
                s->y = fg_an_doubles(&b[7], s->ids.n * c, &rc);
        }
        s->prepared = rc == 0;
    } else if (rc == 0 && (b[1].data || b[2].data || b[3].data)) {
        rc = fg_error(FORGET_E_FORMAT, "method 'analytic': the saved state "
                      "lacks its Gram matrix");
    }
    if (rc != 0) {
        fg_an_destroy(s);
        return rc;
    }
    *state = s;
    return FORGET_OK;
}

const forget_method fg_method_analytic = {
    .struct_size = sizeof(forget_method),
    .abi_version = FORGET_BACKEND_ABI_VERSION,
    .flags = FORGET_METHOD_EXACT,
    .name = "analytic",
    .description = "closed-form exact unlearning of a ridge head on a frozen "
                   "feature map (models of kind analytic): Woodbury updates "
                   "or refactorisation, no retained data needed",
    .params = fg_an_params,
    .n_params = FG_AN_N_PARAMS,
    .param_def_size = sizeof(forget_param_def),
    .create = fg_an_create,
    .prepare = fg_an_prepare,
    .forget = fg_an_forget,
    .destroy = fg_an_destroy,
    .save = fg_an_save,
    .load = fg_an_load,
    .learn = fg_an_learn,
    .forget_ids = fg_an_forget_ids,
};
