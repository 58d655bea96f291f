/* Training with a scratch kept between runs (fg_model_train_rows_in) gives
 * the bits training without one gives, whatever ran in the scratch
 * before: more rows or fewer, fewer rows than a batch or than the lanes,
 * other lanes, Adam after SGD, buffers made ahead or grown on the way. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "model/kit.h"
#include "model/model.h"

typedef struct run {
    size_t n, step; /* rows 0, step, 2 step, ... (n of them) */
    const char *params;
} run;

static void rows_of(const run *r, size_t *rows)
{
    for (size_t i = 0; i < r->n; i++)
        rows[i] = i * r->step;
}

/* Each run on a copy of m with the scratch and on another without: the
 * same parameters and the same report, bit for bit. */
static void check_runs(const forget_model *m, const forget_dataset *ds,
                       fg_train_scratch *s, const run *runs, size_t n_runs)
{
    size_t rows[256];
    for (size_t i = 0; i < n_runs; i++) {
        forget_model *a = NULL, *b = NULL;
        ck_assert_int_eq(forget_model_clone(&a, m), FORGET_OK);
        ck_assert_int_eq(forget_model_clone(&b, m), FORGET_OK);
        rows_of(&runs[i], rows);
        ck_assert_int_eq(fg_model_train_rows_in(a, ds, rows, runs[i].n,
                                                runs[i].params, 2, s),
                         FORGET_OK);
        ck_assert_int_eq(fg_model_train_rows(b, ds, rows, runs[i].n,
                                             runs[i].params, 2),
                         FORGET_OK);
        ck_assert_msg(memcmp(a->theta, b->theta,
                             a->n_params * sizeof *a->theta) == 0,
                      "run %zu (%s) differs with a scratch", i,
                      runs[i].params);
        double la, lb;
        forget_report_get(forget_model_train_report(a), "final_loss", &la);
        forget_report_get(forget_model_train_report(b), "final_loss", &lb);
        ck_assert(la == lb);
        forget_model_free(a);
        forget_model_free(b);
    }
}

START_TEST(scratch_gives_the_same_bits)
{
    forget_dataset *ds = make_blobs(240, 6, 4, 8, 0);
    forget_model *m = NULL;
    ck_assert_int_eq(forget_model_create(&m, "mlp", "layers=6-10-4 seed=3"),
                     FORGET_OK);
    static const run runs[] = {
        {40, 3, "lr=0.05 batch=16 epochs=2 seed=5"},
        {200, 1, "lr=0.05 batch=16 epochs=2 seed=6"},     /* grows */
        {3, 7, "lr=0.05 batch=16 epochs=3 seed=6 lanes=4"}, /* 3 lanes */
        {120, 2, "lr=0.05 batch=16 epochs=2 seed=7 lanes=4"},
        {60, 4, "lr=0.05 batch=32 epochs=1 seed=8 lanes=2"}, /* wider */
        {80, 3, "optimizer=adam lr=0.01 batch=7 epochs=2 lanes=3"},
        {10, 1, "lr=0.05 batch=16 epochs=2 seed=5"},
        {240, 1, "optimizer=adam lr=0.01 batch=16 epochs=1 lanes=2"},
    };
    size_t n = sizeof runs / sizeof *runs;
    fg_train_scratch *s = NULL;
    ck_assert_int_eq(fg_train_scratch_new(&s), FORGET_OK);
    check_runs(m, ds, s, runs, n); /* grown on the way */
    fg_train_scratch_free(s);
    ck_assert_int_eq(fg_train_scratch_new(&s), FORGET_OK);
    ck_assert_int_eq(fg_train_scratch_reserve(s, m, ds, 240, "optimizer=adam "
                                              "batch=16 lanes=4"),
                     FORGET_OK);
    check_runs(m, ds, s, runs, n); /* made ahead */
    ck_assert_int_eq(fg_train_scratch_reserve(s, m, ds, 240, "batch=zz"),
                     FORGET_E_PARAM);
    fg_train_scratch_free(s);
    fg_train_scratch_free(NULL);
    forget_model_free(m);
    forget_dataset_free(ds);
}
END_TEST

Suite *suite_train_scratch(void)
{
    Suite *s = suite_create("train_scratch");
    TCase *tc = tcase_create("train_scratch");
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, fixture_init, fixture_shutdown);
    tcase_add_test(tc, scratch_gives_the_same_bits);
    suite_add_tcase(s, tc);
    return s;
}
