/* Conjugate gradients on a symmetric positive definite operator given
 * only by its products (matrix-free), in float64, with an optional
 * preconditioner: a diagonal (Jacobi) one, or any given as a product
 * z = M^-1 r. The solver of the second-order methods (newton's step
 * H s = g). A solve either reaches its tolerance
 * or is refused: not converged within the iteration cap, a direction of
 * non-positive curvature, or a value that is not finite are
 * FORGET_E_NUMERIC with a message naming what happened; a cancel through
 * the run is FORGET_E_CANCELED. x is written on every return, but its
 * value means something only on success. */
#ifndef FG_APPROX_CG_H
#define FG_APPROX_CG_H

#include "model/kit.h"

/* out = A v (n doubles each); a FORGET_E_* code on failure. */
typedef int (*fg_cg_op)(void *ctx, const double *v, double *out);

typedef struct fg_cg {
    size_t n;              /* unknowns */
    fg_cg_op op;
    void *ctx;
    const double *inv_diag; /* M^-1 = diag(inv_diag) (NULL: none) */
    fg_cg_op precond;      /* z = M^-1 r, symmetric positive definite
                              (NULL: inv_diag); used when set */
    void *precond_ctx;
    double tol;            /* stop when ||A x - b|| <= tol ||b|| */
    size_t max_iter;       /* products at most (0: none allowed) */
    forget_run *run;       /* progress in [p0, p1] per iteration, cancel
                              (NULL: none) */
    double p0, p1;
    const char *owner;     /* names the caller in messages */
    /* out */
    size_t iters;          /* products taken */
    double rel_residual;   /* ||r|| / ||b|| of the recurrence at the end */
} fg_cg;

/* Solve A x = b from x = 0; work holds 4 n doubles. b = 0 gives x = 0
 * with no product. */
int fg_cg_solve(fg_cg *c, const double *b, double *x, double *work);

/* The small vector helpers the callers share. */
double fg_vdot(const double *a, const double *b, size_t n);
double fg_vnorm(const double *a, size_t n);
/* Are all n values finite? */
int fg_vfinite(const double *a, size_t n);

#endif
