/* Dense models from safetensors files (forget_model_import): the tensors
 * "<prefix>.weight" (outputs x inputs) and "<prefix>.bias" (outputs) are
 * grouped by prefix, the layers ordered by the natural order of their
 * prefixes (digit runs compared as numbers: "2" before "10"), the shapes
 * chained, and the model built through the ordinary kind parameters, so
 * an imported model is like any other. libforget's own metadata (written
 * by forget_model_export) gives back kind, activation, task and seed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/safetensors.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/fileio.h"
#include "util/limits.h"
#include "util/params.h"
#include "util/runtime.h"
#include "model/kinds.h"
#include "model/model.h"

#define FG_IMPORT_MAX_LAYERS 64 /* an mlp's most (lib/model/dense.c) */

static const forget_param_def fg_import_params[] = {
    {"kind", FORGET_PARAM_ENUM, "auto", 0, -1, "auto|linear|mlp",
     "auto: the file's libforget metadata, else linear for one layer and "
     "mlp for more"},
    {"act", FORGET_PARAM_ENUM, "relu", 0, -1, "relu|tanh",
     "an mlp's hidden activation (not given: the metadata's, else relu)"},
    {"task", FORGET_PARAM_ENUM, "classification", 0, -1,
     "classification|regression",
     "not given: the metadata's, else classification"},
};
#define FG_N_IMPORT (sizeof fg_import_params / sizeof *fg_import_params)

static const char *const fg_acts[] = {"relu", "tanh"};
static const char *const fg_tasks[] = {"classification", "regression"};

typedef struct fg_layer {
    const fg_st_tensor *w, *b;
} fg_layer;

/* A tensor named "<prefix>.weight" or "<prefix>.bias" (or just "weight",
 * "bias": the prefix is then empty). */
typedef struct fg_part {
    const fg_st_tensor *t;
    size_t prefix; /* its length */
    int bias;
} fg_part;

static int fg_is_digit(char c) { return c >= '0' && c <= '9'; }

/* Natural order: digit runs compare as numbers (leading zeros first
 * breaking ties), other bytes as bytes. 0 only for equal strings. */
static int fg_natural_cmp(const char *a, size_t na, const char *b, size_t nb)
{
    size_t i = 0, j = 0;
    while (i < na && j < nb) {
        if (!fg_is_digit(a[i]) || !fg_is_digit(b[j])) {
            if (a[i] != b[j])
                return (unsigned char)a[i] < (unsigned char)b[j] ? -1 : 1;
            i++;
            j++;
            continue;
        }
        size_t i0 = i, j0 = j;
        while (i < na && a[i] == '0')
            i++;
        while (j < nb && b[j] == '0')
            j++;
        size_t is = i, js = j;
        while (i < na && fg_is_digit(a[i]))
            i++;
        while (j < nb && fg_is_digit(b[j]))
            j++;
        if (i - is != j - js)
            return i - is < j - js ? -1 : 1;
        int c = memcmp(a + is, b + js, i - is);
        if (c != 0)
            return c < 0 ? -1 : 1;
        if (is - i0 != js - j0)
            return is - i0 < js - j0 ? -1 : 1;
    }
    return (i < na) - (j < nb);
}

static int fg_part_cmp(const void *x, const void *y)
{
    const fg_part *a = x, *b = y;
    int c = fg_natural_cmp(a->t->name, a->prefix, b->t->name, b->prefix);
    return c ? c : a->bias - b->bias;
}

static int fg_split_name(const fg_st_tensor *t, fg_part *p, const char *what)
{
    static const char *const end[2] = {"weight", "bias"};
    size_t n = strlen(t->name);
    for (int k = 0; k < 2; k++) {
        size_t e = strlen(end[k]);
        if (n == e && !strcmp(t->name, end[k])) {
            *p = (fg_part){t, 0, k};
            return FORGET_OK;
        }
        if (n > e + 1 && t->name[n - e - 1] == '.' &&
            !strcmp(t->name + n - e, end[k])) {
            *p = (fg_part){t, n - e - 1, k};
            return FORGET_OK;
        }
    }
    return fg_error(FORGET_E_FORMAT, "%s: tensor '%.64s' is not part of a "
                    "dense model (its tensors are named PREFIX.weight and "
                    "PREFIX.bias)", what, t->name);
}

