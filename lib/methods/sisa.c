/* SISA: Sharded, Isolated, Sliced, Aggregated training (Bourtoule et al.,
 * 2021). Each sample id hashes (seeded, independent of row order) to a
 * shard and a slice. Constituent s is trained stage by stage: stage r on
 * the rows of slices 0..r of its shard (in id order), for epochs[r]
 * epochs, with a checkpoint after each stage. Forgetting restores each
 * affected shard from the checkpoint before its earliest affected slice
 * and retrains the rest without the forgotten rows; training is
 * deterministic, so the result is bit-identical to SISA trained from
 * scratch on the remaining rows. Checkpoints holding a forgotten row are
 * destroyed: memory zeroed at once; files (store=DIR) once the state that
 * no longer names them is durable (the next forget_unlearner_save to a
 * file), overwritten and unlinked. A loaded state whose files are missing
 * retrains those shards (sisa_recover.c).
 *
 * This file: parameters, the state's life (create, prepare, destroy) and
 * the method table. sisa_ckpt.c keeps checkpoints, sisa_train.c trains
 * shards, sisa_forget.c serves a request, sisa_state.c saves and loads.
 * Written against forget/backend.h and model/kit.h only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "forget/backend.h"
#include "methods/sisa.h"
#include "model/kit.h"

static const forget_param_def fg_sisa_params[] = {
    {"shards", FORGET_PARAM_INT, "5", 1, 1024, NULL,
     "constituent models, each trained on its own shard of the data"},
    {"slices", FORGET_PARAM_INT, "4", 1, FG_SISA_MAX_SLICES, NULL,
     "slices per shard: a checkpoint after each, so a deletion retrains "
     "only from its slice on"},
    {"epochs", FORGET_PARAM_STRING, "1", 0, -1, NULL,
     "epochs of each stage (stage r trains on slices 0..r): one number, "
     "or one per slice separated by ':' (e.g. 2:1:1:1)"},
    {"aggregate", FORGET_PARAM_ENUM, "mean", 0, -1, "mean|vote",
     "the ensemble's output: mean of probabilities, or majority vote"},
    {"seed", FORGET_PARAM_INT, "1", 0, 1e15, NULL,
     "seed of the shard/slice hash and of the training shuffles"},
    {"threads", FORGET_PARAM_INT, "0", 0, 1024, NULL,
     "threads (0 = forget_get_threads()): shards trained at once, and the "
     "rest of the budget for each shard's batch lanes (training parameter "
     "lanes) when the BLAS runs one thread; results never depend on it"},
    {"store", FORGET_PARAM_STRING, "memory", 0, -1, NULL,
     "where checkpoints live: memory, or a directory path"},
    {"train", FORGET_PARAM_STRING, "", 0, -1, NULL,
     "training parameters of every stage (forget_train_param), without "
     "epochs and seed"},
};
#define FG_SISA_N_PARAMS (sizeof fg_sisa_params / sizeof *fg_sisa_params)

/* ---- configuration ---- */

static int fg_sisa_epochs(fg_sisa *s, const char *text)
{
    size_t r = 0;
    const char *p = text;
    while (r < s->R) {
        int64_t e;
        size_t len = strcspn(p, ":");
        if (fg_parse_int64(p, len, &e) != 0 || e < 1 || e > 100000)
            return fg_error(FORGET_E_PARAM, "parameter 'epochs' of method "
                            "'sisa': '%.64s' is not 1 to 100000 epochs per "
                            "slice", text);
        s->epochs[r++] = e;
        if (p[len] == '\0')
            break;
        p += len + 1;
    }
    if (r == 1)
        for (; r < s->R; r++)
            s->epochs[r] = s->epochs[0];
    if (r != s->R)
        return fg_error(FORGET_E_PARAM, "parameter 'epochs' of method "
                        "'sisa': give one number or %zu", s->R);
    return FORGET_OK;
}

