/* Dense networks: the kinds "linear" (no hidden layer) and "mlp". Every
 * batch operation is a GEMM; the per-row squared (or absolute) gradients
 * of a layer are summed with one extra GEMM, (D o D)^T (A o A), since a
 * row's weight gradient is the outer product d_i a_i^T. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "util/alloc.h"
#include "util/error.h"
#include "util/rng.h"
#include "la/la.h"
#include "model/kernels.h"
#include "model/kinds.h"
#include "model/model.h"

#define FG_ACT_RELU 0
#define FG_ACT_TANH 1
#define FG_MAX_LAYERS 64
#define FG_MAX_WIDTH (1u << 24)

typedef struct fg_dense {
    int act;
    size_t n_layers; /* weight layers L; sizes has L + 1 entries */
    size_t sizes[FG_MAX_LAYERS + 1];
    size_t max_width;
    size_t hidden_sum; /* sizes[1] + ... + sizes[L-1] */
} fg_dense;

const forget_param_def fg_mlp_params[] = {
    {"layers", FORGET_PARAM_STRING, NULL, 0, -1, NULL,
     "layer widths from inputs to outputs, e.g. 784-256-128-10"},
    {"act", FORGET_PARAM_ENUM, "relu", 0, -1, "relu|tanh",
     "activation of the hidden layers"},
    {"task", FORGET_PARAM_ENUM, "classification", 0, -1,
     "classification|regression",
     "softmax cross-entropy over classes, or mean squared error"},
    {"seed", FORGET_PARAM_INT, "1", 0, 9.0e15, NULL,
     "seed of the initial weights, U(-1/sqrt(fan_in), 1/sqrt(fan_in))"},
};
const size_t fg_mlp_n_params = sizeof fg_mlp_params / sizeof *fg_mlp_params;

const forget_param_def fg_linear_params[] = {
    {"inputs", FORGET_PARAM_INT, NULL, 1, FG_MAX_WIDTH, NULL,
     "features per row"},
    {"outputs", FORGET_PARAM_INT, NULL, 1, FG_MAX_WIDTH, NULL,
     "classes, or regression targets"},
    {"task", FORGET_PARAM_ENUM, "classification", 0, -1,
     "classification|regression",
     "softmax regression (cross-entropy) or linear regression (MSE)"},
    {"seed", FORGET_PARAM_INT, "1", 0, 9.0e15, NULL,
     "seed of the initial weights, U(-1/sqrt(fan_in), 1/sqrt(fan_in))"},
};
const size_t fg_linear_n_params =
    sizeof fg_linear_params / sizeof *fg_linear_params;

/* "784-256-10" into sizes; FORGET_E_PARAM naming the problem. */
static int fg_parse_layers(const char *text, fg_dense *d)
{
    size_t count = 0;
    const char *p = text;
    for (;;) {
        size_t v = 0, digits = 0;
        while (*p >= '0' && *p <= '9' && digits < 9) {
            v = v * 10 + (size_t)(*p++ - '0');
            digits++;
        }
        if (digits == 0 || v == 0 || v > FG_MAX_WIDTH ||
            count == FG_MAX_LAYERS + 1)
            return fg_error(FORGET_E_PARAM, "parameter 'layers' of model kind "
                            "'mlp': '%.64s' is not 2 to %d widths of 1 to %u "
                            "joined by '-'", text, FG_MAX_LAYERS + 1,
                            FG_MAX_WIDTH);
        d->sizes[count++] = v;
        if (*p == '\0')
            break;
        if (*p++ != '-')
            return fg_error(FORGET_E_PARAM, "parameter 'layers' of model kind "
                            "'mlp': '%.64s' is not widths joined by '-'",
                            text);
    }
    if (count < 2)
        return fg_error(FORGET_E_PARAM, "parameter 'layers' of model kind "
                        "'mlp': '%.64s' needs at least inputs and outputs",
                        text);
    d->n_layers = count - 1;
    return FORGET_OK;
}

static void fg_dense_shape(fg_dense *d)
{
    d->max_width = 0;
    d->hidden_sum = 0;
    for (size_t l = 0; l <= d->n_layers; l++) {
        if (d->sizes[l] > d->max_width)
            d->max_width = d->sizes[l];
        if (l > 0 && l < d->n_layers)
            d->hidden_sum += d->sizes[l];
    }
}

