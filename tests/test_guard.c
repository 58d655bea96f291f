/* The retained-accuracy guard of the approximate methods (finetune,
 * neggrad, relabel, scrub, ssd, newton): a request that costs the
 * retained rows more than `guard` points is refused with the model and state bit-identical;
 * the figure it reports is the accuracy lost on the retained rows it
 * keeps; its rows leave with the requests that forget them, are saved
 * and loaded, and a state without them (guard_rows=0, or saved before
 * the guard) loads and runs unguarded. (Regression, in points of R^2:
 * test_tuning.c's regression_models.) */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

/* n rows of 4 overlapping classes in 6 dimensions (centres 2.5 apart,
 * unit noise): a model gets most of them right and can lose them. */
static forget_dataset *overlapping(size_t n, uint64_t seed)
{
    float *x = malloc(n * 6 * sizeof *x);
    int32_t *y = malloc(n * sizeof *y);
    uint64_t st = seed;
    for (size_t i = 0; i < n; i++) {
        y[i] = (int32_t)(i % 4);
        for (size_t j = 0; j < 6; j++) {
            double u1 = ((double)(test_splitmix(&st) >> 11) + 0.5) / 0x1p53;
            double u2 = (double)(test_splitmix(&st) >> 11) / 0x1p53;
            double g = sqrt(-2 * log(u1)) * cos(6.283185307179586 * u2);
            x[6 * i + j] = (float)(g + (j == (size_t)y[i] ? 2.5 : 0.0));
        }
    }
    forget_dataset *d = NULL;
    ck_assert_int_eq(forget_dataset_create(&d, n, 6, x, y, NULL), FORGET_OK);
    free(x);
    free(y);
    return d;
}

static const char *const methods[] = {"finetune", "neggrad", "relabel",
                                      "scrub", "ssd", "newton"};

/* An mlp trained on D (20 epochs: about 0.92 of it right). */
static forget_model *trained_on(const forget_dataset *D)
{
    forget_model *m = NULL;
    ck_assert_int_eq(forget_model_create(&m, "mlp", "layers=6-12-4"),
                     FORGET_OK);
    ck_assert_int_eq(forget_model_train(m, D, "epochs=20 batch=32"),
                     FORGET_OK);
    return m;
}

static forget_model *clone_of(const forget_model *m)
{
    forget_model *c = NULL;
    ck_assert_int_eq(forget_model_clone(&c, m), FORGET_OK);
    return c;
}

/* For every method (the four fine-tuning methods and ssd), setting (the
 * default, and ones strong enough to wreck the model) and forget set:
 * unguarded, the request costs c points of accuracy on the retained rows
 * (all of them are the guard's here: 600 rows, guard_rows 1000), which is
 * the guard_cost it reports; guarded at the default 3, it is refused with
 * everything bit-identical exactly when c > 3, and otherwise gives the
 * unguarded result bit for bit. */
