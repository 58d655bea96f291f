/* The fine-tuning methods' shared state and hooks (tuner.h). */
#include "approx/tuner.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static int fg_tuner_config(fg_tuner *s, const forget_params *p)
{
    size_t optimizer;
    int64_t batch, seed;
    forget_params_double(p, "retain_budget", &s->budget);
    forget_params_int(p, "batch", &batch);
    forget_params_enum(p, "optimizer", &optimizer);
    forget_params_double(p, "lr", &s->opt.lr);
    forget_params_double(p, "momentum", &s->opt.momentum);
    forget_params_double(p, "clip", &s->opt.clip);
    forget_params_int(p, "seed", &seed);
    forget_params_double(p, s->kind->knob.name, &s->strength);
    s->batch = (size_t)batch;
    s->seed = (uint64_t)seed;
    s->opt.adam = optimizer == 1;
    s->opt.beta1 = 0.9;
    s->opt.beta2 = 0.999;
    s->opt.eps = 1e-8;
    fg_guard_config(&s->guard, p);
    char owner[64];
    snprintf(owner, sizeof owner, "method '%s'", s->kind->name);
    int rc = fg_target_config(&s->target, p, owner);
    if (rc != FORGET_OK)
        return rc;
    int given = 0;
    forget_params_given(p, s->kind->knob.name, &given);
    if (given && s->target.kind != FG_TARGET_NONE)
        return fg_error(FORGET_E_PARAM, "%s: %s and target exclude each "
                        "other (a target searches %s)", owner,
                        s->kind->knob.name, s->kind->knob.name);
    return s->kind->config(s, p);
}

int fg_tuner_create(void **state, forget_model *model, const forget_params *p,
                    const fg_tuner_kind *kind)
{
    if (!fg_model_trainable(model))
        return fg_error(FORGET_E_UNSUPPORTED, "method '%s': the model (kind "
                        "'%s') is not trained by gradients; fine-tuning "
                        "needs a linear, mlp or host model", kind->name,
                        forget_model_kind(model));
    fg_tuner *s = fg_calloc(1, sizeof *s);
    if (s == NULL)
        return fg_nomem("a fine-tuning state");
    s->kind = kind;
    s->model = model;
    int rc = fg_tuner_config(s, p);
    if (rc != FORGET_OK) {
        fg_free(s);
        return rc;
    }
    *state = s;
    return FORGET_OK;
}

void fg_tuner_destroy(void *state)
{
    fg_tuner *s = state;
    if (s == NULL)
        return;
    fg_retain_free(&s->r);
    fg_guard_free(&s->guard);
    fg_free(s);
}

fg_tune_cfg fg_tuner_cfg(const fg_tuner *s, uint64_t seed)
{
    fg_tune_cfg c = s->opt;
    c.seed = seed;
    c.mask = NULL;
    return c;
}

double fg_tuner_gate(const forget_model *m, double forgotten_loss)
{
    if (forget_model_task(m) != FORGET_TASK_CLASSIFICATION)
        return 0.0; /* no loss marks a regression row as forgotten */
    return forgotten_loss > 0.0 ? forgotten_loss
                                : log((double)forget_model_outputs(m));
}

