/* The method registry (dispatch table). Built-ins are registered
 * explicitly at init, not by constructors, which a static link would drop.
 * Entries live in a fixed array, so registering allocates nothing and the
 * allocator stays replaceable after forget_init(). */
#include "unlearner/registry.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "util/error.h"
#include "util/params.h"
#include "util/runtime.h"
#include "methods/methods.h"

#define FG_MAX_METHODS 64
#define FG_NAME_MAX 64

typedef struct fg_entry {
    forget_method table; /* normalised: struct_size = sizeof, tail zeroed */
    char name[FG_NAME_MAX];
} fg_entry;

static fg_entry fg_methods[FG_MAX_METHODS];
static atomic_size_t fg_n_methods;
static pthread_mutex_t fg_registry_lock = PTHREAD_MUTEX_INITIALIZER;

/* The built-in methods, in the order `forget methods` lists them. Each
 * method issue adds its table here (lib/methods/<name>.c). */
static const forget_method *const *fg_builtins(size_t *count)
{
    static const forget_method *const list[] = {&fg_method_ssd,
                                                &fg_method_analytic,
                                                &fg_method_sisa,
                                                &fg_method_finetune,
                                                &fg_method_neggrad,
                                                &fg_method_relabel,
                                                &fg_method_scrub,
                                                &fg_method_newton};
    *count = sizeof list / sizeof *list;
    return list;
}

static int fg_method_name_ok(const char *name)
{
    size_t len = 0;
    for (const char *c = name; *c; c++, len++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') ||
              *c == '_' || *c == '-'))
            return 0;
    return len > 0 && len < FG_NAME_MAX;
}

static const fg_entry *fg_lookup(const char *name)
{
    size_t n = atomic_load(&fg_n_methods);
    for (size_t i = 0; i < n; i++)
        if (!strcmp(fg_methods[i].name, name))
            return &fg_methods[i];
    return NULL;
}

static int fg_register(const forget_method *m)
{
    const size_t min_size = offsetof(forget_method, user_data);
    if (m->struct_size < min_size)
        return fg_error(FORGET_E_VERSION, "forget_register_method: table of "
                        "%zu bytes is smaller than the minimum of %zu",
                        m->struct_size, min_size);
    if (m->abi_version >> 16 != FORGET_BACKEND_ABI_MAJOR)
        return fg_error(FORGET_E_VERSION, "forget_register_method: backend "
                        "ABI major %u is not supported (this library: %d)",
                        (unsigned)(m->abi_version >> 16),
                        FORGET_BACKEND_ABI_MAJOR);
    if (m->name == NULL || !fg_method_name_ok(m->name))
        return fg_error(FORGET_E_INVALID, "forget_register_method: the name "
                        "must be 1 to 63 characters of [a-z0-9_-]");
    if (!m->create || !m->prepare || !m->forget || !m->destroy)
        return fg_error(FORGET_E_INVALID, "forget_register_method: method "
                        "'%s' lacks create, prepare, forget or destroy",
                        m->name);
    char owner[FG_NAME_MAX + 16];
    snprintf(owner, sizeof owner, "method '%s'", m->name);
    int rc = fg_params_validate_table(m->params, m->n_params,
                                      m->param_def_size, owner);
    if (rc != FORGET_OK)
        return rc;
    if (fg_lookup(m->name))
        return fg_error(FORGET_E_EXISTS, "forget_register_method: a method "
                        "named '%s' is already registered", m->name);
    size_t n = atomic_load(&fg_n_methods);
    if (n == FG_MAX_METHODS)
        return fg_error(FORGET_E_NOMEM, "forget_register_method: the "
                        "registry is full (%d methods)", FG_MAX_METHODS);
    fg_entry *e = &fg_methods[n];
    memset(e, 0, sizeof *e);
    size_t copy = m->struct_size < sizeof e->table ? m->struct_size
                                                   : sizeof e->table;
    memcpy(&e->table, m, copy);
    e->table.struct_size = sizeof e->table;
    memcpy(e->name, m->name, strlen(m->name) + 1);
    e->table.name = e->name;
    atomic_store(&fg_n_methods, n + 1);
    return FORGET_OK;
}