START_TEST(refuses_what_costs_more)
{
    forget_dataset *D = overlapping(600, 8);
    forget_model *m = trained_on(D);
    const char *settings[6][4] = {
        {"", "lr=1 epochs=3", "lr=3", "optimizer=adam lr=1 epochs=5"},
        {"", "lr=1 epochs=3", "lr=3", "optimizer=adam lr=1 epochs=5"},
        {"", "lr=1 epochs=3", "lr=3", "optimizer=adam lr=1 epochs=5"},
        {"", "lr=1 epochs=3", "lr=3", "optimizer=adam lr=1 epochs=5"},
        {"", "alpha=1.2", "alpha=5", "alpha=20 lambda=0.1"},
        {"", "damping=1e-3 retain_budget=256", "damping=1e-4",
         "cg_tol=1e-2"}};
    size_t from[] = {0, 300, 480};
    int refused = 0, passed = 0, own = 0;
    for (int k = 0; k < 6; k++)
        for (size_t st = 0; st < 4; st++)
            for (size_t f = 0; f < 3; f++) {
                forget_dataset *F = NULL, *R = NULL;
                ck_assert_int_eq(forget_dataset_slice(&F, D, from[f],
                                                      from[f] + 120),
                                 FORGET_OK);
                ck_assert_int_eq(forget_dataset_complement(&R, D, F),
                                 FORGET_OK);
                char open_[128];
                snprintf(open_, sizeof open_, "%s guard=1e6", settings[k][st]);
                forget_model *a = clone_of(m), *b = clone_of(m);
                double before = accuracy_of(a, R);
                forget_unlearner *ua = prepared(methods[k], a, D, open_);
                int rc_a = forget_unlearner_forget(ua, F);
                /* a method's own refusal (newton's line search) */
                ck_assert_msg(rc_a == FORGET_OK || rc_a == FORGET_E_NUMERIC,
                              "%s", forget_last_error());
                double cost = rc_a ? 0 : report_of(ua, "guard_cost");
                if (rc_a == FORGET_OK) {
                    ck_assert_double_eq_tol(
                        cost, 100 * (before - accuracy_of(a, R)), 1e-9);
                    ck_assert_double_eq(report_of(ua, "guard_rows"), 480);
                }
                forget_unlearner *ub = prepared(methods[k], b, D,
                                                settings[k][st]);
                size_t n0;
                unsigned char *s0 = saved_state(ub, &n0);
                float *p0 = params_copy(b);
                int rc = forget_unlearner_forget(ub, F);
                if (rc_a != FORGET_OK) { /* refused alike, guarded */
                    ck_assert_int_eq(rc, rc_a);
                    assert_unchanged(ub, b, s0, n0, p0, methods[k]);
                    own++;
                } else if (cost > 3) {
                    ck_assert_msg(rc == FORGET_E_NUMERIC, "%s %s: cost %.2f "
                                  "passed", methods[k], settings[k][st], cost);
                    ck_assert_ptr_nonnull(strstr(forget_last_error(),
                                                 "guard"));
                    assert_unchanged(ub, b, s0, n0, p0, methods[k]);
                    refused++;
                } else {
                    ck_assert_msg(rc == FORGET_OK, "%s", forget_last_error());
                    float *pa = params_copy(a), *pb = params_copy(b);
                    ck_assert_mem_eq(pa, pb, forget_model_param_count(a) *
                                                 sizeof *pa);
                    ck_assert_double_eq(report_of(ub, "guard_cost"), cost);
                    free(pa);
                    free(pb);
                    passed++;
                }
                free(s0);
                free(p0);
                forget_unlearner_free(ua);
                forget_unlearner_free(ub);
                forget_model_free(a);
                forget_model_free(b);
                forget_dataset_free(F);
                forget_dataset_free(R);
            }
    /* both sides were exercised */
    ck_assert_int_ge(refused, 15);
    ck_assert_int_ge(passed, 10);
    ck_assert_int_le(own, 6); /* newton's line search, rarely */
    forget_model_free(m);
    forget_dataset_free(D);
}
END_TEST

/* newton's line search keeps its steps from raising the retained
 * objective, so on this problem no setting costs more than a point; its
 * guard is seen at guard=0 (refuse any loss): refused exactly when the
 * unguarded step lost accuracy on the retained rows, bit-identical, and
 * its rows are in the state. */
