/* The scorecard against retraining (forget_eval_scorecard): its figures
 * are the forget_eval_* functions' to the bit, its gaps are computed from
 * them, missing models give NaN, a model that forgot nothing is far from
 * the retrained one and a model is at zero distance from itself, and
 * every refusal leaves the output as it was. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "helpers.h"

#define SC_CLASSES 3

/* A problem with a forget set, its retain set and a test set. */
typedef struct sc_case {
    forget_dataset *train, *forget, *retain, *test;
} sc_case;

/* Forget the whole class c of 3-class blobs (4 features). */
static sc_case class_case(int32_t c, uint64_t seed)
{
    sc_case k;
    k.train = make_blobs(300, 4, SC_CLASSES, seed, 0);
    k.test = make_blobs(150, 4, SC_CLASSES, seed + 100, 10000);
    ck_assert_int_eq(forget_dataset_subset_class(&k.forget, k.train, c),
                     FORGET_OK);
    ck_assert_int_eq(forget_dataset_complement(&k.retain, k.train, k.forget),
                     FORGET_OK);
    return k;
}

static void case_free(sc_case *k)
{
    forget_dataset_free(k->train);
    forget_dataset_free(k->forget);
    forget_dataset_free(k->retain);
    forget_dataset_free(k->test);
}

static forget_model *trained_mlp(const forget_dataset *data, int seed)
{
    char params[64];
    snprintf(params, sizeof params, "layers=4-8-%d seed=%d", SC_CLASSES,
             seed);
    forget_model *m = NULL;
    ck_assert_int_eq(forget_model_create(&m, "mlp", params), FORGET_OK);
    ck_assert_int_eq(forget_model_train(m, data, "epochs=15 batch=16"),
                     FORGET_OK);
    return m;
}

static forget_scorecard blank(void)
{
    forget_scorecard sc;
    memset(&sc, 0xa5, sizeof sc); /* no field is written by accident */
    sc.struct_size = sizeof sc;
    return sc;
}

/* forget_acc .. loss_auc of m, from the separate functions. */
static void separately(const forget_model *m, const sc_case *k, double v[5])
{
    ck_assert_int_eq(forget_eval_accuracy(m, k->forget, &v[0]), FORGET_OK);
    ck_assert_int_eq(forget_eval_accuracy(m, k->retain, &v[1]), FORGET_OK);
    ck_assert_int_eq(forget_eval_accuracy(m, k->test, &v[2]), FORGET_OK);
    ck_assert_int_eq(forget_eval_mia(m, k->retain, k->test, k->forget, &v[3]),
                     FORGET_OK);
    ck_assert_int_eq(forget_eval_loss_auc(m, k->forget, k->test, &v[4]),
                     FORGET_OK);
}

/* The same five figures as they stand in a scorecard. */
static void judged(const forget_scorecard *sc, double v[5])
{
    v[0] = sc->forget_acc, v[1] = sc->retain_acc, v[2] = sc->test_acc;
    v[3] = sc->mia, v[4] = sc->loss_auc;
}

static void retrained(const forget_scorecard *sc, double v[5])
{
    v[0] = sc->ref_forget_acc, v[1] = sc->ref_retain_acc;
    v[2] = sc->ref_test_acc, v[3] = sc->ref_mia, v[4] = sc->ref_loss_auc;
}

static void original(const forget_scorecard *sc, double v[5])
{
    v[0] = sc->orig_forget_acc, v[1] = sc->orig_retain_acc;
    v[2] = sc->orig_test_acc, v[3] = sc->orig_mia, v[4] = sc->orig_loss_auc;
}

static void gaps(const forget_scorecard *sc, double v[5])
{
    v[0] = sc->gap_forget_acc, v[1] = sc->gap_retain_acc;
    v[2] = sc->gap_test_acc, v[3] = sc->gap_mia, v[4] = sc->gap_loss_auc;
}

static void assert_same_bits(const double a[5], const double b[5],
                             const char *what)
{
    for (int i = 0; i < 5; i++)
        ck_assert_msg(memcmp(&a[i], &b[i], sizeof a[i]) == 0,
                      "%s, figure %d: %.17g vs %.17g", what, i, a[i], b[i]);
}