/* Offsets of layer l's weight and bias in theta. */
static size_t fg_weight_offset(const fg_dense *d, size_t l, size_t *bias)
{
    size_t off = 0;
    for (size_t i = 0; i < l; i++)
        off += d->sizes[i + 1] * (d->sizes[i] + 1);
    if (bias)
        *bias = off + d->sizes[l + 1] * d->sizes[l];
    return off;
}

/* Floats of workspace for n rows: hidden activations, then 4 scratch
 * buffers of n * max_width for the backward pass. */
static size_t fg_dense_ws_floats(const fg_dense *d, size_t n)
{
    return n * (d->hidden_sum + 4 * d->max_width);
}

static int fg_dense_forward(const forget_model *m, fg_workspace *ws,
                            const float *x, size_t n, float *out)
{
    const fg_dense *d = m->impl;
    float *w = fg_workspace_get(ws, fg_dense_ws_floats(d, n));
    if (w == NULL)
        return fg_error(FORGET_E_NOMEM, "out of memory for the activations "
                        "of %zu rows", n);
    const float *a = x;
    for (size_t l = 0; l < d->n_layers; l++) {
        size_t in = d->sizes[l], o = d->sizes[l + 1], boff;
        size_t woff = fg_weight_offset(d, l, &boff);
        int last = l + 1 == d->n_layers;
        float *z = last ? out : w;
        const float *bias = m->theta + boff;
        for (size_t i = 0; i < n; i++)
            memcpy(z + i * o, bias, o * sizeof *z);
        fg_sgemm(0, 1, n, o, in, 1.0f, a, in, m->theta + woff, in, 1.0f, z,
                 o);
        if (!last) {
            size_t cells = n * o;
            if (d->act == FG_ACT_RELU) {
                fg_k_relu(z, cells);
            } else {
                for (size_t i = 0; i < cells; i++)
                    z[i] = tanhf(z[i]);
            }
            a = z;
            w += cells;
        }
    }
    return FORGET_OK;
}

/* dst = f(src) elementwise for the accumulation mode. */
static const float *fg_transform(int mode, const float *src, size_t cells,
                                 float *dst)
{
    if (mode == FG_ACC_GRAD)
        return src;
    if (mode == FG_ACC_SQ)
        fg_k_square(dst, src, cells);
    else
        fg_k_abs(dst, src, cells);
    return dst;
}

static int fg_dense_backward(const forget_model *m, fg_workspace *ws,
                             const float *x, const float *dz, size_t n,
                             int mode, float scale, float *acc)
{
    const fg_dense *d = m->impl;
    if (ws->cap < fg_dense_ws_floats(d, n))
        return fg_error(FORGET_E_INTERNAL, "dense backward without forward");
    float *hidden = ws->buf, *scratch = hidden + n * d->hidden_sum;
    size_t span = n * d->max_width;
    float *dbuf[2] = {scratch, scratch + span};
    float *tdel = scratch + 2 * span, *tact = scratch + 3 * span;
    const float *delta = dz;
    size_t hidden_end = d->hidden_sum * n;
    for (size_t l = d->n_layers; l-- > 0;) {
        size_t in = d->sizes[l], o = d->sizes[l + 1], boff;
        size_t woff = fg_weight_offset(d, l, &boff);
        const float *a_prev = x;
        if (l > 0) {
            hidden_end -= n * in;
            a_prev = hidden + hidden_end;
        }
        const float *td = fg_transform(mode, delta, n * o, tdel);
        const float *ta = fg_transform(mode, a_prev, n * in, tact);
        fg_sgemm(1, 0, o, in, n, scale, td, o, ta, in, 1.0f, acc + woff, in);
        fg_k_colsum(acc + boff, td, n, o, scale);
        if (l == 0)
            break;
        float *next = dbuf[l & 1];
        fg_sgemm(0, 0, n, in, o, 1.0f, delta, o, m->theta + woff, in, 0.0f,
                 next, in);
        if (d->act == FG_ACT_RELU)
            fg_k_relu_mask(next, a_prev, n * in);
        else
            fg_k_tanh_mask(next, a_prev, n * in);
        delta = next;
    }
    return FORGET_OK;
}

/* Forward mode (the jvp op): the forward pass, and beside it the
 * tangents t_l = dW_l a_{l-1} + db_l + W_l t_{l-1} (t_0 = 0: the inputs
 * do not move), each through the activation's derivative (relu: where
 * the activation is positive; tanh: 1 - a^2). The hidden activations
 * land where forward puts them, so backward may follow. */
