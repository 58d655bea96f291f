/* The fine-tuning engine's general rules (approx/tune.h): a term of
 * weight 0 changes nothing, a zero mask moves nothing, the l1 step
 * shrinks by its proximal rule, the clip bounds a step, a non-finite
 * result leaves the model as it was, soft targets equal to the model's
 * own outputs are a stationary point. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "approx/tune.h"
#include "approx/tuner.h"
#include "unlearner/unlearner.h"
#include "data/dataset.h"
#include "internal.h"
#include "model/model.h"

typedef struct bench {
    forget_dataset *R, *F;
    forget_model *m;
} bench;

static bench bench_make(void)
{
    bench b;
    forget_dataset *D = make_blobs(200, 5, 3, 4, 0);
    ck_assert_int_eq(forget_dataset_subset_class(&b.F, D, 1), FORGET_OK);
    ck_assert_int_eq(forget_dataset_complement(&b.R, D, b.F), FORGET_OK);
    forget_dataset_free(D);
    ck_assert_int_eq(forget_model_create(&b.m, "mlp", "layers=5-8-3 seed=2"),
                     FORGET_OK);
    return b;
}

static void bench_free(bench *b)
{
    forget_dataset_free(b->R);
    forget_dataset_free(b->F);
    forget_model_free(b->m);
}

static fg_tune_cfg cfg_sgd(double lr, double momentum)
{
    fg_tune_cfg c;
    memset(&c, 0, sizeof c);
    c.lr = lr;
    c.momentum = momentum;
    c.beta1 = 0.9;
    c.beta2 = 0.999;
    c.eps = 1e-8;
    c.seed = 5;
    return c;
}

static fg_tune_term term(const forget_dataset *ds, double w, uint64_t salt)
{
    fg_tune_term t;
    memset(&t, 0, sizeof t);
    t.ds = ds;
    t.n = forget_dataset_rows(ds);
    t.weight = w;
    t.batch = 16;
    t.salt = salt;
    return t;
}

/* Run steps on a copy of b's model; the copy's parameters (malloc'ed). */
static float *run_copy(const bench *b, const fg_tune_cfg *c,
                       fg_tune_term *terms, size_t n, size_t steps,
                       int expect, fg_tune_stats *st)
{
    forget_model *m = NULL;
    ck_assert_int_eq(forget_model_clone(&m, b->m), FORGET_OK);
    for (size_t i = 0; i < n; i++)
        ck_assert_int_eq(fg_tune_term_start(&terms[i], m, c), FORGET_OK);
    forget_run *run = NULL;
    ck_assert_int_eq(fg_tune_run(m, c, terms, n, steps, run, 0, 1, st),
                     expect);
    for (size_t i = 0; i < n; i++)
        fg_tune_term_free(&terms[i]);
    float *p = params_copy(m);
    forget_model_free(m);
    return p;
}

START_TEST(zero_weight_term_changes_nothing)
{
    bench b = bench_make();
    size_t P = forget_model_param_count(b.m);
    for (int adam = 0; adam < 2; adam++) {
        fg_tune_cfg c = cfg_sgd(0.05, 0.9);
        c.adam = adam;
        fg_tune_term two[2] = {term(b.R, 1.0, 1), term(b.F, 0.0, 2)};
        fg_tune_term one[1] = {term(b.R, 1.0, 1)};
        float *a = run_copy(&b, &c, two, 2, 25, FORGET_OK, NULL);
        float *o = run_copy(&b, &c, one, 1, 25, FORGET_OK, NULL);
        ck_assert_mem_eq(a, o, P * sizeof *a);
        /* only weight-0 terms: nothing moves at all */
        fg_tune_term none[2] = {term(b.R, 0.0, 1), term(b.F, 0.0, 2)};
        float *z = run_copy(&b, &c, none, 2, 10, FORGET_OK, NULL);
        float *p0 = params_copy(b.m);
        ck_assert_mem_eq(z, p0, P * sizeof *z);
        /* and a real term does move */
        ck_assert(memcmp(a, p0, P * sizeof *a) != 0);
        free(a);
        free(o);
        free(z);
        free(p0);
    }
    bench_free(&b);
}
END_TEST

