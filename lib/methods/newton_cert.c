/* newton's certified mode (newton_cert.h): the parameters and their
 * checks, the certificate's start at prepare (row norms, the Gram bound,
 * the trained model's residual), each request's data-dependent bound,
 * the retrain that replaces a step past the budget, and the NCRT
 * section.
 *
 * A linear model with two outputs under softmax cross-entropy is binary
 * logistic regression in disguise: row i's loss is psi(a_i . theta),
 * psi(t) = ln(1 + e^t), a_i = s_i (-x~_i, x~_i) over the two classes'
 * (weights, bias), s_i = +-1 by the label, x~_i = (x_i, 1). So
 * ||a_i|| = sqrt(2) ||x~_i||, ||A||_2 = sqrt(2) ||X~||_2 and
 * a_i . v = s_i x~_i . (v_1 - v_0): the paper's generalised linear model
 * with these features. */
#include "methods/newton_cert.h"

#include <math.h>
#include <string.h>

int fg_newton_cert_create(fg_newton_cert *c, const forget_model *m,
                          const forget_params *p, double *lambda)
{
    memset(c, 0, sizeof *c);
    forget_params_bool(p, "certified", &c->on);
    if (!c->on)
        return FORGET_OK;
    const char *train = "";
    forget_params_double(p, "epsilon", &c->epsilon);
    forget_params_double(p, "delta", &c->delta);
    forget_params_double(p, "row_norm", &c->row_norm);
    forget_params_string(p, "train", &train);
    if (!fg_model_affine(m) ||
        forget_model_task(m) != FORGET_TASK_CLASSIFICATION ||
        forget_model_outputs(m) != 2)
        return fg_error(FORGET_E_UNSUPPORTED, "method 'newton': "
                        "certified=true covers binary logistic regression "
                        "(a linear classification model with 2 outputs, "
                        "Guo et al.'s setting); this model is kind '%s' "
                        "with %zu outputs (a softmax over more classes has "
                        "no such certificate here; the paper's multiclass "
                        "route is one-vs-rest, which the linear kind is "
                        "not)", forget_model_kind(m), forget_model_outputs(m));
    double wd = 0.0;
    int rc = fg_train_perturbation(train, 0, NULL, &c->sigma, &wd);
    if (rc != FORGET_OK)
        return rc;
    if (c->sigma <= 0.0 || wd <= 0.0)
        return fg_error(FORGET_E_PARAM, "method 'newton': certified=true "
                        "needs the training parameters (train=...) of a "
                        "model trained with perturb > 0 and weight_decay > "
                        "0; they give perturb=%g weight_decay=%g", c->sigma,
                        wd);
    if (*lambda != 0.0 && *lambda != wd)
        return fg_error(FORGET_E_PARAM, "method 'newton': weight_decay=%g "
                        "differs from the training parameters' %g", *lambda,
                        wd);
    *lambda = c->lambda = wd;
    double cc = sqrt(2.0 * log(1.5 / c->delta));
    c->budget = c->sigma * c->epsilon / cc;
    size_t np = forget_model_param_count(m);
    c->train = fg_strdup(train);
    c->b = fg_malloc_array(np, sizeof(double));
    if (c->train == NULL || c->b == NULL)
        return fg_nomem("the certificate");
    return fg_train_perturbation(train, np, c->b, &c->sigma, &wd);
}

void fg_newton_cert_free(fg_newton_cert *c)
{
    fg_free(c->b);
    fg_free(c->train);
    memset(c, 0, sizeof *c);
}

int fg_newton_cert_grad(const fg_newton_cert *c, fg_newton_obj *o, double *g)
{
    int rc = fg_newton_grad(o, g);
    if (rc != FORGET_OK || !c->on || o->n == 0)
        return rc;
    double inv = 1.0 / (double)o->n;
    for (size_t i = 0; i < o->p; i++)
        g[i] += c->b[i] * inv;
    o->obj += fg_vdot(c->b, o->theta, o->p) * inv;
    return FORGET_OK;
}

