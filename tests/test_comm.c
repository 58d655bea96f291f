/* Communicators (backend.h): the single-process default, checked tables,
 * methods that run on one rank only, and analytic on P ranks played by P
 * threads (tests/thread_comm.c) against one process on all the rows:
 * equal to 1e-12, bit-identical across ranks, and a request whose
 * collectives fail refused on every rank with nothing changed. The same
 * over MPI is tests/mpi (make check-mpi). */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "thread_comm.h"

#define MODEL "inputs=6 outputs=3 features=random width=30 seed=4 gamma=0.5"
#define MAXP 4

static int fake_op(void *ud)
{
    (void)ud;
    ck_abort_msg("a refused table was called");
    return FORGET_E_INTERNAL;
}
static int fake_bcast(void *ud, void *d, size_t n, int32_t root)
{
    (void)d, (void)n, (void)root;
    return fake_op(ud);
}
static int fake_gather(void *ud, const void *s, size_t n, void *r,
                       const size_t *rs)
{
    (void)s, (void)n, (void)r, (void)rs;
    return fake_op(ud);
}
static int fake_reduce(void *ud, double *d, size_t n)
{
    (void)d, (void)n;
    return fake_op(ud);
}

static forget_comm fake_table(int32_t rank, int32_t size)
{
    forget_comm c = {sizeof(forget_comm), NULL, rank, size, fake_op,
                     fake_bcast, fake_gather, fake_reduce};
    return c;
}

START_TEST(single_is_the_default)
{
    const forget_comm *one = forget_comm_single();
    ck_assert_ptr_nonnull(one);
    ck_assert_int_eq(one->rank, 0);
    ck_assert_int_eq(one->size, 1);
    double v[2] = {1.5, -2};
    ck_assert_int_eq(one->allreduce_sum(one->user_data, v, 2), FORGET_OK);
    ck_assert(v[0] == 1.5 && v[1] == -2);
    unsigned char in[3] = {1, 2, 3}, out[3] = {0};
    size_t sz = 3;
    ck_assert_int_eq(one->allgather(one->user_data, in, 3, out, &sz),
                     FORGET_OK);
    ck_assert(!memcmp(in, out, 3));
    ck_assert_int_eq(one->broadcast(one->user_data, in, 3, 1),
                     FORGET_E_INVALID);
    forget_model *m = NULL;
    forget_unlearner *u = NULL;
    ck_assert_int_eq(forget_model_create(&m, "linear", "inputs=4 outputs=2"),
                     FORGET_OK);
    ck_assert_int_eq(forget_unlearner_create(&u, "ssd", m, ""), FORGET_OK);
    ck_assert_int_eq(forget_unlearner_comm(u)->size, 1);
    ck_assert_ptr_null(forget_unlearner_comm(NULL));
    /* one rank: every method takes it, before or after prepare */
    forget_comm one_rank = fake_table(0, 1);
    ck_assert_int_eq(forget_unlearner_set_comm(u, &one_rank), FORGET_OK);
    ck_assert_int_eq(forget_unlearner_set_comm(u, NULL), FORGET_OK);
    ck_assert_int_eq(forget_unlearner_set_comm(NULL, NULL), FORGET_E_INVALID);
    forget_unlearner_free(u);
    forget_model_free(m);
}
END_TEST

