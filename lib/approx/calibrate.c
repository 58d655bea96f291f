/* Calibration of an approximate method's request (calibrate.h). Each
 * trial applies the request to a fresh copy of the model at one knob
 * value and measures the forget rows: their "excess" is how much more
 * forgetting the target asks for (accuracy above the goal, or loss below
 * it); above the tolerance means "not forgotten enough". The search
 * evaluates both ends of the range, then bisects between the last value
 * not forgotten enough and the first that is: the weakest value within
 * the tolerance of the target, found even when the measure is not
 * monotone in the knob (a bisection keeps a bracket; it does not assume
 * one crossing). */
#include "approx/calibrate.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int fg_target_config(fg_target *t, const forget_params *p, const char *owner)
{
    const char *text = "none";
    memset(t, 0, sizeof *t);
    forget_params_string(p, "target", &text);
    forget_params_double(p, "tolerance", &t->tolerance);
    forget_params_int(p, "trials", &t->trials);
    if (!strcmp(text, "none"))
        t->kind = FG_TARGET_NONE;
    else if (!strcmp(text, "heldout"))
        t->kind = FG_TARGET_HELDOUT;
    else if (!strcmp(text, "heldout_loss"))
        t->kind = FG_TARGET_HELDOUT_LOSS;
    else if (!strncmp(text, "forget_acc:", 11)) {
        char *end = NULL;
        t->kind = FG_TARGET_FORGET_ACC;
        t->value = strtod(text + 11, &end);
        if (end == text + 11 || *end != '\0' || !(t->value >= 0.0) ||
            !(t->value <= 1.0))
            return fg_error(FORGET_E_PARAM, "%s: target '%s': the accuracy "
                            "after 'forget_acc:' must be a number in [0, 1]",
                            owner, text);
    } else
        return fg_error(FORGET_E_PARAM, "%s: target '%s' is not one of none, "
                        "forget_acc:X, heldout, heldout_loss", owner, text);
    return FORGET_OK;
}

typedef struct fg_search {
    const forget_model *model;
    const forget_dataset *forget, *heldout;
    const fg_target *t;
    const fg_knob *knob;
    fg_apply_fn apply;
    void *ctx;
    forget_run *run;
    double p0, p1;
    forget_model *trial, *best; /* copies of model */
    double goal; /* fg_goal's */
    double best_v, best_excess, best_achieved;
    int have_best;
    int64_t done;
} fg_search;

/* The goal: the accuracy asked for, or the held-out rows' accuracy or
 * loss on the model as it is before the request (measured once: a goal
 * measured on each trial's model would let a value that wrecks the model
 * "match" rows it wrecked alike). */
static int fg_goal(const fg_search *s, double *goal)
{
    if (s->t->kind == FG_TARGET_FORGET_ACC) {
        *goal = s->t->value;
        return FORGET_OK;
    }
    return s->t->kind == FG_TARGET_HELDOUT_LOSS
               ? forget_eval_loss(s->model, s->heldout, goal)
               : forget_eval_accuracy(s->model, s->heldout, goal);
}

/* The measure of the forget rows on m. */
static int fg_measure(const fg_search *s, const forget_model *m,
                      double *achieved)
{
    return s->t->kind == FG_TARGET_HELDOUT_LOSS
               ? forget_eval_loss(m, s->forget, achieved)
               : forget_eval_accuracy(m, s->forget, achieved);
}

/* Is v weaker (forgets less) than w? */
static int fg_weaker(const fg_knob *k, double v, double w)
{
    return k->up_forgets_more ? v < w : v > w;
}

/* Is a trial at v with this excess better than the best so far? Within
 * the tolerance the weakest wins (the least forgetting that meets the
 * target); outside it, the closest (the weaker of equals). */
static int fg_better(const fg_search *s, double v, double excess)
{
    if (!s->have_best)
        return 1;
    double tol = s->t->tolerance;
    int in = fabs(excess) <= tol, best_in = fabs(s->best_excess) <= tol;
    if (in != best_in)
        return in;
    if (in)
        return fg_weaker(s->knob, v, s->best_v);
    double dist = fabs(excess), old = fabs(s->best_excess);
    return dist < old || (dist == old && fg_weaker(s->knob, v, s->best_v));
}

/* One trial at v: *excess > 0 when the result has not forgotten enough.
 * The best trial so far is kept (the copies swap). */
static int fg_trial(fg_search *s, double v, double *excess)
{
    double span = (s->p1 - s->p0) / (double)s->t->trials;
    double a = s->p0 + span * (double)s->done;
    fg_model_assign(s->trial, s->model);
    int rc = s->apply(s->ctx, v, s->trial, s->run, a, a + span);
    double achieved = 0.0, goal = s->goal;
    if (rc == FORGET_OK)
        rc = fg_measure(s, s->trial, &achieved);
    if (rc != FORGET_OK)
        return rc;
    s->done++;
    if (!isfinite(achieved))
        return fg_error(FORGET_E_NUMERIC, "calibration: the forget rows' "
                        "measure is not finite at %s=%g", s->knob->name, v);
    *excess = s->t->kind == FG_TARGET_HELDOUT_LOSS ? goal - achieved
                                                   : achieved - goal;
    if (fg_better(s, v, *excess)) {
        forget_model *t = s->best;
        s->best = s->trial;
        s->trial = t;
        s->best_v = v;
        s->best_excess = *excess;
        s->best_achieved = achieved;
        s->have_best = 1;
    }
    return FORGET_OK;
}

