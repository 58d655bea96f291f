/* A communicator table over threads (see thread_comm.h). Every
 * collective: each rank publishes its buffer, all meet at a barrier, each
 * reads what it needs, all meet again (so no buffer is reused early). */
#include "thread_comm.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define TW_MAX 8

typedef struct tw_rank {
    thread_world *w;
    int rank;
} tw_rank;

struct thread_world {
    int p;
    pthread_barrier_t bar;
    const void *pub[TW_MAX]; /* each rank's published buffer */
    size_t pub_size[TW_MAX];
    int calls[TW_MAX];     /* collectives each rank has started */
    int fail_after[TW_MAX]; /* < 0: never */
    tw_rank ranks[TW_MAX];
    forget_comm tables[TW_MAX];
};

static int tw_fails(tw_rank *r)
{
    thread_world *w = r->w;
    int n = w->calls[r->rank]++;
    if (w->fail_after[r->rank] >= 0 && n >= w->fail_after[r->rank])
        return forget_set_error(FORGET_E_IO, "thread world: the collective "
                                "failed (as asked)");
    return FORGET_OK;
}

static int tw_barrier(void *ud)
{
    tw_rank *r = ud;
    int rc = tw_fails(r);
    if (rc != FORGET_OK)
        return rc;
    pthread_barrier_wait(&r->w->bar);
    return FORGET_OK;
}

static int tw_broadcast(void *ud, void *data, size_t size, int32_t root)
{
    tw_rank *r = ud;
    thread_world *w = r->w;
    int rc = tw_fails(r);
    if (rc != FORGET_OK)
        return rc;
    if (root < 0 || root >= w->p)
        return forget_set_error(FORGET_E_INVALID, "broadcast root");
    w->pub[r->rank] = data;
    pthread_barrier_wait(&w->bar);
    if (r->rank != root && size > 0)
        memcpy(data, w->pub[root], size);
    pthread_barrier_wait(&w->bar);
    return FORGET_OK;
}

static int tw_allgather(void *ud, const void *send, size_t send_size,
                        void *recv, const size_t *recv_sizes)
{
    tw_rank *r = ud;
    thread_world *w = r->w;
    int rc = tw_fails(r);
    if (rc != FORGET_OK)
        return rc;
    w->pub[r->rank] = send;
    w->pub_size[r->rank] = send_size;
    pthread_barrier_wait(&w->bar);
    size_t at = 0;
    for (int q = 0; q < w->p; q++) {
        if (w->pub_size[q] != recv_sizes[q])
            rc = forget_set_error(FORGET_E_INVALID, "allgather sizes");
        else if (recv_sizes[q] > 0)
            memcpy((char *)recv + at, w->pub[q], recv_sizes[q]);
        at += recv_sizes[q];
    }
    pthread_barrier_wait(&w->bar);
    return rc;
}

static int tw_allreduce(void *ud, double *data, size_t count)
{
    tw_rank *r = ud;
    thread_world *w = r->w;
    int rc = tw_fails(r);
    if (rc != FORGET_OK)
        return rc;
    double *sum = malloc((count ? count : 1) * sizeof *sum);
    if (sum == NULL)
        return forget_set_error(FORGET_E_NOMEM, "allreduce");
    w->pub[r->rank] = data;
    pthread_barrier_wait(&w->bar);
    for (size_t i = 0; i < count; i++) { /* rank order */
        double s = ((const double *)w->pub[0])[i];
        for (int q = 1; q < w->p; q++)
            s += ((const double *)w->pub[q])[i];
        sum[i] = s;
    }
    pthread_barrier_wait(&w->bar);
    memcpy(data, sum, count * sizeof *sum);
    free(sum);
    return FORGET_OK;
}

thread_world *thread_world_new(int p)
{
    if (p < 1 || p > TW_MAX)
        return NULL;
    thread_world *w = calloc(1, sizeof *w);
    w->p = p;
    pthread_barrier_init(&w->bar, NULL, (unsigned)p);
    for (int r = 0; r < p; r++) {
        w->fail_after[r] = -1;
        w->ranks[r].w = w;
        w->ranks[r].rank = r;
        forget_comm *c = &w->tables[r];
        c->struct_size = sizeof *c;
        c->user_data = &w->ranks[r];
        c->rank = r;
        c->size = p;
        c->barrier = tw_barrier;
        c->broadcast = tw_broadcast;
        c->allgather = tw_allgather;
        c->allreduce_sum = tw_allreduce;
    }
    return w;
}

void thread_world_free(thread_world *w)
{
    if (w == NULL)
        return;
    pthread_barrier_destroy(&w->bar);
    free(w);
}

const forget_comm *thread_world_comm(thread_world *w, int r)
{
    return &w->tables[r];
}

void thread_world_fail_after(thread_world *w, int r, int n)
{
    w->calls[r] = 0;
    w->fail_after[r] = n;
}

typedef struct tw_job {
    void (*fn)(int rank, void *arg);
    void *arg;
    int rank;
} tw_job;

static void *tw_main(void *p)
{
    tw_job *j = p;
    j->fn(j->rank, j->arg);
    return NULL;
}

void thread_world_run(thread_world *w, void (*fn)(int rank, void *arg),
                      void *arg)
{
    pthread_t t[TW_MAX];
    tw_job jobs[TW_MAX];
    for (int r = 0; r < w->p; r++) {
        jobs[r].fn = fn;
        jobs[r].arg = arg;
        jobs[r].rank = r;
        pthread_create(&t[r], NULL, tw_main, &jobs[r]);
    }
    for (int r = 0; r < w->p; r++)
        pthread_join(t[r], NULL);
}
