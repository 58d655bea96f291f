/* SISA's forget: a request is planned (which ids, which rows die, from
 * which slice each shard retrains), run (the shards retrained beside the
 * live ones), reported, and only then committed (the retrained shards
 * swapped in, the checkpoints that held a forgotten row retired: memory
 * zeroed, files destroyed, or pending until the next durable save when
 * the state on disk names them; the rows zeroed, the ids marked). A
 * failure before the commit changes nothing. */
#include <string.h>

#include "forget/backend.h"
#include "methods/sisa.h"
#include "model/kit.h"

/* A request, planned. Nothing in it is proportional to the rows kept:
 * the rows forgotten are marked in s->dead while the shards retrain (and
 * unmarked if the request fails). */
typedef struct fg_sisa_plan {
    size_t *slots, *pos; /* the ids to forget now (fg_idset_request) */
    size_t k;            /* how many */
    size_t *rows;        /* their rows */
    int marked;          /* s->dead marks them */
    fg_job *jobs;        /* one per shard to retrain, from its first slice */
    size_t n_jobs;
    uint64_t gen; /* of the checkpoint files the retraining writes */
    size_t retired; /* checkpoints the retraining supersedes */
    double full;    /* sample passes of training anew on what remains */
    size_t pooled;  /* checkpoint buffers in s's pool before */
} fg_sisa_plan;

static void fg_sisa_plan_free(fg_sisa_plan *p)
{
    fg_free(p->slots);
    fg_free(p->pos);
    fg_free(p->rows);
    fg_free(p->jobs);
    memset(p, 0, sizeof *p);
}

/* The rows and the jobs: each shard holding a forgotten row retrains
 * from the earliest slice holding one. */
static int fg_sisa_plan_rows(const fg_sisa *s, fg_sisa_plan *p,
                             const uint64_t *ids)
{
    size_t S = s->S, R = s->R, first[1024];
    for (size_t i = 0; i < S; i++)
        first[i] = R;
    p->full = s->full_passes;
    for (size_t i = 0; i < p->k; i++) {
        size_t row = 0;
        /* The remembered ids are the kept rows' ids (prepare makes them
         * so, load checks it: fg_idset_matches); never act on a guess. */
        if (forget_dataset_find(s->data, ids[p->pos[i]], &row) != FORGET_OK)
            return fg_error(FORGET_E_INTERNAL, "method 'sisa': sample id "
                            "%llu is remembered but has no kept row",
                            (unsigned long long)ids[p->pos[i]]);
        p->rows[i] = row;
        p->full -= fg_sisa_row_passes(s, row);
        if (s->slice[row] < first[s->shard[row]])
            first[s->shard[row]] = s->slice[row];
    }
    size_t retired = 0;
    for (size_t i = 0; i < S; i++)
        if (first[i] < R) {
            p->jobs[p->n_jobs++] = (fg_job){.shard = i, .r0 = first[i]};
            retired += R - first[i];
        }
    p->retired = retired;
    return FORGET_OK;
}

/* Plan the request ids[0..count): ids never prepared are refused, ids
 * forgotten already (or named twice) are counted (already_forgotten) and
 * skipped (fg_idset_request's rule). */
static int fg_sisa_plan_make(const fg_sisa *s, const uint64_t *ids,
                             size_t count, forget_run *run, fg_sisa_plan *p)
{
    size_t repeats = 0;
    memset(p, 0, sizeof *p);
    p->pooled = s->n_pool;
    p->gen = s->gen + 1;
    if (p->gen >= FG_SISA_MAX_GEN)
        return fg_error(FORGET_E_STATE, "method 'sisa': the checkpoint "
                        "generations are used up");
    p->slots = fg_malloc_array(count, sizeof *p->slots);
    p->pos = fg_malloc_array(count, sizeof *p->pos);
    int rc = p->slots && p->pos ? FORGET_OK : fg_nomem("a request");
    if (rc == FORGET_OK)
        rc = fg_idset_request(&s->ids, ids, count, p->slots, p->pos, &p->k,
                              &repeats, "sisa");
    if (rc == FORGET_OK)
        rc = forget_run_report(run, "already_forgotten", (double)repeats);
    if (rc == FORGET_OK) {
        p->jobs = fg_calloc(s->S, sizeof *p->jobs);
        p->rows = fg_malloc_array(p->k ? p->k : 1, sizeof *p->rows);
        if (p->jobs == NULL || p->rows == NULL)
            rc = fg_nomem("a request");
    }
    if (rc == FORGET_OK)
        rc = fg_sisa_plan_rows(s, p, ids);
    return rc;
}

/* Mark (1) or unmark (0) the planned rows dead. */
static void fg_sisa_plan_mark(fg_sisa *s, fg_sisa_plan *p, int dead)
{
    for (size_t i = 0; i < p->k; i++)
        s->dead[p->rows[i]] = (unsigned char)dead;
    p->marked = dead;
}

/* Retrain the planned shards (new models and checkpoints, in the jobs)
 * without the planned rows: on many ranks, the shards this rank owns
 * (put first); the others' come from their owners (fg_sisa_share). */
static int fg_sisa_plan_run(fg_sisa *s, fg_sisa_plan *p, forget_run *run)
{
    if (p->k == 0)
        return FORGET_OK;
    fg_sisa_plan_mark(s, p, 1);
    fg_batch b = {
        .s = s,
        .jobs = p->jobs,
        .gen = p->gen,
        .run = run,
    };
    return fg_sisa_run(&b, fg_sisa_own_first(s, p->jobs, p->n_jobs));
}

