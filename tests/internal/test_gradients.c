/* The gradients every method relies on: finite-difference checks for each
 * layer, activation, loss and objective, and the one-GEMM sums of squared
 * and absolute per-row gradients against a brute-force per-row loop. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"
#include "data/dataset.h"
#include "internal.h"
#include "model/model.h"

static forget_model *model(const char *kind, const char *params)
{
    forget_model *m = NULL;
    ck_assert_msg(forget_model_create(&m, kind, params) == FORGET_OK, "%s",
                  forget_last_error());
    return m;
}

/* Sum over the rows of the objective, in double. */
static double objective_sum(const forget_model *m, const forget_dataset *ds,
                            int objective)
{
    size_t n = ds->n, k = m->outputs;
    float *z = malloc(n * k * sizeof *z), *loss = malloc(n * sizeof *loss);
    fg_workspace ws = {NULL, 0};
    ck_assert_int_eq(m->ops->forward(m, &ws, ds->x, n, z), FORGET_OK);
    fg_objective(m->task, objective, z, n, k, ds->labels, ds->targets, loss,
                 NULL);
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += loss[i];
    fg_workspace_free(&ws);
    free(z);
    free(loss);
    return s;
}

static float *gradient(const forget_model *m, const forget_dataset *ds,
                       size_t begin, size_t end, int objective, int mode)
{
    float *g = calloc(m->n_params, sizeof *g);
    ck_assert_int_eq(fg_model_accumulate(m, NULL, ds, begin, end, objective,
                                         mode, 1.0f, g, NULL), FORGET_OK);
    return g;
}

/* Central differences on every parameter; the analytic gradient must agree
 * to 1% (relative to the larger of 1 and its size) on all of them. */
static void check_fd(forget_model *m, const forget_dataset *ds, int objective,
                     const char *what)
{
    float *g = gradient(m, ds, 0, ds->n, objective, FG_ACC_GRAD);
    const float h = 1e-3f;
    size_t bad = 0;
    double worst = 0.0;
    for (size_t i = 0; i < m->n_params; i++) {
        float keep = m->theta[i];
        m->theta[i] = keep + h;
        double up = objective_sum(m, ds, objective);
        m->theta[i] = keep - h;
        double down = objective_sum(m, ds, objective);
        m->theta[i] = keep;
        double fd = (up - down) / (2.0 * h);
        double err = fabs(fd - g[i]) / fmax(1.0, fabs(fd));
        worst = fmax(worst, err);
        bad += err > 1e-2;
    }
    ck_assert_msg(bad == 0, "%s: %zu of %zu parameters off, worst %.3g", what,
                  bad, m->n_params, worst);
    free(g);
}

START_TEST(finite_differences)
{
    forget_dataset *cls = make_blobs(6, 5, 3, 21, 0);
    const char *specs[][2] = {
        {"mlp", "layers=5-7-6-3 act=tanh seed=2"},
        {"mlp", "layers=5-7-6-3 act=relu seed=3"},
        {"linear", "inputs=5 outputs=3 seed=4"},
    };
    for (int i = 0; i < 3; i++) {
        forget_model *m = model(specs[i][0], specs[i][1]);
        check_fd(m, cls, FG_OBJ_LOSS, specs[i][1]);
        check_fd(m, cls, FG_OBJ_LOGIT_NORM, specs[i][1]);
        forget_model_free(m);
    }
    /* Regression (MSE over 2 targets). */
    float x[12], t[8];
    for (int i = 0; i < 12; i++)
        x[i] = (float)sin(i * 1.3);
    for (int i = 0; i < 8; i++)
        t[i] = (float)cos(i * 0.7);
    forget_dataset *reg = NULL;
    ck_assert_int_eq(forget_dataset_create_regression(&reg, 4, 3, x, t, 2,
                                                      NULL), FORGET_OK);
    forget_model *m = model("mlp", "layers=3-8-2 act=tanh task=regression");
    check_fd(m, reg, FG_OBJ_LOSS, "regression mlp");
    forget_model_free(m);
    m = model("linear", "inputs=3 outputs=2 task=regression");
    check_fd(m, reg, FG_OBJ_LOSS, "regression linear");
    forget_model_free(m);
    forget_dataset_free(reg);
    forget_dataset_free(cls);
}
END_TEST

