/* sisa: after forgetting, every constituent and checkpoint is bit-identical
 * to sisa trained from scratch on the remaining rows; over several
 * requests, across save/load and a directory store; refusals, repeats,
 * cancel. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "helpers.h"

static const char *CFG = "shards=3 slices=4 epochs=2:1:1:1 seed=5 "
                         "train=\"lr=0.05 batch=16\"";

static forget_model *tmpl(void) { return sisa_template(); }

/* Constituents (SMOD) and memory checkpoints (SCKP) of two unlearners
 * must be the same bytes. */
static void assert_same_ensemble(const forget_unlearner *a,
                                 const forget_unlearner *b)
{
    static const char *const tags[2] = {"SMOD", "SCKP"};
    assert_same_sections(a, b, tags, 2);
}

static forget_unlearner *fresh(forget_model *t, const forget_dataset *d,
                               const char *cfg)
{
    return prepared("sisa", t, d, cfg);
}

START_TEST(forget_equals_scratch)
{
    forget_dataset *D = make_blobs(400, 6, 4, 3, 1000);
    forget_dataset *test = make_blobs(200, 6, 4, 4, 9000);
    forget_model *t = tmpl();
    forget_unlearner *u = fresh(t, D, CFG);
    double acc;
    ck_assert_int_eq(forget_eval_accuracy(forget_unlearner_model(u), test,
                                          &acc), FORGET_OK);
    ck_assert_double_gt(acc, 0.9);
    /* The ensemble belongs to the unlearner: freeing it is a no-op. */
    forget_model_free(forget_unlearner_model(u));
    ck_assert_str_eq(forget_model_kind(forget_unlearner_model(u)), "ensemble");
    /* Request 1: ten ids, one of them twice. */
    uint64_t ids[11] = {1003, 1050, 1099, 1100, 1222, 1300, 1301, 1377, 1390,
                        1399, 1050};
    ck_assert_int_eq(forget_unlearner_forget_ids(u, ids, 11), FORGET_OK);
    const forget_report *r = forget_unlearner_report(u);
    double v;
    ck_assert_int_eq(forget_report_get(r, "rows", &v), FORGET_OK);
    ck_assert_double_eq(v, 10);
    ck_assert_int_eq(forget_report_get(r, "already_forgotten", &v), FORGET_OK);
    ck_assert_double_eq(v, 1);
    ck_assert_int_eq(forget_report_get(r, "cost_vs_full_retrain", &v),
                     FORGET_OK);
    ck_assert(v > 0 && v <= 1);
    forget_dataset *rest = NULL;
    ck_assert_int_eq(forget_dataset_exclude_ids(&rest, D, ids, 10), FORGET_OK);
    forget_unlearner *s = fresh(t, rest, CFG);
    assert_same_ensemble(u, s);
    forget_unlearner_free(s);
    /* Request 2 as a dataset of rows (one already forgotten, reported). */
    uint64_t more[3] = {1004, 1200, 1050};
    forget_dataset *F = NULL;
    ck_assert_int_eq(forget_dataset_subset_ids(&F, D, more, 3), FORGET_OK);
    ck_assert_int_eq(forget_unlearner_forget(u, F), FORGET_OK);
    ck_assert_int_eq(forget_report_get(forget_unlearner_report(u),
                                       "already_forgotten", &v), FORGET_OK);
    ck_assert_double_eq(v, 1);
    forget_dataset *rest2 = NULL;
    ck_assert_int_eq(forget_dataset_exclude_ids(&rest2, rest, more, 2),
                     FORGET_OK);
    s = fresh(t, rest2, CFG);
    assert_same_ensemble(u, s);
    /* Predictions of the ensembles agree too. */
    float pa[800], pb[800];
    ck_assert_int_eq(forget_model_predict(forget_unlearner_model(u), test, pa,
                                          800), FORGET_OK);
    ck_assert_int_eq(forget_model_predict(forget_unlearner_model(s), test, pb,
                                          800), FORGET_OK);
    ck_assert_mem_eq(pa, pb, sizeof pa);
    forget_unlearner_free(s);
    forget_unlearner_free(u);
    forget_dataset_free(F);
    forget_dataset_free(rest2);
    forget_dataset_free(rest);
    forget_dataset_free(test);
    forget_dataset_free(D);
    forget_model_free(t);
}
END_TEST

