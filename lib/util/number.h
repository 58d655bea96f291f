/* Numbers read without the locale: the same text gives the same value
 * whatever LC_NUMERIC the host has set. */
#ifndef FG_UTIL_NUMBER_H
#define FG_UTIL_NUMBER_H

#include <stddef.h>
#include <stdint.h>

#define FG_NUM_OK 0
#define FG_NUM_SYNTAX (-1)   /* not a number of the accepted form */
#define FG_NUM_RANGE (-2)    /* too large for the type */
#define FG_NUM_NOMEM (-3)    /* a long number could not be copied */

/* [+-]?[0-9]+ exactly (s need not be NUL-terminated). */
int fg_parse_int64(const char *s, size_t len, int64_t *out);

/* [+-]?(digits[.digits]|.digits)([eE][+-]?digits)? exactly: no hex, no
 * inf/nan, no spaces, any length. The result is finite (overflow is
 * FG_NUM_RANGE). */
int fg_parse_double(const char *s, size_t len, double *out);

#endif