int forget_register_method(const forget_method *method)
{
    FG_CHECK_ARG(method);
    int rc = fg_require_init(__func__);
    if (rc != FORGET_OK)
        return rc;
    pthread_mutex_lock(&fg_registry_lock);
    rc = fg_register(method);
    pthread_mutex_unlock(&fg_registry_lock);
    return rc;
}

int fg_registry_open(void)
{
    size_t count;
    const forget_method *const *list = fg_builtins(&count);
    atomic_store(&fg_n_methods, 0);
    for (size_t i = 0; i < count; i++) {
        int rc = fg_register(list[i]);
        if (rc != FORGET_OK) {
            atomic_store(&fg_n_methods, 0);
            return rc;
        }
    }
    return FORGET_OK;
}

void fg_registry_close(void)
{
    pthread_mutex_lock(&fg_registry_lock);
    atomic_store(&fg_n_methods, 0);
    memset(fg_methods, 0, sizeof fg_methods);
    pthread_mutex_unlock(&fg_registry_lock);
}

const forget_method *fg_registry_find(const char *name)
{
    const fg_entry *e = fg_lookup(name);
    if (e)
        return &e->table;
    char known[512] = "(none)";
    size_t used = 0, n = atomic_load(&fg_n_methods);
    for (size_t i = 0; i < n; i++) {
        int w = snprintf(known + used, sizeof known - used, "%s%s",
                         i ? ", " : "", fg_methods[i].name);
        if (w < 0 || (size_t)w >= sizeof known - used)
            break;
        used += (size_t)w;
    }
    fg_error(FORGET_E_NOT_FOUND, "no method named '%.64s'; registered: %s",
             name, known);
    return NULL;
}

/* ---- public enumeration ---- */

size_t forget_method_count(void)
{
    if (fg_require_init(__func__) != FORGET_OK)
        return 0;
    return atomic_load(&fg_n_methods);
}

const char *forget_method_name(size_t index)
{
    if (fg_require_init(__func__) != FORGET_OK)
        return NULL;
    if (index >= atomic_load(&fg_n_methods))
        return NULL;
    return fg_methods[index].name;
}

static int fg_find_public(const char *caller, const char *method,
                          const forget_method **out)
{
    if (method == NULL)
        return fg_error(FORGET_E_INVALID, "%s: argument 'method' is NULL",
                        caller);
    int rc = fg_require_init(caller);
    if (rc != FORGET_OK)
        return rc;
    *out = fg_registry_find(method);
    return *out ? FORGET_OK : FORGET_E_NOT_FOUND;
}

int forget_method_describe(const char *method, const char **description,
                           uint32_t *flags)
{
    const forget_method *m = NULL;
    int rc = fg_find_public(__func__, method, &m);
    if (rc != FORGET_OK)
        return rc;
    if (description)
        *description = m->description ? m->description : "";
    if (flags)
        *flags = m->flags;
    return FORGET_OK;
}

int forget_method_param_count(const char *method, size_t *count)
{
    FG_CHECK_ARG(count);
    const forget_method *m = NULL;
    int rc = fg_find_public(__func__, method, &m);
    if (rc == FORGET_OK)
        *count = m->n_params;
    return rc;
}

int forget_method_param(const char *method, size_t index,
                        const forget_param_def **def)
{
    FG_CHECK_ARG(def);
    const forget_method *m = NULL;
    int rc = fg_find_public(__func__, method, &m);
    if (rc != FORGET_OK)
        return rc;
    if (index >= m->n_params)
        return fg_error(FORGET_E_NOT_FOUND, "method '%s' has %zu parameters; "
                        "index %zu is out of range", m->name, m->n_params,
                        index);
    *def = fg_param_at(m->params, m->param_def_size, index);
    return FORGET_OK;
}
