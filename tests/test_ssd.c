/* The ssd method through the public API: the dampening rule on a model
 * whose gradients are known by construction, requests that must be
 * refused without changing anything, the alpha ceiling, save/load, and the
 * model kinds it works on. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

/* A host "probe" model with one output fixed at 1: under loss=free the
 * objective is out^2, its gradient with respect to the output is 2, and
 * backward makes the per-row gradient of parameter j equal 2 * x_j. So the
 * importance of parameter j is the mean of |2 x_j| over the rows. */
static int probe_forward(const float *p, const float *x, size_t n, float *out,
                         void *u)
{
    (void)p, (void)x, (void)u;
    for (size_t i = 0; i < n; i++)
        out[i] = 1.0f;
    return FORGET_OK;
}

static int probe_backward(const float *p, const float *x, const float *dout,
                          size_t n, float *grads, void *u)
{
    size_t d = *(const size_t *)u;
    (void)p;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < d; j++)
            grads[i * d + j] = dout[i] * x[i * d + j];
    return FORGET_OK;
}

static forget_model *probe_model(size_t *d, const float *theta)
{
    forget_host_model h;
    memset(&h, 0, sizeof h);
    h.struct_size = sizeof h;
    h.task = FORGET_TASK_REGRESSION;
    h.inputs = *d;
    h.outputs = 1;
    h.n_params = *d;
    h.params = theta;
    h.forward = probe_forward;
    h.backward = probe_backward;
    h.user_data = d;
    forget_model *m = NULL;
    ck_assert_int_eq(forget_model_create_host(&m, &h), FORGET_OK);
    return m;
}

static forget_dataset *rows_of(const float *x, size_t n, size_t d,
                               uint64_t id0)
{
    float t[16] = {0};
    uint64_t ids[16];
    for (size_t i = 0; i < n; i++)
        ids[i] = id0 + i;
    forget_dataset *ds = NULL;
    ck_assert_int_eq(forget_dataset_create_regression(&ds, n, d, x, t, 1, ids),
                     FORGET_OK);
    return ds;
}

/* D = 4 rows, F = its last row. Per-parameter |x| (so I = 2 mean|x|):
 *   param:    0    1    2    3
 *   rows 0-2: 1    1    0    2
 *   row 3:    1    9    4    2      (F)
 * full:   I_F = 2(1, 9, 4, 2), I_D = 2(1, 3, 1, 2)
 * retain: I_R = 2(1, 1, 0, 2)
 * alpha 2, lambda 1, exponent 1: full selects 1 (9 > 6) and 2 (4 > 2),
 * factors 3/9 and 1/4; retain selects 1 (9 > 2, factor 1/9) and 2 (I_R =
 * 0: factor 0). */
START_TEST(dampening_rule_by_hand)
{
    const float x[16] = {1, 1, 0, 2, -1, 1, 0, -2, 1, -1, 0, 2, 1, 9, 4, 2};
    const float theta[4] = {10, 20, 30, 40};
    size_t d = 4;
    const char *params[2] = {"loss=free reference=full alpha=2",
                             "loss=free reference=retain alpha=2"};
    const float want[2][4] = {{10, 20.0f / 3.0f, 7.5f, 40},
                              {10, 20.0f / 9.0f, 0, 40}};
    for (int k = 0; k < 2; k++) {
        forget_model *m = probe_model(&d, theta);
        forget_dataset *D = rows_of(x, 4, 4, 0), *F = NULL;
        uint64_t id = 3;
        ck_assert_int_eq(forget_dataset_subset_ids(&F, D, &id, 1), FORGET_OK);
        forget_unlearner *u = NULL;
        ck_assert_int_eq(forget_unlearner_create(&u, "ssd", m, params[k]),
                         FORGET_OK);
        ck_assert_int_eq(forget_unlearner_prepare(u, D), FORGET_OK);
        ck_assert_int_eq(forget_unlearner_forget(u, F), FORGET_OK);
        float got[4];
        forget_model_get_params(m, got, 4);
        for (int i = 0; i < 4; i++)
            ck_assert_float_eq_tol(got[i], want[k][i], 1e-5f);
        double v;
        const forget_report *r = forget_unlearner_report(u);
        ck_assert_int_eq(forget_report_get(r, "dampened", &v), FORGET_OK);
        ck_assert_double_eq(v, 2);
        ck_assert_int_eq(forget_report_get(r, "dampened.host", &v), FORGET_OK);
        ck_assert_double_eq(v, 2);
        if (k == 0) {
            ck_assert_int_eq(forget_report_get(r, "alpha_ceiling", &v),
                             FORGET_OK);
            ck_assert_double_eq(v, 4.0);
        }
        forget_unlearner_free(u);
        forget_dataset_free(F);
        forget_dataset_free(D);
        forget_model_free(m);
    }
}
END_TEST

