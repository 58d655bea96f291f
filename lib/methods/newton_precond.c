/* The block preconditioner of newton's conjugate gradients for affine
 * models (newton.h). The Hessian of softmax regression is, per row,
 * A_i (x) x~_i x~_i^T with A_i = diag(p_i) - p_i p_i^T and x~ = (x, 1): its
 * diagonal blocks, one per class, are B_j = (1/n) sum_i p_ij (1 - p_ij)
 * x~_i x~_i^T + shift I (shift = weight_decay + damping). They carry what
 * makes plain CG slow at small weight decay, the correlations of the
 * inputs, but not the coupling of the classes: in particular every A_i
 * annihilates the vector of ones, so the data term has no curvature along
 * the directions that add one vector to every class (the common
 * directions C) and H = shift I there, while the blocks see curvature.
 * So M^-1 r = P B^-1 P r + (I - P) r / shift, P the projection off C
 * (subtracting the class mean of each input's weights): exact on C,
 * the blocks on the rest. On Fashion-MNIST's pixels (lambda 1e-4) this
 * takes CG from hundreds of iterations to about 30; without P it does
 * not converge in 400. Least squares (A_i = 2/k I) has all blocks equal
 * and no coupling: one block, no projection, and M = H.
 *
 * The blocks are sums over the rows still learned, taken with the
 * weights at the parameters of prepare (theta_pc): a request removes
 * its rows' terms (at theta_pc, so that what is left is exactly the sum
 * over the rest up to rounding, and nothing of the forgotten rows stays
 * in the state) and factors again. That the weights are those of
 * theta_pc, not of the current parameters, only slows convergence; the
 * step solves the exact Hessian whatever M is. */
#include "methods/newton.h"

#include <math.h>
#include <string.h>

void fg_newton_pc_free(fg_newton_pc *pc)
{
    fg_free(pc->theta);
    fg_free(pc->s);
    fg_free(pc->u);
    fg_free(pc->work);
    memset(pc, 0, sizeof *pc);
}

/* u = the Cholesky factors of s / rows + shift I (a tiny relative shift
 * when shift is 0); ok = 0 when a block is not positive definite (CG
 * then falls back to the diagonal). */
static void fg_newton_pc_factor(fg_newton_pc *pc)
{
    size_t d1 = pc->d1, bs = d1 * d1;
    pc->ok = pc->rows > 0;
    for (size_t j = 0; pc->ok && j < pc->nb; j++) {
        const double *s = pc->s + j * bs;
        double *u = pc->u + j * bs, big = 0.0;
        for (size_t a = 0; a < d1; a++) {
            for (size_t b = a; b < d1; b++)
                u[a * d1 + b] = s[a * d1 + b] / pc->rows;
            big = u[a * d1 + a] > big ? u[a * d1 + a] : big;
        }
        double add = pc->shift > 0 ? pc->shift : 1e-10 * big + 1e-300;
        for (size_t a = 0; a < d1; a++)
            u[a * d1 + a] += add;
        pc->ok = fg_dpotrf(d1, u, d1) == 0;
    }
}

static int fg_newton_pc_alloc(fg_newton_pc *pc)
{
    size_t bs = pc->d1 * pc->d1;
    pc->theta = fg_malloc_array(pc->p, sizeof(double));
    pc->s = fg_calloc(pc->nb, bs * sizeof(double));
    pc->u = fg_calloc(pc->nb, bs * sizeof(double)); /* lower: unused */
    /* apply: k d1 + d1; remove: FG_NEWTON_CHUNK d1 */
    size_t w = (pc->k + 1 > FG_NEWTON_CHUNK ? pc->k + 1 : FG_NEWTON_CHUNK);
    pc->work = fg_malloc_array(w, pc->d1 * sizeof(double));
    if (bs / pc->d1 != pc->d1 || !pc->theta || !pc->s || !pc->u || !pc->work)
        return fg_nomem("newton's block preconditioner");
    return FORGET_OK;
}

/* The shape of pc for the affine model m. */
static void fg_newton_pc_shape(fg_newton_pc *pc, const forget_model *m,
                               double shift)
{
    memset(pc, 0, sizeof *pc);
    int classes = forget_model_task(m) == FORGET_TASK_CLASSIFICATION;
    size_t nblocks = 0;
    const fg_block *b = fg_model_blocks(m, &nblocks);
    pc->k = forget_model_outputs(m);
    pc->d1 = forget_model_inputs(m) + 1;
    pc->p = forget_model_param_count(m);
    pc->woff = b[0].offset;
    pc->boff = b[1].offset;
    pc->nb = classes ? pc->k : 1;
    pc->project = classes && pc->k > 1;
    pc->shift = shift;
}

int fg_newton_pc_build(fg_newton_pc *pc, fg_newton_obj *o,
                       const forget_dataset *rows)
{
    fg_newton_pc_shape(pc, o->m, o->lambda + o->damping);
    int rc = fg_newton_pc_alloc(pc);
    if (rc != FORGET_OK) {
        fg_newton_pc_free(pc);
        return rc;
    }
    memcpy(pc->theta, o->theta, pc->p * sizeof(double));
    pc->rows = (double)forget_dataset_rows(rows);
    rc = fg_newton_affine_blocks_all(o, rows, pc->theta, pc->s, pc->nb);
    if (rc != FORGET_OK) {
        fg_newton_pc_free(pc);
        return rc;
    }
    fg_newton_pc_factor(pc);
    return FORGET_OK;
}