START_TEST(newton_guarded_too)
{
    forget_dataset *D = overlapping(600, 8);
    forget_model *m = trained_on(D);
    size_t from[] = {0, 300, 480};
    int refused = 0, passed = 0;
    for (size_t f = 0; f < 3; f++) {
        forget_dataset *F = NULL;
        ck_assert_int_eq(forget_dataset_slice(&F, D, from[f], from[f] + 120),
                         FORGET_OK);
        forget_model *a = clone_of(m), *b = clone_of(m);
        forget_unlearner *ua = prepared("newton", a, D, "");
        ck_assert_int_eq(forget_unlearner_forget(ua, F), FORGET_OK);
        double cost = report_of(ua, "guard_cost");
        forget_unlearner *ub = prepared("newton", b, D, "guard=0");
        size_t n0, dummy;
        unsigned char *s0 = saved_state(ub, &n0);
        ck_assert_ptr_nonnull(find_section(s0, n0, "RGID", &dummy));
        float *p0 = params_copy(b);
        int rc = forget_unlearner_forget(ub, F);
        if (cost > 0) {
            ck_assert_int_eq(rc, FORGET_E_NUMERIC);
            ck_assert_ptr_nonnull(strstr(forget_last_error(), "guard"));
            assert_unchanged(ub, b, s0, n0, p0, "newton");
            refused++;
        } else {
            ck_assert_int_eq(rc, FORGET_OK);
            passed++;
        }
        free(s0);
        free(p0);
        forget_unlearner_free(ua);
        forget_unlearner_free(ub);
        forget_model_free(a);
        forget_model_free(b);
        forget_dataset_free(F);
    }
    ck_assert_int_ge(refused, 1);
    ck_assert_int_ge(passed, 1);
    forget_model_free(m);
    forget_dataset_free(D);
}
END_TEST

/* The ids of the guard's rows in a saved state (RGID), malloc'ed. */
static uint64_t *guard_ids(const forget_unlearner *u, size_t *n)
{
    size_t len, size = 0;
    unsigned char *buf = saved_state(u, &len);
    const unsigned char *p = find_section(buf, len, "RGID", &size);
    ck_assert_ptr_nonnull(p);
    *n = size / 8;
    uint64_t *ids = malloc((*n ? *n : 1) * sizeof *ids);
    for (size_t i = 0; i < *n; i++) {
        uint64_t v = 0;
        for (int b = 7; b >= 0; b--)
            v = v << 8 | p[8 * i + (size_t)b];
        ids[i] = v;
    }
    free(buf);
    return ids;
}

/* guard_rows are drawn from the seed (the same seed, the same rows;
 * another, others), and rows forgotten leave the guard (no deleted row
 * stays in the state). */
START_TEST(rows_drawn_and_dropped)
{
    forget_dataset *D = overlapping(600, 8), *F = NULL;
    forget_model *m = trained_on(D);
    ck_assert_int_eq(forget_dataset_slice(&F, D, 0, 300), FORGET_OK);
    forget_unlearner *u[3];
    const char *params[3] = {"guard_rows=100 seed=3", "guard_rows=100 seed=3",
                             "guard_rows=100 seed=4"};
    for (int i = 0; i < 3; i++) {
        u[i] = prepared("finetune", m, D, params[i]);
        ck_assert_double_eq(report_of(u[i], "guard_rows"), 100);
    }
    size_t n[3];
    uint64_t *ids[3];
    for (int i = 0; i < 3; i++)
        ids[i] = guard_ids(u[i], &n[i]);
    ck_assert_uint_eq(n[0], 100);
    ck_assert_mem_eq(ids[0], ids[1], 100 * sizeof **ids);
    ck_assert_msg(memcmp(ids[0], ids[2], 100 * sizeof **ids) != 0,
                  "the seed did not change the guard's rows");
    size_t in_f = 0;
    for (size_t i = 0; i < 100; i++)
        in_f += ids[0][i] < 300; /* F's ids: rows 0..299 */
    ck_assert(in_f > 20 && in_f < 80);
    ck_assert_int_eq(forget_unlearner_forget(u[0], F), FORGET_OK);
    ck_assert_double_eq(report_of(u[0], "guard_rows"), 100 - (double)in_f);
    size_t after;
    uint64_t *left = guard_ids(u[0], &after);
    ck_assert_uint_eq(after, 100 - in_f);
    for (size_t i = 0; i < after; i++)
        ck_assert_uint_ge(left[i], 300);
    free(left);
    for (int i = 0; i < 3; i++) {
        free(ids[i]);
        forget_unlearner_free(u[i]);
    }
    forget_dataset_free(F);
    forget_model_free(m);
    forget_dataset_free(D);
}
END_TEST