/* The training string must parse and leave epochs and seed to sisa. */
static int fg_sisa_check_train(const char *train)
{
    const forget_param_def *defs = NULL;
    forget_train_param(0, &defs);
    forget_params *p = NULL;
    int rc = forget_params_parse(&p, defs, forget_train_param_count(),
                                 sizeof *defs, "parameter 'train' of method "
                                 "'sisa'", train);
    int e = 0, sd = 0;
    if (rc == FORGET_OK) {
        forget_params_given(p, "epochs", &e);
        forget_params_given(p, "seed", &sd);
        if (e || sd)
            rc = fg_error(FORGET_E_PARAM, "parameter 'train' of method "
                          "'sisa': epochs and seed are set by sisa (use its "
                          "'epochs' and 'seed')");
    }
    forget_params_free(p);
    return rc;
}

/* The parameters into s (its template, sizes, epochs, training text). */
static int fg_sisa_config(fg_sisa *s, forget_model *model,
                          const forget_params *p)
{
    int64_t S, R, threads;
    size_t agg;
    const char *epochs, *store, *train;
    forget_params_int(p, "shards", &S);
    forget_params_int(p, "slices", &R);
    forget_params_int(p, "seed", &s->seed);
    forget_params_int(p, "threads", &threads);
    forget_params_enum(p, "aggregate", &agg);
    forget_params_string(p, "epochs", &epochs);
    forget_params_string(p, "store", &store);
    forget_params_string(p, "train", &train);
    s->tmpl = model;
    s->S = (size_t)S;
    s->R = (size_t)R;
    s->P = forget_model_param_count(model);
    s->vote = agg == 1;
    s->threads = threads ? (int)threads : forget_get_threads();
    int rc = fg_sisa_epochs(s, epochs);
    if (rc == FORGET_OK && s->vote &&
        forget_model_task(model) != FORGET_TASK_CLASSIFICATION)
        rc = fg_error(FORGET_E_PARAM, "method 'sisa': aggregate=vote needs "
                      "a classification model");
    if (rc == FORGET_OK)
        rc = fg_sisa_check_train(train);
    if (rc == FORGET_OK) {
        s->train = fg_strdup(train);
        s->store = strcmp(store, "memory") ? fg_strdup(store) : NULL;
        char text[256];
        snprintf(text, sizeof text, "sisa shards=%zu slices=%zu "
                 "aggregate=%s", s->S, s->R, s->vote ? "vote" : "mean");
        s->text = fg_strdup(text);
        if (!s->train || !s->text || (strcmp(store, "memory") && !s->store))
            rc = fg_nomem("the sisa state");
    }
    if (rc == FORGET_OK && s->store && access(s->store, W_OK) != 0)
        rc = fg_error(FORGET_E_IO, "method 'sisa': store '%.200s' is not a "
                      "writable directory", s->store);
    return rc;
}

int fg_sisa_create(void **state, forget_model *model, const forget_params *p,
                   void *user_data)
{
    (void)user_data;
    if (!fg_model_trainable(model))
        return fg_error(FORGET_E_INVALID, "method 'sisa': the template must "
                        "be a model trained by SGD (linear, mlp or host), "
                        "not '%s'", forget_model_kind(model));
    fg_sisa *s = fg_calloc(1, sizeof *s);
    if (s == NULL)
        return fg_nomem("the sisa state");
    s->ranks = 1;
    int rc = fg_sisa_config(s, model, p);
    if (rc != FORGET_OK) {
        fg_sisa_destroy(s);
        return rc;
    }
    *state = s;
    return FORGET_OK;
}

static forget_model *fg_sisa_model(void *state)
{
    return ((fg_sisa *)state)->ens;
}

void fg_sisa_saved(void *state)
{
    fg_ckpt_saved(state);
}

static int fg_sisa_is_forgotten(void *state, uint64_t id, int *forgotten)
{
    return fg_idset_forgotten(&((fg_sisa *)state)->ids, id, forgotten);
}

/* Free the prepared state. Checkpoint files of a directory store are
 * destroyed only when superseded and not named by the durable state
 * (drop_files: a new prepare, which has taken the named ones as pending,
 * or a failed one's own files); on destroy they stay, for the states
 * saved with them (pending ones too: the durable state names them). */
