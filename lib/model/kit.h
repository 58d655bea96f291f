/* The kit: everything a method may do with models and datasets, and the
 * helpers of the layers below that it may use. A method (lib/methods/)
 * includes this header, the public headers and its own files, nothing
 * else (make check-layers): it never sees the layout of a model or a
 * dataset, so what a built-in method does, a third party's could do with
 * the same kit. Capabilities are asked (fg_model_trainable), never
 * inferred from kind names. */
#ifndef FG_MODEL_KIT_H
#define FG_MODEL_KIT_H

#include <stddef.h>
#include <stdint.h>

#include "data/idset.h"
#include "data/idspread.h"
#include "data/rows.h"
#include "format/sections.h"
#include "forget/backend.h"
#include "la/la.h"
#include "util/alloc.h"
#include "util/comm.h"
#include "util/error.h"
#include "util/le.h"
#include "util/number.h"
#include "util/pool.h"
#include "util/rng.h"

/* What the per-row gradients are taken of. */
#define FG_OBJ_LOSS 0       /* cross-entropy (classification) or MSE */
#define FG_OBJ_LOGIT_NORM 1 /* ||outputs||^2: needs no label (LFSSD) */
/* Soft cross-entropy against target probabilities t (classification; a
 * teacher's outputs, KL(t || softmax(z)) up to t's entropy): loss =
 * logsumexp(z) - sum_j t_j z_j, d loss / dz = softmax(z) - t. */
#define FG_OBJ_SOFT 2

/* How per-row gradients g_i are summed into acc (n_params floats):
 * acc += scale * sum_i f(g_i). */
#define FG_ACC_GRAD 0 /* f(g) = g */
#define FG_ACC_SQ 1   /* f(g) = g * g, elementwise */
#define FG_ACC_ABS 2  /* f(g) = |g|, elementwise */

/* A named block of the flat parameter vector. */
typedef struct fg_block {
    char name[32];
    size_t offset, size;
    size_t rows, cols; /* a row-major rows x cols matrix; cols 0: a vector */
} fg_block;

/* Scratch memory that grows on demand (one per thread of work). */
typedef struct fg_workspace {
    float *buf;
    size_t cap; /* floats */
} fg_workspace;

float *fg_workspace_get(fg_workspace *ws, size_t floats);
void fg_workspace_free(fg_workspace *ws);

/* The same in float64. Reusing one across calls matters: on this kind of
 * machine a fresh page costs about 14 microseconds to fault in, more than
 * the arithmetic of a one-row request. */
typedef struct fg_dwork {
    double *buf;
    size_t cap; /* doubles */
} fg_dwork;

double *fg_dwork_get(fg_dwork *w, size_t doubles);
void fg_dwork_free(fg_dwork *w);

/* The flat parameter vector (forget_model_param_count floats), to read
 * and write in place, and its named blocks (*n of them). */
float *fg_model_theta(forget_model *m);
const float *fg_model_theta_const(const forget_model *m);
const fg_block *fg_model_blocks(const forget_model *m, size_t *n);

/* Can m be trained by stochastic gradient descent on rows
 * (fg_model_train_rows)? Not an ensemble, not a closed-form fit. */
int fg_model_trainable(const forget_model *m);

/* The data must match the model: features = inputs, task, labels below
 * outputs (or target_dim = outputs). */
int fg_model_check_data(const forget_model *m, const forget_dataset *ds,
                        const char *caller);

/* Over the rows [begin, end) of ds, in chunks: acc += scale * sum f(g_i)
 * for the given objective, and *loss_sum += sum of per-row objectives
 * (loss_sum may be NULL). */
int fg_model_accumulate(const forget_model *m, fg_workspace *ws,
                        const forget_dataset *ds, size_t begin, size_t end,
                        int objective, int mode, float scale, float *acc,
                        double *loss_sum);

/* The same over n rows given as arrays rather than a dataset's rows:
 * x (n x inputs floats); labels (n; classification with FG_OBJ_LOSS),
 * any the caller chooses (not necessarily the data's); targets (n x
 * outputs: regression's values, or with FG_OBJ_SOFT each row's target
 * probabilities). ws and zws are scratch reused across calls. */
int fg_model_grad_rows(const forget_model *m, fg_workspace *ws,
                       fg_workspace *zws, const float *x,
                       const int32_t *labels, const float *targets, size_t n,
                       int objective, int mode, float scale, float *acc,
                       double *loss_sum);

/* Is m one affine map of its inputs, outputs = W x + b, with W
 * (outputs x inputs, row-major) its first block and b its second (the
 * linear kind)? Then a method may compute with its parameters directly:
 * the loss is convex in them and its Hessian is the Gauss-Newton
 * matrix. */
int fg_model_affine(const forget_model *m);

/* Has m forward-mode derivatives, so that fg_model_gn_rows works? */
int fg_model_has_gn(const forget_model *m);

/* The Gauss-Newton product over n rows x: acc += scale * sum_i J_i^T A_i
 * J_i v, J_i the Jacobian of row i's outputs with respect to the
 * parameters, A_i the Hessian of its loss (FG_OBJ_LOSS) with respect to
 * the outputs (classification: diag(p) - p p^T, p the softmax;
 * regression: 2/k I). v and acc have n_params floats; ws, tws and zws
 * are scratch reused across calls. FORGET_E_UNSUPPORTED when the kind
 * has no forward mode (fg_model_has_gn). */
