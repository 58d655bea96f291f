/* One method run of the benchmark: clone the original, create an
 * unlearner with the method and parameters, prepare on the training rows,
 * forget F (each timed), score the result against the retrained model.
 * Methods are looked up in the registry by name: one not registered in
 * this build, or a parameter it does not accept, gives a skipped run with
 * the reason, not a failure. */
#ifndef BA_RUNS_H
#define BA_RUNS_H

#include "scorecard.h"

#define BA_RAN 0
#define BA_SKIPPED 1 /* method not registered, or a parameter unknown */
#define BA_REFUSED 2 /* the method refused the request (the reason) */

typedef struct ba_run {
    char method[64];
    char params[256];
    int status;          /* BA_RAN, BA_SKIPPED, BA_REFUSED */
    char note[384];      /* why skipped or refused */
    double prepare_seconds, forget_seconds;
    ba_score score;
    char report[1024];   /* the forget report, "key=value ..." (per-block
                            figures left out) */
    char calibration[256]; /* its calibrated_* and calibration_* figures */
} ba_run;

/* What a run needs besides the method. */
typedef struct ba_bed {
    const forget_model *original;
    const forget_dataset *train;   /* prepare's rows */
    const forget_dataset *heldout; /* for target=heldout; may be NULL */
    ba_sets sets;
    ba_score retrained;            /* the reference of the gap */
} ba_bed;

/* Run method with params ("" for its defaults) on bed into out. Returns
 * 0, or -1 when the harness itself failed (out of memory, a scorecard
 * that could not be computed) with the reason in out->note. */
int ba_run_method(ba_run *out, const char *method, const char *params,
                  const ba_bed *bed);

/* Whether the method is registered in this build. */
int ba_method_exists(const char *method);

#endif
