/* analytic's deferred updates (a request's update of R applied by the next
 * request's sweep, G's changes buffered): long chains of requests, mostly
 * one row, some of 2 to 8 (the deferred path, the direct one and
 * refactorisations), crossing the G buffer, refreshes and
 * refactorisations, equal refits; a state saved and loaded mid-chain goes
 * on bit for bit like the one that was saved; a refused request (canceled
 * after the sweep, rows that differ, unknown ids, an indefinite update)
 * leaves no trace: the head, the saved state and every later result are
 * bit-identical to those of an unlearner that never saw it. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analytic_pool.h"
#include "data/dataset.h"
#include "model/kit.h"

#define MODEL "inputs=12 outputs=3 features=random width=40 seed=3 gamma=0.5"
enum { POOL = 300, START = 150 };

/* The next request of a chain: learn or forget, k rows (picked[] set),
 * from the rows now in (in[]) or out; every 9th request 2 to 6 rows
 * (pending up to 4, applied at once above), every 37th 8 (refactored:
 * 6k >= d = 41), else one row, often the one the last request named
 * (a learn-back). */
typedef struct chain {
    uint64_t s;
    int step, learn;
    char in[POOL], pick[POOL];
    size_t k, last;
} chain;

static uint64_t lcg(uint64_t *s)
{
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return *s >> 33;
}

static void chain_init(chain *c, uint64_t seed)
{
    memset(c, 0, sizeof *c);
    c->s = seed;
    for (size_t i = 0; i < START; i++)
        c->in[i] = 1;
}

static void chain_next(chain *c)
{
    c->step++;
    c->k = c->step % 37 == 0 ? 8 : c->step % 9 == 0 ? 2 + lcg(&c->s) % 5 : 1;
    memset(c->pick, 0, sizeof c->pick);
    if (c->k == 1 && lcg(&c->s) % 3 == 0) { /* the last row back or out */
        c->learn = !c->in[c->last];
        c->pick[c->last] = 1;
        return;
    }
    c->learn = (int)(lcg(&c->s) & 1);
    size_t got = 0;
    for (size_t tries = 0; got < c->k && tries < 100 * POOL; tries++) {
        size_t r = lcg(&c->s) % POOL;
        if (!c->pick[r] && c->in[r] != c->learn) {
            c->pick[r] = 1;
            c->last = r;
            got++;
        }
    }
    c->k = got;
}

static void chain_done(chain *c)
{
    for (size_t i = 0; i < POOL; i++)
        if (c->pick[i])
            c->in[i] = (char)c->learn;
}

/* Run the chain's current request on u (by ids when by_ids and it
 * forgets); its status. */
static int run(forget_unlearner *u, const forget_dataset *p, const chain *c,
               int by_ids)
{
    forget_dataset *req = am_rows_where(p, c->pick);
    int rc;
    if (c->learn)
        rc = forget_unlearner_learn(u, req);
    else if (by_ids)
        rc = forget_unlearner_forget_ids(u, forget_dataset_ids(req),
                                         forget_dataset_rows(req));
    else
        rc = forget_unlearner_forget(u, req);
    forget_dataset_free(req);
    return rc;
}

static double report(const forget_unlearner *u, const char *key)
{
    double v = -1;
    forget_report_get(forget_unlearner_report(u), key, &v);
    return v;
}

static void assert_same_state(const forget_unlearner *a,
                              const forget_unlearner *b, int step)
{
    size_t na, nb;
    unsigned char *sa = saved_state(a, &na), *sb = saved_state(b, &nb);
    ck_assert_msg(na == nb && !memcmp(sa, sb, na),
                  "step %d: the saved states differ", step);
    free(sa);
    free(sb);
}

static void assert_same_head(forget_model *a, forget_model *b, int step)
{
    size_t n = forget_model_outputs(a) * fg_analytic_dim(a);
    double *ha = am_head(a), *hb = am_head(b);
    ck_assert_msg(!memcmp(ha, hb, n * sizeof *ha), "step %d: the heads "
                  "differ (%.3g)", step, am_rel_diff(ha, hb, n));
    free(ha);
    free(hb);
}

static forget_unlearner *am_prepared(forget_model **m, const forget_dataset *p,
                                     const char *params)
{
    ck_assert_int_eq(forget_model_create(m, "analytic", MODEL), FORGET_OK);
    forget_unlearner *u = NULL;
    ck_assert_int_eq(forget_unlearner_create(&u, "analytic", *m, params),
                     FORGET_OK);
    char in[POOL] = {0};
    memset(in, 1, START);
    forget_dataset *start = am_rows_where(p, in);
    ck_assert_int_eq(forget_unlearner_prepare(u, start), FORGET_OK);
    forget_dataset_free(start);
    return u;
}