/* A shard retrained alone gets the whole thread budget for its batch
 * lanes; trained with the others it gets one thread: the same bits. */
START_TEST(lanes_retrain_equals_scratch)
{
    blas_one_thread();
    forget_dataset *D = make_blobs(300, 6, 4, 3, 1000);
    forget_model *t = tmpl();
    const char *par = "shards=3 slices=2 epochs=2 seed=5 threads=3 "
                      "train=\"lr=0.05 batch=16 lanes=2\"";
    const char *one = "shards=3 slices=2 epochs=2 seed=5 threads=1 "
                      "train=\"lr=0.05 batch=16 lanes=2\"";
    forget_unlearner *u = fresh(t, D, par);
    uint64_t id = 1077;
    ck_assert_int_eq(forget_unlearner_forget_ids(u, &id, 1), FORGET_OK);
    forget_dataset *rest = NULL;
    ck_assert_int_eq(forget_dataset_exclude_ids(&rest, D, &id, 1), FORGET_OK);
    forget_unlearner *s = fresh(t, rest, one);
    assert_same_ensemble(u, s);
    forget_unlearner_free(s);
    forget_unlearner_free(u);
    forget_dataset_free(rest);
    forget_dataset_free(D);
    forget_model_free(t);
}
END_TEST

START_TEST(refusals_and_cancel_change_nothing)
{
    forget_dataset *D = make_blobs(200, 6, 4, 3, 0);
    forget_model *t = tmpl();
    forget_unlearner *u = fresh(t, D, CFG);
    size_t n0, n1;
    unsigned char *s0 = saved_state(u, &n0);
    uint64_t bad[3] = {5, 77777, 6};
    ck_assert_int_eq(forget_unlearner_forget_ids(u, bad, 3),
                     FORGET_E_NOT_FOUND);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "77777"));
    unsigned char *s1 = saved_state(u, &n1);
    ck_assert_uint_eq(n0, n1);
    ck_assert_mem_eq(s0, s1, n0);
    free(s1);
    forget_unlearner_free(u);
    free(s0);
    forget_dataset_free(D);
    forget_model_free(t);
}
END_TEST

static int cancel_soon(double f, const char *stage, void *user)
{
    (void)stage;
    (void)user;
    return f > 0.2;
}

/* A request canceled by the progress callback leaves the state as it
 * was, byte for byte. */
static void assert_cancel_changes_nothing(forget_unlearner *u,
                                          const uint64_t *ids, size_t n)
{
    size_t n0, n1;
    unsigned char *s0 = saved_state(u, &n0);
    forget_unlearner_set_progress(u, cancel_soon, NULL);
    ck_assert_int_eq(forget_unlearner_forget_ids(u, ids, n),
                     FORGET_E_CANCELED);
    unsigned char *s1 = saved_state(u, &n1);
    ck_assert_uint_eq(n0, n1);
    ck_assert_mem_eq(s0, s1, n0);
    free(s0);
    free(s1);
}

START_TEST(cancel_changes_nothing)
{
    forget_dataset *D = make_blobs(300, 6, 4, 3, 0);
    forget_model *t = tmpl();
    forget_unlearner *u = fresh(t, D, "shards=2 slices=2 epochs=3 threads=1");
    uint64_t ids[4] = {1, 2, 3, 4};
    assert_cancel_changes_nothing(u, ids, 4);
    forget_unlearner_free(u);
    forget_dataset_free(D);
    forget_model_free(t);
}
END_TEST

static int record_max(double f, const char *stage, void *user)
{
    (void)stage;
    double *max = user;
    *max = f > *max ? f : *max;
    return 0;
}

/* With two threads the calling thread may finish its shards first: it
 * keeps reporting while the other thread trains (the bar reaches the
 * end), and a cancel it passes on stops the others too. */
