/* A team of threads that stays alive across many short parallel phases
 * (the steps of a training run), where starting threads per phase would
 * cost more than the phase. Waiting spins briefly, then sleeps. */
#ifndef FG_UTIL_TEAM_H
#define FG_UTIL_TEAM_H

typedef struct fg_team fg_team;

/* A team of the caller plus up to threads - 1 workers. Never fails: if
 * memory or threads are short it has fewer workers (down to none, where
 * fg_team_run just calls fn on the caller). */
fg_team *fg_team_start(int threads);
/* Members: the caller plus the workers that started (1 for a NULL team). */
int fg_team_size(const fg_team *t);
/* fn(member, ctx) on every member at once, member 0 the caller; returns
 * when all have returned. */
void fg_team_run(fg_team *t, void (*fn)(int member, void *ctx), void *ctx);
/* Stop and join the workers; frees t (NULL is a no-op). */
void fg_team_stop(fg_team *t);

#endif
