/* ssd (sample importances) on P ranks against one process on the union
 * of the rows: importances are sums over rows, so the dampened model
 * agrees to float32 rounding (the per-rank sums are float32 GEMMs over
 * other groupings of rows), the same bits on every rank; a model that
 * differs on one rank is refused on all. The retained-accuracy guard
 * pools the ranks' own guard rows: the figure one process gets on all of
 * them, and a costly request refused on every rank, nothing changed. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <forget/backend.h>

#include "mpi_test.h"

#define LINEAR "inputs=8 outputs=3 seed=5"

static forget_model *trained(const forget_dataset *all, const char *train)
{
    forget_model *m = NULL;
    CHECK_OK(forget_model_create(&m, "linear", LINEAR));
    CHECK_OK(forget_model_train(m, all, train));
    return m;
}

static float *params(const forget_model *m, size_t *n)
{
    *n = forget_model_param_count(m);
    float *p = malloc(*n * sizeof *p);
    CHECK_OK(forget_model_get_params(m, p, *n));
    return p;
}

static void check_close(const forget_unlearner *u, const forget_unlearner *r,
                        const char *when)
{
    size_t n = 0, nr = 0;
    float *a = params(forget_unlearner_model(u), &n);
    float *b = params(forget_unlearner_model(r), &nr);
    double num = 0, den = 0;
    for (size_t i = 0; i < n && n == nr; i++) {
        double e = (double)a[i] - (double)b[i];
        num = e < 0 ? (-e > num ? -e : num) : (e > num ? e : num);
        den = b[i] < 0 ? (-b[i] > den ? -b[i] : den) : (b[i] > den ? b[i] : den);
    }
    if (!(num <= 1e-5 * den))
        fprintf(stderr, "rank %d: ssd %s: %g relative\n", g_rank, when,
                num / den);
    CHECK(n == nr && num <= 1e-5 * den);
    double da = 0, db = 0;
    const forget_report *ra = forget_unlearner_report(u);
    const forget_report *rb = forget_unlearner_report(r);
    CHECK_OK(forget_report_get(ra, "dampened", &da));
    CHECK_OK(forget_report_get(rb, "dampened", &db));
    CHECK(da == db && da > 0);
    unsigned char d[32];
    CHECK_OK(forget_model_digest(forget_unlearner_model(u), d));
    CHECK(same_on_all_ranks(d, sizeof d));
    free(a);
    free(b);
}

void test_ssd(void)
{
    forget_comm *c = world_comm();
    forget_dataset *all = make_rows(300, 8, 3, 21);
    forget_model *m = trained(all, "epochs=3 seed=1");
    forget_model *ref_m = trained(all, "epochs=3 seed=1");
    forget_unlearner *u = NULL, *ref = NULL;
    CHECK_OK(forget_unlearner_create(&u, "ssd", m, ""));
    CHECK_OK(forget_unlearner_create(&ref, "ssd", ref_m, ""));
    CHECK_OK(forget_unlearner_set_comm(u, c));
    forget_dataset *mine = my_rows(all);
    CHECK_OK(forget_unlearner_prepare(u, mine));
    CHECK_OK(forget_unlearner_prepare(ref, all));

    /* a class's worth of rows: each rank passes those it holds */
    uint64_t ids[40];
    for (size_t j = 0; j < 40; j++)
        ids[j] = 1000 + 7 * (3 * j); /* class 0 */
    forget_dataset *rows = my_rows_of(all, ids, 40), *every = NULL;
    CHECK_OK(forget_dataset_subset_ids(&every, all, ids, 40));
    CHECK_OK(forget_unlearner_forget(u, rows));
    CHECK_OK(forget_unlearner_forget(ref, every));
    check_close(u, ref, "forget");
    /* the guard: every rank's rows pooled are one process's 260 */
    double gu = -1, gr = -2, cu = -1, cr = -2;
    CHECK_OK(forget_report_get(forget_unlearner_report(u), "guard_rows", &gu));
    CHECK_OK(forget_report_get(forget_unlearner_report(ref), "guard_rows",
                               &gr));
    CHECK_OK(forget_report_get(forget_unlearner_report(u), "guard_cost", &cu));
    CHECK_OK(forget_report_get(forget_unlearner_report(ref), "guard_cost",
                               &cr));
    CHECK(gu == 260 && gr == 260);
    CHECK(fabs(cu - cr) <= 100.0 / 260 + 1e-9); /* a row's rounding */
    CHECK(same_on_all_ranks(&cu, sizeof cu));

    /* a request that wrecks the model: refused on every rank alike, the
     * model and the state as they were */
    {
        forget_model *w = trained(all, "epochs=3 seed=1");
        forget_unlearner *wu = NULL;
        CHECK_OK(forget_unlearner_create(&wu, "ssd", w,
                                         "alpha=0.1 lambda=0.01"));
        CHECK_OK(forget_unlearner_set_comm(wu, c));
        CHECK_OK(forget_unlearner_prepare(wu, mine));
        unsigned char before[32], after[32];
        CHECK_OK(forget_model_digest(w, before));
        size_t s0 = 0, s1 = 0;
        forget_unlearner_save_buffer(wu, NULL, 0, &s0);
        unsigned char *b0 = malloc(s0), *b1 = NULL;
        CHECK_OK(forget_unlearner_save_buffer(wu, b0, s0, &s0));
        int rc = forget_unlearner_forget(wu, rows);
        CHECK(rc == FORGET_E_NUMERIC);
        CHECK(strstr(forget_last_error(), "guard") != NULL);
        CHECK(same_on_all_ranks(&rc, sizeof rc));
        CHECK_OK(forget_model_digest(w, after));
        CHECK(memcmp(before, after, sizeof before) == 0);
        forget_unlearner_save_buffer(wu, NULL, 0, &s1);
        b1 = malloc(s1 ? s1 : 1);
        CHECK_OK(forget_unlearner_save_buffer(wu, b1, s1, &s1));
        CHECK(s0 == s1 && memcmp(b0, b1, s0) == 0);
        free(b0);
        free(b1);
        forget_unlearner_free(wu);
        forget_model_free(w);
    }

    /* every rank's part saved and loaded, attached again, a second
     * request */
    size_t ssize = 0, msize = 0;
    forget_unlearner_save_buffer(u, NULL, 0, &ssize);
    forget_model_save_buffer(m, NULL, 0, &msize);
    unsigned char *sbuf = malloc(ssize), *mbuf = malloc(msize);
    CHECK_OK(forget_unlearner_save_buffer(u, sbuf, ssize, &ssize));
    CHECK_OK(forget_model_save_buffer(m, mbuf, msize, &msize));
    forget_model *lm = NULL;
    forget_unlearner *lu = NULL;
    CHECK_OK(forget_model_load_buffer(&lm, mbuf, msize));
    CHECK_OK(forget_unlearner_load_buffer(&lu, lm, sbuf, ssize));
    uint64_t more[10];
    for (size_t j = 0; j < 10; j++)
        more[j] = 1000 + 7 * (3 * (40 + j) + 1); /* class 1 */
    forget_dataset *rows2 = my_rows_of(all, more, 10), *every2 = NULL;
    CHECK_OK(forget_dataset_subset_ids(&every2, all, more, 10));
    if (g_size > 1) /* STATE; INVALID (empty) on a rank with no rows */
        CHECK(forget_unlearner_forget(lu, rows2) != FORGET_OK);
    CHECK_OK(forget_unlearner_set_comm(lu, c));
    CHECK_OK(forget_unlearner_forget(lu, rows2));
    CHECK_OK(forget_unlearner_forget(ref, every2));
    check_close(lu, ref, "forget after load");

    /* a model that differs on one rank: refused on every rank */
    if (g_size > 1) {
        forget_model *odd = trained(all, g_rank == 1 ? "epochs=3 seed=2"
                                                     : "epochs=3 seed=1");
        forget_unlearner *o = NULL;
        CHECK_OK(forget_unlearner_create(&o, "ssd", odd, ""));
        CHECK_OK(forget_unlearner_set_comm(o, c));
        CHECK(forget_unlearner_prepare(o, mine) == FORGET_E_INVALID);
        CHECK(strstr(forget_last_error(), "rank 1") != NULL);
        CHECK(!forget_unlearner_is_prepared(o));
        forget_unlearner_free(o);
        forget_model_free(odd);
    }
    free(sbuf);
    free(mbuf);
    forget_dataset_free(rows);
    forget_dataset_free(every);
    forget_dataset_free(rows2);
    forget_dataset_free(every2);
    forget_dataset_free(mine);
    forget_unlearner_free(u);
    forget_unlearner_free(lu);
    forget_unlearner_free(ref);
    forget_model_free(m);
    forget_model_free(lm);
    forget_model_free(ref_m);
    forget_dataset_free(all);
    forget_mpi_comm_free(c);
}
