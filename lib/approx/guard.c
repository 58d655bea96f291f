/* The retained-accuracy guard (guard.h). */
#include "approx/guard.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const fg_kept_tags fg_guard_tags = {
    .ids = "RGID",
    .x = "RGX ",
    .x8_norm = "RGXN",
    .x8 = "RGX8",
    .labels = "RGYL",
    .targets = "RGYT",
};

/* The guard's draw is its own: the sample's seed would draw its rows. */
#define FG_GUARD_SALT 0x6775617264726f77ull

void fg_guard_config(fg_guard *g, const forget_params *p)
{
    int64_t rows = 0;
    forget_params_double(p, "guard", &g->limit);
    forget_params_int(p, "guard_rows", &rows);
    g->want = (size_t)rows;
}

void fg_guard_free(fg_guard *g)
{
    forget_dataset_free(g->rows);
    fg_free(g->slot);
    g->rows = NULL;
    g->slot = NULL;
}

int fg_guard_prepare(const fg_guard *g, fg_guard *fresh,
                     const forget_dataset *train, uint64_t seed,
                     forget_run *run)
{
    *fresh = *g;
    fresh->rows = NULL;
    fresh->slot = NULL;
    int rc = g->want == 0
                 ? FORGET_OK
                 : fg_rows_draw(train, g->want, fg_mix64(seed ^ FG_GUARD_SALT),
                                &fresh->rows, &fresh->slot);
    if (rc == FORGET_OK)
        rc = forget_run_report(run, "guard_rows",
                               fresh->rows ? (double)forget_dataset_rows(
                                                 fresh->rows)
                                           : 0.0);
    if (rc != FORGET_OK)
        fg_guard_free(fresh);
    return rc;
}

void fg_guard_plan_free(fg_guard_plan *gp)
{
    forget_dataset_free(gp->after);
    memset(gp, 0, sizeof *gp);
}

const forget_dataset *fg_guard_rows(const fg_guard *g,
                                    const fg_guard_plan *gp)
{
    return gp->after ? gp->after : g->rows;
}

/* Accuracy (classification) or mean squared error of m on rows. */
static int fg_guard_measure(const forget_model *m, const forget_dataset *rows,
                            double *v)
{
    return forget_model_task(m) == FORGET_TASK_CLASSIFICATION
               ? forget_eval_accuracy(m, rows, v)
               : forget_eval_loss(m, rows, v);
}

/* The mean squared error of predicting each output's mean: the variance
 * that a regression's cost is a share of (R^2 points). */
static double fg_guard_variance(const forget_dataset *rows, size_t k)
{
    size_t n = forget_dataset_rows(rows);
    const float *t = forget_dataset_targets(rows);
    double total = 0.0;
    for (size_t j = 0; t && j < k; j++) {
        double mean = 0.0, ss = 0.0;
        for (size_t i = 0; i < n; i++)
            mean += t[i * k + j];
        mean /= (double)n;
        for (size_t i = 0; i < n; i++)
            ss += (t[i * k + j] - mean) * (t[i * k + j] - mean);
        total += ss / (double)n;
    }
    return total / (double)k;
}

int fg_guard_plan_request(const fg_guard *g, const size_t *gone,
                          size_t n_gone, size_t n_slots,
                          const forget_model *m, fg_guard_plan *gp)
{
    memset(gp, 0, sizeof *gp);
    if (g->rows == NULL)
        return FORGET_OK;
    size_t dropped = 0;
    int rc = fg_rows_drop(g->rows, g->slot, n_slots, gone, n_gone,
                          &gp->after, &dropped);
    const forget_dataset *rows = fg_guard_rows(g, gp);
    if (rc == FORGET_OK && forget_dataset_rows(rows) > 0) {
        rc = fg_guard_measure(m, rows, &gp->before);
        if (forget_model_task(m) != FORGET_TASK_CLASSIFICATION)
            gp->variance = fg_guard_variance(rows, forget_model_outputs(m));
    }
    if (rc != FORGET_OK)
        fg_guard_plan_free(gp);
    return rc;
}

