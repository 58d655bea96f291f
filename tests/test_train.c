/* Training: reaches known accuracy, is bit-for-bit deterministic, and
 * leaves the model as it was when it fails or is canceled. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

START_TEST(mlp_learns_blobs)
{
    forget_dataset *train = make_blobs(2000, 10, 5, 1, 0);
    forget_dataset *test = make_blobs(1000, 10, 5, 2, 10000);
    const char *kinds[2][2] = {{"mlp", "layers=10-32-5 act=relu seed=3"},
                               {"mlp", "layers=10-16-16-5 act=tanh seed=3"}};
    const char *recipes[2] = {"epochs=5 lr=0.05 batch=64",
                              "optimizer=adam lr=0.01 epochs=5 batch=64"};
    for (int k = 0; k < 2; k++) {
        forget_model *m = NULL;
        ck_assert_int_eq(forget_model_create(&m, kinds[k][0], kinds[k][1]),
                         FORGET_OK);
        double before;
        ck_assert_int_eq(forget_eval_accuracy(m, test, &before), FORGET_OK);
        ck_assert_int_eq(forget_model_train(m, train, recipes[k]), FORGET_OK);
        double acc, loss;
        ck_assert_int_eq(forget_eval_accuracy(m, test, &acc), FORGET_OK);
        ck_assert_int_eq(forget_eval_loss(m, test, &loss), FORGET_OK);
        ck_assert_msg(acc >= 0.97, "%s: test accuracy %.3f (before %.3f)",
                      kinds[k][1], acc, before);
        ck_assert_double_lt(loss, 0.15);
        const forget_report *r = forget_model_train_report(m);
        double v;
        ck_assert_int_eq(forget_report_get(r, "steps", &v), FORGET_OK);
        ck_assert_double_eq(v, 5 * 32); /* ceil(2000 / 64) per epoch */
        ck_assert_int_eq(forget_report_get(r, "final_loss", &v), FORGET_OK);
        ck_assert(v > 0 && v < 0.3);
        forget_model_free(m);
    }
    forget_dataset_free(test);
    forget_dataset_free(train);
}
END_TEST

START_TEST(linear_regression_fits)
{
    size_t n = 500, d = 3;
    float *x = malloc(n * d * sizeof *x), *t = malloc(n * 2 * sizeof *t);
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < d; j++)
            x[i * d + j] = (float)((i * 2654435761u + j * 40503u) % 1000u) /
                               500.0f - 1.0f;
        t[2 * i] = 2 * x[i * d] - x[i * d + 1] + 0.5f;
        t[2 * i + 1] = x[i * d + 2] * 3 - 1;
    }
    forget_dataset *ds = NULL;
    ck_assert_int_eq(forget_dataset_create_regression(&ds, n, d, x, t, 2,
                                                      NULL), FORGET_OK);
    forget_model *m = NULL;
    ck_assert_int_eq(forget_model_create(&m, "linear", "inputs=3 outputs=2 "
                                         "task=regression"), FORGET_OK);
    ck_assert_int_eq(forget_model_train(m, ds, "epochs=60 lr=0.05 batch=16"),
                     FORGET_OK);
    double mse;
    ck_assert_int_eq(forget_eval_loss(m, ds, &mse), FORGET_OK);
    ck_assert_double_lt(mse, 1e-6);
    float p[8];
    forget_model_get_params(m, p, 8);
    /* W = [[2,-1,0],[0,0,3]], b = [0.5,-1] */
    const float want[8] = {2, -1, 0, 0, 0, 3, 0.5f, -1};
    for (int i = 0; i < 8; i++)
        ck_assert_float_eq_tol(p[i], want[i], 1e-3f);
    forget_model_free(m);
    forget_dataset_free(ds);
    free(x);
    free(t);
}
END_TEST

/* The same model, data, parameters and thread count give bit-identical
 * parameters: SISA's exactness rests on it. */
