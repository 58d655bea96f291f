/* Calibration along one fine-tuning run. When a method's strength is a
 * number of steps of one seeded run (finetune, neggrad, relabel: the run
 * to s steps is the first s steps of the run to any more), its trials
 * need not start afresh: the search walks one run forward, measuring the
 * forget rows at step counts growing fourfold until one comes within the
 * target's tolerance, then bisects that last stretch by rewinding to its
 * start (a mark of the session). It finds what fg_calibrate's rule finds
 * (the weakest step count tried within the tolerance) at the cost of
 * about two runs at the strength chosen, instead of a run per trial. */
#ifndef FG_APPROX_TUNECAL_H
#define FG_APPROX_TUNECAL_H

#include "approx/calibrate.h"
#include "approx/tune.h"

typedef struct fg_tunecal {
    fg_gauge g;       /* started by the caller (fg_gauge_start) */
    size_t n, batch;  /* the retained rows a pass is over, per step */
    size_t steps;     /* out: the step count chosen */
} fg_tunecal;

/* Steps for passes over n rows in batches of batch: ceil(passes n /
 * batch), at least 1 (at most 1e9). */
size_t fg_tunecal_steps(double passes, size_t n, size_t batch);
/* The knob value (passes) that makes exactly steps steps of n rows in
 * batches of batch (fg_tunecal_steps' inverse), within [lo, hi]. */
double fg_tunecal_passes(size_t steps, size_t n, size_t batch, double lo,
                         double hi);

/* Search the session s (on a copy of the model, at step 0, with its
 * terms started) between the step counts of the knob's lo and hi: on
 * success the session's model holds the best result (commit it) and
 * cal->steps / cal->g the choice; with no result within the tolerance
 * the caller's fg_gauge_finish refuses. Progress in [p0, p1]. */
int fg_tunecal_search(fg_tunecal *cal, fg_tune *s, fg_tune_term *terms,
                      size_t n_terms, forget_run *run, double p0, double p1);

#endif
