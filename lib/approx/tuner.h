/* What the fine-tuning methods (finetune, neggrad, relabel) share beyond
 * the engine: their state (the model, the optimizer's settings, the
 * retained budget, a target), its parameters, and every hook of a method
 * table but one: how a request becomes fine-tuning steps at a strength
 * (the kind's apply). A method file holds its parameter table, its kind
 * and thin wrappers naming that kind. */
#ifndef FG_APPROX_TUNER_H
#define FG_APPROX_TUNER_H

#include "approx/calibrate.h"
#include "approx/guard.h"
#include "approx/retain.h"
#include "approx/tune.h"
#include "approx/tunecal.h"
#include "model/kit.h"

/* The parameters every fine-tuning method has (put them before
 * FG_TARGET_PARAM_DEFS in its table), with the method's default
 * optimizer ("sgd" or "adam") and learning rate (a string). */
#define FG_TUNER_PARAM_DEFS(OPTIMIZER, LR)                                   \
    {"retain_budget", FORGET_PARAM_DOUBLE, "0.1", 1e-9, 1e15, NULL,          \
     "retained rows kept at prepare to fine-tune on: below 1 a fraction of " \
     "the training rows, from 1 a count; at least 256 (or all): 0.1 keeps "  \
     "a request's cost near a tenth of an epoch per epoch of fine-tuning"},  \
        {"batch", FORGET_PARAM_INT, "64", 1, 65536, NULL,                    \
         "rows per step drawn from each set (retained, forget)"},            \
        {"optimizer", FORGET_PARAM_ENUM, OPTIMIZER, 0, -1, "sgd|adam",           \
         "SGD with momentum, or Adam (beta1 0.9, beta2 0.999, eps 1e-8)"},   \
        {"lr", FORGET_PARAM_DOUBLE, LR, 1e-12, 100, NULL,                \
         "learning rate"},                                                   \
        {"momentum", FORGET_PARAM_DOUBLE, "0.9", 0, 0.999999, NULL,          \
         "SGD momentum (v = momentum v + g)"},                               \
        {"clip", FORGET_PARAM_DOUBLE, "5", 0, 1e12, NULL,                    \
         "largest gradient norm of a step (0: no clipping); ascent "         \
         "diverges without it"},                                             \
        {"seed", FORGET_PARAM_INT, "1", 0, 9.0e15, NULL,                     \
         "seed of the retained sample, the batches and random labels"},      \
        FG_GUARD_PARAM_DEFS

/* The gate of the methods that push the forget rows (neggrad, relabel):
 * a row leaves that push once its loss on its true label reaches
 * forgotten_loss (fg_tune_term's gate). */
#define FG_TUNER_GATE_PARAM_DEF                                              \
    {"forgotten_loss", FORGET_PARAM_DOUBLE, "0", 0, 1e6, NULL,               \
     "a forget row leaves the push on the forget rows once its loss on its " \
     "true label reaches this (0: ln of the number of classes, a uniform "   \
     "guess's loss; a large value: never; regression models: never)"}

typedef struct fg_tuner fg_tuner;

/* A request as the kind's apply sees it. */
typedef struct fg_tuner_req {
    const fg_tuner *s;
    const forget_dataset *forget; /* the rows forgotten now */
    const forget_dataset *retain; /* the retained sample after them */
    uint64_t seed;                /* this request's (the state's seed and
                                     the rows forgotten so far) */
    fg_tunecal *cal;              /* not NULL: fg_tuner_descend searches
                                     its steps along one run for this
                                     calibration (the strength given is
                                     the knob's strongest) */
} fg_tuner_req;

typedef struct fg_tuner_kind {
    const char *name; /* the method's */
    /* the strength: its parameter (knob.name) and what calibration
     * searches */
    fg_knob knob;
    /* Read the method's own parameters into s->opt_x / s->opt_b. */
    int (*config)(fg_tuner *s, const forget_params *p);
    /* The request q at strength v on m (the model or a copy): m changes
     * only on success; stats gets what the engine did. */
    int (*apply)(const fg_tuner_req *q, double v, forget_model *m,
                 forget_run *run, double p0, double p1, fg_tune_stats *st);
} fg_tuner_kind;

struct fg_tuner {
    const fg_tuner_kind *kind;
    forget_model *model;
    fg_tune_cfg opt;    /* the optimizer (seed and mask set per request) */
    uint64_t seed;
    size_t batch;
    double budget, strength;
    double opt_x[4];    /* the method's own parameters */
    int opt_b[2];
    fg_target target;
    int nested; /* set by config: the strength is a step count of one
                   seeded run, so calibration walks one run (tunecal.h) */
    int prepared;
    fg_retain r;
    fg_guard guard;
};

/* The gate for m of a forgotten_loss value: 0 for regression models,
 * ln(classes) for 0. */
double fg_tuner_gate(const forget_model *m, double forgotten_loss);

/* The fine-tuning configuration of a request with seed: opt and seed. */
fg_tune_cfg fg_tuner_cfg(const fg_tuner *s, uint64_t seed);
/* The steps of a request on m: passes over the retained sample, each
 * step a batch of it (weight w_r) and a batch of the forget rows (weight
 * w_f, labelled f_labels or their own, gated at f_gate (fg_tune_term's
 * gate; 0: none); w_f 0: none drawn). */
int fg_tuner_descend(const fg_tuner_req *q, const fg_tune_cfg *c, double w_r,
                     double w_f, const int32_t *f_labels, double f_gate,
                     double passes,
                     forget_model *m, forget_run *run, double p0, double p1,
                     fg_tune_stats *st);

/* The hooks of a method table (the method's wrappers pass its kind). */
int fg_tuner_create(void **state, forget_model *model, const forget_params *p,
                    const fg_tuner_kind *kind);
void fg_tuner_destroy(void *state);
int fg_tuner_prepare(void *state, const forget_dataset *train,
                     forget_run *run);
int fg_tuner_forget(void *state, const forget_dataset *rows, forget_run *run);
int fg_tuner_save(void *state, forget_writer *w);
int fg_tuner_load(void **state, forget_model *model, const forget_params *p,
                  forget_reader *r, const fg_tuner_kind *kind);
int fg_tuner_is_forgotten(void *state, uint64_t id, int *forgotten);

/* The request rows applied at strength to target (a copy of the state's
 * model, or the model itself), without changing the state: the entry
 * point of calibration (fg_finetune_apply etc. are this). The request is
 * checked as forget checks it. run may be NULL (no progress, no cancel,
 * no report). The result equals what forget with the knob at strength
 * would make of the same model (the same request seed). */
int fg_tuner_apply(void *state, const forget_dataset *rows, double strength,
                   forget_model *target, forget_run *run);

#endif
