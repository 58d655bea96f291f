/* ssd against brute force: the importances it keeps (read back from its
 * saved state) equal per-row loops, in sample and batch mode; the
 * downdated sums equal a fresh pass over D minus F; the dampened model
 * equals the rule applied to brute-force importances. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "format/container.h"
#include "data/dataset.h"
#include "internal.h"
#include "model/model.h"

/* Per-row gradient of row r (objective: the loss). */
static void row_grad(const forget_model *m, const forget_dataset *ds, size_t r,
                     float *g)
{
    memset(g, 0, m->n_params * sizeof *g);
    ck_assert_int_eq(fg_model_accumulate(m, NULL, ds, r, r + 1, FG_OBJ_LOSS,
                                         FG_ACC_GRAD, 1.0f, g, NULL),
                     FORGET_OK);
}

/* sum_r g_r^2 over ds, row by row. */
static double *brute_sample(const forget_model *m, const forget_dataset *ds)
{
    size_t P = m->n_params;
    double *s = calloc(P, sizeof *s);
    float *g = malloc(P * sizeof *g);
    for (size_t r = 0; r < ds->n; r++) {
        row_grad(m, ds, r, g);
        for (size_t i = 0; i < P; i++)
            s[i] += (double)g[i] * g[i];
    }
    free(g);
    return s;
}

/* Mean over batches (in ds order) of the squared batch-mean gradient, the
 * batch-mean gradient itself averaged row by row. */
static double *brute_batch(const forget_model *m, const forget_dataset *ds,
                           size_t batch)
{
    size_t P = m->n_params, nb = 0;
    double *s = calloc(P, sizeof *s), *mean = malloc(P * sizeof *mean);
    float *g = malloc(P * sizeof *g);
    for (size_t b = 0; b < ds->n; b += batch, nb++) {
        size_t e = b + batch < ds->n ? b + batch : ds->n;
        memset(mean, 0, P * sizeof *mean);
        for (size_t r = b; r < e; r++) {
            row_grad(m, ds, r, g);
            for (size_t i = 0; i < P; i++)
                mean[i] += g[i] / (double)(e - b);
        }
        for (size_t i = 0; i < P; i++)
            s[i] += mean[i] * mean[i];
    }
    for (size_t i = 0; i < P; i++)
        s[i] /= (double)nb;
    free(g);
    free(mean);
    return s;
}

/* The SIMP section of a saved ssd state (P doubles). */
static double *saved_importance(const forget_unlearner *u, size_t P)
{
    size_t n = 0;
    ck_assert_int_eq(forget_unlearner_save_buffer(u, NULL, 0, &n), FORGET_OK);
    unsigned char *buf = malloc(n);
    ck_assert_int_eq(forget_unlearner_save_buffer(u, buf, n, &n), FORGET_OK);
    fg_reader r;
    fg_section s;
    ck_assert_int_eq(fg_reader_open(&r, buf, n, FG_FILE_UNLEARNER, "t"),
                     FORGET_OK);
    double *imp = NULL;
    while (fg_reader_next(&r, &s) == 1)
        if (!strcmp(s.tag, "SIMP")) {
            ck_assert_uint_eq(s.len, P * sizeof(double));
            imp = malloc(s.len);
            fg_get_f64s(imp, s.data, P);
        }
    free(buf);
    ck_assert_ptr_nonnull(imp);
    return imp;
}

static void assert_close(const double *a, const double *b, size_t n,
                         double rel, const char *what)
{
    double scale = 0.0;
    for (size_t i = 0; i < n; i++)
        scale = fmax(scale, fabs(b[i]));
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(fabs(a[i] - b[i]) <= rel * fmax(fabs(b[i]), 1e-3 * scale),
                      "%s: entry %zu: %.9g vs %.9g", what, i, a[i], b[i]);
}

typedef struct setup {
    forget_dataset *D, *F, *R;
    forget_model *m;
} setup_t;

static setup_t make(void)
{
    setup_t s;
    s.D = make_blobs(700, 5, 3, 17, 0);
    uint64_t ids[40];
    for (int i = 0; i < 40; i++)
        ids[i] = (uint64_t)(i * 13 % 700);
    ck_assert_int_eq(forget_dataset_subset_ids(&s.F, s.D, ids, 40), FORGET_OK);
    ck_assert_int_eq(forget_dataset_complement(&s.R, s.D, s.F), FORGET_OK);
    ck_assert_int_eq(forget_model_create(&s.m, "mlp", "layers=5-9-3 act=tanh"),
                     FORGET_OK);
    ck_assert_int_eq(forget_model_train(s.m, s.D, "epochs=1 batch=50"),
                     FORGET_OK);
    return s;
}

static void release(setup_t *s)
{
    forget_dataset_free(s->D);
    forget_dataset_free(s->F);
    forget_dataset_free(s->R);
    forget_model_free(s->m);
}

