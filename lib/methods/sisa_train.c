/* SISA's training: jobs, each one shard retrained from a stage to the
 * last with a checkpoint after each stage, run on threads. Results never
 * depend on the threads: each stage's rows, order and seed are fixed by
 * the shard and the stage alone. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "forget/backend.h"
#include "methods/sisa.h"
#include "model/kit.h"

static int fg_sisa_progress(double fraction, const char *stage, void *user)
{
    (void)stage;
    fg_batch *b = user;
    if (b->run && pthread_equal(pthread_self(), b->main) && !atomic_load(&b->cancel)) {
        double done = (double)atomic_load(&b->stages_done) + fraction;
        if (forget_run_progress(b->run, done / (double)b->stages_total) !=
            FORGET_OK)
            atomic_store(&b->cancel, 1);
    }
    return atomic_load(&b->cancel);
}

/* On the caller's thread while other threads train: the stages done so
 * far, and the host's cancel. */
static void fg_sisa_watch(void *ctx)
{
    fg_batch *b = ctx;
    if (b->run && !atomic_load(&b->cancel) &&
        forget_run_progress(b->run, (double)atomic_load(&b->stages_done) /
                                        (double)b->stages_total) != FORGET_OK)
        atomic_store(&b->cancel, 1);
}

/* The training seed of stage r of shard sh. shard * 64 + r
 * (FG_SISA_MAX_SLICES = 64 > r) numbers the (shard, stage) pairs without
 * a gap or a repeat, so every stage of every shard shuffles with a seed
 * of its own; it depends on nothing else (not the thread, not the order
 * the jobs run in), so a shard retrained alone repeats the shuffles of
 * its training from scratch. The user's seed picks a block of these:
 * reduced below the prime 1000000007 and scaled by the prime 4099, which
 * keeps the result below 4.2e12, inside the training seed's range (at
 * most 9e15, which seed * 4099 alone would leave), and puts the blocks of
 * different user seeds 4099 apart: with up to 64 shards (offsets below
 * 4096 < 4099) no two (seed, shard, stage) share a training seed (for
 * user seeds below 1000000007); with more shards, blocks of nearby user
 * seeds overlap, but within one seed they never collide. Do not change
 * the values: a saved state's checkpoints were trained with them, and a
 * shard retrained after loading it must continue them bit for bit. */
static long long fg_sisa_stage_seed(const fg_sisa *s, size_t sh, size_t r)
{
    return (long long)((s->seed % 1000000007) * 4099 +
                       (int64_t)(sh * FG_SISA_MAX_SLICES + r));
}

/* The rows of stage r of shard sh (slices 0..r, not forgotten), in id
 * order, into rows; returns their count. Only the shard's own rows are
 * looked at. */
static size_t fg_sisa_stage_rows(const fg_sisa *s, size_t sh, size_t r,
                                 size_t *rows)
{
    size_t k = 0;
    for (size_t row = s->start[sh]; row < s->start[sh + 1]; row++)
        if (s->slice[row] <= r && !s->dead[row])
            rows[k++] = row;
    return k;
}

/* Stages j->r0.. of job j on m (trained in place, no copy of the rows),
 * with the buffers of slot. */
static int fg_sisa_stages(fg_batch *b, fg_job *j, forget_model *m,
                          fg_sisa_slot *slot)
{
    fg_sisa *s = b->s;
    int rc = FORGET_OK;
    for (size_t r = j->r0; rc == FORGET_OK && r < s->R; r++) {
        size_t k = fg_sisa_stage_rows(s, j->shard, r, slot->rows);
        if (k > 0) {
            char params[2048];
            snprintf(params, sizeof params, "%s epochs=%lld seed=%lld",
                     s->train, (long long)s->epochs[r],
                     fg_sisa_stage_seed(s, j->shard, r));
            rc = fg_model_train_rows_in(m, s->data, slot->rows, k, params,
                                        b->train_threads, slot->train);
            j->passes += (double)k * (double)s->epochs[r];
        }
        if (rc == FORGET_OK)
            rc = fg_ckpt_put(s, j->shard, r, b->gen, fg_model_theta(m),
                             &j->buf[r], &j->ck[r]);
        atomic_fetch_add(&b->stages_done, 1);
    }
    return rc;
}

/* A free slot, now taken (fg_sisa_reserve made one per job that can run
 * at once, so there is one). */
static fg_sisa_slot *fg_sisa_claim(fg_sisa *s)
{
    for (size_t i = 0; i < s->n_slots; i++)
        if (atomic_exchange(&s->slots[i].busy, 1) == 0)
            return &s->slots[i];
    return NULL;
}

void fg_sisa_job_drop(fg_sisa *s, fg_job *j)
{
    if (j->model && j->spare_of) {
        fg_model_assign(j->model, s->tmpl);
        j->spare_of->spare = j->model;
    } else {
        fg_model_discard(j->model);
    }
    j->model = NULL;
    j->spare_of = NULL;
}

void fg_sisa_retire_part(fg_sisa *s, forget_model *part)
{
    for (size_t i = 0; part && i < s->n_slots; i++)
        if (s->slots[i].spare == NULL) {
            fg_model_assign(part, s->tmpl);
            s->slots[i].spare = part;
            return;
        }
    fg_model_discard(part);
}

/* Job i: from the template, or the checkpoint before stage r0, on its
 * slot's spare model or a new one. */
