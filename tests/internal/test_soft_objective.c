/* The kit's gradient pass over rows given as arrays (fg_model_grad_rows):
 * the soft cross-entropy's gradient against finite differences, and the
 * labelled pass the same as the dataset pass it stands for. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"
#include "data/dataset.h"
#include "internal.h"
#include "model/model.h"

/* Sum over n rows of the objective, and its gradient into g (may be
 * NULL). */
static double soft_loss(const forget_model *m, const float *x,
                        const int32_t *labels, const float *t, size_t n,
                        int objective, float *g)
{
    fg_workspace ws = {NULL, 0}, zws = {NULL, 0};
    float *acc = g ? g : calloc(m->n_params, sizeof *acc);
    double loss = 0.0;
    ck_assert_int_eq(fg_model_grad_rows(m, &ws, &zws, x, labels, t, n,
                                        objective, FG_ACC_GRAD, 1.0f, acc,
                                        &loss), FORGET_OK);
    if (g == NULL)
        free(acc);
    fg_workspace_free(&ws);
    fg_workspace_free(&zws);
    return loss;
}

/* Random probability rows (n x k), seeded. */
static float *soft_targets(size_t n, size_t k, unsigned seed)
{
    float *t = malloc(n * k * sizeof *t);
    srand(seed);
    for (size_t i = 0; i < n; i++) {
        double s = 0.0;
        for (size_t j = 0; j < k; j++)
            s += t[i * k + j] = (float)(0.05 + rand() / (double)RAND_MAX);
        for (size_t j = 0; j < k; j++)
            t[i * k + j] = (float)(t[i * k + j] / s);
    }
    return t;
}

START_TEST(soft_gradient_matches_finite_differences)
{
    const char *specs[][2] = {
        {"mlp", "layers=5-7-6-3 act=tanh seed=2"},
        {"mlp", "layers=5-7-6-3 act=relu seed=3"},
        {"linear", "inputs=5 outputs=3 seed=4"},
    };
    forget_dataset *ds = make_blobs(7, 5, 3, 21, 0);
    for (int s = 0; s < 3; s++) {
        forget_model *m = NULL;
        ck_assert_int_eq(forget_model_create(&m, specs[s][0], specs[s][1]),
                         FORGET_OK);
        float *t = soft_targets(ds->n, 3, 10u + (unsigned)s);
        float *g = calloc(m->n_params, sizeof *g);
        soft_loss(m, ds->x, NULL, t, ds->n, FG_OBJ_SOFT, g);
        const float h = 1e-3f;
        size_t bad = 0;
        double worst = 0.0;
        for (size_t i = 0; i < m->n_params; i++) {
            float keep = m->theta[i];
            m->theta[i] = keep + h;
            double up = soft_loss(m, ds->x, NULL, t, ds->n, FG_OBJ_SOFT, NULL);
            m->theta[i] = keep - h;
            double down =
                soft_loss(m, ds->x, NULL, t, ds->n, FG_OBJ_SOFT, NULL);
            m->theta[i] = keep;
            double fd = (up - down) / (2.0 * h);
            double err = fabs(fd - g[i]) / fmax(1.0, fabs(fd));
            worst = fmax(worst, err);
            bad += err > 1e-2;
        }
        ck_assert_msg(bad == 0, "%s: %zu of %zu parameters off, worst %.3g",
                      specs[s][1], bad, m->n_params, worst);
        free(g);
        free(t);
        forget_model_free(m);
    }
    forget_dataset_free(ds);
}
END_TEST

/* One-hot soft targets are the hard labels: the same loss and gradient;
 * the soft loss of a target equal to the model's own output is its
 * entropy, and its gradient 0. */
START_TEST(soft_one_hot_is_cross_entropy)
{
    forget_dataset *ds = make_blobs(30, 4, 3, 5, 0);
    forget_model *m = NULL;
    ck_assert_int_eq(forget_model_create(&m, "mlp",
                                         "layers=4-6-3 act=tanh seed=9"),
                     FORGET_OK);
    size_t n = ds->n, k = 3, P = m->n_params;
    float *t = calloc(n * k, sizeof *t);
    for (size_t i = 0; i < n; i++)
        t[i * k + (size_t)ds->labels[i]] = 1.0f;
    float *ga = calloc(P, sizeof *ga), *gb = calloc(P, sizeof *gb);
    double la = soft_loss(m, ds->x, NULL, t, n, FG_OBJ_SOFT, ga);
    double lb = soft_loss(m, ds->x, ds->labels, NULL, n, FG_OBJ_LOSS, gb);
    ck_assert_double_eq_tol(la, lb, 1e-4 * fabs(lb));
    for (size_t i = 0; i < P; i++)
        ck_assert_float_eq_tol(ga[i], gb[i], 1e-4f * fmaxf(1.0f, fabsf(gb[i])));
    /* the model's own probabilities as targets: a stationary point */
    fg_workspace ws = {NULL, 0};
    ck_assert_int_eq(fg_model_predict(m, &ws, ds->x, n, t), FORGET_OK);
    memset(ga, 0, P * sizeof *ga);
    soft_loss(m, ds->x, NULL, t, n, FG_OBJ_SOFT, ga);
    for (size_t i = 0; i < P; i++)
        ck_assert_float_eq_tol(ga[i], 0.0f, 1e-4f);
    fg_workspace_free(&ws);
    free(ga);
    free(gb);
    free(t);
    forget_model_free(m);
    forget_dataset_free(ds);
}
END_TEST

/* Labels other than the data's: the array pass with labels L equals the
 * dataset pass over a copy of the rows relabelled L. */
START_TEST(given_labels_are_used)
{
    forget_dataset *ds = make_blobs(40, 4, 3, 6, 0);
    forget_model *m = NULL;
    ck_assert_int_eq(forget_model_create(&m, "linear",
                                         "inputs=4 outputs=3 seed=1"),
                     FORGET_OK);
    size_t n = ds->n, P = m->n_params;
    int32_t *lab = malloc(n * sizeof *lab);
    for (size_t i = 0; i < n; i++)
        lab[i] = (ds->labels[i] + 1 + (int32_t)(i % 2)) % 3;
    forget_dataset *re = NULL;
    ck_assert_int_eq(forget_dataset_create(&re, n, 4, ds->x, lab, NULL),
                     FORGET_OK);
    float *ga = calloc(P, sizeof *ga), *gb = calloc(P, sizeof *gb);
    double la = soft_loss(m, ds->x, lab, NULL, n, FG_OBJ_LOSS, ga), lb = 0.0;
    ck_assert_int_eq(fg_model_accumulate(m, NULL, re, 0, n, FG_OBJ_LOSS,
                                         FG_ACC_GRAD, 1.0f, gb, &lb),
                     FORGET_OK);
    ck_assert(la == lb);
    ck_assert(memcmp(ga, gb, P * sizeof *ga) == 0);
    free(ga);
    free(gb);
    free(lab);
    forget_dataset_free(re);
    forget_model_free(m);
    forget_dataset_free(ds);
}
END_TEST

Suite *suite_soft_objective(void)
{
    Suite *s = suite_create("soft_objective");
    TCase *tc = tcase_create("soft_objective");
    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, fixture_init, fixture_shutdown);
    tcase_add_test(tc, soft_gradient_matches_finite_differences);
    tcase_add_test(tc, soft_one_hot_is_cross_entropy);
    tcase_add_test(tc, given_labels_are_used);
    suite_add_tcase(s, tc);
    return s;
}
