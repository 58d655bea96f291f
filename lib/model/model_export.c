/* Dense models as safetensors files (forget_model_export): each layer's
 * weight (outputs x inputs) and bias in float32, named as libforget names
 * its blocks or as torch.nn.Sequential(Linear, act, Linear, ...) names
 * its state_dict, with metadata that gives back the same model on import
 * (same digest). */
#include <stdio.h>
#include <string.h>

#include "format/safetensors.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/params.h"
#include "model/model.h"

static const forget_param_def fg_export_params[] = {
    {"names", FORGET_PARAM_ENUM, "libforget", 0, -1, "libforget|torch",
     "tensor names: dense0.weight, dense0.bias, ... or those of "
     "nn.Sequential(Linear, act, Linear, ...): 0.weight, 0.bias, 2.weight"},
    {"dtype", FORGET_PARAM_ENUM, "F32", 0, -1, "F32",
     "the data type written: F32 only (the model's own values)"},
};
#define FG_N_EXPORT (sizeof fg_export_params / sizeof *fg_export_params)

static int fg_export(const forget_model *m, const char *params, fg_writer *w,
                     const char *caller)
{
    if (strcmp(m->kind, "linear") != 0 && strcmp(m->kind, "mlp") != 0)
        return fg_error(FORGET_E_UNSUPPORTED, "%s: only dense models (linear, "
                        "mlp) are exported as safetensors; this one is of "
                        "kind '%s'", caller, m->kind);
    forget_params *p = NULL;
    int rc = fg_params_parse(&p, fg_export_params, FG_N_EXPORT, caller,
                             params);
    if (rc != FORGET_OK)
        return rc;
    size_t torch = 0;
    forget_params_enum(p, "names", &torch);
    forget_params_free(p);
    size_t n = m->n_blocks;
    fg_st_out *t = fg_calloc(n ? n : 1, sizeof *t);
    char(*names)[40] = fg_calloc(n ? n : 1, sizeof *names);
    if (t == NULL || names == NULL) {
        fg_free(t);
        fg_free(names);
        return fg_nomem("the tensors of a safetensors file");
    }
    for (size_t i = 0; i < n; i++) {
        const fg_block *b = &m->blocks[i];
        if (torch)
            snprintf(names[i], sizeof names[i], "%zu.%s", 2 * (i / 2),
                     b->cols ? "weight" : "bias");
        else
            snprintf(names[i], sizeof names[i], "%s", b->name);
        t[i].name = names[i];
        t[i].data = m->theta + b->offset;
        t[i].ndim = b->cols ? 2 : 1;
        t[i].shape[0] = b->cols ? b->rows : b->size;
        t[i].shape[1] = b->cols;
    }
    const char *meta[6] = {"format", "pt", "libforget.kind", m->kind,
                           "libforget.params", m->params_text};
    rc = fg_st_write(w, t, n, meta, 3);
    fg_free(t);
    fg_free(names);
    return rc;
}

int forget_model_export(const forget_model *m, const char *path,
                        const char *params)
{
    FG_CHECK_ARG(m);
    FG_CHECK_ARG(path);
    fg_writer w;
    int rc = fg_export(m, params, &w, __func__);
    return rc == FORGET_OK ? fg_writer_to_file(&w, path) : rc;
}

int forget_model_export_buffer(const forget_model *m, void *buf,
                               size_t capacity, size_t *size,
                               const char *params)
{
    FG_CHECK_ARG(m);
    FG_CHECK_ARG(size);
    fg_writer w;
    int rc = fg_export(m, params, &w, __func__);
    return rc == FORGET_OK ? fg_writer_to_buffer(&w, buf, capacity, size,
                                                 __func__, "safetensors file")
                           : rc;
}
