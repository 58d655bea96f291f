/* The analytic method's arithmetic: a request as a Woodbury update of
 * R = G^-1 and W, or as a refactorisation of G; planned first (nothing
 * changes), then committed (nothing can fail). See analytic.c. */
#include <float.h>
#include <math.h>
#include <string.h>

#include "forget/backend.h"
#include "model/kit.h"
#include "methods/analytic_update.h"

/* The inverse is formed only when a Woodbury request needs it
 * (fg_am_inverse), so a refactorisation costs what numpy's Gram downdate
 * does. */
int fg_am_factor(size_t d, size_t k, const double *g, const double *bt,
                 double *r, double *wt)
{
    memcpy(r, g, d * d * sizeof *r);
    memcpy(wt, bt, k * d * sizeof *wt);
    if (fg_dpotrf(d, r, d) != 0 || fg_dpotrs_rows(d, k, r, d, wt, d) != 0)
        return fg_error(FORGET_E_NUMERIC, "method 'analytic': the Gram "
                        "matrix is not positive definite");
    return FORGET_OK;
}

/* The cost model: a Woodbury request does about 4 d^2 k multiply-adds (U,
 * the update of R, the update of G) at the low efficiency of thin BLAS-3
 * calls; a refactorisation d^2 k + d^3 / 3 (the Gram update and a
 * Cholesky factorisation). On the benchmark machine the crossover sits
 * near k = d / 6 for d = 785 and 2049 (BENCHMARKS.md). */
static int fg_am_use_woodbury(const fg_am *s, size_t k)
{
    if (s->update != FG_UPD_AUTO)
        return s->update == FG_UPD_WOODBURY;
    return 6 * k < s->d;
}


/* Everything a request computes before anything changes: pointers into
 * the state's kept work space. */
typedef struct fg_am_req {
    size_t k;                   /* rows */
    double amp;                 /* Woodbury's error amplification */
    double *phi, *y;            /* k x d, k x c */
    double *u, *smat, *f, *bt2; /* k x d, k x k, k x c, c x d */
} fg_am_req;

static int fg_am_req_alloc(fg_am *s, fg_am_req *q, size_t k)
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
static int fg_am_spares(fg_am *s)
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
static int fg_am_inverse(fg_am *s, double **rinv)
{
    *rinv = s->r;
    if (!s->r_factor)
        return FORGET_OK;
    int rc = fg_am_spares(s);
    if (rc != FORGET_OK)
        return rc;
    memcpy(s->spare_r, s->r, s->d * s->d * sizeof(double));
    fg_dpotri(s->d, s->spare_r, s->d); /* the factor is valid: no failure */
    *rinv = s->spare_r;
    return FORGET_OK;
}

/* A lower bound on cond(G) (both diagonals are positive: G and R are
 * positive definite). O(d). */
static double fg_am_cond(const fg_am *s, const double *rinv)
{
    double r = 0.0;
    for (size_t i = 0; i < s->d; i++)
        r = fmax(r, rinv[i * s->d + i]);
    return fg_am_g_diag_max(s) * r;
}

/* Woodbury, first half: U, S and its factor, F. Nothing changes but
 * where R's pending update is kept (applied to R by the sweep that forms
 * U: R's value and its later bits are the same). */
static int fg_am_woodbury_plan(fg_am *s, fg_am_req *q, double sign,
                               double *rinv)
{
    size_t d = s->d, c = s->k, k = q->k;
    fg_am_r_product(s, rinv, q->phi, k, q->u);
    /* S = I - s U Phi^T */
    fg_dgemm(0, 1, k, k, d, -sign, q->u, d, q->phi, d, 0.0, q->smat, k);
    double lev = 0.0; /* the largest |diag(Phi_u R Phi_u^T)| */
    for (size_t i = 0; i < k; i++) {
        lev = fmax(lev, fabs(q->smat[i * k + i]));
        q->smat[i * k + i] += 1.0;
    }
    q->amp = INFINITY;
    if (fg_dpotrf(k, q->smat, k) != 0)
        return FORGET_OK; /* not positive definite: amp says refactor */
    double piv = INFINITY; /* the smallest pivot of S, squared */
    for (size_t i = 0; i < k; i++)
        piv = fmin(piv, q->smat[i * k + i] * q->smat[i * k + i]);
    q->amp = lev + lev / piv;
    /* F = Y_u - Phi_u W (k x c), then T = Us^-T U and F = Us^-T F. */
    memcpy(q->f, q->y, k * c * sizeof(double));
    fg_dgemm(0, 1, k, c, d, -1.0, q->phi, d, s->w, d, 1.0, q->f, c);
    fg_dtrsm_ut(k, d, q->smat, k, q->u, d);
    fg_dtrsm_ut(k, c, q->smat, k, q->f, c);
    return FORGET_OK;
}

