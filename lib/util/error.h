/* Error codes and the thread-local message. */
#ifndef FG_UTIL_ERROR_H
#define FG_UTIL_ERROR_H

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

/* A failure on a worker thread, carried to the thread that reports it
 * (the message is thread-local). */
#define FG_ERRBUF 1024 /* a thread's message, with its terminator */
typedef struct fg_carried_error {
    int code; /* FORGET_OK: nothing carried */
    char message[FG_ERRBUF];
} fg_carried_error;

/* Keep code and, if it is a failure, the calling thread's message. */
void fg_error_carry(fg_carried_error *e, int code);
/* Make it the calling thread's error; returns its code. */
int fg_error_deliver(const fg_carried_error *e);

/* Check a pointer argument; on NULL set "NAME is NULL" and return
 * FORGET_E_INVALID. */
#define FG_CHECK_ARG(ptr)                                                  \
    do {                                                                   \
        if ((ptr) == NULL)                                                 \
            return fg_error(FORGET_E_INVALID, "%s: argument '%s' is NULL", \
                            __func__, #ptr);                               \
    } while (0)

#endif
