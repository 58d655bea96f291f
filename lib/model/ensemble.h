/* The ensemble kind (made by the sisa method). */
#ifndef FG_MODEL_ENSEMBLE_H
#define FG_MODEL_ENSEMBLE_H

#include "model/model.h"

/* An ensemble over n constituents (borrowed: they must outlive it), not
 * counted alive (its unlearner owns it). vote: majority vote instead of
 * the mean of probabilities. */
int fg_ensemble_create(forget_model **out, forget_model *const *parts,
                       size_t n, int vote, const char *params);
/* Replace constituent i. */
void fg_ensemble_set(forget_model *m, size_t i, forget_model *part);

#endif
