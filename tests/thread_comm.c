/* A communicator table over threads (see thread_comm.h). Every
 * collective: each rank publishes its buffer, all meet at a barrier, each
 * reads what it needs, all meet again (so no buffer is reused early). The
 * barrier can time out: the world is then dead, and every collective
 * after fails at once (as libforget-mpi's table does after a timeout). */
#include "thread_comm.h"

#include <errno.h>
#include <stdio.h>
#include <time.h>

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
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_barrier_t sync; /* thread_world_sync: outside the table */
    int arrived;
    unsigned long gen;
    int dead;        /* a rank timed out: every collective fails */
    double timeout;  /* seconds; 0: wait for ever */
    const void *pub[TW_MAX]; /* each rank's published buffer */
    size_t pub_size[TW_MAX];
    int calls[TW_MAX];     /* collectives each rank has started */
    int fail_after[TW_MAX]; /* < 0: never */
    int late[TW_MAX];       /* the failing collective is taken part in */
    tw_rank ranks[TW_MAX];
    forget_comm tables[TW_MAX];
};

/* Does this collective fail as asked (n-th call and after)? */
static int tw_due(tw_rank *r, int n)
{
    thread_world *w = r->w;
    return w->fail_after[r->rank] >= 0 && n >= w->fail_after[r->rank];
}

static int tw_failed(const char *how)
{
    char msg[128];
    snprintf(msg, sizeof msg, "thread world: the collective %s", how);
    return forget_set_error(FORGET_E_IO, msg);
}

/* Before a collective: the early failure (the rank does not take part).
 * *n gets the call's number for tw_after. */
static int tw_fails(tw_rank *r, int *n)
{
    thread_world *w = r->w;
    *n = w->calls[r->rank]++;
    if (tw_due(r, *n) && !(w->late[r->rank] && *n == w->fail_after[r->rank]))
        return tw_failed("failed (as asked)");
    return FORGET_OK;
}

/* After a collective this rank took part in: the late failure (the rank
 * reports a failure though the others completed it, as a rank whose
 * timeout fired just as the last block arrived). */
static int tw_after(tw_rank *r, int n, int rc)
{
    if (rc == FORGET_OK && tw_due(r, n))
        return tw_failed("failed after taking part (as asked)");
    return rc;
}

static double tw_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* The barrier: FORGET_E_IO when the world is or becomes dead. */
static int tw_wait(thread_world *w)
{
    pthread_mutex_lock(&w->mu);
    if (w->dead) {
        pthread_mutex_unlock(&w->mu);
        return tw_failed("failed: another rank timed out before");
    }
    unsigned long gen = w->gen;
    if (++w->arrived == w->p) {
        w->arrived = 0;
        w->gen++;
        pthread_cond_broadcast(&w->cv);
        pthread_mutex_unlock(&w->mu);
        return FORGET_OK;
    }
    double end = tw_now() + w->timeout;
    struct timespec until;
    until.tv_sec = (time_t)end;
    until.tv_nsec = (long)((end - (double)until.tv_sec) * 1e9);
    while (gen == w->gen && !w->dead) {
        if (w->timeout <= 0) {
            pthread_cond_wait(&w->cv, &w->mu);
        } else if (pthread_cond_timedwait(&w->cv, &w->mu, &until) ==
                       ETIMEDOUT &&
                   gen == w->gen) {
            w->dead = 1;
            pthread_cond_broadcast(&w->cv);
        }
    }
    int ok = gen != w->gen;
    pthread_mutex_unlock(&w->mu);
    return ok ? FORGET_OK : tw_failed("timed out");
}

static int tw_barrier(void *ud)
{
    tw_rank *r = ud;
    int n;
    int rc = tw_fails(r, &n);
    if (rc != FORGET_OK)
        return rc;
    return tw_after(r, n, tw_wait(r->w));
}

static int tw_broadcast(void *ud, void *data, size_t size, int32_t root)
{
    tw_rank *r = ud;
    thread_world *w = r->w;
    int n;
    int rc = tw_fails(r, &n);
    if (rc != FORGET_OK)
        return rc;
    if (root < 0 || root >= w->p)
        return forget_set_error(FORGET_E_INVALID, "broadcast root");
    w->pub[r->rank] = data;
    if ((rc = tw_wait(w)) != FORGET_OK)
        return rc;
    if (r->rank != root && size > 0)
        memcpy(data, w->pub[root], size);
    return tw_after(r, n, tw_wait(w));
}

static int tw_allgather(void *ud, const void *send, size_t send_size,
                        void *recv, const size_t *recv_sizes)
{
    tw_rank *r = ud;
    thread_world *w = r->w;
    int n;
    int rc = tw_fails(r, &n);
    if (rc != FORGET_OK)
        return rc;
    w->pub[r->rank] = send;
    w->pub_size[r->rank] = send_size;
    if ((rc = tw_wait(w)) != FORGET_OK)
        return rc;
    size_t at = 0;
    for (int q = 0; q < w->p; q++) {
        if (w->pub_size[q] != recv_sizes[q])
            rc = forget_set_error(FORGET_E_INVALID, "allgather sizes");
        else if (recv_sizes[q] > 0)
            memcpy((char *)recv + at, w->pub[q], recv_sizes[q]);
        at += recv_sizes[q];
    }
    int wrc = tw_wait(w);
    return tw_after(r, n, rc != FORGET_OK ? rc : wrc);
}

static int tw_allreduce(void *ud, double *data, size_t count)
{
    tw_rank *r = ud;
    thread_world *w = r->w;
    int n;
    int rc = tw_fails(r, &n);
    if (rc != FORGET_OK)
        return rc;
    double *sum = malloc((count ? count : 1) * sizeof *sum);
    if (sum == NULL)
        return forget_set_error(FORGET_E_NOMEM, "allreduce");
    w->pub[r->rank] = data;
    if ((rc = tw_wait(w)) != FORGET_OK) {
        free(sum);
        return rc;
    }
    for (size_t i = 0; i < count; i++) { /* rank order */
        double s = ((const double *)w->pub[0])[i];
        for (int q = 1; q < w->p; q++)
            s += ((const double *)w->pub[q])[i];
        sum[i] = s;
    }
    if ((rc = tw_wait(w)) == FORGET_OK)
        memcpy(data, sum, count * sizeof *sum);
    free(sum);
    return tw_after(r, n, rc);
}

thread_world *thread_world_new(int p)
{
    if (p < 1 || p > TW_MAX)
        return NULL;
    thread_world *w = calloc(1, sizeof *w);
    w->p = p;
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    pthread_barrier_init(&w->sync, NULL, (unsigned)p);
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
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
    pthread_barrier_destroy(&w->sync);
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
    w->late[r] = 0;
}

void thread_world_fail_late(thread_world *w, int r, int n)
{
    w->calls[r] = 0;
    w->fail_after[r] = n;
    w->late[r] = 1;
}

int thread_world_calls(const thread_world *w, int r) { return w->calls[r]; }

void thread_world_set_timeout(thread_world *w, double seconds)
{
    w->timeout = seconds;
}

void thread_world_sync(thread_world *w) { pthread_barrier_wait(&w->sync); }

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
