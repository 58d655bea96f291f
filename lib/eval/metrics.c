/* Accuracy, loss, per-class accuracy and the confusion matrix. */
#include <math.h>
#include <string.h>

#include "util/alloc.h"
#include "util/error.h"
#include "data/dataset.h"
#include "eval/eval.h"

size_t fg_argmax(const float *v, size_t k)
{
    size_t best = 0;
    for (size_t j = 1; j < k; j++)
        if (v[j] > v[best])
            best = j;
    return best;
}

int fg_eval_outputs(const forget_model *m, const forget_dataset *ds,
                    int probs, float **out, const char *caller)
{
    int rc = fg_model_check_data(m, ds, caller);
    if (rc != FORGET_OK)
        return rc;
    float *o = fg_malloc_array(ds->n ? ds->n : 1, m->outputs * sizeof(float));
    if (o == NULL)
        return fg_error(FORGET_E_NOMEM, "%s: out of memory for %zu rows of "
                        "outputs", caller, ds->n);
    fg_workspace ws = {NULL, 0};
    rc = fg_model_outputs_of(m, &ws, ds, probs, o);
    fg_workspace_free(&ws);
    if (rc != FORGET_OK) {
        fg_free(o);
        return rc;
    }
    *out = o;
    return FORGET_OK;
}

int fg_eval_row_losses(const forget_model *m, const forget_dataset *ds,
                       float **out, const char *caller)
{
    float *z = NULL;
    int rc = fg_eval_outputs(m, ds, 0, &z, caller);
    if (rc != FORGET_OK)
        return rc;
    float *loss = fg_malloc_array(ds->n ? ds->n : 1, sizeof(float));
    if (loss == NULL) {
        fg_free(z);
        return fg_nomem("per-row losses");
    }
    fg_eval_losses_of(m, ds, z, loss);
    fg_free(z);
    *out = loss;
    return FORGET_OK;
}

void fg_eval_losses_of(const forget_model *m, const forget_dataset *ds,
                       const float *z, float *loss)
{
    fg_objective(m->task, FG_OBJ_LOSS, z, ds->n, m->outputs, ds->labels,
                 ds->targets, loss, NULL);
}

size_t fg_eval_hits(const float *z, size_t n, size_t k,
                    const int32_t *labels)
{
    size_t hits = 0;
    for (size_t i = 0; i < n; i++)
        hits += fg_argmax(z + i * k, k) == (size_t)labels[i];
    return hits;
}

static int fg_need_classes(const forget_model *m, const forget_dataset *ds,
                           const char *caller)
{
    if (m->task != FORGET_TASK_CLASSIFICATION ||
        ds->task != FORGET_TASK_CLASSIFICATION)
        return fg_error(FORGET_E_INVALID, "%s: needs a classification model "
                        "and data", caller);
    if (ds->n == 0)
        return fg_error(FORGET_E_INVALID, "%s: the dataset is empty", caller);
    return FORGET_OK;
}

int forget_eval_accuracy(const forget_model *m, const forget_dataset *data,
                         double *accuracy)
{
    FG_CHECK_ARG(m);
    FG_CHECK_ARG(data);
    FG_CHECK_ARG(accuracy);
    int rc = fg_need_classes(m, data, __func__);
    float *p = NULL;
    if (rc == FORGET_OK)
        rc = fg_eval_outputs(m, data, 0, &p, __func__);
    if (rc != FORGET_OK)
        return rc;
    size_t hits = fg_eval_hits(p, data->n, m->outputs, data->labels);
    fg_free(p);
    *accuracy = (double)hits / (double)data->n;
    return FORGET_OK;
}

int forget_eval_loss(const forget_model *m, const forget_dataset *data,
                     double *loss)
{
    FG_CHECK_ARG(m);
    FG_CHECK_ARG(data);
    FG_CHECK_ARG(loss);
    if (data->n == 0)
        return fg_error(FORGET_E_INVALID, "%s: the dataset is empty",
                        __func__);
    float *l = NULL;
    int rc = fg_eval_row_losses(m, data, &l, __func__);
    if (rc != FORGET_OK)
        return rc;
    double s = 0.0;
    for (size_t i = 0; i < data->n; i++)
        s += l[i];
    fg_free(l);
    *loss = s / (double)data->n;
    return FORGET_OK;
}

/* counts[true * k + predicted] over the rows. */
static int fg_confusion(const forget_model *m, const forget_dataset *data,
                        size_t classes, uint64_t *counts, const char *caller)
{
    int rc = fg_need_classes(m, data, caller);
    if (rc == FORGET_OK && classes != m->outputs)
        rc = fg_error(FORGET_E_INVALID, "%s: classes is %zu but the model "
                      "has %zu outputs", caller, classes, m->outputs);
    float *p = NULL;
    if (rc == FORGET_OK)
        rc = fg_eval_outputs(m, data, 0, &p, caller);
    if (rc != FORGET_OK)
        return rc;
    memset(counts, 0, classes * classes * sizeof *counts);
    for (size_t i = 0; i < data->n; i++)
        counts[(size_t)data->labels[i] * classes +
               fg_argmax(p + i * classes, classes)]++;
    fg_free(p);
    return FORGET_OK;
}

int forget_eval_confusion(const forget_model *m, const forget_dataset *data,
                          uint64_t *counts, size_t classes)
{
    FG_CHECK_ARG(m);
    FG_CHECK_ARG(data);
    FG_CHECK_ARG(counts);
    size_t cells;
    if (fg_mul_size(classes, classes, &cells) != 0)
        return fg_error(FORGET_E_INVALID, "%s: classes overflow", __func__);
    uint64_t *tmp = fg_malloc_array(cells ? cells : 1, sizeof *tmp);
    if (tmp == NULL)
        return fg_nomem("a confusion matrix");
    int rc = fg_confusion(m, data, classes, tmp, __func__);
    if (rc == FORGET_OK)
        memcpy(counts, tmp, cells * sizeof *tmp);
    fg_free(tmp);
    return rc;
}

int forget_eval_class_accuracy(const forget_model *m,
                               const forget_dataset *data, double *accuracy,
                               size_t classes)
{
    FG_CHECK_ARG(m);
    FG_CHECK_ARG(data);
    FG_CHECK_ARG(accuracy);
    size_t cells;
    if (fg_mul_size(classes, classes, &cells) != 0)
        return fg_error(FORGET_E_INVALID, "%s: classes overflow", __func__);
    uint64_t *c = fg_malloc_array(cells ? cells : 1, sizeof *c);
    if (c == NULL)
        return fg_nomem("a confusion matrix");
    int rc = fg_confusion(m, data, classes, c, __func__);
    if (rc == FORGET_OK)
        for (size_t t = 0; t < classes; t++) {
            uint64_t row = 0;
            for (size_t j = 0; j < classes; j++)
                row += c[t * classes + j];
            accuracy[t] = row ? (double)c[t * classes + t] / (double)row
                              : NAN;
        }
    fg_free(c);
    return rc;
}
