/* The analytic kind and method through the public API: fitting, learning
 * and forgetting by rows and by ids, repeats, refusals, files. Exactness
 * against refits is in tests/internal/test_analytic_exact.c. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

/* The same requests with the BLAS on one thread and on two (the fit's
 * Gram and factorisation, requests of one row and of many, through G's
 * buffer) agree to rounding: OpenBLAS splits its calls by thread count
 * (found here: even the fit's bits differ), so analytic's results are
 * reproducible for a given BLAS and thread count, and within 1e-12 of
 * each other across thread counts. Sizes large enough for OpenBLAS to
 * split its calls. */
/* ThreadSanitizer cannot see OpenBLAS's own synchronisation (the library
 * is not instrumented), so there the BLAS stays on one thread. */
#if defined(__SANITIZE_THREAD__)
#define UNDER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define UNDER_TSAN 1
#endif
#endif
#ifndef UNDER_TSAN
#define UNDER_TSAN 0
#endif

START_TEST(results_agree_across_blas_threads)
{
    forget_dataset *train = make_blobs(3000, 20, 5, 2, 0);
    float *p[2];
    size_t np = 0;
    for (int run = 0; run < 2; run++) {
        blas_set_threads(UNDER_TSAN ? 1 : run + 1);
        forget_model *m = NULL;
        ck_assert_int_eq(forget_model_create(&m, "analytic", "inputs=20 "
                                             "outputs=5 features=random "
                                             "width=700 seed=3"),
                         FORGET_OK);
        ck_assert_int_eq(forget_model_train(m, train, ""), FORGET_OK);
        forget_unlearner *u = prepared("analytic", m, train,
                                       "keep_rows=true");
        const uint64_t *ids = forget_dataset_ids(train);
        for (size_t i = 0; i < 70; i++) /* past the 64-row G buffer */
            ck_assert_int_eq(forget_unlearner_forget_ids(u, ids + 7 * i, 1),
                             FORGET_OK);
        ck_assert_int_eq(forget_unlearner_forget_ids(u, ids + 1000, 40),
                         FORGET_OK);
        ck_assert_int_eq(forget_unlearner_forget_ids(u, ids + 2000, 3),
                         FORGET_OK);
        p[run] = params_copy(forget_unlearner_model(u));
        np = forget_model_param_count(forget_unlearner_model(u));
        forget_unlearner_free(u);
        forget_model_free(m);
    }
    blas_one_thread();
    /* volatile: gcc 12's aarch64 vectorizer crashed (an internal
     * compiler error) on these two max reductions */
    volatile double scale = 0.0, diff = 0.0;
    for (size_t i = 0; i < np; i++) {
        double a = fabs((double)p[0][i]), e = fabs((double)p[0][i] -
                                                   (double)p[1][i]);
        if (a > scale)
            scale = a;
        if (e > diff)
            diff = e;
    }
    /* the head is float32 in the model: rounding of a float64 result */
    ck_assert_msg(diff <= 1e-6 * scale, "max |dW| %.3g (scale %.3g)",
                  (double)diff, (double)scale);
    free(p[0]);
    free(p[1]);
    forget_dataset_free(train);
}
END_TEST

START_TEST(kind_fits_and_predicts)
{
    forget_dataset *train = make_blobs(800, 6, 4, 2, 0);
    forget_dataset *test = make_blobs(400, 6, 4, 3, 9000);
    const char *specs[3] = {"inputs=6 outputs=4",
                            "inputs=6 outputs=4 features=random width=64",
                            "inputs=6 outputs=4 bias=false gamma=0.01"};
    for (int i = 0; i < 3; i++) {
        forget_model *m = NULL;
        ck_assert_int_eq(forget_model_create(&m, "analytic", specs[i]),
                         FORGET_OK);
        ck_assert_str_eq(forget_model_kind(m), "analytic");
        ck_assert_int_eq(forget_model_train(m, train, ""), FORGET_OK);
        double acc;
        ck_assert_int_eq(forget_eval_accuracy(m, test, &acc), FORGET_OK);
        ck_assert_msg(acc > 0.95, "%s: %.3f", specs[i], acc);
        ck_assert_int_eq(forget_model_train(m, train, "epochs=3"),
                         FORGET_E_PARAM);
        ck_assert_ptr_nonnull(strstr(forget_last_error(), "closed form"));
        forget_model_free(m);
    }
    forget_model *m = NULL;
    ck_assert_int_eq(forget_model_create(&m, "analytic", "outputs=3"),
                     FORGET_E_PARAM);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "'inputs'"));
    ck_assert_int_eq(forget_model_create(&m, "analytic", "inputs=3 outputs=3 "
                                         "features=trunk"), FORGET_E_PARAM);
    forget_dataset_free(test);
    forget_dataset_free(train);
}
END_TEST