/* The tensors as layers, in order, their shapes checked and chained. */
static int fg_import_layers(const fg_st_file *f, fg_layer *layers,
                            size_t *n_layers, const char *what)
{
    if (f->n == 0)
        return fg_error(FORGET_E_FORMAT, "%s holds no tensors", what);
    fg_part *parts = fg_malloc_array(f->n, sizeof *parts);
    if (parts == NULL)
        return fg_nomem("the tensors of a safetensors file");
    int rc = FORGET_OK;
    for (size_t i = 0; rc == FORGET_OK && i < f->n; i++)
        rc = fg_split_name(&f->tensors[i], &parts[i], what);
    if (rc == FORGET_OK)
        qsort(parts, f->n, sizeof *parts, fg_part_cmp);
    size_t n = 0;
    for (size_t i = 0; rc == FORGET_OK && i < f->n; i++) {
        const fg_part *p = &parts[i], *q = i + 1 < f->n ? &parts[i + 1] : 0;
        int pair = q && !p->bias && q->bias && q->prefix == p->prefix &&
                   !memcmp(p->t->name, q->t->name, p->prefix);
        if (!pair) {
            const char *other = p->bias ? "weight" : "bias";
            rc = fg_error(FORGET_E_FORMAT, "%s: tensor '%.64s' has no %s "
                          "'%.*s%s%s' (a dense layer has both)", what,
                          p->t->name, other,
                          (int)(p->prefix < 64 ? p->prefix : 64), p->t->name,
                          p->prefix ? "." : "", other);
        } else if (n == FG_IMPORT_MAX_LAYERS) {
            rc = fg_error(FORGET_E_FORMAT, "%s: more than %d layers", what,
                          FG_IMPORT_MAX_LAYERS);
        } else {
            layers[n].w = p->t;
            layers[n++].b = q->t;
            i++;
        }
    }
    fg_free(parts);
    for (size_t l = 0; rc == FORGET_OK && l < n; l++) {
        const fg_st_tensor *w = layers[l].w, *b = layers[l].b;
        if (w->ndim != 2 || w->shape[0] == 0 || w->shape[1] == 0)
            rc = fg_error(FORGET_E_FORMAT, "%s: tensor '%.64s' is not a "
                          "weight matrix (2 dimensions, outputs x inputs, "
                          "neither 0)", what, w->name);
        else if (b->ndim != 1 || b->shape[0] != w->shape[0])
            rc = fg_error(FORGET_E_FORMAT, "%s: tensor '%.64s' is not a "
                          "bias of %llu values (one per output of '%.64s')",
                          what, b->name, (unsigned long long)w->shape[0],
                          w->name);
        else if (l > 0 && w->shape[1] != layers[l - 1].w->shape[0])
            rc = fg_error(FORGET_E_FORMAT, "%s: tensor '%.64s' takes %llu "
                          "inputs, but the layer before ('%.64s') gives "
                          "%llu", what, w->name,
                          (unsigned long long)w->shape[1],
                          layers[l - 1].w->name,
                          (unsigned long long)layers[l - 1].w->shape[0]);
    }
    *n_layers = n;
    return rc;
}

/* What the model will be. */
typedef struct fg_import_cfg {
    size_t kind, act, task; /* 0 linear / 1 mlp; fg_acts; fg_tasks */
    int64_t seed;
} fg_import_cfg;

/* "w0-w1-...-wL" of the layers into buf. */
static void fg_widths(const fg_layer *layers, size_t n, char *buf,
                      size_t cap)
{
    size_t used = (size_t)snprintf(buf, cap, "%llu",
                                   (unsigned long long)layers[0].w->shape[1]);
    for (size_t l = 0; l < n && used < cap; l++)
        used += (size_t)snprintf(buf + used, cap - used, "-%llu",
                                 (unsigned long long)layers[l].w->shape[0]);
}

