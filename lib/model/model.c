/* The model handle: lifetime, getters, the flat parameter view, and the
 * passes over data that training, evaluation and the methods share. */
#include "model/model.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "util/alloc.h"
#include "util/error.h"
#include "util/runtime.h"
#include "data/dataset.h"

float *fg_workspace_get(fg_workspace *ws, size_t floats)
{
    if (floats <= ws->cap)
        return ws->buf;
    float *b = fg_malloc_array(floats, sizeof(float));
    if (b == NULL)
        return NULL;
    fg_free(ws->buf);
    ws->buf = b;
    ws->cap = floats;
    return b;
}

void fg_workspace_free(fg_workspace *ws)
{
    fg_free(ws->buf);
    ws->buf = NULL;
    ws->cap = 0;
}

double *fg_dwork_get(fg_dwork *w, size_t doubles)
{
    if (doubles <= w->cap)
        return w->buf;
    double *b = fg_malloc_array(doubles, sizeof(double));
    if (b == NULL)
        return NULL;
    fg_free(w->buf);
    w->buf = b;
    w->cap = doubles;
    return b;
}

void fg_dwork_free(fg_dwork *w)
{
    fg_free(w->buf);
    w->buf = NULL;
    w->cap = 0;
}

int fg_model_alloc(forget_model **out, const fg_model_ops *ops,
                   const char *kind, size_t n_params, size_t n_blocks)
{
    forget_model *m = fg_calloc(1, sizeof *m);
    if (m == NULL)
        return fg_nomem("a model");
    m->ops = ops;
    atomic_init(&m->refs, 1);
    snprintf(m->kind, sizeof m->kind, "%s", kind);
    m->n_params = n_params;
    m->theta = fg_calloc(n_params ? n_params : 1, sizeof(float));
    m->n_blocks = n_blocks;
    m->blocks = fg_calloc(n_blocks ? n_blocks : 1, sizeof(fg_block));
    if (m->theta == NULL || m->blocks == NULL) {
        fg_model_discard(m);
        return fg_error(FORGET_E_NOMEM, "out of memory for a model of %zu "
                        "parameters", n_params);
    }
    *out = m;
    return FORGET_OK;
}

void fg_model_publish(forget_model *m)
{
    m->published = 1;
    fg_object_created();
}

void fg_model_hold(forget_model *m)
{
    if (m != NULL)
        atomic_fetch_add(&m->refs, 1);
}

void fg_model_discard(forget_model *m)
{
    if (m == NULL || atomic_fetch_sub(&m->refs, 1) != 1)
        return; /* a borrower still uses it: the last one frees it */
    if (m->published)
        fg_object_destroyed();
    if (m->impl && m->ops->destroy_impl)
        m->ops->destroy_impl(m->impl);
    fg_free(m->params_text);
    fg_free(m->theta);
    fg_free(m->blocks);
    fg_report_free(m->train_report);
    fg_free(m);
}

void forget_model_free(forget_model *m)
{
    if (m == NULL || m->owned) /* an unlearner's model is freed with it */
        return;
    fg_model_discard(m); /* deferred while an unlearner borrows it */
}

int forget_model_clone(forget_model **out, const forget_model *m)
{
    FG_CHECK_ARG(out);
    FG_CHECK_ARG(m);
    forget_model *c = NULL;
    int rc = fg_model_clone_raw(&c, m);
    if (rc != FORGET_OK)
        return rc;
    fg_model_publish(c);
    *out = c;
    return FORGET_OK;
}

int fg_model_clone_raw(forget_model **out, const forget_model *m)
{
    forget_model *c = NULL;
    int rc = fg_model_alloc(&c, m->ops, m->kind, m->n_params, m->n_blocks);
    if (rc != FORGET_OK)
        return rc;
    c->task = m->task;
    c->inputs = m->inputs;
    c->outputs = m->outputs;
    memcpy(c->theta, m->theta, m->n_params * sizeof *m->theta);
    memcpy(c->blocks, m->blocks, m->n_blocks * sizeof *m->blocks);
    c->params_text = fg_strdup(m->params_text);
    if (c->params_text == NULL)
        rc = fg_nomem("a model's parameters");
    if (rc == FORGET_OK && m->impl)
        rc = m->ops->clone_impl(m, &c->impl);
    if (rc != FORGET_OK) {
        fg_model_discard(c);
        return rc;
    }
    *out = c;
    return FORGET_OK;
}

void fg_model_assign(forget_model *m, const forget_model *like)
{
    memcpy(m->theta, like->theta, m->n_params * sizeof *m->theta);
    fg_report_free(m->train_report);
    m->train_report = NULL;
    m->progress = NULL;
    m->progress_user = NULL;
}

const char *forget_model_kind(const forget_model *m) { return m ? m->kind : NULL; }

