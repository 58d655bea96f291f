/* The retained-accuracy guard of the fine-tuning methods. At prepare, a
 * seeded draw of the training rows is kept apart (guard_rows of them,
 * independent of the sample the methods fine-tune on, so most of them
 * are rows the request's steps never see). A request is measured on
 * those still retained, before and after: when the model lost more than
 * `guard` points of accuracy on them (classification), or of R^2 (its
 * mean squared error rose by more than guard/100 of their targets'
 * variance; regression), the request is refused and the model is left
 * as it was. Rows forgotten
 * leave the guard with the request that forgets them. */
#ifndef FG_APPROX_GUARD_H
#define FG_APPROX_GUARD_H

#include "approx/retain.h"

/* The two parameters, for a method's table. */
#define FG_GUARD_PARAM_DEFS                                                  \
    {"guard", FORGET_PARAM_DOUBLE, "3", 0, 1e6, NULL,                        \
     "refuse a request (the model unchanged) that costs more than this "    \
     "many points of accuracy on the guard rows (regression: points of "    \
     "R^2, i.e. their mean squared error's rise over their variance); a "   \
     "large value turns the guard off"},                                    \
        {"guard_rows", FORGET_PARAM_INT, "1000", 0, 1e9, NULL,               \
         "training rows kept at prepare to measure that cost on (0: no "    \
         "guard)"}

typedef struct fg_guard {
    forget_dataset *rows; /* NULL: none kept (guard_rows 0, an old state) */
    size_t *slot;         /* the id set's slot of each row */
    double limit;         /* guard */
    size_t want;          /* guard_rows */
} fg_guard;

/* A request's effect on the guard, planned before anything changes. */
typedef struct fg_guard_plan {
    forget_dataset *after; /* the rows without the request's (NULL: as
                              they are) */
    double before;         /* the measure of the model before, on them */
    double variance;       /* regression: their targets' (mean over
                              outputs), the scale of the cost */
} fg_guard_plan;

/* Read guard and guard_rows. */
void fg_guard_config(fg_guard *g, const forget_params *p);
/* Draw g->want rows of train with seed into fresh (configured as g) and
 * report how many (guard_rows) to run; fresh holds nothing on failure. */
int fg_guard_prepare(const fg_guard *g, fg_guard *fresh,
                     const forget_dataset *train, uint64_t seed,
                     forget_run *run);
void fg_guard_free(fg_guard *g);

/* The guard's rows after a request that forgets the id set's slots
 * gone[0..n_gone) (the set has n_slots), and the model m's measure on
 * them now. */
int fg_guard_plan_request(const fg_guard *g, const size_t *gone,
                          size_t n_gone, size_t n_slots,
                          const forget_model *m, fg_guard_plan *gp);
/* The rows measured: those left after the request (NULL: none kept). */
const forget_dataset *fg_guard_rows(const fg_guard *g,
                                    const fg_guard_plan *gp);
/* Judge m after the request: FORGET_OK with *cost (points; 0 when there
 * are no rows to measure on), or FORGET_E_NUMERIC naming owner when the
 * cost is above the limit (the caller then restores the model). It is
 * fg_guard_after and fg_guard_decide on this process's rows. */
int fg_guard_judge(const fg_guard *g, const fg_guard_plan *gp,
                   const forget_model *m, const char *owner, double *cost);
/* Its two halves, for a method on many ranks that pools the figures
 * (weighted by rows) before deciding: m's measure on the rows now
 * (*n rows; 0 and *after 0 when there are none), then the decision on n
 * rows measured before and after (variance: regression's scale). */
int fg_guard_after(const fg_guard *g, const fg_guard_plan *gp,
                   const forget_model *m, double *after, size_t *n);
int fg_guard_decide(const fg_guard *g, const forget_model *m, size_t n,
                    double before, double after, double variance,
                    const char *owner, double *cost);
/* Report guard_rows (the rows judged) and guard_cost of an accepted
 * request (the keys reserved before: cannot fail). */
void fg_guard_report(const fg_guard *g, const fg_guard_plan *gp,
                     double cost, forget_run *run);
/* Record the request (after the id set marked its slots; cannot fail)
 * and free the plan. */
void fg_guard_commit(fg_guard *g, fg_guard_plan *gp,
                     const unsigned char *gone);
void fg_guard_plan_free(fg_guard_plan *gp);

/* Save the rows as sections RGID, RGX , RGXN, RGX8, RGYL, RGYT (none when
 * none are kept). */
int fg_guard_save(const fg_guard *g, forget_writer *w);
#define FG_GUARD_N_SLOTS 6
#define FG_GUARD_SLOTS                                                      \
    {"RGID", 1, 0, 0, 0}, {"RGX ", 1, 0, 0, 0}, {"RGXN", 1, 0, 0, 0},      \
        {"RGX8", 1, 0, 0, 0}, {"RGYL", 1, 0, 0, 0}, {"RGYT", 1, 0, 0, 0}
/* Load them (g configured; no RGID: none kept, as in a state saved before
 * the guard existed) for model m, checked against the id set. */
int fg_guard_load(fg_guard *g, const fg_slot *t, const fg_idset *ids,
                  const forget_model *m, const char *method);

#endif
