/* Error codes and the thread-local message. */
#ifndef FG_CORE_ERROR_H
#define FG_CORE_ERROR_H

#include "forget/forget.h"

/* Format the calling thread's message (numbers without the locale) and
 * return code, so a failing path reads: return fg_error(FORGET_E_..., ...). */
int fg_error(int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* The same message for FORGET_E_NOMEM, naming what was being allocated. */
int fg_nomem(const char *what);

/* Check a pointer argument; on NULL set "NAME is NULL" and return
 * FORGET_E_INVALID. */
#define FG_CHECK_ARG(ptr)                                                  \
    do {                                                                   \
        if ((ptr) == NULL)                                                 \
            return fg_error(FORGET_E_INVALID, "%s: argument '%s' is NULL", \
                            __func__, #ptr);                               \
    } while (0)

#endif
