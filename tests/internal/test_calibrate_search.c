/* fg_calibrate's search on knobs whose effect is known exactly: a linear
 * model of one input whose class-1 margin on row x is x - g(v), so that
 * the forget rows' accuracy at knob value v is the fraction of their x
 * above g(v). Every target on a grid, increasing and decreasing knobs,
 * log scale, a non-monotone g, unreachable targets, cancel. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "approx/calibrate.h"
#include "util/report.h"

#define N 200

typedef struct knob_fn {
    double (*g)(double v);
    int calls;
    double last_p1;
} knob_fn;

static double g_identity(double v) { return v; }
static double g_inverse(double v) { return 1.0 - v; }
static double g_log(double v) { return log10(v) / 4.0; } /* [1, 1e4] */
/* up, then back down a little, then up: not monotone */
static double g_bumpy(double v)
{
    return v < 0.4 ? v : v < 0.5 ? 0.8 - v : 0.3 + 1.4 * (v - 0.5);
}

static int apply(void *ctx, double v, forget_model *copy, forget_run *run,
                 double p0, double p1)
{
    knob_fn *k = ctx;
    (void)p0;
    float theta[4] = {0, 1, 0, (float)-k->g(v)};
    memcpy(fg_model_theta(copy), theta, sizeof theta);
    k->calls++;
    k->last_p1 = p1;
    return forget_run_progress(run, p1);
}

static forget_dataset *rows(void)
{
    float x[N];
    int32_t y[N];
    uint64_t ids[N];
    for (int i = 0; i < N; i++) {
        x[i] = ((float)i + 0.5f) / N; /* never equal to a tried g(v) */
        y[i] = 1;
        ids[i] = (uint64_t)i;
    }
    forget_dataset *ds = NULL;
    ck_assert_int_eq(forget_dataset_create(&ds, N, 1, x, y, ids),
                     FORGET_OK);
    return ds;
}

static forget_model *model(void)
{
    forget_model *m = NULL;
    ck_assert_int_eq(forget_model_create(&m, "linear", "inputs=1 outputs=2"),
                     FORGET_OK);
    return m;
}

/* The accuracy the search reports, measured independently. */
static double acc_at(const forget_model *m, const forget_dataset *F,
                     const knob_fn *k, double v)
{
    forget_model *c = NULL;
    ck_assert_int_eq(forget_model_clone(&c, m), FORGET_OK);
    knob_fn kk = *k;
    forget_run run = {NULL, NULL, NULL, "forget", 0, NULL, NULL};
    ck_assert_int_eq(apply(&kk, v, c, &run, 0, 0), FORGET_OK);
    double a = -1;
    ck_assert_int_eq(forget_eval_accuracy(c, F, &a), FORGET_OK);
    forget_model_free(c);
    return a;
}

static int search(const forget_model *m, const forget_dataset *F,
                  knob_fn *k, const fg_knob *knob, double target, double tol,
                  int64_t trials, double *chosen, forget_report **rep)
{
    fg_target t = {FG_TARGET_FORGET_ACC, target, tol, trials};
    *rep = fg_report_new();
    forget_run run = {*rep, NULL, NULL, "forget", 0, NULL, NULL};
    forget_model *best = NULL;
    int rc = fg_calibrate(m, F, &t, knob, apply, k, &run, 0.0, 1.0, chosen,
                          &best);
    if (rc == FORGET_OK) {
        double a = -1;
        ck_assert_int_eq(forget_eval_accuracy(best, F, &a), FORGET_OK);
        ck_assert_double_eq(a, acc_at(m, F, k, *chosen));
        fg_model_discard(best);
    }
    return rc;
}

/* Monotone knobs, both directions, linear and log: every target on a
 * grid met to within a row, by the least forgetting value that meets it,
 * in at most the trials allowed; the model never changes. */