START_TEST(bad_tables_and_one_rank_methods_refused)
{
    forget_model *m = NULL;
    forget_unlearner *u = NULL, *a = NULL;
    ck_assert_int_eq(forget_model_create(&m, "analytic", MODEL), FORGET_OK);
    ck_assert_int_eq(forget_unlearner_create(&a, "analytic", m, ""),
                     FORGET_OK);
    forget_comm bad[5];
    bad[0] = fake_table(2, 2); /* rank out of range */
    bad[1] = fake_table(0, 0);
    bad[2] = fake_table(-1, 3);
    bad[3] = fake_table(0, 2);
    bad[3].allreduce_sum = NULL;
    bad[4] = fake_table(0, 2);
    bad[4].struct_size = offsetof(forget_comm, allgather);
    for (size_t i = 0; i < 5; i++) {
        ck_assert_int_eq(forget_unlearner_set_comm(a, &bad[i]),
                         FORGET_E_INVALID);
        ck_assert_int_eq(forget_unlearner_comm(a)->size, 1);
    }
    /* finetune runs on one rank (no set_comm): a table of two is refused,
     * naming it; so is ssd's batch mode (its importances are not sums) */
    forget_model *lin = NULL;
    forget_unlearner *b = NULL;
    ck_assert_int_eq(forget_model_create(&lin, "linear", "inputs=4 "
                                         "outputs=2"), FORGET_OK);
    ck_assert_int_eq(forget_unlearner_create(&u, "finetune", lin, ""),
                     FORGET_OK);
    forget_comm two = fake_table(1, 2);
    ck_assert_int_eq(forget_unlearner_set_comm(u, &two), FORGET_E_UNSUPPORTED);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "finetune"));
    ck_assert_int_eq(forget_unlearner_comm(u)->size, 1);
    (void)b; /* ssd's batch mode: attaching_is_collective_... below */
    /* attaching a table of many ranks is collective even before prepare
     * (the ranks check that they are all unprepared): on two thread ranks
     * below, and here ssd's refusal above called nothing */
    forget_unlearner_free(u);
    forget_unlearner_free(a);
    forget_model_free(lin);
    forget_model_free(m);
}
END_TEST

/* ---- analytic on P threads ---- */

typedef struct rank_out {
    int rc_prepare, rc_rows, rc_ids, rc_unknown, rc_fail[8], rc_after;
    int rc_broken[8];
    size_t unknown_changed, fail_changed;
    double *head;
    size_t head_n;
    unsigned char digest[32];
} rank_out;

typedef struct world_job {
    thread_world *w;
    const forget_dataset *all;
    const uint64_t *forget_ids;
    size_t n_forget;
    const uint64_t *by_ids;
    size_t n_by_ids;
    int fail_rounds;
    rank_out out[MAXP];
} world_job;

static double *head_of(const forget_model *m, size_t *n)
{
    size_t len = 0;
    forget_model_save_buffer(m, NULL, 0, &len);
    unsigned char *buf = malloc(len);
    *n = 0;
    if (forget_model_save_buffer(m, buf, len, &len) != FORGET_OK) {
        free(buf);
        return NULL;
    }
    size_t size = 0;
    const unsigned char *p = find_section(buf, len, "HEAD", &size);
    double *h = p ? malloc(size) : NULL;
    if (h) {
        memcpy(h, p, size);
        *n = size / sizeof(double);
    }
    free(buf);
    return h;
}

/* Rank r's rows of ds (row i on rank i mod p) among ids (all rows when
 * ids is NULL). */
static forget_dataset *part(const forget_dataset *ds, const uint64_t *ids,
                            size_t n, int r, int p)
{
    size_t rows = forget_dataset_rows(ds), d = forget_dataset_features(ds);
    uint64_t *keep = malloc((rows + 1) * sizeof *keep);
    size_t k = 0;
    for (size_t i = 0; i < rows; i++) {
        int listed = ids == NULL;
        for (size_t j = 0; !listed && j < n; j++)
            listed = ids[j] == forget_dataset_ids(ds)[i];
        if (listed && (int)(i % (size_t)p) == r)
            keep[k++] = forget_dataset_ids(ds)[i];
    }
    forget_dataset *out = NULL;
    if (k > 0)
        forget_dataset_subset_ids(&out, ds, keep, k);
    else
        forget_dataset_create(&out, 0, d, NULL, NULL, NULL);
    free(keep);
    return out;
}

static int same_digest(const forget_unlearner *u, const unsigned char *d)
{
    unsigned char now[32];
    forget_model_digest(forget_unlearner_model(u), now);
    return !memcmp(now, d, 32);
}

/* A copy of u's state on model m, attached to c (collective): a
 * collective that fails breaks the unlearner it ran for, so each failure
 * below runs on a twin of its own. */
static forget_unlearner *twin(const forget_unlearner *u, forget_model *m,
                              const forget_comm *c)
{
    size_t size = 0;
    forget_unlearner_save_buffer(u, NULL, 0, &size);
    void *buf = malloc(size);
    forget_unlearner *t = NULL;
    if (buf && forget_unlearner_save_buffer(u, buf, size, &size) == FORGET_OK)
        forget_unlearner_load_buffer(&t, m, buf, size);
    free(buf);
    if (t)
        forget_unlearner_set_comm(t, c);
    return t;
}

