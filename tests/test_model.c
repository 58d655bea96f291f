/* Models: creation from parameter strings, introspection, the flat
 * parameter view, prediction, clones and host models. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

START_TEST(create_mlp_and_linear)
{
    forget_model *m = NULL;
    ck_assert_int_eq(forget_model_create(&m, "mlp", "layers=784-256-10 "
                                         "act=tanh seed=7"), FORGET_OK);
    ck_assert_str_eq(forget_model_kind(m), "mlp");
    ck_assert_str_eq(forget_model_params(m), "layers=784-256-10 act=tanh "
                                             "task=classification seed=7");
    ck_assert_int_eq(forget_model_task(m), FORGET_TASK_CLASSIFICATION);
    ck_assert_uint_eq(forget_model_inputs(m), 784);
    ck_assert_uint_eq(forget_model_outputs(m), 10);
    ck_assert_uint_eq(forget_model_param_count(m),
                      784 * 256 + 256 + 256 * 10 + 10);
    ck_assert_uint_eq(forget_model_block_count(m), 4);
    const char *name;
    size_t off, size;
    ck_assert_int_eq(forget_model_block(m, 2, &name, &off, &size), FORGET_OK);
    ck_assert_str_eq(name, "dense1.weight");
    ck_assert_uint_eq(off, 784 * 256 + 256);
    ck_assert_uint_eq(size, 2560);
    ck_assert_int_eq(forget_model_block(m, 3, &name, &off, &size), FORGET_OK);
    ck_assert_str_eq(name, "dense1.bias");
    ck_assert_uint_eq(off + size, forget_model_param_count(m));
    ck_assert_int_eq(forget_model_block(m, 4, &name, NULL, NULL),
                     FORGET_E_NOT_FOUND);
    /* Shapes as PyTorch's nn.Linear holds them: weight outputs x inputs. */
    size_t dims[FORGET_MAX_DIMS], ndim = 9;
    ck_assert_int_eq(forget_model_block_shape(m, 0, dims, &ndim), FORGET_OK);
    ck_assert_uint_eq(ndim, 2);
    ck_assert_uint_eq(dims[0], 256);
    ck_assert_uint_eq(dims[1], 784);
    ck_assert_uint_eq(dims[2], 0);
    ck_assert_int_eq(forget_model_block_shape(m, 3, dims, &ndim), FORGET_OK);
    ck_assert_uint_eq(ndim, 1);
    ck_assert_uint_eq(dims[0], 10);
    ck_assert_uint_eq(dims[1], 0);
    ck_assert_int_eq(forget_model_block_shape(m, 4, dims, &ndim),
                     FORGET_E_NOT_FOUND);
    ck_assert_int_eq(forget_model_block_shape(m, 0, NULL, &ndim),
                     FORGET_E_INVALID);
    ck_assert_int_eq(forget_model_block_shape(m, 0, dims, NULL),
                     FORGET_E_INVALID);
    /* Initial weights lie in U(-1/sqrt(fan_in), 1/sqrt(fan_in)). */
    size_t n = forget_model_param_count(m);
    float *p = malloc(n * sizeof *p);
    ck_assert_int_eq(forget_model_get_params(m, p, n), FORGET_OK);
    float bound0 = 1.0f / sqrtf(784.0f), bound1 = 1.0f / 16.0f;
    double sum = 0.0;
    for (size_t i = 0; i < n; i++) {
        ck_assert(fabsf(p[i]) <= (i < 784 * 256 + 256 ? bound0 : bound1));
        sum += p[i];
    }
    ck_assert(fabs(sum / (double)n) < 0.01 * bound0); /* centred */
    free(p);
    forget_model_free(m);

    ck_assert_int_eq(forget_model_create(&m, "linear", "inputs=5 outputs=2 "
                                         "task=regression"), FORGET_OK);
    ck_assert_str_eq(forget_model_params(m), "inputs=5 outputs=2 "
                                             "task=regression seed=1");
    ck_assert_uint_eq(forget_model_param_count(m), 12);
    ck_assert_int_eq(forget_model_task(m), FORGET_TASK_REGRESSION);
    forget_model_free(m);
    forget_model_free(NULL);
}
END_TEST

START_TEST(create_is_seeded)
{
    forget_model *a = NULL, *b = NULL, *c = NULL;
    ck_assert_int_eq(forget_model_create(&a, "mlp", "layers=6-5-3 seed=3"),
                     FORGET_OK);
    ck_assert_int_eq(forget_model_create(&b, "mlp", "seed=3,layers=6-5-3"),
                     FORGET_OK);
    ck_assert_int_eq(forget_model_create(&c, "mlp", "layers=6-5-3 seed=4"),
                     FORGET_OK);
    float pa[53], pb[53], pc[53];
    ck_assert_uint_eq(forget_model_param_count(a), 53);
    forget_model_get_params(a, pa, 53);
    forget_model_get_params(b, pb, 53);
    forget_model_get_params(c, pc, 53);
    ck_assert_mem_eq(pa, pb, sizeof pa);
    ck_assert(memcmp(pa, pc, sizeof pa) != 0);
    forget_model_free(a);
    forget_model_free(b);
    forget_model_free(c);
}
END_TEST