START_TEST(progress_and_cancel_with_threads)
{
    forget_dataset *D = make_blobs(400, 6, 4, 3, 0);
    forget_model *t = tmpl();
    forget_unlearner *u = fresh(t, D, "shards=4 slices=2 epochs=2 threads=2");
    uint64_t ids[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    double max = 0;
    forget_unlearner_set_progress(u, record_max, &max);
    ck_assert_int_eq(forget_unlearner_forget_ids(u, ids, 4), FORGET_OK);
    ck_assert_msg(max > 0.9, "progress stopped at %g", max);
    assert_cancel_changes_nothing(u, ids + 4, 4);
    forget_unlearner_free(u);
    forget_dataset_free(D);
    forget_model_free(t);
}
END_TEST

static size_t count_files(const char *dir)
{
    DIR *d = opendir(dir);
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        n += strstr(e->d_name, ".ckpt") != NULL;
    closedir(d);
    return n;
}

/* A directory store: a new "process" loads the state with a new template
 * object and keeps deleting; the result still equals scratch; files of
 * checkpoints that held a forgotten row are gone. */
START_TEST(directory_store_and_reload)
{
    char dir[300], cfg[600];
    snprintf(dir, sizeof dir, "%s", tmp_path("store"));
    ck_assert_int_eq(mkdir(dir, 0700), 0);
    snprintf(cfg, sizeof cfg, "%s store=\"%s\" threads=2", CFG, dir);
    forget_dataset *D = make_blobs(300, 6, 4, 8, 0);
    forget_model *t = tmpl();
    forget_unlearner *u = fresh(t, D, cfg);
    ck_assert_uint_eq(count_files(dir), 12);
    uint64_t ids[2] = {17, 250};
    ck_assert_int_eq(forget_unlearner_forget_ids(u, ids, 2), FORGET_OK);
    ck_assert_uint_eq(count_files(dir), 12); /* old ones replaced */
    const char *state = tmp_path("sisa.state");
    char path[300];
    snprintf(path, sizeof path, "%s", state);
    ck_assert_int_eq(forget_unlearner_save(u, path), FORGET_OK);
    forget_unlearner_free(u); /* the files stay for the state */
    ck_assert_uint_eq(count_files(dir), 12);
    forget_model *t2 = tmpl();
    forget_unlearner *v = NULL;
    ck_assert_int_eq(forget_unlearner_load(&v, t2, path), FORGET_OK);
    uint64_t more[2] = {3, 99};
    ck_assert_int_eq(forget_unlearner_forget_ids(v, more, 2), FORGET_OK);
    uint64_t all[4] = {17, 250, 3, 99};
    forget_dataset *rest = NULL;
    ck_assert_int_eq(forget_dataset_exclude_ids(&rest, D, all, 4), FORGET_OK);
    forget_unlearner *s = fresh(t, rest, CFG); /* memory store, threads 0 */
    /* Compare the constituents: a memory-store state has SCKP, ours has
     * files, so compare SMOD only, plus predictions. */
    size_t la, lb, sa, sb;
    unsigned char *x = saved_state(v, &la), *y = saved_state(s, &lb);
    const unsigned char *pa = find_section(x, la, "SMOD", &sa);
    const unsigned char *pb = find_section(y, lb, "SMOD", &sb);
    ck_assert_uint_eq(sa, sb);
    ck_assert_mem_eq(pa, pb, sa);
    free(x);
    free(y);
    forget_unlearner_free(s);
    forget_unlearner_free(v);
    forget_dataset_free(rest);
    forget_dataset_free(D);
    forget_model_free(t);
    forget_model_free(t2);
}
END_TEST

/* A forged state whose remembered ids are not the kept rows' ids (valid
 * checksums) is refused at load: a request must never look for a row it
 * cannot find. Also a state marked prepared without sisa's sections, and
 * a journal on an unlearner that presents no model yet. */
START_TEST(forged_states_refused)
{
    forget_dataset *D = make_blobs(120, 6, 4, 8, 0);
    forget_model *t = tmpl();
    forget_unlearner *u = fresh(t, D, CFG), *v = NULL;
    size_t len, size;
    unsigned char *st = saved_state(u, &len);
    unsigned char *ids = (unsigned char *)find_section(st, len, "IDS ", &size);
    ck_assert_ptr_nonnull(ids);
    ck_assert_uint_ge(size, 8 * 10);
    memset(ids + 8 * 9, 0x77, 8); /* id 9 becomes one no row has */
    reseal_section(ids, size);
    ck_assert_int_eq(forget_unlearner_load_buffer(&v, t, st, len),
                     FORGET_E_FORMAT);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "no kept row"));
    ck_assert_ptr_null(v);
    free(st);
    /* An unprepared sisa presents no model: no journal can name it. */
    forget_unlearner *w = NULL;
    ck_assert_int_eq(forget_unlearner_create(&w, "sisa", t, CFG), FORGET_OK);
    ck_assert_int_eq(forget_unlearner_open_journal(w, tmp_path("j"), 0),
                     FORGET_E_STATE);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "prepare"));
    /* Its state saved, then marked prepared by hand: refused. */
    st = saved_state(w, &len);
    unsigned char *prp = (unsigned char *)find_section(st, len, "_PRP", &size);
    ck_assert_ptr_nonnull(prp);
    prp[0] = 1;
    reseal_section(prp, size);
    ck_assert_int_eq(forget_unlearner_load_buffer(&v, t, st, len),
                     FORGET_E_FORMAT);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "marked prepared"));
    free(st);
    forget_unlearner_free(w);
    forget_unlearner_free(u);
    forget_model_free(t);
    forget_dataset_free(D);
}
END_TEST

