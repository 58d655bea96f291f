/* Open-addressing id map with linear probing; see idstate.h. */
#include "util/idstate.h"

#include <string.h>

#include "util/alloc.h"
#include "util/error.h"

static size_t fg_idstate_home(uint64_t id, size_t mask)
{
    return (size_t)((id * 0x9E3779B97F4A7C15ull) >> 17) & mask;
}

static fg_idstate_slot *fg_idstate_slot_of(fg_idstate_slot *slots,
                                           size_t mask, uint64_t id)
{
    size_t i = fg_idstate_home(id, mask);
    while (slots[i].used && slots[i].id != id)
        i = (i + 1) & mask;
    return &slots[i];
}

int fg_idstate_reserve(fg_idstate *s, size_t more)
{
    size_t cap = s->slots ? s->mask + 1 : 0;
    if (more > (SIZE_MAX / 4) - s->count)
        return fg_error(FORGET_E_NOMEM, "too many ids for the forgotten set");
    size_t need = 2 * (s->count + more);
    if (need <= cap && cap > 0)
        return FORGET_OK;
    size_t ncap = cap ? cap : 64;
    while (ncap < need)
        ncap *= 2;
    fg_idstate_slot *ns = fg_calloc(ncap, sizeof *ns);
    if (ns == NULL)
        return fg_nomem("the journal's forgotten set");
    for (size_t i = 0; i < cap; i++)
        if (s->slots[i].used)
            *fg_idstate_slot_of(ns, ncap - 1, s->slots[i].id) = s->slots[i];
    fg_free(s->slots);
    s->slots = ns;
    s->mask = ncap - 1;
    return FORGET_OK;
}

void fg_idstate_set(fg_idstate *s, uint64_t id, unsigned char value)
{
    fg_idstate_slot *slot = fg_idstate_slot_of(s->slots, s->mask, id);
    if (!slot->used) {
        slot->used = 1;
        slot->id = id;
        s->count++;
    }
    slot->value = value;
}

int fg_idstate_get(const fg_idstate *s, uint64_t id)
{
    if (s->slots == NULL)
        return -1;
    const fg_idstate_slot *slot =
        fg_idstate_slot_of(s->slots, s->mask, id);
    return slot->used ? slot->value : -1;
}

void fg_idstate_free(fg_idstate *s)
{
    fg_free(s->slots);
    memset(s, 0, sizeof *s);
}

int fg_cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}
