/* The analytic method's state and its update arithmetic (analytic.c is
 * the method: requests, learning, files; analytic_update.c the Woodbury
 * and refactorisation math). */
#ifndef FG_METHODS_ANALYTIC_UPDATE_H
#define FG_METHODS_ANALYTIC_UPDATE_H

#include <stddef.h>
#include <stdint.h>

#include "forget/backend.h"
#include "model/kit.h"

#define FG_UPD_AUTO 0
#define FG_UPD_WOODBURY 1
#define FG_UPD_REFACTOR 2

/* The accuracy a Woodbury request keeps. It works with R = G^-1 formed
 * explicitly, good to about eps * cond(G), and multiplies that error by
 * its amplification a = max diag(Phi_u R Phi_u^T) / (smallest pivot of
 * S)^2 (h / (1 - h) for forgetting one row of leverage h; h itself when
 * learning one, where R shrinks by 1 + h). With cond(G) estimated as
 * max diag(G) * max diag(R) (a lower bound, usually within a small
 * factor), a request adds about eps * cond * (1 + a) to the relative
 * error of the head (measured on n < d: 0.15 to 4 times that). The state
 * keeps the estimate since the last factorisation, the requests' errors
 * added in quadrature (rounding errors of independent updates grow like
 * the square root of their count, not linearly; the periodic refresh
 * after d rows bounds the count anyway); a request that would take it
 * past this budget is refactored instead, to the refit's own accuracy.
 * That is what keeps n < d with a small gamma exact: there a row's
 * leverage is 1 - O(gamma) and cond(G) ~ 1/gamma. The budget leaves a
 * factor 4 below the 1e-9 the tests hold a request to. */
#define FG_AM_DRIFT_BUDGET 2.5e-10

typedef struct fg_am {
    forget_model *model;
    int update, keep_rows;
    int64_t refresh;
    int prepared;
    size_t d, k, in;
    double *g, *r, *bt; /* d x d, d x d, k x d */
    double *w;          /* k x d: the head W, given to the model after each
                           request (fg_analytic_set_head) */
    size_t n_rows;      /* rows learned now */
    int r_factor;       /* r holds G's Cholesky factor, not yet G^-1 */
    size_t woodbury_rows, woodbury_calls; /* since the last refresh */
    double drift; /* estimated relative error of the head the Woodbury
                     requests since the last factorisation added */
    fg_idset ids;
    float *x;   /* keep_rows: ids.n x in features, zeroed when forgotten */
    double *y;  /* keep_rows: ids.n x k targets */
    size_t cap;   /* slots x, y or fp have room for (>= ids.n) */
    uint64_t *fp; /* without keep_rows: ids.n x 2 fingerprints (features,
                     target) of the learned rows, zeroed when forgotten;
                     NULL for a state saved before they existed */
    /* Kept between requests so that no request faults in fresh pages:
     * the temporaries of a request, the feature map's scratch, and the
     * spare buffers a refactorisation or refresh writes into (then swaps
     * with G, R and W). */
    fg_dwork work, feat;
    double *spare_g, *spare_r, *spare_w;
} fg_am;

/* r = the Cholesky factor of g (d x d upper) and wt = bt g^-1 (k x d);
 * FORGET_E_NUMERIC if g is not positive definite. */
int fg_am_factor(size_t d, size_t k, const double *g, const double *bt,
                 double *r, double *wt);

/* One request over k rows given as features x (k x in) and targets y
 * (k x c, already expanded); sign +1 forgets, -1 learns. On success the
 * state and the model's head follow; on failure nothing changed. */
int fg_am_request(fg_am *s, const float *x, const double *y, size_t k,
                  double sign, forget_run *run);

#endif
