/* Selective Synaptic Dampening (Foster et al., 2024) and its loss-free
 * variant. Importances are diagonal Fisher estimates: in "sample" mode the
 * exact mean over rows of the squared per-row gradient (one extra GEMM per
 * layer), kept as a float64 sum and a count so that forgotten rows are
 * subtracted exactly; in "batch" mode the reference code's mean over
 * mini-batches of the squared batch-mean gradient. A parameter i with
 * I_F,i > alpha * I_ref,i is multiplied by min((lambda I_ref,i /
 * I_F,i)^exponent, 1). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "forget/backend.h"
#include "approx/calibrate.h"
#include "approx/guard.h"
#include "model/kit.h"

static const forget_param_def fg_ssd_params[] = {
    {"alpha", FORGET_PARAM_DOUBLE, "2", 1e-9, 1e12, NULL,
     "select parameter i when I_F,i > alpha * I_ref,i (the paper's 10 suits "
     "importance=batch; exact sample importances need about 2)"},
    {"lambda", FORGET_PARAM_DOUBLE, "1", 1e-12, 1e12, NULL,
     "dampening: theta_i *= min((lambda I_ref,i / I_F,i)^exponent, 1)"},
    {"exponent", FORGET_PARAM_DOUBLE, "1", 1e-6, 1e6, NULL,
     "exponent of the dampening factor"},
    {"importance", FORGET_PARAM_ENUM, "sample", 0, -1, "sample|batch",
     "sample: exact mean of squared per-row gradients (order-free, "
     "downdated after each request); batch: the reference code's mean of "
     "squared mini-batch gradients"},
    {"loss", FORGET_PARAM_ENUM, "ce", 0, -1, "ce|free",
     "ce: gradients of the loss, squared; free (LFSSD): gradients of the "
     "squared L2 norm of the outputs, absolute values, no labels needed"},
    {"reference", FORGET_PARAM_ENUM, "retain", 0, -1, "retain|full",
     "what I_F is compared with: retain = the rows that remain after the "
     "request (exact from the kept sums; sample mode only), full = all "
     "prepared rows still remembered, the paper's I_D (alpha must stay "
     "below n_D / n_F)"},
    {"batch", FORGET_PARAM_INT, "128", 1, 1048576, NULL,
     "rows per mini-batch in batch mode"},
    FG_GUARD_PARAM_DEFS,
    /* with a target, alpha is the knob searched (lower forgets more) */
    FG_TARGET_PARAM_DEFS,
};
#define FG_SSD_N_PARAMS (sizeof fg_ssd_params / sizeof *fg_ssd_params)

typedef struct fg_ssd {
    forget_model *model;
    double alpha, lambda, exponent;
    int batch_mode, loss_free, ref_retain;
    size_t batch;
    fg_target target;
    /* after prepare */
    int prepared;
    double *imp;      /* sample: sum over remembered rows; batch: mean */
    size_t n_rows;    /* sample: rows the sum covers */
    fg_idset ids;
    /* On many ranks (docs/MPI.md; sample mode, no target): the
     * communicator, and the rank and ranks the state was prepared on. imp
     * and n_rows are sums over every rank's rows; ids are this rank's. */
    const forget_comm *comm;
    int32_t rank, ranks;
    fg_guard guard;   /* the retained-accuracy guard (approx/guard.h): on
                         many ranks each rank's own rows, pooled */
} fg_ssd;

/* ssd has no seed: its guard's rows are drawn with this one. */
#define FG_SSD_GUARD_SEED 1

static const forget_comm *fg_ssd_comm(const fg_ssd *s)
{
    return s->comm ? s->comm : forget_comm_single();
}

/* set_comm: many ranks need sums (sample mode) and no calibration (it
 * would evaluate each rank's rows alone); a prepared state takes only the
 * rank and size it was prepared on. */
static int fg_ssd_set_comm(void *state, const forget_comm *comm)
{
    fg_ssd *s = state;
    if (fg_comm_multi(comm) &&
        (s->batch_mode || s->target.kind != FG_TARGET_NONE))
        return fg_error(FORGET_E_UNSUPPORTED, "method 'ssd': on many ranks "
                        "only importance=sample without a target (batch "
                        "importances are not sums; a target calibrates on "
                        "one rank's rows)");
    if (s->prepared && fg_comm_multi(comm) &&
        (comm->size != s->ranks || comm->rank != s->rank))
        return fg_error(FORGET_E_STATE, "method 'ssd': this state is rank %d "
                        "of %d; a communicator of rank %d of %d does not fit "
                        "it (prepare again on those ranks)", (int)s->rank,
                        (int)s->ranks, (int)comm->rank, (int)comm->size);
    s->comm = comm;
    return FORGET_OK;
}

