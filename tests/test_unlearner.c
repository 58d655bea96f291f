/* The unlearner API end to end on the toy host method: create, prepare,
 * forget, reports, progress and cancel, and what failures leave behind. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

static void setup(void)
{
    fixture_init();
    ck_assert_int_eq(forget_register_method(toy_method()), FORGET_OK);
}

static forget_unlearner *make_toy(const char *params)
{
    forget_unlearner *u = NULL;
    int rc = forget_unlearner_create(&u, "toy", NULL, params);
    ck_assert_msg(rc == FORGET_OK, "%s", forget_last_error());
    return u;
}

START_TEST(create_parses_parameters)
{
    forget_unlearner *u = make_toy("scale=2.5 mode=slow");
    ck_assert_double_eq(g_toy_last->scale, 2.5);
    ck_assert_uint_eq(g_toy_last->mode, 1);
    ck_assert_str_eq(forget_unlearner_method(u), "toy");
    ck_assert_ptr_null(forget_unlearner_model(u));
    ck_assert_int_eq(forget_unlearner_is_prepared(u), 0);
    ck_assert_ptr_null(forget_unlearner_report(u));
    forget_unlearner_free(u);
    u = make_toy(NULL);
    ck_assert_double_eq(g_toy_last->scale, 1.5);
    forget_unlearner_free(u);
    forget_unlearner_free(NULL);
}
END_TEST

START_TEST(create_errors)
{
    forget_unlearner *u = (forget_unlearner *)&u;
    forget_unlearner *sentinel = u;
    ck_assert_int_eq(forget_unlearner_create(&u, "nope", NULL, ""),
                     FORGET_E_NOT_FOUND);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "registered: ssd"));
    ck_assert_ptr_nonnull(strstr(forget_last_error(), ", toy"));
    ck_assert_int_eq(forget_unlearner_create(&u, "toy", NULL, "scale=11"),
                     FORGET_E_PARAM);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "'scale'"));
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "method 'toy'"));
    ck_assert_int_eq(forget_unlearner_create(&u, "toy", NULL, "speed=1"),
                     FORGET_E_PARAM);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "known: scale, mode"));
    ck_assert_int_eq(forget_unlearner_create(&u, NULL, NULL, ""),
                     FORGET_E_INVALID);
    ck_assert_int_eq(forget_unlearner_create(NULL, "toy", NULL, ""),
                     FORGET_E_INVALID);
    ck_assert_ptr_eq(u, sentinel);
    /* A method that needs a model refuses NULL. */
    forget_method m = *toy_method();
    m.name = "needs-model";
    m.flags = 0;
    ck_assert_int_eq(forget_register_method(&m), FORGET_OK);
    ck_assert_int_eq(forget_unlearner_create(&u, "needs-model", NULL, ""),
                     FORGET_E_INVALID);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "needs a model"));
    ck_assert_ptr_eq(u, sentinel);
}
END_TEST

