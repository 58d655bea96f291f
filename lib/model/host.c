/* Host models: outputs and per-row gradients come from the host's
 * callbacks; the library keeps the parameters. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "util/alloc.h"
#include "util/error.h"
#include "util/runtime.h"
#include "model/model.h"

#define FG_HOST_ROWS 256

typedef struct fg_host {
    forget_host_model cb; /* normalised copy; params pointer unused */
} fg_host;

static int fg_host_status(int rc, const char *which)
{
    if (rc == FORGET_OK)
        return FORGET_OK;
    if (rc > 0 || rc < FORGET_E_INTERNAL)
        return fg_error(FORGET_E_INTERNAL, "the host model's %s callback "
                        "returned the unknown status %d", which, rc);
    if (forget_last_error_code() != rc)
        fg_error(rc, "the host model's %s callback failed: %s", which,
                 forget_strerror(rc));
    return rc;
}

static int fg_host_forward(const forget_model *m, fg_workspace *ws,
                           const float *x, size_t n, float *out)
{
    (void)ws;
    const fg_host *h = m->impl;
    forget_set_error(FORGET_OK, "");
    int rc = fg_host_status(h->cb.forward(m->theta, x, n, out,
                                          h->cb.user_data), "forward");
    for (size_t i = 0; rc == FORGET_OK && i < n * m->outputs; i++)
        if (!isfinite(out[i]))
            rc = fg_error(FORGET_E_NUMERIC, "the host model's forward "
                          "callback gave a non-finite output for row %zu",
                          i / m->outputs);
    return rc;
}

static int fg_host_backward(const forget_model *m, fg_workspace *ws,
                            const float *x, const float *dz, size_t n,
                            int mode, float scale, float *acc)
{
    const fg_host *h = m->impl;
    size_t p = m->n_params;
    float *g = fg_workspace_get(ws, n * p);
    if (g == NULL)
        return fg_error(FORGET_E_NOMEM, "out of memory for %zu per-row "
                        "gradients of %zu parameters", n, p);
    forget_set_error(FORGET_OK, "");
    int rc = fg_host_status(h->cb.backward(m->theta, x, dz, n, g,
                                           h->cb.user_data), "backward");
    if (rc != FORGET_OK)
        return rc;
    for (size_t i = 0; i < n; i++) {
        const float *gi = g + i * p;
        for (size_t j = 0; j < p; j++) {
            float v = gi[j];
            if (mode == FG_ACC_SQ)
                v *= v;
            else if (mode == FG_ACC_ABS)
                v = fabsf(v);
            acc[j] += scale * v;
        }
    }
    return FORGET_OK;
}

static int fg_host_clone(const forget_model *m, void **impl)
{
    fg_host *c = fg_malloc(sizeof *c);
    if (c == NULL)
        return fg_nomem("a host model");
    memcpy(c, m->impl, sizeof *c);
    *impl = c;
    return FORGET_OK;
}

static void fg_host_destroy(void *impl) { fg_free(impl); }

/* The per-row gradients of the backward pass. */
static size_t fg_host_ws_of(const forget_model *m, size_t n)
{
    return n * m->n_params;
}

static const fg_model_ops fg_host_ops = {
    .sgd = 1,
    .ws_floats = fg_host_ws_of,
    .forward = fg_host_forward,
    .backward = fg_host_backward,
    .clone_impl = fg_host_clone,
    .destroy_impl = fg_host_destroy,
    .max_rows = FG_HOST_ROWS,
};

int forget_model_create_host(forget_model **out, const forget_host_model *host)
{
    FG_CHECK_ARG(out);
    FG_CHECK_ARG(host);
    int rc = fg_require_init(__func__);
    if (rc != FORGET_OK)
        return rc;
    if (host->struct_size < offsetof(forget_host_model, user_data))
        return fg_error(FORGET_E_VERSION, "%s: struct_size %zu is smaller "
                        "than this ABI's minimum", __func__,
                        host->struct_size);
    if (!host->forward || !host->backward || !host->params ||
        host->inputs == 0 || host->outputs == 0 || host->n_params == 0 ||
        (host->task != FORGET_TASK_CLASSIFICATION &&
         host->task != FORGET_TASK_REGRESSION))
        return fg_error(FORGET_E_INVALID, "%s: give forward, backward, "
                        "params, a task and nonzero inputs, outputs and "
                        "n_params", __func__);
    if (host->n_params > SIZE_MAX / sizeof(float) / FG_HOST_ROWS)
        return fg_error(FORGET_E_INVALID, "%s: %zu parameters are too many",
                        __func__, host->n_params);
    for (size_t i = 0; i < host->n_params; i++)
        if (!isfinite(host->params[i]))
            return fg_error(FORGET_E_INVALID, "%s: parameter %zu is not "
                            "finite", __func__, i);
    forget_model *m = NULL;
    rc = fg_model_alloc(&m, &fg_host_ops, "host", host->n_params, 1);
    if (rc != FORGET_OK)
        return rc;
    fg_host *h = fg_calloc(1, sizeof *h);
    m->params_text = fg_strdup("");
    if (h == NULL || m->params_text == NULL) {
        fg_free(h);
        fg_model_discard(m);
        return fg_nomem("a host model");
    }
    size_t copy = host->struct_size < sizeof h->cb ? host->struct_size
                                                   : sizeof h->cb;
    memcpy(&h->cb, host, copy);
    h->cb.params = NULL;
    m->impl = h;
    m->task = host->task;
    m->inputs = host->inputs;
    m->outputs = host->outputs;
    memcpy(m->theta, host->params, host->n_params * sizeof(float));
    snprintf(m->blocks[0].name, sizeof m->blocks[0].name, "host");
    m->blocks[0].offset = 0;
    m->blocks[0].size = host->n_params;
    fg_model_publish(m);
    *out = m;
    return FORGET_OK;
}
