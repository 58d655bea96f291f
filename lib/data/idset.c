/* The prepared ids of a method and what has been forgotten since. */
#include "data/idset.h"

#include <string.h>

#include "util/alloc.h"
#include "format/container.h"
#include "util/error.h"
#include "data/dataset.h"

static int fg_idset_index(fg_idset *s, const char *method)
{
    size_t a, b;
    int rc = fg_idmap_build(&s->index, s->ids, s->n, &a, &b);
    if (rc == FORGET_E_NOMEM)
        return fg_nomem("an id index");
    if (rc != FORGET_OK)
        return fg_error(FORGET_E_FORMAT, "method '%s': the saved ids repeat "
                        "id %llu", method, (unsigned long long)s->ids[a]);
    (void)b;
    return FORGET_OK;
}

int fg_idset_from(fg_idset *s, const forget_dataset *ds)
{
    memset(s, 0, sizeof *s);
    s->n = ds->n;
    s->ids = fg_malloc_array(ds->n ? ds->n : 1, sizeof *s->ids);
    s->gone = fg_calloc(ds->n ? ds->n : 1, 1);
    if (s->ids == NULL || s->gone == NULL) {
        fg_idset_free(s);
        return fg_nomem("the prepared ids");
    }
    if (ds->n)
        memcpy(s->ids, ds->ids, ds->n * sizeof *s->ids);
    int rc = fg_idset_index(s, "");
    if (rc != FORGET_OK)
        fg_idset_free(s);
    return rc;
}

void fg_idset_free(fg_idset *s)
{
    fg_free(s->ids);
    fg_free(s->gone);
    fg_idmap_free(&s->index);
    memset(s, 0, sizeof *s);
}

int fg_idset_live(const fg_idset *s, const forget_dataset *rows, size_t *live,
                  size_t *n_live, size_t *repeats, const char *method)
{
    *n_live = *repeats = 0;
    for (size_t i = 0; i < rows->n; i++) {
        size_t at;
        if (!fg_idmap_find(&s->index, rows->ids[i], &at))
            return fg_error(FORGET_E_NOT_FOUND, "method '%s': sample id %llu "
                            "(row %zu of the request) was not in the "
                            "prepared data", method,
                            (unsigned long long)rows->ids[i], i);
        if (s->gone[at])
            ++*repeats;
        else
            live[(*n_live)++] = i;
    }
    return FORGET_OK;
}

void fg_idset_forget(fg_idset *s, const forget_dataset *rows)
{
    for (size_t i = 0; i < rows->n; i++) {
        size_t at;
        if (fg_idmap_find(&s->index, rows->ids[i], &at) && !s->gone[at]) {
            s->gone[at] = 1;
            s->n_gone++;
        }
    }
}

int fg_idset_save(const fg_idset *s, forget_writer *w)
{
    /* u64 little-endian: the in-memory layout on the hosts we build for. */
    int rc = forget_writer_section(w, "IDS ", FORGET_SECTION_REQUIRED, s->ids,
                                   s->n * sizeof *s->ids);
    if (rc == FORGET_OK)
        rc = forget_writer_section(w, "GONE", FORGET_SECTION_REQUIRED,
                                   s->gone, s->n);
    return rc;
}

int fg_idset_load(fg_idset *s, const void *ids, size_t ids_size,
                  const void *gone, size_t gone_size, const char *method)
{
    memset(s, 0, sizeof *s);
    if (ids == NULL || gone == NULL) /* the section is absent, not empty */
        return fg_error(FORGET_E_FORMAT, "method '%s': the state has no "
                        "%s section", method, ids == NULL ? "prepared-id"
                                                          : "forgotten-flag");
    if (ids_size % 8 != 0 || gone_size != ids_size / 8)
        return fg_error(FORGET_E_FORMAT, "method '%s': the saved ids (%zu "
                        "bytes) and flags (%zu bytes) disagree", method,
                        ids_size, gone_size);
    s->n = gone_size;
    s->ids = fg_malloc_array(s->n ? s->n : 1, sizeof *s->ids);
    s->gone = fg_malloc(s->n ? s->n : 1);
    if (s->ids == NULL || s->gone == NULL) {
        fg_idset_free(s);
        return fg_nomem("the prepared ids");
    }
    fg_get_u64s(s->ids, ids, s->n);
    memcpy(s->gone, gone, s->n);
    for (size_t i = 0; i < s->n; i++) {
        if (s->gone[i] > 1) {
            fg_idset_free(s);
            return fg_error(FORGET_E_FORMAT, "method '%s': a saved flag is "
                            "not 0 or 1", method);
        }
        s->n_gone += s->gone[i];
    }
    int rc = fg_idset_index(s, method);
    if (rc != FORGET_OK)
        fg_idset_free(s);
    return rc;
}

int fg_idset_with(const fg_idset *s, const uint64_t *ids, size_t n,
                  fg_idset *out, size_t *slot, const char *method)
{
    memset(out, 0, sizeof *out);
    fg_idmap req;
    size_t a, b;
    int rc = fg_idmap_build(&req, ids, n, &a, &b);
    if (rc == FORGET_E_NOMEM)
        return fg_nomem("an id index");
    if (rc != FORGET_OK)
        return fg_error(FORGET_E_INVALID, "method '%s': sample id %llu is "
                        "listed twice in the request", method,
                        (unsigned long long)ids[a]);
    fg_idmap_free(&req);
    (void)b;
    size_t fresh = 0;
    for (size_t i = 0; i < n; i++) {
        size_t at;
        if (!fg_idmap_find(&s->index, ids[i], &at))
            fresh++;
        else if (!s->gone[at])
            return fg_error(FORGET_E_INVALID, "method '%s': sample id %llu is "
                            "learned already", method,
                            (unsigned long long)ids[i]);
    }
    out->n = s->n + fresh;
    out->ids = fg_malloc_array(out->n ? out->n : 1, sizeof *out->ids);
    out->gone = fg_malloc(out->n ? out->n : 1);
    if (out->ids == NULL || out->gone == NULL) {
        fg_idset_free(out);
        return fg_nomem("the learned ids");
    }
    memcpy(out->ids, s->ids, s->n * sizeof *s->ids);
    memcpy(out->gone, s->gone, s->n);
    out->n_gone = s->n_gone;
    size_t next = s->n;
    for (size_t i = 0; i < n; i++) {
        size_t at;
        if (fg_idmap_find(&s->index, ids[i], &at)) {
            out->gone[at] = 0;
            out->n_gone--;
            slot[i] = at;
        } else {
            out->ids[next] = ids[i];
            out->gone[next] = 0;
            slot[i] = next++;
        }
    }
    rc = fg_idset_index(out, method);
    if (rc != FORGET_OK)
        fg_idset_free(out);
    return rc;
}
