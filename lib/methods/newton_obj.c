/* The regularised objective over a set of rows and its curvature
 * (newton.h): what is common to both paths, and the dispatch. */
#include "methods/newton.h"

#include <math.h>
#include <string.h>

int fg_newton_obj_begin(fg_newton_obj *o, forget_model *m,
                        const forget_dataset *rows, double lambda,
                        double damping)
{
    memset(o, 0, sizeof *o);
    o->m = m;
    o->rows = rows;
    o->n = forget_dataset_rows(rows);
    o->k = forget_model_outputs(m);
    o->d = forget_model_inputs(m);
    o->p = forget_model_param_count(m);
    o->lambda = lambda;
    o->damping = damping;
    o->affine = fg_model_affine(m);
    o->theta = fg_malloc_array(o->p, sizeof(double));
    o->fbuf = fg_malloc_array(FG_NEWTON_CHUNK, o->d * sizeof(float));
    if (o->theta == NULL || o->fbuf == NULL)
        return fg_nomem("the newton step");
    if (!o->affine) {
        o->v32 = fg_malloc_array(o->p, sizeof(float));
        o->acc32 = fg_malloc_array(o->p, sizeof(float));
        return o->v32 && o->acc32 ? FORGET_OK : fg_nomem("the newton step");
    }
    size_t nb = 0;
    const fg_block *b = fg_model_blocks(m, &nb);
    o->woff = b[0].offset;
    o->boff = b[1].offset;
    /* the passes split over threads when the BLAS runs one (a BLAS on
     * several threads already splits each product) */
    int threads = forget_get_threads();
    size_t chunks = (o->n + FG_NEWTON_CHUNK - 1) / FG_NEWTON_CHUNK;
    o->parts = fg_blas_threads() == 1 && threads > 1 ? (size_t)threads : 1;
    o->parts = o->parts < chunks ? o->parts : chunks ? chunks : 1;
    o->part = fg_calloc(o->parts, sizeof *o->part);
    if (o->part == NULL)
        return fg_nomem("the newton step");
    for (size_t i = 0; i < o->parts; i++) {
        fg_newton_part *t = &o->part[i];
        t->xd = fg_malloc_array(FG_NEWTON_CHUNK, o->d * sizeof(double));
        t->zd = fg_malloc_array(FG_NEWTON_CHUNK, o->k * sizeof(double));
        t->fbuf = fg_malloc_array(FG_NEWTON_CHUNK, o->d * sizeof(float));
        t->acc = fg_malloc_array(o->p, sizeof(double));
        if (!t->xd || !t->zd || !t->fbuf || !t->acc)
            return fg_nomem("the newton step");
    }
    return fg_newton_affine_probs(o);
}

void fg_newton_obj_end(fg_newton_obj *o)
{
    fg_free(o->prob);
    fg_free(o->theta);
    for (size_t i = 0; o->part != NULL && i < o->parts; i++) {
        fg_free(o->part[i].xd);
        fg_free(o->part[i].zd);
        fg_free(o->part[i].fbuf);
        fg_free(o->part[i].acc);
    }
    fg_free(o->part);
    fg_free(o->fbuf);
    fg_free(o->v32);
    fg_free(o->acc32);
    fg_workspace_free(&o->ws);
    fg_workspace_free(&o->tws);
    fg_workspace_free(&o->zws);
    memset(o, 0, sizeof *o);
}

int fg_newton_grad_sum(fg_newton_obj *o, const forget_dataset *ds, double *g)
{
    const float *t = fg_model_theta_const(o->m);
    for (size_t i = 0; i < o->p; i++)
        o->theta[i] = (double)t[i];
    memset(g, 0, o->p * sizeof *g);
    return o->affine ? fg_newton_affine_grad_sum(o, ds, g)
                     : fg_newton_gn_grad_sum(o, ds, g);
}

int fg_newton_grad(fg_newton_obj *o, double *g)
{
    int rc = fg_newton_grad_sum(o, o->rows, g);
    if (rc != FORGET_OK)
        return rc;
    double inv = o->n ? 1.0 / (double)o->n : 0.0;
    for (size_t i = 0; i < o->p; i++)
        g[i] = g[i] * inv + o->lambda * o->theta[i];
    o->obj = o->loss * inv + 0.5 * o->lambda * fg_vdot(o->theta, o->theta, o->p);
    return FORGET_OK;
}

int fg_newton_hvp(void *ctx, const double *v, double *out)
{
    fg_newton_obj *o = ctx;
    memset(out, 0, o->p * sizeof *out);
    int rc = o->affine ? fg_newton_affine_hvp(o, v, out)
                       : fg_newton_gn_hvp(o, v, out);
    if (rc != FORGET_OK)
        return rc;
    double inv = o->n ? 1.0 / (double)o->n : 0.0, shift = o->lambda + o->damping;
    for (size_t i = 0; i < o->p; i++)
        out[i] = out[i] * inv + shift * v[i];
    return FORGET_OK;
}

int fg_newton_inv_diag(fg_newton_obj *o, double *inv, int *filled)
{
    *filled = 0;
    if (!o->affine)
        return FORGET_OK;
    memset(inv, 0, o->p * sizeof *inv);
    int rc = fg_newton_affine_diag(o, inv);
    if (rc != FORGET_OK)
        return rc;
    double scale = o->n ? 1.0 / (double)o->n : 0.0;
    double shift = o->lambda + o->damping;
    for (size_t i = 0; i < o->p; i++) {
        double dg = inv[i] * scale + shift;
        inv[i] = dg > 0.0 ? 1.0 / dg : 1.0;
    }
    *filled = 1;
    return FORGET_OK;
}

int fg_newton_solve(fg_newton_obj *o, const double *g, fg_cg *c,
                    fg_newton_pc *pc, double *s, double *work)
{
    double *inv = work + 4 * o->p;
    c->n = o->p;
    c->op = fg_newton_hvp;
    c->ctx = o;
    if (pc != NULL && pc->ok) {
        c->precond = fg_newton_pc_apply;
        c->precond_ctx = pc;
    } else {
        int filled = 0, rc = fg_newton_inv_diag(o, inv, &filled);
        if (rc != FORGET_OK)
            return rc;
        c->inv_diag = filled ? inv : NULL;
    }
    return fg_cg_solve(c, g, s, work);
}

int fg_newton_move(fg_newton_obj *o, const float *base, const double *s,
                   double t, float *next)
{
    for (size_t i = 0; i < o->p; i++) {
        next[i] = (float)((double)base[i] - t * s[i]);
        if (!isfinite(next[i]))
            return fg_error(FORGET_E_NUMERIC, "method 'newton': the step "
                            "makes parameter %zu non-finite", i);
    }
    memcpy(fg_model_theta(o->m), next, o->p * sizeof *next);
    return FORGET_OK;
}
