/* Helpers of the analytic suites (test_analytic_exact.c,
 * test_analytic_chain.c): a pool of rows, subsets of it, the float64
 * head and its distance from a refit. */
#ifndef FORGET_TEST_ANALYTIC_POOL_H
#define FORGET_TEST_ANALYTIC_POOL_H

#include "internal.h"

/* n rows of d features from a hash; 3 classes, or 2 regression targets. */
forget_dataset *am_pool(size_t n, size_t d, int regression);
/* The rows of p whose flag in[] is set. */
forget_dataset *am_rows_where(const forget_dataset *p, const char *in);
/* A copy of m's float64 head (outputs x dim), to free. */
double *am_head(const forget_model *m);
/* max |a - b| / max |b| */
double am_rel_diff(const double *a, const double *b, size_t n);
/* The relative distance of m's head from a fresh fit on the rows of p
 * whose flag is set. */
double am_diff_from_refit(forget_model *m, const forget_dataset *p,
                          const char *in);

#endif
