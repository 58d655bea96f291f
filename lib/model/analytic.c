/* The analytic kind: a frozen feature map phi (identity; a seeded random
 * ReLU layer of width B; or the hidden layers of a trained mlp), a
 * constant 1 appended (bias=true), and a ridge head fitted in closed form
 * in float64: W = (Phi^T Phi + gamma I)^-1 Phi^T Y. The head is kept in
 * float64 (the master, k x d) and mirrored in the float32 parameters. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "util/alloc.h"
#include "format/container.h"
#include "util/error.h"
#include "util/limits.h"
#include "util/number.h"
#include "util/params.h"
#include "util/runtime.h"
#include "data/dataset.h"
#include "la/la.h"
#include "model/kernels.h"
#include "model/kinds.h"
#include "model/model.h"

#define FG_MAP_IDENTITY 0
#define FG_MAP_RANDOM 1
#define FG_MAP_TRUNK 2
#define FG_AN_CHUNK 1024

const forget_param_def fg_analytic_params[] = {
    {"inputs", FORGET_PARAM_INT, "0", 0, 1 << 24, NULL,
     "features per row (identity and random maps; the trunk gives its own)"},
    {"outputs", FORGET_PARAM_INT, NULL, 1, 1 << 20, NULL,
     "classes (one-hot targets), or regression targets"},
    {"features", FORGET_PARAM_ENUM, "identity", 0, -1,
     "identity|random|trunk",
     "the frozen feature map: the inputs, a seeded random ReLU layer, or "
     "the hidden layers of an mlp (forget_model_create_trunk)"},
    {"width", FORGET_PARAM_INT, "2048", 1, 1 << 20, NULL,
     "width B of the random layer"},
    {"trunk", FORGET_PARAM_STRING, "", 0, -1, NULL,
     "layer widths of the trunk, inputs to last hidden (features=trunk)"},
    {"act", FORGET_PARAM_ENUM, "relu", 0, -1, "relu|tanh",
     "activation after the random layer and the trunk"},
    {"gamma", FORGET_PARAM_DOUBLE, "1", 1e-12, 1e12, NULL,
     "ridge penalty: W = (Phi^T Phi + gamma I)^-1 Phi^T Y"},
    {"task", FORGET_PARAM_ENUM, "classification", 0, -1,
     "classification|regression", "one-hot class targets, or real targets"},
    {"seed", FORGET_PARAM_INT, "1", 0, 9.0e15, NULL,
     "seed of the random layer"},
    {"bias", FORGET_PARAM_BOOL, "true", 0, -1, NULL,
     "append a constant 1 to the features"},
};
const size_t fg_analytic_n_params =
    sizeof fg_analytic_params / sizeof *fg_analytic_params;

typedef struct fg_analytic {
    int map, relu, bias;
    size_t in, width; /* width: the map's outputs */
    size_t d, k;      /* feature dim (width + bias), outputs */
    double gamma;
    forget_model *inner; /* random: linear in->width; trunk: mlp */
    double *mw;          /* the inner model's parameters in float64 */
    double *head;        /* k x d */
} fg_analytic;

typedef struct fg_an_config {
    fg_analytic a;
    int64_t seed;
    const char *trunk;
    size_t task;
} fg_an_config;

