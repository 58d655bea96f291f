/* Saving and loading an unlearner: the library's sections (_MTH method
 * name, _PAR parameter string, _PRP prepared flag, _JSQ the journal and
 * the last journaled request the state holds, when it has one; _MDG the
 * digest of the model it belongs to), then the method's. */
#include <stdio.h>
#include <string.h>

#include "util/alloc.h"
#include "format/container.h"
#include "format/sections.h"
#include "util/error.h"
#include "util/params.h"
#include "util/runtime.h"
#include "util/sha256.h"
#include "unlearner/unlearner.h"

static int fg_unlearner_serialise(const forget_unlearner *u,
                                  forget_writer *fw, const char *caller)
{
    const forget_method *m = u->method;
    int rc = fg_unlearner_whole(u, caller);
    if (rc != FORGET_OK)
        return rc;
    if (m->save == NULL)
        return fg_error(FORGET_E_UNSUPPORTED, "%s: method '%s' cannot save "
                        "its state", caller, m->name);
    fg_writer *w = &fw->w;
    unsigned char prepared[4];
    fg_put_u32(prepared, (uint32_t)u->prepared);
    fg_writer_begin(w, FG_FILE_UNLEARNER);
    fg_writer_section(w, "_MTH", FG_SECTION_REQUIRED, m->name,
                      strlen(m->name));
    fg_writer_section(w, "_PAR", FG_SECTION_REQUIRED, u->params_text,
                      strlen(u->params_text));
    fg_writer_section(w, "_PRP", FG_SECTION_REQUIRED, prepared, 4);
    if (u->journal_known) {
        unsigned char jsq[16];
        fg_put_u64(jsq, u->journal_id);
        fg_put_u64(jsq + 8, u->journal_seq);
        fg_writer_section(w, "_JSQ", 0, jsq, sizeof jsq);
    }
    unsigned char digest[FORGET_DIGEST_SIZE];
    if (u->model != NULL && forget_model_digest(u->model, digest) == FORGET_OK)
        fg_writer_section(w, "_MDG", 0, digest, sizeof digest);
    forget_set_error(FORGET_OK, "");
    rc = w->failed ? fg_nomem("a state file")
                       : fg_backend_status(m, "save", m->save(u->state, fw));
    return fg_writer_end(w, rc);
}

int forget_unlearner_save(const forget_unlearner *u, const char *path)
{
    FG_CHECK_ARG(u);
    FG_CHECK_ARG(path);
    forget_writer w;
    int rc = fg_unlearner_serialise(u, &w, __func__);
    if (rc == FORGET_OK)
        rc = fg_writer_to_file(&w.w, path);
    /* The file is durable: what the method kept for the state before it
     * (sisa's superseded checkpoints) may go now. */
    if (rc == FORGET_OK && u->method->saved)
        u->method->saved(u->state);
    return rc;
}

int forget_unlearner_save_buffer(const forget_unlearner *u, void *buf,
                                 size_t capacity, size_t *size)
{
    FG_CHECK_ARG(u);
    FG_CHECK_ARG(size);
    forget_writer w;
    int rc = fg_unlearner_serialise(u, &w, __func__);
    return rc == FORGET_OK ? fg_writer_to_buffer(&w.w, buf, capacity, size,
                                                 __func__, "state")
                           : rc;
}

/* The next section must be tag; copy it as text into a new string. */
static int fg_expect(fg_reader *r, const char *tag, fg_section *s,
                     const char *what)
{
    int rc = fg_reader_next(r, s);
    if (rc < 0)
        return rc;
    if (rc == 0 || strcmp(s->tag, tag) != 0)
        return fg_error(FORGET_E_FORMAT, "%s: expected section %s", what,
                        tag);
    return FORGET_OK;
}

static int fg_text(const fg_section *s, char **out, const char *what)
{
    if (s->len > 65535 || memchr(s->data, '\0', s->len))
        return fg_error(FORGET_E_FORMAT, "%s: section %s is not a short "
                        "text", what, s->tag);
    char *t = fg_malloc(s->len + 1);
    if (t == NULL)
        return fg_nomem("a state file text");
    memcpy(t, s->data, s->len);
    t[s->len] = '\0';
    *out = t;
    return FORGET_OK;
}