/* Run a failing request on a twin: its code; *changed when the model
 * moved; *after the code of the next request (refused once broken). */
static int fail_on_twin(forget_unlearner *u, forget_model *m,
                        thread_world *w, int r, int f, uint64_t id,
                        const unsigned char *before, size_t *changed,
                        int *after)
{
    forget_unlearner *t = twin(u, m, thread_world_comm(w, r));
    if (t == NULL)
        return -1000;
    thread_world_fail_after(w, r, f);
    int rc = forget_unlearner_forget_ids(t, &id, 1);
    thread_world_fail_after(w, r, -1);
    *changed += !same_digest(t, before);
    *after = forget_unlearner_forget_ids(t, &id, 1);
    forget_unlearner_free(t);
    return rc;
}

static void rank_main(int r, void *arg)
{
    world_job *j = arg;
    rank_out *o = &j->out[r];
    const forget_comm *c = thread_world_comm(j->w, r);
    int p = c->size;
    forget_model *m = NULL;
    forget_unlearner *u = NULL;
    forget_model_create(&m, "analytic", MODEL);
    forget_unlearner_create(&u, "analytic", m, "keep_rows=true");
    forget_unlearner_set_comm(u, c);
    forget_dataset *mine = part(j->all, NULL, 0, r, p);
    o->rc_prepare = forget_unlearner_prepare(u, mine);
    forget_dataset *rows = part(j->all, j->forget_ids, j->n_forget, r, p);
    o->rc_rows = forget_unlearner_forget(u, rows);
    o->rc_ids = forget_unlearner_forget_ids(u, j->by_ids, j->n_by_ids);
    unsigned char before[32];
    forget_model_digest(forget_unlearner_model(u), before);
    uint64_t unknown[2] = {j->by_ids[0] + 1000000, j->by_ids[1]};
    o->rc_unknown = forget_unlearner_forget_ids(u, unknown, 2);
    o->unknown_changed = !same_digest(u, before);
    /* collectives that fail at each point of a request: refused on every
     * rank, nothing changed, and the unlearner takes nothing more */
    uint64_t next = j->by_ids[0] + 7;
    for (int f = 0; f < j->fail_rounds; f++)
        o->rc_fail[f] = fail_on_twin(u, m, j->w, r, f, next, before,
                                     &o->fail_changed, &o->rc_broken[f]);
    o->rc_after = forget_unlearner_forget_ids(u, &next, 1);
    o->head = head_of(forget_unlearner_model(u), &o->head_n);
    forget_model_digest(forget_unlearner_model(u), o->digest);
    forget_dataset_free(mine);
    forget_dataset_free(rows);
    forget_unlearner_free(u);
    forget_model_free(m);
}

