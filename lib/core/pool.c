/* fg_parallel: workers take task indices from a shared counter. */
#include "core/pool.h"

#include <pthread.h>
#include <stdatomic.h>

#include "core/alloc.h"
#include "core/error.h"

typedef struct fg_pool {
    size_t n;
    atomic_size_t next;
    int (*task)(size_t i, void *ctx);
    void *ctx;
    int *status; /* per task */
} fg_pool;

static void *fg_worker(void *arg)
{
    fg_pool *p = arg;
    for (;;) {
        size_t i = atomic_fetch_add(&p->next, 1);
        if (i >= p->n)
            return NULL;
        p->status[i] = p->task(i, p->ctx);
    }
}

int fg_parallel(size_t n, int threads, int (*task)(size_t i, void *ctx),
                void *ctx)
{
    if (n == 0)
        return 0;
    int *status = fg_calloc(n, sizeof *status);
    if (status == NULL)
        return fg_nomem("a task list");
    fg_pool p = {n, 0, task, ctx, status};
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
    for (size_t i = 0; i < started; i++)
        pthread_join(tids[i], NULL);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = status[i];
    fg_free(status);
    return rc;
}