START_TEST(files_round_trip)
{
    forget_dataset *train = make_blobs(300, 5, 3, 2, 0);
    forget_model *mlp = NULL, *kinds[2] = {NULL, NULL};
    ck_assert_int_eq(forget_model_create(&mlp, "mlp", "layers=5-9-3"),
                     FORGET_OK);
    ck_assert_int_eq(forget_model_train(mlp, train, "epochs=1"), FORGET_OK);
    ck_assert_int_eq(forget_model_create_trunk(&kinds[0], mlp, "gamma=2"),
                     FORGET_OK);
    ck_assert_int_eq(forget_model_create(&kinds[1], "analytic", "inputs=5 "
                                         "outputs=3 features=random width=7"),
                     FORGET_OK);
    for (int i = 0; i < 2; i++) {
        forget_model *m = kinds[i], *back = NULL;
        ck_assert_int_eq(forget_model_train(m, train, ""), FORGET_OK);
        const char *path = tmp_path("a.fgm");
        ck_assert_int_eq(forget_model_save(m, path), FORGET_OK);
        ck_assert_int_eq(forget_model_load(&back, path), FORGET_OK);
        ck_assert_str_eq(forget_model_params(back), forget_model_params(m));
        float out_a[9], out_b[9];
        ck_assert_int_eq(forget_model_predict_raw(m, forget_dataset_x(train),
                                                  3, out_a, 9), FORGET_OK);
        ck_assert_int_eq(forget_model_predict_raw(back,
                                                  forget_dataset_x(train), 3,
                                                  out_b, 9), FORGET_OK);
        ck_assert_mem_eq(out_a, out_b, sizeof out_a);
        /* The head's shape: outputs x (width + the bias column). */
        size_t dims[FORGET_MAX_DIMS], ndim = 0;
        ck_assert_int_eq(forget_model_block_shape(back, 0, dims, &ndim),
                         FORGET_OK);
        ck_assert_uint_eq(ndim, 2);
        ck_assert_uint_eq(dims[0], 3);
        ck_assert_uint_eq(dims[1], i == 0 ? 9 + 1 : 7 + 1);
        ck_assert_uint_eq(dims[0] * dims[1], forget_model_param_count(back));
        forget_model_free(back);
        forget_model_free(m);
    }
    forget_model *bad = NULL;
    ck_assert_int_eq(forget_model_create_trunk(&bad, mlp,
                                               "gamma=-1"), FORGET_E_PARAM);
    forget_model *lin = NULL;
    ck_assert_int_eq(forget_model_create(&lin, "linear", "inputs=5 outputs=3"),
                     FORGET_OK);
    ck_assert_int_eq(forget_model_create_trunk(&bad, lin, ""),
                     FORGET_E_INVALID);
    ck_assert_ptr_null(bad);
    forget_model_free(lin);
    forget_model_free(mlp);
    forget_dataset_free(train);
}
END_TEST

