/* fg_parallel: workers take task indices from a shared counter. */
#include "util/pool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "util/alloc.h"
#include "util/error.h"

typedef struct fg_pool {
    size_t n;
    atomic_size_t next;
    int (*task)(size_t i, void *ctx);
    void *ctx;
    int *status; /* per task */
    /* for a watched run: tasks finished, and the caller's wake-up */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    size_t finished;
} fg_pool;

static void *fg_worker(void *arg)
{
    fg_pool *p = arg;
    for (;;) {
        size_t i = atomic_fetch_add(&p->next, 1);
        if (i >= p->n)
            return NULL;
        p->status[i] = p->task(i, p->ctx);
        pthread_mutex_lock(&p->mu);
        p->finished++;
        pthread_cond_signal(&p->cv);
        pthread_mutex_unlock(&p->mu);
    }
}

/* The caller, out of tasks: call watch(ctx) each time a task ends and at
 * least every 50 ms until every task has ended, and once after that (so
 * the last figure is reported even when the others ended first). */
static void fg_watch(fg_pool *p, void (*watch)(void *ctx))
{
    pthread_mutex_lock(&p->mu);
    while (p->finished < p->n) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += 50 * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&p->cv, &p->mu, &until);
        if (p->finished == p->n)
            break;
        pthread_mutex_unlock(&p->mu);
        watch(p->ctx);
        pthread_mutex_lock(&p->mu);
    }
    pthread_mutex_unlock(&p->mu);
    watch(p->ctx);
}

int fg_parallel(size_t n, int threads, int (*task)(size_t i, void *ctx),
                void *ctx)
{
    return fg_parallel_watch(n, threads, task, ctx, NULL);
}

int fg_parallel_watch(size_t n, int threads,
                      int (*task)(size_t i, void *ctx), void *ctx,
                      void (*watch)(void *ctx))
{
    if (n == 0)
        return 0;
    int *status = fg_calloc(n, sizeof *status);
    if (status == NULL)
        return fg_nomem("a task list");
    fg_pool p;
    p.n = n;
    atomic_init(&p.next, 0);
    p.task = task;
    p.ctx = ctx;
    p.status = status;
    p.finished = 0;
    pthread_mutex_init(&p.mu, NULL);
    pthread_cond_init(&p.cv, NULL);
    size_t extra = threads > 1 ? (size_t)threads - 1 : 0;
    if (extra > n - 1)
        extra = n - 1;
    pthread_t tids[64];
    if (extra > 64)
        extra = 64;
    size_t started = 0;
    while (started < extra &&
           pthread_create(&tids[started], NULL, fg_worker, &p) == 0)
        started++;
    fg_worker(&p);
    if (watch && started > 0)
        fg_watch(&p, watch);
    for (size_t i = 0; i < started; i++)
        pthread_join(tids[i], NULL);
    pthread_cond_destroy(&p.cv);
    pthread_mutex_destroy(&p.mu);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = status[i];
    fg_free(status);
    return rc;
}