START_TEST(long_chains_match_refits)
{
    forget_dataset *p = am_pool(POOL, 12, 0);
    for (int keep = 0; keep < 2; keep++) {
        forget_model *m = NULL;
        forget_unlearner *u = am_prepared(&m, p, keep ? "keep_rows=true" : "");
        chain c;
        chain_init(&c, 11u + (uint64_t)keep);
        int one_row = 0, refreshed = 0, woodbury = 0, refactored = 0;
        double worst = 0;
        for (int step = 0; step < 400; step++) {
            chain_next(&c);
            if (c.k == 0)
                continue;
            int rc = run(u, p, &c, keep && step % 2);
            ck_assert_msg(rc == FORGET_OK, "step %d: %s", step,
                          forget_last_error());
            chain_done(&c);
            one_row += c.k == 1;
            refreshed += report(u, "refreshed") == 1;
            woodbury += report(u, "woodbury") == 1;
            refactored += report(u, "woodbury") == 0;
            if (step % 20 == 19)
                worst = fmax(worst, am_diff_from_refit(m, p, c.in));
        }
        worst = fmax(worst, am_diff_from_refit(m, p, c.in));
        ck_assert_msg(worst < 1e-9, "keep_rows=%d: %.3g from a refit", keep,
                      worst);
        /* more one-row requests than the G buffer holds, refreshes and
         * refactorisations on the way */
        ck_assert_int_gt(one_row, 3 * 64);
        ck_assert_int_gt(refreshed, 2);
        ck_assert_int_gt(refactored, 2);
        ck_assert_int_gt(woodbury, 300);
        forget_unlearner_free(u);
        forget_model_free(m);
    }
    forget_dataset_free(p);
}
END_TEST

/* The model and the state saved mid-chain (after one-row requests, with
 * an update of R pending and rows in G's buffer), loaded, and both chains
 * run on: bit for bit alike. A state saved without the drift estimate
 * (ADRF, as older libraries wrote it) goes on within 1e-9 of a refit. */
START_TEST(save_and_load_mid_chain_go_on_alike)
{
    forget_dataset *p = am_pool(POOL, 12, 0);
    forget_model *m = NULL, *m2 = NULL, *m3 = NULL;
    forget_unlearner *u = am_prepared(&m, p, ""), *u2 = NULL, *u3 = NULL;
    chain c;
    chain_init(&c, 5);
    for (int step = 0; step < 260; step++) {
        chain_next(&c);
        if (c.k == 0)
            continue;
        ck_assert_int_eq(run(u, p, &c, 0), FORGET_OK);
        if (u2) {
            ck_assert_int_eq(run(u2, p, &c, 0), FORGET_OK);
            assert_same_head(m, m2, step);
        }
        if (u3)
            ck_assert_int_eq(run(u3, p, &c, 0), FORGET_OK);
        chain_done(&c);
        if (step == 70 || step == 171) { /* a one-row request just ran */
            ck_assert_uint_eq(c.k, 1);
            forget_unlearner_free(u2);
            forget_unlearner_free(u3);
            forget_model_free(m2);
            forget_model_free(m3);
            size_t nm, ns;
            ck_assert_int_eq(forget_model_save_buffer(m, NULL, 0, &nm),
                             FORGET_OK);
            unsigned char *mb = malloc(nm);
            ck_assert_int_eq(forget_model_save_buffer(m, mb, nm, &nm),
                             FORGET_OK);
            unsigned char *sb = saved_state(u, &ns);
            /* saving again writes the same bytes */
            size_t ns2;
            unsigned char *sb2 = saved_state(u, &ns2);
            ck_assert(ns == ns2 && !memcmp(sb, sb2, ns));
            size_t adrf = 0;
            ck_assert_ptr_nonnull(find_section(sb, ns, "ADRF", &adrf));
            ck_assert_uint_eq(adrf, 8);
            ck_assert_int_eq(forget_model_load_buffer(&m2, mb, nm), FORGET_OK);
            ck_assert_int_eq(forget_model_load_buffer(&m3, mb, nm), FORGET_OK);
            ck_assert_int_eq(forget_unlearner_load_buffer(&u2, m2, sb, ns),
                             FORGET_OK);
            ns2 = strip_section(sb2, ns2, "ADRF");
            ck_assert_int_eq(forget_unlearner_load_buffer(&u3, m3, sb2, ns2),
                             FORGET_OK);
            free(mb);
            free(sb);
            free(sb2);
        }
    }
    assert_same_state(u, u2, 260);
    ck_assert_double_lt(am_diff_from_refit(m, p, c.in), 1e-9);
    ck_assert_double_lt(am_diff_from_refit(m3, p, c.in), 1e-9);
    forget_unlearner_free(u);
    forget_unlearner_free(u2);
    forget_unlearner_free(u3);
    forget_model_free(m);
    forget_model_free(m2);
    forget_model_free(m3);
    forget_dataset_free(p);
}
END_TEST

/* Cancels a request at its last progress report (after the sweep over R
 * and the plan). */
static int cancel_late(double fraction, const char *stage, void *user)
{
    (void)stage;
    (void)user;
    return fraction > 0.5 && fraction < 1.0;
}

/* A row of the chain's current request with its first feature changed
 * (same id). */