START_TEST(learn_forget_by_rows_and_ids)
{
    forget_dataset *all = make_blobs(500, 6, 4, 7, 0), *first = NULL,
                   *later = NULL, *f = NULL;
    ck_assert_int_eq(forget_dataset_slice(&first, all, 0, 400), FORGET_OK);
    ck_assert_int_eq(forget_dataset_slice(&later, all, 400, 500), FORGET_OK);
    forget_model *m = NULL;
    ck_assert_int_eq(forget_model_create(&m, "analytic", "inputs=6 outputs=4"),
                     FORGET_OK);
    forget_unlearner *u = NULL;
    ck_assert_int_eq(forget_unlearner_create(&u, "analytic", m,
                                             "keep_rows=true"), FORGET_OK);
    ck_assert_int_eq(forget_unlearner_learn(u, later), FORGET_E_STATE);
    ck_assert_int_eq(forget_unlearner_prepare(u, first), FORGET_OK);
    ck_assert_int_eq(forget_unlearner_learn(u, later), FORGET_OK);
    /* Learning an id twice is refused. */
    ck_assert_int_eq(forget_unlearner_learn(u, later), FORGET_E_INVALID);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "learned already"));
    /* The model now equals a fit on all 500 rows. */
    forget_model *ref = NULL;
    ck_assert_int_eq(forget_model_create(&ref, "analytic",
                                         forget_model_params(m)), FORGET_OK);
    ck_assert_int_eq(forget_model_train(ref, all, ""), FORGET_OK);
    double l2, mx;
    ck_assert_int_eq(forget_eval_param_distance(m, ref, &l2, &mx), FORGET_OK);
    ck_assert_double_lt(mx, 1e-6);
    /* Forget by ids: 3 ids, one of them twice in a later request. */
    uint64_t ids[3] = {10, 420, 77};
    ck_assert_int_eq(forget_unlearner_forget_ids(u, ids, 3), FORGET_OK);
    double v;
    const forget_report *r = forget_unlearner_report(u);
    ck_assert_int_eq(forget_report_get(r, "rows", &v), FORGET_OK);
    ck_assert_double_eq(v, 3);
    uint64_t again[2] = {420, 11};
    ck_assert_int_eq(forget_unlearner_forget_ids(u, again, 2), FORGET_OK);
    r = forget_unlearner_report(u);
    ck_assert_int_eq(forget_report_get(r, "already_forgotten", &v), FORGET_OK);
    ck_assert_double_eq(v, 1);
    ck_assert_int_eq(forget_report_get(r, "rows", &v), FORGET_OK);
    ck_assert_double_eq(v, 1);
    uint64_t unknown = 99999;
    ck_assert_int_eq(forget_unlearner_forget_ids(u, &unknown, 1),
                     FORGET_E_NOT_FOUND);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "99999"));
    /* Equal to a fit on the rest. */
    uint64_t gone[4] = {10, 420, 77, 11};
    ck_assert_int_eq(forget_dataset_exclude_ids(&f, all, gone, 4), FORGET_OK);
    ck_assert_int_eq(forget_model_train(ref, f, ""), FORGET_OK);
    ck_assert_int_eq(forget_eval_param_distance(m, ref, &l2, &mx), FORGET_OK);
    ck_assert_double_lt(mx, 1e-6);
    /* A forgotten id can be learned again. */
    forget_dataset *back = NULL;
    ck_assert_int_eq(forget_dataset_subset_ids(&back, all, gone, 2), FORGET_OK);
    ck_assert_int_eq(forget_unlearner_learn(u, back), FORGET_OK);
    forget_dataset_free(back);
    forget_model_free(ref);
    forget_unlearner_free(u);
    /* Without keep_rows, ids alone are not enough. */
    ck_assert_int_eq(forget_unlearner_create(&u, "analytic", m, ""),
                     FORGET_OK);
    ck_assert_int_eq(forget_unlearner_prepare(u, first), FORGET_OK);
    ck_assert_int_eq(forget_unlearner_forget_ids(u, ids, 1),
                     FORGET_E_UNSUPPORTED);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "keep_rows"));
    forget_unlearner_free(u);
    forget_dataset_free(f);
    forget_dataset_free(first);
    forget_dataset_free(later);
    forget_dataset_free(all);
    forget_model_free(m);
}
END_TEST

