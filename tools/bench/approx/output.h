/* The benchmark's output: a table per case on stdout (markdown) and the
 * same figures as JSON. */
#ifndef BA_OUTPUT_H
#define BA_OUTPUT_H

#include <stdio.h>

#include "cases.h"
#include "runs.h"

/* One case's results. */
typedef struct ba_result {
    const ba_case *c;
    const char *target;      /* the calibrated runs' target */
    double retrain_seconds;
    double original_train_acc; /* on the case's training rows */
    ba_score retrained, original;
    ba_run *runs;
    size_t n_runs;
} ba_result;

void ba_print_table(FILE *o, const ba_result *r);

/* The case as one JSON object (a member of the "cases" array; first:
 * no leading comma). */
void ba_print_json(FILE *o, const ba_result *r, int first);

/* s as a JSON string literal, quotes included. */
void ba_json_string(FILE *o, const char *s);

#endif
