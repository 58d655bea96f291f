/* The analytic kind's internals shared with the analytic method. */
#ifndef FG_MODEL_ANALYTIC_H
#define FG_MODEL_ANALYTIC_H

#include "model/model.h"

/* Is m of kind analytic? */
int fg_is_analytic(const forget_model *m);
/* Feature width d (the map's outputs, plus 1 with bias=true), outputs k,
 * ridge gamma, and the float64 head (k x d, row-major). */
size_t fg_analytic_dim(const forget_model *m);
double fg_analytic_gamma(const forget_model *m);
double *fg_analytic_head(forget_model *m);
/* Copy the float64 head into the float32 parameters. */
void fg_analytic_sync(forget_model *m);

/* phi (n x d, float64) = the features of n rows of x; scratch (may be
 * NULL) is reused across calls. */
int fg_analytic_features(const forget_model *m, const float *x, size_t n,
                         double *phi, fg_dwork *scratch);
/* Targets of rows [b, e) of ds as k columns (one-hot for classes). */
void fg_analytic_targets(const forget_model *m, const forget_dataset *ds,
                         size_t b, size_t e, double *y);
/* G (d x d, upper) += Phi^T Phi and Bt (k x d) += Y^T Phi over the rows of
 * ds, in chunks; progress through run (may be NULL). */
int fg_analytic_stats(const forget_model *m, const forget_dataset *ds,
                      double *g, double *bt, forget_run *run);

#endif