static void assert_all_nan(const double v[5], const char *what)
{
    for (int i = 0; i < 5; i++)
        ck_assert_msg(isnan(v[i]), "%s, figure %d is %g, not NaN", what, i,
                      v[i]);
}

/* For every class forgotten and two training seeds: an "unlearned" model
 * (the original fine-tuned on the retained rows), the original and the
 * retrained model; each figure equals the separate functions', each gap
 * is 100 |judged - retrained|, avg_gap the mean of the first four. */
START_TEST(figures_are_the_eval_functions)
{
    for (int32_t c = 0; c < SC_CLASSES; c++)
        for (int seed = 1; seed <= 2; seed++) {
            sc_case k = class_case(c, 40 + (uint64_t)seed);
            forget_model *orig = trained_mlp(k.train, seed);
            forget_model *ref = trained_mlp(k.retain, seed);
            forget_model *m = NULL;
            ck_assert_int_eq(forget_model_clone(&m, orig), FORGET_OK);
            ck_assert_int_eq(forget_model_train(m, k.retain, "epochs=2"),
                             FORGET_OK);
            forget_scorecard sc = blank();
            ck_assert_int_eq(forget_eval_scorecard(m, orig, ref, k.forget,
                                                   k.retain, k.test, &sc),
                             FORGET_OK);
            ck_assert_uint_eq(sc.struct_size, sizeof sc);
            double want[5], got[5], want_ref[5], want_orig[5];
            separately(m, &k, want);
            judged(&sc, got);
            assert_same_bits(got, want, "judged");
            separately(ref, &k, want_ref);
            retrained(&sc, got);
            assert_same_bits(got, want_ref, "retrained");
            separately(orig, &k, want_orig);
            original(&sc, got);
            assert_same_bits(got, want_orig, "original");
            gaps(&sc, got);
            double sum = 0;
            for (int i = 0; i < 5; i++) {
                ck_assert_double_eq_tol(got[i],
                                        100 * fabs(want[i] - want_ref[i]),
                                        1e-12);
                sum += i < 4 ? got[i] : 0;
            }
            ck_assert_double_eq_tol(sc.avg_gap, sum / 4, 1e-12);
            /* figures are fractions; the judged model is not trivial */
            ck_assert(sc.retain_acc > 0.9 && sc.test_acc > 0.6);
            ck_assert(sc.mia >= 0 && sc.mia <= 1);
            ck_assert(sc.loss_auc >= 0 && sc.loss_auc <= 1);
            forget_model_free(m);
            forget_model_free(ref);
            forget_model_free(orig);
            case_free(&k);
        }
}
END_TEST

/* original and retrained are optional: their figures (and without
 * retrained, the gaps) are NaN; the judged figures do not change. */
START_TEST(missing_models_give_nan)
{
    sc_case k = class_case(1, 7);
    forget_model *orig = trained_mlp(k.train, 3);
    forget_model *ref = trained_mlp(k.retain, 3);
    forget_scorecard full = blank(), none = blank(), only_ref = blank(),
                     only_orig = blank();
    ck_assert_int_eq(forget_eval_scorecard(orig, orig, ref, k.forget,
                                           k.retain, k.test, &full),
                     FORGET_OK);
    ck_assert_int_eq(forget_eval_scorecard(orig, NULL, NULL, k.forget,
                                           k.retain, k.test, &none),
                     FORGET_OK);
    ck_assert_int_eq(forget_eval_scorecard(orig, NULL, ref, k.forget,
                                           k.retain, k.test, &only_ref),
                     FORGET_OK);
    ck_assert_int_eq(forget_eval_scorecard(orig, orig, NULL, k.forget,
                                           k.retain, k.test, &only_orig),
                     FORGET_OK);
    double a[5], b[5];
    judged(&full, a);
    judged(&none, b);
    assert_same_bits(a, b, "judged without the others");
    retrained(&none, b);
    assert_all_nan(b, "retrained, not given");
    original(&none, b);
    assert_all_nan(b, "original, not given");
    gaps(&none, b);
    assert_all_nan(b, "gaps without retrained");
    ck_assert(isnan(none.avg_gap));

    original(&only_ref, b);
    assert_all_nan(b, "original, not given beside retrained");
    gaps(&full, a);
    gaps(&only_ref, b);
    assert_same_bits(a, b, "gaps with retrained alone");
    ck_assert(memcmp(&full.avg_gap, &only_ref.avg_gap, sizeof(double)) == 0);

    gaps(&only_orig, b);
    assert_all_nan(b, "gaps with the original alone");
    ck_assert(isnan(only_orig.avg_gap));
    original(&full, a);
    original(&only_orig, b);
    assert_same_bits(a, b, "original without retrained");
    forget_model_free(ref);
    forget_model_free(orig);
    case_free(&k);
}
END_TEST

