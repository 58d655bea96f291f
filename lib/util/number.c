/* Locale-independent parsing of integers and decimal numbers. */
#include "util/number.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"
#include "util/runtime.h"

static int fg_is_digit(char c) { return c >= '0' && c <= '9'; }

int fg_parse_int64(const char *s, size_t len, int64_t *out)
{
    size_t i = 0;
    int neg = 0;
    if (i < len && (s[i] == '+' || s[i] == '-'))
        neg = s[i++] == '-';
    if (i == len)
        return FG_NUM_SYNTAX;
    uint64_t limit = neg ? (uint64_t)INT64_MAX + 1u : (uint64_t)INT64_MAX;
    uint64_t v = 0;
    for (; i < len; i++) {
        if (!fg_is_digit(s[i]))
            return FG_NUM_SYNTAX;
        unsigned digit = (unsigned)(s[i] - '0');
        if (v > (limit - digit) / 10)
            return FG_NUM_RANGE;
        v = v * 10 + digit;
    }
    *out = neg ? (v == (uint64_t)INT64_MAX + 1u ? INT64_MIN : -(int64_t)v)
               : (int64_t)v;
    return FG_NUM_OK;
}

/* Length of the longest prefix of the accepted decimal form, or 0. */
static size_t fg_scan_decimal(const char *s, size_t len)
{
    size_t i = 0, digits = 0;
    if (i < len && (s[i] == '+' || s[i] == '-'))
        i++;
    while (i < len && fg_is_digit(s[i]))
        i++, digits++;
    if (i < len && s[i] == '.') {
        i++;
        while (i < len && fg_is_digit(s[i]))
            i++, digits++;
    }
    if (digits == 0)
        return 0;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        size_t j = i + 1, exp_digits = 0;
        if (j < len && (s[j] == '+' || s[j] == '-'))
            j++;
        while (j < len && fg_is_digit(s[j]))
            j++, exp_digits++;
        if (exp_digits == 0)
            return 0;
        i = j;
    }
    return i;
}

int fg_parse_double(const char *s, size_t len, double *out)
{
    /* strtod needs a terminated copy; a long one (200 digits, many
     * leading zeros) goes on the heap so that every length is read. */
    char small[128];
    if (len == 0 || fg_scan_decimal(s, len) != len)
        return FG_NUM_SYNTAX;
    char *buf = len < sizeof small ? small : fg_malloc(len + 1);
    if (buf == NULL)
        return FG_NUM_NOMEM;
    memcpy(buf, s, len);
    buf[len] = '\0';
    fg_c_locale_begin();
    char *end = NULL;
    double v = strtod(buf, &end);
    fg_c_locale_end();
    int rc = end != buf + len ? FG_NUM_SYNTAX
             : !isfinite(v)   ? FG_NUM_RANGE
                              : FG_NUM_OK;
    if (buf != small)
        fg_free(buf);
    if (rc == FG_NUM_OK)
        *out = v;
    return rc;
}