static int fg_an_config_read(const forget_params *p, fg_an_config *c)
{
    int64_t in, k, width, seed;
    size_t map, act, task;
    int bias;
    memset(c, 0, sizeof *c);
    forget_params_int(p, "inputs", &in);
    forget_params_int(p, "outputs", &k);
    forget_params_enum(p, "features", &map);
    forget_params_int(p, "width", &width);
    forget_params_string(p, "trunk", &c->trunk);
    forget_params_enum(p, "act", &act);
    forget_params_double(p, "gamma", &c->a.gamma);
    forget_params_enum(p, "task", &task);
    forget_params_int(p, "seed", &seed);
    forget_params_bool(p, "bias", &bias);
    c->a.map = (int)map;
    c->a.relu = act == 0;
    c->a.bias = bias;
    c->a.k = (size_t)k;
    c->seed = seed;
    c->task = task;
    if (map == FG_MAP_TRUNK) {
        /* inputs and width come from the trunk's widths. */
        const char *t = c->trunk, *last = t;
        if (*t == '\0')
            return fg_error(FORGET_E_PARAM, "model kind 'analytic': "
                            "features=trunk needs trunk=INPUTS-...-WIDTH");
        for (const char *q = t; *q; q++)
            if (*q == '-')
                last = q + 1;
        size_t first_len = strcspn(t, "-");
        if (fg_parse_int64(t, first_len, &in) != FG_NUM_OK ||
            fg_parse_int64(last, strlen(last), &width) != FG_NUM_OK)
            in = width = 0;
        if (in <= 0 || width <= 0 || last == t)
            return fg_error(FORGET_E_PARAM, "model kind 'analytic': trunk "
                            "'%.64s' needs at least two widths", t);
    } else if (in == 0) {
        return fg_error(FORGET_E_PARAM, "model kind 'analytic': parameter "
                        "'inputs' is required for features=%s",
                        map == FG_MAP_RANDOM ? "random" : "identity");
    }
    c->a.in = (size_t)in;
    c->a.width = map == FG_MAP_IDENTITY ? (size_t)in : (size_t)width;
    c->a.d = c->a.width + (size_t)(bias != 0);
    return FORGET_OK;
}

int fg_analytic_count(const char *kind, const forget_params *p, size_t *n)
{
    (void)kind;
    fg_an_config c;
    int rc = fg_an_config_read(p, &c);
    if (rc != FORGET_OK)
        return rc;
    if (fg_mul_size(c.a.k, c.a.d, n) != 0 || c.a.d > fg_la_max_dim() / 8)
        return fg_error(FORGET_E_PARAM, "model kind 'analytic': %zu x %zu "
                        "is too large", c.a.k, c.a.d);
    return FORGET_OK;
}

int fg_is_analytic(const forget_model *m) { return !strcmp(m->kind, "analytic"); }

size_t fg_analytic_dim(const forget_model *m)
{
    return ((const fg_analytic *)m->impl)->d;
}

double fg_analytic_gamma(const forget_model *m)
{
    return ((const fg_analytic *)m->impl)->gamma;
}

/* Copy the float64 head into the float32 parameters. */
static void fg_analytic_sync(forget_model *m)
{
    const fg_analytic *a = m->impl;
    for (size_t i = 0; i < a->k * a->d; i++)
        m->theta[i] = (float)a->head[i];
}

void fg_analytic_get_head(const forget_model *m, double *dst)
{
    const fg_analytic *a = m->impl;
    memcpy(dst, a->head, a->k * a->d * sizeof(double));
}

int fg_analytic_head_is(const forget_model *m, const double *w)
{
    const fg_analytic *a = m->impl;
    return memcmp(a->head, w, a->k * a->d * sizeof(double)) == 0;
}

void fg_analytic_set_head(forget_model *m, const double *src)
{
    fg_analytic *a = m->impl;
    memcpy(a->head, src, a->k * a->d * sizeof(double));
    fg_analytic_sync(m);
}

/* The feature map runs in float64 on a float64 copy of its weights:
 * float32 GEMMs give a row results that depend on how many rows share the
 * call (OpenBLAS switches kernels), which would break exactness between a
 * request and a refit; in float64 the difference is at 1e-16. */
static int fg_an_cache(fg_analytic *a)
{
    if (a->inner == NULL)
        return FORGET_OK;
    double *mw = fg_malloc_array(a->inner->n_params, sizeof(double));
    if (mw == NULL)
        return fg_nomem("the feature map");
    for (size_t i = 0; i < a->inner->n_params; i++)
        mw[i] = a->inner->theta[i];
    fg_free(a->mw);
    a->mw = mw;
    return FORGET_OK;
}

