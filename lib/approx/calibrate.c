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

/* The goal: the accuracy asked for, or the held-out rows' accuracy or
 * loss on the model as it is before the request (measured once: a goal
 * measured on each trial's model would let a value that wrecks the model
 * "match" rows it wrecked alike). */
static int fg_goal(const fg_gauge *g, double *goal)
{
    if (g->t->kind == FG_TARGET_FORGET_ACC) {
        *goal = g->t->value;
        return FORGET_OK;
    }
    return g->t->kind == FG_TARGET_HELDOUT_LOSS
               ? forget_eval_loss(g->model, g->heldout, goal)
               : forget_eval_accuracy(g->model, g->heldout, goal);
}

static int fg_gauge_check(const fg_gauge *g)
{
    const fg_target *t = g->t;
    if (t->kind == FG_TARGET_HELDOUT || t->kind == FG_TARGET_HELDOUT_LOSS) {
        if (g->heldout == NULL)
            return fg_error(FORGET_E_STATE, "calibration: target=%s needs "
                            "held-out rows (forget_unlearner_set_heldout)",
                            t->kind == FG_TARGET_HELDOUT ? "heldout"
                                                         : "heldout_loss");
        int rc = fg_model_check_data(g->model, g->heldout,
                                     "calibration's held-out rows");
        if (rc != FORGET_OK)
            return rc;
    }
    if (t->kind != FG_TARGET_HELDOUT_LOSS &&
        forget_model_task(g->model) != FORGET_TASK_CLASSIFICATION)
        return fg_error(FORGET_E_INVALID, "calibration: an accuracy target "
                        "needs a classification model (use "
                        "target=heldout_loss)");
    return FORGET_OK;
}

int fg_gauge_start(fg_gauge *g, const forget_model *model,
                   const forget_dataset *forget, const fg_target *t,
                   const fg_knob *knob, forget_run *run)
{
    memset(g, 0, sizeof *g);
    g->model = model;
    g->forget = forget;
    g->heldout = forget_run_heldout(run);
    g->t = t;
    g->knob = knob;
    g->run = run;
    int rc = fg_gauge_check(g);
    if (rc == FORGET_OK)
        rc = fg_goal(g, &g->goal);
    if (rc == FORGET_OK && !isfinite(g->goal))
        rc = fg_error(FORGET_E_NUMERIC, "calibration: the held-out rows' "
                      "measure is not finite");
    return rc;
}

/* Is v weaker (forgets less) than w? */
static int fg_weaker(const fg_knob *k, double v, double w)
{
    return k->up_forgets_more ? v < w : v > w;
}

/* Is a trial at v with this excess better than the best so far? Within
 * the tolerance the weakest wins (the least forgetting that meets the
 * target); outside it, the closest (the weaker of equals). */
static int fg_better(const fg_gauge *g, double v, double excess)
{
    if (!g->have_best)
        return 1;
    double tol = g->t->tolerance;
    int in = fabs(excess) <= tol, best_in = fabs(g->best_excess) <= tol;
    if (in != best_in)
        return in;
    if (in)
        return fg_weaker(g->knob, v, g->best_v);
    double dist = fabs(excess), old = fabs(g->best_excess);
    return dist < old || (dist == old && fg_weaker(g->knob, v, g->best_v));
}

int fg_gauge_take(fg_gauge *g, const forget_model *m, double v,
                  double *excess, int *best)
{
    double achieved = 0.0;
    int rc = g->t->kind == FG_TARGET_HELDOUT_LOSS
                 ? forget_eval_loss(m, g->forget, &achieved)
                 : forget_eval_accuracy(m, g->forget, &achieved);
    if (rc != FORGET_OK)
        return rc;
    g->done++;
    if (!isfinite(achieved))
        return fg_error(FORGET_E_NUMERIC, "calibration: the forget rows' "
                        "measure is not finite at %s=%g", g->knob->name, v);
    *excess = g->t->kind == FG_TARGET_HELDOUT_LOSS ? g->goal - achieved
                                                   : achieved - g->goal;
    *best = fg_better(g, v, *excess);
    if (*best) {
        g->best_v = v;
        g->best_excess = *excess;
        g->best_achieved = achieved;
        g->have_best = 1;
    }
    return FORGET_OK;
}

