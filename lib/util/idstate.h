/* A growable map from sample id to a small state (the deletion journal's
 * forgotten set: 1 forgotten, 0 learned again). Open addressing, load at
 * most one half; room is reserved before a request runs, so recording its
 * ids afterwards cannot fail. */
#ifndef FG_UTIL_IDSTATE_H
#define FG_UTIL_IDSTATE_H

#include <stddef.h>
#include <stdint.h>

typedef struct fg_idstate_slot {
    uint64_t id;
    unsigned char used, value;
} fg_idstate_slot;

typedef struct fg_idstate {
    fg_idstate_slot *slots;
    size_t mask; /* capacity - 1 (capacity a power of two) */
    size_t count;
} fg_idstate;

/* Room for `more` new ids (FORGET_E_NOMEM naming what). */
int fg_idstate_reserve(fg_idstate *s, size_t more);
/* Set id's value (after a reserve that covered it). */
void fg_idstate_set(fg_idstate *s, uint64_t id, unsigned char value);
/* id's value, or -1 if the id was never set. */
int fg_idstate_get(const fg_idstate *s, uint64_t id);
void fg_idstate_free(fg_idstate *s);

/* qsort's comparison of two uint64_t sample ids (ascending). */
int fg_cmp_u64(const void *a, const void *b);

#endif
