/* fg_team: a generation counter starts a phase, a pending counter ends
 * it. Both sides spin for a short while before sleeping on a condition
 * variable, so that back-to-back phases (a millisecond apart) never pay
 * for a sleep and wake-up, and an idle or oversubscribed team does not
 * burn a core. */
#include "util/team.h"

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "util/alloc.h"

#define FG_TEAM_MAX 64
#define FG_SPIN_NS 100000L /* spin up to 0.1 ms before sleeping */

typedef struct fg_member {
    struct fg_team *t;
    int id;
} fg_member;

struct fg_team {
    int workers;
    pthread_t th[FG_TEAM_MAX];
    fg_member member[FG_TEAM_MAX];
    pthread_mutex_t mu;
    pthread_cond_t go, done;
    atomic_uint gen;     /* phases started */
    atomic_int pending;  /* workers still in the current phase */
    atomic_int stop;
    void (*fn)(int member, void *ctx);
    void *ctx;
};

static long fg_ns_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (t.tv_sec - t0->tv_sec) * 1000000000L + (t.tv_nsec - t0->tv_nsec);
}

static inline void fg_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

/* Spin until cond(t, arg) holds or the spin time is up; 1 if it holds. */
static int fg_spin(fg_team *t, int (*cond)(fg_team *, unsigned), unsigned arg)
{
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (unsigned i = 1;; i++) {
        if (cond(t, arg))
            return 1;
        fg_relax();
        if ((i & 255) == 0 && fg_ns_since(&t0) > FG_SPIN_NS)
            return 0;
    }
}

static int fg_new_phase(fg_team *t, unsigned seen)
{
    return atomic_load(&t->gen) != seen || atomic_load(&t->stop);
}

static int fg_all_done(fg_team *t, unsigned unused)
{
    (void)unused;
    return atomic_load(&t->pending) == 0;
}

static void *fg_team_worker(void *arg)
{
    fg_member *me = arg;
    fg_team *t = me->t;
    unsigned seen = 0;
    for (;;) {
        if (!fg_spin(t, fg_new_phase, seen)) {
            pthread_mutex_lock(&t->mu);
            while (!fg_new_phase(t, seen))
                pthread_cond_wait(&t->go, &t->mu);
            pthread_mutex_unlock(&t->mu);
        }
        if (atomic_load(&t->stop))
            break;
        seen = atomic_load(&t->gen);
        t->fn(me->id, t->ctx);
        if (atomic_fetch_sub(&t->pending, 1) == 1) {
            pthread_mutex_lock(&t->mu);
            pthread_cond_signal(&t->done);
            pthread_mutex_unlock(&t->mu);
        }
    }
    return NULL;
}

fg_team *fg_team_start(int threads)
{
    if (threads < 2)
        return NULL;
    fg_team *t = fg_calloc(1, sizeof *t);
    if (t == NULL)
        return NULL;
    if (pthread_mutex_init(&t->mu, NULL) != 0) {
        fg_free(t);
        return NULL;
    }
    if (pthread_cond_init(&t->go, NULL) != 0 ||
        pthread_cond_init(&t->done, NULL) != 0) {
        /* pthread_cond_init cannot fail on glibc; keep the rest simple */
        pthread_mutex_destroy(&t->mu);
        fg_free(t);
        return NULL;
    }
    atomic_init(&t->gen, 0);
    atomic_init(&t->pending, 0);
    atomic_init(&t->stop, 0);
    int want = threads - 1 < FG_TEAM_MAX ? threads - 1 : FG_TEAM_MAX;
    for (int i = 0; i < want; i++) {
        t->member[i].t = t;
        t->member[i].id = i + 1;
        if (pthread_create(&t->th[i], NULL, fg_team_worker, &t->member[i]) !=
            0)
            break;
        t->workers++;
    }
    return t;
}

int fg_team_size(const fg_team *t) { return t ? t->workers + 1 : 1; }

void fg_team_run(fg_team *t, void (*fn)(int member, void *ctx), void *ctx)
{
    if (t == NULL || t->workers == 0) {
        fn(0, ctx);
        return;
    }
    t->fn = fn;
    t->ctx = ctx;
    atomic_store(&t->pending, t->workers);
    pthread_mutex_lock(&t->mu);
    atomic_fetch_add(&t->gen, 1);
    pthread_cond_broadcast(&t->go);
    pthread_mutex_unlock(&t->mu);
    fn(0, ctx);
    if (!fg_spin(t, fg_all_done, 0)) {
        pthread_mutex_lock(&t->mu);
        while (atomic_load(&t->pending) != 0)
            pthread_cond_wait(&t->done, &t->mu);
        pthread_mutex_unlock(&t->mu);
    }
}

void fg_team_stop(fg_team *t)
{
    if (t == NULL)
        return;
    pthread_mutex_lock(&t->mu);
    atomic_store(&t->stop, 1);
    pthread_cond_broadcast(&t->go);
    pthread_mutex_unlock(&t->mu);
    for (int i = 0; i < t->workers; i++)
        pthread_join(t->th[i], NULL);
    pthread_cond_destroy(&t->go);
    pthread_cond_destroy(&t->done);
    pthread_mutex_destroy(&t->mu);
    fg_free(t);
}