static int fg_sisa_job(size_t i, void *ctx)
{
    fg_batch *b = ctx;
    fg_sisa *s = b->s;
    fg_job *j = &b->jobs[i];
    fg_sisa_slot *slot = fg_sisa_claim(s);
    int rc = FORGET_OK;
    if (slot == NULL)
        rc = fg_error(FORGET_E_INTERNAL, "method 'sisa': more shards train "
                      "at once than it has buffers for");
    else if (slot->spare) { /* the template's copy (fg_sisa_retire_part) */
        j->model = slot->spare;
        j->spare_of = slot;
        slot->spare = NULL;
    } else {
        rc = fg_model_clone_raw(&j->model, s->tmpl);
    }
    forget_model *m = j->model;
    if (rc == FORGET_OK && j->r0 > 0)
        rc = fg_ckpt_get(s, j->shard, j->r0 - 1,
                         &s->ck[j->shard * s->R + j->r0 - 1],
                         fg_model_theta(m));
    if (rc == FORGET_OK)
        forget_model_set_progress(m, fg_sisa_progress, b);
    if (rc == FORGET_OK)
        rc = fg_sisa_stages(b, j, m, slot);
    if (rc == FORGET_OK)
        forget_model_set_progress(m, NULL, NULL);
    else
        fg_sisa_job_drop(s, j);
    if (slot)
        atomic_store(&slot->busy, 0);
    fg_error_carry(&j->err, rc);
    return rc;
}

void fg_sisa_slots_free(fg_sisa *s)
{
    for (size_t i = 0; s->slots && i < s->n_slots; i++) {
        fg_train_scratch_free(s->slots[i].train);
        fg_free(s->slots[i].rows);
        fg_model_discard(s->slots[i].spare);
    }
    fg_free(s->slots);
    s->slots = NULL;
    s->n_slots = 0;
}

int fg_sisa_reserve(fg_sisa *s)
{
    size_t n = (size_t)s->threads < s->S ? (size_t)s->threads : s->S;
    if (n > 65) /* fg_parallel_watch runs at most 65 tasks at once */
        n = 65;
    size_t most = 1;
    for (size_t sh = 0; sh < s->S; sh++)
        if (s->start[sh + 1] - s->start[sh] > most)
            most = s->start[sh + 1] - s->start[sh];
    s->slots = fg_calloc(n, sizeof *s->slots);
    if (s->slots == NULL)
        return fg_nomem("the shards' training buffers");
    int rc = FORGET_OK;
    for (; rc == FORGET_OK && s->n_slots < n; s->n_slots++) {
        fg_sisa_slot *t = &s->slots[s->n_slots];
        atomic_init(&t->busy, 0);
        t->rows = fg_malloc_array(most, sizeof *t->rows);
        rc = t->rows ? fg_train_scratch_new(&t->train)
                     : fg_nomem("the shards' training buffers");
        if (rc == FORGET_OK)
            rc = fg_train_scratch_reserve(t->train, s->tmpl, s->data, most,
                                          s->train);
    }
    /* one shard's checkpoints: what a one-at-a-time deletion retires and
     * the next one needs (more would hold memory the size of the
     * checkpoints themselves after a request that retrains every shard) */
    if (rc == FORGET_OK && s->store == NULL) {
        s->pool = fg_malloc_array(s->R, sizeof *s->pool);
        s->cap_pool = s->pool ? s->R : 0;
        if (s->pool == NULL)
            rc = fg_nomem("the checkpoint buffers");
    }
    return rc;
}

/* The status of a failed batch: canceled, or the first job's error with
 * its message. */
static int fg_sisa_failure(fg_batch *b, size_t n_jobs, int rc)
{
    /* a cancel asked for while other threads finished counts too */
    if (atomic_load(&b->cancel))
        return fg_error(FORGET_E_CANCELED, "method 'sisa': canceled by the "
                        "progress callback");
    if (rc != FORGET_OK)
        for (size_t i = 0; i < n_jobs; i++)
            if (b->jobs[i].err.code == rc) {
                fg_error_deliver(&b->jobs[i].err);
                break;
            }
    return rc;
}

int fg_sisa_run(fg_batch *b, size_t n_jobs)
{
    fg_sisa *s = b->s;
    b->main = pthread_self();
    atomic_store(&b->cancel, 0);
    atomic_store(&b->stages_done, 0);
    b->stages_total = 0;
    for (size_t i = 0; i < n_jobs; i++)
        b->stages_total += s->R - b->jobs[i].r0;
    size_t at_once = n_jobs < (size_t)s->threads ? n_jobs : (size_t)s->threads;
    b->train_threads = at_once ? (int)((size_t)s->threads / at_once) : 1;
    size_t pooled = s->n_pool;
    for (size_t i = 0; i < n_jobs; i++)
        for (size_t r = b->jobs[i].r0; r < s->R; r++)
            b->jobs[i].buf[r] = fg_ckpt_pool_take(s);
    int rc = fg_parallel_watch(n_jobs, s->threads, fg_sisa_job, b,
                               fg_sisa_watch);
    rc = fg_sisa_failure(b, n_jobs, rc);
    for (size_t i = 0; i < n_jobs; i++) {
        fg_job *j = &b->jobs[i];
        for (size_t r = j->r0; r < s->R; r++) {
            fg_ckpt_pool_give(s, j->buf[r]); /* not taken by a checkpoint */
            j->buf[r] = NULL;
            if (rc != FORGET_OK)
                fg_ckpt_drop(s, j->shard, r, &j->ck[r]);
        }
        if (rc != FORGET_OK)
            fg_sisa_job_drop(s, j);
    }
    if (rc != FORGET_OK) /* a failure keeps no more memory than before */
        fg_ckpt_pool_trim(s, pooled);
    return rc;
}