START_TEST(state_round_trip_and_refusals)
{
    forget_dataset *all = make_blobs(300, 5, 3, 4, 0), *f = NULL;
    forget_model *m = NULL, *twin = NULL;
    ck_assert_int_eq(forget_model_create(&m, "analytic", "inputs=5 outputs=3 "
                                         "features=random width=9"),
                     FORGET_OK);
    forget_unlearner *u = NULL, *v = NULL;
    ck_assert_int_eq(forget_unlearner_create(&u, "analytic", m,
                                             "keep_rows=true"), FORGET_OK);
    ck_assert_int_eq(forget_unlearner_prepare(u, all), FORGET_OK);
    ck_assert_int_eq(forget_model_clone(&twin, m), FORGET_OK);
    const char *path = tmp_path("analytic.state");
    ck_assert_int_eq(forget_unlearner_save(u, path), FORGET_OK);
    ck_assert_int_eq(forget_unlearner_load(&v, twin, path), FORGET_OK);
    ck_assert_int_eq(forget_dataset_slice(&f, all, 50, 60), FORGET_OK);
    ck_assert_int_eq(forget_unlearner_forget(u, f), FORGET_OK);
    ck_assert_int_eq(forget_unlearner_forget(v, f), FORGET_OK);
    uint64_t ids[2] = {3, 200};
    ck_assert_int_eq(forget_unlearner_forget_ids(u, ids, 2), FORGET_OK);
    ck_assert_int_eq(forget_unlearner_forget_ids(v, ids, 2), FORGET_OK);
    float *a = params_copy(m), *b = params_copy(twin);
    ck_assert_mem_eq(a, b, forget_model_param_count(m) * sizeof *a);
    size_t na, nb;
    unsigned char *sa = saved_state(u, &na), *sb = saved_state(v, &nb);
    ck_assert_uint_eq(na, nb);
    ck_assert_mem_eq(sa, sb, na);
    /* Truncations and a model of another shape are refused. */
    forget_unlearner *w = NULL;
    for (size_t len = 0; len < na; len += na / 50 + 1)
        ck_assert_int_eq(forget_unlearner_load_buffer(&w, twin, sa, len),
                         FORGET_E_FORMAT);
    forget_model *other = NULL;
    ck_assert_int_eq(forget_model_create(&other, "analytic", "inputs=5 "
                                         "outputs=3"), FORGET_OK);
    ck_assert_int_eq(forget_unlearner_load_buffer(&w, other, sa, na),
                     FORGET_E_FORMAT);
    ck_assert_ptr_null(w);
    /* The method needs an analytic model. */
    forget_model *lin = NULL;
    ck_assert_int_eq(forget_model_create(&lin, "linear", "inputs=5 outputs=3"),
                     FORGET_OK);
    ck_assert_int_eq(forget_unlearner_create(&w, "analytic", lin, ""),
                     FORGET_E_INVALID);
    ck_assert_int_eq(forget_unlearner_create(&w, "analytic", m, "update=lazy"),
                     FORGET_E_PARAM);
    forget_model_free(lin);
    forget_model_free(other);
    free(sa);
    free(sb);
    free(a);
    free(b);
    forget_unlearner_free(u);
    forget_unlearner_free(v);
    forget_model_free(m);
    forget_model_free(twin);
    forget_dataset_free(f);
    forget_dataset_free(all);
}
END_TEST

/* The one request rule (as sisa): an id named twice in forget_ids is
 * forgotten once, the repeat counted in already_forgotten; the model and
 * the state are those of naming it once. Both update paths. */
/* forget(rows) is refused with code and a message holding each of what
 * (NULL-ended), and the model and the state are bit-identical. */
