/* A flat open-addressing hash table from sample id to row. */
#include "data/idmap.h"

#include "util/alloc.h"
#include "util/rng.h"
#include "forget/forget.h"

int fg_idmap_build(fg_idmap *m, const uint64_t *ids, size_t n,
                   size_t *dup_first, size_t *dup_second)
{
    size_t cap = 16;
    while (cap < 2 * n) {
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
