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

/* The rows of G's changes kept before they are applied at once (one pass
 * over G and a BLAS-3 update per FG_AM_GBUF rows instead of a pass per
 * request). */
#define FG_AM_GBUF 64

typedef struct fg_am {
    forget_model *model;
    /* The unlearner's communicator (analytic_ranks.c; NULL: one rank), and
     * the rank and number of ranks the state was prepared on (0 and 1 for
     * one process). G, R, Bt, W and n_rows are the sums over every rank's
     * rows, the same on every rank; ids, x, y and fp are this rank's. */
    const forget_comm *comm;
    int32_t rank, ranks;
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
    /* Deferred updates (analytic_pending.c), so that a one-row request
     * reads and writes R once and leaves G alone: R's true value is
     * r + sum_q pend_c[q] t_q t_q^T (t_q the pend_n rows of pend, the last
     * Woodbury request's T), applied by the next request's sweep over R;
     * G's is g + the sum of phi phi^T over the gbuf_plus rows learned at
     * the start of gbuf, minus it over the gbuf_minus rows forgotten at
     * its end, applied when it fills or anything reads G. */
    double *pend, pend_c[FG_SWEEP_MAX]; /* FG_SWEEP_MAX x d */
    size_t pend_n;
    double *gbuf; /* FG_AM_GBUF x d */
    size_t gbuf_plus, gbuf_minus;
    double *gdiag; /* d: the diagonal of G's true value (for the
                      condition estimate), kept with the buffer */
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

/* ---- the deferred updates (analytic_pending.c) ---- */

/* The buffers of the deferred updates (pend, gbuf), when missing. */
int fg_am_pending_alloc(fg_am *s);
/* The buffer emptied (its rows are in s->g); gdiag from s->g. */
void fg_am_g_cleared(fg_am *s);
/* g += the buffered changes of G (g is s->g or a copy of it). */
void fg_am_g_apply(const fg_am *s, double *g);
/* Apply the buffered changes to G itself. */
void fg_am_g_flush(fg_am *s);
/* After a committed request of k rows phi with sign: G's change buffered
 * (the buffer applied first when it has no room; a request larger than it
 * updates G directly). */
void fg_am_g_push(fg_am *s, const double *phi, size_t k, double sign);
/* max diag of G's true value (O(d)). */
double fg_am_g_diag_max(const fg_am *s);
/* u = phi r (k x d) with the pending update applied to r on the way, in
 * one sweep when k <= FG_SWEEP_MAX (r is s->r, or the inverse formed in
 * the spare when nothing is pending). R's true value is unchanged, and
 * so are its bits as any later sweep would have left them. */
void fg_am_r_product(fg_am *s, double *r, const double *phi, size_t k,
                     double *u);
/* After a committed Woodbury request (R's pending update applied): R +=
 * sign t^T t, deferred when k <= FG_SWEEP_MAX, else at once. */
void fg_am_r_push(fg_am *s, const double *t, size_t k, double sign);
/* Apply both deferred updates (before the state is saved or R and G are
 * read as they are): the state then means what it meant. */
void fg_am_flush(fg_am *s);

/* ---- many ranks (analytic_ranks.c) ---- */

/* The method's set_comm: kept before prepare; a prepared state takes a
 * table of more than one rank only with the rank and size it was
 * prepared on (a single-rank table detaches it: requests are refused
 * until its own is attached again). */
int fg_am_set_comm(void *state, const forget_comm *comm);
/* The communicator (the single-process one when none is attached). */
const forget_comm *fg_am_comm(const fg_am *s);
/* Before a request: the state's ranks are the communicator's. */
int fg_am_ranks_check(const fg_am *s);
/* Prepare on many ranks, after the local sums (rc their status; rows the
 * local rows): the ranks agree, ids are unique across them, and G, Bt and
 * n_rows become the sums over every rank. */
int fg_am_ranks_prepare(fg_am *n, const forget_dataset *train, size_t rows,
                        int rc);
/* A request's rows from every rank, in rank order, after the ranks agree
 * on rc (the local checks' status): *gx and *gy (allocated; NULL on one
 * rank, where the request is x and y themselves) and *gn rows. */
int fg_am_ranks_rows(const fg_am *s, int rc, const float *x,
                     const double *y, size_t n, float **gx, double **gy,
                     size_t *gn);
/* Learning on many ranks, after the local checks (rc): the ranks agree,
 * and the ids each rank learns must be new to every other rank (an id
 * lives on one rank for life, forgotten or not) and distinct across
 * ranks; the same status on every rank. */
int fg_am_ranks_learn_ids(const fg_am *s, int rc, const uint64_t *ids,
                          size_t n);
/* Save and load the rank section AMPI (u32 rank, u32 ranks; written only
 * for more than one rank). */
int fg_am_ranks_save(const fg_am *s, forget_writer *w);
int fg_am_ranks_load(fg_am *s, const fg_slot *ampi);

#endif
