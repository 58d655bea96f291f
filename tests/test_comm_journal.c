/* The deletion journals of an unlearner on P ranks (docs/MPI.md, "The
 * journal on many ranks"), played by P threads (tests/thread_comm.c):
 * every collective of a request fails in turn on one rank, before taking
 * part or after (a rank whose timeout fires as the last block arrives),
 * and the ranks must never disagree: no rank says "done" unless every rank
 * did it, and reopening the journals after a restart leaves every rank
 * with the same model, the request finished everywhere or nowhere. Also:
 * a request one rank's journal lacks is written in from the others', and
 * parts saved at different points are refused. */
#include <check.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "thread_comm.h"

#define P 3
#define MODEL "inputs=6 outputs=3 features=random width=30 seed=4 gamma=0.5"
#define PARAMS "keep_rows=true"

typedef struct part_file {
    unsigned char *model, *state;
    size_t model_len, state_len;
} part_file;

typedef struct jworld {
    thread_world *w;
    forget_dataset *all;
    part_file part[P];          /* saved with their journals open */
    char path[P][64];           /* the ranks' journals */
    unsigned char *journal[P];  /* the journals' bytes as saved */
    size_t journal_len[P];
    uint64_t ids[4];            /* the request: forget these ids */
    size_t n_ids;
    int by_rows;                /* by rows (each rank its own) or by ids */
    int fault_rank, fault_at, late; /* fault_rank < 0: none */
    double timeout; /* of the request's collectives (0: none) */
    /* what each rank saw */
    int rc[P], rc_next[P], changed[P], calls[P], rc_open[P], forgotten[P];
    unsigned char digest[P][32];
} jworld;

static unsigned char *blob_of_model(const forget_model *m, size_t *len)
{
    forget_model_save_buffer(m, NULL, 0, len);
    unsigned char *b = malloc(*len);
    ck_assert_int_eq(forget_model_save_buffer(m, b, *len, len), FORGET_OK);
    return b;
}

/* Rank r's rows of ds (row i on rank i mod P) among ids (all when NULL). */
static forget_dataset *rows_of(const forget_dataset *ds, const uint64_t *ids,
                               size_t n, int r)
{
    size_t rows = forget_dataset_rows(ds);
    uint64_t *keep = malloc((rows + 1) * sizeof *keep);
    size_t k = 0;
    for (size_t i = 0; i < rows; i++) {
        uint64_t id = forget_dataset_ids(ds)[i];
        int listed = ids == NULL;
        for (size_t j = 0; !listed && j < n; j++)
            listed = ids[j] == id;
        if (listed && (int)(i % P) == r)
            keep[k++] = id;
    }
    forget_dataset *out = NULL;
    if (k > 0)
        forget_dataset_subset_ids(&out, ds, keep, k);
    else
        forget_dataset_create(&out, 0, forget_dataset_features(ds), NULL,
                              NULL, NULL);
    free(keep);
    return out;
}

static void digest_of(const forget_unlearner *u, unsigned char d[32])
{
    ck_assert_int_eq(forget_model_digest(forget_unlearner_model(u), d),
                     FORGET_OK);
}

/* Rank r's part loaded and attached; its model in *m. */
static forget_unlearner *load_part(jworld *j, int r, forget_model **m)
{
    *m = NULL;
    forget_unlearner *u = NULL;
    ck_assert_int_eq(forget_model_load_buffer(m, j->part[r].model,
                                              j->part[r].model_len),
                     FORGET_OK);
    ck_assert_int_eq(forget_unlearner_load_buffer(&u, *m, j->part[r].state,
                                                  j->part[r].state_len),
                     FORGET_OK);
    ck_assert_int_eq(forget_unlearner_set_comm(u, thread_world_comm(j->w, r)),
                     FORGET_OK);
    return u;
}

static int request(jworld *j, forget_unlearner *u, int r, const uint64_t *ids,
                   size_t n)
{
    if (!j->by_rows)
        return forget_unlearner_forget_ids(u, ids, n);
    forget_dataset *rows = rows_of(j->all, ids, n, r);
    int rc = forget_unlearner_forget(u, rows);
    forget_dataset_free(rows);
    return rc;
}