static void assert_refused(forget_unlearner *u, forget_model *m,
                           const forget_dataset *rows, int code,
                           const char *const *what)
{
    unsigned char before[FORGET_DIGEST_SIZE], after[FORGET_DIGEST_SIZE];
    size_t n0, n1;
    ck_assert_int_eq(forget_model_digest(m, before), FORGET_OK);
    unsigned char *s0 = saved_state(u, &n0);
    ck_assert_int_eq(forget_unlearner_forget(u, rows), code);
    for (; *what; what++)
        ck_assert_ptr_nonnull(strstr(forget_last_error(), *what));
    ck_assert_int_eq(forget_model_digest(m, after), FORGET_OK);
    ck_assert_mem_eq(before, after, sizeof before);
    unsigned char *s1 = saved_state(u, &n1);
    ck_assert_uint_eq(n0, n1);
    ck_assert_mem_eq(s0, s1, n0);
    free(s0);
    free(s1);
}

/* A head changed behind the method (the host retrained the model) is
 * refused, whatever the update path, and the request changes nothing. */
START_TEST(a_head_changed_behind_the_method_is_refused)
{
    forget_dataset *all = make_blobs(200, 5, 3, 12, 0);
    forget_dataset *other = make_blobs(150, 5, 3, 13, 5000), *one = NULL;
    uint64_t id = 9;
    ck_assert_int_eq(forget_dataset_subset_ids(&one, all, &id, 1), FORGET_OK);
    const char *params[2] = {"update=woodbury", "update=refactor"};
    for (int p = 0; p < 2; p++) {
        forget_model *m = NULL;
        forget_unlearner *u = NULL;
        ck_assert_int_eq(forget_model_create(&m, "analytic",
                                             "inputs=5 outputs=3"), FORGET_OK);
        ck_assert_int_eq(forget_unlearner_create(&u, "analytic", m,
                                                 params[p]), FORGET_OK);
        ck_assert_int_eq(forget_unlearner_prepare(u, all), FORGET_OK);
        ck_assert_int_eq(forget_model_train(m, other, NULL), FORGET_OK);
        const char *const why[] = {"head", NULL};
        assert_refused(u, m, one, FORGET_E_STATE, why);
        forget_unlearner_free(u);
        forget_model_free(m);
    }
    forget_dataset_free(one);
    forget_dataset_free(other);
    forget_dataset_free(all);
}
END_TEST

/* A request whose rows are not the learned ones (a learned id with
 * another label, features off by 0.01 or another row's features; a
 * regression target off) is refused FORGET_E_INVALID naming the id and
 * what differs, with the model and the state bit-identical; the true rows
 * are then accepted. With and without keep_rows, both update paths. */

/* Row 9 of all (4 features), changed: 0 label, 1 features, 2 another
 * row's features. */
static forget_dataset *changed_row(const forget_dataset *all, int how)
{
    float x[4];
    uint64_t id = 9;
    ck_assert_int_eq(forget_dataset_copy_rows(all, 9, 1, x, 4), FORGET_OK);
    int32_t label = forget_dataset_labels(all)[9];
    if (how == 0)
        label = (label + 1) % 3;
    else if (how == 1)
        x[2] += 0.01f;
    else
        ck_assert_int_eq(forget_dataset_copy_rows(all, 10, 1, x, 4),
                         FORGET_OK);
    forget_dataset *one = NULL;
    ck_assert_int_eq(forget_dataset_create(&one, 1, 4, x, &label, &id),
                     FORGET_OK);
    return one;
}