START_TEST(sample_mode_equals_row_loop)
{
    setup_t s = make();
    size_t P = s.m->n_params;
    forget_unlearner *u = NULL;
    ck_assert_int_eq(forget_unlearner_create(&u, "ssd", s.m, ""), FORGET_OK);
    ck_assert_int_eq(forget_unlearner_prepare(u, s.D), FORGET_OK);
    double *got = saved_importance(u, P), *want = brute_sample(s.m, s.D);
    assert_close(got, want, P, 1e-5, "S_D");
    free(got);
    free(want);
    forget_unlearner_free(u);
    release(&s);
}
END_TEST

START_TEST(batch_mode_equals_batch_loop)
{
    setup_t s = make();
    size_t P = s.m->n_params;
    forget_unlearner *u = NULL;
    ck_assert_int_eq(forget_unlearner_create(&u, "ssd", s.m, "importance=batch "
                                             "batch=64"), FORGET_OK);
    ck_assert_int_eq(forget_unlearner_prepare(u, s.D), FORGET_OK);
    double *got = saved_importance(u, P), *want = brute_batch(s.m, s.D, 64);
    assert_close(got, want, P, 1e-4, "I_D (batch)");
    free(got);
    free(want);
    forget_unlearner_free(u);
    release(&s);
}
END_TEST

/* After forget(F), the kept sum equals a fresh pass over D \ F with the
 * model as it was before the request. */
START_TEST(downdate_equals_fresh_pass)
{
    setup_t s = make();
    size_t P = s.m->n_params;
    forget_model *before = NULL;
    ck_assert_int_eq(forget_model_clone(&before, s.m), FORGET_OK);
    forget_unlearner *u = NULL, *fresh = NULL;
    ck_assert_int_eq(forget_unlearner_create(&u, "ssd", s.m, "alpha=3"),
                     FORGET_OK);
    ck_assert_int_eq(forget_unlearner_prepare(u, s.D), FORGET_OK);
    ck_assert_int_eq(forget_unlearner_forget(u, s.F), FORGET_OK);
    ck_assert_int_eq(forget_unlearner_create(&fresh, "ssd", before, ""),
                     FORGET_OK);
    ck_assert_int_eq(forget_unlearner_prepare(fresh, s.R), FORGET_OK);
    double *a = saved_importance(u, P), *b = saved_importance(fresh, P);
    assert_close(a, b, P, 1e-5, "S_D - S_F vs S_(D\\F)");
    free(a);
    free(b);
    forget_unlearner_free(fresh);
    forget_unlearner_free(u);
    forget_model_free(before);
    release(&s);
}
END_TEST

/* The dampened model equals the rule applied to brute-force sums, for
 * both references. */
START_TEST(dampening_equals_rule_on_brute_force)
{
    const char *params[2] = {"alpha=2 lambda=0.8 reference=retain",
                             "alpha=2 lambda=0.8 reference=full"};
    for (int k = 0; k < 2; k++) {
        setup_t s = make();
        size_t P = s.m->n_params;
        double *sd = brute_sample(s.m, s.D), *sf = brute_sample(s.m, s.F);
        float *want = malloc(P * sizeof *want);
        size_t nd = s.D->n, nf = s.F->n, selected = 0;
        for (size_t i = 0; i < P; i++) {
            double ref = k == 0 ? (sd[i] - sf[i]) / (double)(nd - nf)
                                : sd[i] / (double)nd;
            double f = sf[i] / (double)nf;
            want[i] = s.m->theta[i];
            if (f > 2 * ref) {
                double beta = fmin(0.8 * ref / f, 1.0);
                want[i] = (float)((double)want[i] * beta);
                selected++;
            }
        }
        forget_unlearner *u = NULL;
        ck_assert_int_eq(forget_unlearner_create(&u, "ssd", s.m, params[k]),
                         FORGET_OK);
        ck_assert_int_eq(forget_unlearner_prepare(u, s.D), FORGET_OK);
        ck_assert_int_eq(forget_unlearner_forget(u, s.F), FORGET_OK);
        double dampened = 0;
        forget_report_get(forget_unlearner_report(u), "dampened", &dampened);
        ck_assert_uint_gt(selected, 0);
        ck_assert_double_eq(dampened, (double)selected);
        for (size_t i = 0; i < P; i++)
            ck_assert_msg(fabsf(s.m->theta[i] - want[i]) <=
                              1e-4f * fmaxf(1.0f, fabsf(want[i])),
                          "%s: parameter %zu: %g vs %g", params[k], i,
                          (double)s.m->theta[i], (double)want[i]);
        free(want);
        free(sd);
        free(sf);
        forget_unlearner_free(u);
        release(&s);
    }
}
END_TEST

Suite *suite_ssd_brute(void)
{
    Suite *s = suite_create("ssd-brute-force");
    TCase *tc = tcase_create("ssd-brute-force");
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, fixture_init, fixture_shutdown);
    tcase_add_test(tc, sample_mode_equals_row_loop);
    tcase_add_test(tc, batch_mode_equals_batch_loop);
    tcase_add_test(tc, downdate_equals_fresh_pass);
    tcase_add_test(tc, dampening_equals_rule_on_brute_force);
    suite_add_tcase(s, tc);
    return s;
}