START_TEST(mask_limits_what_moves)
{
    bench b = bench_make();
    size_t P = forget_model_param_count(b.m);
    unsigned char *mask = calloc(P, 1);
    float *p0 = params_copy(b.m);
    for (int adam = 0; adam < 2; adam++) {
        fg_tune_cfg c = cfg_sgd(0.05, 0.9);
        c.adam = adam;
        c.l1 = 0.1;
        c.mask = mask;
        memset(mask, 0, P);
        fg_tune_term t[2] = {term(b.R, 1.0, 1), term(b.F, -1.0, 2)};
        float *z = run_copy(&b, &c, t, 2, 20, FORGET_OK, NULL);
        ck_assert_mem_eq(z, p0, P * sizeof *z);
        /* every third parameter masked in: only those move */
        for (size_t i = 0; i < P; i += 3)
            mask[i] = 1;
        fg_tune_term u[2] = {term(b.R, 1.0, 1), term(b.F, -1.0, 2)};
        float *s = run_copy(&b, &c, u, 2, 20, FORGET_OK, NULL);
        size_t moved = 0;
        for (size_t i = 0; i < P; i++) {
            if (!mask[i])
                ck_assert(memcmp(&s[i], &p0[i], sizeof *s) == 0);
            moved += s[i] != p0[i];
        }
        ck_assert(moved > P / 6);
        free(z);
        free(s);
    }
    free(p0);
    free(mask);
    bench_free(&b);
}
END_TEST

/* With no gradient, l1's proximal step alone: |theta| falls by lr * l1_t
 * a step, to 0 and no further; with decay l1_t = l1 (1 - t / steps). */
START_TEST(l1_shrinks)
{
    bench b = bench_make();
    size_t P = forget_model_param_count(b.m), steps = 10;
    float *p0 = params_copy(b.m);
    for (int decay = 0; decay < 2; decay++) {
        fg_tune_cfg c = cfg_sgd(0.1, 0.0);
        c.l1 = 0.2;
        c.l1_decay = decay;
        fg_tune_term t[1] = {term(b.R, 0.0, 1)};
        fg_tune_stats st;
        float *p = run_copy(&b, &c, t, 1, steps, FORGET_OK, &st);
        double cut = 0.0;
        for (size_t k = 0; k < steps; k++)
            cut += c.lr * c.l1 *
                   (decay ? 1.0 - (double)k / (double)steps : 1.0);
        size_t zeroed = 0;
        for (size_t i = 0; i < P; i++) {
            double want = fabs(p0[i]) > cut ? fabs(p0[i]) - cut : 0.0;
            ck_assert_double_eq_tol(fabs(p[i]), want, 1e-5);
            ck_assert(p[i] == 0.0f || (p[i] > 0) == (p0[i] > 0));
            zeroed += p[i] == 0.0f && p0[i] != 0.0f;
        }
        ck_assert(zeroed > 0);
        ck_assert_uint_eq(st.zeroed, zeroed);
        ck_assert_uint_eq(st.steps, steps);
        free(p);
    }
    free(p0);
    bench_free(&b);
}
END_TEST

/* One SGD step without momentum moves theta by lr * g, |g| <= clip. */
START_TEST(clip_bounds_a_step)
{
    bench b = bench_make();
    size_t P = forget_model_param_count(b.m);
    float *p0 = params_copy(b.m);
    const double clips[] = {1e-3, 0.05, 1e6};
    for (int i = 0; i < 3; i++) {
        fg_tune_cfg c = cfg_sgd(0.5, 0.0);
        c.clip = clips[i];
        fg_tune_term t[1] = {term(b.F, -1.0, 2)};
        fg_tune_stats st;
        float *p = run_copy(&b, &c, t, 1, 1, FORGET_OK, &st);
        double sq = 0.0;
        for (size_t j = 0; j < P; j++)
            sq += ((double)p[j] - p0[j]) * ((double)p[j] - p0[j]);
        ck_assert_msg(sqrt(sq) <= c.lr * c.clip * (1 + 1e-4) + 1e-7,
                      "step %g > lr * clip %g", sqrt(sq), c.lr * c.clip);
        ck_assert_uint_eq(st.clipped, i < 2 ? 1 : 0);
        ck_assert_uint_eq(st.rows, 16);
        free(p);
    }
    free(p0);
    bench_free(&b);
}
END_TEST

/* Ascent without a clip at an absurd rate overflows: FORGET_E_NUMERIC
 * and the model as it was. */
START_TEST(non_finite_restores)
{
    bench b = bench_make();
    size_t P = forget_model_param_count(b.m);
    float *p0 = params_copy(b.m);
    fg_tune_cfg c = cfg_sgd(1e30, 0.9);
    fg_tune_term t[1] = {term(b.F, -1.0, 2)};
    float *p = run_copy(&b, &c, t, 1, 50, FORGET_E_NUMERIC, NULL);
    ck_assert_mem_eq(p, p0, P * sizeof *p);
    free(p);
    free(p0);
    bench_free(&b);
}
END_TEST

/* Soft targets: the model's own probabilities are a stationary point;
 * other targets pull the outputs towards them. */