/* The guard's rows are saved and loaded (a loaded state refuses what the
 * one saved refuses); without them (guard_rows=0, or a state saved
 * before the guard: every RG section stripped) a state loads and runs
 * unguarded; ids without rows, or rows without ids, are refused. */
START_TEST(saved_loaded_and_absent)
{
    forget_dataset *D = overlapping(600, 8), *F = NULL;
    forget_model *m = trained_on(D);
    ck_assert_int_eq(forget_dataset_slice(&F, D, 0, 120), FORGET_OK);
    forget_model *a = clone_of(m), *b = clone_of(m);
    forget_unlearner *u = prepared("relabel", a, D, "lr=3"), *v = NULL;
    size_t len;
    unsigned char *buf = saved_state(u, &len);
    ck_assert_int_eq(forget_unlearner_load_buffer(&v, b, buf, len), FORGET_OK);
    size_t n0;
    unsigned char *s0 = saved_state(v, &n0);
    float *p0 = params_copy(b);
    ck_assert_int_eq(forget_unlearner_forget(v, F), FORGET_E_NUMERIC);
    assert_unchanged(v, b, s0, n0, p0, "loaded");
    forget_unlearner_free(v);
    v = NULL;
    /* RGID alone stripped: rows without ids */
    unsigned char *cut = malloc(len);
    memcpy(cut, buf, len);
    size_t cl = strip_section(cut, len, "RGID");
    ck_assert_int_eq(forget_unlearner_load_buffer(&v, b, cut, cl),
                     FORGET_E_FORMAT);
    ck_assert_ptr_null(v);
    /* every RG section stripped: as saved before the guard */
    const char *rg[] = {"RGX ", "RGYL"};
    for (size_t i = 0; i < 2; i++)
        cl = strip_section(cut, cl, rg[i]);
    ck_assert_int_eq(forget_unlearner_load_buffer(&v, b, cut, cl), FORGET_OK);
    ck_assert_int_eq(forget_unlearner_forget(v, F), FORGET_OK);
    ck_assert_double_eq(report_of(v, "guard_rows"), 0);
    ck_assert_double_eq(report_of(v, "guard_cost"), 0);
    forget_unlearner_free(v);
    /* guard_rows=0: no rows kept, nothing guarded */
    forget_model *c = clone_of(m);
    forget_unlearner *w = prepared("relabel", c, D, "lr=3 guard_rows=0");
    ck_assert_double_eq(report_of(w, "guard_rows"), 0);
    size_t wl, dummy;
    unsigned char *wb = saved_state(w, &wl);
    ck_assert_ptr_null(find_section(wb, wl, "RGID", &dummy));
    ck_assert_int_eq(forget_unlearner_forget(w, F), FORGET_OK);
    ck_assert(accuracy_of(c, D) < accuracy_of(m, D) - 0.03);
    free(wb);
    free(cut);
    free(buf);
    free(s0);
    free(p0);
    forget_unlearner_free(w);
    forget_unlearner_free(u);
    forget_model_free(a);
    forget_model_free(b);
    forget_model_free(c);
    forget_dataset_free(F);
    forget_model_free(m);
    forget_dataset_free(D);
}
END_TEST

Suite *suite_guard(void)
{
    Suite *s = suite_create("guard");
    TCase *tc = tcase_create("guard");
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, fixture_init, fixture_shutdown);
    tcase_add_test(tc, refuses_what_costs_more);
    tcase_add_test(tc, newton_guarded_too);
    tcase_add_test(tc, rows_drawn_and_dropped);
    tcase_add_test(tc, saved_loaded_and_absent);
    suite_add_tcase(s, tc);
    return s;
}