/* The ensemble's constituents, public: one per shard, their mean
 * probabilities are the ensemble's, and other kinds have none. */
START_TEST(constituents_are_the_ensemble)
{
    forget_dataset *D = make_blobs(120, 6, 4, 9, 0);
    forget_model *t = tmpl();
    forget_unlearner *u = fresh(t, D, CFG);
    const forget_model *e = forget_unlearner_model(u);
    ck_assert_uint_eq(forget_model_part_count(e), 3);
    ck_assert_ptr_null(forget_model_part(e, 3));
    ck_assert_uint_eq(forget_model_part_count(t), 0);
    ck_assert_ptr_null(forget_model_part(t, 0));
    ck_assert_uint_eq(forget_model_part_count(NULL), 0);
    float x[6], pe[4], pp[4], mean[4] = {0, 0, 0, 0};
    ck_assert_int_eq(forget_dataset_copy_rows(D, 5, 1, x, 6), FORGET_OK);
    ck_assert_int_eq(forget_model_predict_raw(e, x, 1, pe, 4), FORGET_OK);
    for (size_t i = 0; i < 3; i++) {
        ck_assert_int_eq(forget_model_predict_raw(forget_model_part(e, i), x, 1,
                                              pp, 4), FORGET_OK);
        for (int j = 0; j < 4; j++)
            mean[j] += pp[j] / 3.0f;
    }
    for (int j = 0; j < 4; j++)
        ck_assert_float_eq_tol(pe[j], mean[j], 1e-5f);
    /* The ensemble is saved with its unlearner, not as a model file (which
     * no load could read back); its parts save and load as models. */
    size_t size = 0;
    ck_assert_int_eq(forget_model_save_buffer(e, NULL, 0, &size),
                     FORGET_E_UNSUPPORTED);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "forget_unlearner_save"));
    const char *path = tmp_path("ensemble.fgm");
    ck_assert_int_eq(forget_model_save(e, path), FORGET_E_UNSUPPORTED);
    ck_assert_int_eq(access(path, F_OK), -1);
    forget_model *part = NULL;
    ck_assert_int_eq(forget_model_save(forget_model_part(e, 1), path),
                     FORGET_OK);
    ck_assert_int_eq(forget_model_load(&part, path), FORGET_OK);
    ck_assert_int_eq(forget_model_predict_raw(part, x, 1, pe, 4), FORGET_OK);
    ck_assert_int_eq(forget_model_predict_raw(forget_model_part(e, 1), x, 1,
                                              pp, 4), FORGET_OK);
    ck_assert_mem_eq(pe, pp, sizeof pe);
    forget_model_free(part);
    unlink(path);
    forget_unlearner_free(u);
    forget_model_free(t);
    forget_dataset_free(D);
}
END_TEST

