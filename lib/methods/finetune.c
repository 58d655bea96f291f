/* Fine-tuning (FT): continue training on the retained sample for a few
 * epochs, so that what only the forgotten rows held fades (catastrophic
 * forgetting put to use); optionally with an l1 term decaying linearly to
 * 0 over the steps ("Model Sparsity Can Simplify Machine Unlearning",
 * Jia et al. 2023), applied by its proximal step. Approximate: nothing
 * is promised about equality with retraining (docs/METHODS.md). */
#include "forget/backend.h"
#include "approx/tuner.h"

static const forget_param_def fg_finetune_params[] = {
    /* the strength: calibration searches epochs (more forgets more) */
    {"epochs", FORGET_PARAM_DOUBLE, "3", 1e-3, 1e4, NULL,
     "passes over the retained sample (the strength; a fraction is a part "
     "of a pass)"},
    {"l1", FORGET_PARAM_DOUBLE, "0", 0, 1e3, NULL,
     "weight of an l1 penalty on the parameters (proximal: soft "
     "thresholding by lr * l1 after each step); Jia et al. use about 5e-4"},
    {"l1_decay", FORGET_PARAM_BOOL, "true", 0, -1, NULL,
     "the l1 weight falls linearly to 0 over the steps (Jia et al.)"},
    FG_TUNER_PARAM_DEFS("sgd", "0.01"),
    FG_TARGET_PARAM_DEFS,
};
#define FG_FINETUNE_N_PARAMS (sizeof fg_finetune_params / sizeof *fg_finetune_params)

static int fg_finetune_config(fg_tuner *s, const forget_params *p)
{
    forget_params_double(p, "l1", &s->opt_x[0]);
    forget_params_bool(p, "l1_decay", &s->opt_b[0]);
    /* epochs count the steps of one seeded run, unless l1 decays over
     * them (then a shorter run is not the start of a longer one) */
    s->nested = !(s->opt_x[0] > 0.0 && s->opt_b[0]);
    return FORGET_OK;
}

static int fg_finetune_run(const fg_tuner_req *q, double epochs,
                           forget_model *m, forget_run *run, double p0,
                           double p1, fg_tune_stats *st)
{
    const fg_tuner *s = q->s;
    fg_tune_cfg c = fg_tuner_cfg(s, q->seed);
    c.l1 = s->opt_x[0];
    c.l1_decay = s->opt_b[0];
    return fg_tuner_descend(q, &c, 1.0, 0.0, NULL, 0.0, epochs, m, run, p0, p1,
                            st);
}

static const fg_tuner_kind fg_finetune_kind = {
    "finetune", {"epochs", 0.05, 50.0, 1, 1}, fg_finetune_config,
    fg_finetune_run};

static int fg_finetune_create(void **state, forget_model *model,
                              const forget_params *p, void *user_data)
{
    (void)user_data;
    return fg_tuner_create(state, model, p, &fg_finetune_kind);
}

static int fg_finetune_load(void **state, forget_model *model,
                            const forget_params *p, forget_reader *r,
                            void *user_data)
{
    (void)user_data;
    return fg_tuner_load(state, model, p, r, &fg_finetune_kind);
}

const forget_method fg_method_finetune = {
    .struct_size = sizeof(forget_method),
    .abi_version = FORGET_BACKEND_ABI_VERSION,
    .flags = 0, /* approximate; keeps its own retained sample */
    .name = "finetune",
    .description = "Fine-tuning: train on a retained sample for a few "
                   "epochs, optionally with a decaying l1 term (approximate)",
    .params = fg_finetune_params,
    .n_params = FG_FINETUNE_N_PARAMS,
    .param_def_size = sizeof(forget_param_def),
    .create = fg_finetune_create,
    .prepare = fg_tuner_prepare,
    .forget = fg_tuner_forget,
    .destroy = fg_tuner_destroy,
    .save = fg_tuner_save,
    .load = fg_finetune_load,
    .is_forgotten = fg_tuner_is_forgotten,
};
