/* Calibrated requests (a method's target=...): the result meets the
 * target measured independently, equals the method run with the knob value
 * it reports, and every refusal (unreachable target, missing or unfit
 * held-out rows, cancel, bad parameters) leaves model and state exactly
 * as they were. ssd is the method searched here; the others use the same
 * search (lib/methods/calibrate.c). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

/* blobs (helpers.h), 4 epochs */
static fixture cfix_make(const char *kind, const char *params, uint64_t seed)
{
    return fixture_make(kind, params, seed, "epochs=4 batch=32");
}

/* Rows of class c whose feature j is above (upper) or below the class's
 * median: a sub-population chosen by a feature rule. */
static forget_dataset *subpop(const forget_dataset *D, int32_t c, size_t j,
                              int upper)
{
    forget_dataset *cls = NULL, *out = NULL;
    ck_assert_int_eq(forget_dataset_subset_class(&cls, D, c), FORGET_OK);
    size_t n = forget_dataset_rows(cls), d = forget_dataset_features(cls);
    float *x = malloc(n * d * sizeof *x), *v = malloc(n * sizeof *v);
    uint64_t *ids = malloc(n * sizeof *ids);
    ck_assert_int_eq(forget_dataset_copy_rows(cls, 0, n, x, n * d), FORGET_OK);
    for (size_t i = 0; i < n; i++)
        v[i] = x[i * d + j];
    /* the median by counting (n is small) */
    float med = 0;
    for (size_t i = 0; i < n; i++) {
        size_t below = 0;
        for (size_t k = 0; k < n; k++)
            below += v[k] < v[i];
        if (below == n / 2)
            med = v[i];
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (upper ? v[i] >= med : v[i] < med)
            ids[k++] = forget_dataset_ids(cls)[i];
    ck_assert_int_eq(forget_dataset_subset_ids(&out, D, ids, k), FORGET_OK);
    free(x);
    free(v);
    free(ids);
    forget_dataset_free(cls);
    return out;
}

/* Run ssd with params on a copy of f's model forgetting F; *out the
 * copy (or NULL), returns the status. */
static int ssd_on_copy(const fixture *f, const forget_dataset *F,
                       const char *params, forget_model **out,
                       forget_unlearner **u_out)
{
    forget_model *c = NULL;
    forget_unlearner *u = NULL;
    ck_assert_int_eq(forget_model_clone(&c, f->m), FORGET_OK);
    ck_assert_int_eq(forget_unlearner_create(&u, "ssd", c, params), FORGET_OK);
    ck_assert_int_eq(forget_unlearner_prepare(u, f->D), FORGET_OK);
    int rc = forget_unlearner_forget(u, F);
    *out = c;
    *u_out = u;
    return rc;
}

/* Targets across the range, on a whole class and on sub-populations of
 * two classes chosen by two features, on two kinds: each call either
 * meets its target within the tolerance (checked here, not from the
 * report) or is refused with the model unchanged, and a whole class is
 * driven to 0. */
START_TEST(meets_forget_accuracy_targets)
{
    const char *kinds[2][2] = {{"mlp", "layers=6-16-4 seed=5"},
                               {"linear", "inputs=6 outputs=4"}};
    const double targets[] = {0.0, 0.25, 0.5, 0.75};
    for (int k = 0; k < 2; k++) {
        fixture f = cfix_make(kinds[k][0], kinds[k][1], 11 + (uint64_t)k);
        forget_dataset *sets[3] = {NULL, subpop(f.D, 1, 0, 1),
                                   subpop(f.D, 3, 4, 0)};
        ck_assert_int_eq(forget_dataset_subset_class(&sets[0], f.D, 2),
                         FORGET_OK);
        int met = 0, tried = 0;
        for (int s = 0; s < 3; s++) {
            for (size_t t = 0; t < sizeof targets / sizeof *targets; t++) {
                char params[96];
                snprintf(params, sizeof params,
                         "target=forget_acc:%g tolerance=0.08", targets[t]);
                forget_model *c = NULL;
                forget_unlearner *u = NULL;
                float *p0 = params_copy(f.m);
                int rc = ssd_on_copy(&f, sets[s], params, &c, &u);
                tried++;
                if (rc == FORGET_OK) {
                    double a = accuracy_of(c, sets[s]);
                    ck_assert_msg(fabs(a - targets[t]) <= 0.08 + 1e-12,
                                  "%s set %d target %g: accuracy %g",
                                  kinds[k][0], s, targets[t], a);
                    ck_assert_double_eq_tol(report_of(u, "calibration_"
                                                         "achieved"),
                                            a, 1e-12);
                    met++;
                } else {
                    ck_assert_int_eq(rc, FORGET_E_NUMERIC);
                    ck_assert_ptr_nonnull(strstr(forget_last_error(),
                                                 "unchanged"));
                    float *p1 = params_copy(c);
                    ck_assert_mem_eq(p0, p1, forget_model_param_count(c) *
                                                 sizeof *p0);
                    free(p1);
                    ck_assert_msg(!(s == 0 && t == 0),
                                  "%s: a whole class not driven to 0: %s",
                                  kinds[k][0], forget_last_error());
                }
                free(p0);
                forget_unlearner_free(u);
                forget_model_free(c);
            }
        }
        /* ssd reaches few of these targets on sub-populations (its
         * documented limit); the search itself is tested on knobs of
         * known effect in tests/internal/test_calibrate_search.c */
        ck_assert_int_ge(met, 1);
        ck_assert_int_eq(tried, 12);
        for (int s = 0; s < 3; s++)
            forget_dataset_free(sets[s]);
        fixture_free(&f);
    }
}
END_TEST

/* The calibrated result is ssd run with the alpha the report names, bit
 * for bit, and the least forgetting of the values that meet the target:
 * a target of 0 on a whole class leaves the other classes better off
 * than ssd's default. */
START_TEST(equals_the_alpha_it_chose)
{
    fixture f = cfix_make("mlp", "layers=6-16-4 seed=7", 21);
    forget_dataset *F = NULL, *rest = NULL;
    ck_assert_int_eq(forget_dataset_subset_class(&F, f.D, 0), FORGET_OK);
    ck_assert_int_eq(forget_dataset_complement(&rest, f.D, F), FORGET_OK);
    forget_model *a = NULL, *b = NULL, *dflt = NULL;
    forget_unlearner *ua = NULL, *ub = NULL, *ud = NULL;
    ck_assert_int_eq(ssd_on_copy(&f, F, "target=forget_acc:0", &a, &ua),
                     FORGET_OK);
    double alpha = report_of(ua, "calibrated_alpha");
    ck_assert(report_of(ua, "calibration_trials") >= 2);
    ck_assert(report_of(ua, "calibration_trials") <= 12);
    char params[96];
    snprintf(params, sizeof params, "alpha=%.17g lambda=%.17g", alpha,
             report_of(ua, "calibrated_lambda"));
    ck_assert_int_eq(ssd_on_copy(&f, F, params, &b, &ub), FORGET_OK);
    unsigned char da[32], db[32];
    ck_assert_int_eq(forget_model_digest(a, da), FORGET_OK);
    ck_assert_int_eq(forget_model_digest(b, db), FORGET_OK);
    ck_assert_mem_eq(da, db, 32);
    ck_assert_double_eq(report_of(ua, "dampened"),
                        report_of(ub, "dampened"));
    ck_assert_double_eq(accuracy_of(a, F), 0.0);
    ck_assert_int_eq(ssd_on_copy(&f, F, "", &dflt, &ud), FORGET_OK);
    ck_assert_msg(accuracy_of(dflt, F) > 0.0 ||
                      accuracy_of(a, rest) >= accuracy_of(dflt, rest),
                  "retained accuracy %g calibrated vs %g default",
                  accuracy_of(a, rest), accuracy_of(dflt, rest));
    forget_unlearner_free(ua);
    forget_unlearner_free(ub);
    forget_unlearner_free(ud);
    forget_model_free(a);
    forget_model_free(b);
    forget_model_free(dflt);
    forget_dataset_free(F);
    forget_dataset_free(rest);
    fixture_free(&f);
}
END_TEST

/* target=heldout and heldout_loss: the forget rows end as the held-out
 * rows measure on the final model (checked here); without held-out rows,
 * or with rows that do not fit the model, the request is refused with
 * nothing changed. */
START_TEST(heldout_targets)
{
    fixture f = cfix_make("mlp", "layers=6-16-4 seed=9", 31);
    forget_dataset *F = subpop(f.D, 2, 1, 1), *bad = make_blobs(50, 5, 4, 3,
                                                                 0);
    const char *kinds[2] = {"target=heldout tolerance=0.05",
                            "target=heldout_loss tolerance=0.1"};
    for (int k = 0; k < 2; k++) {
        forget_model *c = NULL;
        forget_unlearner *u = NULL;
        ck_assert_int_eq(forget_model_clone(&c, f.m), FORGET_OK);
        ck_assert_int_eq(forget_unlearner_create(&u, "ssd", c, kinds[k]),
                         FORGET_OK);
        ck_assert_int_eq(forget_unlearner_prepare(u, f.D), FORGET_OK);
        size_t n0, n1;
        unsigned char *s0 = saved_state(u, &n0);
        float *p0 = params_copy(c);
        /* no held-out rows; then rows of another width */
        ck_assert_int_eq(forget_unlearner_forget(u, F), FORGET_E_STATE);
        ck_assert_ptr_nonnull(strstr(forget_last_error(), "held-out"));
        ck_assert_int_eq(forget_unlearner_set_heldout(u, bad), FORGET_OK);
        ck_assert_int_eq(forget_unlearner_forget(u, F), FORGET_E_INVALID);
        unsigned char *s1 = saved_state(u, &n1);
        float *p1 = params_copy(c);
        ck_assert_uint_eq(n0, n1);
        ck_assert_mem_eq(s0, s1, n0);
        ck_assert_mem_eq(p0, p1, forget_model_param_count(c) * sizeof *p0);
        /* the right rows: met, as measured on the result, against the
         * held-out rows as the model saw them before the request */
        double mh;
        if (k == 0)
            mh = accuracy_of(c, f.test);
        else
            ck_assert_int_eq(forget_eval_loss(c, f.test, &mh), FORGET_OK);
        ck_assert_int_eq(forget_unlearner_set_heldout(u, f.test), FORGET_OK);
        int rc = forget_unlearner_forget(u, F);
        if (rc == FORGET_OK) {
            double mf;
            if (k == 0) {
                mf = accuracy_of(c, F);
                ck_assert_msg(fabs(mf - mh) <= 0.05 + 1e-12,
                              "accuracy %g vs held-out %g", mf, mh);
            } else {
                ck_assert_int_eq(forget_eval_loss(c, F, &mf), FORGET_OK);
                ck_assert_msg(fabs(mf - mh) <= 0.1 + 1e-9,
                              "loss %g vs held-out %g", mf, mh);
            }
            ck_assert_double_eq_tol(report_of(u, "calibration_goal"), mh,
                                    1e-12);
        } else {
            ck_assert_int_eq(rc, FORGET_E_NUMERIC);
        }
        /* removing the rows works and empty sets are refused */
        forget_dataset *empty = NULL;
        ck_assert_int_eq(forget_dataset_slice(&empty, f.test, 0, 0),
                         FORGET_OK);
        ck_assert_int_eq(forget_unlearner_set_heldout(u, empty),
                         FORGET_E_INVALID);
        ck_assert_int_eq(forget_unlearner_set_heldout(u, NULL), FORGET_OK);
        ck_assert_int_eq(forget_unlearner_set_heldout(NULL, f.test),
                         FORGET_E_INVALID);
        forget_dataset_free(empty);
        free(s0);
        free(s1);
        free(p0);
        free(p1);
        forget_unlearner_free(u);
        forget_model_free(c);
    }
    forget_dataset_free(F);
    forget_dataset_free(bad);
    fixture_free(&f);
}
END_TEST

static int cancel_at(double fraction, const char *stage, void *user)
{
    (void)stage;
    return fraction >= *(const double *)user;
}

/* Unreachable targets, cancel at several points of the search, and bad
 * parameters: refused, nothing changed. */
START_TEST(refusals_change_nothing)
{
    fixture f = cfix_make("mlp", "layers=6-16-4 seed=3", 41);
    forget_dataset *one = NULL;
    ck_assert_int_eq(forget_dataset_slice(&one, f.D, 10, 11), FORGET_OK);
    forget_unlearner *u = NULL;
    /* one row's accuracy is 0 or 1: never within 0 of 0.5 */
    ck_assert_int_eq(forget_unlearner_create(&u, "ssd", f.m, "target="
                                             "forget_acc:0.5 tolerance=0"),
                     FORGET_OK);
    ck_assert_int_eq(forget_unlearner_prepare(u, f.D), FORGET_OK);
    size_t n0, n1;
    unsigned char *s0 = saved_state(u, &n0), *s1;
    float *p0 = params_copy(f.m), *p1;
    ck_assert_int_eq(forget_unlearner_forget(u, one), FORGET_E_NUMERIC);
    s1 = saved_state(u, &n1);
    p1 = params_copy(f.m);
    ck_assert_uint_eq(n0, n1);
    ck_assert_mem_eq(s0, s1, n0);
    ck_assert_mem_eq(p0, p1, forget_model_param_count(f.m) * sizeof *p0);
    free(s1);
    free(p1);
    forget_unlearner_free(u);
    free(s0);
    /* cancel in the importances and in the search's first trial (which
     * ends it here: the class is gone at the weakest alpha already) */
    forget_dataset *F = NULL;
    ck_assert_int_eq(forget_dataset_subset_class(&F, f.D, 1), FORGET_OK);
    const double at[] = {0.3, 0.52};
    for (int i = 0; i < 2; i++) {
        ck_assert_int_eq(forget_unlearner_create(&u, "ssd", f.m, "target="
                                                 "forget_acc:0"), FORGET_OK);
        ck_assert_int_eq(forget_unlearner_prepare(u, f.D), FORGET_OK);
        s0 = saved_state(u, &n0);
        ck_assert_int_eq(forget_unlearner_set_progress(u, cancel_at,
                                                       (void *)&at[i]),
                         FORGET_OK);
        ck_assert_int_eq(forget_unlearner_forget(u, F), FORGET_E_CANCELED);
        s1 = saved_state(u, &n1);
        p1 = params_copy(f.m);
        ck_assert_mem_eq(s0, s1, n0);
        ck_assert_mem_eq(p0, p1, forget_model_param_count(f.m) * sizeof *p0);
        free(s0);
        free(s1);
        free(p1);
        forget_unlearner_free(u);
    }
    const char *bad[] = {"target=forget_acc:1.5", "target=forget_acc:",
                         "target=forget_acc:0.5x", "target=heldoutx",
                         "target=forget_acc:0 alpha=3", "trials=1",
                         "target=forget_acc:nan", "tolerance=-1"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        u = NULL;
        ck_assert_int_eq(forget_unlearner_create(&u, "ssd", f.m, bad[i]),
                         FORGET_E_PARAM);
        ck_assert_ptr_null(u);
    }
    free(p0);
    forget_dataset_free(F);
    forget_dataset_free(one);
    fixture_free(&f);
}
END_TEST

/* A calibrated chain saved and loaded between requests goes on bit for
 * bit (the target is part of the saved parameters); an accuracy target on
 * a regression model is refused. */
START_TEST(save_load_and_regression)
{
    fixture f = cfix_make("mlp", "layers=6-16-4 seed=13", 51);
    forget_dataset *A = NULL, *B = NULL;
    ck_assert_int_eq(forget_dataset_subset_class(&A, f.D, 1), FORGET_OK);
    ck_assert_int_eq(forget_dataset_subset_class(&B, f.D, 3), FORGET_OK);
    forget_model *twin = NULL;
    forget_unlearner *u = NULL, *v = NULL;
    ck_assert_int_eq(forget_model_clone(&twin, f.m), FORGET_OK);
    ck_assert_int_eq(forget_unlearner_create(&u, "ssd", f.m, "target="
                                             "forget_acc:0"),
                     FORGET_OK);
    ck_assert_int_eq(forget_unlearner_prepare(u, f.D), FORGET_OK);
    ck_assert_int_eq(forget_unlearner_forget(u, A), FORGET_OK);
    size_t n, na, nb;
    unsigned char *buf = saved_state(u, &n);
    float *mid = params_copy(f.m);
    ck_assert_int_eq(forget_model_set_params(twin, mid,
                                             forget_model_param_count(twin)),
                     FORGET_OK);
    ck_assert_int_eq(forget_unlearner_load_buffer(&v, twin, buf, n),
                     FORGET_OK);
    ck_assert_int_eq(forget_unlearner_forget(u, B), FORGET_OK);
    ck_assert_int_eq(forget_unlearner_forget(v, B), FORGET_OK);
    ck_assert_double_eq(report_of(u, "calibrated_alpha"),
                        report_of(v, "calibrated_alpha"));
    float *pa = params_copy(f.m), *pb = params_copy(twin);
    ck_assert_mem_eq(pa, pb, forget_model_param_count(f.m) * sizeof *pa);
    unsigned char *sa = saved_state(u, &na), *sb = saved_state(v, &nb);
    ck_assert_uint_eq(na, nb);
    ck_assert_mem_eq(sa, sb, na);
    free(sa);
    free(sb);
    free(pa);
    free(pb);
    free(mid);
    free(buf);
    forget_unlearner_free(u);
    forget_unlearner_free(v);
    forget_model_free(twin);
    forget_dataset_free(A);
    forget_dataset_free(B);
    fixture_free(&f);
    /* regression: accuracy targets refused, the loss target runs */
    forget_dataset *R = NULL, *RF = NULL;
    float x[40 * 3], t[40];
    uint64_t ids[40];
    for (int i = 0; i < 40; i++) {
        for (int j = 0; j < 3; j++)
            x[i * 3 + j] = (float)((i * 7 + j * 3) % 11) / 11.0f;
        t[i] = x[i * 3] - x[i * 3 + 2];
        ids[i] = (uint64_t)i;
    }
    ck_assert_int_eq(forget_dataset_create_regression(&R, 40, 3, x, t, 1,
                                                      ids), FORGET_OK);
    ck_assert_int_eq(forget_dataset_slice(&RF, R, 0, 5), FORGET_OK);
    forget_model *lin = NULL;
    ck_assert_int_eq(forget_model_create(&lin, "linear", "inputs=3 outputs=1 "
                                         "task=regression"), FORGET_OK);
    ck_assert_int_eq(forget_unlearner_create(&u, "ssd", lin, "target="
                                             "forget_acc:0"), FORGET_OK);
    ck_assert_int_eq(forget_unlearner_prepare(u, R), FORGET_OK);
    float *p0 = params_copy(lin), *p1;
    ck_assert_int_eq(forget_unlearner_forget(u, RF), FORGET_E_INVALID);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "heldout_loss"));
    p1 = params_copy(lin);
    ck_assert_mem_eq(p0, p1, forget_model_param_count(lin) * sizeof *p0);
    free(p0);
    free(p1);
    forget_unlearner_free(u);
    forget_model_free(lin);
    forget_dataset_free(R);
    forget_dataset_free(RF);
}
END_TEST

Suite *suite_calibrate(void)
{
    Suite *s = suite_create("calibrate");
    TCase *tc = tcase_create("calibrate");
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, fixture_init, fixture_shutdown);
    tcase_add_test(tc, meets_forget_accuracy_targets);
    tcase_add_test(tc, equals_the_alpha_it_chose);
    tcase_add_test(tc, heldout_targets);
    tcase_add_test(tc, refusals_change_nothing);
    tcase_add_test(tc, save_load_and_regression);
    suite_add_tcase(s, tc);
    return s;
}