START_TEST(prepare_then_forget_with_reports)
{
    forget_unlearner *u = make_toy("");
    forget_dataset *train = make_dataset(20, 3, 2);
    forget_dataset *rows = NULL;
    uint64_t ids[3] = {101, 107, 119};
    ck_assert_int_eq(forget_dataset_subset_ids(&rows, train, ids, 3),
                     FORGET_OK);

    ck_assert_int_eq(forget_unlearner_forget(u, rows), FORGET_E_STATE);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "prepare"));
    ck_assert_int_eq(forget_unlearner_prepare(u, train), FORGET_OK);
    ck_assert_int_eq(forget_unlearner_is_prepared(u), 1);
    ck_assert_uint_eq(g_toy_last->prepared_rows, 20);
    const forget_report *r = forget_unlearner_report(u);
    double v = -1;
    ck_assert_int_eq(forget_report_get(r, "rows", &v), FORGET_OK);
    ck_assert_double_eq(v, 20.0);
    ck_assert_int_eq(forget_report_get(r, "seconds", &v), FORGET_OK);
    ck_assert(v >= 0.0 && v < 60.0);

    ck_assert_int_eq(forget_unlearner_forget(u, rows), FORGET_OK);
    ck_assert_uint_eq(g_toy_last->forgets, 1);
    ck_assert_uint_eq(g_toy_last->forgotten_rows, 3);
    r = forget_unlearner_report(u);
    ck_assert_uint_eq(forget_report_count(r), 2);
    ck_assert_str_eq(forget_report_key(r, 0), "seconds");
    ck_assert_str_eq(forget_report_key(r, 1), "forgotten");
    ck_assert_double_eq(forget_report_value(r, 1), 3.0);
    ck_assert_ptr_null(forget_report_key(r, 2));
    ck_assert(isnan(forget_report_value(r, 2)));
    ck_assert_int_eq(forget_report_get(r, "rows", &v), FORGET_E_NOT_FOUND);

    forget_dataset *empty = NULL;
    ck_assert_int_eq(forget_dataset_subset_ids(&empty, train, NULL, 0),
                     FORGET_OK);
    ck_assert_int_eq(forget_unlearner_forget(u, empty), FORGET_E_INVALID);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "empty"));
    ck_assert_int_eq(forget_unlearner_forget(u, NULL), FORGET_E_INVALID);
    ck_assert_int_eq(forget_unlearner_prepare(NULL, train), FORGET_E_INVALID);
    ck_assert_ptr_eq(forget_unlearner_report(u), r); /* kept */

    forget_dataset_free(empty);
    forget_dataset_free(rows);
    forget_dataset_free(train);
    forget_unlearner_free(u);
}
END_TEST

/* Backend failures: the message is the backend's, or one naming the
 * method; a bogus status becomes FORGET_E_INTERNAL; the last report and
 * the state stay as they were. */
START_TEST(failures_change_nothing)
{
    forget_unlearner *u = make_toy("");
    uint64_t ids[4] = {666, 667, 668, 5};
    float x[4] = {0, 1, 2, 3};
    int32_t y[4] = {0, 1, 0, 1};
    forget_dataset *train = NULL, *bad = NULL;
    ck_assert_int_eq(forget_dataset_create(&train, 4, 1, x, y, ids),
                     FORGET_OK);
    ck_assert_int_eq(forget_unlearner_prepare(u, train), FORGET_OK);
    const forget_report *r = forget_unlearner_report(u);

    ck_assert_int_eq(forget_dataset_subset_ids(&bad, train, &ids[0], 1),
                     FORGET_OK);
    ck_assert_int_eq(forget_unlearner_forget(u, bad), FORGET_E_NUMERIC);
    ck_assert_str_eq(forget_last_error(), "toy refuses id 666");
    forget_dataset_free(bad);

    ck_assert_int_eq(forget_dataset_subset_ids(&bad, train, &ids[1], 1),
                     FORGET_OK);
    ck_assert_int_eq(forget_unlearner_forget(u, bad), FORGET_E_NUMERIC);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "method 'toy' failed "
                                                      "in forget"));
    forget_dataset_free(bad);

    ck_assert_int_eq(forget_dataset_subset_ids(&bad, train, &ids[2], 1),
                     FORGET_OK);
    ck_assert_int_eq(forget_unlearner_forget(u, bad), FORGET_E_INTERNAL);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "unknown status 5"));
    forget_dataset_free(bad);

    ck_assert_ptr_eq(forget_unlearner_report(u), r);
    ck_assert_uint_eq(g_toy_last->forgets, 0);
    forget_dataset_free(train);
    forget_unlearner_free(u);
}
END_TEST

typedef struct progress_log {
    int calls;
    double last;
    char stage[16];
    int cancel;
} progress_log;

static int on_progress(double fraction, const char *stage, void *user)
{
    progress_log *log = user;
    log->calls++;
    log->last = fraction;
    strncpy(log->stage, stage, sizeof log->stage - 1);
    return log->cancel;
}

