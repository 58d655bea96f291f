/* The fine-tuning engine (tune.h): weighted sums of batch gradients,
 * masked, clipped, SGD with momentum or Adam, proximal l1. */
#include "approx/tune.h"

#include <math.h>
#include <string.h>

struct fg_tune {
    forget_model *m;
    fg_tune_cfg c;
    size_t P, k, d, total, t; /* t: steps taken */
    float *keep;              /* the parameters to restore */
    float *g, *v, *s2;        /* gradient, momentum / Adam's moments */
    float *x, *soft;          /* a batch's features and soft targets */
    float *prob;              /* a gated batch's probabilities */
    int32_t *labels, *own;    /* a batch's labels; ds's own (gate_own) */
    size_t cap;               /* rows the batch buffers hold */
    fg_workspace ws, zws;
    fg_tune_stats stats;
};

int fg_tune_term_start(fg_tune_term *t, const forget_model *m,
                       const fg_tune_cfg *c)
{
    t->order = NULL;
    t->pos = 0;
    if (t->weight == 0.0 || t->n == 0)
        return FORGET_OK; /* skipped: nothing drawn */
    size_t rows = forget_dataset_rows(t->ds), k = forget_model_outputs(m);
    int cls = forget_model_task(m) == FORGET_TASK_CLASSIFICATION;
    if (!isfinite(t->weight))
        return fg_error(FORGET_E_INVALID, "fine-tuning: a term's weight is "
                        "not finite");
    if (t->soft && !cls)
        return fg_error(FORGET_E_INVALID, "fine-tuning: soft targets need a "
                        "classification model");
    if (!(t->gate >= 0.0) || (t->gate > 0.0 && (t->soft || !cls)) ||
        (t->gate > 0.0 && t->gate_own && !forget_dataset_labels(t->ds)))
        return fg_error(FORGET_E_INVALID, "fine-tuning: a term's gate must "
                        "be a loss >= 0, on a classification model's labels");
    if (forget_dataset_features(t->ds) != forget_model_inputs(m))
        return fg_error(FORGET_E_INVALID, "fine-tuning: the rows have %zu "
                        "features, the model takes %zu",
                        forget_dataset_features(t->ds),
                        forget_model_inputs(m));
    const int32_t *own = forget_dataset_labels(t->ds);
    for (size_t i = 0; i < t->n; i++) {
        size_t r = t->rows ? t->rows[i] : i;
        if (r >= rows)
            return fg_error(FORGET_E_INVALID, "fine-tuning: row %zu of a "
                            "term is beyond its %zu rows", r, rows);
        int32_t y = t->labels ? t->labels[i] : own ? own[r] : 0;
        if (cls && !t->soft && (y < 0 || (size_t)y >= k))
            return fg_error(FORGET_E_INVALID, "fine-tuning: label %d beyond "
                            "the model's %zu classes", (int)y, k);
    }
    if (t->batch == 0 || t->batch > t->n)
        t->batch = t->n;
    t->order = fg_malloc_array(t->n, sizeof *t->order);
    if (t->order == NULL)
        return fg_nomem("a term's row order");
    for (size_t i = 0; i < t->n; i++)
        t->order[i] = i;
    fg_rng_seed(&t->rng, fg_mix64(c->seed) ^ fg_mix64(t->salt + 0x7475ULL));
    fg_rng_shuffle(&t->rng, t->order, t->n);
    return FORGET_OK;
}

void fg_tune_term_free(fg_tune_term *t)
{
    fg_free(t->order);
    t->order = NULL;
}

static void fg_tune_free(fg_tune *s)
{
    fg_free(s->keep);
    fg_free(s->g);
    fg_free(s->v);
    fg_free(s->s2);
    fg_free(s->x);
    fg_free(s->soft);
    fg_free(s->prob);
    fg_free(s->labels);
    fg_free(s->own);
    fg_workspace_free(&s->ws);
    fg_workspace_free(&s->zws);
    fg_free(s);
}

int fg_tune_begin(fg_tune **out, forget_model *m, const fg_tune_cfg *c,
                  size_t total_steps)
{
    fg_tune *s = fg_calloc(1, sizeof *s);
    if (s == NULL)
        return fg_nomem("a fine-tuning session");
    s->m = m;
    s->c = *c;
    s->P = forget_model_param_count(m);
    s->k = forget_model_outputs(m);
    s->d = forget_model_inputs(m);
    s->total = total_steps;
    size_t P = s->P ? s->P : 1;
    s->keep = fg_malloc_array(P, sizeof(float));
    s->g = fg_malloc_array(P, sizeof(float));
    s->v = fg_calloc(P, sizeof(float));
    s->s2 = c->adam ? fg_calloc(P, sizeof(float)) : NULL;
    if (!s->keep || !s->g || !s->v || (c->adam && !s->s2)) {
        fg_tune_free(s);
        return fg_nomem("a fine-tuning session");
    }
    memcpy(s->keep, fg_model_theta_const(m), s->P * sizeof(float));
    *out = s;
    return FORGET_OK;
}