static int fg_ssd_config(fg_ssd *s, forget_model *model,
                         const forget_params *p)
{
    size_t mode, loss, ref;
    int64_t batch;
    forget_params_double(p, "alpha", &s->alpha);
    forget_params_double(p, "lambda", &s->lambda);
    forget_params_double(p, "exponent", &s->exponent);
    forget_params_enum(p, "importance", &mode);
    forget_params_enum(p, "loss", &loss);
    forget_params_enum(p, "reference", &ref);
    forget_params_int(p, "batch", &batch);
    s->model = model;
    s->rank = 0;
    s->ranks = 1;
    s->batch_mode = mode == 1;
    s->loss_free = loss == 1;
    s->ref_retain = ref == 0;
    s->batch = (size_t)batch;
    fg_guard_config(&s->guard, p);
    int rc = fg_target_config(&s->target, p, "method 'ssd'");
    if (rc != FORGET_OK)
        return rc;
    int alpha_given = 0;
    forget_params_given(p, "alpha", &alpha_given);
    if (alpha_given && s->target.kind != FG_TARGET_NONE)
        return fg_error(FORGET_E_PARAM, "method 'ssd': alpha and target "
                        "exclude each other (a target searches alpha)");
    if (s->batch_mode && s->ref_retain) {
        int given = 0;
        forget_params_given(p, "reference", &given);
        if (given)
            return fg_error(FORGET_E_PARAM, "method 'ssd': reference=retain "
                            "needs importance=sample (batch importances are "
                            "not sums and cannot be split)");
        s->ref_retain = 0; /* batch mode compares with I_D */
    }
    return FORGET_OK;
}

static int fg_ssd_create(void **state, forget_model *model,
                         const forget_params *p, void *user_data)
{
    (void)user_data;
    fg_ssd *s = fg_calloc(1, sizeof *s);
    if (s == NULL)
        return fg_nomem("the ssd state");
    int rc = fg_ssd_config(s, model, p);
    if (rc != FORGET_OK) {
        fg_free(s);
        return rc;
    }
    *state = s;
    return FORGET_OK;
}

/* What a prepared state holds (fg_state_swap's release). */
static void fg_ssd_release(void *state)
{
    fg_ssd *s = state;
    fg_free(s->imp);
    fg_idset_free(&s->ids);
    fg_guard_free(&s->guard);
}

static void fg_ssd_destroy(void *state)
{
    fg_ssd *s = state;
    if (s == NULL)
        return;
    fg_ssd_release(s);
    fg_free(s);
}

/* out[P] = the importance sum over ds: sample mode, sum_i f(g_i); batch
 * mode, sum over batches of f(batch-mean gradient); *units = rows or
 * batches. f is the square, or the absolute value for loss=free. Reports
 * progress from p0 to p1. */
