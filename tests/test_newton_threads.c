/* newton's passes over the rows on threads of its own (linear models,
 * with the BLAS on one thread: METHODS.md "Threads"). The same request
 * with the same thread count gives the same bits, model and state; the
 * block preconditioner's sums do not depend on the thread count at all
 * (each block summed in chunk order); 1 and 3 threads land on the same
 * model up to rounding. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

typedef struct outcome {
    float *theta;
    unsigned char *state;
    size_t len, np;
    double cg, residual;
} outcome;

/* A softmax model trained on blobs, newton prepared on them with the
 * block preconditioner, two requests; on `threads` threads. */
static outcome run(const forget_dataset *train, int threads)
{
    ck_assert_int_eq(forget_set_threads(threads), FORGET_OK);
    forget_model *m = NULL;
    ck_assert_int_eq(forget_model_create(&m, "linear", "inputs=12 "
                                         "outputs=4"), FORGET_OK);
    ck_assert_int_eq(forget_model_train(m, train, "optimizer=sgd lr=0.1 "
                                        "momentum=0.9 epochs=30 batch=200 "
                                        "weight_decay=0.01 seed=2"),
                     FORGET_OK);
    forget_unlearner *u = prepared("newton", m, train, "weight_decay=0.01");
    const uint64_t *ids = forget_dataset_ids(train);
    const size_t at[2] = {5, 900}, count[2] = {1, 30};
    for (int r = 0; r < 2; r++) {
        forget_dataset *f = NULL;
        ck_assert_int_eq(forget_dataset_subset_ids(&f, train, ids + at[r],
                                                   count[r]), FORGET_OK);
        ck_assert_msg(forget_unlearner_forget(u, f) == FORGET_OK, "%s",
                      forget_last_error());
        forget_dataset_free(f);
    }
    outcome o;
    o.np = forget_model_param_count(m);
    o.theta = params_copy(m);
    o.state = saved_state(u, &o.len);
    forget_report_get(forget_unlearner_report(u), "cg_iterations", &o.cg);
    forget_report_get(forget_unlearner_report(u), "residual_norm",
                      &o.residual);
    forget_unlearner_free(u);
    forget_model_free(m);
    return o;
}

static void outcome_free(outcome *o)
{
    free(o->theta);
    free(o->state);
}

START_TEST(same_threads_same_bits)
{
    if (blas_one_thread() != 1)
        return; /* a BLAS whose threads cannot be set: no parts to test */
    forget_dataset *train = make_blobs(2100, 12, 4, 5, 0);
    outcome a = run(train, 3), b = run(train, 3), c = run(train, 1);
    ck_assert(a.len == b.len && !memcmp(a.state, b.state, a.len));
    ck_assert(!memcmp(a.theta, b.theta, a.np * sizeof *a.theta));
    /* the blocks' sums are the same bits on 1 thread and on 3 */
    size_t la = 0, lc = 0;
    const unsigned char *sa = find_section(a.state, a.len, "NPCS", &la);
    const unsigned char *sc = find_section(c.state, c.len, "NPCS", &lc);
    ck_assert(sa != NULL && sc != NULL && la == lc && la > 0);
    ck_assert(!memcmp(sa, sc, la));
    /* and the models agree up to rounding, both near the optimum */
    /* (plain comparisons: gcc 12's aarch64 vectoriser crashes on an
     * fmax reduction here) */
    double diff = 0.0, norm = 0.0;
    for (size_t i = 0; i < a.np; i++) {
        double e = fabs((double)a.theta[i] - c.theta[i]);
        double v = fabs((double)c.theta[i]);
        if (e > diff)
            diff = e;
        if (v > norm)
            norm = v;
    }
    ck_assert_msg(diff <= 1e-5 * norm, "%g of %g", diff, norm);
    ck_assert(a.residual < 1e-5 && c.residual < 1e-5);
    outcome_free(&a);
    outcome_free(&b);
    outcome_free(&c);
    forget_dataset_free(train);
    ck_assert_int_eq(forget_set_threads(0), FORGET_OK);
}
END_TEST

Suite *suite_newton_threads(void)
{
    Suite *s = suite_create("newton_threads");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, fixture_init, fixture_shutdown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, same_threads_same_bits);
    suite_add_tcase(s, tc);
    return s;
}
