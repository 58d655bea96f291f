/* SISA's own header: the state shared by its files (sisa.c: parameters,
 * prepare, the method table; sisa_ckpt.c: checkpoints; sisa_train.c:
 * training shards on threads; sisa_forget.c: a request; sisa_state.c:
 * save and load). Sees models and data through model/kit.h only. */
#ifndef FG_METHODS_SISA_H
#define FG_METHODS_SISA_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "forget/backend.h"
#include "model/kit.h"

#define FG_SISA_MAX_SLICES 64

/* The owner named in messages. */
#define FG_SISA_OWNER "method 'sisa'"

/* Generations stay below this (a loaded state's are checked against it,
 * so that counting on can never wrap to 0, "no file"). */
#define FG_SISA_MAX_GEN (UINT64_C(1) << 62)

/* A checkpoint: the parameters after one stage of one shard. */
typedef struct fg_ckpt {
    float *theta; /* memory store */
    uint64_t gen; /* directory store: file generation (0 = none) */
    int saved;    /* named by the last state known durable (loaded from a
                   * file, or saved to one): its file outlives a
                   * superseding forget until the next durable save */
} fg_ckpt;

/* A directory-store checkpoint file superseded while the durable state
 * still names it: destroyed after the next durable save (the WAL rule). */
typedef struct fg_pending {
    size_t sh, r;
    uint64_t gen;
} fg_pending;

/* Buffers a shard's training keeps from one request to the next, so that
 * a request allocates (and faults in) nothing of its own: one slot per
 * shard trained at once, claimed by the job that runs on it. */
typedef struct fg_sisa_slot {
    atomic_int busy;
    fg_train_scratch *train;
    size_t *rows; /* a stage's rows (room for the largest shard's) */
    forget_model *spare; /* a retired constituent, to train again */
} fg_sisa_slot;

typedef struct fg_sisa {
    forget_model *tmpl; /* borrowed: constituents start from its weights */
    size_t S, R, P;
    int64_t epochs[FG_SISA_MAX_SLICES];
    int vote, threads;
    int64_t seed;
    char *store; /* NULL: memory */
    char *train;
    char *text; /* the parameters, for the ensemble's description */
    int prepared;
    forget_dataset *data;    /* the prepared rows, by shard, in id order */
    uint32_t *shard, *slice; /* per row of data */
    size_t *start; /* S + 1: shard sh's rows are start[sh]..start[sh+1]-1 */
    unsigned char *dead;     /* per row: forgotten (features zeroed) */
    double full_passes; /* sample passes of training every shard anew */
    forget_model **parts;    /* S constituents */
    fg_ckpt *ck;             /* S x R */
    uint64_t gen;            /* last checkpoint file generation */
    fg_pending *pending;     /* superseded files still named on disk */
    size_t n_pending, cap_pending;
    forget_model *ens;
    fg_idset ids;
    fg_sisa_slot *slots; /* n_slots, kept between requests */
    size_t n_slots;
    float **pool; /* memory store: zeroed checkpoint buffers to reuse */
    size_t n_pool, cap_pool;
    /* On many ranks (sisa_ranks.c, docs/MPI.md): the communicator, and the
     * rank and ranks the state was prepared on. Shard sh is trained (and
     * its checkpoints kept) on rank sh mod ranks; the rows, ids and every
     * constituent are on every rank. */
    const forget_comm *comm;
    int32_t rank, ranks;
} fg_sisa;

/* ---- checkpoints (sisa_ckpt.c) ---- */

/* Keep theta as the checkpoint of stage r of shard sh: a copy in memory
 * (into *buf when it is not NULL, taking it: *buf becomes NULL), or the
 * file of generation gen in the store directory. */
int fg_ckpt_put(const fg_sisa *s, size_t sh, size_t r, uint64_t gen,
                const float *theta, float **buf, fg_ckpt *out);
/* The checkpoint's parameters into theta (P floats). */
int fg_ckpt_get(const fg_sisa *s, size_t sh, size_t r, const fg_ckpt *c,
                float *theta);
/* Destroy: zero the memory (kept in s's pool for the next checkpoint
 * while it has room, freed otherwise), or destroy the file
 * (fg_ckpt_destroy_path). */
void fg_ckpt_drop(fg_sisa *s, size_t sh, size_t r, fg_ckpt *c);
/* A zeroed buffer of P floats from the pool, or NULL when it is empty. */
float *fg_ckpt_pool_take(fg_sisa *s);
/* buf (zeroed or not) into the pool, zeroed; freed when the pool is full
 * (NULL: nothing). */
void fg_ckpt_pool_give(fg_sisa *s, float *buf);
/* Free the pool's buffers beyond its first n. */
void fg_ckpt_pool_trim(fg_sisa *s, size_t n);
/* Free the pool. */
void fg_ckpt_pool_free(fg_sisa *s);
/* A superseded checkpoint: one the durable state names (saved) joins the
 * pending list (room made by fg_ckpt_reserve), any other is dropped. */
void fg_ckpt_retire(fg_sisa *s, size_t sh, size_t r, fg_ckpt *c);
/* Room for n more pending files (so that a commit cannot fail). */
int fg_ckpt_reserve(fg_sisa *s, size_t n);
/* The state is durable: destroy the pending files; every checkpoint is
 * now named by the durable state. */