static int fg_ssd_importance(const fg_ssd *s, const forget_dataset *ds,
                             double *out, size_t *units, forget_run *run,
                             double p0, double p1)
{
    const forget_model *m = s->model;
    size_t P = forget_model_param_count(m), n = forget_dataset_rows(ds);
    int objective = s->loss_free ? FG_OBJ_LOGIT_NORM : FG_OBJ_LOSS;
    int mode = s->loss_free ? FG_ACC_ABS : FG_ACC_SQ;
    size_t step = s->batch_mode ? s->batch : 4096;
    float *tmp = fg_malloc_array(P, sizeof(float));
    if (tmp == NULL)
        return fg_nomem("importances");
    fg_workspace ws = {NULL, 0};
    int rc = FORGET_OK;
    /* The first chunk is stored, not added to zeros (the same values, one
     * pass over out fewer: a one-row request is bound by memory traffic). */
    if (n == 0)
        memset(out, 0, P * sizeof *out);
    *units = 0;
    for (size_t b = 0; b < n && rc == FORGET_OK; b += step) {
        size_t e = n - b < step ? n : b + step;
        memset(tmp, 0, P * sizeof *tmp);
        if (s->batch_mode) {
            rc = fg_model_accumulate(m, &ws, ds, b, e, objective,
                                     FG_ACC_GRAD, 1.0f / (float)(e - b), tmp,
                                     NULL);
            for (size_t i = 0; rc == FORGET_OK && i < P; i++) {
                double v = s->loss_free ? fabs((double)tmp[i])
                                        : (double)tmp[i] * tmp[i];
                out[i] = b == 0 ? v : out[i] + v;
            }
            ++*units;
        } else {
            rc = fg_model_accumulate(m, &ws, ds, b, e, objective, mode, 1.0f,
                                     tmp, NULL);
            for (size_t i = 0; rc == FORGET_OK && i < P; i++)
                out[i] = b == 0 ? tmp[i] : out[i] + tmp[i];
            *units += e - b;
        }
        if (rc == FORGET_OK)
            rc = forget_run_progress(run, p0 + (p1 - p0) * (double)e /
                                                  (double)n);
    }
    fg_workspace_free(&ws);
    fg_free(tmp);
    return rc;
}

static int fg_ssd_check_data(const fg_ssd *s, const forget_dataset *ds)
{
    if (s->loss_free) {
        size_t d = forget_dataset_features(ds);
        size_t in = forget_model_inputs(s->model);
        if (d != in)
            return fg_error(FORGET_E_INVALID, "method 'ssd': the data has "
                            "%zu features, the model takes %zu", d, in);
        return FORGET_OK;
    }
    return fg_model_check_data(s->model, ds, "method 'ssd'");
}

static int fg_ssd_prepare(void *state, const forget_dataset *train,
                          forget_run *run)
{
    fg_ssd *s = state;
    const forget_comm *c = fg_ssd_comm(s);
    int rc = fg_ssd_check_data(s, train);
    /* on many ranks a failing rank goes on to the agreements the others
     * make (every rank fails with it there); on one, it stops here */
    if (rc != FORGET_OK && !fg_comm_multi(c))
        return rc;
    size_t n = rc == FORGET_OK ? forget_dataset_rows(train) : 0;
    size_t P = forget_model_param_count(s->model);
    if (n == 0 && !fg_comm_multi(c))
        return fg_error(FORGET_E_INVALID, "method 'ssd': the training data "
                        "is empty");
    double *imp = fg_malloc_array(P, sizeof(double));
    fg_idset ids;
    memset(&ids, 0, sizeof ids);
    size_t units = 0;
    if (rc == FORGET_OK)
        rc = imp ? forget_run_report(run, "rows", (double)n)
                 : fg_nomem("importances");
    if (rc == FORGET_OK)
        rc = fg_idset_from(&ids, train);
    if (rc == FORGET_OK)
        rc = fg_ssd_importance(s, train, imp, &units, run, 0.0, 1.0);
    /* the guard's rows: on many ranks each rank's own */
    fg_guard guard = {NULL, NULL, 0.0, 0};
    if (rc == FORGET_OK)
        rc = fg_guard_prepare(&s->guard, &guard, train, FG_SSD_GUARD_SEED,
                              run);
    if (fg_comm_multi(c)) { /* the sums over every rank's rows */
        unsigned char digest[32];
        double total = (double)units;
        rc = fg_comm_sum(c, rc, imp, P, "the importances");
        if (rc == FORGET_OK)
            rc = fg_comm_allreduce(c, &total, 1, "the row count");
        if (rc == FORGET_OK)
            rc = fg_idspread_unique(c, forget_dataset_ids(train), n, "ssd");
        if (rc == FORGET_OK)
            rc = forget_model_digest(s->model, digest);
        rc = fg_comm_agree(c, rc); /* (every rank compares, or none) */
        if (rc == FORGET_OK) /* dampening is replicated: one model */
            rc = fg_comm_same(c, digest, sizeof digest, "model");
        if (rc == FORGET_OK && total == 0.0)
            rc = fg_error(FORGET_E_INVALID, "method 'ssd': the training "
                          "data is empty on every rank");
        units = (size_t)total;
        rc = fg_comm_agree(c, rc); /* all ranks or none */
    }
    if (rc != FORGET_OK) {
        fg_guard_free(&guard);
        fg_idset_free(&ids);
        fg_free(imp);
        return rc;
    }
    if (s->batch_mode)
        for (size_t i = 0; i < P; i++)
            imp[i] /= (double)units;
    fg_ssd fresh = *s; /* the configuration, with the new importances */
    fresh.imp = imp;
    fresh.ids = ids;
    fresh.guard = guard;
    fresh.n_rows = s->batch_mode ? 0 : units;
    fresh.prepared = 1;
    fresh.rank = c->rank;
    fresh.ranks = c->size;
    fg_state_swap(s, &fresh, sizeof fresh, fg_ssd_release);
    return FORGET_OK;
}

