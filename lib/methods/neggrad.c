/* NegGrad+ (Kurmanji et al. 2023): each step descends on a batch of the
 * retained sample and ascends on a batch of the forget rows,
 *     g = beta grad L_R - (1 - beta) grad L_F,   ascent = 1 - beta,
 * each L the mean loss of its batch. The loss on F has no upper bound, so
 * ascent alone diverges: a forget row leaves the ascent once its loss
 * reaches forgotten_loss (by default ln k, a uniform guess's: the row is
 * no longer known), and the step's gradient is clipped to a norm.
 * Approximate: nothing is promised about equality with retraining
 * (docs/METHODS.md). */
#include "forget/backend.h"
#include "approx/tuner.h"

static const forget_param_def fg_neggrad_params[] = {
    /* the strength: calibration searches epochs (more forgets more; the
     * ascent weight is not monotone in effect under Adam, which rescales
     * the whole step, so it is not the knob) */
    {"epochs", FORGET_PARAM_DOUBLE, "5", 1e-3, 1e4, NULL,
     "steps as passes over the retained sample, each step also drawing a "
     "batch of the forget rows (the strength)"},
    {"ascent", FORGET_PARAM_DOUBLE, "0.1", 0, 1, NULL,
     "weight of the ascent on the forget rows, 1 - beta: "
     "g = (1 - ascent) grad L_R - ascent grad L_F"},
    FG_TUNER_GATE_PARAM_DEF,
    FG_TUNER_PARAM_DEFS("sgd", "0.01"),
    FG_TARGET_PARAM_DEFS,
};
#define FG_NEGGRAD_N_PARAMS (sizeof fg_neggrad_params / sizeof *fg_neggrad_params)

static int fg_neggrad_config(fg_tuner *s, const forget_params *p)
{
    forget_params_double(p, "ascent", &s->opt_x[0]);
    forget_params_double(p, "forgotten_loss", &s->opt_x[1]);
    s->nested = 1; /* epochs count the steps of one seeded run */
    return FORGET_OK;
}

static int fg_neggrad_run(const fg_tuner_req *q, double epochs,
                          forget_model *m, forget_run *run, double p0,
                          double p1, fg_tune_stats *st)
{
    const fg_tuner *s = q->s;
    fg_tune_cfg c = fg_tuner_cfg(s, q->seed);
    double ascent = s->opt_x[0], gate = fg_tuner_gate(m, s->opt_x[1]);
    return fg_tuner_descend(q, &c, 1.0 - ascent, -ascent, NULL, gate, epochs, m,
                            run, p0, p1, st);
}

static const fg_tuner_kind fg_neggrad_kind = {
    "neggrad", {"epochs", 0.05, 100.0, 1, 1}, fg_neggrad_config,
    fg_neggrad_run};

static int fg_neggrad_create(void **state, forget_model *model,
                             const forget_params *p, void *user_data)
{
    (void)user_data;
    return fg_tuner_create(state, model, p, &fg_neggrad_kind);
}

static int fg_neggrad_load(void **state, forget_model *model,
                           const forget_params *p, forget_reader *r,
                           void *user_data)
{
    (void)user_data;
    return fg_tuner_load(state, model, p, r, &fg_neggrad_kind);
}

const forget_method fg_method_neggrad = {
    .struct_size = sizeof(forget_method),
    .abi_version = FORGET_BACKEND_ABI_VERSION,
    .flags = 0, /* approximate; keeps its own retained sample */
    .name = "neggrad",
    .description = "NegGrad+: descend on a retained sample while ascending "
                   "on the forget rows, weighted (approximate)",
    .params = fg_neggrad_params,
    .n_params = FG_NEGGRAD_N_PARAMS,
    .param_def_size = sizeof(forget_param_def),
    .create = fg_neggrad_create,
    .prepare = fg_tuner_prepare,
    .forget = fg_tuner_forget,
    .destroy = fg_tuner_destroy,
    .save = fg_tuner_save,
    .load = fg_neggrad_load,
    .is_forgotten = fg_tuner_is_forgotten,
};