START_TEST(training_is_deterministic)
{
    forget_dataset *train = make_blobs(700, 8, 4, 5, 0);
    const char *adam = "optimizer=adam epochs=2 batch=33 seed=4 "
                       "weight_decay=0.01";
    const char *recipes[3] = {"epochs=2 batch=50 seed=4", adam,
                              "epochs=2 batch=1000 momentum=0 shuffle=false"};
    for (int r = 0; r < 3; r++) {
        forget_model *a = NULL, *b = NULL;
        ck_assert_int_eq(forget_model_create(&a, "mlp", "layers=8-20-4"),
                         FORGET_OK);
        ck_assert_int_eq(forget_model_create(&b, "mlp", "layers=8-20-4"),
                         FORGET_OK);
        float *init = params_copy(a);
        ck_assert_int_eq(forget_model_train(a, train, recipes[r]), FORGET_OK);
        ck_assert_int_eq(forget_model_train(b, train, recipes[r]), FORGET_OK);
        float *pa = params_copy(a), *pb = params_copy(b);
        size_t n = forget_model_param_count(a);
        ck_assert_mem_eq(pa, pb, n * sizeof *pa);
        ck_assert(memcmp(pa, init, n * sizeof *pa) != 0); /* it did train */
        free(init);
        free(pa);
        free(pb);
        forget_model_free(a);
        forget_model_free(b);
    }
    /* A different shuffle seed gives different parameters. */
    forget_model *a = NULL, *b = NULL;
    ck_assert_int_eq(forget_model_create(&a, "mlp", "layers=8-20-4"), FORGET_OK);
    ck_assert_int_eq(forget_model_create(&b, "mlp", "layers=8-20-4"), FORGET_OK);
    ck_assert_int_eq(forget_model_train(a, train, "epochs=1 seed=1"), FORGET_OK);
    ck_assert_int_eq(forget_model_train(b, train, "epochs=1 seed=2"), FORGET_OK);
    float *pa = params_copy(a), *pb = params_copy(b);
    ck_assert(memcmp(pa, pb, forget_model_param_count(a) * sizeof *pa) != 0);
    free(pa);
    free(pb);
    forget_model_free(a);
    forget_model_free(b);
    forget_dataset_free(train);
}
END_TEST

/* Train a fresh "layers" mlp (or, with shape, a host model) on ds with
 * recipe and forget_set_threads(threads); returns its parameters and the
 * report's thread count. */
static float *train_with_threads(forget_dataset *ds, const char *layers,
                                 host_lr_shape *shape, const char *recipe,
                                 int threads, double *used)
{
    forget_model *m = NULL;
    if (shape) {
        float init[5 * 9] = {0};
        for (size_t i = 0; i < 5 * 9; i++)
            init[i] = (float)((i * 37) % 11) / 50.0f - 0.1f;
        m = make_host_lr(shape, init);
    } else {
        ck_assert_int_eq(forget_model_create(&m, "mlp", layers), FORGET_OK);
    }
    ck_assert_int_eq(forget_set_threads(threads), FORGET_OK);
    ck_assert_msg(forget_model_train(m, ds, recipe) == FORGET_OK, "%s: %s",
                  recipe, forget_last_error());
    ck_assert_int_eq(forget_set_threads(0), FORGET_OK);
    ck_assert_int_eq(forget_report_get(forget_model_train_report(m),
                                       "threads", used), FORGET_OK);
    float *p = params_copy(m);
    forget_model_free(m);
    return p;
}

/* Lanes split every batch into fixed parts: the result depends on the
 * number of lanes and never on how many threads run them (SISA retrains
 * a shard with whatever threads are free and must get the same bits). */
