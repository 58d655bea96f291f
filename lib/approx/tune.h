/* The fine-tuning engine of the approximate methods (finetune, neggrad,
 * relabel; scrub's max and min steps): optimizer steps on a model where
 * each step's gradient is a weighted sum of terms, each term the mean
 * gradient of a batch drawn from its own rows, with its own labels or
 * soft targets and a signed weight (negative: ascent).
 *
 *   g_t = sum_terms w_term * (1/b) sum_{i in batch_t(term)} grad l_i
 *
 * then masked (only parameters with mask[i] move), clipped to a global
 * norm, and applied by SGD with momentum or Adam (PyTorch's rules), and
 * an l1 term by its proximal step (soft thresholding of the moved
 * parameters by lr * l1_t after each update, l1_t optionally decaying
 * linearly to 0 over the steps).
 *
 * Batches: each term walks its rows in an order shuffled afresh every
 * epoch by its own generator (seeded from the run's seed and the term's
 * salt), so the rows drawn do not depend on the other terms. One thread:
 * results depend on the seed only (and, for dense kinds, on the BLAS and
 * its thread count, as training's do). A session that is not committed
 * (canceled, failed, non-finite) leaves the model bit-identical. */
#ifndef FG_APPROX_TUNE_H
#define FG_APPROX_TUNE_H

#include "model/kit.h"

/* A set of rows a step draws a batch from. The caller fills the first
 * fields; fg_tune_term_start fills the cursor (free it with
 * fg_tune_term_free). */
typedef struct fg_tune_term {
    const forget_dataset *ds; /* features, and labels or targets unless
                                 given below */
    const size_t *rows;       /* the rows of ds (NULL: 0..n-1) */
    size_t n;                 /* how many */
    const int32_t *labels;    /* n labels used instead of ds's (NULL: ds's) */
    const float *soft;        /* n x outputs target probabilities: the
                                 soft cross-entropy FG_OBJ_SOFT (NULL: the
                                 loss on labels / targets) */
    double weight;            /* 0: the term is skipped (draws nothing) */
    double gate;              /* > 0: rows whose loss is already at least
                                 this are left out of the term's batch
                                 gradient (still counted in its 1/b):
                                 ascent that stops once a row is forgotten
                                 (classification with labels only) */
    int gate_own;             /* the gate's loss is on ds's own labels,
                                 not the term's (random labels that stop
                                 once the true one is no longer known) */
    size_t batch;             /* rows per step (at most n) */
    uint64_t salt;            /* told apart from other terms' shuffles */
    /* the cursor */
    size_t *order, pos;
    fg_rng rng;
} fg_tune_term;

/* The optimizer and what shapes each step. */
typedef struct fg_tune_cfg {
    int adam;                     /* 0: SGD with momentum */
    double lr, momentum;          /* SGD: v = momentum v + g */
    double beta1, beta2, eps;     /* Adam */
    double l1;                    /* proximal l1 weight (0: none) */
    int l1_decay;                 /* l1_t = l1 (1 - t / steps) */
    double clip;                  /* largest gradient norm (0: none) */
    uint64_t seed;                /* of the terms' shuffles */
    const unsigned char *mask;    /* parameters allowed to move (NULL: all) */
} fg_tune_cfg;

/* What a session did (reported by the methods). */
typedef struct fg_tune_stats {
    size_t steps, rows;   /* steps taken, rows drawn in all */
    size_t clipped;       /* steps whose gradient norm was cut */
    size_t zeroed;        /* parameters the l1 step set to 0 */
    size_t gated;         /* rows a gate left out of their batch */
} fg_tune_stats;

typedef struct fg_tune fg_tune;

/* Check a term against the model (labels below outputs, soft targets for
 * classification only, rows in range) and start its cursor; on failure
 * nothing is allocated. */
int fg_tune_term_start(fg_tune_term *t, const forget_model *m,
                       const fg_tune_cfg *c);
void fg_tune_term_free(fg_tune_term *t);

/* A session on m: keeps m's parameters to restore, and the optimizer's
 * state across fg_tune_steps calls (scrub alternates its max and min
 * steps in one session). total_steps: the steps the whole session will
 * take (what l1's decay runs over). */
int fg_tune_begin(fg_tune **out, forget_model *m, const fg_tune_cfg *c,
                  size_t total_steps);
/* steps steps with these terms; progress in [p0, p1] (each step), cancel
 * honoured (run NULL: none). FORGET_E_NUMERIC when a gradient or the parameters stop being
 * finite. On any error the session is to be ended uncommitted. */
int fg_tune_steps(fg_tune *s, fg_tune_term *terms, size_t n_terms,
                  size_t steps, forget_run *run, double p0, double p1);
/* End the session: commit (keep the parameters reached, after checking
 * that they are finite: FORGET_E_NUMERIC, and the model restored, when
 * not) or restore them bit for bit. stats (may be NULL) gets what was
 * done. Returns FORGET_OK or FORGET_E_NUMERIC. NULL: nothing. */
int fg_tune_end(fg_tune *s, int commit, fg_tune_stats *stats);

/* A mark: where a session stood (its parameters, the optimizer's state,
 * its statistics, and its terms' cursors), to return to with
 * fg_tune_rewind; a search along one run (tunecal.h) keeps one. The
 * terms must be the ones the session steps with. */
typedef struct fg_tune_mark fg_tune_mark;
int fg_tune_mark_new(fg_tune_mark **out, const fg_tune *s,
                     const fg_tune_term *terms, size_t n_terms);
void fg_tune_mark_set(fg_tune_mark *mk, const fg_tune *s,
                      const fg_tune_term *terms, size_t n_terms);
void fg_tune_rewind(fg_tune *s, const fg_tune_mark *mk, fg_tune_term *terms,
                    size_t n_terms);
void fg_tune_mark_free(fg_tune_mark *mk); /* NULL: nothing */
/* Steps the session has taken; its model. */
size_t fg_tune_taken(const fg_tune *s);
forget_model *fg_tune_model(const fg_tune *s);

/* begin, steps, end in one: the model changes only on success. */
int fg_tune_run(forget_model *m, const fg_tune_cfg *c, fg_tune_term *terms,
                size_t n_terms, size_t steps, forget_run *run, double p0,
                double p1, fg_tune_stats *stats);

#endif
