/* The Gauss-Newton path of newton for models that are not affine (mlp):
 * the curvature is the Gauss-Newton matrix (1/n) sum_i J_i^T A_i J_i,
 * positive semi-definite even where the loss is not convex, its
 * products taken by the kit in float32 (fg_model_gn_rows: one forward
 * pass with tangents and one backward pass per chunk of rows), summed
 * chunk by chunk in float64. */
#include "methods/newton.h"

#include <string.h>

/* g += the float32 sums of each chunk of ds's rows; o->loss = the sum of
 * their losses. */
int fg_newton_gn_grad_sum(fg_newton_obj *o, const forget_dataset *ds,
                          double *g)
{
    size_t n = forget_dataset_rows(ds);
    double loss = 0.0;
    for (size_t b = 0; b < n; b += FG_NEWTON_CHUNK) {
        size_t e = n - b < FG_NEWTON_CHUNK ? n : b + FG_NEWTON_CHUNK;
        memset(o->acc32, 0, o->p * sizeof(float));
        int rc = fg_model_accumulate(o->m, &o->ws, ds, b, e, FG_OBJ_LOSS,
                                     FG_ACC_GRAD, 1.0f, o->acc32, &loss);
        if (rc != FORGET_OK)
            return rc;
        for (size_t i = 0; i < o->p; i++)
            g[i] += (double)o->acc32[i];
    }
    o->loss = loss;
    return FORGET_OK;
}

int fg_newton_gn_hvp(fg_newton_obj *o, const double *v, double *out)
{
    for (size_t i = 0; i < o->p; i++)
        o->v32[i] = (float)v[i];
    for (size_t b = 0; b < o->n; b += FG_NEWTON_CHUNK) {
        size_t e = o->n - b < FG_NEWTON_CHUNK ? o->n : b + FG_NEWTON_CHUNK;
        const float *x = fg_dataset_rows(o->rows, b, e, o->fbuf);
        memset(o->acc32, 0, o->p * sizeof(float));
        int rc = fg_model_gn_rows(o->m, &o->ws, &o->tws, &o->zws, x, e - b,
                                  o->v32, 1.0f, o->acc32);
        if (rc != FORGET_OK)
            return rc;
        for (size_t i = 0; i < o->p; i++)
            out[i] += (double)o->acc32[i];
    }
    return FORGET_OK;
}