/* The general case: for each class, the model trained on every row (it
 * forgot nothing) against the one retrained without the class is far
 * on the forget set and near on the retained rows; any model judged
 * against itself has every gap exactly 0. */
START_TEST(far_from_retraining_and_zero_to_itself)
{
    for (int32_t c = 0; c < SC_CLASSES; c++) {
        sc_case k = class_case(c, 60 + (uint64_t)c);
        forget_model *orig = trained_mlp(k.train, 5);
        forget_model *ref = trained_mlp(k.retain, 5);
        forget_scorecard sc = blank();
        ck_assert_int_eq(forget_eval_scorecard(orig, orig, ref, k.forget,
                                               k.retain, k.test, &sc),
                         FORGET_OK);
        ck_assert_msg(sc.forget_acc > 0.9 && sc.ref_forget_acc < 0.1,
                      "class %d: forget accuracy %g, retrained %g", c,
                      sc.forget_acc, sc.ref_forget_acc);
        ck_assert_msg(sc.gap_forget_acc > 80, "class %d: forget gap %g", c,
                      sc.gap_forget_acc);
        ck_assert_msg(sc.gap_retain_acc < 5, "class %d: retain gap %g", c,
                      sc.gap_retain_acc);
        ck_assert(sc.gap_test_acc > 20); /* a third of test is class c */
        ck_assert(sc.avg_gap > 25);

        const forget_model *both[2] = {orig, ref};
        for (int i = 0; i < 2; i++) {
            forget_scorecard self = blank();
            ck_assert_int_eq(forget_eval_scorecard(both[i], both[i], both[i],
                                                   k.forget, k.retain,
                                                   k.test, &self),
                             FORGET_OK);
            double g[5], a[5], b[5];
            gaps(&self, g);
            for (int j = 0; j < 5; j++)
                ck_assert_msg(g[j] == 0.0, "class %d, gap %d is %g", c, j,
                              g[j]);
            ck_assert(self.avg_gap == 0.0);
            judged(&self, a);
            retrained(&self, b);
            assert_same_bits(a, b, "itself as retrained");
            original(&self, b);
            assert_same_bits(a, b, "itself as original");
        }
        forget_model_free(ref);
        forget_model_free(orig);
        case_free(&k);
    }
}
END_TEST

/* A host model (the library sees only its callbacks) is judged like the
 * built-in kinds, against a retrained mlp of the same shape. */
START_TEST(host_model_judged_against_an_mlp)
{
    sc_case k = class_case(2, 9);
    host_lr_shape shape = {4, SC_CLASSES, 0, 0};
    float init[SC_CLASSES * 5] = {0};
    forget_model *host = make_host_lr(&shape, init);
    ck_assert_int_eq(forget_model_train(host, k.train, "epochs=10"),
                     FORGET_OK);
    forget_model *ref = trained_mlp(k.retain, 2);
    forget_scorecard sc = blank();
    ck_assert_int_eq(forget_eval_scorecard(host, NULL, ref, k.forget,
                                           k.retain, k.test, &sc),
                     FORGET_OK);
    double want[5], got[5];
    separately(host, &k, want);
    judged(&sc, got);
    assert_same_bits(got, want, "host model");
    ck_assert(sc.gap_forget_acc > 50);
    forget_model_free(ref);
    forget_model_free(host);
    case_free(&k);
}
END_TEST

/* Each refusal: the code, a message naming the problem, *out bit for bit
 * as it was. */