/* libforget's metadata (libforget.kind, libforget.params): read and
 * checked against the tensors. *has = 0 when the file has none. */
static int fg_import_meta(const fg_st_file *f, const fg_layer *layers,
                          size_t n, fg_import_cfg *c, int *has,
                          const char *what)
{
    const char *kind = fg_st_meta_get(f, "libforget.kind");
    const char *text = fg_st_meta_get(f, "libforget.params");
    *has = kind != NULL;
    if (!kind && !text)
        return FORGET_OK;
    if (!kind || !text)
        return fg_error(FORGET_E_FORMAT, "%s: __metadata__ holds one of "
                        "libforget.kind and libforget.params without the "
                        "other", what);
    int mlp = !strcmp(kind, "mlp");
    if (!mlp && strcmp(kind, "linear") != 0)
        return fg_error(FORGET_E_FORMAT, "%s: __metadata__ libforget.kind is "
                        "'%.32s', not linear or mlp", what, kind);
    forget_params *p = NULL;
    int rc = fg_params_parse(&p, mlp ? fg_mlp_params : fg_linear_params,
                             mlp ? fg_mlp_n_params : fg_linear_n_params,
                             "__metadata__ libforget.params", text);
    if (rc != FORGET_OK && rc != FORGET_E_PARAM)
        return rc;
    if (rc != FORGET_OK) {
        char why[512];
        snprintf(why, sizeof why, "%s", forget_last_error());
        return fg_error(FORGET_E_FORMAT, "%s: %s", what, why);
    }
    char have[1600], said[1600];
    fg_widths(layers, n, have, sizeof have);
    if (mlp) {
        const char *layers_text = "";
        forget_params_string(p, "layers", &layers_text);
        snprintf(said, sizeof said, "%s", layers_text);
        forget_params_enum(p, "act", &c->act);
    } else {
        int64_t in = 0, out = 0;
        forget_params_int(p, "inputs", &in);
        forget_params_int(p, "outputs", &out);
        snprintf(said, sizeof said, "%lld-%lld", (long long)in,
                 (long long)out);
    }
    c->kind = (size_t)mlp;
    forget_params_enum(p, "task", &c->task);
    forget_params_int(p, "seed", &c->seed);
    forget_params_free(p);
    if (strcmp(have, said) != 0)
        return fg_error(FORGET_E_FORMAT, "%s: __metadata__ describes layers "
                        "%.200s, the tensors make %.200s", what, said, have);
    return FORGET_OK;
}

/* Kind, activation, task and seed: the caller's params, else the
 * metadata, else the defaults. */
static int fg_import_config(const fg_st_file *f, const forget_params *p,
                            const fg_layer *layers, size_t n,
                            fg_import_cfg *c, const char *what)
{
    fg_import_cfg meta = {n == 1 ? 0 : 1, 0, 0, 1};
    int has = 0, given = 0;
    int rc = fg_import_meta(f, layers, n, &meta, &has, what);
    if (rc != FORGET_OK)
        return rc;
    *c = meta;
    size_t kind = 0;
    forget_params_enum(p, "kind", &kind);
    if (kind != 0)
        c->kind = kind - 1;
    if (forget_params_given(p, "act", &given) == FORGET_OK && given)
        forget_params_enum(p, "act", &c->act);
    if (forget_params_given(p, "task", &given) == FORGET_OK && given)
        forget_params_enum(p, "task", &c->task);
    if (c->kind == 0 && n != 1)
        return fg_error(FORGET_E_PARAM, "forget_model_import: kind=linear "
                        "takes one layer; %s holds %zu", what, n);
    return FORGET_OK;
}

