/* The loaders' part=r/P: the rows of rank r of P, chosen by a hash of
 * the sample id (so that each id has one rank, whatever the file's row
 * order). */
#ifndef FG_DATA_PART_H
#define FG_DATA_PART_H

#include <stdint.h>

#include "forget/forget.h"

/* The parameter's table entry (a string "r/P"; "0/1" keeps every row). */
#define FG_PART_PARAM_DEF                                                  \
    {"part", FORGET_PARAM_STRING, "0/1", 0, -1, NULL,                     \
     "keep the rows of part r of P (r/P, 0 <= r < P): those whose id "   \
     "hashes to r (splitmix64(id) mod P; docs/MPI.md), for rank r of P"}

/* Parse "r/P" (FORGET_E_PARAM naming owner when malformed). */
int fg_part_parse(const char *text, uint32_t *r, uint32_t *p,
                  const char *owner);
/* The part of id among p: splitmix64's finaliser of id, mod p. */
uint32_t fg_part_of(uint64_t id, uint32_t p);
/* Keep only the rows of part r of p in *ds (replaced; unchanged when p is
 * 1). */
int fg_part_apply(forget_dataset **ds, uint32_t r, uint32_t p,
                  const char *owner);

#endif