START_TEST(lanes_never_depend_on_threads)
{
    int blas = blas_one_thread(); /* else the lanes run one after another */
    forget_dataset *train = make_blobs(701, 8, 5, 6, 0);
    const char *recipes[] = {
        "epochs=2 batch=64 seed=3 lanes=2",
        "optimizer=adam epochs=2 batch=33 seed=3 lanes=3 weight_decay=0.01",
        "epochs=1 batch=50 seed=3 lanes=4 momentum=0",
        "epochs=1 batch=10 seed=3 lanes=64", /* more lanes than rows */
    };
    size_t n_params = 9 * 20 + 21 * 5; /* layers 8-20-5 */
    for (size_t r = 0; r < sizeof recipes / sizeof *recipes; r++) {
        double used1, used2, used3;
        float *one = train_with_threads(train, "layers=8-20-5", NULL,
                                        recipes[r], 1, &used1);
        float *two = train_with_threads(train, "layers=8-20-5", NULL,
                                        recipes[r], 2, &used2);
        float *three = train_with_threads(train, "layers=8-20-5", NULL,
                                          recipes[r], 3, &used3);
        ck_assert_msg(memcmp(one, two, n_params * sizeof *one) == 0,
                      "%s: 1 and 2 threads differ", recipes[r]);
        ck_assert_msg(memcmp(one, three, n_params * sizeof *one) == 0,
                      "%s: 1 and 3 threads differ", recipes[r]);
        ck_assert_double_eq(used1, 1);
        if (blas == 1) { /* the lanes did run at once */
            ck_assert_double_eq(used2, 2);
            ck_assert_double_ge(used3, 2);
        }
        free(one);
        free(two);
        free(three);
    }
    /* One lane is the plain batch; two lanes sum the same gradient in
     * another order: different bits, the same training. */
    double used;
    float *a = train_with_threads(train, "layers=8-20-5", NULL,
                                  "epochs=2 batch=64 seed=3", 2, &used);
    ck_assert_double_eq(used, 1);
    float *b = train_with_threads(train, "layers=8-20-5", NULL,
                                  "epochs=2 batch=64 seed=3 lanes=2", 2,
                                  &used);
    ck_assert(memcmp(a, b, n_params * sizeof *a) != 0);
    for (size_t i = 0; i < n_params; i++)
        ck_assert_float_eq_tol(a[i], b[i], 1e-3f);
    free(a);
    free(b);
    /* A host model's callbacks are never called from two threads. */
    host_lr_shape shape = {8, 5, 0, 0};
    float *h1 = train_with_threads(train, NULL, &shape,
                                   "epochs=1 batch=32 lanes=2", 1, &used);
    float *h2 = train_with_threads(train, NULL, &shape,
                                   "epochs=1 batch=32 lanes=2", 2, &used);
    ck_assert_double_eq(used, 1);
    ck_assert_mem_eq(h1, h2, 45 * sizeof *h1);
    free(h1);
    free(h2);
    forget_dataset_free(train);
}
END_TEST

static int cancel_at(double fraction, const char *stage, void *user)
{
    int *calls = user;
    ck_assert_str_eq(stage, "train");
    ck_assert(fraction > 0.0 && fraction <= 1.0);
    return ++*calls >= 3;
}