static int fg_dense_jvp(const forget_model *m, fg_workspace *ws,
                        fg_workspace *tws, const float *v, const float *x,
                        size_t n, float *out, float *tout)
{
    const fg_dense *d = m->impl;
    float *w = fg_workspace_get(ws, fg_dense_ws_floats(d, n));
    float *tb = fg_workspace_get(tws, 2 * n * d->max_width);
    if (w == NULL || tb == NULL)
        return fg_error(FORGET_E_NOMEM, "out of memory for the activations "
                        "and tangents of %zu rows", n);
    const float *a = x, *ta = NULL;
    for (size_t l = 0; l < d->n_layers; l++) {
        size_t in = d->sizes[l], o = d->sizes[l + 1], boff;
        size_t woff = fg_weight_offset(d, l, &boff);
        int last = l + 1 == d->n_layers;
        float *z = last ? out : w;
        float *tz = last ? tout : tb + (l & 1) * n * d->max_width;
        for (size_t i = 0; i < n; i++) {
            memcpy(z + i * o, m->theta + boff, o * sizeof *z);
            memcpy(tz + i * o, v + boff, o * sizeof *tz);
        }
        fg_sgemm(0, 1, n, o, in, 1.0f, a, in, m->theta + woff, in, 1.0f, z,
                 o);
        fg_sgemm(0, 1, n, o, in, 1.0f, a, in, v + woff, in, 1.0f, tz, o);
        if (ta)
            fg_sgemm(0, 1, n, o, in, 1.0f, ta, in, m->theta + woff, in,
                     1.0f, tz, o);
        if (!last) {
            size_t cells = n * o;
            if (d->act == FG_ACT_RELU) {
                fg_k_relu(z, cells);
                fg_k_relu_mask(tz, z, cells);
            } else {
                for (size_t i = 0; i < cells; i++)
                    z[i] = tanhf(z[i]);
                fg_k_tanh_mask(tz, z, cells);
            }
            a = z;
            ta = tz;
            w += cells;
        }
    }
    return FORGET_OK;
}

static int fg_dense_affine(const forget_model *m)
{
    const fg_dense *d = m->impl;
    return d->n_layers == 1;
}

static int fg_dense_clone(const forget_model *m, void **impl)
{
    fg_dense *c = fg_malloc(sizeof *c);
    if (c == NULL)
        return fg_nomem("a model");
    memcpy(c, m->impl, sizeof *c);
    *impl = c;
    return FORGET_OK;
}

static void fg_dense_destroy(void *impl) { fg_free(impl); }

static size_t fg_dense_ws_of(const forget_model *m, size_t n)
{
    return fg_dense_ws_floats(m->impl, n);
}

static const fg_model_ops fg_dense_ops = {
    .sgd = 1,
    .ws_floats = fg_dense_ws_of,
    .forward = fg_dense_forward,
    .backward = fg_dense_backward,
    .clone_impl = fg_dense_clone,
    .destroy_impl = fg_dense_destroy,
    .concurrent = 1,
    .jvp = fg_dense_jvp,
    .affine = fg_dense_affine,
};

/* U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weights and biases, layer by
 * layer, weights first (PyTorch's nn.Linear default distribution). */
static void fg_dense_init(forget_model *m, const fg_dense *d, uint64_t seed)
{
    fg_rng rng;
    fg_rng_seed(&rng, seed);
    size_t p = 0;
    for (size_t l = 0; l < d->n_layers; l++) {
        double bound = 1.0 / sqrt((double)d->sizes[l]);
        size_t count = d->sizes[l + 1] * (d->sizes[l] + 1);
        for (size_t i = 0; i < count; i++)
            m->theta[p++] = (float)((2.0 * fg_rng_uniform(&rng) - 1.0) *
                                    bound);
    }
}

