/* The float64 path of newton for affine models (outputs z = W x + b):
 * the loss is convex in (W, b) and its Hessian is exact and cheap to
 * apply without ever being formed,
 *     H v = (1/n) sum_i J_i^T A_i J_i v,   J_i v = V x_i + v_b,
 * A_i = diag(p_i) - p_i p_i^T (softmax cross-entropy) or 2/k I (the mean
 * of k squared errors); J_i^T u = (u x_i^T, u). Over a chunk of rows X
 * that is two GEMMs: Zdot = X V^T + v_b, then U^T X. The passes over
 * the rows run in parts on threads of their own when the BLAS runs one
 * thread (fg_newton_obj.parts): the sums are the parts' in part order. */
#include "methods/newton.h"

#include <math.h>
#include <string.h>

/* Rows [b, e) of ds into t->xd as float64; returns the row count. */
static size_t fg_newton_load(const fg_newton_obj *o, fg_newton_part *t,
                             const forget_dataset *ds, size_t b, size_t e)
{
    const float *x = fg_dataset_rows(ds, b, e, t->fbuf);
    size_t cells = (e - b) * o->d;
    for (size_t i = 0; i < cells; i++)
        t->xd[i] = (double)x[i];
    return e - b;
}

/* zd (c x k) = X W^T + b, with W and b given (theta or a direction). */
static void fg_newton_outputs(const fg_newton_obj *o, fg_newton_part *t,
                              size_t c, const double *w, const double *b)
{
    for (size_t i = 0; i < c; i++)
        memcpy(t->zd + i * o->k, b, o->k * sizeof(double));
    fg_dgemm(0, 1, c, o->k, o->d, 1.0, t->xd, o->d, w, o->d, 1.0, t->zd,
             o->k);
}

/* The rows' part of the part's sum: acc_W += U^T X, acc_b += the column
 * sums of U (U = t->zd, c x k). */
static void fg_newton_back(const fg_newton_obj *o, fg_newton_part *t,
                           size_t c)
{
    fg_dgemm(1, 0, o->k, o->d, c, 1.0, t->zd, o->k, t->xd, o->d, 1.0,
             t->acc + o->woff, o->d);
    for (size_t i = 0; i < c; i++)
        for (size_t j = 0; j < o->k; j++)
            t->acc[o->boff + j] += t->zd[i * o->k + j];
}

/* z <- softmax(z) over k, in float64; returns ln sum_j e^(z_j) of the z
 * given (so that a row's cross-entropy is that minus its label's z). */
static double fg_newton_softmax(double *z, size_t k)
{
    double mx = z[0], sum = 0.0;
    for (size_t j = 1; j < k; j++)
        mx = z[j] > mx ? z[j] : mx;
    for (size_t j = 0; j < k; j++)
        sum += (z[j] = exp(z[j] - mx));
    for (size_t j = 0; j < k; j++)
        z[j] /= sum;
    return mx + log(sum);
}

static int fg_newton_classes(const fg_newton_obj *o)
{
    return forget_model_task(o->m) == FORGET_TASK_CLASSIFICATION;
}

/* A pass: fn on each chunk of ds's rows (loaded into the part's xd),
 * the chunks split into o->parts contiguous ranges, one per part; each
 * part sums into its own acc and loss, and the parts are added in part
 * order, so that the result depends on the number of parts only. */
typedef void (*fg_chunk_fn)(const fg_newton_obj *o, fg_newton_part *t,
                            const void *arg, const forget_dataset *ds,
                            size_t b, size_t c);

typedef struct fg_pass {
    const fg_newton_obj *o;
    const forget_dataset *ds;
    fg_chunk_fn fn;
    const void *arg;
    size_t n, chunks;
} fg_pass;

static int fg_pass_part(size_t i, void *ctx)
{
    const fg_pass *ps = ctx;
    const fg_newton_obj *o = ps->o;
    fg_newton_part *t = &o->part[i];
    size_t c0 = ps->chunks * i / o->parts, c1 = ps->chunks * (i + 1) / o->parts;
    memset(t->acc, 0, o->p * sizeof(double));
    t->loss = 0.0;
    for (size_t c = c0; c < c1; c++) {
        size_t b = c * FG_NEWTON_CHUNK;
        size_t e = ps->n - b < FG_NEWTON_CHUNK ? ps->n : b + FG_NEWTON_CHUNK;
        ps->fn(o, t, ps->arg, ps->ds, b, fg_newton_load(o, t, ps->ds, b, e));
    }
    return FORGET_OK;
}

/* acc (p doubles; NULL: none) += the pass's sums; *loss (NULL: none) =
 * its loss. FORGET_E_NOMEM when the threads' bookkeeping cannot be
 * allocated (nothing added then). */