int fg_guard_after(const fg_guard *g, const fg_guard_plan *gp,
                   const forget_model *m, double *after, size_t *n)
{
    const forget_dataset *rows = fg_guard_rows(g, gp);
    *n = rows ? forget_dataset_rows(rows) : 0;
    *after = 0.0;
    return *n ? fg_guard_measure(m, rows, after) : FORGET_OK;
}

int fg_guard_decide(const fg_guard *g, const forget_model *m, size_t n,
                    double before, double after, double variance,
                    const char *owner, double *cost)
{
    *cost = 0.0;
    if (n == 0)
        return FORGET_OK;
    int cls = forget_model_task(m) == FORGET_TASK_CLASSIFICATION;
    if (cls)
        *cost = 100.0 * (before - after);
    else if (variance > 0.0) /* points of R^2 */
        *cost = 100.0 * (after - before) / variance;
    else
        *cost = after > before ? HUGE_VAL : 0.0;
    if (!(*cost <= g->limit))
        return fg_error(FORGET_E_NUMERIC, "%s: refused: the request would "
                        "cost %.3g %s on %zu retained guard rows (%.4g "
                        "before, %.4g after; guard=%g); the model is "
                        "unchanged. Weaken the method's setting, give a "
                        "target, or raise guard", owner, *cost,
                        cls ? "points of accuracy" : "points of R^2", n,
                        before, after, g->limit);
    return FORGET_OK;
}

int fg_guard_judge(const fg_guard *g, const fg_guard_plan *gp,
                   const forget_model *m, const char *owner, double *cost)
{
    double after = 0.0;
    size_t n = 0;
    *cost = 0.0;
    int rc = fg_guard_after(g, gp, m, &after, &n);
    return rc != FORGET_OK ? rc
                           : fg_guard_decide(g, m, n, gp->before, after,
                                             gp->variance, owner, cost);
}

void fg_guard_report(const fg_guard *g, const fg_guard_plan *gp,
                     double cost, forget_run *run)
{
    const forget_dataset *rows = fg_guard_rows(g, gp);
    forget_run_report(run, "guard_rows",
                      rows ? (double)forget_dataset_rows(rows) : 0.0);
    forget_run_report(run, "guard_cost", cost);
}

void fg_guard_commit(fg_guard *g, fg_guard_plan *gp,
                     const unsigned char *gone)
{
    if (g->rows != NULL)
        fg_rows_commit(&g->rows, g->slot, gone, &gp->after);
    fg_guard_plan_free(gp);
}

int fg_guard_save(const fg_guard *g, forget_writer *w)
{
    return g->rows ? fg_kept_save(w, &fg_guard_tags, g->rows) : FORGET_OK;
}

int fg_guard_load(fg_guard *g, const fg_slot *t, const fg_idset *ids,
                  const forget_model *m, const char *method)
{
    fg_guard_free(g);
    if (fg_slot_get(t, "RGID")->data == NULL) {
        static const char *const rest[] = {"RGX ", "RGXN", "RGX8", "RGYL",
                                           "RGYT"};
        for (size_t i = 0; i < sizeof rest / sizeof *rest; i++)
            if (fg_slot_get(t, rest[i])->data != NULL)
                return fg_error(FORGET_E_FORMAT, "method '%s': guard rows "
                                "without their ids", method);
        return FORGET_OK;
    }
    char owner[64];
    snprintf(owner, sizeof owner, "method '%s'", method);
    forget_dataset *rows = NULL;
    size_t *slot = NULL;
    int rc = fg_kept_load(&rows, t, &fg_guard_tags, forget_model_inputs(m),
                          forget_model_task(m), forget_model_outputs(m),
                          owner);
    if (rc == FORGET_OK)
        rc = fg_rows_slots(ids, rows, &slot, "guard", method);
    if (rc != FORGET_OK) {
        forget_dataset_free(rows);
        return rc;
    }
    g->rows = rows;
    g->slot = slot;
    return FORGET_OK;
}