/* *res = ||grad L_b|| (sum form) over rows at the model's theta. */
static int fg_cert_residual(const fg_newton_cert *c, forget_model *m,
                            const forget_dataset *rows, double *res)
{
    fg_newton_obj o;
    size_t p = forget_model_param_count(m);
    double *g = fg_malloc_array(p, sizeof(double));
    int rc = g ? fg_newton_obj_begin(&o, m, rows, c->lambda, 0.0)
               : (memset(&o, 0, sizeof o), fg_nomem("the certificate"));
    if (rc == FORGET_OK)
        rc = fg_newton_cert_grad(c, &o, g);
    if (rc == FORGET_OK)
        *res = (double)o.n * fg_vnorm(g, p);
    fg_newton_obj_end(&o);
    fg_free(g);
    return rc;
}

/* An upper bound on the largest eigenvalue of the PSD matrix g (n x n,
 * upper): a power iteration's estimate raised until tau I - g factors
 * (so tau is above every eigenvalue, up to the factorisation's rounding),
 * never above the trace. work: n^2 + 2 n doubles. */
static double fg_cert_lmax(const double *g, size_t n, double *work)
{
    double *v = work, *w = work + n, *mat = work + 2 * n, trace = 0.0;
    for (size_t i = 0; i < n; i++) {
        v[i] = 1.0 / sqrt((double)n);
        trace += g[i * n + i];
    }
    double mu = 0.0;
    for (int it = 0; it < 300; it++) {
        fg_dsymv(n, 1.0, g, n, v, 0.0, w);
        mu = fg_vnorm(w, n);
        if (!(mu > 0.0))
            return trace;
        for (size_t i = 0; i < n; i++)
            v[i] = w[i] / mu;
    }
    double step = 0.01;
    for (double tau = mu * (1.0 + 1e-9) + 1e-12 * trace; tau < trace;
         tau *= 1.0 + step, step *= 2.0) {
        for (size_t i = 0; i < n; i++)
            for (size_t j = i; j < n; j++)
                mat[i * n + j] = (i == j ? tau : 0.0) - g[i * n + j];
        if (fg_dpotrf(n, mat, n) == 0)
            return tau;
    }
    return trace;
}

/* Over the rows of ds: the largest row norm, and an upper bound on
 * ||X~||_2^2. Rows beyond limit (> 0) are refused naming the id. */
static int fg_cert_rows(const forget_dataset *ds, double limit,
                        double *maxnorm, double *gram)
{
    size_t n = forget_dataset_rows(ds), d = forget_dataset_features(ds);
    size_t cols = d + 1, ch = FG_NEWTON_CHUNK;
    int full = cols <= FG_CERT_GRAM_MAX;
    double *xd = fg_malloc_array(ch, cols * sizeof(double));
    float *fb = fg_malloc_array(ch, d * sizeof(float));
    double *g = full ? fg_calloc(cols * cols, sizeof(double)) : NULL;
    double *work = full ? fg_malloc_array(cols + 2, cols * sizeof(double))
                        : NULL;
    int rc = xd && fb && (!full || (g && work)) ? FORGET_OK
                                                : fg_nomem("the certificate");
    const uint64_t *ids = forget_dataset_ids(ds);
    double frob = 0.0, top = 0.0;
    for (size_t b = 0; rc == FORGET_OK && b < n; b += ch) {
        size_t e = n - b < ch ? n : b + ch;
        const float *x = fg_dataset_rows(ds, b, e, fb);
        for (size_t i = 0; i < e - b; i++) {
            double sq = 0.0;
            for (size_t j = 0; j < d; j++) {
                xd[i * cols + j] = (double)x[i * d + j];
                sq += xd[i * cols + j] * xd[i * cols + j];
            }
            xd[i * cols + d] = 1.0;
            frob += sq + 1.0;
            top = sqrt(sq) > top ? sqrt(sq) : top;
            if (limit > 0 && sqrt(sq) > limit)
                rc = fg_error(FORGET_E_INVALID, "method 'newton': row of id "
                              "%llu has norm %g, beyond row_norm=%g (the "
                              "bound the certificate assumes)",
                              (unsigned long long)ids[b + i], sqrt(sq), limit);
        }
        if (rc == FORGET_OK && full)
            fg_dsyrk(1, cols, e - b, 1.0, xd, cols, 1.0, g, cols);
    }
    if (rc == FORGET_OK) {
        *maxnorm = limit > 0 ? limit : top;
        *gram = full ? fg_cert_lmax(g, cols, work) : frob;
    }
    fg_free(xd);
    fg_free(fb);
    fg_free(g);
    fg_free(work);
    return rc;
}