static double fg_midpoint(const fg_knob *k, double a, double b)
{
    return k->log_scale ? sqrt(a) * sqrt(b) : 0.5 * (a + b);
}

/* The bracket is kept on "excess > tolerance" (more forgetting needed
 * even allowing the tolerance): its strong end converges on the weakest
 * value that comes within the tolerance from above. */
static int fg_search_run(fg_search *s)
{
    const fg_knob *k = s->knob;
    double tol = s->t->tolerance;
    double weak = k->up_forgets_more ? k->lo : k->hi;
    double strong = k->up_forgets_more ? k->hi : k->lo;
    double e_weak, e_strong;
    int rc = fg_trial(s, weak, &e_weak);
    if (rc != FORGET_OK || e_weak <= tol)
        return rc; /* forgotten enough at the weakest already */
    if ((rc = fg_trial(s, strong, &e_strong)) != FORGET_OK || e_strong > tol)
        return rc; /* not even the strongest gets there */
    while (s->done < s->t->trials) {
        double mid = fg_midpoint(k, weak, strong), e;
        if (mid == weak || mid == strong)
            break; /* the bracket is as narrow as doubles go */
        if ((rc = fg_trial(s, mid, &e)) != FORGET_OK)
            return rc;
        if (e > tol)
            weak = mid;
        else
            strong = mid;
    }
    return FORGET_OK;
}

static int fg_search_check(const fg_search *s)
{
    const fg_target *t = s->t;
    if (t->kind == FG_TARGET_HELDOUT || t->kind == FG_TARGET_HELDOUT_LOSS) {
        if (s->heldout == NULL)
            return fg_error(FORGET_E_STATE, "calibration: target=%s needs "
                            "held-out rows (forget_unlearner_set_heldout)",
                            t->kind == FG_TARGET_HELDOUT ? "heldout"
                                                         : "heldout_loss");
        int rc = fg_model_check_data(s->model, s->heldout,
                                     "calibration's held-out rows");
        if (rc != FORGET_OK)
            return rc;
    }
    if (t->kind != FG_TARGET_HELDOUT_LOSS &&
        forget_model_task(s->model) != FORGET_TASK_CLASSIFICATION)
        return fg_error(FORGET_E_INVALID, "calibration: an accuracy target "
                        "needs a classification model (use "
                        "target=heldout_loss)");
    return FORGET_OK;
}

static int fg_search_report(const fg_search *s)
{
    char key[64];
    snprintf(key, sizeof key, "calibrated_%s", s->knob->name);
    int rc = forget_run_report(s->run, key, s->best_v);
    if (rc == FORGET_OK)
        rc = forget_run_report(s->run, "calibration_trials", (double)s->done);
    if (rc == FORGET_OK)
        rc = forget_run_report(s->run, "calibration_goal", s->goal);
    if (rc == FORGET_OK)
        rc = forget_run_report(s->run, "calibration_achieved",
                               s->best_achieved);
    return rc;
}

int fg_calibrate(const forget_model *model, const forget_dataset *forget,
                 const fg_target *t, const fg_knob *knob, fg_apply_fn apply,
                 void *ctx, forget_run *run, double p0, double p1,
                 double *chosen, forget_model **best)
{
    fg_search s = {.model = model, .forget = forget,
                   .heldout = forget_run_heldout(run), .t = t, .knob = knob,
                   .apply = apply, .ctx = ctx, .run = run, .p0 = p0,
                   .p1 = p1};
    int rc = fg_search_check(&s);
    if (rc == FORGET_OK)
        rc = fg_goal(&s, &s.goal);
    if (rc == FORGET_OK && !isfinite(s.goal))
        rc = fg_error(FORGET_E_NUMERIC, "calibration: the held-out rows' "
                      "measure is not finite");
    if (rc != FORGET_OK)
        return rc;
    if ((rc = fg_model_clone_raw(&s.trial, model)) != FORGET_OK ||
        (rc = fg_model_clone_raw(&s.best, model)) != FORGET_OK) {
        fg_model_discard(s.trial);
        return rc;
    }
    rc = fg_search_run(&s);
    if (rc == FORGET_OK && !(fabs(s.best_excess) <= t->tolerance))
        rc = fg_error(FORGET_E_NUMERIC, "calibration: no %s tried reaches "
                      "the target within tolerance %g: the closest, %s=%g "
                      "after %lld trials, gives %g against a goal of %g "
                      "(the model is unchanged)", knob->name, t->tolerance,
                      knob->name, s.best_v, (long long)s.done,
                      s.best_achieved, s.goal);
    if (rc == FORGET_OK)
        rc = fg_search_report(&s);
    fg_model_discard(s.trial);
    if (rc != FORGET_OK) {
        fg_model_discard(s.best);
        return rc;
    }
    *chosen = s.best_v;
    if (best)
        *best = s.best;
    else
        fg_model_discard(s.best);
    return FORGET_OK;
}