/* The report: rows forgotten, shards and slices retrained, sample passes
 * (rows x epochs) and their fraction of a full retraining's. */
static int fg_sisa_plan_report(const fg_sisa *s, const fg_sisa_plan *p,
                               forget_run *run)
{
    size_t R = s->R;
    double passes = 0, slices = 0, full = p->full;
    for (size_t i = 0; i < p->n_jobs; i++) {
        passes += p->jobs[i].passes;
        slices += (double)(R - p->jobs[i].r0);
    }
    const char *keys[5] = {"rows", "shards_retrained", "slices_retrained",
                           "sample_passes", "cost_vs_full_retrain"};
    double vals[5] = {(double)p->k, (double)p->n_jobs, slices, passes,
                      full > 0 ? passes / full : 0};
    int rc = FORGET_OK;
    for (size_t i = 0; rc == FORGET_OK && i < 5; i++)
        rc = forget_run_report(run, keys[i], vals[i]);
    return rc;
}

/* Undo a plan that will not be committed: its new models and
 * checkpoints, its marks. */
static void fg_sisa_plan_undo(fg_sisa *s, fg_sisa_plan *p)
{
    for (size_t i = 0; p->jobs && i < p->n_jobs; i++) {
        fg_sisa_job_drop(s, &p->jobs[i]);
        for (size_t r = p->jobs[i].r0; r < s->R; r++)
            fg_ckpt_drop(s, p->jobs[i].shard, r, &p->jobs[i].ck[r]);
    }
    if (p->marked)
        fg_sisa_plan_mark(s, p, 0);
    fg_ckpt_pool_trim(s, p->pooled); /* no more memory kept than before */
}

/* Commit (cannot fail): swap in the retrained shards, destroy the
 * checkpoints that held a forgotten row, drop the rows themselves (they
 * stay marked dead), mark the ids forgotten. */
static void fg_sisa_commit(fg_sisa *s, fg_sisa_plan *p)
{
    size_t R = s->R;
    for (size_t i = 0; i < p->n_jobs; i++) {
        size_t sh = p->jobs[i].shard;
        forget_model *old = s->parts[sh];
        s->parts[sh] = p->jobs[i].model;
        fg_ensemble_set(s->ens, sh, p->jobs[i].model); /* drops its hold */
        fg_sisa_retire_part(s, old);
        for (size_t r = p->jobs[i].r0; r < R; r++) {
            fg_ckpt_retire(s, sh, r, &s->ck[sh * R + r]);
            s->ck[sh * R + r] = p->jobs[i].ck[r];
        }
    }
    if (p->k == 0)
        return;
    /* Forget the rows themselves: zero what was kept of them. */
    for (size_t i = 0; i < p->k; i++)
        fg_dataset_clear_row(s->data, p->rows[i]);
    s->full_passes = p->full;
    s->gen = p->gen;
    fg_idset_mark(&s->ids, p->slots, p->k);
}

int fg_sisa_forget_ids(void *state, const uint64_t *ids, size_t count,
                       forget_run *run)
{
    fg_sisa *s = state;
    const forget_comm *c = fg_sisa_comm(s);
    if (c->size != s->ranks || c->rank != s->rank)
        return fg_error(FORGET_E_STATE, "method 'sisa': this state is rank "
                        "%d of %d; attach its communicator first "
                        "(forget_unlearner_set_comm)", (int)s->rank,
                        (int)s->ranks);
    /* on many ranks the plan is the same on every rank: the ids are
     * (checked), and so are the rows and ids the state holds */
    int rc = fg_idspread_same_list(c, ids, count, "sisa");
    if (rc != FORGET_OK)
        return rc;
    fg_sisa_plan p;
    rc = fg_sisa_plan_make(s, ids, count, run, &p);
    if (rc == FORGET_OK)
        rc = fg_sisa_plan_run(s, &p, run);
    rc = fg_sisa_share(s, p.jobs, p.jobs ? p.n_jobs : 0, rc);
    if (rc == FORGET_OK)
        rc = fg_sisa_plan_report(s, &p, run);
    /* room for the superseded files, last, so that the commit cannot fail
     * and a failure allocates nothing that stays */
    if (rc == FORGET_OK)
        rc = fg_ckpt_reserve(s, p.retired);
    if (fg_comm_multi(c))
        rc = fg_comm_agree(c, rc); /* all ranks commit, or none */
    if (rc == FORGET_OK)
        fg_sisa_commit(s, &p);
    else
        fg_sisa_plan_undo(s, &p);
    fg_sisa_plan_free(&p);
    return rc;
}

int fg_sisa_forget(void *state, const forget_dataset *rows, forget_run *run)
{
    const forget_comm *c = fg_sisa_comm(state);
    if (!fg_comm_multi(c))
        return fg_sisa_forget_ids(state, forget_dataset_ids(rows),
                                  forget_dataset_rows(rows), run);
    /* on many ranks each rank passes the rows it holds: the request is
     * every rank's ids, in rank order */
    void *ids = NULL;
    size_t bytes = 0;
    int rc = fg_comm_allgatherv(c, forget_dataset_ids(rows),
                                forget_dataset_rows(rows) * sizeof(uint64_t),
                                &ids, NULL, &bytes, "the request's ids");
    if (rc == FORGET_OK && bytes == 0)
        rc = fg_error(FORGET_E_INVALID, "method 'sisa': the request is empty "
                      "on every rank");
    if (rc == FORGET_OK)
        rc = fg_sisa_forget_ids(state, ids, bytes / sizeof(uint64_t), run);
    fg_free(ids);
    return rc;
}
