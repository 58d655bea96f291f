/* Library lifetime: the initialised flag, live objects, threads, locale. */
#ifndef FG_UTIL_RUNTIME_H
#define FG_UTIL_RUNTIME_H

#include <stddef.h>

/* FORGET_OK if forget_init() is in force, else FORGET_E_STATE with a
 * message naming the caller. */
int fg_require_init(const char *caller);
/* Set by forget_init/forget_shutdown (lib/unlearner/init.c). */
void fg_runtime_mark_initialized(int on);

/* Every public object (dataset, model, unlearner, ...) counts itself alive
 * so that the last forget_shutdown() can refuse to pull the registry from
 * under it. */
void fg_object_created(void);
void fg_object_destroyed(void);
size_t fg_objects_alive(void);

/* Run the calling thread in the "C" locale between begin and end (nested
 * calls are fine), so that printf/strtod never see a comma decimal point.
 * Uses uselocale(), which is per thread: the host's locale is untouched. */
void fg_c_locale_begin(void);
void fg_c_locale_end(void);

#endif