void fg_newton_pc_remove(fg_newton_pc *pc, fg_newton_obj *o,
                         const forget_dataset *rows)
{
    if (pc->s == NULL)
        return;
    fg_newton_affine_blocks(o, rows, pc->theta, -1.0, pc->s, pc->nb,
                            pc->work);
    pc->rows -= (double)forget_dataset_rows(rows);
    fg_newton_pc_factor(pc);
}

/* The class means of each column of R (k x d1) into c, subtracted. */
static void fg_newton_pc_project(const fg_newton_pc *pc, double *r, double *c)
{
    size_t k = pc->k, d1 = pc->d1;
    memset(c, 0, d1 * sizeof *c);
    for (size_t j = 0; j < k; j++)
        for (size_t l = 0; l < d1; l++)
            c[l] += r[j * d1 + l];
    for (size_t l = 0; l < d1; l++)
        c[l] /= (double)k;
    for (size_t j = 0; j < k; j++)
        for (size_t l = 0; l < d1; l++)
            r[j * d1 + l] -= c[l];
}

int fg_newton_pc_apply(void *ctx, const double *v, double *z)
{
    fg_newton_pc *pc = ctx;
    size_t k = pc->k, d1 = pc->d1, d = d1 - 1, bs = d1 * d1;
    double *r = pc->work, *c = r + k * d1, *c2 = z; /* z as scratch first */
    for (size_t j = 0; j < k; j++) {
        memcpy(r + j * d1, v + pc->woff + j * d, d * sizeof *r);
        r[j * d1 + d] = v[pc->boff + j];
    }
    if (pc->project)
        fg_newton_pc_project(pc, r, c);
    for (size_t j = 0; j < k; j++)
        fg_dpotrs_rows(d1, 1, pc->u + (pc->nb > 1 ? j * bs : 0), d1,
                       r + j * d1, d1);
    if (pc->project) {
        /* P again (c2 takes the means and is dropped), then C's part */
        fg_newton_pc_project(pc, r, c2);
        double inv = pc->shift > 0 ? 1.0 / pc->shift : 1.0;
        for (size_t j = 0; j < k; j++)
            for (size_t l = 0; l < d1; l++)
                r[j * d1 + l] += c[l] * inv;
    }
    for (size_t j = 0; j < k; j++) {
        memcpy(z + pc->woff + j * d, r + j * d1, d * sizeof *z);
        z[pc->boff + j] = r[j * d1 + d];
    }
    return FORGET_OK;
}

/* ---- state sections: NPCH (rows, then the block count and order as
 * doubles), NPCT (theta_pc), NPCS (the sums); optional: a reader without
 * them runs CG with the diagonal ---- */

int fg_newton_pc_save(const fg_newton_pc *pc, forget_writer *w)
{
    if (pc->s == NULL)
        return FORGET_OK;
    double head[3] = {pc->rows, (double)pc->nb, (double)pc->d1};
    int rc = forget_writer_section(w, "NPCH", 0, head, sizeof head);
    if (rc == FORGET_OK)
        rc = forget_writer_section(w, "NPCT", 0, pc->theta,
                                   pc->p * sizeof(double));
    if (rc == FORGET_OK)
        rc = forget_writer_section(w, "NPCS", 0, pc->s,
                                   pc->nb * pc->d1 * pc->d1 * sizeof(double));
    return rc;
}

int fg_newton_pc_load(fg_newton_pc *pc, const fg_slot *t,
                      const forget_model *m, double shift)
{
    const fg_slot *h = fg_slot_get(t, "NPCH"), *th = fg_slot_get(t, "NPCT");
    const fg_slot *s = fg_slot_get(t, "NPCS");
    if (!h->data && !th->data && !s->data)
        return FORGET_OK;
    fg_newton_pc_shape(pc, m, shift);
    double head[3] = {0, 0, 0};
    if (h->count == 3)
        fg_get_f64s(head, h->data, 3);
    if (h->count != 3 || head[1] != (double)pc->nb ||
        head[2] != (double)pc->d1 || th->count != pc->p ||
        s->count != pc->nb * pc->d1 * pc->d1 || !(head[0] >= 0) ||
        isinf(head[0]))
        return fg_error(FORGET_E_FORMAT, "method 'newton': the saved "
                        "preconditioner does not fit the model");
    int rc = fg_newton_pc_alloc(pc);
    if (rc != FORGET_OK) {
        fg_newton_pc_free(pc);
        return rc;
    }
    pc->rows = head[0];
    fg_get_f64s(pc->theta, th->data, pc->p);
    fg_get_f64s(pc->s, s->data, s->count);
    if (!fg_vfinite(pc->theta, pc->p) || !fg_vfinite(pc->s, s->count)) {
        fg_newton_pc_free(pc);
        return fg_error(FORGET_E_FORMAT, "method 'newton': the saved "
                        "preconditioner holds a value that is not finite");
    }
    fg_newton_pc_factor(pc);
    return FORGET_OK;
}
