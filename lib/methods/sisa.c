/* SISA: Sharded, Isolated, Sliced, Aggregated training (Bourtoule et al.,
 * 2021). Each sample id hashes (seeded, independent of row order) to a
 * shard and a slice. Constituent s is trained stage by stage: stage r on
 * the rows of slices 0..r of its shard (in id order), for epochs[r]
 * epochs, with a checkpoint after each stage. Forgetting restores each
 * affected shard from the checkpoint before its earliest affected slice
 * and retrains the rest without the forgotten rows; training is
 * deterministic, so the result is bit-identical to SISA trained from
 * scratch on the remaining rows. Checkpoints holding a forgotten row are
 * destroyed (memory zeroed, files unlinked). */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/alloc.h"
#include "util/idstate.h"
#include "format/container.h"
#include "util/error.h"
#include "util/fileio.h"
#include "util/number.h"
#include "util/params.h"
#include "util/pool.h"
#include "util/rng.h"
#include "data/dataset.h"
#include "format/sections.h"
#include "data/idset.h"
#include "model/kit.h"
#include "model/model.h"

#define FG_SISA_MAX_SLICES 64

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

typedef struct fg_ckpt {
    float *theta;  /* memory store */
    uint64_t gen;  /* directory store: file generation (0 = none) */
} fg_ckpt;

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
    forget_dataset *data;     /* the prepared rows, in id order */
    uint32_t *shard, *slice;  /* per row of data */
    unsigned char *dead;      /* per row: forgotten (features zeroed) */
    forget_model **parts;     /* S constituents */
    fg_ckpt *ck;              /* S x R */
    uint64_t gen;             /* last checkpoint file generation */
    forget_model *ens;
    fg_idset ids;
} fg_sisa;

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

static void fg_sisa_destroy(void *state);

static int fg_sisa_create(void **state, forget_model *model,
                          const forget_params *p, void *user_data)
{
    (void)user_data;
    if (!strcmp(model->kind, "ensemble") || model->ops->fit)
        return fg_error(FORGET_E_INVALID, "method 'sisa': the template must "
                        "be a model trained by SGD (linear, mlp or host), "
                        "not '%s'", model->kind);
    fg_sisa *s = fg_calloc(1, sizeof *s);
    if (s == NULL)
        return fg_nomem("the sisa state");
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
    s->P = model->n_params;
    s->vote = agg == 1;
    s->threads = threads ? (int)threads : forget_get_threads();
    int rc = fg_sisa_epochs(s, epochs);
    if (rc == FORGET_OK && s->vote && model->task != FORGET_TASK_CLASSIFICATION)
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
    if (rc != FORGET_OK) {
        fg_sisa_destroy(s);
        return rc;
    }
    *state = s;
    return FORGET_OK;
}

/* ---- checkpoints ---- */

static void fg_ckpt_path(const fg_sisa *s, size_t sh, size_t r, uint64_t gen,
                         char *buf, size_t cap)
{
    snprintf(buf, cap, "%s/sisa-s%zu-r%zu-g%llu.ckpt", s->store, sh, r,
             (unsigned long long)gen);
}

static int fg_ckpt_put(const fg_sisa *s, size_t sh, size_t r, uint64_t gen,
                       const float *theta, fg_ckpt *out)
{
    out->theta = NULL;
    out->gen = 0;
    if (s->store == NULL) {
        out->theta = fg_malloc_array(s->P, sizeof(float));
        if (out->theta == NULL)
            return fg_nomem("a checkpoint");
        memcpy(out->theta, theta, s->P * sizeof(float));
        return FORGET_OK;
    }
    fg_writer w;
    fg_writer_begin(&w, FG_FILE_UNLEARNER);
    fg_writer_section(&w, "CKPT", FG_SECTION_REQUIRED, theta,
                      s->P * sizeof(float));
    int rc = fg_writer_end(&w);
    char path[4096];
    fg_ckpt_path(s, sh, r, gen, path, sizeof path);
    if (rc == FORGET_OK)
        rc = fg_write_file_atomic(path, w.buf, w.len);
    fg_writer_free(&w);
    if (rc == FORGET_OK)
        out->gen = gen;
    return rc;
}