/* Refactorisation: G', R' and W' into the spare buffers. */
static int fg_am_refactor_plan(fg_am *s, fg_am_req *q, double sign)
{
    size_t d = s->d, c = s->k, k = q->k;
    int rc = fg_am_spares(s);
    if (rc != FORGET_OK)
        return rc;
    memcpy(s->spare_g, s->g, d * d * sizeof(double));
    fg_am_g_apply(s, s->spare_g); /* G's buffered changes, in the copy */
    fg_dsyrk(1, d, k, -sign, q->phi, d, 1.0, s->spare_g, d);
    memcpy(q->bt2, s->bt, c * d * sizeof(double));
    fg_dgemm(1, 0, c, d, k, -sign, q->y, c, q->phi, d, 1.0, q->bt2, d);
    if (fg_am_factor(d, c, s->spare_g, q->bt2, s->spare_r, s->spare_w) ==
        FORGET_OK)
        return FORGET_OK;
    if (s->keep_rows || s->fp) /* the rows were checked: it is numerics */
        return fg_error(FORGET_E_NUMERIC, "method 'analytic': numerically "
                        "ill-conditioned: after the request the Gram matrix "
                        "of %zu rows in %zu features with gamma=%g is not "
                        "positive definite in float64 (gamma too small for "
                        "this many rows); use a larger gamma",
                        sign > 0 ? s->n_rows - k : s->n_rows + k, d,
                        fg_analytic_gamma(s->model));
    return fg_error(FORGET_E_NUMERIC, "method 'analytic': the Gram matrix "
                    "after the request is not positive definite: the rows "
                    "differ from the learned ones (this state, saved before "
                    "row fingerprints, cannot tell) or gamma=%g is too small",
                    fg_analytic_gamma(s->model));
}

static void fg_am_swap(double **a, double **b)
{
    double *t = *a;
    *a = *b;
    *b = t;
}

/* Apply a planned request to the state (not yet to the model); nothing
 * here can fail. */
static void fg_am_commit(fg_am *s, fg_am_req *q, double sign, int woodbury)
{
    size_t d = s->d, c = s->k, k = q->k;
    fg_dgemm(1, 0, c, d, k, -sign, q->y, c, q->phi, d, 1.0, s->bt, d);
    if (woodbury) {
        if (s->r_factor) { /* the inverse was formed in the spare */
            fg_am_swap(&s->r, &s->spare_r);
            s->r_factor = 0;
        }
        fg_am_r_push(s, q->u, k, sign); /* applied by the next sweep */
        fg_dgemm(1, 0, c, d, k, -sign, q->f, c, q->u, d, 1.0, s->w, d);
        fg_am_g_push(s, q->phi, k, sign);
        s->woodbury_rows += k;
        s->woodbury_calls++;
    } else {
        fg_am_swap(&s->g, &s->spare_g);
        fg_am_swap(&s->r, &s->spare_r);
        fg_am_swap(&s->w, &s->spare_w);
        s->r_factor = 1;
        s->woodbury_rows = s->woodbury_calls = 0;
        s->pend_n = 0; /* the old R's */
        fg_am_g_cleared(s); /* its rows are in the new G */
    }
    s->n_rows = sign > 0 ? s->n_rows - k : s->n_rows + k;
}

/* Recompute R and W from the exact sums when the drift budget is spent;
 * a failure keeps the (valid) Woodbury results. */
static void fg_am_maybe_refresh(fg_am *s, forget_run *run)
{
    int due = s->refresh > 0 ? s->woodbury_calls >= (size_t)s->refresh
                             : s->woodbury_rows >= s->d;
    if (!due || fg_am_spares(s) != FORGET_OK)
        return;
    size_t d = s->d, c = s->k;
    fg_am_g_flush(s);
    if (fg_am_factor(d, c, s->g, s->bt, s->spare_r, s->spare_w) != FORGET_OK)
        return;
    s->pend_n = 0; /* the old R's */
    fg_am_swap(&s->r, &s->spare_r);
    fg_am_swap(&s->w, &s->spare_w);
    s->r_factor = 1;
    s->woodbury_rows = s->woodbury_calls = 0;
    s->drift = 0.0;
    forget_run_report(run, "refreshed", 1);
}

