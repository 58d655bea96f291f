/* Sample id -> row index (open addressing, built once per dataset). */
#ifndef FG_DATA_IDMAP_H
#define FG_DATA_IDMAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct fg_idmap_slot {
    uint64_t id;
    size_t row_plus1; /* 0 = empty */
} fg_idmap_slot;

typedef struct fg_idmap {
    fg_idmap_slot *slots;
    size_t mask; /* capacity - 1 */
} fg_idmap;

/* Build over n ids. FORGET_OK; FORGET_E_NOMEM; or FORGET_E_INVALID when an
 * id repeats (*dup_first and *dup_second are then the two rows). No message is
 * set: the caller words it. */
int fg_idmap_build(fg_idmap *m, const uint64_t *ids, size_t n,
                   size_t *dup_first, size_t *dup_second);
/* Make room for `room` ids in all (rebuilt from ids[0..n) when it must
 * grow, by doubling: O(1) amortised per id); the mapping is unchanged.
 * FORGET_OK or FORGET_E_NOMEM (m then as it was). */
int fg_idmap_reserve(fg_idmap *m, const uint64_t *ids, size_t n,
                     size_t room);
/* Add id -> row (id absent, room reserved: cannot fail). */
void fg_idmap_insert(fg_idmap *m, uint64_t id, size_t row);
/* 1 and *row when present, else 0. */
int fg_idmap_find(const fg_idmap *m, uint64_t id, size_t *row);
void fg_idmap_free(fg_idmap *m);

#endif
