/* newton's line search: a step that raises the retained objective is
 * damped (t = 1/2, 1/4, ...) or refused. The objective is computed here
 * from the model's predictions (mean cross-entropy over the retained rows
 * + weight_decay/2 ||theta||^2), not taken from the report: an accepted
 * request never leaves it higher than before, the report's figures are
 * the test's, a full step that raised it shows as t < 1, and a refused
 * request leaves the model and the state bit-identical. Linear models far
 * from their optimum (their full Newton step overshoots) and untrained or
 * trained mlps, with every row kept so that the objective is over rows
 * the test knows. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

typedef struct data {
    size_t n, d, k;
    float *x;
    int32_t *y;
    uint64_t *ids;
    forget_dataset *D;
} data;

static double unit(uint64_t *s)
{
    return (double)(test_splitmix(s) >> 11) * (1.0 / 9007199254740992.0);
}

static double gauss(uint64_t *s)
{
    double u = unit(s) + 1e-300, v = unit(s);
    return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

/* n rows of d Gaussian features, labels by a noisy random linear rule
 * over k classes (they overlap). */
static data make_data(size_t n, size_t d, size_t k, uint64_t seed)
{
    data t = {n, d, k, NULL, NULL, NULL, NULL};
    uint64_t s = seed;
    t.x = malloc(n * d * sizeof *t.x);
    t.y = malloc(n * sizeof *t.y);
    t.ids = malloc(n * sizeof *t.ids);
    double w[4][8];
    for (size_t c = 0; c < k; c++)
        for (size_t j = 0; j < d; j++)
            w[c][j] = gauss(&s);
    for (size_t i = 0; i < n; i++) {
        double best = -1e300;
        for (size_t j = 0; j < d; j++)
            t.x[i * d + j] = (float)gauss(&s);
        for (size_t c = 0; c < k; c++) {
            double z = gauss(&s);
            for (size_t j = 0; j < d; j++)
                z += w[c][j] * t.x[i * d + j];
            if (z > best) {
                best = z;
                t.y[i] = (int32_t)c;
            }
        }
        t.ids[i] = 500 + 3 * i;
    }
    ck_assert_int_eq(forget_dataset_create(&t.D, n, d, t.x, t.y, t.ids),
                     FORGET_OK);
    return t;
}

static void data_free(data *t)
{
    free(t->x);
    free(t->y);
    free(t->ids);
    forget_dataset_free(t->D);
}

/* The retained objective at the model's parameters, over ds: for the
 * linear kind in float64 from its parameters (W row-major, then b), for
 * others from the float32 probabilities. */
static double objective(const forget_model *m, const forget_dataset *ds,
                        double lambda)
{
    size_t n = forget_dataset_rows(ds), k = forget_model_outputs(m);
    size_t d = forget_model_inputs(m), P = forget_model_param_count(m);
    const int32_t *y = forget_dataset_labels(ds);
    float *prob = malloc(n * k * sizeof *prob), *th = params_copy(m);
    float *x = malloc(n * d * sizeof *x);
    ck_assert_int_eq(forget_model_predict(m, ds, prob, n * k), FORGET_OK);
    ck_assert_int_eq(forget_dataset_copy_rows(ds, 0, n, x, n * d), FORGET_OK);
    int linear = strcmp(forget_model_kind(m), "linear") == 0;
    double loss = 0.0, sq = 0.0;
    for (size_t i = 0; i < n; i++) {
        if (!linear) {
            loss -= log(fmax((double)prob[i * k + (size_t)y[i]], 1e-300));
            continue;
        }
        double z[8], mx = -1e300, sum = 0.0;
        for (size_t c = 0; c < k; c++) {
            z[c] = th[k * d + c];
            for (size_t j = 0; j < d; j++)
                z[c] += (double)th[c * d + j] * x[i * d + j];
            mx = fmax(mx, z[c]);
        }
        for (size_t c = 0; c < k; c++)
            sum += exp(z[c] - mx);
        loss += mx + log(sum) - z[y[i]];
    }
    for (size_t i = 0; i < P; i++)
        sq += (double)th[i] * th[i];
    free(prob);
    free(th);
    free(x);
    return loss / (double)n + 0.5 * lambda * sq;
}

static double report(const forget_unlearner *u, const char *key)
{
    double v = -1;
    ck_assert_msg(forget_report_get(forget_unlearner_report(u), key, &v) ==
                      FORGET_OK, "no report key %s", key);
    return v;
}

typedef struct tally {
    int damped, refused, full;
} tally;

/* Forget rows [0, m) of t from model mo (newton with params), and check
 * the outcome: refused, bit-identical; accepted, the objective not
 * higher. rel: the test's objective against the report's (0: the
 * method's is over a sample, unknown here: only the report is read). */
