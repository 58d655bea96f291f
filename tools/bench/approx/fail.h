/* Error sentences of the benchmark's parsers. */
#ifndef BA_FAIL_H
#define BA_FAIL_H

#include <stddef.h>

/* Format a sentence into err (errlen bytes) and return -1. */
int ba_fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