static int fg_dense_text(forget_model *m, const char *kind, const fg_dense *d,
                         int64_t seed)
{
    char buf[1024];
    size_t used = 0;
    const char *task = m->task == FORGET_TASK_REGRESSION ? "regression"
                                                         : "classification";
    if (!strcmp(kind, "linear")) {
        used = (size_t)snprintf(buf, sizeof buf, "inputs=%zu outputs=%zu "
                                "task=%s seed=%lld", d->sizes[0], d->sizes[1],
                                task, (long long)seed);
    } else {
        used = (size_t)snprintf(buf, sizeof buf, "layers=");
        for (size_t l = 0; l <= d->n_layers; l++)
            used += (size_t)snprintf(buf + used, sizeof buf - used, "%s%zu",
                                     l ? "-" : "", d->sizes[l]);
        snprintf(buf + used, sizeof buf - used, " act=%s task=%s seed=%lld",
                 d->act == FG_ACT_TANH ? "tanh" : "relu", task,
                 (long long)seed);
    }
    m->params_text = fg_strdup(buf);
    return m->params_text ? FORGET_OK : fg_nomem("a model's parameters");
}

/* The shape, activation, task and seed the parameters describe, and the
 * parameter count, without allocating anything. */
static int fg_dense_config(const char *kind, const forget_params *p,
                           fg_dense *d, size_t *task, int64_t *seed,
                           size_t *n_params)
{
    memset(d, 0, sizeof *d);
    size_t act = 0;
    if (!strcmp(kind, "linear")) {
        int64_t in = 0, o = 0;
        forget_params_int(p, "inputs", &in);
        forget_params_int(p, "outputs", &o);
        d->n_layers = 1;
        d->sizes[0] = (size_t)in;
        d->sizes[1] = (size_t)o;
    } else {
        const char *layers = "";
        forget_params_string(p, "layers", &layers);
        forget_params_enum(p, "act", &act);
        int rc = fg_parse_layers(layers, d);
        if (rc != FORGET_OK)
            return rc;
    }
    forget_params_enum(p, "task", task);
    forget_params_int(p, "seed", seed);
    d->act = act == 1 ? FG_ACT_TANH : FG_ACT_RELU;
    fg_dense_shape(d);
    *n_params = 0;
    for (size_t l = 0; l < d->n_layers; l++) {
        size_t count;
        if (fg_mul_size(d->sizes[l + 1], d->sizes[l] + 1, &count) != 0 ||
            *n_params > SIZE_MAX / sizeof(float) - count)
            return fg_error(FORGET_E_PARAM, "model kind '%s': the layers "
                            "hold too many parameters", kind);
        *n_params += count;
    }
    return FORGET_OK;
}

int fg_dense_count(const char *kind, const forget_params *p, size_t *n)
{
    fg_dense d;
    size_t task;
    int64_t seed;
    return fg_dense_config(kind, p, &d, &task, &seed, n);
}

int fg_dense_create(forget_model **out, const char *kind,
                    const forget_params *p)
{
    fg_dense d;
    size_t task = 0, n_params = 0;
    int64_t seed = 1;
    int rc = fg_dense_config(kind, p, &d, &task, &seed, &n_params);
    if (rc != FORGET_OK)
        return rc;
    forget_model *m = NULL;
    rc = fg_model_alloc(&m, &fg_dense_ops, kind, n_params, 2 * d.n_layers);
    if (rc != FORGET_OK)
        return rc;
    m->task = task == 1 ? FORGET_TASK_REGRESSION : FORGET_TASK_CLASSIFICATION;
    m->inputs = d.sizes[0];
    m->outputs = d.sizes[d.n_layers];
    for (size_t l = 0; l < d.n_layers; l++) {
        size_t boff, woff = fg_weight_offset(&d, l, &boff);
        fg_block *bw = &m->blocks[2 * l], *bb = &m->blocks[2 * l + 1];
        snprintf(bw->name, sizeof bw->name, "dense%u.weight", (unsigned)l);
        bw->offset = woff;
        bw->size = d.sizes[l + 1] * d.sizes[l];
        bw->rows = d.sizes[l + 1];
        bw->cols = d.sizes[l];
        snprintf(bb->name, sizeof bb->name, "dense%u.bias", (unsigned)l);
        bb->offset = boff;
        bb->size = d.sizes[l + 1];
    }
    fg_dense_init(m, &d, (uint64_t)seed);
    rc = fg_dense_text(m, kind, &d, seed);
    if (rc == FORGET_OK) {
        m->impl = fg_malloc(sizeof d);
        if (m->impl == NULL)
            rc = fg_nomem("a model");
        else
            memcpy(m->impl, &d, sizeof d);
    }
    if (rc != FORGET_OK) {
        fg_model_discard(m);
        return rc;
    }
    *out = m;
    return FORGET_OK;
}