static forget_dataset *forged(const forget_dataset *p, const chain *c,
                              float by)
{
    size_t r = 0;
    while (!c->pick[r])
        r++;
    float x[12];
    memcpy(x, p->x + r * 12, sizeof x);
    x[0] += by;
    uint64_t id = r;
    forget_dataset *f = NULL;
    ck_assert_int_eq(forget_dataset_create(&f, 1, 12, x, &p->labels[r], &id),
                     FORGET_OK);
    return f;
}

/* Twins: u and v run the same chain; u is also given refused requests
 * (every kind, forgetting and learning, one row and several). After each
 * the heads are bit-identical, and the saved states every 10 steps and at
 * the end. old: the twins are loaded from a state without fingerprints
 * (AFPR stripped), where a forged row is refused only when the update
 * turns out indefinite, after the sweep. */
static void refusals(int old)
{
    forget_dataset *p = am_pool(POOL, 12, 0);
    forget_model *m = NULL, *mv = NULL;
    forget_unlearner *u = am_prepared(&m, p, ""), *v = NULL;
    size_t nm, ns;
    ck_assert_int_eq(forget_model_save_buffer(m, NULL, 0, &nm), FORGET_OK);
    unsigned char *mb = malloc(nm), *sb = saved_state(u, &ns);
    ck_assert_int_eq(forget_model_save_buffer(m, mb, nm, &nm), FORGET_OK);
    if (old) {
        ns = strip_section(sb, ns, "AFPR");
        forget_unlearner_free(u);
        forget_model_free(m);
        ck_assert_int_eq(forget_model_load_buffer(&m, mb, nm), FORGET_OK);
        ck_assert_int_eq(forget_unlearner_load_buffer(&u, m, sb, ns),
                         FORGET_OK);
    }
    ck_assert_int_eq(forget_model_load_buffer(&mv, mb, nm), FORGET_OK);
    ck_assert_int_eq(forget_unlearner_load_buffer(&v, mv, sb, ns), FORGET_OK);
    free(mb);
    free(sb);
    chain c;
    chain_init(&c, 23u + (uint64_t)old);
    int refused = 0, after_sweep = 0;
    for (int step = 0; step < 150; step++) {
        chain_next(&c);
        if (c.k == 0)
            continue;
        if (step % 3 == 0) { /* canceled: the whole request, late */
            forget_unlearner_set_progress(u, cancel_late, NULL);
            ck_assert_int_eq(run(u, p, &c, 0), FORGET_E_CANCELED);
            forget_unlearner_set_progress(u, NULL, NULL);
            refused++;
            after_sweep++;
        }
        if (step % 5 == 0 && !c.learn) { /* rows that were not learned */
            forget_dataset *f = forged(p, &c, old ? 40.0f : 1e-3f);
            int rc = forget_unlearner_forget(u, f);
            ck_assert_int_eq(rc, old ? FORGET_E_NUMERIC : FORGET_E_INVALID);
            after_sweep += old;
            forget_dataset_free(f);
            refused++;
        }
        if (step % 7 == 0) { /* an id never learned */
            uint64_t id = 999999;
            ck_assert_int_eq(forget_unlearner_forget_ids(u, &id, 1),
                             FORGET_E_UNSUPPORTED); /* no kept rows */
            forget_dataset *one = NULL, *f = NULL;
            ck_assert_int_eq(forget_dataset_slice(&one, p, 0, 1), FORGET_OK);
            ck_assert_int_eq(forget_dataset_create(&f, 1, 12, one->x,
                                                   one->labels, &id), FORGET_OK);
            ck_assert_int_eq(forget_unlearner_forget(u, f),
                             FORGET_E_NOT_FOUND);
            forget_dataset_free(one);
            forget_dataset_free(f);
            refused++;
        }
        assert_same_head(m, mv, step);
        ck_assert_int_eq(run(u, p, &c, 0), FORGET_OK);
        ck_assert_int_eq(run(v, p, &c, 0), FORGET_OK);
        chain_done(&c);
        assert_same_head(m, mv, step);
        if (step % 10 == 0)
            assert_same_state(u, v, step);
    }
    assert_same_state(u, v, 150);
    ck_assert_int_gt(refused, 60);
    ck_assert_int_gt(after_sweep, old ? 60 : 40);
    ck_assert_double_lt(am_diff_from_refit(m, p, c.in), 1e-9);
    forget_unlearner_free(u);
    forget_unlearner_free(v);
    forget_model_free(m);
    forget_model_free(mv);
    forget_dataset_free(p);
}

START_TEST(refused_requests_leave_no_trace)
{
    refusals(0);
}
END_TEST

START_TEST(refused_after_the_sweep_in_an_old_state_leave_no_trace)
{
    refusals(1);
}
END_TEST

Suite *suite_analytic_chain(void)
{
    Suite *s = suite_create("analytic-chain");
    TCase *tc = tcase_create("analytic-chain");
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, fixture_init, fixture_shutdown);
    tcase_add_test(tc, long_chains_match_refits);
    tcase_add_test(tc, save_and_load_mid_chain_go_on_alike);
    tcase_add_test(tc, refused_requests_leave_no_trace);
    tcase_add_test(tc, refused_after_the_sweep_in_an_old_state_leave_no_trace);
    suite_add_tcase(s, tc);
    return s;
}