int fg_analytic_features(const forget_model *m, const float *x, size_t n,
                         double *phi, fg_dwork *scratch)
{
    const fg_analytic *a = m->impl;
    size_t d = a->d, w = a->width;
    if (a->inner == NULL) {
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < w; j++)
                phi[i * d + j] = x[i * w + j];
    } else {
        /* Widths of the inner layers, read off its blocks. */
        const forget_model *in = a->inner;
        size_t widest = a->in;
        for (size_t b = 1; b < in->n_blocks; b += 2)
            widest = in->blocks[b].size > widest ? in->blocks[b].size : widest;
        fg_dwork local = {NULL, 0};
        fg_dwork *wk = scratch ? scratch : &local;
        size_t span = (n ? n : 1) * widest;
        double *cur = fg_dwork_get(wk, 2 * span);
        if (cur == NULL)
            return fg_nomem("features");
        double *nxt = cur + span;
        for (size_t i = 0; i < n * a->in; i++)
            cur[i] = x[i];
        size_t width_in = a->in;
        for (size_t b = 0; b < in->n_blocks; b += 2) {
            size_t out = in->blocks[b + 1].size;
            int last = b + 2 == in->n_blocks;
            /* The last layer writes straight into phi (row stride d). */
            double *dst = last ? phi : nxt;
            size_t ld = last ? d : out;
            const double *wgt = a->mw + in->blocks[b].offset;
            const double *bias = a->mw + in->blocks[b + 1].offset;
            if (n <= 4) /* a GEMM would pack all the weights first */
                for (size_t i = 0; i < n; i++)
                    fg_dgemv(0, out, width_in, 1.0, wgt, width_in,
                             cur + i * width_in, 0.0, dst + i * ld);
            else
                fg_dgemm(0, 1, n, out, width_in, 1.0, cur, width_in, wgt,
                         width_in, 0.0, dst, ld);
            for (size_t i = 0; i < n; i++) {
                double *row = dst + i * ld;
                if (a->relu)
                    for (size_t j = 0; j < out; j++) {
                        double v = row[j] + bias[j];
                        row[j] = v > 0.0 ? v : 0.0;
                    }
                else
                    for (size_t j = 0; j < out; j++)
                        row[j] = tanh(row[j] + bias[j]);
            }
            double *t = cur;
            cur = nxt;
            nxt = t;
            width_in = out;
        }
        fg_dwork_free(&local);
    }
    if (a->bias)
        for (size_t i = 0; i < n; i++)
            phi[i * d + w] = 1.0;
    return FORGET_OK;
}

/* phi as floats, for the gradient passes. */
static int fg_an_phi(const forget_model *m, const float *x, size_t n,
                     float *phi)
{
    const fg_analytic *a = m->impl;
    double *p = fg_malloc_array(n ? n : 1, a->d * sizeof(double));
    if (p == NULL)
        return fg_nomem("features");
    int rc = fg_analytic_features(m, x, n, p, NULL);
    for (size_t i = 0; rc == FORGET_OK && i < n * a->d; i++)
        phi[i] = (float)p[i];
    fg_free(p);
    return rc;
}

void fg_analytic_targets(const forget_model *m, const forget_dataset *ds,
                         size_t b, size_t e, double *y)
{
    size_t k = m->outputs;
    for (size_t r = b; r < e; r++) {
        double *yr = y + (r - b) * k;
        if (ds->labels) {
            memset(yr, 0, k * sizeof *yr);
            yr[ds->labels[r]] = 1.0;
        } else {
            for (size_t j = 0; j < k; j++)
                yr[j] = ds->targets[r * k + j];
        }
    }
}