static void fg_sisa_clear(fg_sisa *s, int drop_files);

/* A prepared state replaced by a new prepare: its checkpoint files go
 * too (they may hold rows the new training set no longer has). */
static void fg_sisa_supersede(void *state) { fg_sisa_clear(state, 1); }

static void fg_sisa_clear(fg_sisa *s, int drop_files)
{
    for (size_t i = 0; s->parts && i < s->S; i++)
        fg_model_discard(s->parts[i]);
    for (size_t i = 0; s->ck && i < s->S * s->R; i++) {
        if (!drop_files)
            s->ck[i].gen = 0;
        fg_ckpt_drop(s, i / s->R, i % s->R, &s->ck[i]);
    }
    fg_free(s->parts);
    fg_free(s->ck);
    fg_free(s->pending);
    s->pending = NULL;
    s->n_pending = s->cap_pending = 0;
    fg_model_discard(s->ens);
    forget_dataset_free(s->data);
    fg_free(s->shard);
    fg_free(s->slice);
    fg_free(s->start);
    fg_free(s->dead);
    fg_idset_free(&s->ids);
    fg_sisa_slots_free(s);
    fg_ckpt_pool_free(s);
    s->start = NULL;
    s->dead = NULL;
    s->parts = NULL;
    s->ck = NULL;
    s->ens = NULL;
    s->data = NULL;
    s->shard = s->slice = NULL;
    s->prepared = 0;
}

void fg_sisa_destroy(void *state)
{
    fg_sisa *s = state;
    if (s == NULL)
        return;
    fg_sisa_clear(s, 0);
    fg_free(s->store);
    fg_free(s->train);
    fg_free(s->text);
    fg_free(s);
}

/* ---- the data and its assignment ---- */

static void fg_sisa_assign(const fg_sisa *s, uint64_t id, uint32_t *sh,
                           uint32_t *sl)
{
    uint64_t h = fg_mix64(id ^ fg_mix64((uint64_t)s->seed));
    *sh = (uint32_t)(h % s->S);
    *sl = (uint32_t)(fg_mix64(h) % s->R);
}

/* Rows by shard, then by id (ctx: the rows' shards, then their ids). */
typedef struct fg_sisa_order {
    const uint32_t *shard;
    const uint64_t *ids;
} fg_sisa_order;

static int fg_by_shard_id(const void *a, const void *b, void *ctx)
{
    const fg_sisa_order *o = ctx;
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    if (o->shard && o->shard[i] != o->shard[j])
        return o->shard[i] < o->shard[j] ? -1 : 1;
    return (o->ids[i] > o->ids[j]) - (o->ids[i] < o->ids[j]);
}

void fg_sisa_by_id(size_t *rows, size_t n, const uint64_t *ids)
{
    fg_sisa_order o = {NULL, ids};
    qsort_r(rows, n, sizeof *rows, fg_by_shard_id, &o);
}

double fg_sisa_row_passes(const fg_sisa *s, size_t row)
{
    double passes = 0;
    for (size_t r = s->slice[row]; r < s->R; r++)
        passes += (double)s->epochs[r];
    return passes;
}

/* Shard-major, so that a shard's training reads (and a request scans) its
 * own rows only: each shard's rows lie together, in id order. */
