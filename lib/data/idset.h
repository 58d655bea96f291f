/* The sample ids a method was prepared with, and which of them have been
 * forgotten since: requests are checked against it, and it is saved with
 * the state. Holds ids only, never features or labels. */
#ifndef FG_DATA_IDSET_H
#define FG_DATA_IDSET_H

#include <stddef.h>
#include <stdint.h>

#include "data/idmap.h"
#include "format/sections.h"
#include "forget/backend.h"

typedef struct fg_idset {
    uint64_t *ids;
    unsigned char *gone; /* 1 = forgotten */
    size_t n, n_gone;
    size_t cap; /* ids and gone have room for this many (>= n) */
    fg_idmap index;
} fg_idset;

/* From a dataset's ids (all present). */
int fg_idset_from(fg_idset *s, const forget_dataset *ds);
void fg_idset_free(fg_idset *s);
/* The one rule for a request, in every method: an id never learned is
 * FORGET_E_NOT_FOUND naming it; an id forgotten already is skipped; an id
 * named twice is forgotten once (a request is a set). slots and pos (n
 * entries each) receive, for each id to forget now, its slot in s and its
 * place in ids, in the order of first mention; *repeats counts the
 * entries skipped (forgotten already, or named before in the request).
 * method names the caller in messages. */
int fg_idset_request(const fg_idset *s, const uint64_t *ids, size_t n,
                     size_t *slots, size_t *pos, size_t *n_live,
                     size_t *repeats, const char *method);
/* Mark slots forgotten (after the request succeeded; cannot fail). */
void fg_idset_mark(fg_idset *s, const size_t *slots, size_t n);

/* Learning ids, in two steps so that a failed request changes nothing:
 * fg_idset_learn_plan checks them (an id learned now, or listed twice, is
 * FORGET_E_INVALID naming it), gives slot[i], the slot ids[i] will take
 * (a forgotten id its old one, a new id the next free one), and *total,
 * the slots there will be, and makes room for them (the arrays and the
 * index grow by doubling: O(1) amortised per id, not a copy of the set);
 * what s holds is unchanged. fg_idset_learn_commit then records them
 * (cannot fail). */
int fg_idset_learn_plan(fg_idset *s, const uint64_t *ids, size_t n,
                        size_t *slot, size_t *total, const char *method);
void fg_idset_learn_commit(fg_idset *s, const uint64_t *ids, size_t n,
                           const size_t *slot);

/* Save as sections IDS (u64 ids) and GONE (one byte per id); load them
 * back from (already verified) section payloads. */
int fg_idset_save(const fg_idset *s, forget_writer *w);
int fg_idset_load(fg_idset *s, const void *ids, size_t ids_size,
                  const void *gone, size_t gone_size, const char *method);
/* The same from a slot table that has the tags "IDS " and "GONE". */
int fg_idset_load_slots(fg_idset *s, const fg_slot *table,
                        const char *method);
/* The state's answer for one id (a method's is_forgotten hook):
 * FORGET_OK with *forgotten 1 when it was learned and forgotten since, 0
 * when it is remembered; FORGET_E_NOT_FOUND (no message) when the set
 * never held it. */
int fg_idset_forgotten(const fg_idset *s, uint64_t id, int *forgotten);
/* Ids learned and not forgotten. */
size_t fg_idset_remembered(const fg_idset *s);
/* Are the remembered ids exactly the ids of rows (a loaded state's kept
 * rows)? FORGET_E_FORMAT naming the first that is not. */
int fg_idset_matches(const fg_idset *s, const forget_dataset *rows,
                     const char *method);

#endif
