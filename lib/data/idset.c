/* The prepared ids of a method and what has been forgotten since. */
#include "data/idset.h"

#include <stdint.h>
#include <stdlib.h>
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
    s->cap = ds->n ? ds->n : 1;
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

/* qsort_r: order request places by their slot, then by place. */
static int fg_by_slot(const void *a, const void *b, void *slots)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    size_t sx = ((const size_t *)slots)[x], sy = ((const size_t *)slots)[y];
    if (sx != sy)
        return (sx > sy) - (sx < sy);
    return (x > y) - (x < y);
}

/* Drop the later mentions of a slot from slots[0..*n) (and pos), keeping
 * the order of first mentions; *n becomes the count kept. */
static int fg_idset_coalesce(size_t *slots, size_t *pos, size_t *n)
{
    if (*n < 2)
        return FORGET_OK;
    size_t *order = fg_malloc_array(*n, sizeof *order);
    if (order == NULL)
        return fg_nomem("a request");
    for (size_t i = 0; i < *n; i++)
        order[i] = i;
    qsort_r(order, *n, sizeof *order, fg_by_slot, slots);
    /* A later mention is marked with an impossible place, then squeezed. */
    for (size_t i = 1; i < *n; i++)
        if (slots[order[i]] == slots[order[i - 1]])
            pos[order[i]] = SIZE_MAX;
    fg_free(order);
    size_t k = 0;
    for (size_t i = 0; i < *n; i++)
        if (pos[i] != SIZE_MAX) {
            slots[k] = slots[i];
            pos[k++] = pos[i];
        }
    *n = k;
    return FORGET_OK;
}

int fg_idset_request(const fg_idset *s, const uint64_t *ids, size_t n,
                     size_t *slots, size_t *pos, size_t *n_live,
                     size_t *repeats, const char *method)
{
    size_t live = 0, gone = 0;
    for (size_t i = 0; i < n; i++) {
        size_t at;
        if (!fg_idmap_find(&s->index, ids[i], &at))
            return fg_error(FORGET_E_NOT_FOUND, "method '%s': sample id %llu "
                            "(entry %zu of the request) was not learned",
                            method, (unsigned long long)ids[i], i);
        if (s->gone[at]) {
            gone++;
        } else {
            slots[live] = at;
            pos[live++] = i;
        }
    }
    size_t distinct = live;
    int rc = fg_idset_coalesce(slots, pos, &distinct);
    if (rc != FORGET_OK)
        return rc;
    *n_live = distinct;
    *repeats = gone + (live - distinct);
    return FORGET_OK;
}

void fg_idset_mark(fg_idset *s, const size_t *slots, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!s->gone[slots[i]]) {
            s->gone[slots[i]] = 1;
            s->n_gone++;
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
    s->cap = s->n ? s->n : 1;
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

/* Room for total slots in ids and gone (doubling; contents kept). */
static int fg_idset_room(fg_idset *s, size_t total)
{
    if (total <= s->cap)
        return FORGET_OK;
    size_t cap = total > 2 * s->cap ? total : 2 * s->cap;
    uint64_t *ids = fg_realloc_array(s->ids, cap, sizeof *ids);
    if (ids != NULL)
        s->ids = ids;
    unsigned char *gone = ids ? fg_realloc_array(s->gone, cap, 1) : NULL;
    if (gone == NULL)
        return fg_nomem("the learned ids");
    s->gone = gone;
    s->cap = cap;
    return FORGET_OK;
}

int fg_idset_learn_plan(fg_idset *s, const uint64_t *ids, size_t n,
                        size_t *slot, size_t *total, const char *method)
{
    fg_idmap req;
    size_t a, b;
    int rc = fg_idmap_build(&req, ids, n, &a, &b); /* O(n): the request */
    if (rc == FORGET_E_NOMEM)
        return fg_nomem("an id index");
    if (rc != FORGET_OK)
        return fg_error(FORGET_E_INVALID, "method '%s': sample id %llu is "
                        "listed twice in the request", method,
                        (unsigned long long)ids[a]);
    fg_idmap_free(&req);
    (void)b;
    size_t next = s->n;
    for (size_t i = 0; i < n; i++) {
        size_t at;
        if (!fg_idmap_find(&s->index, ids[i], &at))
            slot[i] = next++;
        else if (s->gone[at])
            slot[i] = at;
        else
            return fg_error(FORGET_E_INVALID, "method '%s': sample id %llu is "
                            "learned already", method,
                            (unsigned long long)ids[i]);
    }
    rc = fg_idset_room(s, next);
    if (rc == FORGET_OK &&
        fg_idmap_reserve(&s->index, s->ids, s->n, next) != FORGET_OK)
        rc = fg_nomem("an id index");
    *total = next;
    return rc;
}

void fg_idset_learn_commit(fg_idset *s, const uint64_t *ids, size_t n,
                           const size_t *slot)
{
    for (size_t i = 0; i < n; i++) {
        if (slot[i] < s->n) { /* forgotten, learned again */
            s->gone[slot[i]] = 0;
            s->n_gone--;
            continue;
        }
        s->ids[slot[i]] = ids[i];
        s->gone[slot[i]] = 0;
        fg_idmap_insert(&s->index, ids[i], slot[i]);
    }
    for (size_t i = 0; i < n; i++)
        s->n = slot[i] + 1 > s->n ? slot[i] + 1 : s->n;
}

int fg_idset_load_slots(fg_idset *s, const fg_slot *table, const char *method)
{
    const fg_slot *ids = fg_slot_get(table, "IDS "),
                  *gone = fg_slot_get(table, "GONE");
    return fg_idset_load(s, ids->data, ids->size, gone->data, gone->size,
                         method);
}

int fg_idset_forgotten(const fg_idset *s, uint64_t id, int *forgotten)
{
    size_t slot;
    if (!fg_idmap_find(&s->index, id, &slot))
        return FORGET_E_NOT_FOUND;
    *forgotten = s->gone[slot] != 0;
    return FORGET_OK;
}

size_t fg_idset_remembered(const fg_idset *s) { return s->n - s->n_gone; }

int fg_idset_matches(const fg_idset *s, const forget_dataset *rows,
                     const char *method)
{
    if (s->n - s->n_gone != rows->n)
        return fg_error(FORGET_E_FORMAT, "method '%s': %zu ids are "
                        "remembered but %zu rows kept", method,
                        s->n - s->n_gone, rows->n);
    for (size_t i = 0; i < s->n; i++) {
        size_t at;
        if (!s->gone[i] && !fg_idmap_find(&rows->index, s->ids[i], &at))
            return fg_error(FORGET_E_FORMAT, "method '%s': remembered id "
                            "%llu has no kept row", method,
                            (unsigned long long)s->ids[i]);
    }
    return FORGET_OK;
}