static int fg_ckpt_get(const fg_sisa *s, size_t sh, size_t r,
                       const fg_ckpt *c, float *theta)
{
    if (s->store == NULL) {
        memcpy(theta, c->theta, s->P * sizeof(float));
        return FORGET_OK;
    }
    char path[4096];
    fg_ckpt_path(s, sh, r, c->gen, path, sizeof path);
    unsigned char *buf = NULL;
    size_t len = 0;
    int rc = fg_read_file(path, &buf, &len);
    fg_reader rd;
    fg_section sec;
    if (rc == FORGET_OK)
        rc = fg_reader_open(&rd, buf, len, FG_FILE_UNLEARNER, path);
    if (rc == FORGET_OK && (rc = fg_reader_next(&rd, &sec)) == 1 &&
        !strcmp(sec.tag, "CKPT") && sec.len == s->P * sizeof(float)) {
        fg_get_f32s(theta, sec.data, s->P);
        rc = FORGET_OK;
    } else if (rc >= 0) {
        rc = fg_error(FORGET_E_FORMAT, "method 'sisa': checkpoint '%s' does "
                      "not hold %zu parameters", path, s->P);
    }
    fg_free(buf);
    return rc;
}

/* Destroy: zero the memory, or unlink the file. */
static void fg_ckpt_drop(const fg_sisa *s, size_t sh, size_t r, fg_ckpt *c)
{
    if (c->theta) {
        volatile float *v = c->theta;
        for (size_t i = 0; i < s->P; i++)
            v[i] = 0.0f;
        fg_free(c->theta);
    }
    if (c->gen && s->store) {
        char path[4096];
        fg_ckpt_path(s, sh, r, c->gen, path, sizeof path);
        unlink(path);
    }
    c->theta = NULL;
    c->gen = 0;
}

/* ---- the data and its assignment ---- */

static void fg_sisa_assign(const fg_sisa *s, uint64_t id, uint32_t *sh,
                           uint32_t *sl)
{
    uint64_t h = fg_mix64(id ^ fg_mix64((uint64_t)s->seed));
    *sh = (uint32_t)(h % s->S);
    *sl = (uint32_t)(fg_mix64(h) % s->R);
}

static int fg_by_id(const void *a, const void *b, void *ids)
{
    uint64_t x = ((const uint64_t *)ids)[*(const size_t *)a];
    uint64_t y = ((const uint64_t *)ids)[*(const size_t *)b];
    return (x > y) - (x < y);
}

/* data = rows of src in id order, minus none; with their assignment. */
static int fg_sisa_layout(const fg_sisa *s, const forget_dataset *src,
                          forget_dataset **data, uint32_t **shard,
                          uint32_t **slice)
{
    size_t n = src->n;
    size_t *order = fg_malloc_array(n ? n : 1, sizeof *order);
    uint32_t *sh = fg_malloc_array(n ? n : 1, sizeof *sh);
    uint32_t *sl = fg_malloc_array(n ? n : 1, sizeof *sl);
    int rc = order && sh && sl ? FORGET_OK : fg_nomem("the shard layout");
    forget_dataset *d = NULL;
    if (rc == FORGET_OK) {
        for (size_t i = 0; i < n; i++)
            order[i] = i;
        qsort_r(order, n, sizeof *order, fg_by_id, src->ids);
        rc = fg_dataset_gather(&d, src, order, n, "method 'sisa'");
    }
    if (rc == FORGET_OK)
        for (size_t i = 0; i < n; i++)
            fg_sisa_assign(s, d->ids[i], &sh[i], &sl[i]);
    fg_free(order);
    if (rc != FORGET_OK) {
        fg_free(sh);
        fg_free(sl);
        return rc;
    }
    *data = d;
    *shard = sh;
    *slice = sl;
    return FORGET_OK;
}

/* ---- training shards ---- */