int fg_tuner_descend(const fg_tuner_req *q, const fg_tune_cfg *c, double w_r,
                     double w_f, const int32_t *f_labels, double f_gate,
                     double passes,
                     forget_model *m, forget_run *run, double p0, double p1,
                     fg_tune_stats *st)
{
    fg_tune_term t[2];
    memset(t, 0, sizeof t);
    t[0].ds = q->retain;
    t[0].weight = w_r;
    t[1].ds = q->forget;
    t[1].weight = w_f;
    t[1].labels = f_labels;
    t[1].gate = f_gate;
    t[1].gate_own = f_labels != NULL; /* forgotten: of the true label */
    for (size_t i = 0; i < 2; i++) {
        t[i].n = forget_dataset_rows(t[i].ds);
        t[i].batch = q->s->batch;
        t[i].salt = i + 1;
    }
    size_t steps = fg_tunecal_steps(passes, t[0].n, q->s->batch);
    int rc = fg_tune_term_start(&t[0], m, c);
    if (rc == FORGET_OK)
        rc = fg_tune_term_start(&t[1], m, c);
    if (rc == FORGET_OK && q->cal == NULL)
        rc = fg_tune_run(m, c, t, 2, steps, run, p0, p1, st);
    else if (rc == FORGET_OK) {
        /* calibration along the run: passes is the knob's strongest */
        fg_tune *ss = NULL;
        q->cal->n = t[0].n;
        q->cal->batch = q->s->batch;
        if ((rc = fg_tune_begin(&ss, m, c, steps)) == FORGET_OK) {
            rc = fg_tunecal_search(q->cal, ss, t, 2, run, p0, p1);
            int end = fg_tune_end(ss, rc == FORGET_OK && q->cal->g.have_best,
                                  st);
            rc = rc != FORGET_OK ? rc : end;
        }
    }
    fg_tune_term_free(&t[0]);
    fg_tune_term_free(&t[1]);
    return rc;
}

static void fg_tuner_owner(const fg_tuner *s, char *buf, size_t size)
{
    snprintf(buf, size, "method '%s'", s->kind->name);
}

int fg_tuner_prepare(void *state, const forget_dataset *train,
                     forget_run *run)
{
    fg_tuner *s = state;
    char owner[64];
    fg_tuner_owner(s, owner, sizeof owner);
    fg_guard guard;
    int rc = fg_model_check_data(s->model, train, owner);
    if (rc == FORGET_OK)
        rc = fg_guard_prepare(&s->guard, &guard, train, s->seed, run);
    if (rc != FORGET_OK)
        return rc;
    rc = fg_retain_prepare_run(&s->r, s->model, train, s->budget, s->seed,
                               owner, run);
    if (rc != FORGET_OK) {
        fg_guard_free(&guard);
        return rc;
    }
    fg_guard_free(&s->guard);
    s->guard = guard;
    s->prepared = 1;
    return FORGET_OK;
}

/* The request as the kind's apply sees it (q->retain: after it). */
static void fg_tuner_request(const fg_tuner *s, const fg_retain_plan *plan,
                             const forget_dataset *rows, fg_tuner_req *q)
{
    q->s = s;
    q->forget = fg_retain_live(plan, rows);
    q->retain = plan->kept ? plan->kept : s->r.kept;
    q->seed = fg_mix64(s->seed ^ fg_mix64((uint64_t)s->r.ids.n_gone + 1));
    q->cal = NULL;
}

/* Plan rows's request; FORGET_E_STATE before prepare. */
static int fg_tuner_plan(const fg_tuner *s, const forget_dataset *rows,
                         fg_retain_plan *plan, forget_run *run)
{
    char owner[64];
    fg_tuner_owner(s, owner, sizeof owner);
    if (!s->prepared)
        return fg_error(FORGET_E_STATE, "%s: not prepared", owner);
    int rc = fg_model_check_data(s->model, rows, owner);
    if (rc == FORGET_OK)
        rc = fg_retain_plan_request(&s->r, rows, plan, s->kind->name, run);
    if (rc == FORGET_OK && plan->n > 0 &&
        forget_dataset_rows(plan->kept ? plan->kept : s->r.kept) == 0) {
        fg_retain_plan_free(plan);
        rc = fg_error(FORGET_E_INVALID, "%s: the request would leave no "
                      "retained rows to fine-tune on", owner);
    }
    return rc;
}

int fg_tuner_apply(void *state, const forget_dataset *rows, double strength,
                   forget_model *target, forget_run *run)
{
    const fg_tuner *s = state;
    fg_retain_plan plan;
    int rc = fg_tuner_plan(s, rows, &plan, run);
    if (rc != FORGET_OK)
        return rc;
    if (plan.n > 0) {
        fg_tuner_req q;
        fg_tuner_request(s, &plan, rows, &q);
        rc = s->kind->apply(&q, strength, target, run, 0.0, 1.0, NULL);
    }
    fg_retain_plan_free(&plan);
    return rc;
}