/* The library's optional sections after _PRP. */
typedef struct fg_extras {
    uint64_t journal_id, journal_seq;
    int journal_known;                      /* _JSQ was there */
    unsigned char digest[FORGET_DIGEST_SIZE];
    int has_digest;                         /* _MDG was there */
} fg_extras;

static int fg_take_extra(const fg_section *s, fg_extras *x, const char *what)
{
    int jsq = !strcmp(s->tag, "_JSQ");
    size_t want = jsq ? 16 : FORGET_DIGEST_SIZE;
    if (s->len != want)
        return fg_error(FORGET_E_FORMAT, "%s: section %s holds %zu bytes, "
                        "not %zu", what, s->tag, s->len, want);
    if (jsq ? x->journal_known : x->has_digest)
        return fg_error(FORGET_E_FORMAT, "%s: section '%s' appears twice",
                        what, s->tag);
    if (jsq) {
        x->journal_id = fg_get_u64(s->data);
        x->journal_seq = fg_get_u64(s->data + 8);
        x->journal_known = 1;
    } else {
        memcpy(x->digest, s->data, FORGET_DIGEST_SIZE);
        x->has_digest = 1;
    }
    return FORGET_OK;
}

/* _JSQ and _MDG, in any order, if they come next (the reader is left at
 * the first other section). */
static int fg_read_extras(fg_reader *r, fg_extras *x, const char *what)
{
    for (;;) {
        fg_reader at = *r;
        fg_section s;
        int rc = fg_reader_next(r, &s);
        if (rc < 0)
            return rc;
        if (rc == 0 || (strcmp(s.tag, "_JSQ") && strcmp(s.tag, "_MDG"))) {
            *r = at;
            return FORGET_OK;
        }
        if ((rc = fg_take_extra(&s, x, what)) != FORGET_OK)
            return rc;
    }
}

/* A state knows the model it was saved with (_MDG): loading it against
 * another is refused, naming both digests. States saved before _MDG
 * existed cannot be checked. */
static int fg_check_model(const fg_extras *x, const forget_model *model,
                          const char *what)
{
    unsigned char d[FORGET_DIGEST_SIZE];
    if (!x->has_digest || model == NULL)
        return FORGET_OK;
    int rc = forget_model_digest(model, d);
    if (rc != FORGET_OK || memcmp(d, x->digest, sizeof d) == 0)
        return rc;
    char saved[65], given[65];
    fg_sha256_hex(x->digest, saved);
    fg_sha256_hex(d, given);
    return fg_error(FORGET_E_STATE, "%s: the state was saved with the model "
                    "of digest %.16s..., not this one (%.16s...): load the "
                    "model saved with it (a state and its model are saved "
                    "together)", what, saved, given);
}

/* After the method's load: what it left is skipped unless required
 * (the container's one rule, fg_slots_read with an empty table). */
static int fg_drain(forget_reader *r, const char *what)
{
    fg_slot none[] = {{NULL, 0, NULL, 0, 0}};
    return fg_slots_read(r, none, NULL, NULL, what);
}

/* After a method's load succeeded (so a model of another shape was
 * refused by the method, FORGET_E_FORMAT): the sections it left, the
 * prepared flag against what it rebuilt (a method that presents a model
 * presents one once prepared), and the model against the one the state
 * was saved with. On failure the state is destroyed. */
static int fg_loaded_check(const forget_method *m, void *state, int prepared,
                           forget_reader *r, const fg_extras *x,
                           const forget_model *model, const char *what)
{
    int rc = fg_drain(r, what);
    if (rc == FORGET_OK)
        rc = fg_check_model(x, model, what);
    if (rc == FORGET_OK && prepared && m->model && m->model(state) == NULL)
        rc = fg_error(FORGET_E_FORMAT, "%s: the state is marked prepared "
                      "but method '%s' saved no prepared state", what,
                      m->name);
    if (rc != FORGET_OK)
        m->destroy(state);
    return rc;
}

/* The saved parameter text with the host's overrides (over: NULL or ""
 * for none) of the keys the method lets a host change at load. */
static int fg_load_overrides(const forget_method *m, char **params,
                             const char *over)
{
    if (over == NULL || *over == '\0')
        return FORGET_OK;
    char owner[96], *merged = NULL;
    snprintf(owner, sizeof owner, "method '%s'", m->name);
    int rc = fg_params_override(m->params, m->n_params, m->param_def_size,
                                owner, *params, over, m->load_overrides,
                                &merged);
    if (rc == FORGET_OK) {
        fg_free(*params);
        *params = merged;
    }
    return rc;
}