static void on_threads(int p)
{
    forget_dataset *all = make_blobs(240, 6, 3, 9, 500);
    const uint64_t *ids = forget_dataset_ids(all);
    uint64_t fids[20], bids[9];
    for (size_t i = 0; i < 20; i++)
        fids[i] = ids[3 + 11 * i];
    for (size_t i = 0; i < 9; i++) /* ids[3] again: forgotten already */
        bids[i] = ids[i == 0 ? 3 : 5 + 17 * i];
    world_job *j = calloc(1, sizeof *j);
    j->w = thread_world_new(p);
    j->all = all;
    j->forget_ids = fids;
    j->n_forget = 20;
    j->by_ids = bids + 1;
    j->n_by_ids = 8;
    j->fail_rounds = p > 1 ? 8 : 0;
    thread_world_run(j->w, rank_main, j);

    /* one process on all the rows, the same requests */
    forget_model *m = NULL;
    ck_assert_int_eq(forget_model_create(&m, "analytic", MODEL), FORGET_OK);
    forget_unlearner *u = prepared("analytic", m, all, "keep_rows=true");
    forget_dataset *rows = NULL;
    ck_assert_int_eq(forget_dataset_subset_ids(&rows, all, fids, 20),
                     FORGET_OK);
    ck_assert_int_eq(forget_unlearner_forget(u, rows), FORGET_OK);
    ck_assert_int_eq(forget_unlearner_forget_ids(u, bids + 1, 8), FORGET_OK);
    uint64_t next = bids[1] + 7;
    ck_assert_int_eq(forget_unlearner_forget_ids(u, &next, 1), FORGET_OK);
    size_t n = 0;
    double *ref = head_of(forget_unlearner_model(u), &n);
    ck_assert_ptr_nonnull(ref);
    for (int r = 0; r < p; r++) {
        rank_out *o = &j->out[r];
        ck_assert_int_eq(o->rc_prepare, FORGET_OK);
        ck_assert_int_eq(o->rc_rows, FORGET_OK);
        ck_assert_int_eq(o->rc_ids, FORGET_OK);
        ck_assert_int_eq(o->rc_unknown, FORGET_E_NOT_FOUND);
        ck_assert_int_eq(o->unknown_changed, 0);
        for (int f = 0; f < j->fail_rounds; f++) { /* the same on all ranks */
            ck_assert_int_eq(o->rc_fail[f], j->out[0].rc_fail[f]);
            ck_assert_int_eq(o->rc_broken[f], o->rc_fail[f] == FORGET_E_IO
                                                  ? FORGET_E_STATE
                                                  : FORGET_OK);
        }
        ck_assert_int_eq(o->fail_changed, 0);
        ck_assert_int_eq(o->rc_after, FORGET_OK);
        ck_assert_uint_eq(o->head_n, n);
        double num = 0, den = 0;
        for (size_t i = 0; i < n; i++) {
            num = fmax(num, fabs(o->head[i] - ref[i]));
            den = fmax(den, fabs(ref[i]));
        }
        ck_assert_msg(num <= 1e-12 * den, "rank %d of %d: %g relative", r,
                      p, num / den);
        ck_assert(!memcmp(o->digest, j->out[0].digest, 32));
        free(o->head);
    }
    /* the failing collectives were met at every point of the request */
    if (p > 1) {
        ck_assert_int_eq(j->out[0].rc_fail[0], FORGET_E_IO);
        ck_assert_int_eq(j->out[0].rc_fail[j->fail_rounds - 1], FORGET_E_IO);
    }
    free(ref);
    forget_dataset_free(rows);
    forget_unlearner_free(u);
    forget_model_free(m);
    thread_world_free(j->w);
    free(j);
    forget_dataset_free(all);
}

START_TEST(analytic_on_threads_equals_one_process)
{
    for (int p = 1; p <= 3; p++)
        on_threads(p);
}
END_TEST

/* ---- sisa on P threads: the same ensemble as one process ---- */

typedef struct sisa_out {
    int rc[5], fail_rc[4], broken_rc[4];
    size_t fail_changed;
    unsigned char digest[2][32];
} sisa_out;

typedef struct sisa_job {
    thread_world *w;
    const forget_dataset *all;
    const uint64_t *ids, *rows_ids;
    size_t n_ids, n_rows;
    sisa_out out[MAXP];
} sisa_job;

#define SISA "shards=4 slices=2 epochs=1 seed=3 threads=1"

static void sisa_rank(int r, void *arg)
{
    sisa_job *j = arg;
    sisa_out *o = &j->out[r];
    const forget_comm *c = thread_world_comm(j->w, r);
    forget_model *t = NULL;
    forget_unlearner *u = NULL;
    forget_model_create(&t, "mlp", "layers=6-12-4 seed=2");
    forget_unlearner_create(&u, "sisa", t, SISA);
    forget_unlearner_set_comm(u, c);
    forget_dataset *mine = part(j->all, NULL, 0, r, c->size);
    forget_dataset *rows = part(j->all, j->rows_ids, j->n_rows, r, c->size);
    o->rc[0] = forget_unlearner_prepare(u, mine);
    forget_model_digest(forget_unlearner_model(u), o->digest[0]);
    o->rc[1] = forget_unlearner_forget_ids(u, j->ids, j->n_ids);
    o->rc[2] = forget_unlearner_forget(u, rows);
    unsigned char before[32];
    forget_model_digest(forget_unlearner_model(u), before);
    /* a request whose collectives fail at each of its four points (the
     * agreement and all-gather of the constituents, the agreement before
     * the commit): nothing changes */
    uint64_t next = j->ids[0] + 1;
    for (int f = 0; f < 4; f++)
        o->fail_rc[f] = fail_on_twin(u, t, j->w, r, f, next, before,
                                     &o->fail_changed, &o->broken_rc[f]);
    forget_model_digest(forget_unlearner_model(u), o->digest[1]);
    o->rc[4] = forget_unlearner_forget_ids(u, &next, 1);
    size_t size = 0;
    o->rc[3] = forget_unlearner_save_buffer(u, NULL, 0, &size);
    forget_dataset_free(mine);
    forget_dataset_free(rows);
    forget_unlearner_free(u);
    forget_model_free(t);
}

