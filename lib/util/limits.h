/* The process-wide load limits (forget_set_limit): what a loader may
 * allocate for what a file declares. */
#ifndef FG_UTIL_LIMITS_H
#define FG_UTIL_LIMITS_H

#include <stdint.h>

/* The effective value of FORGET_LIMIT_* which (its default if unset). */
uint64_t fg_limit(int which);

/* FORGET_OK if amount <= the limit which, else FORGET_E_NOMEM with
 * "WHAT needs AMOUNT UNIT, more than the limit NAME (VALUE); raise it
 * with forget_set_limit". */
int fg_limit_check(int which, uint64_t amount, const char *what);

/* The same for bytes = count * size (an overflow exceeds the limit). */
int fg_limit_check_bytes(uint64_t count, uint64_t size, const char *what);

#endif
