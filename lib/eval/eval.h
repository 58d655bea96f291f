/* Shared pieces of the evaluation functions. */
#ifndef FG_EVAL_EVAL_H
#define FG_EVAL_EVAL_H

#include "model/model.h"

/* Outputs of every row of ds (probabilities when probs, else raw
 * logits/values) into a new n x outputs array (free with fg_free). The
 * data is checked against the model first. */
int fg_eval_outputs(const forget_model *m, const forget_dataset *ds,
                    int probs, float **out, const char *caller);

/* Per-row loss of every row (n floats, free with fg_free). */
int fg_eval_row_losses(const forget_model *m, const forget_dataset *ds,
                       float **out, const char *caller);

/* Index of the largest of k values (the first on ties). */
size_t fg_argmax(const float *v, size_t k);

#endif