/* One shard's retraining job: from stage r0 to the last. */
typedef struct fg_job {
    size_t shard, r0;
    forget_model *model; /* out */
    fg_ckpt ck[FG_SISA_MAX_SLICES]; /* out: stages r0..R-1 */
    double passes;       /* out: rows x epochs trained */
    fg_carried_error err; /* out: the status, with its thread's message */
} fg_job;

typedef struct fg_batch {
    fg_sisa *s;
    const forget_dataset *data;
    const uint32_t *shard, *slice;
    const unsigned char *dead;
    fg_job *jobs;
    uint64_t gen;
    atomic_int cancel;
    pthread_t main;
    forget_run *run;
    atomic_size_t stages_done;
    size_t stages_total;
    int train_threads; /* each job's share of the thread budget */
} fg_batch;

static int fg_sisa_progress(double fraction, const char *stage, void *user)
{
    (void)stage;
    fg_batch *b = user;
    if (pthread_equal(pthread_self(), b->main) && !atomic_load(&b->cancel)) {
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
    if (!atomic_load(&b->cancel) &&
        forget_run_progress(b->run, (double)atomic_load(&b->stages_done) /
                                        (double)b->stages_total) != FORGET_OK)
        atomic_store(&b->cancel, 1);
}

static int fg_sisa_job(size_t i, void *ctx)
{
    fg_batch *b = ctx;
    fg_sisa *s = b->s;
    fg_job *j = &b->jobs[i];
    size_t n = b->data->n;
    size_t *rows = fg_malloc_array(n ? n : 1, sizeof *rows);
    forget_model *m = NULL;
    int rc = rows ? fg_model_clone_raw(&m, s->tmpl) : fg_nomem("a shard");
    if (rc == FORGET_OK && j->r0 > 0)
        rc = fg_ckpt_get(s, j->shard, j->r0 - 1,
                         &s->ck[j->shard * s->R + j->r0 - 1], m->theta);
    if (rc == FORGET_OK)
        forget_model_set_progress(m, fg_sisa_progress, b);
    for (size_t r = j->r0; rc == FORGET_OK && r < s->R; r++) {
        /* The stage's rows, in id order, trained in place (no copy). */
        size_t k = 0;
        for (size_t row = 0; row < n; row++)
            if (b->shard[row] == j->shard && b->slice[row] <= r &&
                !b->dead[row])
                rows[k++] = row;
        if (k > 0) {
            char params[2048];
            snprintf(params, sizeof params, "%s epochs=%lld seed=%lld",
                     s->train, (long long)s->epochs[r],
                     (long long)((s->seed % 1000000007) * 4099 +
                                 (int64_t)(j->shard * FG_SISA_MAX_SLICES + r)));
            rc = fg_model_train_rows(m, b->data, rows, k, params,
                                     b->train_threads);
            j->passes += (double)k * (double)s->epochs[r];
        }
        if (rc == FORGET_OK)
            rc = fg_ckpt_put(s, j->shard, r, b->gen, m->theta, &j->ck[r]);
        atomic_fetch_add(&b->stages_done, 1);
    }
    fg_free(rows);
    if (rc == FORGET_OK) {
        forget_model_set_progress(m, NULL, NULL);
        j->model = m;
    } else {
        fg_model_discard(m);
    }
    fg_error_carry(&j->err, rc);
    return rc;
}

/* Run jobs; on failure undo what they made. */
static int fg_sisa_run(fg_batch *b, size_t n_jobs)
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
    int rc = fg_parallel_watch(n_jobs, s->threads, fg_sisa_job, b,
                               fg_sisa_watch);
    /* a cancel asked for while other threads finished counts too */
    if (atomic_load(&b->cancel)) {
        rc = fg_error(FORGET_E_CANCELED, "method 'sisa': canceled by the "
                      "progress callback");
    } else if (rc != FORGET_OK) {
        for (size_t i = 0; i < n_jobs; i++)
            if (b->jobs[i].err.code == rc) {
                fg_error_deliver(&b->jobs[i].err);
                break;
            }
    }
    if (rc != FORGET_OK)
        for (size_t i = 0; i < n_jobs; i++) {
            fg_job *j = &b->jobs[i];
            fg_model_discard(j->model);
            j->model = NULL;
            for (size_t r = j->r0; r < s->R; r++)
                fg_ckpt_drop(s, j->shard, r, &j->ck[r]);
        }
    return rc;
}