/* Room for a batch of n rows. */
static int fg_tune_room(fg_tune *s, size_t n)
{
    if (n <= s->cap)
        return FORGET_OK;
    float *x = fg_malloc_array(n, s->d * sizeof(float));
    float *soft = fg_malloc_array(n, s->k * sizeof(float));
    float *prob = fg_malloc_array(n, s->k * sizeof(float));
    int32_t *labels = fg_malloc_array(n, sizeof(int32_t));
    int32_t *own = fg_malloc_array(n, sizeof(int32_t));
    if (!x || !soft || !prob || !labels || !own) {
        fg_free(x);
        fg_free(soft);
        fg_free(prob);
        fg_free(labels);
        fg_free(own);
        return fg_nomem("a batch");
    }
    fg_free(s->x);
    fg_free(s->soft);
    fg_free(s->prob);
    fg_free(s->labels);
    fg_free(s->own);
    s->own = own;
    s->x = x;
    s->soft = soft;
    s->prob = prob;
    s->labels = labels;
    s->cap = n;
    return FORGET_OK;
}

/* The term's next batch into the buffers: rows in its epoch order, a new
 * shuffle whenever an epoch ends. */
static void fg_tune_draw(fg_tune *s, fg_tune_term *t)
{
    const int32_t *own = forget_dataset_labels(t->ds);
    const float *targ = forget_dataset_targets(t->ds);
    size_t k = s->k;
    for (size_t b = 0; b < t->batch; b++) {
        if (t->pos == t->n) {
            fg_rng_shuffle(&t->rng, t->order, t->n);
            t->pos = 0;
        }
        size_t i = t->order[t->pos++];
        size_t r = t->rows ? t->rows[i] : i;
        fg_dataset_row(t->ds, r, s->x + b * s->d);
        s->labels[b] = t->labels ? t->labels[i] : own ? own[r] : 0;
        s->own[b] = own ? own[r] : 0;
        if (t->soft)
            memcpy(s->soft + b * k, t->soft + i * k, k * sizeof(float));
        else if (targ)
            memcpy(s->soft + b * k, targ + r * k, k * sizeof(float));
    }
}

/* A gated term's batch: the rows whose loss -log p_y is below the gate,
 * moved to the front; *kept gets how many. */
static int fg_tune_gate(fg_tune *s, const fg_tune_term *t, size_t *kept)
{
    int rc = fg_model_predict(s->m, &s->ws, s->x, t->batch, s->prob);
    if (rc != FORGET_OK)
        return rc;
    double floor = exp(-t->gate); /* loss < gate  <=>  p_y > e^-gate */
    const int32_t *y = t->gate_own ? s->own : s->labels;
    size_t n = 0;
    for (size_t b = 0; b < t->batch; b++) {
        if (!((double)s->prob[b * s->k + (size_t)y[b]] > floor))
            continue;
        if (n != b) {
            memcpy(s->x + n * s->d, s->x + b * s->d, s->d * sizeof(float));
            s->labels[n] = s->labels[b];
            s->own[n] = s->own[b];
        }
        n++;
    }
    s->stats.gated += t->batch - n;
    *kept = n;
    return FORGET_OK;
}

/* g = the step's gradient: the terms' weighted batch means, masked. */
static int fg_tune_gradient(fg_tune *s, fg_tune_term *terms, size_t n_terms)
{
    memset(s->g, 0, s->P * sizeof(float));
    int cls = forget_model_task(s->m) == FORGET_TASK_CLASSIFICATION;
    for (size_t j = 0; j < n_terms; j++) {
        fg_tune_term *t = &terms[j];
        if (t->weight == 0.0 || t->n == 0)
            continue;
        int rc = fg_tune_room(s, t->batch);
        if (rc != FORGET_OK)
            return rc;
        fg_tune_draw(s, t);
        s->stats.rows += t->batch;
        size_t n = t->batch;
        if (t->gate > 0.0 && (rc = fg_tune_gate(s, t, &n)) != FORGET_OK)
            return rc;
        if (n == 0)
            continue; /* every row of the batch is past its gate */
        int obj = t->soft ? FG_OBJ_SOFT : FG_OBJ_LOSS;
        rc = fg_model_grad_rows(s->m, &s->ws, &s->zws, s->x,
                                cls ? s->labels : NULL,
                                t->soft || !cls ? s->soft : NULL, n, obj,
                                FG_ACC_GRAD,
                                (float)(t->weight / (double)t->batch), s->g,
                                NULL);
        if (rc != FORGET_OK)
            return rc;
    }
    if (s->c.mask)
        for (size_t i = 0; i < s->P; i++)
            if (!s->c.mask[i])
                s->g[i] = 0.0f;
    return FORGET_OK;
}

