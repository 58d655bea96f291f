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

/* Per-row loss of the rows of ds from their outputs z (n x outputs
 * logits, as fg_eval_outputs gives them with probs = 0) into loss. */
void fg_eval_losses_of(const forget_model *m, const forget_dataset *ds,
                       const float *z, float *loss);

/* Index of the largest of k values (the first on ties). */
size_t fg_argmax(const float *v, size_t k);

/* Rows of z (n x k outputs) whose largest output is the row's label. */
size_t fg_eval_hits(const float *z, size_t n, size_t k,
                    const int32_t *labels);

/* Entropy of each of n rows of k probabilities p, into h (n doubles). */
void fg_eval_entropies_of(const float *p, size_t n, size_t k, double *h);

/* The entropy attack on entropies already computed: fitted on members
 * (h1, n1 > 0) versus non-members (h0, n0 > 0), the fraction of the nt > 0
 * target rows (ht) it judges members. */
double fg_eval_mia_of(const double *h1, size_t n1, const double *h0,
                      size_t n0, const double *ht, size_t nt);

/* The loss-threshold attack's ROC AUC from per-row losses of n1 > 0
 * members and n0 > 0 non-members. */
int fg_eval_loss_auc_of(const float *l1, size_t n1, const float *l0,
                        size_t n0, double *auc);

#endif