static void create_fails(const char *kind, const char *params, int code,
                         const char *word)
{
    forget_model *m = (forget_model *)&m, *sentinel = m;
    int rc = forget_model_create(&m, kind, params);
    ck_assert_msg(rc == code, "%s '%s': %d (%s)", kind, params, rc,
                  forget_last_error());
    ck_assert_msg(strstr(forget_last_error(), word) != NULL, "'%s' lacks '%s'",
                  forget_last_error(), word);
    ck_assert_ptr_eq(m, sentinel);
}

START_TEST(create_errors)
{
    create_fails("cnn", "", FORGET_E_NOT_FOUND, "known: linear, mlp, analytic");
    create_fails("mlp", "", FORGET_E_PARAM, "'layers' is required");
    create_fails("mlp", "layers=784", FORGET_E_PARAM, "at least");
    create_fails("mlp", "layers=784--10", FORGET_E_PARAM, "'layers'");
    create_fails("mlp", "layers=0-3", FORGET_E_PARAM, "'layers'");
    create_fails("mlp", "layers=4-x", FORGET_E_PARAM, "'layers'");
    create_fails("mlp", "layers=4-3-", FORGET_E_PARAM, "'layers'");
    create_fails("mlp", "layers=99999999-3", FORGET_E_PARAM, "'layers'");
    create_fails("mlp", "layers=4-3 act=sigmoid", FORGET_E_PARAM, "relu|tanh");
    create_fails("linear", "inputs=3", FORGET_E_PARAM, "'outputs'");
    create_fails("linear", "inputs=0 outputs=2", FORGET_E_PARAM, "outside");
    create_fails("mlp", "layers=16777216-16777216-16777216", FORGET_E_NOMEM,
                 "");
    forget_model *m = NULL;
    ck_assert_int_eq(forget_model_create(NULL, "mlp", "layers=2-2"),
                     FORGET_E_INVALID);
    ck_assert_int_eq(forget_model_create(&m, NULL, "layers=2-2"),
                     FORGET_E_INVALID);
}
END_TEST

START_TEST(kinds_are_introspectable)
{
    ck_assert_uint_eq(forget_model_kind_count(), 3);
    ck_assert_str_eq(forget_model_kind_name(0), "linear");
    ck_assert_str_eq(forget_model_kind_name(1), "mlp");
    ck_assert_str_eq(forget_model_kind_name(2), "analytic");
    ck_assert_ptr_null(forget_model_kind_name(3));
    size_t n;
    const forget_param_def *def;
    ck_assert_int_eq(forget_model_kind_param_count("mlp", &n), FORGET_OK);
    ck_assert_uint_eq(n, 4);
    ck_assert_int_eq(forget_model_kind_param("mlp", 1, &def), FORGET_OK);
    ck_assert_str_eq(def->name, "act");
    ck_assert_str_eq(def->choices, "relu|tanh");
    ck_assert_ptr_nonnull(def->doc);
    ck_assert_int_eq(forget_model_kind_param("mlp", 4, &def),
                     FORGET_E_NOT_FOUND);
    ck_assert_int_eq(forget_model_kind_param_count("rnn", &n),
                     FORGET_E_NOT_FOUND);
    ck_assert_uint_eq(forget_train_param_count(), 13);
    ck_assert_int_eq(forget_train_param(0, &def), FORGET_OK);
    ck_assert_str_eq(def->name, "optimizer");
    ck_assert_int_eq(forget_train_param(11, &def), FORGET_OK);
    ck_assert_str_eq(def->name, "lanes");
    ck_assert_str_eq(def->default_value, "1");
    ck_assert_int_eq(forget_train_param(12, &def), FORGET_OK);
    ck_assert_str_eq(def->name, "perturb");
    ck_assert_str_eq(def->default_value, "0");
    ck_assert_int_eq(forget_train_param(13, &def), FORGET_E_NOT_FOUND);
}
END_TEST