static void refused(int rc, int want, const char *needle,
                    const forget_scorecard *out, const forget_scorecard *was)
{
    ck_assert_int_eq(rc, want);
    ck_assert_msg(strstr(forget_last_error(), needle) != NULL,
                  "message '%s' lacks '%s'", forget_last_error(), needle);
    ck_assert_msg(memcmp(out, was, sizeof *out) == 0, "*out was written");
}

START_TEST(refusals_leave_out_untouched)
{
    sc_case k = class_case(0, 11);
    forget_model *m = trained_mlp(k.train, 1);
    forget_model *wide = NULL, *more = NULL, *reg = NULL;
    ck_assert_int_eq(forget_model_create(&wide, "mlp", "layers=5-8-3"),
                     FORGET_OK);
    ck_assert_int_eq(forget_model_create(&more, "linear",
                                         "inputs=4 outputs=4"),
                     FORGET_OK);
    ck_assert_int_eq(forget_model_create(&reg, "linear",
                                         "inputs=4 outputs=3 task=regression"),
                     FORGET_OK);
    float x5[10] = {0}, t[6] = {0}, x4[8] = {0};
    int32_t y2[2] = {0, 1}, y9[2] = {0, 9};
    forget_dataset *five = NULL, *rdata = NULL, *empty = NULL, *beyond = NULL;
    ck_assert_int_eq(forget_dataset_create(&five, 2, 5, x5, y2, NULL),
                     FORGET_OK);
    ck_assert_int_eq(forget_dataset_create_regression(&rdata, 2, 4, x4, t, 3,
                                                      NULL),
                     FORGET_OK);
    ck_assert_int_eq(forget_dataset_slice(&empty, k.test, 0, 0), FORGET_OK);
    ck_assert_int_eq(forget_dataset_create(&beyond, 2, 4, x4, y9, NULL),
                     FORGET_OK);

    forget_scorecard out = blank(), was = out;
    const forget_dataset *F = k.forget, *R = k.retain, *T = k.test;
    refused(forget_eval_scorecard(NULL, m, m, F, R, T, &out),
            FORGET_E_INVALID, "'model'", &out, &was);
    refused(forget_eval_scorecard(m, m, m, NULL, R, T, &out),
            FORGET_E_INVALID, "'forget'", &out, &was);
    refused(forget_eval_scorecard(m, m, m, F, NULL, T, &out),
            FORGET_E_INVALID, "'retain'", &out, &was);
    refused(forget_eval_scorecard(m, m, m, F, R, NULL, &out),
            FORGET_E_INVALID, "'test'", &out, &was);
    ck_assert_int_eq(forget_eval_scorecard(m, m, m, F, R, T, NULL),
                     FORGET_E_INVALID);
    /* models */
    refused(forget_eval_scorecard(reg, NULL, NULL, F, R, T, &out),
            FORGET_E_INVALID, "regression", &out, &was);
    refused(forget_eval_scorecard(m, reg, NULL, F, R, T, &out),
            FORGET_E_INVALID, "original is a regression", &out, &was);
    refused(forget_eval_scorecard(m, wide, NULL, F, R, T, &out),
            FORGET_E_INVALID, "original takes 5 inputs", &out, &was);
    refused(forget_eval_scorecard(m, NULL, more, F, R, T, &out),
            FORGET_E_INVALID, "retrained takes 4 inputs to 4 outputs", &out,
            &was);
    /* sets */
    refused(forget_eval_scorecard(m, m, m, five, R, T, &out),
            FORGET_E_INVALID, "the forget set: the data has 5 features",
            &out, &was);
    refused(forget_eval_scorecard(m, m, m, F, rdata, T, &out),
            FORGET_E_INVALID, "the retain set is for regression", &out,
            &was);
    refused(forget_eval_scorecard(m, m, m, F, R, empty, &out),
            FORGET_E_INVALID, "the test set is empty", &out, &was);
    refused(forget_eval_scorecard(m, m, m, F, R, beyond, &out),
            FORGET_E_INVALID, "label 9", &out, &was);
    /* struct_size: smaller than the first version */
    size_t sizes[3] = {0, sizeof(size_t), sizeof out - sizeof(double)};
    for (int i = 0; i < 3; i++) {
        out.struct_size = was.struct_size = sizes[i];
        refused(forget_eval_scorecard(m, m, m, F, R, T, &out),
                FORGET_E_VERSION, "smaller than the first version", &out,
                &was);
    }
    forget_model_free(reg);
    forget_model_free(more);
    forget_model_free(wide);
    forget_model_free(m);
    forget_dataset_free(beyond);
    forget_dataset_free(empty);
    forget_dataset_free(rdata);
    forget_dataset_free(five);
    case_free(&k);
}
END_TEST