START_TEST(soft_targets)
{
    bench b = bench_make();
    size_t n = forget_dataset_rows(b.F), k = 3, P = forget_model_param_count(b.m);
    float *probs = malloc(n * k * sizeof *probs);
    ck_assert_int_eq(forget_model_predict(b.m, b.F, probs, n * k), FORGET_OK);
    float *p0 = params_copy(b.m);
    fg_tune_cfg c = cfg_sgd(0.1, 0.0);
    fg_tune_term t[1] = {term(b.F, 1.0, 2)};
    t[0].soft = probs;
    float *p = run_copy(&b, &c, t, 1, 5, FORGET_OK, NULL);
    for (size_t i = 0; i < P; i++)
        ck_assert_float_eq_tol(p[i], p0[i], 1e-5f);
    free(p);
    /* uniform targets: the rows' outputs move towards uniform */
    for (size_t i = 0; i < n * k; i++)
        probs[i] = 1.0f / 3.0f;
    fg_tune_term u[1] = {term(b.F, 1.0, 2)};
    u[0].soft = probs;
    forget_model *m = NULL;
    ck_assert_int_eq(forget_model_clone(&m, b.m), FORGET_OK);
    ck_assert_int_eq(fg_tune_term_start(&u[0], m, &c), FORGET_OK);
    ck_assert_int_eq(fg_tune_run(m, &c, u, 1, 40, NULL, 0, 1, NULL),
                     FORGET_OK);
    fg_tune_term_free(&u[0]);
    float *q = malloc(n * k * sizeof *q);
    ck_assert_int_eq(forget_model_predict(m, b.F, q, n * k), FORGET_OK);
    double ent = 0.0;
    for (size_t i = 0; i < n * k; i++)
        ent -= q[i] * log(q[i] + 1e-12);
    ck_assert_msg(ent / (double)n > 1.0, "mean entropy %g", ent / (double)n);
    free(q);
    forget_model_free(m);
    free(probs);
    free(p0);
    bench_free(&b);
}
END_TEST

/* Terms refused before anything is allocated. */
START_TEST(terms_checked)
{
    bench b = bench_make();
    fg_tune_cfg c = cfg_sgd(0.1, 0.0);
    fg_tune_term t = term(b.R, 1.0, 1);
    int32_t *labels = calloc(t.n, sizeof *labels);
    labels[3] = 3;
    t.labels = labels;
    ck_assert_int_eq(fg_tune_term_start(&t, b.m, &c), FORGET_E_INVALID);
    ck_assert_ptr_null(t.order);
    t = term(b.R, NAN, 1);
    ck_assert_int_eq(fg_tune_term_start(&t, b.m, &c), FORGET_E_INVALID);
    size_t rows[2] = {0, 100000};
    t = term(b.R, 1.0, 1);
    t.rows = rows;
    t.n = 2;
    ck_assert_int_eq(fg_tune_term_start(&t, b.m, &c), FORGET_E_INVALID);
    free(labels);
    bench_free(&b);
}
END_TEST

/* A gate leaves rows at or past its loss out of the term's gradient: a
 * gate no row reaches changes nothing (bit for bit); a gate every row
 * is past moves nothing; in between, ascent stops short of where it
 * goes ungated. */
START_TEST(gate_stops_ascent)
{
    bench b = bench_make();
    size_t P = forget_model_param_count(b.m);
    fg_tune_cfg c = cfg_sgd(0.01, 0.0);
    fg_tune_stats st;
    fg_tune_term plain[2] = {term(b.R, 0.5, 1), term(b.F, -0.5, 2)};
    float *a = run_copy(&b, &c, plain, 2, 10, FORGET_OK, NULL);
    fg_tune_term wide[2] = {term(b.R, 0.5, 1), term(b.F, -0.5, 2)};
    /* p_y > e^-1e6 = 0: every row stays while no probability underflows
     * (a long ungated ascent does drive some to 0) */
    wide[1].gate = 1e6;
    float *w = run_copy(&b, &c, wide, 2, 10, FORGET_OK, &st);
    ck_assert_uint_eq(st.gated, 0);
    ck_assert_mem_eq(a, w, P * sizeof *a);
    /* the untrained model's loss is about ln 3 on every row: a gate of
     * 1e-6 leaves every forget row out, so only ascent terms = no move */
    fg_tune_term tight[1] = {term(b.F, -1.0, 2)};
    tight[0].gate = 1e-6;
    float *t = run_copy(&b, &c, tight, 1, 30, FORGET_OK, &st);
    float *p0 = params_copy(b.m);
    ck_assert_mem_eq(t, p0, P * sizeof *t);
    ck_assert_uint_eq(st.gated, 30 * 16);
    /* ascent alone at a gate of 2: the forget loss rises past ln 3 but
     * stays far below where the same ascent goes ungated (there it
     * diverges: FORGET_E_NUMERIC, or a loss far beyond) */
    double loss[2] = {INFINITY, INFINITY};
    c = cfg_sgd(0.05, 0.9);
    for (int gated = 0; gated < 2; gated++) {
        forget_model *m = NULL;
        ck_assert_int_eq(forget_model_clone(&m, b.m), FORGET_OK);
        fg_tune_term one[1] = {term(b.F, -1.0, 2)};
        one[0].gate = gated ? 2.0 : 0.0;
        ck_assert_int_eq(fg_tune_term_start(&one[0], m, &c), FORGET_OK);
        int rc = fg_tune_run(m, &c, one, 1, 60, NULL, 0, 1, &st);
        fg_tune_term_free(&one[0]);
        ck_assert(rc == FORGET_OK || (!gated && rc == FORGET_E_NUMERIC));
        if (rc == FORGET_OK)
            ck_assert_int_eq(forget_eval_loss(m, b.F, &loss[gated]),
                             FORGET_OK);
        if (gated)
            ck_assert_uint_gt(st.gated, 0);
        forget_model_free(m);
    }
    ck_assert_double_gt(loss[1], log(3.0));
    ck_assert_double_lt(loss[1], 0.5 * loss[0]);
    /* gates the engine refuses: negative, NaN, soft targets */
    fg_tune_term bad = term(b.F, -1.0, 2);
    bad.gate = -1.0;
    ck_assert_int_eq(fg_tune_term_start(&bad, b.m, &c), FORGET_E_INVALID);
    bad.gate = NAN;
    ck_assert_int_eq(fg_tune_term_start(&bad, b.m, &c), FORGET_E_INVALID);
    float *soft = calloc(bad.n * 3, sizeof *soft);
    for (size_t i = 0; i < bad.n; i++)
        soft[i * 3] = 1.0f;
    bad.gate = 1.0;
    bad.soft = soft;
    ck_assert_int_eq(fg_tune_term_start(&bad, b.m, &c), FORGET_E_INVALID);
    ck_assert_ptr_null(bad.order);
    free(soft);
    free(a);
    free(w);
    free(t);
    free(p0);
    bench_free(&b);
}
END_TEST