/* Prepare on P ranks, open new journals, save the parts. */
static void rank_setup(int r, void *arg)
{
    jworld *j = arg;
    forget_model *m = NULL;
    forget_unlearner *u = NULL;
    ck_assert_int_eq(forget_model_create(&m, "analytic", MODEL), FORGET_OK);
    ck_assert_int_eq(forget_unlearner_create(&u, "analytic", m, PARAMS),
                     FORGET_OK);
    ck_assert_int_eq(forget_unlearner_set_comm(u, thread_world_comm(j->w, r)),
                     FORGET_OK);
    forget_dataset *mine = rows_of(j->all, NULL, 0, r);
    ck_assert_int_eq(forget_unlearner_prepare(u, mine), FORGET_OK);
    ck_assert_int_eq(forget_unlearner_open_journal(u, j->path[r], 0),
                     FORGET_OK);
    j->part[r].model = blob_of_model(m, &j->part[r].model_len);
    j->part[r].state = saved_state(u, &j->part[r].state_len);
    digest_of(u, j->digest[r]);
    forget_dataset_free(mine);
    forget_unlearner_free(u);
    forget_model_free(m);
}

/* The request, with the fault, on the parts and their journals. */
static void rank_run(int r, void *arg)
{
    jworld *j = arg;
    forget_model *m;
    forget_unlearner *u = load_part(j, r, &m);
    ck_assert_int_eq(forget_unlearner_open_journal(u, j->path[r], 0),
                     FORGET_OK);
    unsigned char before[32], after[32];
    digest_of(u, before);
    /* the timeout starts with the request, every rank attached */
    thread_world_sync(j->w);
    if (r == 0)
        thread_world_set_timeout(j->w, j->timeout);
    thread_world_sync(j->w);
    if (r == j->fault_rank && j->late)
        thread_world_fail_late(j->w, r, j->fault_at);
    else
        thread_world_fail_after(j->w, r, r == j->fault_rank ? j->fault_at
                                                            : -1);
    j->rc[r] = request(j, u, r, j->ids, j->n_ids);
    j->calls[r] = thread_world_calls(j->w, r);
    digest_of(u, after);
    j->changed[r] = memcmp(before, after, 32) != 0;
    uint64_t other = j->ids[0] + 1;
    j->rc_next[r] = j->rc[r] == FORGET_OK ? FORGET_OK
                                          : request(j, u, r, &other, 1);
    forget_unlearner_free(u);
    forget_model_free(m);
}

/* A restart: the parts saved before, their journals opened again. */
static void rank_restart(int r, void *arg)
{
    jworld *j = arg;
    forget_model *m;
    forget_unlearner *u = load_part(j, r, &m);
    j->rc_open[r] = forget_unlearner_open_journal(u, j->path[r], 0);
    digest_of(u, j->digest[r]);
    j->forgotten[r] = -1;
    if (j->rc_open[r] == FORGET_OK)
        ck_assert_int_eq(forget_unlearner_is_forgotten(u, j->ids[0],
                                                       &j->forgotten[r]),
                         FORGET_OK);
    forget_unlearner_free(u);
    forget_model_free(m);
}

static void run_world(jworld *j, void (*fn)(int, void *), double timeout)
{
    j->w = thread_world_new(P);
    j->timeout = timeout;
    thread_world_run(j->w, fn, j);
    thread_world_free(j->w);
    j->w = NULL;
}

/* The journals back as they were saved with the parts. */
static void restore_journals(jworld *j)
{
    for (int r = 0; r < P; r++)
        write_file(j->path[r], j->journal[r], j->journal_len[r]);
}