START_TEST(sisa_on_threads_equals_one_process)
{
    forget_dataset *all = make_blobs(160, 6, 4, 21, 300);
    const uint64_t *id = forget_dataset_ids(all);
    uint64_t ids[6] = {id[3], id[20], id[41], id[77], id[100], id[151]};
    uint64_t rows_ids[3] = {id[9], id[60], id[140]};
    /* one process */
    forget_model *t = sisa_template();
    forget_unlearner *ref = prepared("sisa", t, all, SISA);
    unsigned char want[2][32];
    forget_model_digest(forget_unlearner_model(ref), want[0]);
    forget_dataset *rows = NULL;
    ck_assert_int_eq(forget_dataset_subset_ids(&rows, all, rows_ids, 3),
                     FORGET_OK);
    ck_assert_int_eq(forget_unlearner_forget_ids(ref, ids, 6), FORGET_OK);
    ck_assert_int_eq(forget_unlearner_forget(ref, rows), FORGET_OK);
    forget_model_digest(forget_unlearner_model(ref), want[1]);
    for (int p = 2; p <= 3; p++) {
        sisa_job *j = calloc(1, sizeof *j);
        j->w = thread_world_new(p);
        j->all = all;
        j->ids = ids;
        j->n_ids = 6;
        j->rows_ids = rows_ids;
        j->n_rows = 3;
        thread_world_run(j->w, sisa_rank, j);
        for (int r = 0; r < p; r++) {
            sisa_out *o = &j->out[r];
            for (int k = 0; k < 3; k++)
                ck_assert_int_eq(o->rc[k], FORGET_OK);
            ck_assert_int_eq(o->rc[3], FORGET_OK); /* a part saves */
            for (int f = 0; f < 4; f++) {
                ck_assert_int_eq(o->fail_rc[f], FORGET_E_IO);
                ck_assert_int_eq(o->broken_rc[f], FORGET_E_STATE);
            }
            ck_assert_int_eq(o->rc[4], FORGET_OK);
            ck_assert_int_eq(o->fail_changed, 0);
            ck_assert(!memcmp(o->digest[0], want[0], 32));
            ck_assert(!memcmp(o->digest[1], want[1], 32));
        }
        thread_world_free(j->w);
        free(j);
    }
    forget_dataset_free(rows);
    forget_unlearner_free(ref);
    forget_model_free(t);
    forget_dataset_free(all);
}
END_TEST

/* ---- one rank's cancel, or its bad row: refused on every rank ---- */

typedef struct cancel_out {
    int rc_prepare, rc_cancel, rc_bad, rc_after;
    int changed;
    char msg[256];
} cancel_out;

typedef struct cancel_job {
    thread_world *w;
    const forget_dataset *all;
    const char *method, *params;
    cancel_out out[MAXP];
} cancel_job;

static int cancel_now(double fraction, const char *stage, void *user)
{
    (void)fraction;
    (void)stage;
    return *(int *)user;
}