const char *forget_model_params(const forget_model *m)
{
    return m ? m->params_text : NULL;
}

int32_t forget_model_task(const forget_model *m) { return m ? m->task : 0; }

size_t forget_model_inputs(const forget_model *m) { return m ? m->inputs : 0; }

size_t forget_model_outputs(const forget_model *m)
{
    return m ? m->outputs : 0;
}

size_t forget_model_param_count(const forget_model *m)
{
    return m ? m->n_params : 0;
}

int forget_model_get_params(const forget_model *m, float *dst, size_t count)
{
    FG_CHECK_ARG(m);
    FG_CHECK_ARG(dst);
    if (count != m->n_params)
        return fg_error(FORGET_E_INVALID, "%s: the model has %zu parameters, "
                        "not %zu", __func__, m->n_params, count);
    memcpy(dst, m->theta, count * sizeof *dst);
    return FORGET_OK;
}

int forget_model_set_params(forget_model *m, const float *src, size_t count)
{
    FG_CHECK_ARG(m);
    FG_CHECK_ARG(src);
    if (count != m->n_params)
        return fg_error(FORGET_E_INVALID, "%s: the model has %zu parameters, "
                        "not %zu", __func__, m->n_params, count);
    for (size_t i = 0; i < count; i++)
        if (!isfinite(src[i]))
            return fg_error(FORGET_E_INVALID, "%s: parameter %zu is not "
                            "finite", __func__, i);
    memcpy(m->theta, src, count * sizeof *src);
    return FORGET_OK;
}

size_t forget_model_block_count(const forget_model *m)
{
    return m ? m->n_blocks : 0;
}

int forget_model_block(const forget_model *m, size_t index, const char **name,
                       size_t *offset, size_t *size)
{
    FG_CHECK_ARG(m);
    if (index >= m->n_blocks)
        return fg_error(FORGET_E_NOT_FOUND, "%s: the model has %zu blocks; "
                        "index %zu is out of range", __func__, m->n_blocks,
                        index);
    if (name)
        *name = m->blocks[index].name;
    if (offset)
        *offset = m->blocks[index].offset;
    if (size)
        *size = m->blocks[index].size;
    return FORGET_OK;
}

int forget_model_block_shape(const forget_model *m, size_t index,
                             size_t dims[FORGET_MAX_DIMS], size_t *ndim)
{
    FG_CHECK_ARG(m);
    FG_CHECK_ARG(dims);
    FG_CHECK_ARG(ndim);
    if (index >= m->n_blocks)
        return fg_error(FORGET_E_NOT_FOUND, "%s: the model has %zu blocks; "
                        "index %zu is out of range", __func__, m->n_blocks,
                        index);
    const fg_block *b = &m->blocks[index];
    for (size_t i = 0; i < FORGET_MAX_DIMS; i++)
        dims[i] = 0;
    if (b->cols != 0) {
        dims[0] = b->rows;
        dims[1] = b->cols;
        *ndim = 2;
    } else {
        dims[0] = b->size;
        *ndim = 1;
    }
    return FORGET_OK;
}

int forget_model_set_progress(forget_model *m, forget_progress_fn fn,
                              void *user_data)
{
    FG_CHECK_ARG(m);
    m->progress = fn;
    m->progress_user = user_data;
    return FORGET_OK;
}

const forget_report *forget_model_train_report(const forget_model *m)
{
    return m ? m->train_report : NULL;
}

int fg_model_check_data(const forget_model *m, const forget_dataset *ds,
                        const char *caller)
{
    return fg_model_check_rows(m, ds, NULL, ds->n, caller);
}

int fg_model_check_rows(const forget_model *m, const forget_dataset *ds,
                        const size_t *rows, size_t n, const char *caller)
{
    if (ds->d != m->inputs)
        return fg_error(FORGET_E_INVALID, "%s: the data has %zu features, "
                        "the model takes %zu", caller, ds->d, m->inputs);
    if (ds->task != m->task)
        return fg_error(FORGET_E_INVALID, "%s: the data is for %s, the "
                        "model for %s", caller,
                        ds->task == FORGET_TASK_REGRESSION ? "regression"
                                                           : "classification",
                        m->task == FORGET_TASK_REGRESSION ? "regression"
                                                          : "classification");
    if (ds->task == FORGET_TASK_REGRESSION) {
        if (ds->target_dim != m->outputs)
            return fg_error(FORGET_E_INVALID, "%s: the data has %zu targets "
                            "per row, the model %zu outputs", caller,
                            ds->target_dim, m->outputs);
        return FORGET_OK;
    }
    for (size_t i = 0; i < n; i++) {
        size_t r = rows ? rows[i] : i;
        if ((size_t)ds->labels[r] >= m->outputs)
            return fg_error(FORGET_E_INVALID, "%s: row %zu has label %d, "
                            "beyond the model's %zu classes", caller, r,
                            (int)ds->labels[r], m->outputs);
    }
    return FORGET_OK;
}