START_TEST(set_params_validates)
{
    forget_model *m = NULL;
    ck_assert_int_eq(forget_model_create(&m, "linear", "inputs=2 outputs=2"),
                     FORGET_OK);
    float p[6] = {1, 2, 3, 4, 5, 6}, q[6];
    ck_assert_int_eq(forget_model_set_params(m, p, 6), FORGET_OK);
    ck_assert_int_eq(forget_model_get_params(m, q, 6), FORGET_OK);
    ck_assert_mem_eq(p, q, sizeof p);
    p[4] = NAN;
    ck_assert_int_eq(forget_model_set_params(m, p, 6), FORGET_E_INVALID);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "parameter 4"));
    ck_assert_int_eq(forget_model_set_params(m, p, 5), FORGET_E_INVALID);
    ck_assert_int_eq(forget_model_get_params(m, q, 7), FORGET_E_INVALID);
    ck_assert_int_eq(forget_model_get_params(m, q, 6), FORGET_OK);
    ck_assert_float_eq(q[4], 5.0f); /* unchanged by the failures */
    forget_model_free(m);
}
END_TEST

/* A linear model with known weights gives known probabilities. */
START_TEST(predict_known_values)
{
    forget_model *m = NULL;
    ck_assert_int_eq(forget_model_create(&m, "linear", "inputs=2 outputs=3"),
                     FORGET_OK);
    /* W = [[1,0],[0,1],[0,0]], b = [0,0,1] */
    float p[9] = {1, 0, 0, 1, 0, 0, 0, 0, 1};
    ck_assert_int_eq(forget_model_set_params(m, p, 9), FORGET_OK);
    float x[4] = {2, 0, 0, 0};
    float out[6];
    ck_assert_int_eq(forget_model_predict_raw(m, x, 2, out, 6), FORGET_OK);
    double e2 = exp(2.0), e1 = exp(1.0);
    ck_assert_double_eq_tol(out[0], e2 / (e2 + 1 + e1), 1e-6);
    ck_assert_double_eq_tol(out[1], 1 / (e2 + 1 + e1), 1e-6);
    ck_assert_double_eq_tol(out[2], e1 / (e2 + 1 + e1), 1e-6);
    ck_assert_double_eq_tol(out[5], e1 / (2 + e1), 1e-6);
    int32_t y[2] = {0, 2};
    forget_dataset *ds = NULL;
    ck_assert_int_eq(forget_dataset_create(&ds, 2, 2, x, y, NULL), FORGET_OK);
    float out2[6];
    ck_assert_int_eq(forget_model_predict(m, ds, out2, 6), FORGET_OK);
    ck_assert_mem_eq(out, out2, sizeof out);
    ck_assert_int_eq(forget_model_predict(m, ds, out2, 5), FORGET_E_INVALID);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "6"));
    x[1] = INFINITY;
    ck_assert_int_eq(forget_model_predict_raw(m, x, 2, out, 6),
                     FORGET_E_INVALID);
    forget_dataset *wide = make_dataset(3, 5, 2);
    ck_assert_int_eq(forget_model_predict(m, wide, out2, 6), FORGET_E_INVALID);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "5 features"));
    forget_dataset_free(wide);
    forget_dataset_free(ds);
    forget_model_free(m);
}
END_TEST

START_TEST(clone_is_deep)
{
    forget_model *m = NULL, *c = NULL;
    ck_assert_int_eq(forget_model_create(&m, "mlp", "layers=3-4-2"), FORGET_OK);
    ck_assert_int_eq(forget_model_clone(&c, m), FORGET_OK);
    float a[26], b[26];
    forget_model_get_params(m, a, 26);
    forget_model_get_params(c, b, 26);
    ck_assert_mem_eq(a, b, sizeof a);
    ck_assert_str_eq(forget_model_params(c), forget_model_params(m));
    b[0] += 1.0f;
    ck_assert_int_eq(forget_model_set_params(c, b, 26), FORGET_OK);
    forget_model_get_params(m, b, 26);
    ck_assert_mem_eq(a, b, sizeof a);
    forget_model_free(m); /* the clone outlives its source */
    float x[3] = {1, 2, 3}, out[2];
    ck_assert_int_eq(forget_model_predict_raw(c, x, 1, out, 2), FORGET_OK);
    forget_model_free(c);
}
END_TEST

/* A logistic regression written by the host trains through the library
 * to the same parameters as the built-in linear model (same layout, same
 * initial values, same data, same recipe), up to float rounding. */
