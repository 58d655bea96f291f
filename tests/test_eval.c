/* Evaluation on models whose outputs are known by construction. */
#include <math.h>
#include <string.h>

#include "helpers.h"

/* linear 1 -> 2 with logits (w x, -w x): class 0 for x > 0, class 1 for
 * x < 0; |x| sets the confidence. */
static forget_model *sign_model(float w)
{
    forget_model *m = NULL;
    ck_assert_int_eq(forget_model_create(&m, "linear", "inputs=1 outputs=2"),
                     FORGET_OK);
    float p[4] = {w, -w, 0, 0};
    ck_assert_int_eq(forget_model_set_params(m, p, 4), FORGET_OK);
    return m;
}

static forget_dataset *points(const float *x, const int32_t *y, size_t n,
                              uint64_t id0)
{
    uint64_t ids[64];
    for (size_t i = 0; i < n; i++)
        ids[i] = id0 + i;
    forget_dataset *ds = NULL;
    ck_assert_int_eq(forget_dataset_create(&ds, n, 1, x, y, ids), FORGET_OK);
    return ds;
}

START_TEST(accuracy_loss_confusion)
{
    forget_model *m = sign_model(1.0f);
    const float x[5] = {1, 2, -1, -3, 0.5f};
    const int32_t y[5] = {0, 1, 1, 1, 1}; /* rows 1 and 4 are wrong */
    forget_dataset *ds = points(x, y, 5, 0);
    double acc, loss;
    ck_assert_int_eq(forget_eval_accuracy(m, ds, &acc), FORGET_OK);
    ck_assert_double_eq_tol(acc, 0.6, 1e-12);
    ck_assert_int_eq(forget_eval_loss(m, ds, &loss), FORGET_OK);
    double want = 0.0; /* loss of row = log(1 + exp(-2 x s)), s = +-1 */
    for (int i = 0; i < 5; i++)
        want += log1p(exp(-2.0 * x[i] * (y[i] == 0 ? 1 : -1)));
    ck_assert_double_eq_tol(loss, want / 5, 1e-6);
    uint64_t c[4];
    ck_assert_int_eq(forget_eval_confusion(m, ds, c, 2), FORGET_OK);
    ck_assert_uint_eq(c[0], 1); /* true 0 -> 0 */
    ck_assert_uint_eq(c[1], 0);
    ck_assert_uint_eq(c[2], 2); /* true 1 -> 0: rows 1, 4 */
    ck_assert_uint_eq(c[3], 2);
    double per[2];
    ck_assert_int_eq(forget_eval_class_accuracy(m, ds, per, 2), FORGET_OK);
    ck_assert_double_eq(per[0], 1.0);
    ck_assert_double_eq(per[1], 0.5);
    ck_assert_int_eq(forget_eval_confusion(m, ds, c, 3), FORGET_E_INVALID);
    ck_assert_int_eq(forget_eval_class_accuracy(m, ds, per, 1),
                     FORGET_E_INVALID);
    forget_dataset *one = NULL;
    ck_assert_int_eq(forget_dataset_subset_class(&one, ds, 0), FORGET_OK);
    ck_assert_int_eq(forget_eval_class_accuracy(m, one, per, 2), FORGET_OK);
    ck_assert(isnan(per[1])); /* no rows of class 1 */
    forget_dataset *empty = NULL;
    ck_assert_int_eq(forget_dataset_slice(&empty, ds, 0, 0), FORGET_OK);
    ck_assert_int_eq(forget_eval_accuracy(m, empty, &acc), FORGET_E_INVALID);
    ck_assert_double_eq_tol(acc, 0.6, 1e-12); /* untouched */
    forget_dataset_free(empty);
    forget_dataset_free(one);
    forget_dataset_free(ds);
    forget_model_free(m);
}
END_TEST

/* Members are confident (large |x|, low entropy), non-members are not:
 * the entropy attack must call confident targets members and unsure
 * ones not. */