int fg_sisa_layout(fg_sisa *s, const forget_dataset *src)
{
    size_t n = forget_dataset_rows(src), m = n ? n : 1;
    size_t *order = fg_malloc_array(m, sizeof *order);
    uint32_t *sh = fg_malloc_array(m, sizeof *sh);
    uint32_t *sl = fg_malloc_array(m, sizeof *sl);
    s->shard = fg_malloc_array(m, sizeof *s->shard);
    s->slice = fg_malloc_array(m, sizeof *s->slice);
    s->start = fg_calloc(s->S + 1, sizeof *s->start);
    s->dead = fg_calloc(m, 1);
    int rc = order && sh && sl && s->shard && s->slice && s->start && s->dead
                 ? FORGET_OK
                 : fg_nomem("the shard layout");
    if (rc == FORGET_OK) {
        const uint64_t *ids = forget_dataset_ids(src);
        for (size_t i = 0; i < n; i++) {
            fg_sisa_assign(s, ids[i], &sh[i], &sl[i]);
            order[i] = i;
        }
        fg_sisa_order o = {sh, ids};
        qsort_r(order, n, sizeof *order, fg_by_shard_id, &o);
        rc = fg_dataset_gather(&s->data, src, order, n, FG_SISA_OWNER);
    }
    if (rc == FORGET_OK) {
        s->full_passes = 0;
        for (size_t i = 0; i < n; i++) {
            s->shard[i] = sh[order[i]];
            s->slice[i] = sl[order[i]];
            s->start[s->shard[i] + 1]++;
            s->full_passes += fg_sisa_row_passes(s, i);
        }
        for (size_t i = 0; i < s->S; i++)
            s->start[i + 1] += s->start[i];
    }
    fg_free(order);
    fg_free(sh);
    fg_free(sl);
    return rc;
}

/* ---- prepare: the new state is built beside the old, then swapped in ---- */

/* n = s's configuration with the layout of train and no shards yet. */
static int fg_sisa_fresh(const fg_sisa *s, fg_sisa *n,
                         const forget_dataset *train)
{
    *n = *s;
    n->data = NULL;
    n->shard = n->slice = NULL;
    n->start = NULL;
    n->dead = NULL;
    n->ens = NULL;
    n->pending = NULL;
    n->n_pending = n->cap_pending = 0;
    n->slots = NULL;
    n->n_slots = 0;
    n->pool = NULL;
    n->n_pool = n->cap_pool = 0;
    memset(&n->ids, 0, sizeof n->ids);
    n->rank = fg_sisa_comm(s)->rank; /* the shards this rank trains */
    n->ranks = fg_sisa_comm(s)->size;
    n->parts = fg_calloc(s->S, sizeof *n->parts);
    n->ck = fg_calloc(s->S * s->R, sizeof *n->ck);
    int rc = n->parts && n->ck ? FORGET_OK : fg_nomem("the shards");
    if (rc == FORGET_OK)
        rc = fg_idset_from(&n->ids, train);
    if (rc == FORGET_OK)
        rc = fg_sisa_layout(n, train);
    if (rc == FORGET_OK)
        rc = fg_sisa_reserve(n);
    n->gen = s->gen + 1;
    return rc;
}

/* Train every shard of n from scratch; the ensemble over them. */
static int fg_sisa_train_all(fg_sisa *n, fg_job *jobs, forget_run *run)
{
    fg_batch b = {
        .s = n,
        .jobs = jobs,
        .gen = n->gen,
        .run = run,
    };
    for (size_t i = 0; i < n->S; i++)
        jobs[i].shard = i;
    /* on many ranks each rank trains its own shards, then gets the
     * others' constituents (every shard, in order, on one rank) */
    size_t own = fg_sisa_own_first(n, jobs, n->S);
    int rc = fg_sisa_run(&b, own);
    int ran = rc == FORGET_OK;
    rc = fg_sisa_share(n, jobs, n->S, rc);
    if (rc != FORGET_OK) { /* what the jobs made, shared models too */
        for (size_t i = 0; ran && i < n->S; i++) {
            fg_sisa_job_drop(n, &jobs[i]);
            for (size_t r = 0; r < n->R; r++)
                fg_ckpt_drop(n, jobs[i].shard, r, &jobs[i].ck[r]);
        }
        return rc;
    }
    for (size_t i = 0; i < n->S; i++) {
        size_t sh = jobs[i].shard;
        n->parts[sh] = jobs[i].model;
        memcpy(&n->ck[sh * n->R], jobs[i].ck, n->R * sizeof(fg_ckpt));
    }
    rc = fg_ensemble_create(&n->ens, n->parts, n->S, n->vote, n->text);
    if (rc != FORGET_OK) /* the jobs' results now belong to n */
        memset(jobs, 0, n->S * sizeof *jobs);
    return rc;
}