size_t fg_model_chunk_rows(const forget_model *m)
{
    size_t rows = 1024;
    if (m->ops->max_rows && m->ops->max_rows < rows)
        rows = m->ops->max_rows;
    return rows;
}

/* The one softmax, of the loss and of the predictions alike: p (may be
 * NULL, may be z) = softmax(z) over k outputs; returns log sum exp(z).
 * The exponentials in float32 summed in float64, as training has always
 * computed them (its results stay bit-identical). */
double fg_softmax(const float *z, size_t k, float *p)
{
    float mx = z[0];
    for (size_t j = 1; j < k; j++)
        mx = z[j] > mx ? z[j] : mx;
    double s = 0.0;
    for (size_t j = 0; j < k; j++) {
        float e = expf(z[j] - mx);
        s += e;
        if (p)
            p[j] = e;
    }
    if (p) {
        float inv = (float)(1.0 / s);
        for (size_t j = 0; j < k; j++)
            p[j] *= inv;
    }
    return log(s) + mx;
}

void fg_objective(int32_t task, int objective, const float *z, size_t n,
                  size_t k, const int32_t *labels, const float *targets,
                  float *loss, float *dz)
{
    for (size_t i = 0; i < n; i++) {
        const float *zi = z + i * k;
        float *gi = dz ? dz + i * k : NULL;
        double l = 0.0;
        if (objective == FG_OBJ_LOGIT_NORM) {
            for (size_t j = 0; j < k; j++) {
                l += (double)zi[j] * zi[j];
                if (gi)
                    gi[j] = 2.0f * zi[j];
            }
        } else if (objective == FG_OBJ_SOFT) {
            const float *ti = targets + i * k;
            double tz = 0.0; /* read first: gi may be zi */
            for (size_t j = 0; j < k; j++)
                tz += (double)ti[j] * zi[j];
            l = fg_softmax(zi, k, gi) - tz;
            for (size_t j = 0; gi && j < k; j++)
                gi[j] -= ti[j];
        } else if (task == FORGET_TASK_CLASSIFICATION) {
            size_t y = (size_t)labels[i];
            float zy = zi[y]; /* read first: gi may be zi */
            l = fg_softmax(zi, k, gi) - zy;
            if (gi)
                gi[y] -= 1.0f;
        } else {
            const float *ti = targets + i * k;
            for (size_t j = 0; j < k; j++) {
                double e = (double)zi[j] - ti[j];
                l += e * e;
                if (gi)
                    gi[j] = (float)(2.0 * e / (double)k);
            }
            l /= (double)k;
        }
        if (loss)
            loss[i] = (float)l;
    }
}

int fg_model_batch(const forget_model *m, fg_workspace *ws, float *zbuf,
                   const float *x, const int32_t *labels,
                   const float *targets, size_t n, int objective, int mode,
                   float scale, float *acc, double *loss_sum)
{
    size_t chunk = fg_model_chunk_rows(m), k = m->outputs;
    float *z = zbuf, *dz = zbuf + chunk * k, *loss = zbuf + 2 * chunk * k;
    double total = 0.0;
    for (size_t b = 0; b < n; b += chunk) {
        size_t rows = n - b < chunk ? n - b : chunk;
        const float *xb = x + b * m->inputs;
        int rc = m->ops->forward(m, ws, xb, rows, z);
        if (rc != FORGET_OK)
            return rc;
        fg_objective(m->task, objective, z, rows, k,
                     labels ? labels + b : NULL,
                     targets ? targets + b * k : NULL, loss, dz);
        for (size_t i = 0; i < rows; i++)
            total += loss[i];
        rc = m->ops->backward(m, ws, xb, dz, rows, mode, scale, acc);
        if (rc != FORGET_OK)
            return rc;
    }
    if (loss_sum)
        *loss_sum += total;
    return FORGET_OK;
}

size_t fg_model_zbuf_floats(const forget_model *m)
{
    return fg_model_chunk_rows(m) * (2 * m->outputs + 1);
}

int fg_model_accumulate(const forget_model *m, fg_workspace *ws,
                        const forget_dataset *ds, size_t begin, size_t end,
                        int objective, int mode, float scale, float *acc,
                        double *loss_sum)
{
    fg_workspace local = {NULL, 0};
    float *zbuf = fg_malloc_array(fg_model_zbuf_floats(m), sizeof(float));
    float *xb = ds->x8 ? fg_malloc_array(end - begin ? end - begin : 1,
                                         ds->d * sizeof(float))
                       : NULL;
    if (zbuf == NULL || (ds->x8 && xb == NULL)) {
        fg_free(zbuf);
        return fg_nomem("per-row outputs");
    }
    size_t k = m->outputs;
    int rc = fg_model_batch(m, ws ? ws : &local, zbuf,
                            fg_dataset_rows(ds, begin, end, xb),
                            ds->labels ? ds->labels + begin : NULL,
                            ds->targets ? ds->targets + begin * k : NULL,
                            end - begin, objective, mode, scale, acc,
                            loss_sum);
    fg_free(xb);
    fg_free(zbuf);
    fg_workspace_free(&local);
    return rc;
}

