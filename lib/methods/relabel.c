/* Random-label fine-tuning (RL) and SalUn (Fan et al. 2024): the forget
 * rows are given labels drawn uniformly from the other classes and
 * trained on together with the retained sample (each step: a batch of
 * each, their mean losses weighed by each set's share of the rows); a
 * row stops being pushed once its true label is no longer known
 * (forgotten_loss); with salun=true only the parameters
 * whose forget-set gradient magnitude |grad L_F| (true labels, on the
 * model before the request) is in the top `saliency` fraction move.
 * Classification only. Approximate: nothing is promised about equality
 * with retraining (docs/METHODS.md). */
#include <stdlib.h>
#include <string.h>

#include "forget/backend.h"
#include "approx/tuner.h"

static const forget_param_def fg_relabel_params[] = {
    /* the strength: calibration searches epochs (more forgets more) */
    {"epochs", FORGET_PARAM_DOUBLE, "5", 1e-3, 1e4, NULL,
     "steps as passes over the retained sample (the strength; each step "
     "also draws a batch of the relabelled forget rows)"},
    {"salun", FORGET_PARAM_BOOL, "false", 0, -1, NULL,
     "move only the salient parameters (SalUn)"},
    {"saliency", FORGET_PARAM_DOUBLE, "0.5", 1e-6, 1, NULL,
     "with salun: the fraction of parameters that move, those of largest "
     "|grad L_F|"},
    FG_TUNER_GATE_PARAM_DEF,
    FG_TUNER_PARAM_DEFS("sgd", "0.01"),
    FG_TARGET_PARAM_DEFS,
};
#define FG_RELABEL_N_PARAMS (sizeof fg_relabel_params / sizeof *fg_relabel_params)

static int fg_relabel_config(fg_tuner *s, const forget_params *p)
{
    if (forget_model_task(s->model) != FORGET_TASK_CLASSIFICATION ||
        forget_model_outputs(s->model) < 2)
        return fg_error(FORGET_E_UNSUPPORTED, "method 'relabel': random "
                        "labels need a classification model of 2 classes or "
                        "more");
    forget_params_double(p, "saliency", &s->opt_x[1]);
    forget_params_bool(p, "salun", &s->opt_b[0]);
    forget_params_double(p, "forgotten_loss", &s->opt_x[2]);
    s->nested = 1; /* epochs count the steps of one seeded run */
    return FORGET_OK;
}

/* Labels for the forget rows: each uniform over the classes but its own,
 * drawn from seed. */
static int32_t *fg_relabel_labels(const forget_dataset *f, size_t k,
                                  uint64_t seed)
{
    size_t n = forget_dataset_rows(f);
    int32_t *y = fg_malloc_array(n ? n : 1, sizeof *y);
    if (y == NULL)
        return NULL;
    const int32_t *own = forget_dataset_labels(f);
    fg_rng g;
    fg_rng_seed(&g, seed ^ 0x72656c6162656cULL);
    for (size_t i = 0; i < n; i++)
        y[i] = (int32_t)(((size_t)own[i] + 1 + fg_rng_below(&g, k - 1)) % k);
    return y;
}

static int fg_relabel_desc(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return x > y ? -1 : x < y;
}

/* SalUn's mask: 1 for the parameters of the top fraction of |grad L_F|
 * (ties at the threshold move too). */
static int fg_relabel_mask(const forget_model *m, const forget_dataset *f,
                           double fraction, unsigned char *mask)
{
    size_t P = forget_model_param_count(m);
    float *g = fg_calloc(P ? P : 1, sizeof *g);
    float *sorted = fg_malloc_array(P ? P : 1, sizeof *sorted);
    int rc = g && sorted ? FORGET_OK : fg_nomem("the saliency mask");
    fg_workspace ws = {NULL, 0};
    if (rc == FORGET_OK)
        rc = fg_model_accumulate(m, &ws, f, 0, forget_dataset_rows(f),
                                 FG_OBJ_LOSS, FG_ACC_GRAD, 1.0f, g, NULL);
    if (rc == FORGET_OK && P > 0) {
        for (size_t i = 0; i < P; i++)
            sorted[i] = g[i] = g[i] < 0 ? -g[i] : g[i];
        qsort(sorted, P, sizeof *sorted, fg_relabel_desc);
        size_t top = (size_t)(fraction * (double)P + 0.5);
        float cut = sorted[(top ? top : 1) - 1];
        for (size_t i = 0; i < P; i++)
            mask[i] = g[i] >= cut;
    }
    fg_workspace_free(&ws);
    fg_free(g);
    fg_free(sorted);
    return rc;
}

static int fg_relabel_run(const fg_tuner_req *q, double epochs,
                          forget_model *m, forget_run *run, double p0,
                          double p1, fg_tune_stats *st)
{
    const fg_tuner *s = q->s;
    fg_tune_cfg c = fg_tuner_cfg(s, q->seed);
    size_t P = forget_model_param_count(m);
    int32_t *labels = fg_relabel_labels(q->forget, forget_model_outputs(m),
                                        q->seed);
    unsigned char *mask = s->opt_b[0] ? fg_malloc(P ? P : 1) : NULL;
    int rc = labels && (mask || !s->opt_b[0]) ? FORGET_OK
                                              : fg_nomem("random labels");
    if (rc == FORGET_OK && mask)
        rc = fg_relabel_mask(m, q->forget, s->opt_x[1], mask);
    c.mask = mask;
    /* the mean loss over the union of the two sets, as training on the
     * relabelled rows together with the retained ones is: each term
     * weighed by its share of the rows (a small forget set is not drawn
     * as often as the whole sample: 1:1 wore 18 points off the retained
     * accuracy of the benchmark's random 1%) */
    double nf = (double)forget_dataset_rows(q->forget);
    double nr = (double)forget_dataset_rows(q->retain);
    double w_f = nf / (nf + nr), w_r = nr / (nf + nr);
    if (rc == FORGET_OK)
        rc = fg_tuner_descend(q, &c, w_r, w_f, labels,
                              fg_tuner_gate(m, s->opt_x[2]), epochs, m, run,
                              p0, p1, st);
    fg_free(labels);
    fg_free(mask);
    return rc;
}

static const fg_tuner_kind fg_relabel_kind = {
    "relabel", {"epochs", 0.05, 50.0, 1, 1}, fg_relabel_config,
    fg_relabel_run};

static int fg_relabel_create(void **state, forget_model *model,
                             const forget_params *p, void *user_data)
{
    (void)user_data;
    return fg_tuner_create(state, model, p, &fg_relabel_kind);
}

static int fg_relabel_load(void **state, forget_model *model,
                           const forget_params *p, forget_reader *r,
                           void *user_data)
{
    (void)user_data;
    return fg_tuner_load(state, model, p, r, &fg_relabel_kind);
}

const forget_method fg_method_relabel = {
    .struct_size = sizeof(forget_method),
    .abi_version = FORGET_BACKEND_ABI_VERSION,
    .flags = 0, /* approximate; keeps its own retained sample */
    .name = "relabel",
    .description = "Random-label fine-tuning (RL), optionally on a saliency "
                   "mask (SalUn) (approximate)",
    .params = fg_relabel_params,
    .n_params = FG_RELABEL_N_PARAMS,
    .param_def_size = sizeof(forget_param_def),
    .create = fg_relabel_create,
    .prepare = fg_tuner_prepare,
    .forget = fg_tuner_forget,
    .destroy = fg_tuner_destroy,
    .save = fg_tuner_save,
    .load = fg_relabel_load,
    .is_forgotten = fg_tuner_is_forgotten,
};