static void cancel_rank(int r, void *arg)
{
    cancel_job *j = arg;
    cancel_out *o = &j->out[r];
    const forget_comm *c = thread_world_comm(j->w, r);
    forget_model *m = NULL;
    forget_unlearner *u = NULL;
    if (!strcmp(j->method, "analytic"))
        forget_model_create(&m, "analytic", MODEL);
    else { /* ssd: the same trained model on every rank */
        forget_model_create(&m, "linear", "inputs=6 outputs=3 seed=2");
        forget_model_train(m, j->all, "epochs=2 seed=1");
    }
    forget_unlearner_create(&u, j->method, m, j->params);
    forget_unlearner_set_comm(u, c);
    forget_dataset *mine = part(j->all, NULL, 0, r, c->size);
    o->rc_prepare = forget_unlearner_prepare(u, mine);
    unsigned char before[32];
    forget_model_digest(m, before);
    const uint64_t *id = forget_dataset_ids(j->all);
    uint64_t ids[6] = {id[0], id[7], id[13], id[50], id[91], id[120]};
    forget_dataset *rows = part(j->all, ids, 6, r, c->size);
    int stop = r == 1; /* rank 1's host cancels */
    forget_unlearner_set_progress(u, cancel_now, &stop);
    o->rc_cancel = forget_unlearner_forget(u, rows);
    snprintf(o->msg, sizeof o->msg, "%s", forget_last_error());
    forget_unlearner_set_progress(u, NULL, NULL);
    o->changed = !same_digest(u, before);
    /* a row that differs from the one learned, on the last rank only
     * (analytic checks rows; ssd takes rows by their ids) */
    forget_dataset *bad = rows;
    int check_rows = !strcmp(j->method, "analytic");
    if (check_rows && r == c->size - 1 && forget_dataset_rows(rows) > 0) {
        float x[6];
        forget_dataset_copy_rows(rows, 0, 1, x, 6);
        x[2] += 0.5f;
        int32_t label = forget_dataset_labels(rows)[0];
        uint64_t bid = forget_dataset_ids(rows)[0];
        forget_dataset_create(&bad, 1, 6, x, &label, &bid);
    }
    o->rc_bad = check_rows ? forget_unlearner_forget(u, bad)
                           : FORGET_E_INVALID;
    o->changed += !same_digest(u, before);
    if (bad != rows)
        forget_dataset_free(bad);
    o->rc_after = forget_unlearner_forget(u, rows);
    forget_dataset_free(rows);
    forget_dataset_free(mine);
    forget_unlearner_free(u);
    forget_model_free(m);
}

START_TEST(one_ranks_failure_is_every_ranks)
{
    forget_dataset *all = make_blobs(150, 6, 3, 17, 700);
    const char *methods[2] = {"analytic", "ssd"};
    for (int k = 0; k < 2; k++) {
        cancel_job *j = calloc(1, sizeof *j);
        j->w = thread_world_new(3);
        j->all = all;
        j->method = methods[k];
        j->params = "";
        thread_world_run(j->w, cancel_rank, j);
        for (int r = 0; r < 3; r++) {
            cancel_out *o = &j->out[r];
            ck_assert_int_eq(o->rc_prepare, FORGET_OK);
            ck_assert_int_eq(o->rc_cancel, FORGET_E_CANCELED);
            ck_assert_msg(strstr(o->msg, "rank 1") != NULL, "%s: %s",
                          methods[k], o->msg);
            ck_assert_int_eq(o->rc_bad, FORGET_E_INVALID);
            ck_assert_int_eq(o->changed, 0);
            ck_assert_int_eq(o->rc_after, FORGET_OK);
        }
        thread_world_free(j->w);
        free(j);
    }
    forget_dataset_free(all);
}
END_TEST

/* ---- one rank's bad rows at prepare: refused on every rank ---- */

typedef struct bad_job {
    thread_world *w;
    const forget_dataset *all;
    const char *method;
    int rc[MAXP];
} bad_job;

/* rank 1 prepares on rows of 5 features (the model takes 6): it fails
 * at once, the others after their own steps; every rank must return the
 * same error, and none may wait for ever in a collective it skipped. */
static void bad_prepare_rank(int r, void *arg)
{
    bad_job *j = arg;
    const forget_comm *c = thread_world_comm(j->w, r);
    forget_model *m = NULL, *t = NULL;
    forget_unlearner *u = NULL;
    if (!strcmp(j->method, "analytic"))
        forget_model_create(&m, "analytic", MODEL);
    else {
        forget_model_create(&m, "linear", "inputs=6 outputs=3 seed=2");
        forget_model_train(m, j->all, "epochs=2 seed=1");
    }
    if (!strcmp(j->method, "sisa")) {
        t = m;
        m = NULL;
        forget_unlearner_create(&u, "sisa", t, SISA);
    } else {
        forget_unlearner_create(&u, j->method, m, "");
    }
    forget_unlearner_set_comm(u, c);
    forget_dataset *mine = part(j->all, NULL, 0, r, c->size);
    if (r == 1) {
        forget_dataset *narrow = make_blobs(20, 5, 3, 3, 9000);
        forget_dataset_free(mine);
        mine = narrow;
    }
    j->rc[r] = forget_unlearner_prepare(u, mine);
    forget_dataset_free(mine);
    forget_unlearner_free(u);
    forget_model_free(m);
    forget_model_free(t);
}

