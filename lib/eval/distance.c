/* How far apart two models are: on their outputs over data, and in
 * parameter space when their shapes match. */
#include <math.h>
#include <string.h>

#include "util/alloc.h"
#include "util/error.h"
#include "data/dataset.h"
#include "eval/eval.h"

int forget_eval_output_distance(const forget_model *a, const forget_model *b,
                                const forget_dataset *data, double *max_abs,
                                double *mean_abs)
{
    FG_CHECK_ARG(a);
    FG_CHECK_ARG(b);
    FG_CHECK_ARG(data);
    FG_CHECK_ARG(max_abs);
    FG_CHECK_ARG(mean_abs);
    if (a->inputs != b->inputs || a->outputs != b->outputs ||
        a->task != b->task)
        return fg_error(FORGET_E_INVALID, "%s: the models differ in inputs, "
                        "outputs or task", __func__);
    if (data->n == 0)
        return fg_error(FORGET_E_INVALID, "%s: the dataset is empty",
                        __func__);
    float *pa = NULL, *pb = NULL;
    int rc = fg_eval_outputs(a, data, 1, &pa, __func__);
    if (rc == FORGET_OK)
        rc = fg_eval_outputs(b, data, 1, &pb, __func__);
    if (rc == FORGET_OK) {
        size_t cells = data->n * a->outputs;
        double mx = 0.0, sum = 0.0;
        for (size_t i = 0; i < cells; i++) {
            double dlt = fabs((double)pa[i] - (double)pb[i]);
            mx = dlt > mx ? dlt : mx;
            sum += dlt;
        }
        *max_abs = mx;
        *mean_abs = sum / (double)cells;
    }
    fg_free(pa);
    fg_free(pb);
    return rc;
}

int forget_eval_param_distance(const forget_model *a, const forget_model *b,
                               double *l2, double *max_abs)
{
    FG_CHECK_ARG(a);
    FG_CHECK_ARG(b);
    FG_CHECK_ARG(l2);
    FG_CHECK_ARG(max_abs);
    int same = a->n_params == b->n_params && a->n_blocks == b->n_blocks;
    for (size_t i = 0; same && i < a->n_blocks; i++)
        same = a->blocks[i].size == b->blocks[i].size &&
               a->blocks[i].offset == b->blocks[i].offset &&
               !strcmp(a->blocks[i].name, b->blocks[i].name);
    if (!same)
        return fg_error(FORGET_E_INVALID, "%s: the models' parameter shapes "
                        "differ", __func__);
    double s = 0.0, mx = 0.0;
    for (size_t i = 0; i < a->n_params; i++) {
        double dlt = (double)a->theta[i] - (double)b->theta[i];
        s += dlt * dlt;
        mx = fabs(dlt) > mx ? fabs(dlt) : mx;
    }
    *l2 = sqrt(s);
    *max_abs = mx;
    return FORGET_OK;
}