static forget_model *fg_sisa_model(void *state)
{
    return ((fg_sisa *)state)->ens;
}

/* Free the prepared state. Checkpoint files of a directory store are
 * unlinked only when superseded (drop_files: a new prepare, or a failed
 * one's own files); on destroy they stay, for the states saved with them. */
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
    fg_model_discard(s->ens);
    forget_dataset_free(s->data);
    fg_free(s->shard);
    fg_free(s->slice);
    fg_free(s->dead);
    fg_idset_free(&s->ids);
    s->dead = NULL;
    s->parts = NULL;
    s->ck = NULL;
    s->ens = NULL;
    s->data = NULL;
    s->shard = s->slice = NULL;
    s->prepared = 0;
}

static void fg_sisa_destroy(void *state)
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

/* ---- prepare ---- */

static int fg_sisa_prepare(void *state, const forget_dataset *train,
                           forget_run *run)
{
    fg_sisa *s = state;
    int rc = fg_model_check_data(s->tmpl, train, "method 'sisa'");
    if (rc != FORGET_OK)
        return rc;
    fg_sisa n = *s; /* the new state, built aside */
    n.data = NULL;
    n.shard = n.slice = NULL;
    n.dead = NULL;
    n.ens = NULL;
    memset(&n.ids, 0, sizeof n.ids);
    n.parts = fg_calloc(s->S, sizeof *n.parts);
    n.ck = fg_calloc(s->S * s->R, sizeof *n.ck);
    fg_job *jobs = fg_calloc(s->S, sizeof *jobs);
    rc = n.parts && n.ck && jobs ? FORGET_OK : fg_nomem("the shards");
    if (rc == FORGET_OK)
        rc = fg_idset_from(&n.ids, train);
    if (rc == FORGET_OK)
        rc = fg_sisa_layout(&n, train, &n.data, &n.shard, &n.slice);
    if (rc == FORGET_OK && (n.dead = fg_calloc(train->n ? train->n : 1, 1)) ==
                               NULL)
        rc = fg_nomem("the shard layout");
    if (rc == FORGET_OK) {
        n.gen = s->gen + 1;
        fg_batch b = {&n, n.data, n.shard, n.slice, n.dead, jobs, n.gen, 0, 0,
                      run, 0, 0, 1};
        for (size_t i = 0; i < s->S; i++)
            jobs[i].shard = i;
        rc = fg_sisa_run(&b, s->S);
    }
    if (rc == FORGET_OK) {
        for (size_t i = 0; i < s->S; i++) {
            n.parts[i] = jobs[i].model;
            memcpy(&n.ck[i * s->R], jobs[i].ck, s->R * sizeof(fg_ckpt));
        }
        rc = fg_ensemble_create(&n.ens, n.parts, s->S, s->vote, s->text);
        if (rc != FORGET_OK) /* the jobs' results now belong to n */
            memset(jobs, 0, s->S * sizeof *jobs);
    }
    double passes = 0;
    for (size_t i = 0; rc == FORGET_OK && i < s->S; i++)
        passes += jobs[i].passes;
    if (rc == FORGET_OK)
        rc = forget_run_report(run, "sample_passes", passes);
    fg_free(jobs);
    if (rc != FORGET_OK) {
        fg_sisa_clear(&n, 1); /* drops the new checkpoints (files too) */
        return rc;
    }
    fg_sisa_clear(s, 1);
    n.prepared = 1;
    *s = n;
    return FORGET_OK;
}

/* ---- forget ---- */