START_TEST(progress_and_cancel)
{
    forget_unlearner *u = make_toy("");
    forget_dataset *train = make_dataset(10, 2, 2);
    forget_dataset *rows = NULL;
    ck_assert_int_eq(forget_dataset_slice(&rows, train, 0, 2), FORGET_OK);
    progress_log log = {0, 0, "", 0};
    ck_assert_int_eq(forget_unlearner_set_progress(u, on_progress, &log),
                     FORGET_OK);
    ck_assert_int_eq(forget_unlearner_prepare(u, train), FORGET_OK);
    ck_assert_int_eq(log.calls, 1); /* the toy reports nothing: the end */
    ck_assert_double_eq(log.last, 1.0);
    ck_assert_int_eq(forget_unlearner_forget(u, rows), FORGET_OK);
    ck_assert_int_eq(log.calls, 3); /* the toy's 0.5, then the end */
    ck_assert_double_eq(log.last, 1.0);
    ck_assert_str_eq(log.stage, "forget");
    const forget_report *r = forget_unlearner_report(u);

    log.cancel = 1;
    ck_assert_int_eq(forget_unlearner_forget(u, rows), FORGET_E_CANCELED);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "canceled"));
    ck_assert_uint_eq(g_toy_last->forgets, 1);
    ck_assert_ptr_eq(forget_unlearner_report(u), r);

    ck_assert_int_eq(forget_unlearner_set_progress(u, NULL, NULL), FORGET_OK);
    ck_assert_int_eq(forget_unlearner_forget(u, rows), FORGET_OK);
    ck_assert_int_eq(log.calls, 4); /* the canceled call's 0.5 only */
    ck_assert_uint_eq(g_toy_last->forgets, 2);
    ck_assert_int_eq(forget_unlearner_set_progress(NULL, NULL, NULL),
                     FORGET_E_INVALID);
    forget_dataset_free(rows);
    forget_dataset_free(train);
    forget_unlearner_free(u);
}
END_TEST

/* Every built-in method, in prepare and forget: fractions within [0, 1],
 * never going back, and exactly one 1.0, the last report of the call. */
typedef struct fraction_log {
    double v[4096];
    int n;
} fraction_log;

static int log_fraction(double fraction, const char *stage, void *user)
{
    (void)stage;
    fraction_log *log = user;
    if (log->n < 4096)
        log->v[log->n++] = fraction;
    return 0;
}

static void assert_ends_at_one(const fraction_log *log)
{
    int ones = 0;
    ck_assert_int_gt(log->n, 0);
    for (int i = 0; i < log->n; i++) {
        ck_assert(log->v[i] >= 0.0 && log->v[i] <= 1.0);
        if (i > 0)
            ck_assert_msg(log->v[i] >= log->v[i - 1], "progress went back "
                          "from %g to %g", log->v[i - 1], log->v[i]);
        ones += log->v[i] == 1.0;
    }
    ck_assert_int_eq(ones, 1);
    ck_assert_double_eq(log->v[log->n - 1], 1.0);
}

