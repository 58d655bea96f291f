/* Helpers of the analytic suites (see analytic_pool.h). */
#include <math.h>
#include <stdlib.h>

#include "analytic_pool.h"
#include "data/dataset.h"
#include "model/kit.h"
#include "model/model.h"

/* A pool of rows: features from a hash, class labels or 2 targets. */
forget_dataset *am_pool(size_t n, size_t d, int regression)
{
    float *x = malloc(n * d * sizeof *x), *t = malloc(n * 2 * sizeof *t);
    int32_t *y = malloc(n * sizeof *y);
    for (size_t i = 0; i < n; i++) {
        double s = 0;
        for (size_t j = 0; j < d; j++) {
            uint64_t h = (i * 7919 + j * 104729 + 1) * 0x9E3779B97F4A7C15ull;
            x[i * d + j] = (float)((double)(h >> 40) / (double)(1 << 24) - 0.5);
            s += x[i * d + j] * (double)(j % 3);
        }
        y[i] = (int32_t)((s > 0) + (x[i * d] > 0.2f));
        t[2 * i] = (float)s;
        t[2 * i + 1] = x[i * d + 1] - 0.5f * x[i * d];
    }
    forget_dataset *ds = NULL;
    if (regression)
        ck_assert_int_eq(forget_dataset_create_regression(&ds, n, d, x, t, 2,
                                                          NULL), FORGET_OK);
    else
        ck_assert_int_eq(forget_dataset_create(&ds, n, d, x, y, NULL),
                         FORGET_OK);
    free(x);
    free(t);
    free(y);
    return ds;
}

/* The rows of pool whose flag is set. */
forget_dataset *am_rows_where(const forget_dataset *p, const char *in)
{
    uint64_t *ids = malloc(p->n * sizeof *ids);
    size_t k = 0;
    for (size_t i = 0; i < p->n; i++)
        if (in[i])
            ids[k++] = i;
    forget_dataset *ds = NULL;
    ck_assert_int_eq(forget_dataset_subset_ids(&ds, p, ids, k), FORGET_OK);
    free(ids);
    return ds;
}

/* A copy of m's float64 head (outputs x dim), to free. */
double *am_head(const forget_model *m)
{
    double *h = malloc(forget_model_outputs(m) * fg_analytic_dim(m) *
                       sizeof *h);
    ck_assert_ptr_nonnull(h);
    fg_analytic_get_head(m, h);
    return h;
}

/* max |a - b| / max |b| */
double am_rel_diff(const double *a, const double *b, size_t n)
{
    double scale = 1e-300, diff = 0;
    for (size_t i = 0; i < n; i++) {
        scale = fmax(scale, fabs(b[i]));
        diff = fmax(diff, fabs(a[i] - b[i]));
    }
    return diff / scale;
}

double am_diff_from_refit(forget_model *m, const forget_dataset *p,
                              const char *in)
{
    forget_model *fresh = NULL;
    ck_assert_int_eq(forget_model_create(&fresh, "analytic",
                                         forget_model_params(m)), FORGET_OK);
    forget_dataset *cur = am_rows_where(p, in);
    ck_assert_int_eq(forget_model_train(fresh, cur, ""), FORGET_OK);
    size_t n = forget_model_outputs(m) * fg_analytic_dim(m);
    double *hm = am_head(m), *hf = am_head(fresh);
    double d = am_rel_diff(hm, hf, n);
    free(hm);
    free(hf);
    forget_dataset_free(cur);
    forget_model_free(fresh);
    return d;
}