/* Cut g to the norm clip; FORGET_E_NUMERIC when it is not finite. */
static int fg_tune_clip(fg_tune *s)
{
    double sq = 0.0;
    for (size_t i = 0; i < s->P; i++)
        sq += (double)s->g[i] * s->g[i];
    if (!isfinite(sq))
        return fg_error(FORGET_E_NUMERIC, "fine-tuning: the gradient of "
                        "step %zu is not finite; the model is unchanged",
                        s->t + 1);
    double norm = sqrt(sq);
    if (s->c.clip > 0.0 && norm > s->c.clip) {
        float f = (float)(s->c.clip / norm);
        for (size_t i = 0; i < s->P; i++)
            s->g[i] *= f;
        s->stats.clipped++;
    }
    return FORGET_OK;
}

/* The optimizer's update of theta from g, then l1's proximal step. */
static void fg_tune_update(fg_tune *s)
{
    const fg_tune_cfg *c = &s->c;
    float *th = fg_model_theta(s->m);
    float lr = (float)c->lr;
    if (c->adam) {
        double t = (double)(s->t + 1);
        float b1 = (float)c->beta1, b2 = (float)c->beta2;
        float bc1 = (float)(1.0 - pow(c->beta1, t));
        float bc2 = (float)sqrt(1.0 - pow(c->beta2, t));
        for (size_t i = 0; i < s->P; i++) {
            if (c->mask && !c->mask[i])
                continue;
            s->v[i] = b1 * s->v[i] + (1.0f - b1) * s->g[i];
            s->s2[i] = b2 * s->s2[i] + (1.0f - b2) * s->g[i] * s->g[i];
            th[i] -= lr * (s->v[i] / bc1) /
                     (sqrtf(s->s2[i]) / bc2 + (float)c->eps);
        }
    } else {
        float mu = (float)c->momentum;
        for (size_t i = 0; i < s->P; i++) {
            if (c->mask && !c->mask[i])
                continue;
            s->v[i] = mu * s->v[i] + s->g[i];
            th[i] -= lr * s->v[i];
        }
    }
    if (c->l1 <= 0.0)
        return;
    double w = c->l1;
    if (c->l1_decay && s->total > 0)
        w *= 1.0 - (double)s->t / (double)s->total;
    float cut = (float)(c->lr * w);
    for (size_t i = 0; i < s->P; i++) {
        if ((c->mask && !c->mask[i]) || th[i] == 0.0f)
            continue;
        float a = fabsf(th[i]) - cut;
        if (a <= 0.0f) {
            th[i] = 0.0f;
            s->stats.zeroed++;
        } else {
            th[i] = copysignf(a, th[i]);
        }
    }
}

int fg_tune_steps(fg_tune *s, fg_tune_term *terms, size_t n_terms,
                  size_t steps, forget_run *run, double p0, double p1)
{
    for (size_t j = 0; j < steps; j++) {
        int rc = fg_tune_gradient(s, terms, n_terms);
        if (rc == FORGET_OK)
            rc = fg_tune_clip(s);
        if (rc != FORGET_OK)
            return rc;
        fg_tune_update(s);
        s->t++;
        s->stats.steps++;
        if (run != NULL)
            rc = forget_run_progress(run, p0 + (p1 - p0) * (double)(j + 1) /
                                                  (double)steps);
        if (rc != FORGET_OK)
            return rc;
    }
    return FORGET_OK;
}

struct fg_tune_mark {
    size_t P, t, n_terms;
    float *theta, *v, *s2;
    fg_tune_stats stats;
    struct {
        size_t *order, pos, n;
        fg_rng rng;
    } *cur;
};

void fg_tune_mark_free(fg_tune_mark *mk)
{
    if (mk == NULL)
        return;
    for (size_t i = 0; mk->cur && i < mk->n_terms; i++)
        fg_free(mk->cur[i].order);
    fg_free(mk->cur);
    fg_free(mk->theta);
    fg_free(mk->v);
    fg_free(mk->s2);
    fg_free(mk);
}