static int fg_sisa_forget_ids(void *state, const uint64_t *ids_in,
                              size_t count, forget_run *run)
{
    fg_sisa *s = state;
    size_t S = s->S, R = s->R;
    /* Coalesce the request: sorted, repeats removed; unknown ids refused
     * naming them; ids forgotten already counted and skipped. */
    uint64_t *ids = fg_malloc_array(count, sizeof *ids);
    if (ids == NULL)
        return fg_nomem("a request");
    memcpy(ids, ids_in, count * sizeof *ids);
    qsort(ids, count, sizeof *ids, fg_cmp_u64);
    size_t k = 0, repeats = 0;
    int rc = FORGET_OK;
    for (size_t i = 0; i < count && rc == FORGET_OK; i++) {
        size_t at;
        if (i > 0 && ids[i] == ids[i - 1]) {
            repeats++;
        } else if (!fg_idmap_find(&s->ids.index, ids[i], &at)) {
            rc = fg_error(FORGET_E_NOT_FOUND, "method 'sisa': sample id %llu "
                          "was not in the prepared data",
                          (unsigned long long)ids[i]);
        } else if (s->ids.gone[at]) {
            repeats++;
        } else {
            ids[k++] = ids[i];
        }
    }
    size_t first[1024];
    fg_job *jobs = NULL;
    unsigned char *dead = NULL;
    size_t n_jobs = 0, n = s->data->n;
    if (rc == FORGET_OK)
        rc = forget_run_report(run, "already_forgotten", (double)repeats);
    if (rc == FORGET_OK) {
        for (size_t i = 0; i < S; i++)
            first[i] = R;
        jobs = fg_calloc(S, sizeof *jobs);
        dead = fg_malloc(n ? n : 1);
        if (jobs == NULL || dead == NULL)
            rc = fg_nomem("a request");
    }
    if (rc == FORGET_OK) {
        memcpy(dead, s->dead, n);
        for (size_t i = 0; i < k; i++) {
            size_t row;
            forget_dataset_find(s->data, ids[i], &row); /* present: checked */
            dead[row] = 1;
            if (s->slice[row] < first[s->shard[row]])
                first[s->shard[row]] = s->slice[row];
        }
    }
    uint64_t gen = s->gen + 1;
    if (rc == FORGET_OK && k > 0) {
        for (size_t i = 0; i < S; i++)
            if (first[i] < R) {
                jobs[n_jobs].shard = i;
                jobs[n_jobs++].r0 = first[i];
            }
        fg_batch b = {s, s->data, s->shard, s->slice, dead, jobs, gen, 0, 0,
                      run, 0, 0, 1};
        rc = fg_sisa_run(&b, n_jobs);
    }
    double passes = 0, slices = 0, full = 0;
    for (size_t i = 0; rc == FORGET_OK && i < n_jobs; i++) {
        passes += jobs[i].passes;
        slices += (double)(R - jobs[i].r0);
    }
    for (size_t row = 0; rc == FORGET_OK && row < n; row++)
        if (!dead[row])
            for (size_t r = s->slice[row]; r < R; r++)
                full += (double)s->epochs[r];
    const char *keys[5] = {"rows", "shards_retrained", "slices_retrained",
                           "sample_passes", "cost_vs_full_retrain"};
    double vals[5] = {(double)k, (double)n_jobs, slices, passes,
                      full > 0 ? passes / full : 0};
    for (size_t i = 0; rc == FORGET_OK && i < 5; i++)
        rc = forget_run_report(run, keys[i], vals[i]);
    if (rc != FORGET_OK) {
        for (size_t i = 0; jobs && i < n_jobs; i++) {
            fg_model_discard(jobs[i].model);
            for (size_t r = jobs[i].r0; r < R; r++)
                fg_ckpt_drop(s, jobs[i].shard, r, &jobs[i].ck[r]);
        }
        fg_free(dead);
        fg_free(jobs);
        fg_free(ids);
        return rc;
    }
    /* Commit: swap in the retrained shards, destroy the checkpoints that
     * held a forgotten row, drop the rows themselves. */
    for (size_t i = 0; i < n_jobs; i++) {
        size_t sh = jobs[i].shard;
        fg_model_discard(s->parts[sh]);
        s->parts[sh] = jobs[i].model;
        fg_ensemble_set(s->ens, sh, jobs[i].model);
        for (size_t r = jobs[i].r0; r < R; r++) {
            fg_ckpt_drop(s, sh, r, &s->ck[sh * R + r]);
            s->ck[sh * R + r] = jobs[i].ck[r];
        }
    }
    if (k > 0) {
        /* Forget the rows themselves: zero what was kept of them. */
        for (size_t row = 0; row < n; row++)
            if (dead[row] && !s->dead[row])
                fg_dataset_clear_row(s->data, row);
        fg_free(s->dead);
        s->dead = dead;
        dead = NULL;
        s->gen = gen;
        for (size_t i = 0; i < k; i++) {
            size_t at;
            if (fg_idmap_find(&s->ids.index, ids[i], &at) && !s->ids.gone[at]) {
                s->ids.gone[at] = 1;
                s->ids.n_gone++;
            }
        }
    }
    fg_free(dead);
    fg_free(jobs);
    fg_free(ids);
    return FORGET_OK;
}

