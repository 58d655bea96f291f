/* Model files: sections KIND (the kind's name), PARM (its canonical
 * creation parameters) and WGHT (u64 count, then float32 values). A model
 * is rebuilt from KIND and PARM, so the file holds no layout of its own to
 * trust; the weight count is checked before anything is allocated. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "util/alloc.h"
#include "util/error.h"
#include "util/runtime.h"
#include "format/container.h"
#include "format/sections.h"
#include "model/model.h"

#define FG_MAX_PARAMS_TEXT 65536

static int fg_model_serialise(const forget_model *m, fg_writer *w,
                              const char *caller)
{
    if (!strcmp(m->kind, "host"))
        return fg_error(FORGET_E_UNSUPPORTED, "%s: host models cannot be "
                        "saved (their code lives in the host)", caller);
    if (!strcmp(m->kind, "ensemble"))
        return fg_error(FORGET_E_UNSUPPORTED, "%s: an ensemble belongs to "
                        "its unlearner and is saved with it "
                        "(forget_unlearner_save); save its constituents "
                        "(forget_model_part) to keep them as models", caller);
    unsigned char count[8];
    fg_put_u64(count, (uint64_t)m->n_params);
    fg_writer_begin(w, FG_FILE_MODEL);
    fg_writer_section(w, "KIND", FG_SECTION_REQUIRED, m->kind,
                      strlen(m->kind));
    fg_writer_section(w, "PARM", FG_SECTION_REQUIRED, m->params_text,
                      strlen(m->params_text));
    /* float32 little-endian: the in-memory layout on every host we build
     * for; a big-endian port must swap here. */
    fg_writer_section2(w, "WGHT", FG_SECTION_REQUIRED, count, 8, m->theta,
                       m->n_params * sizeof(float));
    int rc = w->failed ? fg_nomem("a model file") : FORGET_OK;
    if (rc == FORGET_OK && m->ops->save_sections)
        rc = m->ops->save_sections(m, (forget_writer *)(void *)w);
    return fg_writer_end(w, rc);
}

int forget_model_save(const forget_model *m, const char *path)
{
    FG_CHECK_ARG(m);
    FG_CHECK_ARG(path);
    fg_writer w;
    int rc = fg_model_serialise(m, &w, __func__);
    return rc == FORGET_OK ? fg_writer_to_file(&w, path) : rc;
}

int forget_model_save_buffer(const forget_model *m, void *buf,
                             size_t capacity, size_t *size)
{
    FG_CHECK_ARG(m);
    FG_CHECK_ARG(size);
    fg_writer w;
    int rc = fg_model_serialise(m, &w, __func__);
    return rc == FORGET_OK ? fg_writer_to_buffer(&w, buf, capacity, size,
                                                 __func__, "model")
                           : rc;
}

#define FG_MAX_EXTRA 8

typedef struct fg_model_parts {
    char kind[16];
    char *params;
    const unsigned char *weights;
    size_t count;
    fg_section extra[FG_MAX_EXTRA]; /* the kind's own sections */
    size_t n_extra;
    const char *what; /* names the file in messages */
} fg_model_parts;

static int fg_take_text(const fg_slot *s, char *dst, size_t cap,
                        const char *what)
{
    if (s->size >= cap || memchr(s->data, '\0', s->size))
        return fg_error(FORGET_E_FORMAT, "%s: section %s is not a text of "
                        "at most %zu bytes", what, s->tag, cap - 1);
    memcpy(dst, s->data, s->size);
    dst[s->size] = '\0';
    return FORGET_OK;
}

/* A section beyond KIND/PARM/WGHT: kept for the kind, once it is made. */
static int fg_keep_extra(const char *tag, uint32_t flags,
                         const unsigned char *data, size_t size, void *ctx)
{
    fg_model_parts *parts = ctx;
    for (size_t i = 0; i < parts->n_extra; i++)
        if (!strcmp(parts->extra[i].tag, tag))
            return fg_error(FORGET_E_FORMAT, "%s: section '%s' appears "
                            "twice", parts->what, tag);
    if (parts->n_extra == FG_MAX_EXTRA)
        return fg_error(FORGET_E_FORMAT, "%s: more than %d extra sections",
                        parts->what, FG_MAX_EXTRA);
    fg_section *x = &parts->extra[parts->n_extra++];
    memcpy(x->tag, tag, 5);
    x->flags = flags;
    x->data = data;
    x->len = size;
    return 1;
}

