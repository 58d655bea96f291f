/* Sample ids spread over the ranks of a communicator: each id lives on
 * one rank. */
#ifndef FG_DATA_IDSPREAD_H
#define FG_DATA_IDSPREAD_H

#include <stddef.h>
#include <stdint.h>

#include "data/idset.h"
#include "forget/backend.h"

/* Every rank's ids (n here) all-gathered: FORGET_E_INVALID naming the
 * first id (in sorted order) that two ranks hold, the same on every rank.
 * method names the caller in messages. */
int fg_idspread_unique(const forget_comm *c, const uint64_t *ids, size_t n,
                       const char *method);

/* A request by ids takes the same list on every rank: FORGET_E_INVALID
 * on every rank when a rank was given another (compared by a SHA-256 of
 * the count and the ids). */
int fg_idspread_same_list(const forget_comm *c, const uint64_t *ids,
                          size_t count, const char *method);

/* A request's ids, the same list on every rank: keep (count entries,
 * allocated) receives the ids this rank holds (learned, forgotten or not),
 * in the request's order, and *n_keep their count. An id that no rank
 * holds is FORGET_E_NOT_FOUND naming it, on every rank; one that two
 * ranks hold is FORGET_E_INTERNAL. */
int fg_idspread_mine(const forget_comm *c, const fg_idset *s,
                     const uint64_t *ids, size_t count, uint64_t **keep,
                     size_t *n_keep, const char *method);

/* Every rank's rows of ds, all-gathered into *out (rank 0's first), the
 * same dataset on every rank (features as float32). The ranks agree on
 * rc first (the caller's status). */
int fg_idspread_rows(const forget_comm *c, int rc, const forget_dataset *ds,
                     forget_dataset **out);

#endif