static int fg_sisa_forget(void *state, const forget_dataset *rows,
                          forget_run *run)
{
    return fg_sisa_forget_ids(state, rows->ids, rows->n, run);
}

/* ---- state files: SCFG (u64 generation, shards, slices), the remembered
 * rows (SDID ids, SDX float features or SDXN + SDX8 byte features, SDYL
 * labels or SDYT targets), SMOD (the
 * constituents' float32 parameters), SCKP (memory checkpoints) or SGEN
 * (the generation of each checkpoint file), and the id set ---- */

static int fg_sisa_save(void *state, forget_writer *w)
{
    fg_sisa *s = state;
    if (!s->prepared)
        return FORGET_OK;
    size_t S = s->S, R = s->R, P = s->P;
    /* Only the rows still remembered are written. */
    size_t *live = fg_malloc_array(s->data->n ? s->data->n : 1,
                                   sizeof *live), n = 0;
    if (live == NULL)
        return fg_nomem("a sisa state");
    for (size_t row = 0; row < s->data->n; row++)
        if (!s->dead[row])
            live[n++] = row;
    forget_dataset *kept = NULL;
    int rc0 = fg_dataset_gather(&kept, s->data, live, n, "method 'sisa'");
    fg_free(live);
    if (rc0 != FORGET_OK)
        return rc0;
    unsigned char cfg[24];
    fg_put_u64(cfg, s->gen);
    fg_put_u64(cfg + 8, S);
    fg_put_u64(cfg + 16, R);
    float *mods = fg_malloc_array(S, P * sizeof(float));
    uint64_t *gens = fg_malloc_array(S * R, sizeof(uint64_t));
    float *cks = s->store ? NULL : fg_malloc_array(S * R, P * sizeof(float));
    int rc = mods && gens && (s->store || cks) ? FORGET_OK
                                               : fg_nomem("a sisa state");
    for (size_t i = 0; rc == FORGET_OK && i < S; i++)
        memcpy(mods + i * P, s->parts[i]->theta, P * sizeof(float));
    for (size_t i = 0; rc == FORGET_OK && i < S * R; i++) {
        gens[i] = s->ck[i].gen;
        if (cks)
            memcpy(cks + i * P, s->ck[i].theta, P * sizeof(float));
    }
    /* Little-endian arrays: the in-memory layout on our hosts. */
    if (rc == FORGET_OK)
        rc = forget_writer_section(w, "SCFG", FORGET_SECTION_REQUIRED, cfg, 24);
    if (rc == FORGET_OK)
        rc = forget_writer_section(w, "SDID", FORGET_SECTION_REQUIRED,
                                   kept->ids, n * sizeof(uint64_t));
    if (rc == FORGET_OK && kept->x8) {
        /* Byte features (a dataset loaded with storage=bytes): one byte
         * saying whether a value is byte / 255, then the bytes. */
        unsigned char norm = kept->x8_normalize ? 1 : 0;
        rc = forget_writer_section(w, "SDXN", FORGET_SECTION_REQUIRED, &norm,
                                   1);
        if (rc == FORGET_OK)
            rc = forget_writer_section(w, "SDX8", FORGET_SECTION_REQUIRED,
                                       kept->x8, n * kept->d);
    } else if (rc == FORGET_OK) {
        rc = forget_writer_section(w, "SDX ", FORGET_SECTION_REQUIRED,
                                   kept->x, n * kept->d * sizeof(float));
    }
    if (rc == FORGET_OK)
        rc = kept->labels
                 ? forget_writer_section(w, "SDYL", FORGET_SECTION_REQUIRED,
                                         kept->labels, n * sizeof(int32_t))
                 : forget_writer_section(w, "SDYT", FORGET_SECTION_REQUIRED,
                                         kept->targets,
                                         n * kept->target_dim *
                                             sizeof(float));
    if (rc == FORGET_OK)
        rc = forget_writer_section(w, "SMOD", FORGET_SECTION_REQUIRED, mods,
                                   S * P * sizeof(float));
    if (rc == FORGET_OK)
        rc = cks ? forget_writer_section(w, "SCKP", FORGET_SECTION_REQUIRED,
                                         cks, S * R * P * sizeof(float))
                 : forget_writer_section(w, "SGEN", FORGET_SECTION_REQUIRED,
                                         gens, S * R * sizeof(uint64_t));
    if (rc == FORGET_OK)
        rc = fg_idset_save(&s->ids, w);
    fg_free(mods);
    fg_free(gens);
    fg_free(cks);
    forget_dataset_free(kept);
    return rc;
}