/* Reserve the report's figures before the model changes, so that nothing
 * can fail afterwards. */
static int fg_ssd_reserve(const fg_ssd *s, forget_run *run)
{
    int rc = forget_run_report(run, "dampened", 0);
    if (rc == FORGET_OK)
        rc = forget_run_report(run, "rows", 0);
    if (rc == FORGET_OK)
        rc = forget_run_report(run, "guard_rows", 0);
    if (rc == FORGET_OK)
        rc = forget_run_report(run, "guard_cost", 0);
    if (rc == FORGET_OK && !s->batch_mode && !s->ref_retain)
        rc = forget_run_report(run, "alpha_ceiling", 0);
    char key[64];
    size_t n_blocks;
    const fg_block *blocks = fg_model_blocks(s->model, &n_blocks);
    for (size_t b = 0; rc == FORGET_OK && b < n_blocks; b++) {
        snprintf(key, sizeof key, "dampened.%s", blocks[b].name);
        rc = forget_run_report(run, key, 0);
    }
    return rc;
}

/* Can a request of n_f rows be served? (alpha below the ceiling of exact
 * importances; some rows must remain for reference=retain.) */
static int fg_ssd_admit(const fg_ssd *s, size_t n_f, double ceiling)
{
    if (!s->batch_mode && !s->ref_retain &&
        s->target.kind == FG_TARGET_NONE && s->alpha >= ceiling)
        return fg_error(FORGET_E_PARAM, "method 'ssd': alpha=%g is at or "
                        "above the ceiling n_D/n_F = %zu/%zu = %g of this "
                        "request: with exact importances I_F/I_D cannot "
                        "exceed it, so no parameter could be dampened; lower "
                        "alpha or use reference=retain", s->alpha, s->n_rows,
                        n_f, ceiling);
    if (!s->batch_mode && s->ref_retain && n_f >= s->n_rows)
        return fg_error(FORGET_E_INVALID, "method 'ssd': the request would "
                        "forget every remembered row; reference=retain needs "
                        "some to remain");
    return FORGET_OK;
}

/* Dampen the parameters of one block selected at alpha by the forget
 * importances imp_f. Returns the count dampened. (The importances' downdate
 * was once fused into this pass; it is a pass of its own now, after the
 * guard accepts the request: one more read of P doubles.) */
static size_t fg_ssd_dampen(const fg_ssd *s, double alpha, double lambda,
                            const fg_block *blk, float *theta,
                            const double *imp_f, double scale_f,
                            double scale_ref)
{
    size_t count = 0;
    for (size_t i = blk->offset; i < blk->offset + blk->size; i++) {
        double all = s->imp[i], ref = all;
        if (s->ref_retain)
            ref -= imp_f[i];
        ref = ref > 0.0 ? ref * scale_ref : 0.0;
        double f = imp_f[i] * scale_f;
        if (!(f > alpha * ref))
            continue;
        double beta = pow(lambda * ref / f, s->exponent);
        if (beta < 1.0)
            theta[i] = (float)((double)theta[i] * beta);
        count++;
    }
    return count;
}

/* The remembered importances without the forgotten rows' (sample mode),
 * once a request is accepted; rounding must not take one below 0. */
static void fg_ssd_downdate(fg_ssd *s, const double *imp_f)
{
    size_t P = forget_model_param_count(s->model);
    for (size_t i = 0; !s->batch_mode && i < P; i++) {
        double v = s->imp[i] - imp_f[i];
        s->imp[i] = v > 0.0 ? v : 0.0;
    }
}

/* One request's dampening at alpha: applied to a copy while calibrating,
 * then to the model (the state untouched: fg_ssd_downdate follows). */