START_TEST(progress_ends_at_one_exactly_once)
{
    const char *kinds[3][3] = {
        {"ssd", "mlp", "layers=4-8-3 seed=3"},
        {"analytic", "analytic", "inputs=4 outputs=3"},
        {"sisa", "mlp", "layers=4-8-3 seed=3"},
    };
    forget_dataset *train = make_blobs(300, 4, 3, 21, 0), *rows = NULL;
    uint64_t ids[3] = {5, 17, 200};
    ck_assert_int_eq(forget_dataset_subset_ids(&rows, train, ids, 3),
                     FORGET_OK);
    for (int k = 0; k < 3; k++) {
        forget_model *m = NULL;
        forget_unlearner *u = NULL;
        ck_assert_int_eq(forget_model_create(&m, kinds[k][1], kinds[k][2]),
                         FORGET_OK);
        ck_assert_int_eq(forget_model_train(m, train, NULL), FORGET_OK);
        ck_assert_int_eq(forget_unlearner_create(&u, kinds[k][0], m, NULL),
                         FORGET_OK);
        static fraction_log log;
        log.n = 0;
        forget_unlearner_set_progress(u, log_fraction, &log);
        ck_assert_int_eq(forget_unlearner_prepare(u, train), FORGET_OK);
        assert_ends_at_one(&log);
        log.n = 0;
        ck_assert_int_eq(forget_unlearner_forget(u, rows), FORGET_OK);
        assert_ends_at_one(&log);
        forget_unlearner_free(u);
        forget_model_free(m);
    }
    forget_dataset_free(rows);
    forget_dataset_free(train);
}
END_TEST

/* A state records the digest of the model it was saved with: loading it
 * with another model of the same shape (the model from before a request,
 * another training) is refused naming both digests, for every method;
 * with its own model it loads; a state from before the digest existed
 * still loads. */
START_TEST(state_knows_its_model)
{
    const char *kinds[3][3] = {
        {"ssd", "mlp", "layers=4-8-3 seed=3"},
        {"analytic", "analytic", "inputs=4 outputs=3"},
        {"sisa", "mlp", "layers=4-8-3 seed=3"},
    };
    forget_dataset *train = make_blobs(200, 4, 3, 22, 0), *rows = NULL;
    uint64_t ids[2] = {5, 17};
    ck_assert_int_eq(forget_dataset_subset_ids(&rows, train, ids, 2),
                     FORGET_OK);
    for (int k = 0; k < 3; k++) {
        forget_model *m = NULL, *before = NULL;
        forget_unlearner *u = NULL, *v = NULL;
        ck_assert_int_eq(forget_model_create(&m, kinds[k][1], kinds[k][2]),
                         FORGET_OK);
        ck_assert_int_eq(forget_model_train(m, train, NULL), FORGET_OK);
        ck_assert_int_eq(forget_model_clone(&before, m), FORGET_OK);
        if (k == 2) /* sisa's model is its template: change it */
            ck_assert_int_eq(forget_model_train(before, rows, NULL),
                             FORGET_OK);
        /* ssd at its default alpha costs this small model 18 points of
         * accuracy on the rest: its guard would refuse the request */
        ck_assert_int_eq(forget_unlearner_create(&u, kinds[k][0], m,
                                                 k ? NULL : "guard=1e6"),
                         FORGET_OK);
        ck_assert_int_eq(forget_unlearner_prepare(u, train), FORGET_OK);
        ck_assert_msg(forget_unlearner_forget(u, rows) == FORGET_OK, "%s",
                      forget_last_error());
        size_t n;
        unsigned char *st = saved_state(u, &n);
        ck_assert_int_eq(forget_unlearner_load_buffer(&v, before, st, n),
                         FORGET_E_STATE);
        ck_assert_ptr_nonnull(strstr(forget_last_error(), "digest"));
        ck_assert_ptr_null(v);
        ck_assert_int_eq(forget_unlearner_load_buffer(&v, m, st, n),
                         FORGET_OK);
        forget_unlearner_free(v);
        v = NULL;
        n = strip_section(st, n, "_MDG"); /* as an older library wrote it */
        ck_assert_int_eq(forget_unlearner_load_buffer(&v, before, st, n),
                         FORGET_OK);
        forget_unlearner_free(v);
        free(st);
        forget_unlearner_free(u);
        forget_model_free(before);
        forget_model_free(m);
    }
    forget_dataset_free(rows);
    forget_dataset_free(train);
}
END_TEST

/* A model freed by its host while an unlearner borrows it stays alive
 * until the unlearner goes (SQLite's close_v2 rule): the unlearner keeps
 * working on it, nothing is read after free (ASan), nothing leaks, and
 * the last free releases it. Holds for every built-in method and for a
 * host model. */