int fg_model_grad_rows(const forget_model *m, fg_workspace *ws,
                       fg_workspace *zws, const float *x,
                       const int32_t *labels, const float *targets, size_t n,
                       int objective, int mode, float scale, float *acc,
                       double *loss_sum)
{
    float *zbuf = fg_workspace_get(zws, fg_model_zbuf_floats(m));
    if (zbuf == NULL)
        return fg_nomem("per-row outputs");
    return fg_model_batch(m, ws, zbuf, x, labels, targets, n, objective,
                          mode, scale, acc, loss_sum);
}

/* Outputs of rows [b, e) of x (a dataset's, through xb when it stores
 * bytes, or a raw array), turned into probabilities when probs is set
 * and the task is classification. */
static int fg_model_run(const forget_model *m, fg_workspace *ws,
                        const forget_dataset *ds, const float *x, size_t n,
                        int probs, float *out)
{
    size_t chunk = fg_model_chunk_rows(m), k = m->outputs;
    float *xb = ds && ds->x8 ? fg_malloc_array(chunk < n ? chunk : n ? n : 1,
                                               m->inputs * sizeof(float))
                             : NULL;
    if (ds && ds->x8 && xb == NULL)
        return fg_nomem("a chunk of rows");
    int rc = FORGET_OK;
    for (size_t b = 0; b < n && rc == FORGET_OK; b += chunk) {
        size_t rows = n - b < chunk ? n - b : chunk;
        float *o = out + b * k;
        const float *xr = ds ? fg_dataset_rows(ds, b, b + rows, xb)
                             : x + b * m->inputs;
        rc = m->ops->forward(m, ws, xr, rows, o);
        if (rc != FORGET_OK || !probs ||
            m->task != FORGET_TASK_CLASSIFICATION)
            continue;
        for (size_t i = 0; i < rows; i++)
            fg_softmax(o + i * k, k, o + i * k);
    }
    fg_free(xb);
    return rc;
}

int fg_model_predict(const forget_model *m, fg_workspace *ws, const float *x,
                     size_t n, float *out)
{
    return fg_model_run(m, ws, NULL, x, n, 1, out);
}

int fg_model_outputs_of(const forget_model *m, fg_workspace *ws,
                        const forget_dataset *ds, int probs, float *out)
{
    return fg_model_run(m, ws, ds, NULL, ds->n, probs, out);
}

static int fg_predict_checked(const forget_model *m,
                              const forget_dataset *ds, const float *x,
                              size_t n, float *out, size_t out_count,
                              const char *caller)
{
    size_t need;
    if (fg_mul_size(n, m->outputs, &need) != 0 || need != out_count)
        return fg_error(FORGET_E_INVALID, "%s: out holds %zu floats; %zu "
                        "rows of %zu outputs need %zu", caller, out_count, n,
                        m->outputs, n * m->outputs);
    fg_workspace ws = {NULL, 0};
    int rc = fg_model_run(m, &ws, ds, x, n, 1, out);
    fg_workspace_free(&ws);
    return rc;
}

int forget_model_predict(const forget_model *m, const forget_dataset *data,
                         float *out, size_t out_count)
{
    FG_CHECK_ARG(m);
    FG_CHECK_ARG(data);
    FG_CHECK_ARG(out);
    if (data->d != m->inputs)
        return fg_error(FORGET_E_INVALID, "%s: the data has %zu features, "
                        "the model takes %zu", __func__, data->d, m->inputs);
    return fg_predict_checked(m, data, NULL, data->n, out, out_count,
                              __func__);
}

int forget_model_predict_raw(const forget_model *m, const float *x, size_t n,
                             float *out, size_t out_count)
{
    FG_CHECK_ARG(m);
    FG_CHECK_ARG(out);
    if (n > 0)
        FG_CHECK_ARG(x);
    size_t cells;
    if (fg_mul_size(n, m->inputs, &cells) != 0)
        return fg_error(FORGET_E_INVALID, "%s: %zu rows overflow", __func__,
                        n);
    for (size_t i = 0; i < cells; i++)
        if (!isfinite(x[i]))
            return fg_error(FORGET_E_INVALID, "%s: row %zu, feature %zu is "
                            "not finite", __func__, i / m->inputs,
                            i % m->inputs);
    return fg_predict_checked(m, NULL, x, n, out, out_count, __func__);
}