static int fg_unlearner_deserialise(forget_unlearner **out,
                                         forget_model *model, const void *buf,
                                         size_t len, const char *what,
                                         const char *over)
{
    int rc = fg_require_init(what);
    if (rc != FORGET_OK)
        return rc;
    forget_reader fr;
    fg_section s;
    char *name = NULL, *params = NULL;
    rc = fg_reader_open(&fr.r, buf, len, FG_FILE_UNLEARNER, what);
    if (rc == FORGET_OK)
        rc = fg_expect(&fr.r, "_MTH", &s, what);
    if (rc == FORGET_OK)
        rc = fg_text(&s, &name, what);
    if (rc == FORGET_OK)
        rc = fg_expect(&fr.r, "_PAR", &s, what);
    if (rc == FORGET_OK)
        rc = fg_text(&s, &params, what);
    if (rc == FORGET_OK)
        rc = fg_expect(&fr.r, "_PRP", &s, what);
    if (rc == FORGET_OK && (s.len != 4 || fg_get_u32(s.data) > 1))
        rc = fg_error(FORGET_E_FORMAT, "%s: section _PRP is not a flag",
                      what);
    int prepared = rc == FORGET_OK ? (int)fg_get_u32(s.data) : 0;
    fg_extras x;
    memset(&x, 0, sizeof x);
    if (rc == FORGET_OK)
        rc = fg_read_extras(&fr.r, &x, what);
    const forget_method *m = NULL;
    if (rc == FORGET_OK)
        rc = fg_unlearner_lookup(name, model, &m);
    if (rc == FORGET_OK && m->load == NULL)
        rc = fg_error(FORGET_E_UNSUPPORTED, "%s: method '%s' cannot load a "
                      "state", what, m->name);
    if (rc == FORGET_OK)
        rc = fg_load_overrides(m, &params, over);
    forget_params *p = NULL;
    if (rc == FORGET_OK)
        rc = fg_unlearner_params(m, params, &p);
    void *state = NULL;
    if (rc == FORGET_OK) {
        forget_set_error(FORGET_OK, "");
        rc = fg_backend_status(m, "load",
                               m->load(&state, model, p, &fr, m->user_data));
        if (rc == FORGET_OK)
            rc = fg_loaded_check(m, state, prepared, &fr, &x, model, what);
    }
    forget_params_free(p);
    forget_unlearner *u = NULL;
    if (rc == FORGET_OK) {
        rc = fg_unlearner_wrap(&u, m, model, params, state);
        if (rc != FORGET_OK)
            m->destroy(state);
    }
    fg_free(name);
    fg_free(params);
    if (rc != FORGET_OK)
        return rc;
    u->prepared = prepared;
    u->journal_id = x.journal_id;
    u->journal_seq = x.journal_seq;
    u->journal_known = x.journal_known;
    *out = u;
    return FORGET_OK;
}

int forget_unlearner_load(forget_unlearner **out, forget_model *model,
                          const char *path)
{
    return forget_unlearner_load_params(out, model, path, NULL);
}

int forget_unlearner_load_buffer(forget_unlearner **out, forget_model *model,
                                 const void *buf, size_t size)
{
    return forget_unlearner_load_buffer_params(out, model, buf, size, NULL);
}

int forget_unlearner_load_params(forget_unlearner **out, forget_model *model,
                                 const char *path, const char *params)
{
    FG_CHECK_ARG(out);
    FG_CHECK_ARG(path);
    unsigned char *buf = NULL;
    size_t len = 0;
    char what[300];
    snprintf(what, sizeof what, "'%s'", path);
    int rc = fg_container_read_file(path, FG_FILE_UNLEARNER, what, &buf, &len);
    if (rc != FORGET_OK)
        return rc;
    rc = fg_unlearner_deserialise(out, model, buf, len, what, params);
    fg_free(buf);
    return rc;
}

int forget_unlearner_load_buffer_params(forget_unlearner **out,
                                        forget_model *model, const void *buf,
                                        size_t size, const char *params)
{
    FG_CHECK_ARG(out);
    FG_CHECK_ARG(buf);
    return fg_unlearner_deserialise(out, model, buf, size,
                                         "the state buffer", params);
}
