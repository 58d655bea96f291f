/* The analytic method's deferred updates (see fg_am in
 * analytic_update.h): a Woodbury request of k <= FG_SWEEP_MAX rows leaves
 * its update of R pending, and the next request applies it in the same
 * sweep over R's upper triangle that multiplies R by its rows (fg_dsweep),
 * so each request reads and writes R once; G's changes are kept as rows
 * and applied FG_AM_GBUF at a time with BLAS-3 (two dsyrk: the rows
 * learned, then the rows forgotten).
 *
 * What is deterministic: every element of R takes the pending update by
 * the same arithmetic whichever sweep applies it (a request's, a refused
 * request's, a save's), so R's bits after any sequence of requests do not
 * depend on where the pending update was applied; G's buffer is applied
 * at fixed points of the sequence of committed requests (a full buffer, a
 * refresh, a refactorisation, a save) and never by a refused request. */
#include <math.h>
#include <string.h>

#include "forget/backend.h"
#include "model/kit.h"
#include "methods/analytic_update.h"

int fg_am_pending_alloc(fg_am *s)
{
    if (!s->pend)
        s->pend = fg_malloc_array(FG_SWEEP_MAX, s->d * sizeof(double));
    if (!s->gbuf)
        s->gbuf = fg_malloc_array(FG_AM_GBUF, s->d * sizeof(double));
    if (!s->gdiag)
        s->gdiag = fg_malloc_array(s->d ? s->d : 1, sizeof(double));
    return s->pend && s->gbuf && s->gdiag ? FORGET_OK
                                         : fg_nomem("the analytic state");
}

void fg_am_g_cleared(fg_am *s)
{
    s->gbuf_plus = s->gbuf_minus = 0;
    for (size_t i = 0; i < s->d; i++)
        s->gdiag[i] = s->g[i * s->d + i];
}

/* The buffer holds the rows learned (G += phi phi^T) from its start and
 * the rows forgotten (G -= phi phi^T) from its end, so that requests
 * alternating learn and forget still apply as two BLAS-3 calls. */
static const double *fg_am_gminus(const fg_am *s)
{
    return s->gbuf + (FG_AM_GBUF - s->gbuf_minus) * s->d;
}

void fg_am_g_apply(const fg_am *s, double *g)
{
    size_t d = s->d;
    if (s->gbuf_plus > 0)
        fg_dsyrk(1, d, s->gbuf_plus, 1.0, s->gbuf, d, 1.0, g, d);
    if (s->gbuf_minus > 0)
        fg_dsyrk(1, d, s->gbuf_minus, -1.0, fg_am_gminus(s), d, 1.0, g, d);
}

void fg_am_g_flush(fg_am *s)
{
    fg_am_g_apply(s, s->g);
    fg_am_g_cleared(s);
}

void fg_am_g_push(fg_am *s, const double *phi, size_t k, double sign)
{
    size_t d = s->d;
    if (s->gbuf_plus + s->gbuf_minus + k > FG_AM_GBUF)
        fg_am_g_flush(s);
    if (k > FG_AM_GBUF) {
        fg_dsyrk(1, d, k, -sign, phi, d, 1.0, s->g, d);
        fg_am_g_cleared(s);
        return;
    }
    for (size_t q = 0; q < k; q++)
        for (size_t i = 0; i < d; i++)
            s->gdiag[i] -= sign * phi[q * d + i] * phi[q * d + i];
    if (sign < 0) { /* learned */
        memcpy(s->gbuf + s->gbuf_plus * d, phi, k * d * sizeof(double));
        s->gbuf_plus += k;
    } else {
        s->gbuf_minus += k;
        memcpy(s->gbuf + (FG_AM_GBUF - s->gbuf_minus) * d, phi,
               k * d * sizeof(double));
    }
}

double fg_am_g_diag_max(const fg_am *s)
{
    double g = 0.0;
    for (size_t i = 0; i < s->d; i++)
        g = fmax(g, s->gdiag[i]);
    return g;
}

void fg_am_r_product(fg_am *s, double *r, const double *phi, size_t k,
                     double *u)
{
    size_t d = s->d;
    if (k <= FG_SWEEP_MAX) {
        fg_dsweep(d, r, d, s->pend_n, s->pend, d, s->pend_c, k, phi, d, u,
                  d);
    } else {
        if (s->pend_n > 0)
            fg_dsweep(d, r, d, s->pend_n, s->pend, d, s->pend_c, 0, NULL, d,
                      NULL, d);
        fg_dsymm(1, k, d, 1.0, r, d, phi, d, 0.0, u, d);
    }
    s->pend_n = 0;
}

void fg_am_r_push(fg_am *s, const double *t, size_t k, double sign)
{
    size_t d = s->d;
    if (k > FG_SWEEP_MAX) {
        fg_dsyrk(1, d, k, sign, t, d, 1.0, s->r, d);
        return;
    }
    memcpy(s->pend, t, k * d * sizeof(double));
    for (size_t q = 0; q < k; q++)
        s->pend_c[q] = sign;
    s->pend_n = k;
}

void fg_am_flush(fg_am *s)
{
    if (s->pend_n > 0)
        fg_dsweep(s->d, s->r, s->d, s->pend_n, s->pend, s->d, s->pend_c, 0,
                  NULL, s->d, NULL, s->d);
    s->pend_n = 0;
    fg_am_g_flush(s);
}