/* lambda and exponent: factor min((lambda I_ref / I_F)^exponent, 1). */
START_TEST(lambda_and_exponent)
{
    const float x[16] = {1, 1, 0, 2, -1, 1, 0, -2, 1, -1, 0, 2, 1, 9, 4, 2};
    const float theta[4] = {10, 20, 30, 40};
    size_t d = 4;
    forget_model *m = probe_model(&d, theta);
    forget_dataset *D = rows_of(x, 4, 4, 0), *F = NULL;
    uint64_t id = 3;
    ck_assert_int_eq(forget_dataset_subset_ids(&F, D, &id, 1), FORGET_OK);
    forget_unlearner *u = NULL;
    ck_assert_int_eq(forget_unlearner_create(&u, "ssd", m, "loss=free "
                     "reference=full alpha=1.5 lambda=2 exponent=2"),
                     FORGET_OK);
    ck_assert_int_eq(forget_unlearner_prepare(u, D), FORGET_OK);
    ck_assert_int_eq(forget_unlearner_forget(u, F), FORGET_OK);
    float got[4];
    forget_model_get_params(m, got, 4);
    /* param 1: (2*3/9)^2 = 4/9; param 2: (2*1/4)^2 = 1/4 */
    ck_assert_float_eq_tol(got[0], 10, 1e-5f);
    ck_assert_float_eq_tol(got[1], 20.0f * 4 / 9, 1e-4f);
    ck_assert_float_eq_tol(got[2], 7.5f, 1e-5f);
    ck_assert_float_eq_tol(got[3], 40, 1e-5f);
    forget_unlearner_free(u);
    forget_dataset_free(F);
    forget_dataset_free(D);
    forget_model_free(m);
}
END_TEST

/* blobs, class 2 forgotten, 3 epochs (helpers.h) */
static fixture trained(const char *kind, const char *params)
{
    return fixture_make(kind, params, 8, "epochs=3 batch=32");
}

