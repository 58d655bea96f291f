/* Model kinds by name: creation from a parameter string, introspection. */
#include "model/kinds.h"

#include <stdio.h>
#include <string.h>

#include "util/error.h"
#include "util/params.h"
#include "util/runtime.h"
#include "model/model.h"

typedef struct fg_kind {
    const char *name;
    const forget_param_def *defs;
    const size_t *n_defs;
    int (*create)(forget_model **out, const char *kind,
                  const forget_params *p);
    int (*count)(const char *kind, const forget_params *p, size_t *n);
} fg_kind;

static const fg_kind fg_kinds[] = {
    {"linear", fg_linear_params, &fg_linear_n_params, fg_dense_create,
     fg_dense_count},
    {"mlp", fg_mlp_params, &fg_mlp_n_params, fg_dense_create,
     fg_dense_count},
    {"analytic", fg_analytic_params, &fg_analytic_n_params,
     fg_analytic_create, fg_analytic_count},
};
#define FG_N_KINDS (sizeof fg_kinds / sizeof *fg_kinds)

static const fg_kind *fg_find_kind(const char *name, const char *caller)
{
    for (size_t i = 0; i < FG_N_KINDS; i++)
        if (!strcmp(fg_kinds[i].name, name))
            return &fg_kinds[i];
    fg_error(FORGET_E_NOT_FOUND, "%s: no model kind '%.64s'; known: linear, "
             "mlp, analytic (host models: forget_model_create_host)", caller,
             name);
    return NULL;
}

/* Parse params for kind k and run fn (create or count). */
static int fg_with_params(const fg_kind *k, const char *params,
                          forget_model **out, size_t *n)
{
    char owner[64];
    snprintf(owner, sizeof owner, "model kind '%s'", k->name);
    forget_params *p = NULL;
    int rc = fg_params_parse(&p, k->defs, *k->n_defs, owner, params);
    if (rc != FORGET_OK)
        return rc;
    rc = out ? k->create(out, k->name, p) : k->count(k->name, p, n);
    forget_params_free(p);
    return rc;
}

int fg_model_make(forget_model **out, const char *kind, const char *params)
{
    const fg_kind *k = fg_find_kind(kind, "model kinds");
    if (k == NULL)
        return FORGET_E_NOT_FOUND;
    return fg_with_params(k, params, out, NULL);
}

int forget_model_create(forget_model **out, const char *kind,
                        const char *params)
{
    FG_CHECK_ARG(out);
    FG_CHECK_ARG(kind);
    int rc = fg_require_init(__func__);
    if (rc != FORGET_OK)
        return rc;
    const fg_kind *k = fg_find_kind(kind, __func__);
    if (k == NULL)
        return FORGET_E_NOT_FOUND;
    forget_model *m = NULL;
    rc = fg_with_params(k, params, &m, NULL);
    if (rc != FORGET_OK)
        return rc;
    fg_model_publish(m);
    *out = m;
    return FORGET_OK;
}

int fg_model_kind_count_params(const char *kind, const char *params,
                               size_t *n)
{
    const fg_kind *k = fg_find_kind(kind, "the model loader");
    if (k == NULL)
        return FORGET_E_NOT_FOUND;
    return fg_with_params(k, params, NULL, n);
}

size_t forget_model_kind_count(void) { return FG_N_KINDS; }

const char *forget_model_kind_name(size_t index)
{
    return index < FG_N_KINDS ? fg_kinds[index].name : NULL;
}

int forget_model_kind_param_count(const char *kind, size_t *count)
{
    FG_CHECK_ARG(kind);
    FG_CHECK_ARG(count);
    const fg_kind *k = fg_find_kind(kind, __func__);
    if (k == NULL)
        return FORGET_E_NOT_FOUND;
    *count = *k->n_defs;
    return FORGET_OK;
}

int forget_model_kind_param(const char *kind, size_t index,
                            const forget_param_def **def)
{
    FG_CHECK_ARG(kind);
    FG_CHECK_ARG(def);
    const fg_kind *k = fg_find_kind(kind, __func__);
    if (k == NULL)
        return FORGET_E_NOT_FOUND;
    if (index >= *k->n_defs)
        return fg_error(FORGET_E_NOT_FOUND, "%s: model kind '%s' has %zu "
                        "parameters; index %zu is out of range", __func__,
                        k->name, *k->n_defs, index);
    *def = &k->defs[index];
    return FORGET_OK;
}
