/* The newton method's pieces (lib/methods/newton*.c): the regularised
 * objective over a set of rows and its curvature (newton_obj.c, with the
 * float64 path of affine models in newton_affine.c and the Gauss-Newton
 * path of other models in newton_gn.c), and the step (newton_obj.c).
 * Kept apart from the method table so that a certified mode can reuse
 * the step and the residual as they are. */
#ifndef FG_METHODS_NEWTON_H
#define FG_METHODS_NEWTON_H

#include "approx/cg.h"
#include "model/kit.h"

/* J(theta) = (1/n) sum_{i in rows} l_i(theta) + (lambda/2) ||theta||^2 (every parameter,
 * bias included: training's weight_decay), at the model's theta, and its
 * curvature H + delta I: for an affine model (fg_model_affine) the exact
 * Hessian, in float64; for others the Gauss-Newton matrix, products in
 * float32 through the kit. */
/* One part of a pass over the rows (affine): a range of chunks, run on
 * a thread of its own, with its scratch and its sums. */
typedef struct fg_newton_part {
    double *xd, *zd; /* a chunk of rows in float64, and its outputs */
    float *fbuf;     /* the chunk as floats (byte storage) */
    double *acc;     /* the part's sum (p doubles) */
    double loss;     /* the part's sum of losses */
} fg_newton_part;

typedef struct fg_newton_obj {
    forget_model *m;
    const forget_dataset *rows; /* the rows the mean is over */
    size_t n, k, d, p;          /* rows, outputs, inputs, parameters */
    size_t woff, boff;          /* affine: offsets of W and b in theta */
    double lambda, damping;
    double loss;   /* the sum of the rows' losses at the last gradient */
    double obj;    /* J at the theta of the last fg_newton_grad (with the
                      perturbation's b.theta/n after fg_newton_cert_grad) */
    int affine;
    double *prob;  /* affine classification: n x k softmax at theta */
    double *theta; /* theta in float64 (refreshed by each gradient) */
    fg_newton_part *part; /* affine: the parts of a pass */
    size_t parts;  /* affine: 1, or forget_get_threads() when the BLAS
                      runs one thread (results depend on this count, and
                      on nothing else) */
    float *fbuf;   /* a chunk of rows as floats (byte storage) */
    float *v32, *acc32; /* Gauss-Newton: a direction, a product */
    fg_workspace ws, tws, zws;
} fg_newton_obj;

/* Rows per chunk of the passes (a part of a pass is a range of
 * chunks). */
#ifndef FG_NEWTON_CHUNK
#define FG_NEWTON_CHUNK 256
#endif

/* Ready o for rows at the model's current theta (affine: the probabilities
 * at theta, which the products use). Nothing is changed on failure; end
 * frees (also after a failed begin). */
int fg_newton_obj_begin(fg_newton_obj *o, forget_model *m,
                        const forget_dataset *rows, double lambda,
                        double damping);
void fg_newton_obj_end(fg_newton_obj *o);

/* g (p doubles) = sum over the rows of ds of grad l_i at the model's
 * current theta (no mean, no regulariser); o->loss = the sum of their
 * losses. */
int fg_newton_grad_sum(fg_newton_obj *o, const forget_dataset *ds, double *g);
/* g = grad J at the model's current theta over o's rows; o->obj = J. */
int fg_newton_grad(fg_newton_obj *o, double *g);
/* out = (H + delta I) v at the theta of begin: an fg_cg_op. */
int fg_newton_hvp(void *o, const double *v, double *out);
/* inv = 1 / diag(H + delta I) (affine only: *filled = 1; 0 when the
 * model has no cheap diagonal). */
int fg_newton_inv_diag(fg_newton_obj *o, double *inv, int *filled);

/* The float64 path of affine models (newton_affine.c). */
int fg_newton_affine_probs(fg_newton_obj *o);
int fg_newton_affine_grad_sum(fg_newton_obj *o, const forget_dataset *ds,
                              double *g);