START_TEST(refusals_change_nothing)
{
    fixture f = trained("mlp", "layers=6-12-4");
    forget_unlearner *u = NULL;
    ck_assert_int_eq(forget_unlearner_create(&u, "ssd", f.m, "alpha=2"),
                     FORGET_OK);
    ck_assert_int_eq(forget_unlearner_forget(u, f.F), FORGET_E_STATE);
    ck_assert_int_eq(forget_unlearner_prepare(u, f.D), FORGET_OK);
    size_t n0, n1;
    unsigned char *s0 = saved_state(u, &n0);
    float *p0 = params_copy(f.m);
    size_t P = forget_model_param_count(f.m);

    /* Ids not in D. */
    forget_dataset *stranger = make_blobs(3, 6, 4, 1, 90000);
    ck_assert_int_eq(forget_unlearner_forget(u, stranger), FORGET_E_NOT_FOUND);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "90000"));
    /* Wrong dimensions. */
    forget_dataset *wide = make_blobs(3, 7, 4, 1, 0);
    ck_assert_int_eq(forget_unlearner_forget(u, wide), FORGET_E_INVALID);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "7 features"));
    /* Empty. */
    forget_dataset *empty = NULL;
    ck_assert_int_eq(forget_dataset_slice(&empty, f.D, 0, 0), FORGET_OK);
    ck_assert_int_eq(forget_unlearner_forget(u, empty), FORGET_E_INVALID);
    /* None of the refusals changed the state or the model. */
    forget_unlearner_set_progress(u, NULL, NULL);
    unsigned char *s1 = saved_state(u, &n1);
    ck_assert_uint_eq(n0, n1);
    ck_assert_mem_eq(s0, s1, n0);
    free(s1);
    float *p1 = params_copy(f.m);
    ck_assert_mem_eq(p0, p1, P * sizeof *p0);
    free(p1);

    /* Forgetting F works once; the second time its rows are counted as
     * forgotten already and nothing changes. */
    ck_assert_int_eq(forget_unlearner_forget(u, f.F), FORGET_OK);
    unsigned char *s2 = saved_state(u, &n1);
    p1 = params_copy(f.m);
    ck_assert_int_eq(forget_unlearner_forget(u, f.F), FORGET_OK);
    double again = 0;
    ck_assert_int_eq(forget_report_get(forget_unlearner_report(u),
                                       "already_forgotten", &again),
                     FORGET_OK);
    ck_assert_double_eq(again, (double)forget_dataset_rows(f.F));
    unsigned char *s3 = saved_state(u, &n0);
    ck_assert_mem_eq(s2, s3, n0);
    float *p2 = params_copy(f.m);
    ck_assert_mem_eq(p1, p2, P * sizeof *p1);
    free(s0);
    free(s2);
    free(s3);
    free(p0);
    free(p1);
    free(p2);
    forget_dataset_free(empty);
    forget_dataset_free(wide);
    forget_dataset_free(stranger);
    forget_unlearner_free(u);
    fixture_free(&f);
}
END_TEST

static int cancel_late(double fraction, const char *stage, void *user)
{
    (void)stage;
    (void)user;
    return fraction > 0.5;
}

START_TEST(cancel_changes_nothing)
{
    fixture f = trained("linear", "inputs=6 outputs=4");
    forget_unlearner *u = NULL;
    ck_assert_int_eq(forget_unlearner_create(&u, "ssd", f.m, "batch=16 "
                                             "importance=batch alpha=1"),
                     FORGET_OK);
    ck_assert_int_eq(forget_unlearner_prepare(u, f.D), FORGET_OK);
    size_t n0, n1;
    unsigned char *s0 = saved_state(u, &n0);
    float *p0 = params_copy(f.m);
    ck_assert_int_eq(forget_unlearner_set_progress(u, cancel_late, NULL),
                     FORGET_OK);
    ck_assert_int_eq(forget_unlearner_forget(u, f.F), FORGET_E_CANCELED);
    unsigned char *s1 = saved_state(u, &n1);
    float *p1 = params_copy(f.m);
    ck_assert_mem_eq(s0, s1, n0);
    ck_assert_mem_eq(p0, p1, forget_model_param_count(f.m) * sizeof *p0);
    free(s0);
    free(s1);
    free(p0);
    free(p1);
    forget_unlearner_free(u);
    fixture_free(&f);
}
END_TEST

/* With exact importances I_F/I_D <= n_D/n_F: at alpha >= that ceiling the
 * paper's rule selects nothing, and the request is refused. */