typedef struct fg_ssd_request {
    fg_ssd *s;
    const double *imp_f;
    double scale_f, scale_ref;
} fg_ssd_request;

static size_t fg_ssd_apply(const fg_ssd_request *q, double alpha,
                           double lambda, forget_model *m, forget_run *run)
{
    size_t total = 0, n_blocks;
    const fg_block *blocks = fg_model_blocks(m, &n_blocks);
    float *theta = fg_model_theta(m);
    char key[64];
    for (size_t b = 0; b < n_blocks; b++) {
        size_t count =
            fg_ssd_dampen(q->s, alpha, lambda, &blocks[b], theta,
                          q->imp_f, q->scale_f, q->scale_ref);
        if (run) {
            snprintf(key, sizeof key, "dampened.%s", blocks[b].name);
            forget_run_report(run, key, (double)count);
        }
        total += count;
    }
    return total;
}

static int fg_ssd_trial(void *ctx, double alpha, forget_model *copy,
                        forget_run *run, double p0, double p1)
{
    const fg_ssd_request *q = ctx;
    (void)p0;
    fg_ssd_apply(q, alpha, fmin(q->s->lambda, alpha), copy, NULL);
    return forget_run_progress(run, p1);
}

/* The alpha that meets the target (calibrate.h): alpha in [lambda/1000,
 * 1e4], below the ceiling of reference=full; lower forgets more. Below
 * lambda, lambda follows alpha (the paper keeps lambda <= alpha; a smaller
 * lambda dampens harder), so the one knob reaches further than alpha
 * alone: a linear model's class is not forgotten at any alpha >= 1. */
static int fg_ssd_calibrate(const fg_ssd_request *q, const forget_dataset *rows,
                            double ceiling, forget_run *run, double *alpha)
{
    const fg_ssd *s = q->s;
    fg_knob knob = {"alpha", s->lambda * 1e-3, 1e4, 1, 0};
    if (!s->batch_mode && !s->ref_retain && knob.hi >= ceiling)
        knob.hi = ceiling * (1.0 - 1e-9);
    if (knob.lo >= knob.hi)
        knob.lo = knob.hi * 0.5;
    return fg_calibrate(s->model, rows, &s->target, &knob, fg_ssd_trial,
                        (void *)q, run, 0.5, 0.95, alpha, NULL);
}

/* I_F's sum over the request's rows (rows NULL: none on this rank), its
 * units (rows, or batches in batch mode) and the rows; on many ranks
 * (after the ranks agree on rc) over every rank's rows. */
static int fg_ssd_forget_sums(fg_ssd *s, int rc, const forget_dataset *rows,
                              double *imp_f, size_t *units, size_t *n_f,
                              forget_run *run)
{
    size_t P = forget_model_param_count(s->model);
    const forget_comm *c = fg_ssd_comm(s);
    int calibrated = s->target.kind != FG_TARGET_NONE;
    *units = 0;
    *n_f = rows ? forget_dataset_rows(rows) : 0;
    if (rc == FORGET_OK && rows != NULL)
        rc = fg_ssd_importance(s, rows, imp_f, units, run, 0.0,
                               calibrated ? 0.5 : 0.95);
    else if (rc == FORGET_OK)
        memset(imp_f, 0, P * sizeof *imp_f);
    if (!fg_comm_multi(c))
        return rc;
    double count = (double)*n_f; /* sample mode: units are rows */
    rc = fg_comm_sum(c, rc, imp_f, P, "the forget set's importances");
    if (rc == FORGET_OK)
        rc = fg_comm_allreduce(c, &count, 1, "the forget set's rows");
    *n_f = *units = (size_t)count;
    return rc;
}

/* The guard's judgement of the model after the dampening (gp: its rows
 * after the request, measured before it): on many ranks each rank's
 * figures pooled, weighted by its rows, so that every rank decides alike
 * (the regression's variance pooled within ranks). *n: the rows judged. */
