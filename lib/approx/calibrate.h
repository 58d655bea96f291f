/* Calibration: a request of an approximate method aimed at a target (the
 * forget rows' accuracy, or looking like held-out rows) instead of a hand
 * set knob. The method's one strength knob is searched by bisection on
 * copies of the model; the model itself changes once, with the value
 * chosen (docs/METHODS.md, "Calibration"). */
#ifndef FG_APPROX_CALIBRATE_H
#define FG_APPROX_CALIBRATE_H

#include "model/kit.h"

#define FG_TARGET_NONE 0
#define FG_TARGET_FORGET_ACC 1   /* the forget rows' accuracy = value */
#define FG_TARGET_HELDOUT 2      /* ... = the held-out rows' accuracy */
#define FG_TARGET_HELDOUT_LOSS 3 /* their mean loss = the held-out's */

typedef struct fg_target {
    int kind;         /* FG_TARGET_* */
    double value;     /* FG_TARGET_FORGET_ACC: the accuracy wanted */
    double tolerance; /* largest |achieved - goal| accepted */
    int64_t trials;   /* most values tried */
} fg_target;

/* The parameter-table entries of every calibrating method (put them at
 * the end of its table). */
#define FG_TARGET_PARAM_DEFS                                                 \
    {"target", FORGET_PARAM_STRING, "none", 0, -1, NULL,                     \
     "none: use the knob as given; forget_acc:X: search the knob so that "   \
     "the forgotten rows' accuracy becomes X; heldout: ... the accuracy of " \
     "the held-out rows (forget_unlearner_set_heldout); heldout_loss: so "   \
     "that their mean loss becomes the held-out rows'"},                    \
        {"tolerance", FORGET_PARAM_DOUBLE, "0.02", 0, 1e6, NULL,             \
         "with a target: refuse the request (model unchanged) when no "      \
         "value tried comes this close to it (accuracy as a fraction, or "   \
         "loss)"},                                                           \
        {"trials", FORGET_PARAM_INT, "12", 2, 64, NULL,                      \
         "with a target: the most knob values tried (each on a copy)"}

/* Read target, tolerance and trials; FORGET_E_PARAM naming owner for a
 * target that does not parse. */
int fg_target_config(fg_target *t, const forget_params *p, const char *owner);

/* The knob searched: its range, whether to bisect its logarithm, and
 * which way forgets more. name goes into the report
 * ("calibrated_<name>"). */
typedef struct fg_knob {
    const char *name;
    double lo, hi;
    int log_scale;
    int up_forgets_more; /* 1: a larger value forgets more */
} fg_knob;

/* The measuring side of a search: the goal (measured once, on the model
 * before the request), each result's excess (how much more forgetting
 * the target asks for), the best result so far (within the tolerance the
 * weakest value; outside it the closest), the trials made. Shared by
 * fg_calibrate and the fine-tuning methods' search along one run
 * (tunecal.h). */
typedef struct fg_gauge {
    const forget_model *model; /* as before the request */
    const forget_dataset *forget, *heldout;
    const fg_target *t;
    const fg_knob *knob;
    forget_run *run;
    double goal;
    double best_v, best_excess, best_achieved;
    int have_best;
    int64_t done; /* results measured */
} fg_gauge;

/* Check the target against model (FORGET_E_STATE for a held-out target
 * without held-out rows) and measure its goal. */
int fg_gauge_start(fg_gauge *g, const forget_model *model,
                   const forget_dataset *forget, const fg_target *t,
                   const fg_knob *knob, forget_run *run);
/* Measure m, the result at knob value v: *excess > 0 when it has not
 * forgotten enough; *best = 1 when it is the best so far (the caller
 * keeps it). */
int fg_gauge_take(fg_gauge *g, const forget_model *m, double v,
                  double *excess, int *best);
/* After the search: FORGET_E_NUMERIC naming the closest value when none
 * came within the tolerance; else the report's calibrated_<name>,
 * calibration_trials, calibration_goal and calibration_achieved. */
int fg_gauge_finish(const fg_gauge *g);

/* Apply the request at knob value v to copy (a copy of the model as it
 * is before the request), leaving the method's state as it is; report
 * progress within [p0, p1] and honour cancel. */
typedef int (*fg_apply_fn)(void *ctx, double v, forget_model *copy,
                           forget_run *run, double p0, double p1);

/* Search the knob for t on copies of model (which does not change): the
 * weakest value tried whose result comes within the tolerance of the
 * target (the least forgetting that meets it), within t->trials
 * applications. On success *chosen is that
 * value and *best (when not NULL) a copy of the model with it applied
 * (free it with fg_model_discard); the report gets calibrated_<name>,
 * calibration_trials, calibration_goal and calibration_achieved.
 * FORGET_E_NUMERIC (nothing changed) when no value tried comes within
 * the tolerance; FORGET_E_STATE for a held-out target without held-out
 * rows. Progress runs over [p0, p1]. */
int fg_calibrate(const forget_model *model, const forget_dataset *forget,
                 const fg_target *t, const fg_knob *knob, fg_apply_fn apply,
                 void *ctx, forget_run *run, double p0, double p1,
                 double *chosen, forget_model **best);

#endif