START_TEST(rows_that_were_not_learned_are_refused)
{
    forget_dataset *all = make_blobs(150, 4, 3, 14, 0), *truth = NULL;
    uint64_t id = 9;
    ck_assert_int_eq(forget_dataset_subset_ids(&truth, all, &id, 1),
                     FORGET_OK);
    const char *params[4] = {"update=woodbury", "update=refactor",
                             "keep_rows=true update=woodbury",
                             "keep_rows=true update=refactor"};
    const char *what[3] = {"target", "features", "features"};
    for (int p = 0; p < 4; p++) {
        forget_model *m = NULL;
        forget_unlearner *u = NULL;
        ck_assert_int_eq(forget_model_create(&m, "analytic",
                                             "inputs=4 outputs=3"), FORGET_OK);
        ck_assert_int_eq(forget_unlearner_create(&u, "analytic", m,
                                                 params[p]), FORGET_OK);
        ck_assert_int_eq(forget_unlearner_prepare(u, all), FORGET_OK);
        for (int how = 0; how < 3; how++) {
            forget_dataset *bad = changed_row(all, how);
            const char *const why[] = {"sample id 9", what[how], NULL};
            assert_refused(u, m, bad, FORGET_E_INVALID, why);
            forget_dataset_free(bad);
        }
        if (p == 0) { /* a state saved before fingerprints: unchecked */
            size_t n;
            forget_unlearner *old = NULL;
            forget_model *m2 = NULL;
            ck_assert_int_eq(forget_model_clone(&m2, m), FORGET_OK);
            unsigned char *st = saved_state(u, &n);
            n = strip_section(st, n, "AFPR");
            ck_assert_int_eq(forget_unlearner_load_buffer(&old, m2, st, n),
                             FORGET_OK);
            forget_dataset *bad = changed_row(all, 1);
            ck_assert_int_eq(forget_unlearner_forget(old, bad), FORGET_OK);
            double unchecked = -1;
            ck_assert_int_eq(forget_report_get(forget_unlearner_report(old),
                                               "rows_verified", &unchecked),
                             FORGET_OK);
            ck_assert_double_eq(unchecked, 0);
            forget_dataset_free(bad);
            forget_unlearner_free(old);
            forget_model_free(m2);
            free(st);
        }
        ck_assert_int_eq(forget_unlearner_forget(u, truth), FORGET_OK);
        double v = 0;
        ck_assert_int_eq(forget_report_get(forget_unlearner_report(u),
                                           "rows_verified", &v), FORGET_OK);
        ck_assert_double_eq(v, 1);
        forget_unlearner_free(u);
        forget_model_free(m);
    }
    forget_dataset_free(truth);
    forget_dataset_free(all);
}
END_TEST

/* Regression targets are checked too, and rows learned later (learn) as
 * well as prepared ones; across a save and load. */
START_TEST(regression_targets_and_learned_rows_are_checked)
{
    float x[40 * 3], t[40];
    uint64_t ids[40];
    for (int i = 0; i < 40; i++) {
        for (int j = 0; j < 3; j++)
            x[i * 3 + j] = (float)((i * 7 + j * 3) % 11) / 11.0f;
        t[i] = x[i * 3] - 2.0f * x[i * 3 + 2];
        ids[i] = 100 + (uint64_t)i;
    }
    forget_dataset *first = NULL, *later = NULL, *bad = NULL, *good = NULL;
    ck_assert_int_eq(forget_dataset_create_regression(&first, 30, 3, x, t, 1,
                                                      ids), FORGET_OK);
    ck_assert_int_eq(forget_dataset_create_regression(&later, 10, 3, x + 90,
                                                      t + 30, 1, ids + 30),
                     FORGET_OK);
    float off = t[35] + 0.5f;
    ck_assert_int_eq(forget_dataset_create_regression(&bad, 1, 3, x + 105,
                                                      &off, 1, ids + 35),
                     FORGET_OK);
    ck_assert_int_eq(forget_dataset_create_regression(&good, 1, 3, x + 105,
                                                      t + 35, 1, ids + 35),
                     FORGET_OK);
    forget_model *m = NULL;
    forget_unlearner *u = NULL, *v = NULL;
    ck_assert_int_eq(forget_model_create(&m, "analytic", "inputs=3 outputs=1 "
                                         "task=regression"), FORGET_OK);
    ck_assert_int_eq(forget_unlearner_create(&u, "analytic", m, NULL),
                     FORGET_OK);
    ck_assert_int_eq(forget_unlearner_prepare(u, first), FORGET_OK);
    ck_assert_int_eq(forget_unlearner_learn(u, later), FORGET_OK);
    size_t n;
    unsigned char *st = saved_state(u, &n);
    ck_assert_int_eq(forget_unlearner_load_buffer(&v, m, st, n), FORGET_OK);
    ck_assert_int_eq(forget_unlearner_forget(v, bad), FORGET_E_INVALID);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "target"));
    ck_assert_int_eq(forget_unlearner_forget(v, good), FORGET_OK);
    free(st);
    forget_unlearner_free(v);
    forget_unlearner_free(u);
    forget_model_free(m);
    forget_dataset_free(good);
    forget_dataset_free(bad);
    forget_dataset_free(later);
    forget_dataset_free(first);
}
END_TEST