static int fg_ssd_guard(const fg_ssd *s, const fg_guard_plan *gp,
                        double *cost, size_t *n)
{
    const forget_comm *c = fg_ssd_comm(s);
    double after = 0.0;
    int rc = fg_guard_after(&s->guard, gp, s->model, &after, n);
    if (!fg_comm_multi(c))
        return rc != FORGET_OK ? rc
                               : fg_guard_decide(&s->guard, s->model, *n,
                                                 gp->before, after,
                                                 gp->variance, "method 'ssd'",
                                                 cost);
    double k = (double)*n;
    double v[4] = {k, k * gp->before, k * after, k * gp->variance};
    rc = fg_comm_sum(c, rc, v, 4, "the guard's figures");
    *cost = 0.0;
    *n = (size_t)v[0];
    if (rc != FORGET_OK)
        return rc;
    if (v[0] > 0.0)
        rc = fg_guard_decide(&s->guard, s->model, *n, v[1] / v[0],
                             v[2] / v[0], v[3] / v[0], "method 'ssd'", cost);
    /* the same figures everywhere, but a rank given another guard= would
     * decide otherwise: one refusal refuses on every rank */
    return fg_comm_agree(c, rc);
}

/* Forget rows that are all remembered now (rows NULL: none on this rank;
 * on many ranks the request is every rank's rows), judged by the guard
 * (gp). */
static int fg_ssd_forget_live(fg_ssd *s, int rc, const forget_dataset *rows,
                              const fg_guard_plan *gp, forget_run *run)
{
    size_t P = forget_model_param_count(s->model);
    const forget_comm *c = fg_ssd_comm(s);
    int calibrated = s->target.kind != FG_TARGET_NONE;
    double *imp_f = fg_malloc_array(P, sizeof(double));
    if (rc == FORGET_OK && imp_f == NULL)
        rc = fg_nomem("importances");
    size_t units = 0, n_f = 0;
    rc = fg_ssd_forget_sums(s, rc, rows, imp_f, &units, &n_f, run);
    if (rc != FORGET_OK || n_f == 0) { /* n_f: the same on every rank */
        fg_free(imp_f);
        return rc;
    }
    double ceiling = s->batch_mode ? 0.0 : (double)s->n_rows / (double)n_f;
    if (rc == FORGET_OK)
        rc = fg_ssd_admit(s, n_f, ceiling);
    size_t remaining = s->n_rows - (s->batch_mode ? 0 : n_f);
    fg_ssd_request q = {
        s, imp_f, 1.0 / (double)units,
        s->batch_mode ? 1.0
                      : 1.0 / (double)(s->ref_retain ? remaining : s->n_rows)};
    double alpha = s->alpha, lambda = s->lambda;
    if (rc == FORGET_OK && calibrated &&
        (rc = fg_ssd_calibrate(&q, rows, ceiling, run, &alpha)) == FORGET_OK) {
        lambda = fmin(lambda, alpha);
        rc = forget_run_report(run, "calibrated_lambda", lambda);
    }
    if (rc == FORGET_OK)
        rc = fg_ssd_reserve(s, run);
    float *theta = fg_model_theta(s->model), *backup = NULL;
    if (rc == FORGET_OK &&
        (backup = fg_malloc_array(P ? P : 1, sizeof(float))) == NULL)
        rc = fg_nomem("a copy of the model's parameters");
    rc = fg_comm_agree(c, rc); /* all ranks dampen, or none */
    if (rc != FORGET_OK) {
        fg_free(backup);
        fg_free(imp_f);
        return rc;
    }
    memcpy(backup, theta, P * sizeof(float));
    size_t total = fg_ssd_apply(&q, alpha, lambda, s->model, run);
    double cost = 0.0;
    size_t guarded = 0;
    /* (on many ranks the decision is the same everywhere: pooled) */
    rc = fg_ssd_guard(s, gp, &cost, &guarded);
    if (rc != FORGET_OK) /* refused: the parameters back, bit for bit */
        memcpy(theta, backup, P * sizeof(float));
    fg_free(backup);
    if (rc != FORGET_OK) {
        fg_free(imp_f);
        return rc;
    }
    /* Past this point nothing fails: the model and the state change. */
    fg_ssd_downdate(s, imp_f);
    if (!s->batch_mode)
        s->n_rows = remaining;
    fg_free(imp_f);
    forget_run_report(run, "guard_rows", (double)guarded);
    forget_run_report(run, "guard_cost", cost);
    forget_run_report(run, "dampened", (double)total);
    forget_run_report(run, "rows", (double)n_f);
    if (!s->batch_mode && !s->ref_retain)
        forget_run_report(run, "alpha_ceiling", ceiling);
    return FORGET_OK;
}