START_TEST(host_model_trains_like_linear)
{
    forget_dataset *train = make_blobs(600, 4, 3, 11, 0);
    forget_dataset *test = make_blobs(300, 4, 3, 12, 1000);
    forget_model *lin = NULL;
    ck_assert_int_eq(forget_model_create(&lin, "linear", "inputs=4 outputs=3 "
                                         "seed=5"), FORGET_OK);
    float init[15];
    forget_model_get_params(lin, init, 15);
    host_lr_shape shape = {4, 3, 0, 0};
    forget_model *host = make_host_lr(&shape, init);
    ck_assert_str_eq(forget_model_kind(host), "host");
    const char *recipe = "epochs=3 batch=32 lr=0.1 seed=9";
    ck_assert_int_eq(forget_model_train(lin, train, recipe), FORGET_OK);
    ck_assert_int_eq(forget_model_train(host, train, recipe), FORGET_OK);
    ck_assert_int_gt(shape.backward_calls, 3 * (600 / 32));
    float a[15], b[15];
    forget_model_get_params(lin, a, 15);
    forget_model_get_params(host, b, 15);
    for (int i = 0; i < 15; i++)
        ck_assert_float_eq_tol(a[i], b[i], 1e-4f);
    double acc_host, acc_lin;
    ck_assert_int_eq(forget_eval_accuracy(host, test, &acc_host), FORGET_OK);
    ck_assert_int_eq(forget_eval_accuracy(lin, test, &acc_lin), FORGET_OK);
    ck_assert_double_ge(acc_host, 0.95);
    ck_assert_double_eq(acc_host, acc_lin);
    /* Clones share the callbacks; saving is refused. */
    forget_model *c = NULL;
    ck_assert_int_eq(forget_model_clone(&c, host), FORGET_OK);
    ck_assert_int_eq(forget_model_save(c, tmp_path("h.fgm")),
                     FORGET_E_UNSUPPORTED);
    forget_model_free(c);
    forget_model_free(host);
    forget_model_free(lin);
    forget_dataset_free(test);
    forget_dataset_free(train);
}
END_TEST

static int failing_forward(const float *p, const float *x, size_t n,
                           float *out, void *u)
{
    (void)p, (void)x, (void)n, (void)out, (void)u;
    return forget_set_error(FORGET_E_NUMERIC, "host says no");
}

static int nan_forward(const float *p, const float *x, size_t n, float *out,
                       void *u)
{
    (void)p, (void)x, (void)u;
    for (size_t i = 0; i < n * 2; i++)
        out[i] = NAN;
    return FORGET_OK;
}

START_TEST(host_model_errors)
{
    host_lr_shape shape = {2, 2, 0, 0};
    float init[6] = {0};
    forget_host_model h;
    memset(&h, 0, sizeof h);
    h.struct_size = sizeof h;
    h.task = FORGET_TASK_CLASSIFICATION;
    h.inputs = 2;
    h.outputs = 2;
    h.n_params = 6;
    h.params = init;
    h.forward = host_lr_forward;
    h.user_data = &shape;
    forget_model *m = NULL;
    ck_assert_int_eq(forget_model_create_host(&m, &h), FORGET_E_INVALID);
    h.backward = host_lr_backward;
    h.struct_size = 8;
    ck_assert_int_eq(forget_model_create_host(&m, &h), FORGET_E_VERSION);
    h.struct_size = sizeof h;
    init[3] = NAN;
    ck_assert_int_eq(forget_model_create_host(&m, &h), FORGET_E_INVALID);
    init[3] = 0;
    h.task = 7;
    ck_assert_int_eq(forget_model_create_host(&m, &h), FORGET_E_INVALID);
    ck_assert_ptr_null(m);
    h.task = FORGET_TASK_CLASSIFICATION;
    h.forward = failing_forward;
    ck_assert_int_eq(forget_model_create_host(&m, &h), FORGET_OK);
    float x[2] = {1, 1}, out[2];
    ck_assert_int_eq(forget_model_predict_raw(m, x, 1, out, 2),
                     FORGET_E_NUMERIC);
    ck_assert_str_eq(forget_last_error(), "host says no");
    forget_model_free(m);
    h.forward = nan_forward;
    ck_assert_int_eq(forget_model_create_host(&m, &h), FORGET_OK);
    ck_assert_int_eq(forget_model_predict_raw(m, x, 1, out, 2),
                     FORGET_E_NUMERIC);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "non-finite"));
    forget_model_free(m);
}
END_TEST

Suite *suite_model(void)
{
    Suite *s = suite_create("model");
    TCase *tc = tcase_create("model");
    tcase_add_checked_fixture(tc, fixture_init, fixture_shutdown);
    tcase_add_test(tc, create_mlp_and_linear);
    tcase_add_test(tc, create_is_seeded);
    tcase_add_test(tc, create_errors);
    tcase_add_test(tc, kinds_are_introspectable);
    tcase_add_test(tc, set_params_validates);
    tcase_add_test(tc, predict_known_values);
    tcase_add_test(tc, clone_is_deep);
    tcase_add_test(tc, host_model_trains_like_linear);
    tcase_add_test(tc, host_model_errors);
    suite_add_tcase(s, tc);
    return s;
}
