/* The ensemble kind: k constituent models of one shape (owned elsewhere,
 * by the sisa method), aggregated by the mean of their probabilities or by
 * majority vote. Its outputs are log(aggregate), so that softmax gives the
 * aggregate back and the loss is the cross-entropy of it. */
#include "model/model.h"

#include <math.h>
#include <string.h>

#include "util/alloc.h"
#include "format/container.h"
#include "util/error.h"

typedef struct fg_ens {
    forget_model **parts; /* borrowed: one reference each (fg_model_hold) */
    size_t n;
    int vote;
    int held; /* the references are taken */
} fg_ens;

static int fg_ens_forward(const forget_model *m, fg_workspace *ws,
                          const float *x, size_t n, float *out)
{
    const fg_ens *e = m->impl;
    size_t k = m->outputs;
    float *p = fg_malloc_array(n ? n : 1, k * sizeof(float));
    if (p == NULL)
        return fg_nomem("ensemble outputs");
    memset(out, 0, n * k * sizeof *out);
    int rc = FORGET_OK;
    for (size_t c = 0; c < e->n && rc == FORGET_OK; c++) {
        rc = fg_model_predict(e->parts[c], ws, x, n, p);
        for (size_t i = 0; rc == FORGET_OK && i < n; i++) {
            float *o = out + i * k, *pi = p + i * k;
            if (m->task == FORGET_TASK_REGRESSION || !e->vote) {
                for (size_t j = 0; j < k; j++)
                    o[j] += pi[j] / (float)e->n;
            } else {
                size_t best = 0;
                for (size_t j = 1; j < k; j++)
                    best = pi[j] > pi[best] ? j : best;
                o[best] += 1.0f / (float)e->n;
            }
        }
    }
    fg_free(p);
    if (rc == FORGET_OK && m->task == FORGET_TASK_CLASSIFICATION)
        for (size_t i = 0; i < n * k; i++)
            out[i] = logf(out[i] > 1e-30f ? out[i] : 1e-30f);
    return rc;
}

static int fg_ens_backward(const forget_model *m, fg_workspace *ws,
                           const float *x, const float *dz, size_t n,
                           int mode, float scale, float *acc)
{
    (void)m, (void)ws, (void)x, (void)dz, (void)n, (void)mode, (void)scale;
    (void)acc;
    return fg_error(FORGET_E_UNSUPPORTED, "an ensemble has no gradient of "
                    "its own; use its constituents");
}

static int fg_ens_clone(const forget_model *m, void **impl)
{
    (void)m;
    (void)impl;
    return fg_error(FORGET_E_UNSUPPORTED, "an ensemble belongs to its "
                    "unlearner and cannot be copied");
}

static void fg_ens_destroy(void *impl)
{
    fg_ens *e = impl;
    for (size_t i = 0; e && e->held && i < e->n; i++)
        fg_model_discard(e->parts[i]);
    if (e)
        fg_free(e->parts);
    fg_free(e);
}

/* The constituents in order, and how they are aggregated. */
static void fg_ens_digest(const forget_model *m, fg_sha256 *c)
{
    const fg_ens *e = m->impl;
    unsigned char head[16];
    fg_put_u64(head, e->n);
    fg_put_u64(head + 8, (uint64_t)e->vote);
    fg_sha256_update(c, head, sizeof head);
    for (size_t i = 0; i < e->n; i++)
        fg_model_digest_update(e->parts[i], c);
}

static const fg_model_ops fg_ens_ops = {
    .forward = fg_ens_forward,
    .backward = fg_ens_backward,
    .clone_impl = fg_ens_clone,
    .destroy_impl = fg_ens_destroy,
    .digest = fg_ens_digest,
};

int fg_ensemble_create(forget_model **out, forget_model *const *parts,
                       size_t n, int vote, const char *params)
{
    forget_model *m = NULL;
    int rc = fg_model_alloc(&m, &fg_ens_ops, "ensemble", 0, 0);
    if (rc != FORGET_OK)
        return rc;
    fg_ens *e = fg_calloc(1, sizeof *e);
    if (e)
        e->parts = fg_malloc_array(n, sizeof *e->parts);
    m->params_text = fg_strdup(params);
    if (!e || !e->parts || !m->params_text) {
        fg_ens_destroy(e);
        fg_model_discard(m);
        return fg_nomem("an ensemble");
    }
    memcpy(e->parts, parts, n * sizeof *parts);
    for (size_t i = 0; i < n; i++)
        fg_model_hold(parts[i]);
    e->held = 1;
    e->n = n;
    e->vote = vote;
    m->impl = e;
    m->owned = 1;
    m->task = parts[0]->task;
    m->inputs = parts[0]->inputs;
    m->outputs = parts[0]->outputs;
    *out = m;
    return FORGET_OK;
}

void fg_ensemble_set(forget_model *m, size_t i, forget_model *part)
{
    fg_ens *e = m->impl;
    fg_model_hold(part);
    fg_model_discard(e->parts[i]);
    e->parts[i] = part;
}

size_t forget_model_part_count(const forget_model *m)
{
    if (m == NULL || m->ops != &fg_ens_ops)
        return 0;
    return ((const fg_ens *)m->impl)->n;
}

const forget_model *forget_model_part(const forget_model *m, size_t index)
{
    if (index >= forget_model_part_count(m))
        return NULL;
    return ((const fg_ens *)m->impl)->parts[index];
}
