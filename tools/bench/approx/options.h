/* bench_approx's command line. */
#ifndef BA_OPTIONS_H
#define BA_OPTIONS_H

#include <stddef.h>
#include <stdint.h>

#include "recipe.h"

#define BA_MAX_LIST 32

typedef struct ba_options {
    const char *data;   /* Fashion-MNIST's folder */
    const char *json;   /* where the JSON goes */
    const char *cases[BA_MAX_LIST];
    size_t n_cases;
    const char *methods[BA_MAX_LIST];
    size_t n_methods;
    const char *target; /* NULL: each case's own */
    ba_recipe recipe;
    uint64_t seed;
    size_t train_rows, test_rows, heldout_rows; /* 0: all (train/test) */
    double min_train_acc;
    int quick, synthetic;
} ba_options;

/* Parse argv into o (defaults for what is not given). Returns 0 to run,
 * 1 after printing --help, -1 after printing an error. */
int ba_options_parse(ba_options *o, int argc, char **argv);

#endif
