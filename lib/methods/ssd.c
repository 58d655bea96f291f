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

#include "util/alloc.h"
#include "format/container.h"
#include "util/error.h"
#include "data/dataset.h"
#include "format/sections.h"
#include "data/idset.h"
#include "model/model.h"

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
};
#define FG_SSD_N_PARAMS (sizeof fg_ssd_params / sizeof *fg_ssd_params)

typedef struct fg_ssd {
    forget_model *model;
    double alpha, lambda, exponent;
    int batch_mode, loss_free, ref_retain;
    size_t batch;
    /* after prepare */
    int prepared;
    double *imp;      /* sample: sum over remembered rows; batch: mean */
    size_t n_rows;    /* sample: rows the sum covers */
    fg_idset ids;
} fg_ssd;

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
    s->batch_mode = mode == 1;
    s->loss_free = loss == 1;
    s->ref_retain = ref == 0;
    s->batch = (size_t)batch;
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

static void fg_ssd_destroy(void *state)
{
    fg_ssd *s = state;
    if (s == NULL)
        return;
    fg_free(s->imp);
    fg_idset_free(&s->ids);
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
    size_t P = m->n_params;
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
    if (ds->n == 0)
        memset(out, 0, P * sizeof *out);
    *units = 0;
    for (size_t b = 0; b < ds->n && rc == FORGET_OK; b += step) {
        size_t e = ds->n - b < step ? ds->n : b + step;
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
                                                  (double)ds->n);
    }
    fg_workspace_free(&ws);
    fg_free(tmp);
    return rc;
}

static int fg_ssd_check_data(const fg_ssd *s, const forget_dataset *ds)
{
    if (s->loss_free) {
        if (ds->d != s->model->inputs)
            return fg_error(FORGET_E_INVALID, "method 'ssd': the data has "
                            "%zu features, the model takes %zu", ds->d,
                            s->model->inputs);
        return FORGET_OK;
    }
    return fg_model_check_data(s->model, ds, "method 'ssd'");
}

static int fg_ssd_prepare(void *state, const forget_dataset *train,
                          forget_run *run)
{
    fg_ssd *s = state;
    int rc = fg_ssd_check_data(s, train);
    if (rc != FORGET_OK)
        return rc;
    if (train->n == 0)
        return fg_error(FORGET_E_INVALID, "method 'ssd': the training data "
                        "is empty");
    double *imp = fg_malloc_array(s->model->n_params, sizeof(double));
    if (imp == NULL)
        return fg_nomem("importances");
    fg_idset ids;
    size_t units = 0;
    rc = forget_run_report(run, "rows", (double)train->n);
    if (rc == FORGET_OK)
        rc = fg_idset_from(&ids, train);
    if (rc == FORGET_OK) {
        rc = fg_ssd_importance(s, train, imp, &units, run, 0.0, 1.0);
        if (rc != FORGET_OK)
            fg_idset_free(&ids);
    }
    if (rc != FORGET_OK) {
        fg_free(imp);
        return rc;
    }
    if (s->batch_mode)
        for (size_t i = 0; i < s->model->n_params; i++)
            imp[i] /= (double)units;
    fg_free(s->imp);
    fg_idset_free(&s->ids);
    s->imp = imp;
    s->ids = ids;
    s->n_rows = s->batch_mode ? 0 : units;
    s->prepared = 1;
    return FORGET_OK;
}

/* Reserve the report's figures before the model changes, so that nothing
 * can fail afterwards. */
static int fg_ssd_reserve(const fg_ssd *s, forget_run *run)
{
    int rc = forget_run_report(run, "dampened", 0);
    if (rc == FORGET_OK)
        rc = forget_run_report(run, "rows", 0);
    if (rc == FORGET_OK && !s->batch_mode && !s->ref_retain)
        rc = forget_run_report(run, "alpha_ceiling", 0);
    char key[64];
    for (size_t b = 0; rc == FORGET_OK && b < s->model->n_blocks; b++) {
        snprintf(key, sizeof key, "dampened.%s", s->model->blocks[b].name);
        rc = forget_run_report(run, key, 0);
    }
    return rc;
}