START_TEST(freeing_a_borrowed_model_waits_for_its_unlearner)
{
    const char *cases[4][3] = {
        {"ssd", "mlp", "layers=4-8-3 seed=3"},
        {"analytic", "analytic", "inputs=4 outputs=3"},
        {"sisa", "mlp", "layers=4-8-3 seed=3"},
        {"ssd", "host", ""},
    };
    forget_dataset *train = make_blobs(240, 4, 3, 31, 0), *rows = NULL;
    ck_assert_int_eq(forget_dataset_subset_class(&rows, train, 1), FORGET_OK);
    host_lr_shape shape = {.inputs = 4, .outputs = 3};
    float init[15];
    for (int i = 0; i < 15; i++)
        init[i] = 0.01f * (float)(i % 7) - 0.03f;
    for (int k = 0; k < 4; k++) {
        forget_model *m = NULL;
        if (k == 3)
            m = make_host_lr(&shape, init);
        else
            ck_assert_int_eq(forget_model_create(&m, cases[k][1],
                                                 cases[k][2]), FORGET_OK);
        ck_assert_int_eq(forget_model_train(m, train, NULL), FORGET_OK);
        forget_unlearner *u = NULL;
        ck_assert_int_eq(forget_unlearner_create(&u, cases[k][0], m, NULL),
                         FORGET_OK);
        ck_assert_int_eq(forget_unlearner_prepare(u, train), FORGET_OK);
        unsigned char before[32], after[32];
        ck_assert_int_eq(forget_model_digest(forget_unlearner_model(u),
                                             before), FORGET_OK);
        forget_model_free(m); /* the host lets go first */
        int rc = forget_unlearner_forget(u, rows);
        ck_assert_msg(rc == FORGET_OK, "%s %s: %s", cases[k][0],
                      cases[k][1], forget_last_error());
        ck_assert_int_eq(forget_model_digest(forget_unlearner_model(u),
                                             after), FORGET_OK);
        ck_assert_msg(memcmp(before, after, 32) != 0, "%s did not change "
                      "the model", cases[k][0]);
        size_t n;
        free(saved_state(u, &n)); /* reads the model (its digest) */
        forget_unlearner_free(u); /* the last reference: m goes now (the
                                     fixture's shutdown finds none alive) */
    }
    forget_dataset_free(rows);
    forget_dataset_free(train);
}
END_TEST

START_TEST(run_context_guards)
{
    ck_assert_int_eq(forget_run_progress(NULL, 0.1), FORGET_E_INVALID);
    ck_assert_int_eq(forget_run_report(NULL, "k", 1.0), FORGET_E_INVALID);
    ck_assert_uint_eq(forget_report_count(NULL), 0);
    ck_assert_ptr_null(forget_report_key(NULL, 0));
    double v;
    ck_assert_int_eq(forget_report_get(NULL, "k", &v), FORGET_E_INVALID);
    ck_assert_ptr_null(forget_unlearner_method(NULL));
    ck_assert_int_eq(forget_unlearner_is_prepared(NULL), 0);
}
END_TEST

Suite *suite_unlearner(void)
{
    Suite *s = suite_create("unlearner");
    TCase *tc = tcase_create("unlearner");
    tcase_add_checked_fixture(tc, setup, fixture_shutdown);
    tcase_add_test(tc, create_parses_parameters);
    tcase_add_test(tc, create_errors);
    tcase_add_test(tc, prepare_then_forget_with_reports);
    tcase_add_test(tc, failures_change_nothing);
    tcase_add_test(tc, progress_and_cancel);
    tcase_add_test(tc, progress_ends_at_one_exactly_once);
    tcase_add_test(tc, state_knows_its_model);
    tcase_add_test(tc, freeing_a_borrowed_model_waits_for_its_unlearner);
    tcase_add_test(tc, run_context_guards);
    suite_add_tcase(s, tc);
    return s;
}