START_TEST(cancel_and_divergence_restore)
{
    forget_dataset *train = make_blobs(300, 4, 3, 7, 0);
    forget_model *m = NULL;
    ck_assert_int_eq(forget_model_create(&m, "mlp", "layers=4-8-3"), FORGET_OK);
    float *before = params_copy(m);
    int calls = 0;
    ck_assert_int_eq(forget_model_set_progress(m, cancel_at, &calls),
                     FORGET_OK);
    ck_assert_int_eq(forget_model_train(m, train, "epochs=3 batch=10"),
                     FORGET_E_CANCELED);
    ck_assert_int_eq(calls, 3);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "step 3"));
    float *after = params_copy(m);
    ck_assert_mem_eq(before, after, forget_model_param_count(m) * 4);
    ck_assert_ptr_null(forget_model_train_report(m));
    free(after);
    ck_assert_int_eq(forget_model_set_progress(m, NULL, NULL), FORGET_OK);
    forget_model_free(m);
    free(before);

    /* Targets of 1e18 with lr 100 blow up: FORGET_E_NUMERIC, restored. */
    float x[8] = {1, 2, 3, 4, 5, 6, 7, 8}, t[4] = {1e18f, -1e18f, 1e18f, 3};
    forget_dataset *reg = NULL;
    ck_assert_int_eq(forget_dataset_create_regression(&reg, 4, 2, x, t, 1,
                                                      NULL), FORGET_OK);
    ck_assert_int_eq(forget_model_create(&m, "linear", "inputs=2 outputs=1 "
                                         "task=regression"), FORGET_OK);
    before = params_copy(m);
    ck_assert_int_eq(forget_model_train(m, reg, "lr=100 epochs=50 batch=2"),
                     FORGET_E_NUMERIC);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "diverged"));
    after = params_copy(m);
    ck_assert_mem_eq(before, after, 3 * sizeof(float));
    free(before);
    free(after);
    forget_model_free(m);
    forget_dataset_free(reg);
    forget_dataset_free(train);
}
END_TEST

START_TEST(train_rejects_bad_input)
{
    forget_dataset *ds = make_dataset(20, 3, 4); /* labels 0..3 */
    forget_model *m = NULL;
    ck_assert_int_eq(forget_model_create(&m, "mlp", "layers=3-4-3"), FORGET_OK);
    ck_assert_int_eq(forget_model_train(m, ds, ""), FORGET_E_INVALID);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "label 3"));
    forget_model_free(m);
    ck_assert_int_eq(forget_model_create(&m, "mlp", "layers=2-4-4"), FORGET_OK);
    ck_assert_int_eq(forget_model_train(m, ds, ""), FORGET_E_INVALID);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "3 features"));
    forget_model_free(m);
    ck_assert_int_eq(forget_model_create(&m, "mlp", "layers=3-4-4 "
                                         "task=regression"), FORGET_OK);
    ck_assert_int_eq(forget_model_train(m, ds, ""), FORGET_E_INVALID);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "regression"));
    forget_model_free(m);
    ck_assert_int_eq(forget_model_create(&m, "mlp", "layers=3-4-4"), FORGET_OK);
    ck_assert_int_eq(forget_model_train(m, ds, "epochs=0"), FORGET_E_PARAM);
    ck_assert_int_eq(forget_model_train(m, ds, "optimiser=adam"),
                     FORGET_E_PARAM);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "known: optimizer"));
    ck_assert_int_eq(forget_model_train(m, ds, "lr=0"), FORGET_E_PARAM);
    forget_dataset *empty = NULL;
    ck_assert_int_eq(forget_dataset_slice(&empty, ds, 0, 0), FORGET_OK);
    ck_assert_int_eq(forget_model_train(m, empty, ""), FORGET_E_INVALID);
    ck_assert_int_eq(forget_model_train(NULL, ds, ""), FORGET_E_INVALID);
    ck_assert_int_eq(forget_model_train(m, ds, "epochs=1 batch=1000 lr=0.001"),
                     FORGET_OK); /* a batch larger than the data is fine */
    forget_dataset_free(empty);
    forget_model_free(m);
    forget_dataset_free(ds);
}
END_TEST

Suite *suite_train(void)
{
    Suite *s = suite_create("train");
    TCase *tc = tcase_create("train");
    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, fixture_init, fixture_shutdown);
    tcase_add_test(tc, mlp_learns_blobs);
    tcase_add_test(tc, linear_regression_fits);
    tcase_add_test(tc, training_is_deterministic);
    tcase_add_test(tc, lanes_never_depend_on_threads);
    tcase_add_test(tc, cancel_and_divergence_restore);
    tcase_add_test(tc, train_rejects_bad_input);
    suite_add_tcase(s, tc);
    return s;
}
