/* The initialised flag (set by lib/unlearner/init.c), the live-object
 * count, the thread setting and the per-thread "C" locale used for
 * numbers. */
#include "util/runtime.h"

#include <locale.h>
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#include "util/error.h"
#include "forget/forget.h"

static atomic_int fg_initialized;  /* forget_init is in force */
static atomic_size_t fg_objects;
static atomic_int fg_threads;      /* 0 = one per online processor */

uint32_t forget_version_number(void) { return FORGET_VERSION_NUMBER; }

const char *forget_version_string(void) { return FORGET_VERSION_STRING; }

void fg_runtime_mark_initialized(int on) { atomic_store(&fg_initialized, on); }

int fg_require_init(const char *caller)
{
    if (atomic_load(&fg_initialized))
        return FORGET_OK;
    return fg_error(FORGET_E_STATE, "%s: libforget is not initialised; call "
                    "forget_init() first", caller);
}

void fg_object_created(void) { atomic_fetch_add(&fg_objects, 1); }

void fg_object_destroyed(void) { atomic_fetch_sub(&fg_objects, 1); }

size_t fg_objects_alive(void) { return atomic_load(&fg_objects); }

int forget_set_threads(int32_t threads)
{
    if (threads < 0 || threads > 1024)
        return fg_error(FORGET_E_INVALID,
                        "forget_set_threads: %d is outside 0..1024 (0 = one "
                        "per processor)", (int)threads);
    atomic_store(&fg_threads, threads);
    return FORGET_OK;
}

int32_t forget_get_threads(void)
{
    int t = atomic_load(&fg_threads);
    if (t > 0)
        return t;
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 1024 ? 1024 : (int32_t)n;
}

/* ---- the "C" locale, per thread ---- */

static pthread_once_t fg_locale_once = PTHREAD_ONCE_INIT;
/* newlocale(LC_ALL_MASK, "C") returns glibc's static C locale object:
 * nothing is allocated, so nothing needs freeing. */
static locale_t fg_c_locale;
static _Thread_local locale_t fg_saved_locale;
static _Thread_local int fg_locale_depth;

static void fg_make_c_locale(void)
{
    fg_c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

void fg_c_locale_begin(void)
{
    pthread_once(&fg_locale_once, fg_make_c_locale);
    if (fg_c_locale == (locale_t)0)
        return; /* cannot happen with glibc; numbers then use the host's */
    if (fg_locale_depth++ == 0)
        fg_saved_locale = uselocale(fg_c_locale);
}

void fg_c_locale_end(void)
{
    if (fg_c_locale == (locale_t)0)
        return;
    if (--fg_locale_depth == 0)
        uselocale(fg_saved_locale);
}
