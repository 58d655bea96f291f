/* "key=value" parameter strings parsed against declared tables. */
#include "util/params.h"

#include <stdio.h>
#include <string.h>

#include "util/alloc.h"
#include "util/error.h"
#include "util/number.h"

typedef struct fg_value {
    const char *text; /* the given text, or the default's */
    int given;
    union {
        int64_t i;
        double d;
        int b;
        size_t e;
    } v;
} fg_value;

struct forget_params {
    const forget_param_def *defs;
    size_t n_defs;
    size_t def_size;
    fg_value *values;
    char *texts; /* unescaped copies of the given values */
};

const forget_param_def *fg_param_at(const forget_param_def *defs,
                                    size_t def_size, size_t i)
{
    return (const forget_param_def *)(const void *)((const char *)defs +
                                                    i * def_size);
}

static int fg_is_sep(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',';
}

static int fg_name_ok(const char *name)
{
    size_t len = 0;
    for (const char *c = name; *c; c++, len++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') ||
              *c == '_'))
            return 0;
    return len > 0 && len < 64;
}

/* Index of choice [s, s+len) in "a|b|c", or (size_t)-1. */
static size_t fg_choice_index(const char *choices, const char *s, size_t len)
{
    size_t index = 0;
    const char *c = choices;
    for (;;) {
        const char *bar = strchr(c, '|');
        size_t clen = bar ? (size_t)(bar - c) : strlen(c);
        if (clen == len && memcmp(c, s, len) == 0)
            return index;
        if (!bar)
            return (size_t)-1;
        c = bar + 1;
        index++;
    }
}

/* Convert text to the def's type into *val, or fail naming the key. */
static int fg_convert(const forget_param_def *def, const char *owner,
                      const char *text, fg_value *val)
{
    size_t len = strlen(text);
    int rc;
    switch (def->type) {
    case FORGET_PARAM_INT:
        rc = fg_parse_int64(text, len, &val->v.i);
        if (rc == FG_NUM_RANGE)
            return fg_error(FORGET_E_PARAM, "parameter '%s' of %s: '%s' is "
                            "too large", def->name, owner, text);
        if (rc != FG_NUM_OK)
            return fg_error(FORGET_E_PARAM, "parameter '%s' of %s: '%s' is "
                            "not an integer", def->name, owner, text);
        if (def->min <= def->max &&
            ((double)val->v.i < def->min || (double)val->v.i > def->max))
            return fg_error(FORGET_E_PARAM, "parameter '%s' of %s: %s is "
                            "outside [%.17g, %.17g]", def->name, owner, text,
                            def->min, def->max);
        return FORGET_OK;
    case FORGET_PARAM_DOUBLE:
        rc = fg_parse_double(text, len, &val->v.d);
        if (rc != FG_NUM_OK)
            return fg_error(FORGET_E_PARAM, "parameter '%s' of %s: '%s' is "
                            "not a finite decimal number", def->name, owner,
                            text);
        if (def->min <= def->max && (val->v.d < def->min ||
                                     val->v.d > def->max))
            return fg_error(FORGET_E_PARAM, "parameter '%s' of %s: %s is "
                            "outside [%.17g, %.17g]", def->name, owner, text,
                            def->min, def->max);
        return FORGET_OK;
    case FORGET_PARAM_BOOL:
        if (!strcmp(text, "true") || !strcmp(text, "1") ||
            !strcmp(text, "yes") || !strcmp(text, "on"))
            val->v.b = 1;
        else if (!strcmp(text, "false") || !strcmp(text, "0") ||
                 !strcmp(text, "no") || !strcmp(text, "off"))
            val->v.b = 0;
        else
            return fg_error(FORGET_E_PARAM, "parameter '%s' of %s: '%s' is "
                            "not true or false", def->name, owner, text);
        return FORGET_OK;
    case FORGET_PARAM_ENUM:
        val->v.e = fg_choice_index(def->choices, text, len);
        if (val->v.e == (size_t)-1)
            return fg_error(FORGET_E_PARAM, "parameter '%s' of %s: '%s' is "
                            "not one of %s", def->name, owner, text,
                            def->choices);
        return FORGET_OK;
    case FORGET_PARAM_STRING:
        return FORGET_OK;
    default:
        return fg_error(FORGET_E_INVALID, "parameter '%s' of %s has unknown "
                        "type %d", def->name, owner, (int)def->type);
    }
}