int fg_newton_affine_hvp(fg_newton_obj *o, const double *v, double *out);
int fg_newton_affine_diag(fg_newton_obj *o, double *diag);
/* The diagonal blocks of the data Hessian's sum, one per output: s_j +=
 * alpha sum over ds's rows of w_ij (x_i, 1)(x_i, 1)^T (upper triangles of
 * nb blocks of (d + 1)^2), w_ij = p_ij (1 - p_ij) with the softmax p_i
 * at theta (classification), or 2 / k with nb = 1 (least squares, whose
 * blocks are all this one). xs: FG_NEWTON_CHUNK (d + 1) doubles. */
void fg_newton_affine_blocks(fg_newton_obj *o, const forget_dataset *ds,
                             const double *theta, double alpha, double *s,
                             size_t nb, double *xs);
/* The same with alpha = 1 over every row of ds, the blocks split over
 * o's parts (threads; each block summed as above, so the result does not
 * depend on their number). */
int fg_newton_affine_blocks_all(fg_newton_obj *o, const forget_dataset *ds,
                                const double *theta, double *s, size_t nb);

/* The Gauss-Newton path (newton_gn.c). */
int fg_newton_gn_grad_sum(fg_newton_obj *o, const forget_dataset *ds,
                          double *g);
int fg_newton_gn_hvp(fg_newton_obj *o, const double *v, double *out);

/* The block preconditioner of affine models (newton_precond.c): per
 * output the Cholesky factor of its diagonal block of the Hessian, kept
 * as sums over the rows still learned with the weights of theta_pc. */
typedef struct fg_newton_pc {
    size_t k, d1, nb, p;  /* outputs, inputs + 1, blocks (k, or 1 for least
                             squares), parameters */
    size_t woff, boff;
    int project;          /* softmax: the common directions exactly */
    int ok;               /* u holds usable factors */
    double rows, shift;   /* rows in the sums; weight_decay + damping */
    double *theta;        /* theta_pc (p) */
    double *s;            /* nb blocks (d1 x d1, upper): the sums */
    double *u;            /* their factors, of s / rows + shift I */
    double *work;
} fg_newton_pc;

/* Build over rows at o's theta (o begun on an affine model); on failure
 * pc is left empty. */
int fg_newton_pc_build(fg_newton_pc *pc, fg_newton_obj *o,
                       const forget_dataset *rows);
/* Remove rows' terms and factor again (allocates nothing; cannot fail:
 * a block no longer positive definite leaves ok = 0). */
void fg_newton_pc_remove(fg_newton_pc *pc, fg_newton_obj *o,
                         const forget_dataset *rows);
/* z = M^-1 v: an fg_cg_op on an fg_newton_pc with ok set. */
int fg_newton_pc_apply(void *pc, const double *v, double *z);
void fg_newton_pc_free(fg_newton_pc *pc);
/* Optional sections NPCH, NPCT, NPCS; load: t holds them (all absent:
 * pc stays empty). */
#define FG_NEWTON_PC_SLOTS                                                 \
    {"NPCH", 8, 0, 0, 0}, {"NPCT", 8, 0, 0, 0}, {"NPCS", 8, 0, 0, 0}
int fg_newton_pc_save(const fg_newton_pc *pc, forget_writer *w);
int fg_newton_pc_load(fg_newton_pc *pc, const fg_slot *t,
                      const forget_model *m, double shift);

/* The step: s solves (H + delta I) s = g by conjugate gradients (c
 * gives the tolerance, cap and progress; its n, op, ctx and
 * preconditioner are set here: pc when it is usable, else the
 * diagonal). work: 5 p doubles. The model is not changed. */
int fg_newton_solve(fg_newton_obj *o, const double *g, fg_cg *c,
                    fg_newton_pc *pc, double *s, double *work);
/* The model's theta <- base - t s in float32 (next: p floats of
 * scratch); FORGET_E_NUMERIC, the model unchanged, when a parameter
 * would not be finite. */
int fg_newton_move(fg_newton_obj *o, const float *base, const double *s,
                   double t, float *next);

#endif
