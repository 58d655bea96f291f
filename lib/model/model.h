/* The model handle and the interface the methods use (internal). */
#ifndef FG_MODEL_MODEL_H
#define FG_MODEL_MODEL_H

#include <stdatomic.h>

#include "model/kit.h"
#include "util/report.h"
#include "util/sha256.h"
#include "forget/backend.h"

typedef struct fg_model_ops {
    /* out (n x outputs) = raw outputs (logits or values) of rows x. */
    int (*forward)(const forget_model *m, fg_workspace *ws, const float *x,
                   size_t n, float *out);
    /* acc += scale * sum_i f(g_i), g_i the gradient of row i's objective
     * (dz: n x outputs, the objective's gradient with respect to row i's
     * outputs, computed by the caller from the outputs of forward run on
     * the same rows just before). */
    int (*backward)(const forget_model *m, fg_workspace *ws, const float *x,
                    const float *dz, size_t n, int mode, float scale,
                    float *acc);
    /* Deep copy of the kind-specific part. */
    int (*clone_impl)(const forget_model *m, void **impl);
    void (*destroy_impl)(void *impl);
    /* Largest rows per forward/backward call (0 = no limit). */
    size_t max_rows;
    /* Optional. Floats of workspace a forward and backward of n rows take
     * (so that training's buffers can be made ahead: fg_lanes_reserve). */
    size_t (*ws_floats)(const forget_model *m, size_t n);
    /* 1 if forward/backward may run on several threads at once, each with
     * its own workspace (a host's callbacks are not assumed to). */
    int concurrent;
    /* 1 if the kind is trained by SGD on its forward/backward (dense
     * kinds, host models): what fg_model_trainable reports. */
    int sgd;
    /* Optional. A closed-form fit that replaces SGD in forget_model_train
     * (the analytic kind). */
    int (*fit)(forget_model *m, const forget_dataset *ds);
    /* Optional. Kind-specific file sections beyond KIND/PARM/WGHT. */
    int (*save_sections)(const forget_model *m, forget_writer *w);
    /* Returns 1 if the section was the kind's (and is now loaded), 0 if
     * the kind does not know it, or a FORGET_E_* code. */
    int (*load_section)(forget_model *m, const char *tag, const void *data,
                        size_t size);
    /* Optional. Feed the kind-specific state that predictions depend on
     * beyond theta (fg_model_digest_update) to a digest. */
    void (*digest)(const forget_model *m, fg_sha256 *c);
    /* Optional. Forward mode: out (n x outputs) = the raw outputs of rows
     * x and tout (n x outputs) = their derivative along the parameter
     * direction v (n_params floats), leaving ws as forward leaves it (so
     * backward may follow); tws is the tangents' scratch. What
     * fg_model_gn_rows needs (NULL: the kind has none). */
    int (*jvp)(const forget_model *m, fg_workspace *ws, fg_workspace *tws,
               const float *v, const float *x, size_t n, float *out,
               float *tout);
    /* Optional. 1 if the outputs are one affine map of the inputs,
     * W x + b, W (outputs x inputs, row-major) the first block of theta
     * and b the second: what fg_model_affine reports. */
    int (*affine)(const forget_model *m);
} fg_model_ops;

struct forget_model {
    const fg_model_ops *ops;
    char kind[16];
    char *params_text; /* canonical creation parameters */
    int32_t task;
    size_t inputs, outputs;
    float *theta; /* n_params */
    size_t n_params;
    fg_block *blocks;
    size_t n_blocks;
    void *impl;
    forget_progress_fn progress;
    void *progress_user;
    forget_report *train_report;
    int owned; /* held by an unlearner (the sisa ensemble): not the host's
                  to free */
    int published;     /* counted alive (fg_model_publish) */
    atomic_size_t refs; /* the creator's reference + one per borrower
                           (unlearner, ensemble): freed at 0 */
};

/* A model shell with theta (zeroed) and blocks allocated; the kind fills
 * the rest. Counted alive by fg_model_publish. */
int fg_model_alloc(forget_model **out, const fg_model_ops *ops,
                   const char *kind, size_t n_params, size_t n_blocks);
void fg_model_publish(forget_model *m);
/* fg_model_check_data for the rows listed only (rows NULL: 0..n-1). */
int fg_model_check_rows(const forget_model *m, const forget_dataset *ds,
                        const size_t *rows, size_t n, const char *caller);
/* Rows per chunk for passes over a dataset. */
size_t fg_model_chunk_rows(const forget_model *m);

/* p (may be NULL, may be z) = softmax of k outputs z; returns their log
 * sum exp. The only softmax: losses and predictions both use it. */
double fg_softmax(const float *z, size_t k, float *p);

/* Objective of rows given their outputs z (n x outputs): per-row values
 * in loss (may be NULL) and the gradient with respect to z in dz (may be
 * NULL). labels/targets as in the dataset (NULL for FG_OBJ_LOGIT_NORM). */
void fg_objective(int32_t task, int objective, const float *z, size_t n,
                  size_t k, const int32_t *labels, const float *targets,
                  float *loss, float *dz);

/* One batch of n rows (split into chunks as the kind needs): forward,
 * objective, backward into acc; *loss_sum += the per-row objectives.
 * zbuf holds fg_model_zbuf_floats(m) floats. */
int fg_model_batch(const forget_model *m, fg_workspace *ws, float *zbuf,
                   const float *x, const int32_t *labels,
                   const float *targets, size_t n, int objective, int mode,
                   float scale, float *acc, double *loss_sum);
size_t fg_model_zbuf_floats(const forget_model *m);

/* The same for every row of a dataset (whatever it stores), or the raw
 * outputs (logits) when probs is 0. */
int fg_model_outputs_of(const forget_model *m, fg_workspace *ws,
                        const forget_dataset *ds, int probs, float *out);

/* The kinds' constructors (lib/model/kinds.c dispatches by name). */
int fg_dense_create(forget_model **out, const char *kind,
                    const forget_params *p);
int fg_dense_count(const char *kind, const forget_params *p, size_t *n);

/* Create a model of a built-in kind without counting it alive (for
 * models held inside other models). */
int fg_model_make(forget_model **out, const char *kind, const char *params);

/* Kind "analytic" (lib/model/analytic.c). */
int fg_analytic_create(forget_model **out, const char *kind,
                       const forget_params *p);
int fg_analytic_count(const char *kind, const forget_params *p, size_t *n);

/* Feed m (kind, parameters, shape, theta and the kind's own state) to a
 * SHA-256 digest (lib/model/digest.c; forget_model_digest). */
void fg_model_digest_update(const forget_model *m, fg_sha256 *c);
/* Feed n words of width 4 (float, u32) or 8 (double, u64) bytes as
 * little-endian. */
void fg_digest_words(fg_sha256 *c, const void *words, size_t n, size_t width);

/* The parameter count a kind and parameter string would give, without
 * allocating the model (file loaders check it against the file first). */
int fg_model_kind_count_params(const char *kind, const char *params,
                               size_t *n);

#endif