int fg_params_validate_table(const forget_param_def *defs, size_t n_defs,
                             size_t def_size, const char *owner)
{
    if (n_defs > 0 && defs == NULL)
        return fg_error(FORGET_E_INVALID, "%s: parameter table is NULL but "
                        "declares %zu entries", owner, n_defs);
    if (def_size < sizeof(forget_param_def))
        return fg_error(FORGET_E_VERSION, "%s: parameter entries of %zu "
                        "bytes are smaller than this ABI's %zu", owner,
                        def_size, sizeof(forget_param_def));
    for (size_t i = 0; i < n_defs; i++) {
        const forget_param_def *def = fg_param_at(defs, def_size, i);
        if (def->name == NULL || !fg_name_ok(def->name))
            return fg_error(FORGET_E_INVALID, "%s: parameter %zu has no "
                            "valid name ([a-z0-9_], 1 to 63 bytes)", owner, i);
        for (size_t j = 0; j < i; j++)
            if (!strcmp(fg_param_at(defs, def_size, j)->name, def->name))
                return fg_error(FORGET_E_INVALID, "%s: parameter '%s' is "
                                "declared twice", owner, def->name);
        if (def->type < FORGET_PARAM_INT || def->type > FORGET_PARAM_STRING)
            return fg_error(FORGET_E_INVALID, "%s: parameter '%s' has "
                            "unknown type %d", owner, def->name,
                            (int)def->type);
        if (def->type == FORGET_PARAM_ENUM &&
            (def->choices == NULL || def->choices[0] == '\0'))
            return fg_error(FORGET_E_INVALID, "%s: enum parameter '%s' has "
                            "no choices", owner, def->name);
        if (def->default_value != NULL) {
            fg_value v;
            if (fg_convert(def, owner, def->default_value, &v) !=
                FORGET_OK) {
                char why[512]; /* the message buffer is about to change */
                snprintf(why, sizeof why, "%s", forget_last_error());
                return fg_error(FORGET_E_INVALID, "%s: the default of "
                                "parameter '%s' is invalid: %s", owner,
                                def->name, why);
            }
        }
    }
    return FORGET_OK;
}

/* "a, b, c" into buf (truncated with "..." if it does not fit). */
static void fg_known_names(const forget_params *p, char *buf, size_t cap)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < p->n_defs; i++) {
        const char *name = fg_param_at(p->defs, p->def_size, i)->name;
        size_t need = strlen(name) + (i ? 2 : 0);
        if (used + need + 4 >= cap) {
            memcpy(buf + used, "...", 4);
            return;
        }
        if (i) {
            memcpy(buf + used, ", ", 2);
            used += 2;
        }
        memcpy(buf + used, name, strlen(name) + 1);
        used += strlen(name);
    }
    if (p->n_defs == 0)
        memcpy(buf, "(none)", 7);
}

static size_t fg_find(const forget_params *p, const char *key, size_t len)
{
    for (size_t i = 0; i < p->n_defs; i++) {
        const char *name = fg_param_at(p->defs, p->def_size, i)->name;
        if (strlen(name) == len && memcmp(name, key, len) == 0)
            return i;
    }
    return (size_t)-1;
}

/* Read the value at *pos into *dst (unescaped, NUL-terminated); advance. */
static int fg_read_value(const char *text, size_t *pos, char **dst,
                         const char *key, const char *owner)
{
    size_t i = *pos;
    char *o = *dst;
    if (text[i] == '"') {
        for (i++;; i++) {
            if (text[i] == '\0')
                return fg_error(FORGET_E_PARAM, "parameter '%s' of %s: "
                                "unterminated quoted value", key, owner);
            if (text[i] == '"')
                break;
            if (text[i] == '\\' && (text[i + 1] == '"' || text[i + 1] == '\\'))
                i++;
            *o++ = text[i];
        }
        i++;
        if (text[i] != '\0' && !fg_is_sep(text[i]))
            return fg_error(FORGET_E_PARAM, "parameter '%s' of %s: text "
                            "follows the closing quote", key, owner);
    } else {
        while (text[i] != '\0' && !fg_is_sep(text[i]))
            *o++ = text[i++];
    }
    *o++ = '\0';
    *pos = i;
    *dst = o;
    return FORGET_OK;
}