/* fg_tuner_apply (calibration's entry point) on a copy gives the bits
 * forget gives at that strength, and leaves the state as it was. */
START_TEST(apply_equals_forget)
{
    forget_dataset *D = make_blobs(300, 5, 3, 4, 0), *F = NULL;
    ck_assert_int_eq(forget_dataset_subset_class(&F, D, 1), FORGET_OK);
    const char *methods[] = {"finetune", "neggrad", "relabel"};
    for (int k = 0; k < 3; k++) {
        forget_model *m = NULL, *copy = NULL, *other = NULL;
        ck_assert_int_eq(forget_model_create(&m, "mlp", "layers=5-8-3 "
                                             "seed=2"), FORGET_OK);
        ck_assert_int_eq(forget_model_train(m, D, "epochs=2"), FORGET_OK);
        ck_assert_int_eq(forget_model_clone(&copy, m), FORGET_OK);
        ck_assert_int_eq(forget_model_clone(&other, m), FORGET_OK);
        forget_unlearner *u = prepared(methods[k], m, D, "");
        size_t n0, n1;
        unsigned char *s0 = saved_state(u, &n0);
        ck_assert_int_eq(fg_tuner_apply(u->state, F, 1.5, copy, NULL),
                         FORGET_OK);
        unsigned char *s1 = saved_state(u, &n1);
        ck_assert_uint_eq(n0, n1);
        ck_assert_mem_eq(s0, s1, n0);
        forget_unlearner *v = prepared(methods[k], other, D, "epochs=1.5");
        ck_assert_int_eq(forget_unlearner_forget(v, F), FORGET_OK);
        unsigned char da[32], db[32], dm[32];
        forget_model_digest(copy, da);
        forget_model_digest(other, db);
        forget_model_digest(m, dm);
        ck_assert_mem_eq(da, db, 32);
        ck_assert_msg(memcmp(da, dm, 32) != 0, "%s: apply changed nothing",
                      methods[k]);
        free(s0);
        free(s1);
        forget_unlearner_free(u);
        forget_unlearner_free(v);
        forget_model_free(m);
        forget_model_free(copy);
        forget_model_free(other);
    }
    forget_dataset_free(F);
    forget_dataset_free(D);
}
END_TEST

Suite *suite_tune_engine(void)
{
    Suite *s = suite_create("tune_engine");
    TCase *tc = tcase_create("tune_engine");
    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, fixture_init, fixture_shutdown);
    tcase_add_test(tc, zero_weight_term_changes_nothing);
    tcase_add_test(tc, mask_limits_what_moves);
    tcase_add_test(tc, l1_shrinks);
    tcase_add_test(tc, clip_bounds_a_step);
    tcase_add_test(tc, non_finite_restores);
    tcase_add_test(tc, soft_targets);
    tcase_add_test(tc, terms_checked);
    tcase_add_test(tc, gate_stops_ascent);
    tcase_add_test(tc, apply_equals_forget);
    suite_add_tcase(s, tc);
    return s;
}