int fg_tune_mark_new(fg_tune_mark **out, const fg_tune *s,
                     const fg_tune_term *terms, size_t n_terms)
{
    fg_tune_mark *mk = fg_calloc(1, sizeof *mk);
    size_t P = s->P ? s->P : 1;
    int ok = mk != NULL;
    if (ok) {
        mk->P = s->P;
        mk->n_terms = n_terms;
        mk->theta = fg_malloc_array(P, sizeof(float));
        mk->v = fg_malloc_array(P, sizeof(float));
        mk->s2 = s->s2 ? fg_malloc_array(P, sizeof(float)) : NULL;
        mk->cur = fg_calloc(n_terms ? n_terms : 1, sizeof *mk->cur);
        ok = mk->theta && mk->v && (mk->s2 || !s->s2) && mk->cur;
    }
    for (size_t i = 0; ok && i < n_terms; i++) {
        mk->cur[i].n = terms[i].order ? terms[i].n : 0;
        if (mk->cur[i].n) {
            mk->cur[i].order = fg_malloc_array(mk->cur[i].n, sizeof(size_t));
            ok = mk->cur[i].order != NULL;
        }
    }
    if (!ok) {
        fg_tune_mark_free(mk);
        return fg_nomem("a fine-tuning mark");
    }
    fg_tune_mark_set(mk, s, terms, n_terms);
    *out = mk;
    return FORGET_OK;
}

void fg_tune_mark_set(fg_tune_mark *mk, const fg_tune *s,
                      const fg_tune_term *terms, size_t n_terms)
{
    memcpy(mk->theta, fg_model_theta_const(s->m), s->P * sizeof(float));
    memcpy(mk->v, s->v, s->P * sizeof(float));
    if (s->s2)
        memcpy(mk->s2, s->s2, s->P * sizeof(float));
    mk->t = s->t;
    mk->stats = s->stats;
    for (size_t i = 0; i < n_terms && i < mk->n_terms; i++) {
        if (mk->cur[i].n)
            memcpy(mk->cur[i].order, terms[i].order,
                   mk->cur[i].n * sizeof(size_t));
        mk->cur[i].pos = terms[i].pos;
        mk->cur[i].rng = terms[i].rng;
    }
}

void fg_tune_rewind(fg_tune *s, const fg_tune_mark *mk, fg_tune_term *terms,
                    size_t n_terms)
{
    memcpy(fg_model_theta(s->m), mk->theta, s->P * sizeof(float));
    memcpy(s->v, mk->v, s->P * sizeof(float));
    if (s->s2)
        memcpy(s->s2, mk->s2, s->P * sizeof(float));
    s->t = mk->t;
    s->stats = mk->stats;
    for (size_t i = 0; i < n_terms && i < mk->n_terms; i++) {
        if (mk->cur[i].n)
            memcpy(terms[i].order, mk->cur[i].order,
                   mk->cur[i].n * sizeof(size_t));
        terms[i].pos = mk->cur[i].pos;
        terms[i].rng = mk->cur[i].rng;
    }
}

size_t fg_tune_taken(const fg_tune *s)
{
    return s->t;
}

forget_model *fg_tune_model(const fg_tune *s)
{
    return s->m;
}

int fg_tune_end(fg_tune *s, int commit, fg_tune_stats *stats)
{
    if (s == NULL)
        return FORGET_OK;
    float *th = fg_model_theta(s->m);
    int rc = FORGET_OK;
    for (size_t i = 0; commit && i < s->P; i++)
        if (!isfinite(th[i])) {
            rc = fg_error(FORGET_E_NUMERIC, "fine-tuning: parameter %zu is "
                          "not finite after %zu steps (lower lr, or clip); "
                          "the model is unchanged", i, s->t);
            break;
        }
    if (!commit || rc != FORGET_OK)
        memcpy(th, s->keep, s->P * sizeof(float));
    if (stats)
        *stats = s->stats;
    fg_tune_free(s);
    return rc;
}

int fg_tune_run(forget_model *m, const fg_tune_cfg *c, fg_tune_term *terms,
                size_t n_terms, size_t steps, forget_run *run, double p0,
                double p1, fg_tune_stats *stats)
{
    fg_tune *s = NULL;
    int rc = fg_tune_begin(&s, m, c, steps);
    if (rc != FORGET_OK)
        return rc;
    rc = fg_tune_steps(s, terms, n_terms, steps, run, p0, p1);
    int end = fg_tune_end(s, rc == FORGET_OK, stats);
    return rc != FORGET_OK ? rc : end;
}