START_TEST(alpha_ceiling)
{
    fixture f = trained("mlp", "layers=6-12-4");
    size_t nd = forget_dataset_rows(f.D), nf = forget_dataset_rows(f.F);
    forget_unlearner *u = NULL;
    char params[128];
    snprintf(params, sizeof params, "reference=full alpha=%.6f",
             (double)nd / (double)nf);
    ck_assert_int_eq(forget_unlearner_create(&u, "ssd", f.m, params),
                     FORGET_OK);
    ck_assert_int_eq(forget_unlearner_prepare(u, f.D), FORGET_OK);
    float *p0 = params_copy(f.m);
    ck_assert_int_eq(forget_unlearner_forget(u, f.F), FORGET_E_PARAM);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "ceiling"));
    float *p1 = params_copy(f.m);
    ck_assert_mem_eq(p0, p1, forget_model_param_count(f.m) * sizeof *p0);
    forget_unlearner_free(u);
    /* Just below the ceiling the request goes through. */
    snprintf(params, sizeof params, "reference=full alpha=%.6f",
             0.999 * (double)nd / (double)nf);
    ck_assert_int_eq(forget_unlearner_create(&u, "ssd", f.m, params),
                     FORGET_OK);
    ck_assert_int_eq(forget_unlearner_prepare(u, f.D), FORGET_OK);
    ck_assert_int_eq(forget_unlearner_forget(u, f.F), FORGET_OK);
    /* reference=retain has no ceiling. */
    forget_unlearner_free(u);
    free(p0);
    free(p1);
    fixture_free(&f);
}
END_TEST

/* Full-class forgetting on a model of each kind: the class is forgotten
 * (accuracy on it falls from above 0.9 to below 0.25) while the others
 * keep theirs within 0.1. */
START_TEST(forgets_a_class_on_every_kind)
{
    const char *kinds[3][2] = {{"mlp", "layers=6-24-4 seed=3"},
                               {"linear", "inputs=6 outputs=4"},
                               {"host", ""}};
    for (int k = 0; k < 3; k++) {
        fixture f;
        host_lr_shape shape = {6, 4, 0, 0};
        if (k == 2) { /* the host model from the linear one's weights */
            f = trained("linear", "inputs=6 outputs=4");
            float init[28];
            forget_model *lin = NULL;
            ck_assert_int_eq(forget_model_create(&lin, "linear", "inputs=6 "
                                                 "outputs=4"), FORGET_OK);
            forget_model_get_params(lin, init, 28);
            forget_model_free(lin);
            forget_model_free(f.m);
            f.m = make_host_lr(&shape, init);
            ck_assert_int_eq(forget_model_train(f.m, f.D, "epochs=3 "
                                                "batch=32"), FORGET_OK);
        } else {
            f = trained(kinds[k][0], kinds[k][1]);
        }
        const forget_dataset *test_f = f.test_f, *test_r = f.test_r;
        double before_f, before_r, after_f, after_r;
        forget_eval_accuracy(f.m, test_f, &before_f);
        forget_eval_accuracy(f.m, test_r, &before_r);
        forget_unlearner *u = NULL;
        ck_assert_int_eq(forget_unlearner_create(&u, "ssd", f.m, "alpha=10"),
                         FORGET_OK);
        ck_assert_int_eq(forget_unlearner_prepare(u, f.D), FORGET_OK);
        ck_assert_int_eq(forget_unlearner_forget(u, f.F), FORGET_OK);
        forget_eval_accuracy(f.m, test_f, &after_f);
        forget_eval_accuracy(f.m, test_r, &after_r);
        ck_assert_msg(before_f > 0.9 && after_f < 0.25 &&
                      after_r > before_r - 0.1,
                      "%s: forget class %.3f -> %.3f, others %.3f -> %.3f",
                      kinds[k][0], before_f, after_f, before_r, after_r);
        forget_unlearner_free(u);
        fixture_free(&f);
    }
}
END_TEST

/* A state saved after prepare and loaded again forgets exactly as the
 * original does. */