static int fg_parse_into(forget_params *p, const char *owner, const char *text)
{
    size_t i = 0;
    char *dst = p->texts;
    for (;;) {
        while (fg_is_sep(text[i]))
            i++;
        if (text[i] == '\0')
            break;
        size_t start = i;
        while (text[i] != '\0' && text[i] != '=' && !fg_is_sep(text[i]))
            i++;
        size_t klen = i - start;
        if (text[i] != '=' || klen == 0)
            return fg_error(FORGET_E_PARAM, "%s: expected key=value at "
                            "'%.*s'", owner, (int)(klen ? klen : 1),
                            text + start);
        i++;
        size_t idx = fg_find(p, text + start, klen);
        if (idx == (size_t)-1) {
            char known[512];
            fg_known_names(p, known, sizeof known);
            return fg_error(FORGET_E_PARAM, "parameter '%.*s' is unknown for "
                            "%s; known: %s", (int)(klen > 64 ? 64 : klen),
                            text + start, owner, known);
        }
        const forget_param_def *def = fg_param_at(p->defs, p->def_size, idx);
        if (p->values[idx].given)
            return fg_error(FORGET_E_PARAM, "parameter '%s' of %s is given "
                            "twice", def->name, owner);
        const char *value = dst;
        int rc = fg_read_value(text, &i, &dst, def->name, owner);
        if (rc != FORGET_OK)
            return rc;
        p->values[idx].given = 1;
        p->values[idx].text = value;
    }
    for (size_t k = 0; k < p->n_defs; k++) {
        const forget_param_def *def = fg_param_at(p->defs, p->def_size, k);
        fg_value *val = &p->values[k];
        if (!val->given) {
            if (def->default_value == NULL)
                return fg_error(FORGET_E_PARAM, "parameter '%s' is required "
                                "for %s", def->name, owner);
            val->text = def->default_value;
        }
        int rc = fg_convert(def, owner, val->text, val);
        if (rc != FORGET_OK)
            return rc;
    }
    return FORGET_OK;
}

int forget_params_parse(forget_params **out, const forget_param_def *defs,
                        size_t n_defs, size_t def_size, const char *owner,
                        const char *text)
{
    FG_CHECK_ARG(out);
    if (owner == NULL)
        owner = "parameters";
    if (text == NULL)
        text = "";
    int rc = fg_params_validate_table(defs, n_defs, def_size, owner);
    if (rc != FORGET_OK)
        return rc;
    forget_params *p = fg_calloc(1, sizeof *p);
    if (p == NULL)
        return fg_nomem("a parameter set");
    p->defs = defs;
    p->n_defs = n_defs;
    p->def_size = def_size;
    p->values = fg_calloc(n_defs ? n_defs : 1, sizeof *p->values);
    p->texts = fg_malloc(strlen(text) + 1);
    if (p->values == NULL || p->texts == NULL) {
        forget_params_free(p);
        return fg_nomem("a parameter set");
    }
    rc = fg_parse_into(p, owner, text);
    if (rc != FORGET_OK) {
        forget_params_free(p);
        return rc;
    }
    *out = p;
    return FORGET_OK;
}

int fg_params_parse(forget_params **out, const forget_param_def *defs,
                    size_t n_defs, const char *owner, const char *text)
{
    return forget_params_parse(out, defs, n_defs, sizeof *defs, owner, text);
}

void forget_params_free(forget_params *p)
{
    if (p == NULL)
        return;
    fg_free(p->values);
    fg_free(p->texts);
    fg_free(p);
}

/* The value of name, checking its type is one of the two given. */
static int fg_lookup(const forget_params *p, const char *name, int32_t type,
                     int32_t also, const fg_value **val)
{
    FG_CHECK_ARG(p);
    FG_CHECK_ARG(name);
    size_t idx = fg_find(p, name, strlen(name));
    if (idx == (size_t)-1)
        return fg_error(FORGET_E_NOT_FOUND, "no parameter '%s' in this "
                        "table", name);
    int32_t t = fg_param_at(p->defs, p->def_size, idx)->type;
    if (type != 0 && t != type && t != also)
        return fg_error(FORGET_E_INVALID, "parameter '%s' has type %d, not "
                        "%d", name, (int)t, (int)type);
    *val = &p->values[idx];
    return FORGET_OK;
}

int forget_params_int(const forget_params *p, const char *name, int64_t *value)
{
    const fg_value *v;
    int rc = fg_lookup(p, name, FORGET_PARAM_INT, FORGET_PARAM_INT, &v);
    if (rc == FORGET_OK) {
        FG_CHECK_ARG(value);
        *value = v->v.i;
    }
    return rc;
}

