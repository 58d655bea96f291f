/* newton's certified mode (newton_cert.c): certified removal for binary
 * logistic regression (Guo, Goldstein, Hannun, van der Maaten, ICML
 * 2020), docs/METHODS.md "certified mode".
 *
 * Training minimised the perturbed objective, in sum form
 *     L_b(theta; D) = sum_D l_i(theta) + (lambda n / 2)||theta||^2 + b.theta,
 * b ~ N(0, sigma^2 I) (training's perturb=sigma; the mean form divides by n).
 * A published theta is the exact minimiser of L_(b+u) with u = -grad L_b(theta);
 * while ||u|| <= budget = sigma epsilon / c, c = sqrt(2 ln(1.5 / delta)),
 * the removal is (epsilon, delta)-indistinguishable from retraining.
 * The bound spent starts at the trained model's measured residual and
 * adds each request's data-dependent bound; a request that would pass
 * the budget retrains from scratch instead. */
#ifndef FG_METHODS_NEWTON_CERT_H
#define FG_METHODS_NEWTON_CERT_H

#include "methods/newton.h"

/* A Lipschitz constant of the logistic loss's second derivative
 * (|psi'''| <= 1/(6 sqrt 3) < 1/4): the paper's 1/4. */
#define FG_CERT_GAMMA 0.25
/* Above this many columns (inputs + 1) the Gram bound is the Frobenius
 * norm instead of a factorised spectral bound. */
#define FG_CERT_GRAM_MAX 4096

typedef struct fg_newton_cert {
    int on;
    double epsilon, delta, sigma, budget, lambda;
    double row_norm;  /* the bound asked for (0: measured at prepare) */
    double rbound;    /* prepared: every row's norm is at most this */
    double gram;      /* prepared: >= ||X~||_2^2, X~ the training rows
                         with a 1 appended (rows only leave: stays valid) */
    double spent;     /* the residual bound spent (sum form) */
    uint64_t steps, retrains; /* requests stepped / retrained, in all */
    double *b;        /* the perturbation (parameters doubles) */
    char *train;      /* the training parameters (a copy) */
} fg_newton_cert;

/* The certified parameters of p for model m: *lambda becomes training's
 * weight_decay when certified. Refuses (FORGET_E_UNSUPPORTED) all but
 * binary classification by a linear model, and (FORGET_E_PARAM) training
 * parameters without perturb > 0 or weight_decay > 0. */
int fg_newton_cert_create(fg_newton_cert *c, const forget_model *m,
                          const forget_params *p, double *lambda);
void fg_newton_cert_free(fg_newton_cert *c);

/* The certificate's start on the training rows at the model's theta:
 * *rbound, *gram, and *spent (the trained model's residual); nothing in
 * c changes. Rows beyond a given row_norm, or a residual beyond the
 * budget, are refused. run gets the figures. */
int fg_newton_cert_prepare(const fg_newton_cert *c, forget_model *m,
                           const forget_dataset *train, double *rbound,
                           double *gram, double *spent, forget_run *run);

/* g = grad of o's (mean-form) objective at the model's theta, with the
 * perturbation's b / n when certified. */
int fg_newton_cert_grad(const fg_newton_cert *c, fg_newton_obj *o,
                        double *g);

/* The bound (sum form) on ||grad L_b|| at theta_new after the step from
 * theta_old (o begun there, g its gradient there): the solve's and the
 * rounding's part ||g - H v|| plus the second-order part
 * gamma R_a ||A||_2 ||v|| ||A v||, v = theta_old - theta_new. */
int fg_newton_cert_bound(const fg_newton_cert *c, fg_newton_obj *o,
                         const double *g, const float *theta_old,
                         const float *theta_new, double *bound);

/* theta (parameters floats) = the model retrained from its initial
 * parameters on kept with the training parameters, as forget_model_create
 * and forget_model_train would make it; then *residual = its measured
 * residual (sum form) on kept. The model is not changed. */
int fg_newton_cert_retrain(const fg_newton_cert *c, forget_model *m,
                           const forget_dataset *kept, float *theta,
                           double *residual);

/* The figures of a request (after: the bound spent now). */
int fg_newton_cert_reserve(forget_run *run);
void fg_newton_cert_report(const fg_newton_cert *c, forget_run *run,
                           double bound, int retrained);

/* Section NCRT: f64 epsilon, delta, sigma, budget, rbound, gram, spent,
 * then u64 steps, retrains. */
#define FG_CERT_SLOT {"NCRT", 8, 0, 0, 0}
int fg_newton_cert_save(const fg_newton_cert *c, forget_writer *w);
/* From slot (NULL data: absent), checked against c's parameters. */
int fg_newton_cert_load(fg_newton_cert *c, const fg_slot *slot,
                        int prepared);

#endif