START_TEST(monotone_knobs_meet_every_target)
{
    forget_dataset *F = rows();
    forget_model *m = model();
    float before[4];
    memcpy(before, fg_model_theta(m), sizeof before);
    knob_fn fns[3] = {{g_identity, 0, 0}, {g_inverse, 0, 0}, {g_log, 0, 0}};
    fg_knob knobs[3] = {{"v", 0.0, 1.0, 0, 1},
                        {"v", 0.0, 1.0, 0, 0},
                        {"v", 1.0, 1e4, 1, 1}};
    for (int k = 0; k < 3; k++)
        for (int t = 0; t <= 20; t++) {
            double target = t / 20.0, chosen = NAN;
            forget_report *rep = NULL;
            fns[k].calls = 0;
            int rc = search(m, F, &fns[k], &knobs[k], target, 1.0 / N, 24,
                            &chosen, &rep);
            ck_assert_msg(rc == FORGET_OK, "knob %d target %g: %s", k, target,
                          forget_last_error());
            double a = acc_at(m, F, &fns[k], chosen);
            ck_assert_msg(fabs(a - target) <= 1.0 / N + 1e-12,
                          "knob %d target %g: %g", k, target, a);
            ck_assert_int_le(fns[k].calls, 24);
            double trials = 0;
            ck_assert_int_eq(forget_report_get(rep, "calibration_trials",
                                               &trials), FORGET_OK);
            ck_assert_double_eq(trials, fns[k].calls);
            double v = NAN;
            ck_assert_int_eq(forget_report_get(rep, "calibrated_v", &v),
                             FORGET_OK);
            ck_assert_double_eq(v, chosen);
            fg_report_free(rep);
        }
    ck_assert_mem_eq(before, fg_model_theta(m), sizeof before);
    forget_model_free(m);
    forget_dataset_free(F);
}
END_TEST

/* A wide tolerance: the weakest value within it wins, so the result sits
 * at the band's edge on the "not forgotten" side, not at the target. */
START_TEST(weakest_within_the_tolerance)
{
    forget_dataset *F = rows();
    forget_model *m = model();
    knob_fn k = {g_identity, 0, 0};
    fg_knob knob = {"v", 0.0, 1.0, 0, 1};
    for (int t = 2; t <= 8; t += 3) {
        double target = t / 10.0, chosen;
        forget_report *rep = NULL;
        ck_assert_int_eq(search(m, F, &k, &knob, target, 0.1, 30, &chosen,
                                &rep), FORGET_OK);
        double a = acc_at(m, F, &k, chosen);
        ck_assert_msg(a <= target + 0.1 + 1e-12 && a >= target + 0.1 - 2.0 / N,
                      "target %g: %g", target, a);
        fg_report_free(rep);
    }
    forget_model_free(m);
    forget_dataset_free(F);
}
END_TEST

/* A knob whose effect goes back and forth: the search keeps a bracket
 * and still lands on a crossing of the target. */
START_TEST(non_monotone_knob_still_brackets)
{
    forget_dataset *F = rows();
    forget_model *m = model();
    knob_fn k = {g_bumpy, 0, 0};
    fg_knob knob = {"v", 0.0, 1.0, 0, 1};
    for (int t = 0; t <= 10; t++) {
        double target = t / 10.0, chosen;
        forget_report *rep = NULL;
        int rc = search(m, F, &k, &knob, target, 1.0 / N, 30, &chosen, &rep);
        ck_assert_msg(rc == FORGET_OK, "target %g: %s", target,
                      forget_last_error());
        ck_assert(fabs(acc_at(m, F, &k, chosen) - target) <= 1.0 / N + 1e-12);
        fg_report_free(rep);
    }
    forget_model_free(m);
    forget_dataset_free(F);
}
END_TEST

/* Targets outside what the range reaches, or a tolerance below the
 * resolution, are refused (nothing to change: the model is the caller's),
 * naming the closest value; cancel stops the search. */
static int cancel_second(double fraction, const char *stage, void *user)
{
    (void)stage;
    return ++*(int *)user >= 2 && fraction >= 0.0;
}