int fg_analytic_stats(const forget_model *m, const forget_dataset *ds,
                      double *g, double *bt, forget_run *run)
{
    size_t d = fg_analytic_dim(m), k = m->outputs;
    double *phi = fg_malloc_array(FG_AN_CHUNK, d * sizeof(double));
    double *y = fg_malloc_array(FG_AN_CHUNK, k * sizeof(double));
    float *xb = ds->x8 ? fg_malloc_array(FG_AN_CHUNK, ds->d * sizeof(float))
                       : NULL;
    fg_dwork scratch = {NULL, 0};
    int rc = phi && y && (xb || !ds->x8) ? FORGET_OK
                                         : fg_nomem("a chunk of features");
    for (size_t b = 0; rc == FORGET_OK && b < ds->n; b += FG_AN_CHUNK) {
        size_t e = ds->n - b < FG_AN_CHUNK ? ds->n : b + FG_AN_CHUNK;
        rc = fg_analytic_features(m, fg_dataset_rows(ds, b, e, xb), e - b,
                                  phi, &scratch);
        if (rc != FORGET_OK)
            break;
        fg_analytic_targets(m, ds, b, e, y);
        fg_dsyrk(1, d, e - b, 1.0, phi, d, 1.0, g, d);
        fg_dgemm(1, 0, k, d, e - b, 1.0, y, k, phi, d, 1.0, bt, d);
        if (run)
            rc = forget_run_progress(run, (double)e / (double)ds->n);
    }
    fg_free(phi);
    fg_free(y);
    fg_free(xb);
    fg_dwork_free(&scratch);
    return rc;
}

/* ---- model ops ---- */

static int fg_an_forward(const forget_model *m, fg_workspace *ws,
                         const float *x, size_t n, float *out)
{
    const fg_analytic *a = m->impl;
    float *phi = fg_workspace_get(ws, 2 * n * a->d);
    if (phi == NULL)
        return fg_error(FORGET_E_NOMEM, "out of memory for the features of "
                        "%zu rows", n);
    int rc = fg_an_phi(m, x, n, phi);
    if (rc == FORGET_OK)
        fg_sgemm(0, 1, n, a->k, a->d, 1.0f, phi, a->d, m->theta, a->d, 0.0f,
                 out, a->k);
    return rc;
}

/* Gradients of the head only: the feature map is frozen. */
static int fg_an_backward(const forget_model *m, fg_workspace *ws,
                          const float *x, const float *dz, size_t n, int mode,
                          float scale, float *acc)
{
    (void)x;
    const fg_analytic *a = m->impl;
    if (ws->cap < 2 * n * a->d)
        return fg_error(FORGET_E_INTERNAL, "analytic backward without "
                        "forward");
    float *phi = ws->buf, *tphi = phi + n * a->d;
    float *tdz = fg_malloc_array(n ? n : 1, a->k * sizeof(float));
    if (tdz == NULL)
        return fg_nomem("gradients");
    const float *td = dz, *tp = phi;
    if (mode != FG_ACC_GRAD) {
        if (mode == FG_ACC_SQ) {
            fg_k_square(tdz, dz, n * a->k);
            fg_k_square(tphi, phi, n * a->d);
        } else {
            fg_k_abs(tdz, dz, n * a->k);
            fg_k_abs(tphi, phi, n * a->d);
        }
        td = tdz;
        tp = tphi;
    }
    fg_sgemm(1, 0, a->k, a->d, n, scale, td, a->k, tp, a->d, 1.0f, acc, a->d);
    fg_free(tdz);
    return FORGET_OK;
}

static void fg_an_destroy(void *impl)
{
    fg_analytic *a = impl;
    if (a == NULL)
        return;
    fg_model_discard(a->inner);
    fg_free(a->mw);
    fg_free(a->head);
    fg_free(a);
}

static int fg_an_clone(const forget_model *m, void **impl)
{
    const fg_analytic *a = m->impl;
    fg_analytic *c = fg_calloc(1, sizeof *c);
    if (c == NULL)
        return fg_nomem("a model");
    *c = *a;
    c->inner = NULL;
    c->mw = NULL;
    c->head = fg_malloc_array(a->k * a->d, sizeof(double));
    int rc = c->head ? FORGET_OK : fg_nomem("a model's head");
    if (rc == FORGET_OK) {
        memcpy(c->head, a->head, a->k * a->d * sizeof(double));
        if (a->inner) {
            rc = fg_model_clone_raw(&c->inner, a->inner);
            if (rc == FORGET_OK)
                rc = fg_an_cache(c);
        }
    }
    if (rc != FORGET_OK) {
        fg_an_destroy(c);
        return rc;
    }
    *impl = c;
    return FORGET_OK;
}