static void jworld_init(jworld *j, const char *name, int by_rows)
{
    memset(j, 0, sizeof *j);
    j->all = make_blobs(90, 6, 3, 21, 100);
    ck_assert_ptr_nonnull(j->all);
    for (int r = 0; r < P; r++) {
        char leaf[48];
        snprintf(leaf, sizeof leaf, "%s.%d.fgj", name, r);
        snprintf(j->path[r], sizeof j->path[r], "%s", tmp_path(leaf));
        remove(j->path[r]);
    }
    const uint64_t *ids = forget_dataset_ids(j->all);
    j->ids[0] = ids[4];
    j->ids[1] = ids[11];
    j->ids[2] = ids[30];
    j->n_ids = 3;
    j->by_rows = by_rows;
    j->fault_rank = -1;
    run_world(j, rank_setup, 0);
    for (int r = 0; r < P; r++)
        j->journal[r] = read_file(j->path[r], &j->journal_len[r]);
}

static void jworld_free(jworld *j)
{
    for (int r = 0; r < P; r++) {
        free(j->part[r].model);
        free(j->part[r].state);
        free(j->journal[r]);
        remove(j->path[r]);
    }
    forget_dataset_free(j->all);
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Every rank's model after the request without faults; the seconds it
 * took (*secs, optional). */
static void reference(jworld *j, unsigned char before[32],
                      unsigned char after[32], int *calls, double *secs)
{
    memcpy(before, j->digest[0], 32);
    j->fault_rank = -1;
    double t0 = now_s();
    run_world(j, rank_run, 0);
    if (secs)
        *secs = now_s() - t0;
    for (int r = 0; r < P; r++) {
        ck_assert_int_eq(j->rc[r], FORGET_OK);
        ck_assert_int_eq(j->changed[r], 1);
        calls[r] = j->calls[r];
    }
    run_world(j, rank_restart, 0); /* the journal holds it: nothing to do */
    memcpy(after, j->digest[0], 32);
    restore_journals(j);
}

static void sweep(int by_rows)
{
    jworld j;
    jworld_init(&j, by_rows ? "jsweep_rows" : "jsweep_ids", by_rows);
    unsigned char before[32], after[32];
    int calls[P];
    double secs;
    reference(&j, before, after, calls, &secs);
    ck_assert(memcmp(before, after, 32) != 0);
    /* a rank gives up waiting after five times the whole request's time
     * without faults (a timeout that fires early is one more fault, which
     * the checks below must survive too) */
    double timeout = 5 * secs > 0.05 ? 5 * secs : 0.05;
    /* on a slow run (valgrind: a timeout of seconds) every third point,
     * and always the last ones, where the outcomes part */
    int stride = secs > 0.2 ? 3 : 1;
    int scenarios = 0, acknowledged = 0, redone = 0;
    for (int late = 0; late <= 1; late++)
        for (int k = 0; k < calls[0]; k++) {
            int f = k % P;
            if (k >= calls[f] || (k % stride != 0 && k < calls[0] - 3))
                continue;
            j.fault_rank = f;
            j.fault_at = k;
            j.late = late;
            restore_journals(&j);
            run_world(&j, rank_run, timeout);
            int any_ok = 0, all_ok = 1;
            for (int r = 0; r < P; r++) {
                any_ok |= j.rc[r] == FORGET_OK;
                all_ok &= j.rc[r] == FORGET_OK;
            }
            /* a rank that says "done" speaks for every rank */
            for (int r = 0; any_ok && r < P; r++)
                ck_assert_msg(j.changed[r], "fault at %d (%s) on rank %d: a "
                              "rank said done but rank %d did not change", k,
                              late ? "late" : "early", f, r);
            /* a rank that saw a failure takes nothing more */
            for (int r = 0; r < P; r++)
                if (j.rc[r] != FORGET_OK)
                    ck_assert_int_ne(j.rc_next[r], FORGET_OK);
            ck_assert_msg(!all_ok || late, "an early fault at %d on rank %d "
                          "went unnoticed", k, f);
            run_world(&j, rank_restart, 0);
            for (int r = 0; r < P; r++) {
                ck_assert_msg(j.rc_open[r] == FORGET_OK, "fault at %d (%s) on "
                              "rank %d: reopening on rank %d: %d", k,
                              late ? "late" : "early", f, r, j.rc_open[r]);
                ck_assert(!memcmp(j.digest[r], j.digest[0], 32));
            }
            int done = !memcmp(j.digest[0], after, 32);
            ck_assert(done || !memcmp(j.digest[0], before, 32));
            if (any_ok)
                ck_assert_msg(done, "fault at %d (%s) on rank %d: a request "
                              "acknowledged was not finished on reopening", k,
                              late ? "late" : "early", f);
            for (int r = 0; r < P; r++)
                ck_assert_int_eq(j.forgotten[r], done);
            scenarios++;
            acknowledged += any_ok;
            redone += done && !any_ok;
        }
    /* the sweep met both outcomes: some requests were acknowledged, some
     * finished only on reopening */
    ck_assert_int_ge(scenarios, 2 * (calls[0] / stride));
    ck_assert_int_gt(acknowledged, 0);
    ck_assert_int_gt(redone, 0);
    jworld_free(&j);
}

START_TEST(a_fault_anywhere_is_done_everywhere_or_nowhere_by_ids)
{
    sweep(0);
}
END_TEST

START_TEST(a_fault_anywhere_is_done_everywhere_or_nowhere_by_rows)
{
    sweep(1);
}
END_TEST

/* Record counter for forget_journal_read. */
typedef struct jcount {
    uint64_t last;
    int requests, aborts, dones;
} jcount;

static int count_rec(void *ud, int type, uint64_t seq, int64_t t,
                     const char *method, int kind, const uint64_t *ids,
                     size_t n, const unsigned char *digest, int status)
{
    (void)t, (void)method, (void)kind, (void)ids, (void)n, (void)digest;
    (void)status;
    jcount *c = ud;
    c->requests += type == FORGET_JOURNAL_RECORD_REQUEST;
    c->aborts += type == FORGET_JOURNAL_RECORD_ABORT;
    c->dones += type == FORGET_JOURNAL_RECORD_DONE;
    if (type == FORGET_JOURNAL_RECORD_REQUEST)
        c->last = seq;
    return 0;
}

/* Open the journals, then forget an id no rank holds (refused on every
 * rank, ended in every journal) or, with j->n_ids, the request. */
static void rank_one_request(int r, void *arg)
{
    jworld *j = arg;
    forget_model *m;
    forget_unlearner *u = load_part(j, r, &m);
    j->rc_open[r] = forget_unlearner_open_journal(u, j->path[r], 0);
    uint64_t unknown = j->ids[0] + 1000000;
    j->rc[r] = j->fault_at ? forget_unlearner_forget_ids(u, j->ids, j->n_ids)
                           : forget_unlearner_forget_ids(u, &unknown, 1);
    digest_of(u, j->digest[r]);
    forget_unlearner_free(u);
    forget_model_free(m);
}

static void journal_counts(const char *path, jcount *c)
{
    memset(c, 0, sizeof *c);
    ck_assert_int_eq(forget_journal_read(path, count_rec, c), FORGET_OK);
}

START_TEST(a_request_one_journal_lacks_is_written_in)
{
    jworld j;
    jworld_init(&j, "jfill", 0);
    unsigned char before[32], after[32];
    int calls[P];
    reference(&j, before, after, calls, NULL);
    /* a refused request, ended in every journal */
    j.fault_at = 0;
    run_world(&j, rank_one_request, 0);
    for (int r = 0; r < P; r++) {
        ck_assert_int_eq(j.rc_open[r], FORGET_OK);
        ck_assert_int_eq(j.rc[r], FORGET_E_NOT_FOUND);
    }
    /* rank 1's journal lacks it, as when its write failed and the ranks
     * stopped there */
    write_file(j.path[1], j.journal[1], j.journal_len[1]);
    jcount c;
    journal_counts(j.path[0], &c);
    ck_assert_int_eq((int)c.last, 1);
    journal_counts(j.path[1], &c);
    ck_assert_int_eq((int)c.last, 0);
    /* reopened, then a request: it succeeds with the same number on every
     * rank, and the model is the one without faults */
    j.fault_at = 1;
    run_world(&j, rank_one_request, 0);
    for (int r = 0; r < P; r++) {
        ck_assert_int_eq(j.rc_open[r], FORGET_OK);
        ck_assert_int_eq(j.rc[r], FORGET_OK);
        ck_assert(!memcmp(j.digest[r], after, 32));
        journal_counts(j.path[r], &c);
        ck_assert_int_eq((int)c.last, 2);
        ck_assert_int_eq(c.requests, 2);
        ck_assert_int_eq(c.aborts, 1);
        ck_assert_int_eq(c.dones, 1);
    }
    jworld_free(&j);
}
END_TEST

START_TEST(journals_two_requests_apart_are_refused)
{
    jworld j;
    jworld_init(&j, "japart", 0);
    j.fault_at = 1; /* the request, twice (the second finds them gone) */
    run_world(&j, rank_one_request, 0);
    run_world(&j, rank_one_request, 0);
    for (int r = 0; r < P; r++)
        ck_assert_int_eq(j.rc[r], FORGET_OK);
    /* rank 1's journal as it was before both: no failure leaves that */
    write_file(j.path[1], j.journal[1], j.journal_len[1]);
    run_world(&j, rank_restart, 0);
    for (int r = 0; r < P; r++)
        ck_assert_int_eq(j.rc_open[r], FORGET_E_STATE);
    jworld_free(&j);
}
END_TEST

/* Open the journals, make the request, save the parts after it. */
static void rank_save_after(int r, void *arg)
{
    jworld *j = arg;
    forget_model *m;
    forget_unlearner *u = load_part(j, r, &m);
    ck_assert_int_eq(forget_unlearner_open_journal(u, j->path[r], 0),
                     FORGET_OK);
    ck_assert_int_eq(forget_unlearner_forget_ids(u, j->ids, j->n_ids),
                     FORGET_OK);
    if (r == 2) {
        free(j->part[r].model);
        free(j->part[r].state);
        j->part[r].model = blob_of_model(m, &j->part[r].model_len);
        j->part[r].state = saved_state(u, &j->part[r].state_len);
    }
    forget_unlearner_free(u);
    forget_model_free(m);
}

/* Rank r's part loaded: attaching it, then opening its journal. */
static void rank_attach(int r, void *arg)
{
    jworld *j = arg;
    forget_model *m = NULL;
    forget_unlearner *u = NULL;
    ck_assert_int_eq(forget_model_load_buffer(&m, j->part[r].model,
                                              j->part[r].model_len),
                     FORGET_OK);
    ck_assert_int_eq(forget_unlearner_load_buffer(&u, m, j->part[r].state,
                                                  j->part[r].state_len),
                     FORGET_OK);
    j->rc[r] = forget_unlearner_set_comm(u, thread_world_comm(j->w, r));
    uint64_t id = j->ids[0];
    j->rc_next[r] = forget_unlearner_forget_ids(u, &id, 1);
    forget_unlearner_free(u);
    forget_model_free(m);
}

START_TEST(parts_saved_at_different_requests_are_refused)
{
    jworld j;
    jworld_init(&j, "janchor", 0);
    run_world(&j, rank_save_after, 0);
    /* rank 2 holds the part saved after the request, the others before:
     * attaching them already finds that their models differ, on every
     * rank, and without the table a part takes no request */
    run_world(&j, rank_attach, 0);
    for (int r = 0; r < P; r++) {
        ck_assert_int_eq(j.rc[r], FORGET_E_STATE);
        ck_assert_int_eq(j.rc_next[r], FORGET_E_STATE);
    }
    jworld_free(&j);
}
END_TEST

Suite *suite_comm_journal(void);
Suite *suite_comm_journal(void)
{
    Suite *s = suite_create("comm_journal");
    TCase *t = tcase_create("ranks");
    tcase_add_checked_fixture(t, fixture_init, fixture_shutdown);
    tcase_set_timeout(t, 120);
    tcase_add_test(t, a_fault_anywhere_is_done_everywhere_or_nowhere_by_ids);
    tcase_add_test(t, a_fault_anywhere_is_done_everywhere_or_nowhere_by_rows);
    tcase_add_test(t, a_request_one_journal_lacks_is_written_in);
    tcase_add_test(t, parts_saved_at_different_requests_are_refused);
    tcase_add_test(t, journals_two_requests_apart_are_refused);
    suite_add_tcase(s, t);
    return s;
}