/* Forget rows that are all remembered now. */
static int fg_ssd_forget_live(fg_ssd *s, const forget_dataset *rows,
                              forget_run *run)
{
    forget_model *m = s->model;
    size_t P = m->n_params, n_f = rows->n;
    int rc;
    double ceiling = s->batch_mode ? 0.0 : (double)s->n_rows / (double)n_f;
    if (!s->batch_mode && !s->ref_retain && s->alpha >= ceiling)
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
    double *imp_f = fg_malloc_array(P, sizeof(double));
    if (imp_f == NULL)
        return fg_nomem("importances");
    size_t units = 0;
    rc = fg_ssd_importance(s, rows, imp_f, &units, run, 0.0, 0.95);
    if (rc == FORGET_OK)
        rc = fg_ssd_reserve(s, run);
    if (rc != FORGET_OK) {
        fg_free(imp_f);
        return rc;
    }
    /* Past this point nothing fails: the model and the state change. */
    double scale_f = 1.0 / (double)units, scale_ref;
    size_t remaining = s->n_rows - (s->batch_mode ? 0 : n_f);
    if (s->batch_mode)
        scale_ref = 1.0;
    else
        scale_ref = 1.0 / (double)(s->ref_retain ? remaining : s->n_rows);
    size_t total = 0;
    char key[64];
    for (size_t b = 0; b < m->n_blocks; b++) {
        const fg_block *blk = &m->blocks[b];
        size_t count = 0;
        for (size_t i = blk->offset; i < blk->offset + blk->size; i++) {
            double all = s->imp[i], ref = all;
            if (s->ref_retain)
                ref -= imp_f[i];
            ref = ref > 0.0 ? ref * scale_ref : 0.0;
            /* The remembered rows' importance loses F's, in the same pass
             * (rounding must not take it below 0). */
            if (!s->batch_mode) {
                double v = all - imp_f[i];
                s->imp[i] = v > 0.0 ? v : 0.0;
            }
            double f = imp_f[i] * scale_f;
            if (!(f > s->alpha * ref))
                continue;
            double beta = pow(s->lambda * ref / f, s->exponent);
            if (beta < 1.0)
                m->theta[i] = (float)((double)m->theta[i] * beta);
            count++;
        }
        snprintf(key, sizeof key, "dampened.%s", blk->name);
        forget_run_report(run, key, (double)count);
        total += count;
    }
    if (!s->batch_mode)
        s->n_rows = remaining;
    fg_idset_forget(&s->ids, rows);
    fg_free(imp_f);
    forget_run_report(run, "dampened", (double)total);
    forget_run_report(run, "rows", (double)n_f);
    if (!s->batch_mode && !s->ref_retain)
        forget_run_report(run, "alpha_ceiling", ceiling);
    return FORGET_OK;
}

/* Rows forgotten already are counted (already_forgotten) and skipped;
 * ids never prepared are refused. */
static int fg_ssd_forget(void *state, const forget_dataset *rows,
                         forget_run *run)
{
    fg_ssd *s = state;
    int rc = fg_ssd_check_data(s, rows);
    size_t *live = fg_malloc_array(rows->n, sizeof *live), n = 0, repeats = 0;
    if (rc == FORGET_OK && live == NULL)
        rc = fg_nomem("a request");
    if (rc == FORGET_OK)
        rc = fg_idset_live(&s->ids, rows, live, &n, &repeats, "ssd");
    if (rc == FORGET_OK)
        rc = forget_run_report(run, "already_forgotten", (double)repeats);
    forget_dataset *sub = NULL;
    if (rc == FORGET_OK && n > 0 && n < rows->n)
        rc = fg_dataset_gather(&sub, rows, live, n, "method 'ssd'");
    fg_free(live);
    if (rc == FORGET_OK && n > 0)
        rc = fg_ssd_forget_live(s, sub ? sub : rows, run);
    forget_dataset_free(sub);
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
                                   s->model->n_params * sizeof(double));
    if (rc == FORGET_OK)
        rc = forget_writer_section(w, "SCNT", FORGET_SECTION_REQUIRED, count,
                                   8);
    if (rc == FORGET_OK)
        rc = fg_idset_save(&s->ids, w);
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
    fg_slot b[5] = {{"SIMP", 1, 0, 0, 0}, {"SCNT", 1, 0, 0, 0}, {"IDS ", 1, 0, 0, 0},
                    {"GONE", 1, 0, 0, 0}, {NULL, 0, 0, 0, 0}};
    rc = fg_slots_read(r, b, NULL, NULL, "method 'ssd'");
    const unsigned char *imp = b[0].data, *cnt = b[1].data, *ids = b[2].data,
                        *gone = b[3].data;
    size_t imp_n = b[0].size, cnt_n = b[1].size, ids_n = b[2].size,
           gone_n = b[3].size;
    if (rc == 0 && imp) {
        size_t P = model->n_params;
        if (imp_n != P * sizeof(double) || cnt_n != 8 || !ids || !gone)
            rc = fg_error(FORGET_E_FORMAT, "method 'ssd': the saved state "
                          "does not fit a model of %zu parameters", P);
        if (rc == 0 && (s->imp = fg_malloc_array(P, sizeof(double))) == NULL)
            rc = fg_nomem("importances");
        if (rc == 0) {
            fg_get_f64s(s->imp, imp, P);
            s->n_rows = (size_t)fg_get_u64(cnt);
            for (size_t i = 0; rc == 0 && i < P; i++)
                if (!(s->imp[i] >= 0.0) || isinf(s->imp[i]))
                    rc = fg_error(FORGET_E_FORMAT, "method 'ssd': saved "
                                  "importance %zu is not a finite value "
                                  ">= 0", i);
        }
        if (rc == 0)
            rc = fg_idset_load(&s->ids, ids, ids_n, gone, gone_n, "ssd");
        if (rc == 0 && !s->batch_mode &&
            s->n_rows != s->ids.n - s->ids.n_gone)
            rc = fg_error(FORGET_E_FORMAT, "method 'ssd': the saved row "
                          "count %zu disagrees with the ids", s->n_rows);
        s->prepared = rc == 0;
    } else if (rc == 0 && (cnt || ids || gone)) {
        rc = fg_error(FORGET_E_FORMAT, "method 'ssd': the saved state lacks "
                      "its importances");
    }
    if (rc != 0) {
        fg_ssd_destroy(s);
        return rc;
    }
    *state = s;
    return FORGET_OK;
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
};
