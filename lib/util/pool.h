/* A bounded parallel-for over independent tasks, on plain pthreads. */
#ifndef FG_UTIL_POOL_H
#define FG_UTIL_POOL_H

#include <stddef.h>

/* Run task(i, ctx) for i in [0, n) on at most threads threads (the caller
 * is one of them); returns the first non-zero status by task index, or 0
 * (FORGET_E_NOMEM before any task runs if its bookkeeping cannot be
 * allocated). If a thread cannot be started the work runs on fewer. */
int fg_parallel(size_t n, int threads, int (*task)(size_t i, void *ctx),
                void *ctx);
/* The same; once the caller has no task left (and other threads run), it
 * calls watch(ctx) each time another thread's task ends, at least every
 * 50 ms, and once more when all have ended (for progress reports, which
 * must come from the caller's thread). watch may be NULL. */
int fg_parallel_watch(size_t n, int threads,
                      int (*task)(size_t i, void *ctx), void *ctx,
                      void (*watch)(void *ctx));

#endif