static void request(forget_model *mo, const data *t, size_t m, double lambda,
                    const char *params, double rel, tally *c)
{
    forget_unlearner *u = prepared("newton", mo, t->D, params);
    forget_dataset *f = NULL, *rest = NULL;
    ck_assert_int_eq(forget_dataset_subset_ids(&f, t->D, t->ids, m),
                     FORGET_OK);
    ck_assert_int_eq(forget_dataset_complement(&rest, t->D, f), FORGET_OK);
    size_t l0 = 0, l1 = 0, P = forget_model_param_count(mo);
    unsigned char *s0 = saved_state(u, &l0);
    float *p0 = params_copy(mo);
    double j0 = objective(mo, rest, lambda);
    int rc = forget_unlearner_forget(u, f);
    if (getenv("NEWTON_VERBOSE"))
        fprintf(stderr, "%s m=%zu: rc %d J %.6g -> %.6g (full %.6g) t %g "
                "%s\n", params, m, rc, j0, objective(mo, rest, lambda),
                rc ? -1 : report(u, "objective_full_step"),
                rc ? -1 : report(u, "step_fraction"),
                rc ? forget_last_error() : "");
    if (rc != FORGET_OK) {
        ck_assert_msg(rc == FORGET_E_NUMERIC, "%d %s", rc, forget_last_error());
        ck_assert(strstr(forget_last_error(), "raises the retained "
                         "objective") != NULL);
        unsigned char *s1 = saved_state(u, &l1);
        float *p1 = params_copy(mo);
        ck_assert(l0 == l1 && !memcmp(s0, s1, l0));
        ck_assert(!memcmp(p0, p1, P * sizeof *p1));
        free(s1);
        free(p1);
        c->refused++;
    } else {
        double j1 = objective(mo, rest, lambda);
        double frac = report(u, "step_fraction");
        double before = report(u, "objective_before");
        double after = report(u, "objective_after");
        double full = report(u, "objective_full_step");
        if (rel > 0) {
            ck_assert_msg(j1 <= j0 * (1 + 1e-6), "J %.9g -> %.9g", j0, j1);
            ck_assert_msg(fabs(before - j0) <= rel * j0, "%.9g vs %.9g",
                          before, j0);
            ck_assert_msg(fabs(after - j1) <= rel * j1, "%.9g vs %.9g", after,
                          j1);
        }
        ck_assert(after <= before * (1 + 2e-7));
        ck_assert(frac == 1 || frac == 0.5 || frac == 0.25 ||
                  frac == 0.125 || frac == 0.0625 || frac == 0.03125);
        /* a full step that rose is not taken whole */
        if (full > before * (1 + 1e-6))
            ck_assert(frac < 1);
        if (frac < 1) {
            ck_assert(full > before);
            c->damped++;
        } else {
            c->full++;
        }
    }
    free(s0);
    free(p0);
    forget_dataset_free(f);
    forget_dataset_free(rest);
    forget_unlearner_free(u);
}

/* A linear model with large random parameters: the logistic loss is
 * saturated, the Hessian nearly flat along the rows, and the full Newton
 * step on the retained objective overshoots; the search damps it. */
START_TEST(linear_far_from_the_optimum_is_damped)
{
    tally c = {0, 0, 0};
    for (uint64_t seed = 1; seed <= 6; seed++) {
        data t = make_data(200, 4, 3, seed * 7);
        forget_model *m = NULL;
        ck_assert_int_eq(forget_model_create(&m, "linear", "inputs=4 "
                                             "outputs=3"), FORGET_OK);
        size_t P = forget_model_param_count(m);
        float *th = malloc(P * sizeof *th);
        uint64_t s = seed;
        for (size_t i = 0; i < P; i++)
            th[i] = (float)(4.0 * gauss(&s));
        ck_assert_int_eq(forget_model_set_params(m, th, P), FORGET_OK);
        request(m, &t, 5, 1e-3, "weight_decay=0.001 preconditioner=diagonal",
                1e-9, &c);
        free(th);
        forget_model_free(m);
        data_free(&t);
    }
    ck_assert_msg(c.damped > 0, "damped %d refused %d full %d", c.damped,
                  c.refused, c.full);
}
END_TEST

/* mlps, trained by full-batch descent, every row kept (the exact
 * gradient: the test knows the objective): accepted steps lower it. And
 * untrained ones with the default budget (the gradient's influence form
 * assumes a trained model): their steps raise the budget's objective
 * whatever their length and are refused. */
START_TEST(mlp_steps_lower_the_objective_or_are_refused)
{
    tally c = {0, 0, 0}, u = {0, 0, 0};
    const char *train = "epochs=200 batch=300 lr=0.1 momentum=0.9 "
                        "weight_decay=0.01 shuffle=false";
    for (uint64_t seed = 1; seed <= 3; seed++)
        for (int trained = 0; trained < 2; trained++) {
            data t = make_data(trained ? 300 : 1000, 5, 3, seed * 13 + 1);
            forget_model *m = NULL;
            char mp[64];
            snprintf(mp, sizeof mp, "layers=5-8-3 act=tanh seed=%u",
                     (unsigned)seed);
            ck_assert_int_eq(forget_model_create(&m, "mlp", mp), FORGET_OK);
            if (trained)
                ck_assert_int_eq(forget_model_train(m, t.D, train),
                                 FORGET_OK);
            if (trained)
                request(m, &t, 30, 0.01, "weight_decay=0.01 damping=0.001 "
                        "retain_budget=1e15", 1e-5, &c);
            else
                request(m, &t, 100, 0.01, "weight_decay=0.01 damping=0.001",
                        0, &u);
            forget_model_free(m);
            data_free(&t);
        }
    ck_assert_msg(c.refused == 0 && c.full > 0, "damped %d refused %d full "
                  "%d", c.damped, c.refused, c.full);
    ck_assert_msg(u.refused > 0, "damped %d refused %d full %d", u.damped,
                  u.refused, u.full);
}
END_TEST

Suite *suite_newton_search(void)
{
    Suite *s = suite_create("newton_search");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, fixture_init, fixture_shutdown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, linear_far_from_the_optimum_is_damped);
    tcase_add_test(tc, mlp_steps_lower_the_objective_or_are_refused);
    suite_add_tcase(s, tc);
    return s;
}