START_TEST(save_load_round_trip)
{
    fixture f = trained("mlp", "layers=6-12-4");
    forget_model *twin = NULL;
    ck_assert_int_eq(forget_model_clone(&twin, f.m), FORGET_OK);
    forget_unlearner *u = NULL, *v = NULL;
    ck_assert_int_eq(forget_unlearner_create(&u, "ssd", f.m, "alpha=5 "
                                             "lambda=0.5"), FORGET_OK);
    size_t n;
    unsigned char *fresh = saved_state(u, &n); /* not prepared: loads too */
    ck_assert_int_eq(forget_unlearner_load_buffer(&v, twin, fresh, n),
                     FORGET_OK);
    ck_assert_int_eq(forget_unlearner_is_prepared(v), 0);
    forget_unlearner_free(v);
    free(fresh);
    ck_assert_int_eq(forget_unlearner_prepare(u, f.D), FORGET_OK);
    const char *path = tmp_path("ssd.state");
    ck_assert_int_eq(forget_unlearner_save(u, path), FORGET_OK);
    ck_assert_int_eq(forget_unlearner_load(&v, twin, path), FORGET_OK);
    ck_assert_int_eq(forget_unlearner_is_prepared(v), 1);
    ck_assert_str_eq(forget_unlearner_method(v), "ssd");
    ck_assert_int_eq(forget_unlearner_forget(u, f.F), FORGET_OK);
    ck_assert_int_eq(forget_unlearner_forget(v, f.F), FORGET_OK);
    float *a = params_copy(f.m), *b = params_copy(twin);
    ck_assert_mem_eq(a, b, forget_model_param_count(f.m) * sizeof *a);
    size_t na, nb;
    unsigned char *sa = saved_state(u, &na), *sb = saved_state(v, &nb);
    ck_assert_uint_eq(na, nb);
    ck_assert_mem_eq(sa, sb, na);
    /* A state does not load onto a model of another shape, nor when it is
     * truncated. */
    forget_model *other = NULL;
    forget_unlearner *w = NULL;
    ck_assert_int_eq(forget_model_create(&other, "mlp", "layers=6-13-4"),
                     FORGET_OK);
    ck_assert_int_eq(forget_unlearner_load_buffer(&w, other, sa, na),
                     FORGET_E_FORMAT);
    for (size_t len = 0; len < na; len += 7)
        ck_assert_int_eq(forget_unlearner_load_buffer(&w, twin, sa, len),
                         FORGET_E_FORMAT);
    ck_assert_ptr_null(w);
    forget_model_free(other);
    free(sa);
    free(sb);
    free(a);
    free(b);
    forget_unlearner_free(v);
    forget_unlearner_free(u);
    forget_model_free(twin);
    fixture_free(&f);
}
END_TEST

START_TEST(parameter_errors)
{
    forget_model *m = NULL;
    ck_assert_int_eq(forget_model_create(&m, "linear", "inputs=2 outputs=2"),
                     FORGET_OK);
    forget_unlearner *u = NULL;
    ck_assert_int_eq(forget_unlearner_create(&u, "ssd", m, "importance=batch "
                                             "reference=retain"),
                     FORGET_E_PARAM);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "reference=retain"));
    ck_assert_int_eq(forget_unlearner_create(&u, "ssd", m, "alpha=-1"),
                     FORGET_E_PARAM);
    ck_assert_int_eq(forget_unlearner_create(&u, "ssd", NULL, ""),
                     FORGET_E_INVALID);
    ck_assert_ptr_null(u);
    ck_assert_int_eq(forget_unlearner_create(&u, "ssd", m, "importance=batch"),
                     FORGET_OK); /* batch mode defaults to reference=full */
    forget_unlearner_free(u);
    forget_model_free(m);
}
END_TEST

Suite *suite_ssd(void)
{
    Suite *s = suite_create("ssd");
    TCase *tc = tcase_create("ssd");
    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, fixture_init, fixture_shutdown);
    tcase_add_test(tc, dampening_rule_by_hand);
    tcase_add_test(tc, lambda_and_exponent);
    tcase_add_test(tc, refusals_change_nothing);
    tcase_add_test(tc, cancel_changes_nothing);
    tcase_add_test(tc, alpha_ceiling);
    tcase_add_test(tc, forgets_a_class_on_every_kind);
    tcase_add_test(tc, save_load_round_trip);
    tcase_add_test(tc, parameter_errors);
    suite_add_tcase(s, tc);
    return s;
}