/* Calibration's trials, with what each did (for the report). */
typedef struct fg_tuner_trials {
    const fg_tuner_req *q;
    double v[64];
    fg_tune_stats st[64];
    size_t n;
} fg_tuner_trials;

static int fg_tuner_trial(void *ctx, double v, forget_model *copy,
                          forget_run *run, double p0, double p1)
{
    fg_tuner_trials *t = ctx;
    fg_tune_stats st;
    memset(&st, 0, sizeof st);
    int rc = t->q->s->kind->apply(t->q, v, copy, run, p0, p1, &st);
    if (rc == FORGET_OK && t->n < 64) {
        t->v[t->n] = v;
        t->st[t->n++] = st;
    }
    return rc;
}

/* The report's figures made before the model changes (nothing can fail
 * afterwards). */
static int fg_tuner_reserve(const fg_tuner *s, forget_run *run)
{
    static const char *const keys[] = {"rows", "steps", "retained_rows",
                                       "retained_dropped", "clipped_steps",
                                       "gated_rows", "guard_rows",
                                       "guard_cost"};
    int rc = FORGET_OK;
    for (size_t i = 0; rc == FORGET_OK && i < sizeof keys / sizeof *keys; i++)
        rc = forget_run_report(run, keys[i], 0);
    if (rc == FORGET_OK)
        rc = forget_run_report(run, s->kind->knob.name, 0);
    return rc;
}

/* Calibration along one run (tunecal.h), for a strength that is a step
 * count of one seeded run: the search runs on a copy, whose parameters
 * become the model's. */
static int fg_tuner_walk(fg_tuner *s, const fg_tuner_req *q, forget_run *run,
                         double *used, fg_tune_stats *st)
{
    fg_tunecal cal;
    memset(&cal, 0, sizeof cal);
    forget_model *copy = NULL;
    int rc = fg_gauge_start(&cal.g, s->model, q->forget, &s->target,
                            &s->kind->knob, run);
    if (rc == FORGET_OK)
        rc = fg_model_clone_raw(&copy, s->model);
    fg_tuner_req walk = *q;
    walk.cal = &cal;
    if (rc == FORGET_OK)
        rc = s->kind->apply(&walk, s->kind->knob.hi, copy, run, 0.0, 0.95,
                            st);
    if (rc == FORGET_OK)
        rc = fg_gauge_finish(&cal.g);
    if (rc == FORGET_OK) {
        memcpy(fg_model_theta(s->model), fg_model_theta_const(copy),
               forget_model_param_count(s->model) * sizeof(float));
        *used = cal.g.best_v;
    }
    fg_model_discard(copy);
    return rc;
}

/* Apply the live request: at the strength given, or at the one the
 * target's calibration chose (its best copy becomes the model). */
static int fg_tuner_run(fg_tuner *s, const fg_tuner_req *q, forget_run *run,
                        double *used, fg_tune_stats *st)
{
    *used = s->strength;
    if (s->target.kind == FG_TARGET_NONE)
        return s->kind->apply(q, s->strength, s->model, run, 0.0, 0.95, st);
    if (s->nested)
        return fg_tuner_walk(s, q, run, used, st);
    forget_model *best = NULL;
    fg_tuner_trials *log = fg_calloc(1, sizeof *log);
    if (log == NULL)
        return fg_nomem("calibration");
    log->q = q;
    int rc = fg_calibrate(s->model, q->forget, &s->target, &s->kind->knob,
                          fg_tuner_trial, log, run, 0.0, 0.95, used, &best);
    if (rc == FORGET_OK) {
        memcpy(fg_model_theta(s->model), fg_model_theta_const(best),
               forget_model_param_count(s->model) * sizeof(float));
        for (size_t i = 0; i < log->n; i++)
            if (log->v[i] == *used)
                *st = log->st[i];
    }
    fg_model_discard(best);
    fg_free(log);
    return rc;
}

