/* Status codes, their static text, and the thread-local last error. */
#include "util/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/runtime.h"
#include "forget/backend.h"

static _Thread_local char fg_errbuf[FG_ERRBUF];
static _Thread_local int fg_errcode;

const char *forget_strerror(int code)
{
    switch (code) {
    case FORGET_OK: return "success";
    case FORGET_E_INVALID: return "invalid argument";
    case FORGET_E_NOMEM: return "out of memory";
    case FORGET_E_IO: return "input/output error";
    case FORGET_E_FORMAT: return "malformed file or buffer";
    case FORGET_E_NOT_FOUND: return "not found";
    case FORGET_E_EXISTS: return "already exists";
    case FORGET_E_VERSION: return "unsupported version";
    case FORGET_E_NUMERIC: return "numerical failure";
    case FORGET_E_CANCELED: return "canceled";
    case FORGET_E_UNSUPPORTED: return "operation not supported";
    case FORGET_E_STATE: return "operation not valid in this state";
    case FORGET_E_PARAM: return "bad parameter";
    case FORGET_E_INTERNAL: return "internal error";
    default: return "unknown error code";
    }
}

const char *forget_last_error(void) { return fg_errbuf; }

int forget_last_error_code(void) { return fg_errcode; }

int fg_error(int code, const char *fmt, ...)
{
    /* formatted apart: an argument may be the message itself (a failure
     * rewritten with more context), which vsnprintf must not overlap */
    char msg[sizeof fg_errbuf];
    va_list ap;
    va_start(ap, fmt);
    fg_c_locale_begin();
    vsnprintf(msg, sizeof msg, fmt, ap);
    fg_c_locale_end();
    va_end(ap);
    memcpy(fg_errbuf, msg, sizeof msg);
    fg_errcode = code;
    return code;
}

int fg_nomem(const char *what)
{
    return fg_error(FORGET_E_NOMEM, "out of memory while allocating %s", what);
}

int forget_set_error(int code, const char *message)
{
    if (message == NULL)
        message = forget_strerror(code);
    size_t len = strlen(message);
    if (len >= FG_ERRBUF)
        len = FG_ERRBUF - 1;
    memmove(fg_errbuf, message, len);
    fg_errbuf[len] = '\0';
    fg_errcode = code;
    return code;
}

void fg_error_carry(fg_carried_error *e, int code)
{
    e->code = code;
    e->message[0] = '\0';
    if (code != FORGET_OK)
        memcpy(e->message, fg_errbuf, sizeof e->message);
}

int fg_error_deliver(const fg_carried_error *e)
{
    return forget_set_error(e->code, e->message);
}