static int fg_sisa_restore(fg_sisa *s, fg_slot *b)
{
    /* b: SCFG SDID SDX SDYL SDYT SMOD SCKP SGEN IDS GONE SDXN SDX8 */
    size_t S = s->S, R = s->R, P = s->P, d = s->tmpl->inputs;
    if (b[0].size != 24 || fg_get_u64(b[0].data + 8) != S ||
        fg_get_u64(b[0].data + 16) != R)
        return fg_error(FORGET_E_FORMAT, "method 'sisa': the saved state "
                        "has other shards or slices than its parameters");
    size_t n = b[1].size / 8;
    int regression = s->tmpl->task == FORGET_TASK_REGRESSION;
    size_t k = s->tmpl->outputs;
    /* The features as floats (SDX) or as bytes (SDXN + SDX8), never
     * both; bytes only for classification. */
    int bytes = b[11].data != NULL;
    if (bytes ? (b[2].data || regression || b[10].size != 1 ||
                 b[10].data[0] > 1 || b[11].size != n * d)
              : (b[10].data || b[2].size != n * d * 4))
        return fg_error(FORGET_E_FORMAT, "method 'sisa': the saved state's "
                        "features are neither %zu floats nor %zu bytes with "
                        "their scale", n * d, n * d);
    if (b[1].size % 8 || (!regression && b[3].size != n * 4) ||
        (regression && b[4].size != n * k * 4) || b[5].size != S * P * 4 ||
        (s->store ? b[7].size != S * R * 8 : b[6].size != S * R * P * 4))
        return fg_error(FORGET_E_FORMAT, "method 'sisa': the saved state "
                        "does not fit a model of %zu parameters", P);
    s->gen = fg_get_u64(b[0].data);
    forget_dataset *data = NULL;
    int rc = bytes ? fg_dataset_new_bytes(&data, n, d, b[10].data[0],
                                          "method 'sisa'")
                   : fg_dataset_new(&data, n, d,
                                    regression ? FORGET_TASK_REGRESSION
                                               : FORGET_TASK_CLASSIFICATION,
                                    k, "method 'sisa'");
    if (rc != FORGET_OK)
        return rc;
    fg_get_u64s(data->ids, b[1].data, n);
    if (!bytes)
        fg_get_f32s(data->x, b[2].data, n * d);
    else if (n > 0)
        memcpy(data->x8, b[11].data, n * d);
    if (regression)
        fg_get_f32s(data->targets, b[4].data, n * k);
    else
        for (size_t i = 0; i < n; i++)
            data->labels[i] = (int32_t)fg_get_u32(b[3].data + 4 * i);
    rc = fg_dataset_seal(&data, k, "method 'sisa'");
    if (rc == FORGET_OK)
        rc = fg_sisa_layout(s, data, &s->data, &s->shard, &s->slice);
    forget_dataset_free(data);
    if (rc == FORGET_OK && (s->dead = fg_calloc(n ? n : 1, 1)) == NULL)
        rc = fg_nomem("the shard layout");
    if (rc == FORGET_OK) {
        s->parts = fg_calloc(S, sizeof *s->parts);
        s->ck = fg_calloc(S * R, sizeof *s->ck);
        if (!s->parts || !s->ck)
            rc = fg_nomem("the shards");
    }
    for (size_t i = 0; rc == FORGET_OK && i < S; i++) {
        rc = fg_model_clone_raw(&s->parts[i], s->tmpl);
        if (rc == FORGET_OK)
            fg_get_f32s(s->parts[i]->theta, b[5].data + i * P * 4, P);
    }
    for (size_t i = 0; rc == FORGET_OK && i < S * R; i++) {
        if (s->store) {
            s->ck[i].gen = fg_get_u64(b[7].data + 8 * i);
            char path[4096];
            fg_ckpt_path(s, i / R, i % R, s->ck[i].gen, path, sizeof path);
            if (access(path, R_OK) != 0)
                rc = fg_error(FORGET_E_IO, "method 'sisa': checkpoint '%s' "
                              "is missing", path);
        } else if ((s->ck[i].theta = fg_malloc_array(P, sizeof(float))) ==
                   NULL) {
            rc = fg_nomem("a checkpoint");
        } else {
            fg_get_f32s(s->ck[i].theta, b[6].data + i * P * 4, P);
        }
    }
    if (rc == FORGET_OK)
        rc = fg_idset_load(&s->ids, b[8].data, b[8].size, b[9].data,
                           b[9].size, "sisa");
    if (rc == FORGET_OK && s->ids.n - s->ids.n_gone != n)
        rc = fg_error(FORGET_E_FORMAT, "method 'sisa': the saved rows and "
                      "ids disagree");
    if (rc == FORGET_OK)
        rc = fg_ensemble_create(&s->ens, s->parts, S, s->vote, s->text);
    return rc;
}