/* A caller built against a newer, longer forget_scorecard: with the bytes
 * this library does not know zero, it fills what it knows and leaves
 * them zero; with any of them set, it refuses and writes nothing. */
START_TEST(newer_callers_struct)
{
    sc_case k = class_case(1, 13);
    forget_model *m = trained_mlp(k.train, 1);
    struct newer {
        forget_scorecard v1;
        double later[3];
    } big, was;
    memset(&big, 0xa5, sizeof big);
    memset(big.later, 0, sizeof big.later);
    big.v1.struct_size = sizeof big;
    forget_scorecard plain = blank();
    ck_assert_int_eq(forget_eval_scorecard(m, NULL, m, k.forget, k.retain,
                                           k.test, &plain),
                     FORGET_OK);
    ck_assert_int_eq(forget_eval_scorecard(m, NULL, m, k.forget, k.retain,
                                           k.test, &big.v1),
                     FORGET_OK);
    ck_assert_uint_eq(big.v1.struct_size, sizeof big);
    plain.struct_size = sizeof big;
    ck_assert_mem_eq(&big.v1, &plain, sizeof plain);
    for (int i = 0; i < 3; i++)
        ck_assert(big.later[i] == 0.0);
    big.later[2] = 1.0;
    was = big;
    refused(forget_eval_scorecard(m, NULL, m, k.forget, k.retain, k.test,
                                  &big.v1),
            FORGET_E_VERSION, "not zero", &big.v1, &was.v1);
    ck_assert_mem_eq(big.later, was.later, sizeof big.later);
    forget_model_free(m);
    case_free(&k);
}
END_TEST

/* Every allocation the scorecard makes may fail: FORGET_E_NOMEM, nothing
 * leaked, *out untouched. */
START_TEST(every_allocation_may_fail)
{
    test_alloc_install();
    ck_assert_int_eq(forget_init(), FORGET_OK);
    sc_case k = class_case(2, 17);
    forget_model *m = trained_mlp(k.train, 1);
    forget_model *ref = trained_mlp(k.retain, 1);
    forget_scorecard out = blank(), was = out;
    long k_fail;
    for (k_fail = 1;; k_fail++) {
        long live = g_alloc.live;
        test_alloc_arm(k_fail);
        int rc = forget_eval_scorecard(m, m, ref, k.forget, k.retain, k.test,
                                       &out);
        g_alloc.fail_at = 0;
        if (g_alloc.failed == 0) {
            ck_assert_int_eq(rc, FORGET_OK);
            break;
        }
        ck_assert_int_eq(rc, FORGET_E_NOMEM);
        ck_assert_int_eq(g_alloc.live, live);
        ck_assert_mem_eq(&out, &was, sizeof out);
    }
    ck_assert_int_gt(k_fail, 10); /* 3 models x 3 sets, each allocating */
    forget_model_free(ref);
    forget_model_free(m);
    case_free(&k);
    ck_assert_int_eq(forget_shutdown(), FORGET_OK);
    test_alloc_uninstall();
}
END_TEST

Suite *suite_scorecard(void)
{
    Suite *s = suite_create("scorecard");
    TCase *tc = tcase_create("scorecard");
    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, fixture_init, fixture_shutdown);
    tcase_add_test(tc, figures_are_the_eval_functions);
    tcase_add_test(tc, missing_models_give_nan);
    tcase_add_test(tc, far_from_retraining_and_zero_to_itself);
    tcase_add_test(tc, host_model_judged_against_an_mlp);
    tcase_add_test(tc, refusals_leave_out_untouched);
    tcase_add_test(tc, newer_callers_struct);
    suite_add_tcase(s, tc);
    TCase *alloc = tcase_create("allocation failures");
    tcase_set_timeout(alloc, 60);
    tcase_add_test(alloc, every_allocation_may_fail);
    suite_add_tcase(s, alloc);
    return s;
}
