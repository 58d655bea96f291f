/* Preconditioned conjugate gradients (cg.h): the textbook recurrence
 * (Hestenes and Stiefel), each iteration one product A p. */
#include "approx/cg.h"

#include <math.h>
#include <string.h>

double fg_vdot(const double *a, const double *b, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += a[i] * b[i];
    return s;
}

double fg_vnorm(const double *a, size_t n) { return sqrt(fg_vdot(a, a, n)); }

int fg_vfinite(const double *a, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(a[i]))
            return 0;
    return 1;
}

/* z = M^-1 r */
static int fg_cg_precond(const fg_cg *c, const double *r, double *z)
{
    if (c->precond != NULL)
        return c->precond(c->precond_ctx, r, z);
    if (c->inv_diag == NULL) {
        memcpy(z, r, c->n * sizeof *z);
        return FORGET_OK;
    }
    for (size_t i = 0; i < c->n; i++)
        z[i] = c->inv_diag[i] * r[i];
    return FORGET_OK;
}

int fg_cg_solve(fg_cg *c, const double *b, double *x, double *work)
{
    size_t n = c->n;
    double *r = work, *z = r + n, *p = z + n, *ap = p + n;
    c->iters = 0;
    c->rel_residual = 0.0;
    memset(x, 0, n * sizeof *x);
    if (!fg_vfinite(b, n))
        return fg_error(FORGET_E_NUMERIC, "%s: the right-hand side of the "
                        "solve is not finite", c->owner);
    double bnorm = fg_vnorm(b, n);
    if (bnorm == 0.0)
        return FORGET_OK;
    memcpy(r, b, n * sizeof *r);
    int rc = fg_cg_precond(c, r, z);
    if (rc != FORGET_OK)
        return rc;
    memcpy(p, z, n * sizeof *p);
    double rz = fg_vdot(r, z, n), rnorm = bnorm;
    c->rel_residual = 1.0;
    while (rnorm > c->tol * bnorm) {
        if (c->iters >= c->max_iter)
            return fg_error(FORGET_E_NUMERIC, "%s: conjugate gradients did "
                            "not converge in %zu iterations (relative "
                            "residual %.3g, tolerance %.3g; raise cg_max_iter "
                            "or damping)", c->owner, c->iters,
                            c->rel_residual, c->tol);
        rc = c->op(c->ctx, p, ap);
        if (rc != FORGET_OK)
            return rc;
        c->iters++;
        double pap = fg_vdot(p, ap, n);
        if (!isfinite(pap) || !isfinite(rz))
            return fg_error(FORGET_E_NUMERIC, "%s: a product of the solve is "
                            "not finite (iteration %zu)", c->owner, c->iters);
        if (pap <= 0.0)
            return fg_error(FORGET_E_NUMERIC, "%s: the curvature is not "
                            "positive along a direction of the solve "
                            "(iteration %zu; add damping or weight decay)",
                            c->owner, c->iters);
        double alpha = rz / pap;
        for (size_t i = 0; i < n; i++) {
            x[i] += alpha * p[i];
            r[i] -= alpha * ap[i];
        }
        rc = fg_cg_precond(c, r, z);
        if (rc != FORGET_OK)
            return rc;
        double rz_next = fg_vdot(r, z, n);
        double beta = rz_next / rz;
        rz = rz_next;
        for (size_t i = 0; i < n; i++)
            p[i] = z[i] + beta * p[i];
        rnorm = fg_vnorm(r, n);
        c->rel_residual = rnorm / bnorm;
        if (!isfinite(rnorm))
            return fg_error(FORGET_E_NUMERIC, "%s: the residual of the solve "
                            "is not finite (iteration %zu)", c->owner,
                            c->iters);
        double f = c->max_iter ? (double)c->iters / (double)c->max_iter : 1;
        rc = c->run ? forget_run_progress(c->run, c->p0 + (c->p1 - c->p0) * f)
                    : FORGET_OK;
        if (rc != FORGET_OK)
            return rc;
    }
    return FORGET_OK;
}