static int fg_import_fill(forget_model *m, const fg_layer *layers, size_t n,
                          const char *what)
{
    int rc = FORGET_OK;
    for (size_t l = 0; rc == FORGET_OK && l < n; l++) {
        rc = fg_st_to_f32(layers[l].w, m->theta + m->blocks[2 * l].offset,
                          what);
        if (rc == FORGET_OK)
            rc = fg_st_to_f32(layers[l].b,
                              m->theta + m->blocks[2 * l + 1].offset, what);
    }
    return rc;
}

static int fg_import_build(forget_model **out, const fg_layer *layers,
                           size_t n, const fg_import_cfg *c, const char *what)
{
    char text[1800], widths[1600];
    size_t count = 0;
    for (size_t l = 0; l < n; l++)
        count += layers[l].w->count + layers[l].b->count;
    int rc = fg_limit_check_bytes(count, sizeof(float), "the imported model");
    if (rc != FORGET_OK)
        return rc;
    fg_widths(layers, n, widths, sizeof widths);
    if (c->kind == 0)
        snprintf(text, sizeof text, "inputs=%llu outputs=%llu task=%s "
                 "seed=%lld", (unsigned long long)layers[0].w->shape[1],
                 (unsigned long long)layers[0].w->shape[0],
                 fg_tasks[c->task], (long long)c->seed);
    else
        snprintf(text, sizeof text, "layers=%s act=%s task=%s seed=%lld",
                 widths, fg_acts[c->act], fg_tasks[c->task],
                 (long long)c->seed);
    forget_model *m = NULL;
    rc = forget_model_create(&m, c->kind ? "mlp" : "linear", text);
    if (rc == FORGET_E_PARAM) {
        char why[512];
        snprintf(why, sizeof why, "%s", forget_last_error());
        return fg_error(FORGET_E_FORMAT, "%s: the tensors make no model: %s",
                        what, why);
    }
    if (rc == FORGET_OK && (rc = fg_import_fill(m, layers, n, what)) !=
                               FORGET_OK)
        forget_model_free(m);
    if (rc == FORGET_OK)
        *out = m;
    return rc;
}

static int fg_import(forget_model **out, const unsigned char *buf,
                     size_t len, const char *params, const char *what)
{
    forget_params *p = NULL;
    int rc = fg_params_parse(&p, fg_import_params, FG_N_IMPORT,
                             "forget_model_import", params);
    if (rc != FORGET_OK)
        return rc;
    fg_st_file f;
    if ((rc = fg_st_read(&f, buf, len, what)) != FORGET_OK) {
        forget_params_free(p);
        return rc;
    }
    fg_layer layers[FG_IMPORT_MAX_LAYERS];
    size_t n = 0;
    fg_import_cfg c;
    rc = fg_import_layers(&f, layers, &n, what);
    if (rc == FORGET_OK)
        rc = fg_import_config(&f, p, layers, n, &c, what);
    if (rc == FORGET_OK)
        rc = fg_import_build(out, layers, n, &c, what);
    fg_st_free(&f);
    forget_params_free(p);
    return rc;
}

int forget_model_import(forget_model **out, const char *path,
                        const char *params)
{
    FG_CHECK_ARG(out);
    FG_CHECK_ARG(path);
    int rc = fg_require_init(__func__);
    if (rc != FORGET_OK)
        return rc;
    unsigned char *buf = NULL;
    size_t len = 0;
    if ((rc = fg_read_file(path, &buf, &len)) != FORGET_OK)
        return rc;
    char what[300];
    snprintf(what, sizeof what, "'%.280s'", path);
    rc = fg_import(out, buf, len, params, what);
    fg_free(buf);
    return rc;
}

int forget_model_import_buffer(forget_model **out, const void *buf,
                               size_t size, const char *params)
{
    FG_CHECK_ARG(out);
    FG_CHECK_ARG(buf);
    int rc = fg_require_init(__func__);
    if (rc != FORGET_OK)
        return rc;
    return fg_import(out, buf, size, params, "the safetensors buffer");
}