void fg_ckpt_saved(fg_sisa *s);
/* Overwrite the file with zeros, sync, unlink (a regular file only;
 * errors ignored: a file that cannot be destroyed is left). */
void fg_ckpt_destroy_path(const char *path);
/* 1 when the file of a directory store's checkpoint exists, 0 when it is
 * missing (ENOENT), FORGET_E_IO when it cannot be checked. */
int fg_ckpt_present(const fg_sisa *s, size_t sh, size_t r,
                    const fg_ckpt *c);
/* Destroy every file of sisa's name pattern in the store that neither a
 * checkpoint nor a pending entry names (left by a crash), temporary files
 * of checkpoint writes included. */
void fg_ckpt_sweep(const fg_sisa *s);

/* ---- training shards (sisa_train.c) ---- */

/* One shard's retraining job: from stage r0 to the last. */
typedef struct fg_job {
    size_t shard, r0;
    forget_model *model;            /* out */
    fg_ckpt ck[FG_SISA_MAX_SLICES]; /* out: stages r0..R-1 */
    float *buf[FG_SISA_MAX_SLICES]; /* memory for ck[r], from the pool */
    fg_sisa_slot *spare_of; /* model is that slot's spare (NULL: made) */
    double passes;                  /* out: rows x epochs trained */
    fg_carried_error err; /* out: the status, with its thread's message */
} fg_job;

/* Jobs run together over the rows of s (those s->dead marks are left
 * out of every stage). */
typedef struct fg_batch {
    fg_sisa *s;
    fg_job *jobs;
    uint64_t gen; /* of the checkpoint files the jobs write */
    forget_run *run; /* NULL: no progress to report (a recovery) */
    /* set by fg_sisa_run */
    atomic_int cancel;
    pthread_t main;
    atomic_size_t stages_done;
    size_t stages_total;
    int train_threads; /* each job's share of the thread budget */
} fg_batch;

/* Run n_jobs jobs of b on s->threads threads; on failure undo what they
 * made (their models and checkpoints). */
int fg_sisa_run(fg_batch *b, size_t n_jobs);
/* s's buffers for training (laid out, none yet): one slot per shard that
 * can train at once, each with room for the largest shard, and a pool
 * with room for one shard's checkpoints (memory store). Made once, at
 * prepare and load, so that a request allocates none of them. */
int fg_sisa_reserve(fg_sisa *s);
/* Free s's slots. */
void fg_sisa_slots_free(fg_sisa *s);
/* A job's model that will not be used: back to the slot it came from, or
 * freed (j->model NULL after). */
void fg_sisa_job_drop(fg_sisa *s, fg_job *j);
/* A constituent replaced: kept as a slot's spare while one has room,
 * freed otherwise. */
void fg_sisa_retire_part(fg_sisa *s, forget_model *part);

/* ---- the state (sisa.c) ---- */

/* s->data = the rows of src by shard, each shard's in id order, with
 * each row's shard and slice, the shards' starts, no row dead, and the
 * sample passes of training every shard (s holds no rows before). */
int fg_sisa_layout(fg_sisa *s, const forget_dataset *src);
/* Sort rows (indices into ids) by id. */
void fg_sisa_by_id(size_t *rows, size_t n, const uint64_t *ids);
/* Sample passes of training row (in its slice and the later stages). */
double fg_sisa_row_passes(const fg_sisa *s, size_t row);
int fg_sisa_create(void **state, forget_model *model, const forget_params *p,
                   void *user_data);
void fg_sisa_destroy(void *state);

/* ---- a request (sisa_forget.c); save and load (sisa_state.c) ---- */

int fg_sisa_forget_ids(void *state, const uint64_t *ids, size_t count,
                       forget_run *run);
int fg_sisa_forget(void *state, const forget_dataset *rows,
                   forget_run *run);
int fg_sisa_save(void *state, forget_writer *w);
int fg_sisa_load(void **state, forget_model *model, const forget_params *p,
                 forget_reader *r, void *user_data);
void fg_sisa_saved(void *state);

/* ---- many ranks (sisa_ranks.c) ---- */

/* The method's set_comm: a prepared state takes a
 * table of more than one rank only with the rank and size it was
 * prepared on (a single-rank table detaches it). */
int fg_sisa_set_comm(void *state, const forget_comm *comm);
/* The communicator (the single-process one when none is attached). */
const forget_comm *fg_sisa_comm(const fg_sisa *s);
/* Does this rank train shard sh (s->rank and s->ranks: set from the
 * communicator when a prepare begins, from the file at load)? */
int fg_sisa_owns(const fg_sisa *s, size_t sh);
/* Put the jobs of shards this rank owns first (stable); their count. */
size_t fg_sisa_own_first(const fg_sisa *s, fg_job *jobs, size_t n);
/* After the owners ran their jobs (rc: this rank's status): the ranks
 * agree, then every job of another rank gets its model, a copy of the
 * template with the owner's trained parameters (one all-gather); such
 * jobs keep no checkpoints. */
int fg_sisa_share(fg_sisa *s, fg_job *jobs, size_t n, int rc);

/* ---- recovery (sisa_recover.c) ---- */

/* A loaded directory-store state: each shard with a missing checkpoint
 * retrained from its earliest missing stage (new files of the next
 * generation; the superseded ones still there become pending). */
int fg_sisa_recover(fg_sisa *s);

#endif
