/* A communicator table over P threads of one process (forget_comm,
 * backend.h): what the comm suite runs the many-rank code paths on
 * without MPI. Each thread is a rank; collectives meet at a barrier. */
#ifndef FORGET_TEST_THREAD_COMM_H
#define FORGET_TEST_THREAD_COMM_H

#include <forget/backend.h>

typedef struct thread_world thread_world;

/* A world of p ranks (p <= 8); free it after the threads end. */
thread_world *thread_world_new(int p);
void thread_world_free(thread_world *w);
/* Rank r's table (valid while the world lives). */
const forget_comm *thread_world_comm(thread_world *w, int r);
/* After n more collectives of rank r, its collectives fail with
 * FORGET_E_IO, as a network that breaks would (n < 0: never). Each rank
 * sets its own (from its thread) at the same point of its calls. */
void thread_world_fail_after(thread_world *w, int r, int n);
/* As fail_after, but rank r takes part in its n-th collective from now
 * (the others complete it) and then reports a failure; the ones after
 * fail outright. */
void thread_world_fail_late(thread_world *w, int r, int n);
/* The collectives rank r started since its last fail_after/fail_late
 * (or since the world began). */
int thread_world_calls(const thread_world *w, int r);
/* A rank that waits longer than seconds for the others in a collective
 * gives up (FORGET_E_IO), and the world is dead: every collective of
 * every rank fails from then on. 0 (the default): wait for ever. */
void thread_world_set_timeout(thread_world *w, double seconds);
/* Wait until every rank's thread calls it (no timeout, not a collective
 * of the table: no call is counted or failed). */
void thread_world_sync(thread_world *w);

/* Run fn(rank, arg) on p threads (rank r on thread r) and wait for them. */
void thread_world_run(thread_world *w, void (*fn)(int rank, void *arg),
                      void *arg);

#endif
