/* The float64 path of newton for affine models (outputs z = W x + b):
 * the loss is convex in (W, b) and its Hessian is exact and cheap to
 * apply without ever being formed,
 *     H v = (1/n) sum_i J_i^T A_i J_i v,   J_i v = V x_i + v_b,
 * A_i = diag(p_i) - p_i p_i^T (softmax cross-entropy) or 2/k I (the mean
 * of k squared errors); J_i^T u = (u x_i^T, u). Over a chunk of rows X
 * that is two GEMMs: Zdot = X V^T + v_b, then U^T X. */
#include "methods/newton.h"

#include <math.h>
#include <string.h>

/* Rows [b, e) of ds into o->xd as float64; returns the row count. */
static size_t fg_newton_load(fg_newton_obj *o, const forget_dataset *ds,
                             size_t b, size_t e)
{
    const float *x = fg_dataset_rows(ds, b, e, o->fbuf);
    size_t cells = (e - b) * o->d;
    for (size_t i = 0; i < cells; i++)
        o->xd[i] = (double)x[i];
    return e - b;
}

/* zd (c x k) = X W^T + b, with W and b given (theta or a direction). */
static void fg_newton_outputs(fg_newton_obj *o, size_t c, const double *w,
                              const double *b)
{
    for (size_t i = 0; i < c; i++)
        memcpy(o->zd + i * o->k, b, o->k * sizeof(double));
    fg_dgemm(0, 1, c, o->k, o->d, 1.0, o->xd, o->d, w, o->d, 1.0, o->zd,
             o->k);
}

/* The rows' part of acc: acc_W += U^T X, acc_b += the column sums of U
 * (U = o->zd, c x k). */
static void fg_newton_back(fg_newton_obj *o, size_t c, double *acc)
{
    fg_dgemm(1, 0, o->k, o->d, c, 1.0, o->zd, o->k, o->xd, o->d, 1.0,
             acc + o->woff, o->d);
    for (size_t i = 0; i < c; i++)
        for (size_t j = 0; j < o->k; j++)
            acc[o->boff + j] += o->zd[i * o->k + j];
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
    for (size_t b = 0; b < o->n; b += FG_NEWTON_CHUNK) {
        size_t e = o->n - b < FG_NEWTON_CHUNK ? o->n : b + FG_NEWTON_CHUNK;
        size_t c = fg_newton_load(o, o->rows, b, e);
        fg_newton_outputs(o, c, o->theta + o->woff, o->theta + o->boff);
        for (size_t i = 0; i < c; i++)
            fg_newton_softmax(o->zd + i * o->k, o->k);
        memcpy(o->prob + b * o->k, o->zd, c * o->k * sizeof(double));
    }
    return FORGET_OK;
}

int fg_newton_affine_grad_sum(fg_newton_obj *o, const forget_dataset *ds,
                              double *g)
{
    size_t n = forget_dataset_rows(ds), k = o->k;
    const int32_t *labels = forget_dataset_labels(ds);
    const float *targets = forget_dataset_targets(ds);
    int classes = fg_newton_classes(o);
    double loss = 0.0;
    for (size_t b = 0; b < n; b += FG_NEWTON_CHUNK) {
        size_t e = n - b < FG_NEWTON_CHUNK ? n : b + FG_NEWTON_CHUNK;
        size_t c = fg_newton_load(o, ds, b, e);
        fg_newton_outputs(o, c, o->theta + o->woff, o->theta + o->boff);
        for (size_t i = 0; i < c; i++) {
            double *zi = o->zd + i * k;
            if (classes) {
                int32_t y = labels[b + i];
                double zy = zi[y];
                loss += fg_newton_softmax(zi, k) - zy;
                zi[y] -= 1.0;
            } else {
                const float *ti = targets + (b + i) * k;
                for (size_t j = 0; j < k; j++) {
                    double r = zi[j] - (double)ti[j];
                    loss += r * r / (double)k;
                    zi[j] = 2.0 * r / (double)k;
                }
            }
        }
        fg_newton_back(o, c, g);
    }
    o->loss = loss;
    return FORGET_OK;
}

void fg_newton_affine_hvp(fg_newton_obj *o, const double *v, double *out)
{
    size_t k = o->k;
    int classes = fg_newton_classes(o);
    for (size_t b = 0; b < o->n; b += FG_NEWTON_CHUNK) {
        size_t e = o->n - b < FG_NEWTON_CHUNK ? o->n : b + FG_NEWTON_CHUNK;
        size_t c = fg_newton_load(o, o->rows, b, e);
        fg_newton_outputs(o, c, v + o->woff, v + o->boff);
        for (size_t i = 0; i < c; i++) {
            double *zi = o->zd + i * k;
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
        fg_newton_back(o, c, out);
    }
}

void fg_newton_affine_diag(fg_newton_obj *o, double *diag)
{
    size_t k = o->k;
    int classes = fg_newton_classes(o);
    for (size_t b = 0; b < o->n; b += FG_NEWTON_CHUNK) {
        size_t e = o->n - b < FG_NEWTON_CHUNK ? o->n : b + FG_NEWTON_CHUNK;
        size_t c = fg_newton_load(o, o->rows, b, e);
        for (size_t i = 0; i < c * o->d; i++)
            o->xd[i] *= o->xd[i];
        for (size_t i = 0; i < c; i++)
            for (size_t j = 0; j < k; j++) {
                double pj = classes ? o->prob[(b + i) * k + j] : 0.0;
                o->zd[i * k + j] = classes ? pj * (1.0 - pj) : 2.0 / (double)k;
            }
        fg_newton_back(o, c, diag);
    }
}

void fg_newton_affine_blocks(fg_newton_obj *o, const forget_dataset *ds,
                             const double *theta, double alpha, double *s,
                             size_t nb, double *xs)
{
    size_t n = forget_dataset_rows(ds), k = o->k, d = o->d, d1 = d + 1;
    int classes = fg_newton_classes(o);
    for (size_t b = 0; b < n; b += FG_NEWTON_CHUNK) {
        size_t e = n - b < FG_NEWTON_CHUNK ? n : b + FG_NEWTON_CHUNK;
        size_t c = fg_newton_load(o, ds, b, e);
        if (classes) {
            fg_newton_outputs(o, c, theta + o->woff, theta + o->boff);
            for (size_t i = 0; i < c; i++)
                fg_newton_softmax(o->zd + i * k, k);
        }
        for (size_t j = 0; j < nb; j++) {
            /* xs = sqrt(weight) (x, 1), row by row */
            for (size_t i = 0; i < c; i++) {
                double pj = classes ? o->zd[i * k + j] : 0.0;
                double w = sqrt(classes ? pj * (1.0 - pj) : 2.0 / (double)k);
                for (size_t l = 0; l < d; l++)
                    xs[i * d1 + l] = w * o->xd[i * d + l];
                xs[i * d1 + d] = w;
            }
            fg_dsyrk(1, d1, c, alpha, xs, d1, 1.0, s + j * d1 * d1, d1);
        }
    }
}
