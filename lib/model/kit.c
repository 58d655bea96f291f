/* The model accessors of the kit (model/kit.h): what methods may ask of a
 * model without seeing its layout. */
#include "model/kit.h"

#include <string.h>

#include "model/model.h"

float *fg_model_theta(forget_model *m) { return m->theta; }

const float *fg_model_theta_const(const forget_model *m) { return m->theta; }

const fg_block *fg_model_blocks(const forget_model *m, size_t *n)
{
    *n = m->n_blocks;
    return m->blocks;
}

void fg_state_swap(void *state, void *fresh, size_t size,
                   void (*release)(void *state))
{
    release(state);
    memcpy(state, fresh, size);
    memset(fresh, 0, size);
}

int fg_model_trainable(const forget_model *m)
{
    return m->ops->sgd;
}

int fg_model_affine(const forget_model *m)
{
    return m->ops->affine != NULL && m->ops->affine(m);
}

int fg_model_has_gn(const forget_model *m) { return m->ops->jvp != NULL; }

/* dz_i = A_i t_i for n rows: A_i the Hessian of row i's loss with
 * respect to its outputs z_i (classification: diag(p) - p p^T, p the
 * softmax of z_i; regression, the mean of k squared errors: 2/k I). */
static void fg_gn_outputs(const forget_model *m, const float *z,
                          const float *t, size_t n, float *dz)
{
    size_t k = m->outputs;
    for (size_t i = 0; i < n; i++) {
        const float *ti = t + i * k;
        float *di = dz + i * k;
        if (m->task != FORGET_TASK_CLASSIFICATION) {
            for (size_t j = 0; j < k; j++)
                di[j] = (float)(2.0 * ti[j] / (double)k);
            continue;
        }
        fg_softmax(z + i * k, k, di);
        double pt = 0.0;
        for (size_t j = 0; j < k; j++)
            pt += (double)di[j] * ti[j];
        for (size_t j = 0; j < k; j++)
            di[j] = (float)((double)di[j] * ((double)ti[j] - pt));
    }
}

int fg_model_gn_rows(const forget_model *m, fg_workspace *ws,
                     fg_workspace *tws, fg_workspace *zws, const float *x,
                     size_t n, const float *v, float scale, float *acc)
{
    if (m->ops->jvp == NULL)
        return fg_error(FORGET_E_UNSUPPORTED, "a model of kind '%s' has no "
                        "forward-mode derivatives (Gauss-Newton products)",
                        m->kind);
    size_t chunk = fg_model_chunk_rows(m), k = m->outputs;
    float *z = fg_workspace_get(zws, 3 * chunk * k);
    if (z == NULL)
        return fg_nomem("per-row outputs and tangents");
    float *t = z + chunk * k, *dz = t + chunk * k;
    for (size_t b = 0; b < n; b += chunk) {
        size_t rows = n - b < chunk ? n - b : chunk;
        const float *xb = x + b * m->inputs;
        int rc = m->ops->jvp(m, ws, tws, v, xb, rows, z, t);
        if (rc == FORGET_OK) {
            fg_gn_outputs(m, z, t, rows, dz);
            rc = m->ops->backward(m, ws, xb, dz, rows, FG_ACC_GRAD, scale,
                                  acc);
        }
        if (rc != FORGET_OK)
            return rc;
    }
    return FORGET_OK;
}