/* n (a new prepare) takes over s's files that the durable state names:
 * its pending ones and its saved checkpoints, destroyed after n's first
 * durable save. */
static int fg_sisa_take_pending(fg_sisa *n, fg_sisa *s)
{
    size_t all = s->ck && s->prepared ? s->S * s->R : 0;
    int rc = fg_ckpt_reserve(n, s->n_pending + all);
    if (rc != FORGET_OK)
        return rc;
    if (s->n_pending > 0)
        memcpy(n->pending, s->pending, s->n_pending * sizeof *s->pending);
    n->n_pending = s->n_pending;
    s->n_pending = 0;
    for (size_t i = 0; i < all; i++)
        if (s->ck[i].gen && s->ck[i].saved) {
            n->pending[n->n_pending++] =
                (fg_pending){i / s->R, i % s->R, s->ck[i].gen};
            s->ck[i].gen = 0;
        }
    return FORGET_OK;
}

static int fg_sisa_prepare(void *state, const forget_dataset *train,
                           forget_run *run)
{
    fg_sisa *s = state;
    const forget_comm *c = fg_sisa_comm(s);
    int rc = fg_model_check_data(s->tmpl, train, FG_SISA_OWNER);
    forget_dataset *all = NULL; /* on many ranks: every rank's rows */
    if (fg_comm_multi(c)) {
        rc = fg_idspread_rows(c, rc, train, &all);
        train = all;
    }
    if (rc != FORGET_OK)
        return rc;
    fg_sisa n; /* the new state, built aside */
    fg_job *jobs = fg_calloc(s->S, sizeof *jobs);
    rc = fg_sisa_fresh(s, &n, train);
    if (rc == FORGET_OK && jobs == NULL)
        rc = fg_nomem("the shards");
    if (rc == FORGET_OK)
        rc = fg_sisa_train_all(&n, jobs, run);
    else /* the agreement the others make when they share (many ranks) */
        rc = fg_sisa_share(s, jobs, 0, rc);
    double passes = 0;
    for (size_t i = 0; rc == FORGET_OK && i < s->S; i++)
        passes += jobs[i].passes;
    if (rc == FORGET_OK)
        rc = forget_run_report(run, "sample_passes", passes);
    if (rc == FORGET_OK)
        rc = fg_sisa_take_pending(&n, s);
    if (fg_comm_multi(c))
        rc = fg_comm_agree(c, rc); /* all ranks or none */
    fg_free(jobs);
    forget_dataset_free(all);
    if (rc != FORGET_OK) {
        fg_sisa_clear(&n, 1); /* drops the new checkpoints (files too) */
        return rc;
    }
    n.prepared = 1;
    fg_state_swap(s, &n, sizeof n, fg_sisa_supersede);
    return FORGET_OK;
}

const forget_method fg_method_sisa = {
    .struct_size = sizeof(forget_method),
    .abi_version = FORGET_BACKEND_ABI_VERSION,
    .flags = FORGET_METHOD_EXACT,
    .name = "sisa",
    .description = "sharded, sliced exact retraining: retrain only the "
                   "shards holding the forgotten rows, from the checkpoint "
                   "before their slice (exact; keeps the training data)",
    .params = fg_sisa_params,
    .n_params = FG_SISA_N_PARAMS,
    .param_def_size = sizeof(forget_param_def),
    .create = fg_sisa_create,
    .prepare = fg_sisa_prepare,
    .forget = fg_sisa_forget,
    .destroy = fg_sisa_destroy,
    .save = fg_sisa_save,
    .load = fg_sisa_load,
    .forget_ids = fg_sisa_forget_ids,
    .model = fg_sisa_model,
    .saved = fg_sisa_saved,
    .load_overrides = "store",
    .is_forgotten = fg_sisa_is_forgotten,
    .set_comm = fg_sisa_set_comm,
};