static int fg_sisa_load(void **state, forget_model *model,
                        const forget_params *p, forget_reader *r,
                        void *user_data)
{
    void *made = NULL;
    int rc = fg_sisa_create(&made, model, p, user_data);
    if (rc != FORGET_OK)
        return rc;
    fg_sisa *s = made;
    fg_slot b[13] = {{"SCFG", 1, 0, 0, 0}, {"SDID", 1, 0, 0, 0}, {"SDX ", 1, 0, 0, 0},
                     {"SDYL", 1, 0, 0, 0}, {"SDYT", 1, 0, 0, 0}, {"SMOD", 1, 0, 0, 0},
                     {"SCKP", 1, 0, 0, 0}, {"SGEN", 1, 0, 0, 0}, {"IDS ", 1, 0, 0, 0},
                     {"GONE", 1, 0, 0, 0}, {"SDXN", 1, 0, 0, 0}, {"SDX8", 1, 0, 0, 0},
                     {NULL, 0, 0, 0, 0}};
    rc = fg_slots_read(r, b, NULL, NULL, "method 'sisa'");
    if (rc == 0 && b[0].data) {
        rc = fg_sisa_restore(s, b);
        if (rc != FORGET_OK) {
            /* Files named by the state are not ours to delete here. */
            for (size_t i = 0; s->ck && i < s->S * s->R; i++)
                s->ck[i].gen = 0;
        }
        s->prepared = rc == FORGET_OK;
    }
    if (rc != 0) {
        fg_sisa_destroy(s);
        return rc;
    }
    *state = s;
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
};