int fg_gauge_finish(const fg_gauge *g)
{
    const fg_knob *k = g->knob;
    if (!g->have_best || !(fabs(g->best_excess) <= g->t->tolerance))
        return fg_error(FORGET_E_NUMERIC, "calibration: no %s tried reaches "
                        "the target within tolerance %g: the closest, %s=%g "
                        "after %lld trials, gives %g against a goal of %g "
                        "(the model is unchanged)", k->name,
                        g->t->tolerance, k->name, g->best_v,
                        (long long)g->done, g->best_achieved, g->goal);
    char key[64];
    snprintf(key, sizeof key, "calibrated_%s", k->name);
    int rc = forget_run_report(g->run, key, g->best_v);
    if (rc == FORGET_OK)
        rc = forget_run_report(g->run, "calibration_trials", (double)g->done);
    if (rc == FORGET_OK)
        rc = forget_run_report(g->run, "calibration_goal", g->goal);
    if (rc == FORGET_OK)
        rc = forget_run_report(g->run, "calibration_achieved",
                               g->best_achieved);
    return rc;
}

/* A search by trials on copies. */
typedef struct fg_search {
    fg_gauge g;
    fg_apply_fn apply;
    void *ctx;
    double p0, p1;
    forget_model *trial, *best; /* copies of the model */
} fg_search;

/* One trial at v: *excess > 0 when the result has not forgotten enough.
 * The best trial so far is kept (the copies swap). */
static int fg_trial(fg_search *s, double v, double *excess)
{
    double span = (s->p1 - s->p0) / (double)s->g.t->trials;
    double a = s->p0 + span * (double)s->g.done;
    fg_model_assign(s->trial, s->g.model);
    int rc = s->apply(s->ctx, v, s->trial, s->g.run, a, a + span);
    int best = 0;
    if (rc == FORGET_OK)
        rc = fg_gauge_take(&s->g, s->trial, v, excess, &best);
    if (rc == FORGET_OK && best) {
        forget_model *t = s->best;
        s->best = s->trial;
        s->trial = t;
    }
    return rc;
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
    const fg_knob *k = s->g.knob;
    double tol = s->g.t->tolerance;
    double weak = k->up_forgets_more ? k->lo : k->hi;
    double strong = k->up_forgets_more ? k->hi : k->lo;
    double e_weak, e_strong;
    int rc = fg_trial(s, weak, &e_weak);
    if (rc != FORGET_OK || e_weak <= tol)
        return rc; /* forgotten enough at the weakest already */
    if ((rc = fg_trial(s, strong, &e_strong)) != FORGET_OK || e_strong > tol)
        return rc; /* not even the strongest gets there */
    while (s->g.done < s->g.t->trials) {
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

int fg_calibrate(const forget_model *model, const forget_dataset *forget,
                 const fg_target *t, const fg_knob *knob, fg_apply_fn apply,
                 void *ctx, forget_run *run, double p0, double p1,
                 double *chosen, forget_model **best)
{
    fg_search s = {.apply = apply, .ctx = ctx, .p0 = p0, .p1 = p1};
    int rc = fg_gauge_start(&s.g, model, forget, t, knob, run);
    if (rc != FORGET_OK)
        return rc;
    if ((rc = fg_model_clone_raw(&s.trial, model)) != FORGET_OK ||
        (rc = fg_model_clone_raw(&s.best, model)) != FORGET_OK) {
        fg_model_discard(s.trial);
        return rc;
    }
    rc = fg_search_run(&s);
    if (rc == FORGET_OK)
        rc = fg_gauge_finish(&s.g);
    fg_model_discard(s.trial);
    if (rc != FORGET_OK) {
        fg_model_discard(s.best);
        return rc;
    }
    *chosen = s.g.best_v;
    if (best)
        *best = s.best;
    else
        fg_model_discard(s.best);
    return FORGET_OK;
}