/* Closed-form fit, for forget_model_train. */
static int fg_an_fit(forget_model *m, const forget_dataset *ds)
{
    fg_analytic *a = m->impl;
    size_t d = a->d, k = a->k;
    double *g = fg_calloc(d * d, sizeof(double));
    double *bt = fg_calloc(k * d, sizeof(double));
    int rc = g && bt ? FORGET_OK : fg_nomem("the Gram matrix");
    if (rc == FORGET_OK)
        rc = fg_analytic_stats(m, ds, g, bt, NULL);
    if (rc == FORGET_OK) {
        for (size_t i = 0; i < d; i++)
            g[i * d + i] += a->gamma;
        if (fg_dpotrf(d, g, d) != 0 || fg_dpotrs_rows(d, k, g, d, bt, d) != 0)
            rc = fg_error(FORGET_E_NUMERIC, "analytic fit: the regularised "
                          "Gram matrix is not positive definite");
    }
    if (rc == FORGET_OK) {
        memcpy(a->head, bt, k * d * sizeof(double));
        fg_analytic_sync(m);
    }
    fg_free(g);
    fg_free(bt);
    return rc;
}

/* File sections: HEAD (float64 head) and, for a trunk, TRNK (its float32
 * parameters). */
static int fg_an_save(const forget_model *m, forget_writer *w)
{
    const fg_analytic *a = m->impl;
    int rc = forget_writer_section(w, "HEAD", FORGET_SECTION_REQUIRED,
                                   a->head, a->k * a->d * sizeof(double));
    if (rc == FORGET_OK && a->map == FG_MAP_TRUNK)
        rc = forget_writer_section(w, "TRNK", FORGET_SECTION_REQUIRED,
                                   a->inner->theta,
                                   a->inner->n_params * sizeof(float));
    return rc;
}

static int fg_an_load(forget_model *m, const char *tag, const void *data,
                      size_t size)
{
    fg_analytic *a = m->impl;
    if (tag == NULL) { /* the float32 weights were just loaded */
        for (size_t i = 0; i < a->k * a->d; i++)
            a->head[i] = m->theta[i];
        return 1;
    }
    if (!strcmp(tag, "HEAD")) {
        if (size != a->k * a->d * sizeof(double))
            return fg_error(FORGET_E_FORMAT, "section HEAD holds %zu bytes, "
                            "the model needs %zu", size,
                            a->k * a->d * sizeof(double));
        fg_get_f64s(a->head, data, a->k * a->d);
        for (size_t i = 0; i < a->k * a->d; i++)
            if (!isfinite(a->head[i]))
                return fg_error(FORGET_E_FORMAT, "head weight %zu is not "
                                "finite", i);
        fg_analytic_sync(m);
        return 1;
    }
    if (!strcmp(tag, "TRNK") && a->map == FG_MAP_TRUNK) {
        if (size != a->inner->n_params * sizeof(float))
            return fg_error(FORGET_E_FORMAT, "section TRNK holds %zu bytes, "
                            "the trunk needs %zu", size,
                            a->inner->n_params * sizeof(float));
        fg_get_f32s(a->inner->theta, data, a->inner->n_params);
        for (size_t i = 0; i < a->inner->n_params; i++)
            if (!isfinite(a->inner->theta[i]))
                return fg_error(FORGET_E_FORMAT, "trunk weight %zu is not "
                                "finite", i);
        int rc = fg_an_cache(a);
        return rc == FORGET_OK ? 1 : rc;
    }
    return 0;
}

/* The float64 head, and the trunk's weights (a random map follows from
 * the parameters already digested). */
static void fg_an_digest(const forget_model *m, fg_sha256 *c)
{
    const fg_analytic *a = m->impl;
    fg_digest_words(c, a->head, a->k * a->d, sizeof(double));
    if (a->map == FG_MAP_TRUNK)
        fg_model_digest_update(a->inner, c);
}