int fg_newton_cert_prepare(const fg_newton_cert *c, forget_model *m,
                           const forget_dataset *train, double *rbound,
                           double *gram, double *spent, forget_run *run)
{
    int rc = fg_cert_rows(train, c->row_norm, rbound, gram);
    if (rc == FORGET_OK)
        rc = fg_cert_residual(c, m, train, spent);
    if (rc == FORGET_OK && *spent > c->budget)
        rc = fg_error(FORGET_E_NUMERIC, "method 'newton': the trained "
                      "model's gradient residual on the perturbed objective "
                      "is %g, beyond the certificate's budget %g (sigma "
                      "epsilon / sqrt(2 ln(1.5/delta))): train closer to the "
                      "optimum (full batches, more epochs) or raise perturb "
                      "or epsilon", *spent, c->budget);
    if (rc == FORGET_OK)
        rc = forget_run_report(run, "cert_budget", c->budget);
    if (rc == FORGET_OK)
        rc = forget_run_report(run, "cert_spent", *spent);
    if (rc == FORGET_OK)
        rc = forget_run_report(run, "cert_row_norm", *rbound);
    if (rc == FORGET_OK)
        rc = forget_run_report(run, "cert_gram_norm", sqrt(*gram));
    return rc;
}

/* ||A v||: over o's rows, sqrt(sum_i (x~_i . (v_1 - v_0))^2). */
static double fg_cert_av(fg_newton_obj *o, const double *v, double *u)
{
    size_t d = o->d, n = o->n;
    for (size_t j = 0; j < d; j++)
        u[j] = v[o->woff + d + j] - v[o->woff + j];
    u[d] = v[o->boff + 1] - v[o->boff];
    double sum = 0.0;
    for (size_t b = 0; b < n; b += FG_NEWTON_CHUNK) {
        size_t e = n - b < FG_NEWTON_CHUNK ? n : b + FG_NEWTON_CHUNK;
        const float *x = fg_dataset_rows(o->rows, b, e, o->fbuf);
        for (size_t i = 0; i < e - b; i++) {
            double t = u[d];
            for (size_t j = 0; j < d; j++)
                t += (double)x[i * d + j] * u[j];
            sum += t * t;
        }
    }
    return sqrt(sum);
}

int fg_newton_cert_bound(const fg_newton_cert *c, fg_newton_obj *o,
                         const double *g, const float *theta_old,
                         const float *theta_new, double *bound)
{
    size_t p = o->p;
    double *v = fg_malloc_array(p, 2 * sizeof(double));
    double *u = fg_malloc_array(o->d + 1, sizeof(double));
    int rc = v && u ? FORGET_OK : fg_nomem("the certificate's bound");
    double *hv = v + p;
    for (size_t i = 0; rc == FORGET_OK && i < p; i++)
        v[i] = (double)theta_old[i] - (double)theta_new[i];
    if (rc == FORGET_OK)
        rc = fg_newton_hvp(o, v, hv);
    if (rc == FORGET_OK) {
        for (size_t i = 0; i < p; i++)
            hv[i] = g[i] - hv[i];
        double nr = (double)o->n, solve = nr * fg_vnorm(hv, p);
        double ra = sqrt(2.0 * (c->rbound * c->rbound + 1.0));
        double anorm = sqrt(2.0 * c->gram);
        double second = FG_CERT_GAMMA * ra * anorm * fg_vnorm(v, p) *
                        fg_cert_av(o, v, u);
        *bound = solve + second;
    }
    fg_free(v);
    fg_free(u);
    return rc;
}

int fg_newton_cert_retrain(const fg_newton_cert *c, forget_model *m,
                           const forget_dataset *kept, float *theta,
                           double *residual)
{
    forget_model *fresh = NULL;
    size_t p = forget_model_param_count(m);
    int rc = forget_model_create(&fresh, forget_model_kind(m),
                                 forget_model_params(m));
    if (rc == FORGET_OK)
        rc = fg_model_train_rows(fresh, kept, NULL,
                                 forget_dataset_rows(kept), c->train, 0);
    if (rc == FORGET_OK && forget_model_param_count(fresh) != p)
        rc = fg_error(FORGET_E_STATE, "method 'newton': the retrained "
                      "model's shape differs");
    if (rc == FORGET_OK) {
        memcpy(theta, fg_model_theta_const(fresh), p * sizeof(float));
        rc = fg_cert_residual(c, fresh, kept, residual);
    }
    forget_model_free(fresh);
    return rc;
}