START_TEST(refusals)
{
    forget_dataset *F = rows();
    forget_model *m = model();
    knob_fn k = {g_identity, 0, 0};
    fg_knob narrow = {"v", 0.3, 0.6, 0, 1};
    double chosen = -7;
    forget_report *rep = NULL;
    /* the range gives accuracies 0.4 .. 0.7 */
    ck_assert_int_eq(search(m, F, &k, &narrow, 0.1, 0.02, 12, &chosen, &rep),
                     FORGET_E_NUMERIC);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "v=0.6"));
    fg_report_free(rep);
    ck_assert_int_eq(search(m, F, &k, &narrow, 0.95, 0.02, 12, &chosen, &rep),
                     FORGET_E_NUMERIC);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "v=0.3"));
    fg_report_free(rep);
    ck_assert_double_eq(chosen, -7);
    /* 2 trials cannot find an interior target */
    ck_assert_int_eq(search(m, F, &k, &narrow, 0.5, 0.0, 2, &chosen, &rep),
                     FORGET_E_NUMERIC);
    fg_report_free(rep);
    /* cancel */
    int calls = 0;
    fg_target t = {FG_TARGET_FORGET_ACC, 0.5, 0.01, 12};
    forget_run run = {NULL, cancel_second, &calls, "forget", 0, NULL, NULL};
    ck_assert_int_eq(fg_calibrate(m, F, &t, &narrow, apply, &k, &run, 0, 1,
                                  &chosen, NULL), FORGET_E_CANCELED);
    ck_assert_double_eq(chosen, -7);
    /* held-out targets need held-out rows */
    t.kind = FG_TARGET_HELDOUT;
    run.progress = NULL;
    ck_assert_int_eq(fg_calibrate(m, F, &t, &narrow, apply, &k, &run, 0, 1,
                                  &chosen, NULL), FORGET_E_STATE);
    forget_model_free(m);
    forget_dataset_free(F);
}
END_TEST

/* A held-out goal is the held-out rows' accuracy on the model before
 * the request, measured once: the trials change how H's rows fare, the
 * goal does not move with them. */
START_TEST(heldout_goal_from_the_model_before)
{
    forget_dataset *F = rows(), *H = NULL;
    ck_assert_int_eq(forget_dataset_slice(&H, F, 0, N / 2), FORGET_OK);
    forget_model *m = model();
    float theta[4] = {0, 1, 0, -0.3f}; /* H's rows above 0.3 are right */
    memcpy(fg_model_theta(m), theta, sizeof theta);
    double want = -1;
    ck_assert_int_eq(forget_eval_accuracy(m, H, &want), FORGET_OK);
    knob_fn k = {g_identity, 0, 0};
    fg_knob knob = {"v", 0.0, 1.0, 0, 1};
    fg_target t = {FG_TARGET_HELDOUT, 0, 1.0 / N, 24};
    forget_report *rep = fg_report_new();
    forget_run run = {rep, NULL, NULL, "forget", 0, H, NULL};
    double chosen = -1, goal = -1, got = -1;
    ck_assert_int_eq(fg_calibrate(m, F, &t, &knob, apply, &k, &run, 0, 1,
                                  &chosen, NULL), FORGET_OK);
    ck_assert_int_eq(forget_report_get(rep, "calibration_goal", &goal),
                     FORGET_OK);
    ck_assert_double_eq(goal, want);
    ck_assert(fabs(acc_at(m, F, &k, chosen) - want) <= 1.0 / N + 1e-12);
    ck_assert_int_eq(forget_report_get(rep, "calibration_achieved", &got),
                     FORGET_OK);
    ck_assert_double_eq(got, acc_at(m, F, &k, chosen));
    fg_report_free(rep);
    forget_model_free(m);
    forget_dataset_free(H);
    forget_dataset_free(F);
}
END_TEST

Suite *suite_calibrate_search(void)
{
    Suite *s = suite_create("calibrate_search");
    TCase *tc = tcase_create("calibrate_search");
    tcase_add_checked_fixture(tc, fixture_init, fixture_shutdown);
    tcase_add_test(tc, monotone_knobs_meet_every_target);
    tcase_add_test(tc, non_monotone_knob_still_brackets);
    tcase_add_test(tc, refusals);
    tcase_add_test(tc, weakest_within_the_tolerance);
    tcase_add_test(tc, heldout_goal_from_the_model_before);
    suite_add_tcase(s, tc);
    return s;
}