static const fg_model_ops fg_analytic_ops = {
    .forward = fg_an_forward,
    .backward = fg_an_backward,
    .clone_impl = fg_an_clone,
    .destroy_impl = fg_an_destroy,
    .max_rows = FG_AN_CHUNK,
    .fit = fg_an_fit,
    .save_sections = fg_an_save,
    .load_section = fg_an_load,
    .digest = fg_an_digest,
};

static int fg_an_text(forget_model *m, const fg_an_config *c)
{
    const fg_analytic *a = &c->a;
    static const char *maps[] = {"identity", "random", "trunk"};
    char buf[1024];
    fg_c_locale_begin();
    int n = snprintf(buf, sizeof buf, "inputs=%zu outputs=%zu features=%s "
                     "width=%zu trunk=\"%s\" act=%s gamma=%.17g task=%s "
                     "seed=%lld bias=%s", a->in, a->k, maps[a->map],
                     a->map == FG_MAP_RANDOM ? a->width : (size_t)2048,
                     c->trunk, a->relu ? "relu" : "tanh", a->gamma,
                     c->task ? "regression" : "classification",
                     (long long)c->seed, a->bias ? "true" : "false");
    fg_c_locale_end();
    if (n < 0 || (size_t)n >= sizeof buf)
        return fg_error(FORGET_E_PARAM, "model kind 'analytic': the "
                        "parameters are too long");
    m->params_text = fg_strdup(buf);
    return m->params_text ? FORGET_OK : fg_nomem("a model's parameters");
}

/* The inner model of a random or trunk map (not counted alive). */
static int fg_an_inner(const fg_an_config *c, forget_model **inner)
{
    char text[1024];
    const fg_analytic *a = &c->a;
    if (a->map == FG_MAP_RANDOM)
        snprintf(text, sizeof text, "inputs=%zu outputs=%zu seed=%lld", a->in,
                 a->width, (long long)c->seed);
    else
        snprintf(text, sizeof text, "layers=%s seed=%lld", c->trunk,
                 (long long)c->seed);
    /* The inner layer is not in a model file (a random one is made from
     * the seed; a trunk's size comes from its widths): what it takes,
     * float32 weights plus their float64 copy, is bounded before it is
     * made, so that a small forged file cannot ask for gigabytes. */
    const char *kind = a->map == FG_MAP_RANDOM ? "linear" : "mlp";
    size_t n = 0;
    int rc = fg_model_kind_count_params(kind, text, &n);
    if (rc == FORGET_OK)
        rc = fg_limit_check_bytes(n, sizeof(float) + sizeof(double),
                                  a->map == FG_MAP_RANDOM
                                      ? "the random feature layer of an "
                                        "analytic model"
                                      : "the trunk of an analytic model");
    return rc == FORGET_OK ? fg_model_make(inner, kind, text) : rc;
}

int fg_analytic_create(forget_model **out, const char *kind,
                       const forget_params *p)
{
    fg_an_config c;
    size_t n_params;
    int rc = fg_analytic_count(kind, p, &n_params);
    if (rc == FORGET_OK)
        rc = fg_an_config_read(p, &c);
    if (rc != FORGET_OK)
        return rc;
    forget_model *m = NULL;
    rc = fg_model_alloc(&m, &fg_analytic_ops, "analytic", n_params, 1);
    if (rc != FORGET_OK)
        return rc;
    fg_analytic *a = fg_calloc(1, sizeof *a);
    if (a == NULL) {
        fg_model_discard(m);
        return fg_nomem("a model");
    }
    *a = c.a;
    m->impl = a;
    m->task = c.task ? FORGET_TASK_REGRESSION : FORGET_TASK_CLASSIFICATION;
    m->inputs = a->in;
    m->outputs = a->k;
    snprintf(m->blocks[0].name, sizeof m->blocks[0].name, "head.weight");
    m->blocks[0].offset = 0;
    m->blocks[0].size = n_params;
    m->blocks[0].rows = a->k; /* k x d, row-major */
    m->blocks[0].cols = a->d;
    a->head = fg_calloc(n_params, sizeof(double));
    rc = a->head ? FORGET_OK : fg_nomem("a model's head");
    if (rc == FORGET_OK && a->map != FG_MAP_IDENTITY)
        rc = fg_an_inner(&c, &a->inner);
    if (rc == FORGET_OK)
        rc = fg_an_cache(a);
    if (rc == FORGET_OK && a->inner &&
        (a->inner->inputs != a->in ||
         a->inner->outputs != a->width))
        rc = fg_error(FORGET_E_PARAM, "model kind 'analytic': the trunk "
                      "'%.64s' does not give %zu inputs and %zu features",
                      c.trunk, a->in, a->width);
    if (rc == FORGET_OK)
        rc = fg_an_text(m, &c);
    if (rc != FORGET_OK) {
        fg_model_discard(m);
        return rc;
    }
    *out = m;
    return FORGET_OK;
}