int fg_newton_cert_reserve(forget_run *run)
{
    static const char *const keys[] = {
        "retrained", "cert_epsilon", "cert_delta", "cert_budget",
        "cert_bound", "cert_spent", "cert_left"};
    int rc = FORGET_OK;
    for (size_t i = 0; rc == FORGET_OK && i < sizeof keys / sizeof *keys; i++)
        rc = forget_run_report(run, keys[i], 0);
    return rc;
}

void fg_newton_cert_report(const fg_newton_cert *c, forget_run *run,
                           double bound, int retrained)
{
    forget_run_report(run, "retrained", retrained);
    forget_run_report(run, "cert_epsilon", c->epsilon);
    forget_run_report(run, "cert_delta", c->delta);
    forget_run_report(run, "cert_budget", c->budget);
    forget_run_report(run, "cert_bound", bound);
    forget_run_report(run, "cert_spent", c->spent);
    forget_run_report(run, "cert_left", c->budget - c->spent);
}

#define FG_CERT_F64 7
#define FG_CERT_BYTES (8 * (FG_CERT_F64 + 2))

int fg_newton_cert_save(const fg_newton_cert *c, forget_writer *w)
{
    if (!c->on)
        return FORGET_OK;
    double f[FG_CERT_F64] = {c->epsilon, c->delta, c->sigma, c->budget,
                             c->rbound, c->gram, c->spent};
    unsigned char buf[FG_CERT_BYTES];
    for (size_t i = 0; i < FG_CERT_F64; i++) {
        uint64_t bits;
        memcpy(&bits, &f[i], sizeof bits);
        fg_put_u64(buf + 8 * i, bits);
    }
    fg_put_u64(buf + 8 * FG_CERT_F64, c->steps);
    fg_put_u64(buf + 8 * FG_CERT_F64 + 8, c->retrains);
    return forget_writer_section(w, "NCRT", FORGET_SECTION_REQUIRED, buf,
                                 sizeof buf);
}

int fg_newton_cert_load(fg_newton_cert *c, const fg_slot *slot, int prepared)
{
    if (slot->data == NULL) {
        if (c->on && prepared)
            return fg_error(FORGET_E_FORMAT, "method 'newton': the state "
                            "has no certificate (section NCRT) but its "
                            "parameters say certified=true");
        return FORGET_OK;
    }
    if (!c->on || !prepared)
        return fg_error(FORGET_E_FORMAT, "method 'newton': the state holds "
                        "a certificate (NCRT) that its parameters do not "
                        "ask for (certified=false) or that was never "
                        "prepared");
    if (slot->size != FG_CERT_BYTES)
        return fg_error(FORGET_E_FORMAT, "method 'newton': section NCRT "
                        "has %zu bytes, not %d", slot->size, FG_CERT_BYTES);
    double f[FG_CERT_F64];
    fg_get_f64s(f, slot->data, FG_CERT_F64);
    const double mine[4] = {c->epsilon, c->delta, c->sigma, c->budget};
    for (size_t i = 0; i < 4; i++)
        if (f[i] != mine[i])
            return fg_error(FORGET_E_FORMAT, "method 'newton': the saved "
                            "certificate (epsilon %g, delta %g, sigma %g, "
                            "budget %g) does not fit the parameters' "
                            "(%g, %g, %g, %g)", f[0], f[1], f[2], f[3],
                            mine[0], mine[1], mine[2], mine[3]);
    if (!(f[4] >= 0 && isfinite(f[4]) && f[5] > 0 && isfinite(f[5]) &&
          f[6] >= 0 && f[6] <= c->budget))
        return fg_error(FORGET_E_FORMAT, "method 'newton': the saved "
                        "certificate is malformed (row bound %g, Gram bound "
                        "%g, spent %g of budget %g)", f[4], f[5], f[6],
                        c->budget);
    if (c->row_norm > 0 && f[4] != c->row_norm)
        return fg_error(FORGET_E_FORMAT, "method 'newton': the saved "
                        "certificate's row bound %g is not row_norm=%g", f[4],
                        c->row_norm);
    c->rbound = f[4];
    c->gram = f[5];
    c->spent = f[6];
    c->steps = fg_get_u64(slot->data + 8 * FG_CERT_F64);
    c->retrains = fg_get_u64(slot->data + 8 * FG_CERT_F64 + 8);
    return FORGET_OK;
}