int fg_tuner_forget(void *state, const forget_dataset *rows, forget_run *run)
{
    fg_tuner *s = state;
    fg_retain_plan plan;
    int rc = fg_tuner_plan(s, rows, &plan, run);
    if (rc != FORGET_OK)
        return rc;
    if (plan.n == 0) {
        fg_retain_commit(&s->r, &plan);
        return forget_run_report(run, "rows", 0);
    }
    fg_tuner_req q;
    fg_tuner_request(s, &plan, rows, &q);
    double used = 0.0, cost = 0.0;
    fg_tune_stats st;
    memset(&st, 0, sizeof st);
    fg_guard_plan gp;
    size_t np = forget_model_param_count(s->model);
    float *theta = fg_model_theta(s->model);
    float *backup = fg_malloc_array(np ? np : 1, sizeof(float));
    rc = backup ? FORGET_OK : fg_nomem("a copy of the model's parameters");
    if (rc == FORGET_OK)
        rc = fg_guard_plan_request(&s->guard, plan.slot, plan.n, s->r.ids.n,
                                   s->model, &gp);
    if (rc != FORGET_OK) {
        fg_free(backup);
        fg_retain_plan_free(&plan);
        return rc;
    }
    memcpy(backup, theta, np * sizeof(float));
    rc = fg_tuner_reserve(s, run);
    if (rc == FORGET_OK)
        rc = fg_tuner_run(s, &q, run, &used, &st);
    if (rc == FORGET_OK) {
        char owner[64];
        fg_tuner_owner(s, owner, sizeof owner);
        rc = fg_guard_judge(&s->guard, &gp, s->model, owner, &cost);
        if (rc != FORGET_OK) /* the run changed the model: back */
            memcpy(theta, backup, np * sizeof(float));
    }
    fg_free(backup);
    if (rc != FORGET_OK) {
        fg_guard_plan_free(&gp);
        fg_retain_plan_free(&plan);
        return rc;
    }
    /* Past this point nothing fails: the model has changed. */
    forget_run_report(run, "rows", (double)plan.n);
    forget_run_report(run, "steps", (double)st.steps);
    forget_run_report(run, "clipped_steps", (double)st.clipped);
    forget_run_report(run, "gated_rows", (double)st.gated);
    forget_run_report(run, "retained_rows",
                      (double)forget_dataset_rows(q.retain));
    forget_run_report(run, "retained_dropped", (double)plan.dropped);
    fg_guard_report(&s->guard, &gp, cost, run);
    forget_run_report(run, s->kind->knob.name, used);
    fg_retain_commit(&s->r, &plan);
    fg_guard_commit(&s->guard, &gp, s->r.ids.gone);
    return FORGET_OK;
}

int fg_tuner_save(void *state, forget_writer *w)
{
    fg_tuner *s = state;
    if (!s->prepared)
        return FORGET_OK;
    int rc = fg_retain_save(&s->r, w);
    return rc == FORGET_OK ? fg_guard_save(&s->guard, w) : rc;
}

int fg_tuner_load(void **state, forget_model *model, const forget_params *p,
                  forget_reader *r, const fg_tuner_kind *kind)
{
    void *made = NULL;
    int rc = fg_tuner_create(&made, model, p, kind);
    if (rc != FORGET_OK)
        return rc;
    fg_tuner *s = made;
    char owner[64];
    fg_tuner_owner(s, owner, sizeof owner);
    fg_slot t[] = {FG_RETAIN_SLOTS, FG_GUARD_SLOTS, {NULL, 0, 0, 0, 0}};
    rc = fg_slots_read(r, t, NULL, NULL, owner);
    int any = 0;
    for (size_t i = 0; i < FG_RETAIN_N_SLOTS + FG_GUARD_N_SLOTS; i++)
        any |= t[i].data != NULL;
    if (rc == FORGET_OK && any) {
        rc = fg_retain_load(&s->r, t, model, kind->name);
        if (rc == FORGET_OK)
            rc = fg_guard_load(&s->guard, t, &s->r.ids, model, kind->name);
        s->prepared = rc == FORGET_OK;
    }
    if (rc != FORGET_OK) {
        fg_tuner_destroy(s);
        return rc;
    }
    *state = s;
    return FORGET_OK;
}

int fg_tuner_is_forgotten(void *state, uint64_t id, int *forgotten)
{
    const fg_tuner *s = state;
    return fg_idset_forgotten(&s->r.ids, id, forgotten);
}