START_TEST(forget_ids_named_twice_is_forgotten_once)
{
    forget_dataset *all = make_blobs(200, 5, 3, 11, 0);
    const char *params[2] = {"keep_rows=true update=woodbury",
                             "keep_rows=true update=refactor"};
    for (int p = 0; p < 2; p++) {
        forget_model *a = NULL, *b = NULL;
        forget_unlearner *ua = NULL, *ub = NULL;
        ck_assert_int_eq(forget_model_create(&a, "analytic",
                                             "inputs=5 outputs=3"), FORGET_OK);
        ck_assert_int_eq(forget_model_create(&b, "analytic",
                                             "inputs=5 outputs=3"), FORGET_OK);
        ck_assert_int_eq(forget_unlearner_create(&ua, "analytic", a,
                                                 params[p]), FORGET_OK);
        ck_assert_int_eq(forget_unlearner_create(&ub, "analytic", b,
                                                 params[p]), FORGET_OK);
        ck_assert_int_eq(forget_unlearner_prepare(ua, all), FORGET_OK);
        ck_assert_int_eq(forget_unlearner_prepare(ub, all), FORGET_OK);
        uint64_t once[2] = {7, 42}, twice[3] = {7, 42, 7};
        ck_assert_int_eq(forget_unlearner_forget_ids(ua, once, 2), FORGET_OK);
        ck_assert_int_eq(forget_unlearner_forget_ids(ub, twice, 3),
                         FORGET_OK);
        double v;
        const forget_report *r = forget_unlearner_report(ua);
        ck_assert_int_eq(forget_report_get(r, "already_forgotten", &v),
                         FORGET_OK);
        ck_assert_double_eq(v, 0);
        r = forget_unlearner_report(ub);
        ck_assert_int_eq(forget_report_get(r, "already_forgotten", &v),
                         FORGET_OK);
        ck_assert_double_eq(v, 1);
        ck_assert_int_eq(forget_report_get(r, "rows", &v), FORGET_OK);
        ck_assert_double_eq(v, 2);
        unsigned char da[FORGET_DIGEST_SIZE], db[FORGET_DIGEST_SIZE];
        ck_assert_int_eq(forget_model_digest(a, da), FORGET_OK);
        ck_assert_int_eq(forget_model_digest(b, db), FORGET_OK);
        ck_assert_mem_eq(da, db, sizeof da);
        size_t na, nb;
        unsigned char *sa = saved_state(ua, &na), *sb = saved_state(ub, &nb);
        ck_assert_uint_eq(na, nb);
        ck_assert_mem_eq(sa, sb, na);
        free(sa);
        free(sb);
        forget_unlearner_free(ua);
        forget_unlearner_free(ub);
        forget_model_free(a);
        forget_model_free(b);
    }
    forget_dataset_free(all);
}
END_TEST

Suite *suite_analytic(void)
{
    Suite *s = suite_create("analytic");
    TCase *tc = tcase_create("analytic");
    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, fixture_init, fixture_shutdown);
    tcase_add_test(tc, kind_fits_and_predicts);
    tcase_add_test(tc, results_agree_across_blas_threads);
    tcase_add_test(tc, files_round_trip);
    tcase_add_test(tc, learn_forget_by_rows_and_ids);
    tcase_add_test(tc, state_round_trip_and_refusals);
    tcase_add_test(tc, forget_ids_named_twice_is_forgotten_once);
    tcase_add_test(tc, rows_that_were_not_learned_are_refused);
    tcase_add_test(tc, regression_targets_and_learned_rows_are_checked);
    tcase_add_test(tc, a_head_changed_behind_the_method_is_refused);
    suite_add_tcase(s, tc);
    return s;
}