/* Rows forgotten already are counted (already_forgotten) and skipped;
 * ids never prepared are refused (fg_idset_request's rule). */
static int fg_ssd_forget(void *state, const forget_dataset *rows,
                         forget_run *run)
{
    fg_ssd *s = state;
    const forget_comm *c = fg_ssd_comm(s);
    if (c->size != s->ranks || c->rank != s->rank)
        return fg_error(FORGET_E_STATE, "method 'ssd': this state is rank %d "
                        "of %d; attach its communicator first "
                        "(forget_unlearner_set_comm)", (int)s->rank,
                        (int)s->ranks);
    size_t n_req = forget_dataset_rows(rows), n = 0, repeats = 0;
    int rc = fg_ssd_check_data(s, rows);
    /* (on many ranks a rank may hold none of the request's rows) */
    size_t *slot = fg_malloc_array(n_req ? n_req : 1, sizeof *slot);
    size_t *pos = fg_malloc_array(n_req ? n_req : 1, sizeof *pos);
    if (rc == FORGET_OK && (slot == NULL || pos == NULL))
        rc = fg_nomem("a request");
    if (rc == FORGET_OK)
        rc = fg_idset_request(&s->ids, forget_dataset_ids(rows), n_req, slot,
                              pos, &n, &repeats, "ssd");
    if (rc == FORGET_OK)
        rc = forget_run_report(run, "already_forgotten", (double)repeats);
    forget_dataset *sub = NULL;
    if (rc == FORGET_OK && n > 0 && n < n_req)
        rc = fg_dataset_gather(&sub, rows, pos, n, "method 'ssd'");
    /* the guard's rows after the request, measured before it */
    fg_guard_plan gp;
    memset(&gp, 0, sizeof gp);
    int live = fg_comm_multi(c) || (rc == FORGET_OK && n > 0);
    if (rc == FORGET_OK && live)
        rc = fg_guard_plan_request(&s->guard, slot, n, s->ids.n, s->model,
                                   &gp);
    /* on many ranks every rank takes part (its rc is agreed on there) */
    if (live)
        rc = fg_ssd_forget_live(s, rc, n > 0 ? (sub ? sub : rows) : NULL,
                                &gp, run);
    if (rc == FORGET_OK) {
        fg_idset_mark(&s->ids, slot, n);
        fg_guard_commit(&s->guard, &gp, s->ids.gone);
    }
    fg_guard_plan_free(&gp);
    forget_dataset_free(sub);
    fg_free(slot);
    fg_free(pos);
    return rc;
}

/* ---- state files: SIMP (float64 importances), SCNT (u64 rows), then the
 * id set; nothing but the flag when not prepared ---- */

static int fg_ssd_save(void *state, forget_writer *w)
{
    fg_ssd *s = state;
    if (!s->prepared)
        return FORGET_OK;
    unsigned char count[8];
    fg_put_u64(count, (uint64_t)s->n_rows);
    int rc = forget_writer_section(w, "SIMP", FORGET_SECTION_REQUIRED, s->imp,
                                   forget_model_param_count(s->model) *
                                       sizeof(double));
    if (rc == FORGET_OK)
        rc = forget_writer_section(w, "SCNT", FORGET_SECTION_REQUIRED, count,
                                   8);
    if (rc == FORGET_OK)
        rc = fg_idset_save(&s->ids, w);
    if (rc == FORGET_OK)
        rc = fg_guard_save(&s->guard, w);
    if (rc == FORGET_OK && s->ranks > 1) { /* one rank's part: required */
        unsigned char rk[8];
        fg_put_u32(rk, (uint32_t)s->rank);
        fg_put_u32(rk + 4, (uint32_t)s->ranks);
        rc = forget_writer_section(w, "SMPI", FORGET_SECTION_REQUIRED, rk, 8);
    }
    return rc;
}