static int fg_newton_pass(const fg_newton_obj *o, const forget_dataset *ds,
                          fg_chunk_fn fn, const void *arg, double *acc,
                          double *loss)
{
    fg_pass ps = {o, ds, fn, arg, forget_dataset_rows(ds), 0};
    ps.chunks = (ps.n + FG_NEWTON_CHUNK - 1) / FG_NEWTON_CHUNK;
    if (o->parts > 1 && ps.chunks > 1) {
        int rc = fg_parallel(o->parts, (int)o->parts, fg_pass_part, &ps);
        if (rc != FORGET_OK)
            return rc;
    } else {
        for (size_t i = 0; i < o->parts; i++)
            fg_pass_part(i, &ps);
    }
    double sum = 0.0;
    for (size_t i = 0; i < o->parts; i++) {
        const fg_newton_part *t = &o->part[i];
        sum += t->loss;
        for (size_t j = 0; acc != NULL && j < o->p; j++)
            acc[j] += t->acc[j];
    }
    if (loss != NULL)
        *loss = sum;
    return FORGET_OK;
}

/* The softmax at theta of each row of the chunk, into o->prob. */
static void fg_chunk_probs(const fg_newton_obj *o, fg_newton_part *t,
                           const void *arg, const forget_dataset *ds,
                           size_t b, size_t c)
{
    (void)arg;
    (void)ds;
    fg_newton_outputs(o, t, c, o->theta + o->woff, o->theta + o->boff);
    for (size_t i = 0; i < c; i++)
        fg_newton_softmax(t->zd + i * o->k, o->k);
    memcpy(o->prob + b * o->k, t->zd, c * o->k * sizeof(double));
}

int fg_newton_affine_probs(fg_newton_obj *o)
{
    const float *t = fg_model_theta_const(o->m);
    for (size_t i = 0; i < o->p; i++)
        o->theta[i] = (double)t[i];
    if (!fg_newton_classes(o))
        return FORGET_OK;
    o->prob = fg_malloc_array(o->n ? o->n : 1, o->k * sizeof(double));
    if (o->prob == NULL)
        return fg_nomem("the probabilities of the retained rows");
    return fg_newton_pass(o, o->rows, fg_chunk_probs, NULL, NULL, NULL);
}

/* The loss's gradient at theta and the loss, summed over the chunk. */
static void fg_chunk_grad(const fg_newton_obj *o, fg_newton_part *t,
                          const void *arg, const forget_dataset *ds,
                          size_t b, size_t c)
{
    (void)arg;
    size_t k = o->k;
    const int32_t *labels = forget_dataset_labels(ds);
    const float *targets = forget_dataset_targets(ds);
    int classes = fg_newton_classes(o);
    fg_newton_outputs(o, t, c, o->theta + o->woff, o->theta + o->boff);
    for (size_t i = 0; i < c; i++) {
        double *zi = t->zd + i * k;
        if (classes) {
            int32_t y = labels[b + i];
            double zy = zi[y];
            t->loss += fg_newton_softmax(zi, k) - zy;
            zi[y] -= 1.0;
        } else {
            const float *ti = targets + (b + i) * k;
            for (size_t j = 0; j < k; j++) {
                double r = zi[j] - (double)ti[j];
                t->loss += r * r / (double)k;
                zi[j] = 2.0 * r / (double)k;
            }
        }
    }
    fg_newton_back(o, t, c);
}

int fg_newton_affine_grad_sum(fg_newton_obj *o, const forget_dataset *ds,
                              double *g)
{
    return fg_newton_pass(o, ds, fg_chunk_grad, NULL, g, &o->loss);
}

/* The data term's product with v (arg) over the chunk. */
static void fg_chunk_hvp(const fg_newton_obj *o, fg_newton_part *t,
                         const void *arg, const forget_dataset *ds, size_t b,
                         size_t c)
{
    (void)ds;
    const double *v = arg;
    size_t k = o->k;
    int classes = fg_newton_classes(o);
    fg_newton_outputs(o, t, c, v + o->woff, v + o->boff);
    for (size_t i = 0; i < c; i++) {
        double *zi = t->zd + i * k;
        if (!classes) {
            for (size_t j = 0; j < k; j++)
                zi[j] *= 2.0 / (double)k;
            continue;
        }
        const double *pi = o->prob + (b + i) * k;
        double pz = 0.0;
        for (size_t j = 0; j < k; j++)
            pz += pi[j] * zi[j];
        for (size_t j = 0; j < k; j++)
            zi[j] = pi[j] * (zi[j] - pz);
    }
    fg_newton_back(o, t, c);
}