START_TEST(entropy_attack_separates)
{
    forget_model *m = sign_model(1.0f);
    float xs[40], xl[40];
    int32_t y[40];
    for (int i = 0; i < 40; i++) {
        float s = i % 2 ? 1.0f : -1.0f;
        xl[i] = s * (4.0f + (float)i / 10);   /* confident */
        xs[i] = s * (0.05f + (float)i / 400); /* unsure */
        y[i] = s > 0 ? 0 : 1;
    }
    forget_dataset *retain = points(xl, y, 40, 0);
    forget_dataset *test = points(xs, y, 30, 100);
    forget_dataset *tgt_conf = points(xl + 5, y + 5, 10, 200);
    forget_dataset *tgt_unsure = points(xs + 5, y + 5, 10, 300);
    double score;
    ck_assert_int_eq(forget_eval_mia(m, retain, test, tgt_conf, &score),
                     FORGET_OK);
    ck_assert_double_eq(score, 1.0);
    ck_assert_int_eq(forget_eval_mia(m, retain, test, tgt_unsure, &score),
                     FORGET_OK);
    ck_assert_double_eq(score, 0.0);
    forget_dataset *empty = NULL;
    ck_assert_int_eq(forget_dataset_slice(&empty, test, 0, 0), FORGET_OK);
    ck_assert_int_eq(forget_eval_mia(m, retain, empty, tgt_conf, &score),
                     FORGET_E_INVALID);

    double auc;
    ck_assert_int_eq(forget_eval_loss_auc(m, retain, test, &auc), FORGET_OK);
    ck_assert_double_eq(auc, 1.0);
    ck_assert_int_eq(forget_eval_loss_auc(m, test, retain, &auc), FORGET_OK);
    ck_assert_double_eq(auc, 0.0);
    ck_assert_int_eq(forget_eval_loss_auc(m, retain, retain, &auc), FORGET_OK);
    ck_assert_double_eq(auc, 0.5); /* all ties */
    forget_dataset_free(empty);
    forget_dataset_free(tgt_unsure);
    forget_dataset_free(tgt_conf);
    forget_dataset_free(test);
    forget_dataset_free(retain);
    forget_model_free(m);
}
END_TEST

START_TEST(distances)
{
    forget_model *a = sign_model(1.0f), *b = sign_model(1.0f);
    forget_model *c = sign_model(2.0f);
    const float x[2] = {1, -1};
    const int32_t y[2] = {0, 1};
    forget_dataset *ds = points(x, y, 2, 0);
    double mx, mean, l2;
    ck_assert_int_eq(forget_eval_output_distance(a, b, ds, &mx, &mean),
                     FORGET_OK);
    ck_assert_double_eq(mx, 0.0);
    ck_assert_double_eq(mean, 0.0);
    ck_assert_int_eq(forget_eval_output_distance(a, c, ds, &mx, &mean),
                     FORGET_OK);
    double pa = 1 / (1 + exp(-2.0)), pc = 1 / (1 + exp(-4.0));
    ck_assert_double_eq_tol(mx, pc - pa, 1e-6);
    ck_assert_double_eq_tol(mean, pc - pa, 1e-6);
    ck_assert_int_eq(forget_eval_param_distance(a, c, &l2, &mx), FORGET_OK);
    ck_assert_double_eq_tol(l2, sqrt(2.0), 1e-12);
    ck_assert_double_eq(mx, 1.0);
    forget_model *other = NULL;
    ck_assert_int_eq(forget_model_create(&other, "mlp", "layers=1-2-2"),
                     FORGET_OK);
    ck_assert_int_eq(forget_eval_param_distance(a, other, &l2, &mx),
                     FORGET_E_INVALID);
    ck_assert_int_eq(forget_eval_output_distance(a, other, ds, &mx, &mean),
                     FORGET_OK); /* outputs compare across architectures */
    forget_model_free(other);
    forget_dataset_free(ds);
    forget_model_free(a);
    forget_model_free(b);
    forget_model_free(c);
}
END_TEST

Suite *suite_eval(void)
{
    Suite *s = suite_create("eval");
    TCase *tc = tcase_create("eval");
    tcase_add_checked_fixture(tc, fixture_init, fixture_shutdown);
    tcase_add_test(tc, accuracy_loss_confusion);
    tcase_add_test(tc, entropy_attack_separates);
    tcase_add_test(tc, distances);
    suite_add_tcase(s, tc);
    return s;
}
