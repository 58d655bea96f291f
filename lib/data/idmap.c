/* A flat open-addressing hash table from sample id to row. */
#include "data/idmap.h"

#include "util/alloc.h"
#include "util/rng.h"
#include "forget/forget.h"

/* A table of at least `want` slots (a power of two) over ids[0..n). */
static int fg_idmap_make(fg_idmap *m, const uint64_t *ids, size_t n,
                         size_t want, size_t *dup_first, size_t *dup_second)
{
    size_t cap = 16;
    while (cap < want) {
        if (cap > SIZE_MAX / 4)
            return FORGET_E_NOMEM;
        cap *= 2;
    }
    fg_idmap_slot *slots = fg_calloc(cap, sizeof *slots);
    if (slots == NULL)
        return FORGET_E_NOMEM;
    size_t mask = cap - 1;
    for (size_t row = 0; row < n; row++) {
        size_t h = (size_t)fg_mix64(ids[row]) & mask;
        while (slots[h].row_plus1 != 0) {
            if (slots[h].id == ids[row]) {
                *dup_first = slots[h].row_plus1 - 1;
                *dup_second = row;
                fg_free(slots);
                return FORGET_E_INVALID;
            }
            h = (h + 1) & mask;
        }
        slots[h].id = ids[row];
        slots[h].row_plus1 = row + 1;
    }
    m->slots = slots;
    m->mask = mask;
    return FORGET_OK;
}

int fg_idmap_build(fg_idmap *m, const uint64_t *ids, size_t n,
                   size_t *dup_first, size_t *dup_second)
{
    if (n > SIZE_MAX / 4)
        return FORGET_E_NOMEM;
    return fg_idmap_make(m, ids, n, 2 * n, dup_first, dup_second);
}

int fg_idmap_reserve(fg_idmap *m, const uint64_t *ids, size_t n,
                     size_t room)
{
    if (room <= (m->mask + 1) / 2) /* the load stays at most one half */
        return FORGET_OK;
    if (room > SIZE_MAX / 8)
        return FORGET_E_NOMEM;
    fg_idmap bigger;
    size_t a, b;
    /* four times the room: the next growth is as far again */
    if (fg_idmap_make(&bigger, ids, n, 4 * room, &a, &b) != FORGET_OK)
        return FORGET_E_NOMEM; /* the ids are distinct: only memory fails */
    fg_idmap_free(m);
    *m = bigger;
    return FORGET_OK;
}

void fg_idmap_insert(fg_idmap *m, uint64_t id, size_t row)
{
    size_t h = (size_t)fg_mix64(id) & m->mask;
    while (m->slots[h].row_plus1 != 0)
        h = (h + 1) & m->mask;
    m->slots[h].id = id;
    m->slots[h].row_plus1 = row + 1;
}

int fg_idmap_find(const fg_idmap *m, uint64_t id, size_t *row)
{
    size_t h = (size_t)fg_mix64(id) & m->mask;
    while (m->slots[h].row_plus1 != 0) {
        if (m->slots[h].id == id) {
            *row = m->slots[h].row_plus1 - 1;
            return 1;
        }
        h = (h + 1) & m->mask;
    }
    return 0;
}

void fg_idmap_free(fg_idmap *m)
{
    fg_free(m->slots);
    m->slots = NULL;
}