int forget_params_double(const forget_params *p, const char *name,
                         double *value)
{
    const fg_value *v;
    int rc = fg_lookup(p, name, FORGET_PARAM_DOUBLE, FORGET_PARAM_INT, &v);
    if (rc != FORGET_OK)
        return rc;
    FG_CHECK_ARG(value);
    size_t idx = fg_find(p, name, strlen(name));
    int is_int = fg_param_at(p->defs, p->def_size, idx)->type ==
                 FORGET_PARAM_INT;
    *value = is_int ? (double)v->v.i : v->v.d;
    return FORGET_OK;
}

int forget_params_bool(const forget_params *p, const char *name, int *value)
{
    const fg_value *v;
    int rc = fg_lookup(p, name, FORGET_PARAM_BOOL, FORGET_PARAM_BOOL, &v);
    if (rc == FORGET_OK) {
        FG_CHECK_ARG(value);
        *value = v->v.b;
    }
    return rc;
}

int forget_params_enum(const forget_params *p, const char *name,
                       size_t *index)
{
    const fg_value *v;
    int rc = fg_lookup(p, name, FORGET_PARAM_ENUM, FORGET_PARAM_ENUM, &v);
    if (rc == FORGET_OK) {
        FG_CHECK_ARG(index);
        *index = v->v.e;
    }
    return rc;
}

int forget_params_string(const forget_params *p, const char *name,
                         const char **value)
{
    const fg_value *v;
    int rc = fg_lookup(p, name, 0, 0, &v);
    if (rc == FORGET_OK) {
        FG_CHECK_ARG(value);
        *value = v->text;
    }
    return rc;
}

int forget_params_given(const forget_params *p, const char *name, int *given)
{
    const fg_value *v;
    int rc = fg_lookup(p, name, 0, 0, &v);
    if (rc == FORGET_OK) {
        FG_CHECK_ARG(given);
        *given = v->given;
    }
    return rc;
}

/* Is name one of the space-separated words of list? */
static int fg_word_in(const char *list, const char *name)
{
    size_t len = strlen(name);
    for (const char *p = list; p && *p;) {
        while (*p == ' ')
            p++;
        size_t w = strcspn(p, " ");
        if (w == len && w > 0 && memcmp(p, name, len) == 0)
            return 1;
        p += w;
    }
    return 0;
}

/* key="value" (with \" and \\) appended at *o; returns the new end. */
static char *fg_put_quoted(char *o, const char *key, const char *value)
{
    o += sprintf(o, "%s=\"", key);
    for (const char *v = value; *v; v++) {
        if (*v == '"' || *v == '\\')
            *o++ = '\\';
        *o++ = *v;
    }
    *o++ = '"';
    *o++ = ' ';
    *o = '\0';
    return o;
}

int fg_params_override(const forget_param_def *defs, size_t n_defs,
                       size_t def_size, const char *owner, const char *base,
                       const char *over, const char *allowed, char **out)
{
    forget_params *b = NULL, *o = NULL;
    int rc = forget_params_parse(&b, defs, n_defs, def_size, owner, base);
    if (rc == FORGET_OK)
        rc = forget_params_parse(&o, defs, n_defs, def_size, owner, over);
    size_t cap = 1;
    for (size_t k = 0; rc == FORGET_OK && k < n_defs; k++) {
        const forget_param_def *def = fg_param_at(defs, def_size, k);
        if (o->values[k].given && !fg_word_in(allowed, def->name))
            rc = fg_error(FORGET_E_PARAM, "parameter '%s' of %s cannot be "
                          "changed when a state is loaded (only: %s)",
                          def->name, owner,
                          allowed && *allowed ? allowed : "none");
        const fg_value *v = o->values[k].given ? &o->values[k]
                                                : &b->values[k];
        if (v->given)
            cap += strlen(def->name) + 2 * strlen(v->text) + 4;
    }
    char *text = rc == FORGET_OK ? fg_malloc(cap) : NULL;
    if (rc == FORGET_OK && text == NULL)
        rc = fg_nomem("a parameter string");
    if (rc == FORGET_OK) {
        char *end = text;
        *end = '\0';
        for (size_t k = 0; k < n_defs; k++) {
            const fg_value *v = o->values[k].given ? &o->values[k]
                                                    : &b->values[k];
            if (v->given)
                end = fg_put_quoted(end, fg_param_at(defs, def_size, k)->name,
                                    v->text);
        }
        if (end > text)
            end[-1] = '\0'; /* no trailing space */
        *out = text;
    }
    forget_params_free(b);
    forget_params_free(o);
    return rc;
}