/* sum_i g_i^2 and sum_i |g_i| from one pass equal a loop over rows. */
static void check_per_row_sums(const forget_model *m, const forget_dataset *ds,
                               int objective, const char *what)
{
    size_t p = m->n_params;
    double *sq = calloc(p, sizeof *sq), *ab = calloc(p, sizeof *ab);
    for (size_t r = 0; r < ds->n; r++) {
        float *g = gradient(m, ds, r, r + 1, objective, FG_ACC_GRAD);
        for (size_t i = 0; i < p; i++) {
            sq[i] += (double)g[i] * g[i];
            ab[i] += fabs((double)g[i]);
        }
        free(g);
    }
    float *fsq = gradient(m, ds, 0, ds->n, objective, FG_ACC_SQ);
    float *fab = gradient(m, ds, 0, ds->n, objective, FG_ACC_ABS);
    for (size_t i = 0; i < p; i++) {
        ck_assert_msg(fabs(fsq[i] - sq[i]) <= 1e-4 * fmax(1e-3, sq[i]),
                      "%s: squared, parameter %zu: %g vs %g", what, i,
                      (double)fsq[i], sq[i]);
        ck_assert_msg(fabs(fab[i] - ab[i]) <= 1e-4 * fmax(1e-3, ab[i]),
                      "%s: absolute, parameter %zu: %g vs %g", what, i,
                      (double)fab[i], ab[i]);
    }
    free(fsq);
    free(fab);
    free(sq);
    free(ab);
}

START_TEST(per_row_sums_equal_brute_force)
{
    /* 1500 rows: more than one chunk of 1024. */
    forget_dataset *ds = make_blobs(1500, 6, 4, 33, 0);
    const char *specs[][2] = {
        {"mlp", "layers=6-9-7-4 act=relu seed=5"},
        {"mlp", "layers=6-5-4 act=tanh seed=6"},
        {"linear", "inputs=6 outputs=4"},
    };
    for (int i = 0; i < 3; i++) {
        forget_model *m = model(specs[i][0], specs[i][1]);
        check_per_row_sums(m, ds, FG_OBJ_LOSS, specs[i][1]);
        check_per_row_sums(m, ds, FG_OBJ_LOGIT_NORM, specs[i][1]);
        forget_model_free(m);
    }
    /* A host model (per-row gradients from its callback). */
    host_lr_shape shape = {6, 4, 0, 0};
    float init[28];
    for (int i = 0; i < 28; i++)
        init[i] = (float)sin(i);
    forget_model *hm = make_host_lr(&shape, init);
    check_per_row_sums(hm, ds, FG_OBJ_LOSS, "host");
    /* ... and the same numbers as the built-in linear model. */
    forget_model *lin = model("linear", "inputs=6 outputs=4");
    memcpy(lin->theta, init, sizeof init);
    float *a = gradient(hm, ds, 0, ds->n, FG_OBJ_LOSS, FG_ACC_SQ);
    float *b = gradient(lin, ds, 0, ds->n, FG_OBJ_LOSS, FG_ACC_SQ);
    for (int i = 0; i < 28; i++)
        ck_assert_float_eq_tol(a[i], b[i], 1e-4f * fmaxf(1.0f, fabsf(b[i])));
    free(a);
    free(b);
    forget_model_free(lin);
    forget_model_free(hm);
    forget_dataset_free(ds);
}
END_TEST

Suite *suite_gradients(void)
{
    Suite *s = suite_create("gradients");
    TCase *tc = tcase_create("gradients");
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, fixture_init, fixture_shutdown);
    tcase_add_test(tc, finite_differences);
    tcase_add_test(tc, per_row_sums_equal_brute_force);
    suite_add_tcase(s, tc);
    return s;
}