static int fg_read_parts(forget_reader *r, fg_model_parts *parts,
                         const char *what)
{
    fg_slot t[] = {{"KIND", 1, 0, 0, 0}, {"PARM", 1, 0, 0, 0},
                   {"WGHT", 1, 0, 0, 0}, {NULL, 0, 0, 0, 0}};
    int rc = fg_slots_read(r, t, fg_keep_extra, parts, what);
    if (rc != FORGET_OK)
        return rc;
    const fg_slot *kind = &t[0], *parm = &t[1], *wght = &t[2];
    if (!kind->data || !parm->data || !wght->data)
        return fg_error(FORGET_E_FORMAT, "%s: the sections KIND, PARM and "
                        "WGHT are all required", what);
    if (wght->size < 8 || (wght->size - 8) % 4 != 0 ||
        fg_get_u64(wght->data) != (wght->size - 8) / 4)
        return fg_error(FORGET_E_FORMAT, "%s: section WGHT of %zu bytes "
                        "does not hold the float32 values its count says",
                        what, wght->size);
    parts->weights = wght->data + 8;
    parts->count = (wght->size - 8) / 4;
    rc = fg_take_text(kind, parts->kind, sizeof parts->kind, what);
    if (rc == FORGET_OK && (parts->params = fg_malloc(parm->size + 1)) == NULL)
        rc = fg_nomem("a model's parameters");
    if (rc == FORGET_OK)
        rc = fg_take_text(parm, parts->params, FG_MAX_PARAMS_TEXT, what);
    return rc;
}

/* Rewrite a parameter error in stored data as a format error. */
static int fg_stored_params_error(int rc, const char *what)
{
    if (rc != FORGET_E_PARAM && rc != FORGET_E_NOT_FOUND)
        return rc;
    char why[512];
    snprintf(why, sizeof why, "%s", forget_last_error());
    return fg_error(FORGET_E_FORMAT, "%s: the stored model is invalid: %s",
                    what, why);
}

/* Hand the kind its sections; unknown ones are skipped unless required. */
static int fg_load_extra(forget_model *m, const fg_model_parts *parts,
                         const char *what)
{
    if (m->ops->load_section && m->ops->load_section(m, NULL, NULL, 0) < 0)
        return FORGET_E_INTERNAL;
    for (size_t i = 0; i < parts->n_extra; i++) {
        const fg_section *s = &parts->extra[i];
        int used = m->ops->load_section
                       ? m->ops->load_section(m, s->tag, s->data, s->len)
                       : 0;
        if (used < 0) {
            char why[512];
            snprintf(why, sizeof why, "%s", forget_last_error());
            return fg_error(used, "%s: %s", what, why);
        }
        if (used == 0 && (used = fg_section_unknown(s->tag, s->flags, what)))
            return used;
    }
    return FORGET_OK;
}

static int fg_model_deserialise(forget_model **out, const void *buf,
                                size_t len, const char *what)
{
    int rc = fg_require_init(what);
    if (rc != FORGET_OK)
        return rc;
    forget_reader r;
    rc = fg_reader_open(&r.r, buf, len, FG_FILE_MODEL, what);
    if (rc != FORGET_OK)
        return rc;
    fg_model_parts parts;
    memset(&parts, 0, sizeof parts);
    parts.what = what;
    rc = fg_read_parts(&r, &parts, what);
    size_t expect = 0;
    if (rc == FORGET_OK)
        rc = fg_stored_params_error(
            fg_model_kind_count_params(parts.kind, parts.params, &expect),
            what);
    if (rc == FORGET_OK && expect != parts.count)
        rc = fg_error(FORGET_E_FORMAT, "%s: %zu weights stored, the model "
                      "described needs %zu", what, parts.count, expect);
    forget_model *m = NULL;
    if (rc == FORGET_OK)
        rc = fg_stored_params_error(
            forget_model_create(&m, parts.kind, parts.params), what);
    fg_free(parts.params);
    if (rc != FORGET_OK)
        return rc;
    fg_get_f32s(m->theta, parts.weights, parts.count);
    for (size_t i = 0; rc == FORGET_OK && i < parts.count; i++)
        if (!isfinite(m->theta[i]))
            rc = fg_error(FORGET_E_FORMAT, "%s: weight %zu is not finite",
                          what, i);
    if (rc == FORGET_OK)
        rc = fg_load_extra(m, &parts, what);
    if (rc != FORGET_OK) {
        forget_model_free(m);
        return rc;
    }
    *out = m;
    return FORGET_OK;
}

int forget_model_load(forget_model **out, const char *path)
{
    FG_CHECK_ARG(out);
    FG_CHECK_ARG(path);
    unsigned char *buf = NULL;
    size_t len = 0;
    char what[300];
    snprintf(what, sizeof what, "'%s'", path);
    int rc = fg_container_read_file(path, FG_FILE_MODEL, what, &buf, &len);
    if (rc != FORGET_OK)
        return rc;
    rc = fg_model_deserialise(out, buf, len, what);
    fg_free(buf);
    return rc;
}

int forget_model_load_buffer(forget_model **out, const void *buf, size_t size)
{
    FG_CHECK_ARG(out);
    FG_CHECK_ARG(buf);
    return fg_model_deserialise(out, buf, size, "the model buffer");
}