int fg_newton_affine_hvp(fg_newton_obj *o, const double *v, double *out)
{
    return fg_newton_pass(o, o->rows, fg_chunk_hvp, v, out, NULL);
}

/* The data term's diagonal over the chunk. */
static void fg_chunk_diag(const fg_newton_obj *o, fg_newton_part *t,
                          const void *arg, const forget_dataset *ds, size_t b,
                          size_t c)
{
    (void)arg;
    (void)ds;
    size_t k = o->k;
    int classes = fg_newton_classes(o);
    for (size_t i = 0; i < c * o->d; i++)
        t->xd[i] *= t->xd[i];
    for (size_t i = 0; i < c; i++)
        for (size_t j = 0; j < k; j++) {
            double pj = classes ? o->prob[(b + i) * k + j] : 0.0;
            t->zd[i * k + j] = classes ? pj * (1.0 - pj) : 2.0 / (double)k;
        }
    fg_newton_back(o, t, c);
}

int fg_newton_affine_diag(fg_newton_obj *o, double *diag)
{
    return fg_newton_pass(o, o->rows, fg_chunk_diag, NULL, diag, NULL);
}

/* The blocks j = j0, j0 + step, ... below nb over ds's rows, with part
 * t's scratch: each block's sum is taken in chunk order, so it is the
 * same whichever part takes it. */
static void fg_newton_blocks_some(const fg_newton_obj *o, fg_newton_part *t,
                                  const forget_dataset *ds,
                                  const double *theta, double alpha,
                                  double *s, size_t nb, double *xs,
                                  size_t j0, size_t step)
{
    size_t n = forget_dataset_rows(ds), k = o->k, d = o->d, d1 = d + 1;
    int classes = fg_newton_classes(o);
    for (size_t b = 0; b < n; b += FG_NEWTON_CHUNK) {
        size_t e = n - b < FG_NEWTON_CHUNK ? n : b + FG_NEWTON_CHUNK;
        size_t c = fg_newton_load(o, t, ds, b, e);
        if (classes) {
            fg_newton_outputs(o, t, c, theta + o->woff, theta + o->boff);
            for (size_t i = 0; i < c; i++)
                fg_newton_softmax(t->zd + i * k, k);
        }
        for (size_t j = j0; j < nb; j += step) {
            /* xs = sqrt(weight) (x, 1), row by row */
            for (size_t i = 0; i < c; i++) {
                double pj = classes ? t->zd[i * k + j] : 0.0;
                double w = sqrt(classes ? pj * (1.0 - pj) : 2.0 / (double)k);
                for (size_t l = 0; l < d; l++)
                    xs[i * d1 + l] = w * t->xd[i * d + l];
                xs[i * d1 + d] = w;
            }
            fg_dsyrk(1, d1, c, alpha, xs, d1, 1.0, s + j * d1 * d1, d1);
        }
    }
}

void fg_newton_affine_blocks(fg_newton_obj *o, const forget_dataset *ds,
                             const double *theta, double alpha, double *s,
                             size_t nb, double *xs)
{
    fg_newton_blocks_some(o, &o->part[0], ds, theta, alpha, s, nb, xs, 0, 1);
}

typedef struct fg_blocks_job {
    const fg_newton_obj *o;
    const forget_dataset *ds;
    const double *theta;
    double *s, *xs; /* xs: one scratch per part */
    size_t nb;
} fg_blocks_job;

static int fg_blocks_task(size_t i, void *ctx)
{
    const fg_blocks_job *jb = ctx;
    const fg_newton_obj *o = jb->o;
    size_t xs_len = FG_NEWTON_CHUNK * (o->d + 1);
    fg_newton_blocks_some(o, &o->part[i], jb->ds, jb->theta, 1.0, jb->s,
                          jb->nb, jb->xs + i * xs_len, i, o->parts);
    return FORGET_OK;
}

int fg_newton_affine_blocks_all(fg_newton_obj *o, const forget_dataset *ds,
                                const double *theta, double *s, size_t nb)
{
    size_t parts = o->parts < nb ? o->parts : nb;
    double *xs = fg_malloc_array(parts ? parts : 1,
                                 FG_NEWTON_CHUNK * (o->d + 1) * sizeof(double));
    if (xs == NULL)
        return fg_nomem("newton's block preconditioner");
    size_t keep = o->parts;
    o->parts = parts; /* the blocks' stride: one part per thread */
    fg_blocks_job jb = {o, ds, theta, s, xs, nb};
    int rc = FORGET_OK;
    if (parts > 1)
        rc = fg_parallel(parts, (int)parts, fg_blocks_task, &jb);
    else
        fg_blocks_task(0, &jb);
    o->parts = keep;
    fg_free(xs);
    return rc;
}
