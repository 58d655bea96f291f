/* fg_slots_read: the section-table reader of every container reader. */
#include "format/sections.h"

#include <string.h>

#include "format/container.h"
#include "util/error.h"

int fg_section_unknown(const char *tag, uint32_t flags, const char *owner)
{
    if (!(flags & FG_SECTION_REQUIRED))
        return FORGET_OK;
    return fg_error(FORGET_E_VERSION, "%s: the file needs section '%s', which "
                    "this library does not know (written by a newer one?)",
                    owner, tag);
}

static fg_slot *fg_slot_find(fg_slot *table, const char *tag)
{
    for (fg_slot *s = table; s->tag; s++)
        if (!strcmp(s->tag, tag))
            return s;
    return NULL;
}

static int fg_slot_fill(fg_slot *slot, const fg_section *s, const char *owner)
{
    if (slot->data != NULL)
        return fg_error(FORGET_E_FORMAT, "%s: section '%s' appears twice",
                        owner, s->tag);
    if (slot->unit > 1 && s->len % slot->unit != 0)
        return fg_error(FORGET_E_FORMAT, "%s: section '%s' of %zu bytes is "
                        "not a whole number of %zu-byte values", owner,
                        s->tag, s->len, slot->unit);
    /* An empty payload is present all the same (a pointer into the file). */
    slot->data = s->data;
    slot->size = s->len;
    slot->count = slot->unit > 1 ? s->len / slot->unit : s->len;
    return FORGET_OK;
}

int fg_slots_read(forget_reader *r, fg_slot *table, fg_slot_other other,
                  void *ctx, const char *owner)
{
    fg_section s;
    int more;
    while ((more = fg_reader_next(&r->r, &s)) == 1) {
        fg_slot *slot = fg_slot_find(table, s.tag);
        int rc;
        if (slot != NULL) {
            rc = fg_slot_fill(slot, &s, owner);
        } else {
            rc = other ? other(s.tag, s.flags, s.data, s.len, ctx) : 0;
            if (rc == 0)
                rc = fg_section_unknown(s.tag, s.flags, owner);
            else if (rc == 1)
                rc = FORGET_OK;
        }
        if (rc != FORGET_OK)
            return rc;
    }
    return more;
}

const fg_slot *fg_slot_get(const fg_slot *table, const char *tag)
{
    return fg_slot_find((fg_slot *)table, tag);
}