START_TEST(one_ranks_bad_prepare_is_every_ranks)
{
    forget_dataset *all = make_blobs(150, 6, 3, 17, 700);
    const char *methods[3] = {"analytic", "ssd", "sisa"};
    for (int k = 0; k < 3; k++) {
        bad_job *j = calloc(1, sizeof *j);
        j->w = thread_world_new(3);
        j->all = all;
        j->method = methods[k];
        thread_world_run(j->w, bad_prepare_rank, j);
        for (int r = 0; r < 3; r++)
            ck_assert_msg(j->rc[r] == FORGET_E_INVALID, "%s rank %d: %d",
                          methods[k], r, j->rc[r]);
        thread_world_free(j->w);
        free(j);
    }
    forget_dataset_free(all);
}
END_TEST

/* Rank 1's load failed and it attaches a fresh unlearner while rank 0
 * attaches its prepared one: both refuse, neither waits for ever; two
 * fresh ones attach. */
typedef struct mixed_job {
    thread_world *w;
    const forget_dataset *all;
    int fresh_everywhere;
    int rc[2], size[2], rc_batch[2], batch_named[2];
} mixed_job;

static void mixed_attach_rank(int r, void *arg)
{
    mixed_job *j = arg;
    const forget_comm *c = thread_world_comm(j->w, r);
    forget_model *m = NULL;
    forget_unlearner *u = NULL;
    forget_model_create(&m, "analytic", MODEL);
    forget_unlearner_create(&u, "analytic", m, "");
    if (r == 0 && !j->fresh_everywhere) /* one process's, then attached */
        forget_unlearner_prepare(u, j->all);
    j->rc[r] = forget_unlearner_set_comm(u, c);
    /* a method's own refusal is agreed on too: ssd's batch mode (its
     * importances are not sums) */
    forget_model *lin = NULL;
    forget_unlearner *b = NULL;
    forget_model_create(&lin, "linear", "inputs=4 outputs=2");
    forget_unlearner_create(&b, "ssd", lin, "importance=batch");
    j->rc_batch[r] = forget_unlearner_set_comm(b, c);
    j->batch_named[r] =
        strstr(forget_last_error(), "importance=sample") != NULL;
    forget_unlearner_free(b);
    forget_model_free(lin);
    j->size[r] = forget_unlearner_comm(u)->size;
    forget_unlearner_free(u);
    forget_model_free(m);
}

START_TEST(attaching_is_collective_whatever_each_rank_holds)
{
    forget_dataset *all = make_blobs(60, 6, 3, 5, 100);
    for (int fresh = 0; fresh <= 1; fresh++) {
        mixed_job j;
        memset(&j, 0, sizeof j);
        j.w = thread_world_new(2);
        j.all = all;
        j.fresh_everywhere = fresh;
        thread_world_run(j.w, mixed_attach_rank, &j);
        thread_world_free(j.w);
        for (int r = 0; r < 2; r++) {
            ck_assert_int_eq(j.rc[r], fresh ? FORGET_OK : FORGET_E_STATE);
            ck_assert_int_eq(j.size[r], fresh ? 2 : 1);
            ck_assert_int_eq(j.rc_batch[r], FORGET_E_UNSUPPORTED);
            ck_assert(j.batch_named[r]);
        }
    }
    forget_dataset_free(all);
}
END_TEST

Suite *suite_comm(void)
{
    Suite *s = suite_create("comm");
    TCase *tc = tcase_create("comm");
    tcase_add_checked_fixture(tc, fixture_init, fixture_shutdown);
    tcase_add_test(tc, single_is_the_default);
    tcase_add_test(tc, bad_tables_and_one_rank_methods_refused);
    tcase_add_test(tc, analytic_on_threads_equals_one_process);
    tcase_add_test(tc, sisa_on_threads_equals_one_process);
    tcase_add_test(tc, one_ranks_failure_is_every_ranks);
    tcase_add_test(tc, one_ranks_bad_prepare_is_every_ranks);
    tcase_add_test(tc, attaching_is_collective_whatever_each_rank_holds);
    suite_add_tcase(s, tc);
    return s;
}