/* The prepared state from its sections (SIMP present). */
static int fg_ssd_restore(fg_ssd *s, const fg_slot *t)
{
    const fg_slot *imp = fg_slot_get(t, "SIMP"), *cnt = fg_slot_get(t, "SCNT");
    size_t P = forget_model_param_count(s->model);
    if (imp->count != P || cnt->size != 8)
        return fg_error(FORGET_E_FORMAT, "method 'ssd': the saved state "
                        "does not fit a model of %zu parameters", P);
    if ((s->imp = fg_malloc_array(P, sizeof(double))) == NULL)
        return fg_nomem("importances");
    fg_get_f64s(s->imp, imp->data, P);
    s->n_rows = (size_t)fg_get_u64(cnt->data);
    for (size_t i = 0; i < P; i++)
        if (!(s->imp[i] >= 0.0) || isinf(s->imp[i]))
            return fg_error(FORGET_E_FORMAT, "method 'ssd': saved importance "
                            "%zu is not a finite value >= 0", i);
    const fg_slot *smpi = fg_slot_get(t, "SMPI");
    if (smpi->data != NULL) {
        uint32_t r = smpi->size == 8 ? fg_get_u32(smpi->data) : 0;
        uint32_t p = smpi->size == 8 ? fg_get_u32(smpi->data + 4) : 0;
        if (p < 2 || p > INT32_MAX || r >= p || s->batch_mode)
            return fg_error(FORGET_E_FORMAT, "method 'ssd': section SMPI is "
                            "malformed");
        s->rank = (int32_t)r;
        s->ranks = (int32_t)p;
    }
    int rc = fg_idset_load_slots(&s->ids, t, "ssd");
    /* (a rank's part holds its own ids, the count is every rank's) */
    if (rc == FORGET_OK && !s->batch_mode &&
        (s->ranks == 1 ? s->n_rows != fg_idset_remembered(&s->ids)
                       : s->n_rows < fg_idset_remembered(&s->ids)))
        rc = fg_error(FORGET_E_FORMAT, "method 'ssd': the saved row count "
                      "%zu disagrees with the ids", s->n_rows);
    if (rc == FORGET_OK)
        rc = fg_guard_load(&s->guard, t, &s->ids, s->model, "ssd");
    return rc;
}

static int fg_ssd_load(void **state, forget_model *model,
                       const forget_params *p, forget_reader *r,
                       void *user_data)
{
    void *created = NULL;
    int rc = fg_ssd_create(&created, model, p, user_data);
    if (rc != FORGET_OK)
        return rc;
    fg_ssd *s = created;
    fg_slot t[] = {{"SIMP", 8, 0, 0, 0}, {"SCNT", 1, 0, 0, 0},
                   {"IDS ", 8, 0, 0, 0}, {"GONE", 1, 0, 0, 0},
                   {"SMPI", 1, 0, 0, 0}, FG_GUARD_SLOTS, {NULL, 0, 0, 0, 0}};
    rc = fg_slots_read(r, t, NULL, NULL, "method 'ssd'");
    if (rc == FORGET_OK && t[0].data) {
        rc = fg_ssd_restore(s, t);
        s->prepared = rc == FORGET_OK;
    } else if (rc == FORGET_OK && (t[1].data || t[2].data || t[3].data)) {
        rc = fg_error(FORGET_E_FORMAT, "method 'ssd': the saved state lacks "
                      "its importances");
    }
    if (rc != FORGET_OK) {
        fg_ssd_destroy(s);
        return rc;
    }
    *state = s;
    return FORGET_OK;
}

static int fg_ssd_is_forgotten(void *state, uint64_t id, int *forgotten)
{
    const fg_ssd *s = state;
    return fg_idset_forgotten(&s->ids, id, forgotten);
}

const forget_method fg_method_ssd = {
    .struct_size = sizeof(forget_method),
    .abi_version = FORGET_BACKEND_ABI_VERSION,
    .flags = 0, /* approximate, needs no retained data */
    .name = "ssd",
    .description = "Selective Synaptic Dampening: dampen the parameters far "
                   "more important to the forget set than to the rest "
                   "(approximate, retrain-free)",
    .params = fg_ssd_params,
    .n_params = FG_SSD_N_PARAMS,
    .param_def_size = sizeof(forget_param_def),
    .create = fg_ssd_create,
    .prepare = fg_ssd_prepare,
    .forget = fg_ssd_forget,
    .destroy = fg_ssd_destroy,
    .save = fg_ssd_save,
    .load = fg_ssd_load,
    .is_forgotten = fg_ssd_is_forgotten,
    .set_comm = fg_ssd_set_comm,
};