/* Which kept buffers existed before a request: a failed request frees the
 * ones it created, so that it leaves the state as it found it. */
typedef struct fg_am_had {
    int work, feat, g, r, w;
} fg_am_had;

static fg_am_had fg_am_mark(const fg_am *s)
{
    fg_am_had h = {s->work.buf != NULL, s->feat.buf != NULL,
                   s->spare_g != NULL, s->spare_r != NULL, s->spare_w != NULL};
    return h;
}

static void fg_am_unmark(fg_am *s, fg_am_had h)
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

/* The request's rows, and what the report says before the plan. */
static int fg_am_begin(fg_am *s, fg_am_req *q, const float *x,
                       const double *y, size_t k, int woodbury,
                       forget_run *run)
{
    int rc = fg_am_req_alloc(s, q, k);
    if (rc == FORGET_OK)
        rc = fg_analytic_features(s->model, x, k, q->phi, &s->feat);
    if (rc == FORGET_OK)
        memcpy(q->y, y, k * s->k * sizeof(double));
    if (rc == FORGET_OK)
        rc = forget_run_report(run, "woodbury", woodbury);
    if (rc == FORGET_OK)
        rc = forget_run_report(run, "rows", (double)k);
    if (rc == FORGET_OK)
        rc = forget_run_report(run, "refreshed", 0);
    if (rc == FORGET_OK)
        rc = forget_run_report(run, "amplification", 0);
    if (rc == FORGET_OK)
        rc = forget_run_report(run, "refactored_for_accuracy", 0);
    return rc;
}

int fg_am_request(fg_am *s, const float *x, const double *y, size_t k,
                  double sign, forget_run *run)
{
    /* The state describes the head it pushed; a head changed since (the
     * host trained or set the model) would make the update wrong. */
    int rc = FORGET_OK;
    if (!fg_analytic_head_is(s->model, s->w))
        rc = fg_error(FORGET_E_STATE, "method 'analytic': the model's "
                      "head was changed since this state was prepared or "
                      "loaded; prepare again");
    fg_am_req q;
    memset(&q, 0, sizeof q);
    fg_am_had had = fg_am_mark(s);
    int woodbury = fg_am_use_woodbury(s, k);
    if (rc == FORGET_OK)
        rc = fg_am_begin(s, &q, x, y, k, woodbury, run);
    double *rinv = NULL;
    if (rc == FORGET_OK && woodbury)
        rc = fg_am_inverse(s, &rinv);
    if (rc == FORGET_OK && woodbury)
        rc = fg_am_woodbury_plan(s, &q, sign, rinv);
    double drift = 0.0;
    if (rc == FORGET_OK && woodbury) {
        drift = DBL_EPSILON * fg_am_cond(s, rinv) * (1.0 + q.amp);
        forget_run_report(run, "amplification", q.amp); /* reserved */
        drift = hypot(s->drift, drift); /* the estimate after it */
        if (!(drift <= FG_AM_DRIFT_BUDGET)) {
            woodbury = 0; /* the refit's accuracy instead */
            forget_run_report(run, "woodbury", 0);
            forget_run_report(run, "refactored_for_accuracy", 1);
        }
    }
    if (rc == FORGET_OK && !woodbury)
        rc = fg_am_refactor_plan(s, &q, sign);
    if (rc == FORGET_OK)
        rc = forget_run_progress(run, 0.9);
    /* On many ranks every rank planned the same request: all commit it or
     * none (a cancel or an allocation may fail on one rank only). */
    rc = fg_comm_agree(forget_run_comm(run), rc);
    if (rc != FORGET_OK) {
        fg_am_unmark(s, had);
        return rc;
    }
    fg_am_commit(s, &q, sign, woodbury);
    s->drift = woodbury ? drift : 0.0;
    fg_am_maybe_refresh(s, run);
    /* The model's head follows, once per request (k x d doubles: small
     * next to the d x d update). */
    fg_analytic_set_head(s->model, s->w);
    return FORGET_OK;
}