START_TEST(parameters_and_vote)
{
    forget_model *t = tmpl();
    forget_unlearner *u = NULL;
    ck_assert_int_eq(forget_unlearner_create(&u, "sisa", t, "epochs=1:2"),
                     FORGET_E_PARAM);
    ck_assert_int_eq(forget_unlearner_create(&u, "sisa", t,
                                             "train=\"epochs=3\""),
                     FORGET_E_PARAM);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "set by sisa"));
    ck_assert_int_eq(forget_unlearner_create(&u, "sisa", t,
                                             "store=/nonexistent/dir"),
                     FORGET_E_IO);
    ck_assert_ptr_null(u);
    ck_assert_ptr_null(NULL);
    forget_dataset *D = make_blobs(300, 6, 4, 3, 0);
    forget_dataset *test = make_blobs(200, 6, 4, 4, 9000);
    u = fresh(t, D, "aggregate=vote shards=3 slices=1 epochs=3 "
                    "train=\"batch=16\"");
    double acc;
    ck_assert_int_eq(forget_eval_accuracy(forget_unlearner_model(u), test,
                                          &acc), FORGET_OK);
    ck_assert_double_gt(acc, 0.9);
    forget_unlearner_free(u);
    forget_dataset_free(test);
    forget_dataset_free(D);
    forget_model_free(t);
}
END_TEST

/* A shard that fails on a worker thread brings its message back to the
 * caller's thread, and the state is left as it was. */
START_TEST(worker_failure_message)
{
    float x[40], t[20];
    for (int i = 0; i < 20; i++) {
        x[2 * i] = (float)i;
        x[2 * i + 1] = 1.0f;
        t[i] = i % 2 ? 1e18f : -1e18f;
    }
    forget_dataset *D = NULL;
    ck_assert_int_eq(forget_dataset_create_regression(&D, 20, 2, x, t, 1,
                                                      NULL), FORGET_OK);
    forget_model *m = NULL;
    ck_assert_int_eq(forget_model_create(&m, "linear", "inputs=2 outputs=1 "
                                         "task=regression"), FORGET_OK);
    forget_unlearner *u = NULL;
    ck_assert_int_eq(forget_unlearner_create(&u, "sisa", m, "shards=4 "
                                             "slices=1 epochs=20 threads=2 "
                                             "train=\"lr=100 batch=2\""),
                     FORGET_OK);
    for (int rep = 0; rep < 5; rep++) {
        ck_assert_int_eq(forget_unlearner_prepare(u, D), FORGET_E_NUMERIC);
        ck_assert_ptr_nonnull(strstr(forget_last_error(), "diverged"));
    }
    ck_assert_int_eq(forget_unlearner_is_prepared(u), 0);
    ck_assert_ptr_null(forget_unlearner_model(u));
    forget_unlearner_free(u);
    forget_model_free(m);
    forget_dataset_free(D);
}
END_TEST

Suite *suite_sisa(void)
{
    Suite *s = suite_create("sisa");
    TCase *tc = tcase_create("sisa");
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, fixture_init, fixture_shutdown);
    tcase_add_test(tc, forget_equals_scratch);
    tcase_add_test(tc, lanes_retrain_equals_scratch);
    tcase_add_test(tc, refusals_and_cancel_change_nothing);
    tcase_add_test(tc, cancel_changes_nothing);
    tcase_add_test(tc, progress_and_cancel_with_threads);
    tcase_add_test(tc, directory_store_and_reload);
    tcase_add_test(tc, parameters_and_vote);
    tcase_add_test(tc, forged_states_refused);
    tcase_add_test(tc, constituents_are_the_ensemble);
    tcase_add_test(tc, worker_failure_message);
    suite_add_tcase(s, tc);
    return s;
}