/* ---- the trunk constructor ---- */

static const forget_param_def fg_trunk_params[] = {
    {"outputs", FORGET_PARAM_INT, "0", 0, 1 << 20, NULL,
     "outputs of the head (0 = the mlp's)"},
    {"gamma", FORGET_PARAM_DOUBLE, "1", 1e-12, 1e12, NULL, "ridge penalty"},
    {"task", FORGET_PARAM_ENUM, "", 0, -1, "|classification|regression",
     "the mlp's task when empty"},
    {"bias", FORGET_PARAM_BOOL, "true", 0, -1, NULL,
     "append a constant 1 to the features"},
};

int forget_model_create_trunk(forget_model **out, const forget_model *mlp,
                              const char *params)
{
    FG_CHECK_ARG(out);
    FG_CHECK_ARG(mlp);
    int rc = fg_require_init(__func__);
    if (rc != FORGET_OK)
        return rc;
    if (strcmp(mlp->kind, "mlp") != 0 || mlp->n_blocks < 4)
        return fg_error(FORGET_E_INVALID, "%s: needs an mlp with at least "
                        "one hidden layer", __func__);
    forget_params *p = NULL;
    rc = fg_params_parse(&p, fg_trunk_params,
                         sizeof fg_trunk_params / sizeof *fg_trunk_params,
                         "the trunk constructor", params);
    if (rc != FORGET_OK)
        return rc;
    int64_t k;
    double gamma;
    size_t task;
    int bias;
    forget_params_int(p, "outputs", &k);
    forget_params_double(p, "gamma", &gamma);
    forget_params_enum(p, "task", &task);
    forget_params_bool(p, "bias", &bias);
    forget_params_free(p);
    /* The trunk: every layer but the last, read off the block sizes. */
    char layers[512];
    size_t used = (size_t)snprintf(layers, sizeof layers, "%zu", mlp->inputs);
    size_t trunk_params = 0;
    for (size_t b = 0; b + 2 < mlp->n_blocks; b += 2) {
        used += (size_t)snprintf(layers + used, sizeof layers - used, "-%zu",
                                 mlp->blocks[b + 1].size);
        trunk_params = mlp->blocks[b + 1].offset + mlp->blocks[b + 1].size;
    }
    const char *act = strstr(mlp->params_text, "act=tanh") ? "tanh" : "relu";
    const char *tk = task == 0 ? (mlp->task == FORGET_TASK_REGRESSION
                                      ? "regression"
                                      : "classification")
                               : task == 1 ? "classification" : "regression";
    char text[1024];
    fg_c_locale_begin();
    snprintf(text, sizeof text, "features=trunk trunk=%s act=%s outputs=%zu "
             "gamma=%.17g task=%s bias=%s", layers, act,
             k ? (size_t)k : mlp->outputs, gamma, tk, bias ? "true" : "false");
    fg_c_locale_end();
    forget_model *m = NULL;
    rc = fg_model_make(&m, "analytic", text);
    if (rc != FORGET_OK)
        return rc;
    fg_analytic *a = m->impl;
    memcpy(a->inner->theta, mlp->theta, trunk_params * sizeof(float));
    rc = fg_an_cache(a);
    if (rc != FORGET_OK) {
        fg_model_discard(m);
        return rc;
    }
    fg_model_publish(m);
    *out = m;
    return FORGET_OK;
}