int fg_model_gn_rows(const forget_model *m, fg_workspace *ws,
                     fg_workspace *tws, fg_workspace *zws, const float *x,
                     size_t n, const float *v, float scale, float *acc);

/* out (n x outputs) = the probabilities (classification: softmax) or
 * values (regression) of n rows x (a teacher's soft targets). */
int fg_model_predict(const forget_model *m, fg_workspace *ws, const float *x,
                     size_t n, float *out);

/* A deep copy that is not counted alive (for models inside models). */
int fg_model_clone_raw(forget_model **out, const forget_model *m);
/* m (a copy of like, fg_model_clone_raw) made like's copy again, with
 * no allocation: like's parameters, no training report, no progress
 * callback (so that a model can be used again instead of made anew). */
void fg_model_assign(forget_model *m, const forget_model *like);
/* Models are reference-counted: fg_model_hold takes a reference for a
 * borrower (an unlearner, an ensemble), fg_model_discard drops one and
 * frees the model with the last (NULL: nothing). */
void fg_model_hold(forget_model *m);
void fg_model_discard(forget_model *m);

/* Train on the rows listed (in that order before each epoch's shuffle;
 * rows == NULL: rows 0..n-1), as forget_model_train does on a dataset of
 * them, without copying them into one, on up to threads threads (0 =
 * forget_get_threads(); the result does not depend on it). */
int fg_model_train_rows(forget_model *m, const forget_dataset *train,
                        const size_t *rows, size_t n, const char *params,
                        int threads);

/* The objective perturbation of training parameters params (their
 * perturb, seed and weight_decay): *sigma = perturb, *weight_decay, and
 * (b not NULL) b (p doubles) = the vector training draws, so that
 * training minimises mean loss + weight_decay/2 ||theta||^2 + b.theta/n
 * on n rows. FORGET_E_PARAM when params do not parse. */
int fg_train_perturbation(const char *params, size_t p, double *b,
                          double *sigma, double *weight_decay);

/* Training's buffers (the optimizer's state, the row order, the batch
 * lanes' rows and gradients), kept between the runs given the same
 * scratch: runs of one shape then allocate nothing and fault no fresh
 * pages (a fresh page costs microseconds to fault in; a training run
 * touches a few megabytes). One scratch serves one run at a time. */
typedef struct fg_train_scratch fg_train_scratch;
int fg_train_scratch_new(fg_train_scratch **out);
void fg_train_scratch_free(fg_train_scratch *s); /* NULL: nothing */
/* Make s's buffers ahead for runs on up to n rows of ds with params (the
 * training parameters; epochs and seed do not matter), so that those
 * runs allocate nothing of s's: kept when they have room, else made anew
 * whole before the old ones are freed (FORGET_E_NOMEM leaves s as it
 * was). */
int fg_train_scratch_reserve(fg_train_scratch *s, const forget_model *m,
                             const forget_dataset *ds, size_t n,
                             const char *params);
/* fg_model_train_rows with scratch's buffers (NULL: buffers of its own,
 * freed at the end); the same results bit for bit. */
int fg_model_train_rows_in(forget_model *m, const forget_dataset *train,
                           const size_t *rows, size_t n, const char *params,
                           int threads, fg_train_scratch *scratch);

/* Prepare's one rule, in every method: the new state is built beside the
 * old one (the configuration copied, fresh arrays) and swapped in only
 * once complete, so a failed prepare leaves the old state as it was.
 * release(state) frees what the old state held; then the size bytes of
 * fresh take its place, and fresh is zeroed (it owns nothing any more). */
void fg_state_swap(void *state, void *fresh, size_t size,
                   void (*release)(void *state));

/* ---- the ensemble kind (what sisa presents) ---- */

/* An ensemble over n constituents (it holds a reference on each), not
 * counted alive (its unlearner owns it). vote: majority vote instead of
 * the mean of probabilities. */
int fg_ensemble_create(forget_model **out, forget_model *const *parts,
                       size_t n, int vote, const char *params);
/* Replace constituent i (the reference moves to part). */
void fg_ensemble_set(forget_model *m, size_t i, forget_model *part);

/* ---- the analytic kind's head (the analytic method) ---- */

/* Is m of kind analytic? */
int fg_is_analytic(const forget_model *m);
/* Feature width d (the map's outputs, plus 1 with bias=true) and the
 * ridge gamma. */
size_t fg_analytic_dim(const forget_model *m);
double fg_analytic_gamma(const forget_model *m);
/* Copy the float64 head (k x d) out of m, or into m (its float32
 * parameters follow). */
void fg_analytic_get_head(const forget_model *m, double *dst);
void fg_analytic_set_head(forget_model *m, const double *src);
/* Is m's head exactly w (k x d)? (Nothing changed it behind the method.) */
int fg_analytic_head_is(const forget_model *m, const double *w);

/* phi (n x d, float64) = the features of n rows of x; scratch (may be
 * NULL) is reused across calls. */
int fg_analytic_features(const forget_model *m, const float *x, size_t n,
                         double *phi, fg_dwork *scratch);
/* Targets of rows [b, e) of ds as k columns (one-hot for classes). */
void fg_analytic_targets(const forget_model *m, const forget_dataset *ds,
                         size_t b, size_t e, double *y);
/* G (d x d, upper) += Phi^T Phi and Bt (k x d) += Y^T Phi over the rows of
 * ds, in chunks; progress through run (may be NULL). */
int fg_analytic_stats(const forget_model *m, const forget_dataset *ds,
                      double *g, double *bt, forget_run *run);

#endif
