/* newton's certified mode (Guo et al. 2020) through the public API, on
 * small binary problems made here and trained with perturb to the
 * optimum (full batches). The perturbation b is recovered from the
 * trained model (at the optimum of the perturbed objective, the
 * unperturbed gradient is -b/n), so the test computes the true residual
 * of every request itself and checks that the certificate's bound covers
 * it. A sequence of removals spends exactly the reported bounds and
 * retrains exactly when the next bound would pass the budget, and a
 * retrain equals libforget's own training on the retained rows, bit for
 * bit. The same seed gives the same certificate; refusals (at create, at
 * prepare, at a request, every allocation failing) leave the model and
 * the state bit-identical; a state saved mid-chain continues
 * identically, and one whose certificate does not fit is refused. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

/* Full batches to the optimum; the seed draws b. */
#define TRAIN_BASE "optimizer=sgd lr=0.5 momentum=0.9 batch=100000 " \
                   "shuffle=false weight_decay=0.02 perturb=1"
#define TRAIN TRAIN_BASE " epochs=1500 seed=3"

typedef struct binprob {
    size_t n, d;
    float *x;
    int32_t *y;
    uint64_t *ids;
    forget_dataset *D;
} binprob;

static double unit01(uint64_t *s)
{
    return (double)(test_splitmix(s) >> 11) * (1.0 / 9007199254740992.0);
}

static double gauss(uint64_t *s)
{
    double u = unit01(s) + 1e-300, v = unit01(s);
    return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

/* n rows of d features (norm about 1) labelled by a noisy linear rule. */
static binprob make_bin(size_t n, size_t d, uint64_t seed, uint64_t id0)
{
    binprob p = {n, d, malloc(n * d * sizeof(float)),
                 malloc(n * sizeof(int32_t)), malloc(n * sizeof(uint64_t)),
                 NULL};
    uint64_t s = seed;
    double w[16];
    for (size_t j = 0; j < d; j++)
        w[j] = gauss(&s);
    for (size_t i = 0; i < n; i++) {
        double z = 0.0;
        for (size_t j = 0; j < d; j++) {
            p.x[i * d + j] = (float)(gauss(&s) / sqrt((double)d));
            z += w[j] * p.x[i * d + j];
        }
        p.y[i] = z + 0.5 * gauss(&s) > 0;
        p.ids[i] = id0 + 3 * i;
    }
    ck_assert_int_eq(forget_dataset_create(&p.D, n, d, p.x, p.y, p.ids),
                     FORGET_OK);
    return p;
}

static void bin_free(binprob *p)
{
    free(p->x);
    free(p->y);
    free(p->ids);
    forget_dataset_free(p->D);
}

/* A model's parameters, copied into one of two slots. */
static float g_theta[2][64];
static const float *theta_of(const forget_model *m, int slot)
{
    size_t n = forget_model_param_count(m);
    ck_assert(n <= 64);
    ck_assert_int_eq(forget_model_get_params(m, g_theta[slot], n), FORGET_OK);
    return g_theta[slot];
}

static forget_model *trained(const binprob *p, const forget_dataset *ds,
                             const char *train)
{
    char mp[96];
    forget_model *m = NULL;
    snprintf(mp, sizeof mp, "inputs=%zu outputs=2 seed=4", p->d);
    ck_assert_int_eq(forget_model_create(&m, "linear", mp), FORGET_OK);
    ck_assert_msg(forget_model_train(m, ds, train) == FORGET_OK, "%s",
                  forget_last_error());
    return m;
}

static double rep(const forget_unlearner *u, const char *key)
{
    double v = NAN;
    ck_assert_msg(forget_report_get(forget_unlearner_report(u), key, &v) ==
                      FORGET_OK, "no %s", key);
    return v;
}

/* g (2 (d+1)) = sum over rows with in[i] of the cross-entropy gradient
 * at the model's parameters, plus lambda cnt theta (the sum form without
 * b); returns the count. */
static size_t grad_sum(const binprob *p, const unsigned char *in,
                       const float *th, double lambda, double *g)
{
    size_t d = p->d, P = 2 * (d + 1), cnt = 0;
    memset(g, 0, P * sizeof *g);
    for (size_t i = 0; i < p->n; i++) {
        if (!in[i])
            continue;
        cnt++;
        double z[2];
        for (size_t c = 0; c < 2; c++) {
            z[c] = th[2 * d + c];
            for (size_t j = 0; j < d; j++)
                z[c] += (double)th[c * d + j] * p->x[i * d + j];
        }
        double p1 = 1.0 / (1.0 + exp(z[0] - z[1]));
        double dz[2] = {1.0 - p1 - (p->y[i] == 0), p1 - (p->y[i] == 1)};
        for (size_t c = 0; c < 2; c++) {
            for (size_t j = 0; j < d; j++)
                g[c * d + j] += dz[c] * p->x[i * d + j];
            g[2 * d + c] += dz[c];
        }
    }
    for (size_t i = 0; i < P; i++)
        g[i] += lambda * (double)cnt * th[i];
    return cnt;
}

static double vnorm(const double *v, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += v[i] * v[i];
    return sqrt(s);
}

static forget_dataset *one_row(const binprob *p, size_t i)
{
    forget_dataset *f = NULL;
    ck_assert_int_eq(forget_dataset_create(&f, 1, p->d, p->x + i * p->d,
                                           p->y + i, p->ids + i), FORGET_OK);
    return f;
}

static forget_unlearner *cert_unlearner(forget_model *m, const char *extra)
{
    char params[512];
    snprintf(params, sizeof params, "certified=true epsilon=1 delta=1e-4 "
             "train=\"%s\" %s", TRAIN, extra ? extra : "");
    forget_unlearner *u = NULL;
    ck_assert_msg(forget_unlearner_create(&u, "newton", m, params) ==
                      FORGET_OK, "%s", forget_last_error());
    return u;
}

/* The chain's request order: rows spread over the set. */
static size_t nth_row(size_t q, size_t n) { return (q * 37 + 11) % n; }

START_TEST(spends_the_bound_and_retrains_at_the_budget)
{
    binprob p = make_bin(300, 5, 21, 500);
    forget_model *m = trained(&p, p.D, TRAIN);
    size_t P = 2 * (p.d + 1);
    unsigned char *in = malloc(p.n);
    memset(in, 1, p.n);
    double *g = malloc(P * sizeof *g), *b = malloc(P * sizeof *b);
    /* b = -(sum-form gradient without b) at the trained optimum */
    grad_sum(&p, in, theta_of(m, 0), 0.02, g);
    for (size_t i = 0; i < P; i++)
        b[i] = -g[i];
    forget_unlearner *u = cert_unlearner(m, NULL);
    ck_assert_int_eq(forget_unlearner_prepare(u, p.D), FORGET_OK);
    double budget = rep(u, "cert_budget"), spent = rep(u, "cert_spent");
    /* sigma epsilon / sqrt(2 ln(1.5 / delta)) */
    ck_assert_double_eq_tol(budget, 1.0 / sqrt(2.0 * log(1.5e4)), 1e-12);
    ck_assert(spent >= 0 && spent < 1e-3 * budget);
    int steps = 0, retrains = 0;
    for (size_t q = 0; q < 14; q++) {
        size_t row = nth_row(q, p.n);
        forget_dataset *f = one_row(&p, row);
        ck_assert_msg(forget_unlearner_forget(u, f) == FORGET_OK, "%s",
                      forget_last_error());
        in[row] = 0;
        double bound = rep(u, "cert_bound"), now = rep(u, "cert_spent");
        int retrained = rep(u, "retrained") != 0;
        ck_assert_double_eq(rep(u, "cert_left"), budget - now);
        ck_assert_double_eq(rep(u, "cert_epsilon"), 1.0);
        ck_assert_double_eq(rep(u, "cert_delta"), 1e-4);
        ck_assert(bound > 0);
        ck_assert_int_eq(retrained, spent + bound > budget);
        const float *th = theta_of(m, 0);
        size_t cnt = grad_sum(&p, in, th, 0.02, g);
        for (size_t i = 0; i < P; i++)
            g[i] += b[i];
        double truth = vnorm(g, P); /* the residual, up to b's recovery */
        if (!retrained) {
            steps++;
            ck_assert_double_eq(now, spent + bound);
            /* the bound covers the step's true residual */
            ck_assert_msg(truth <= bound + 1e-3 * budget, "residual %g, "
                          "bound %g", truth, bound);
        } else {
            retrains++;
            ck_assert(now <= budget && now < 1e-3 * budget);
            ck_assert(truth < 1e-3 * budget);
            /* equal to training from scratch on the retained rows */
            uint64_t *keep = malloc(cnt * sizeof *keep);
            size_t k = 0;
            for (size_t i = 0; i < p.n; i++)
                if (in[i])
                    keep[k++] = p.ids[i];
            forget_dataset *r = NULL;
            ck_assert_int_eq(forget_dataset_subset_ids(&r, p.D, keep, k),
                             FORGET_OK);
            forget_model *fresh = trained(&p, r, TRAIN);
            ck_assert(!memcmp(theta_of(fresh, 1), th,
                              P * sizeof(float)));
            forget_model_free(fresh);
            forget_dataset_free(r);
            free(keep);
        }
        ck_assert_double_eq_tol(rep(u, "residual_norm") * (double)cnt, truth,
                                1e-3 * budget);
        spent = now;
        forget_dataset_free(f);
    }
    ck_assert_int_ge(steps, 3);
    ck_assert_int_ge(retrains, 2);
    forget_unlearner_free(u);
    forget_model_free(m);
    free(in);
    free(g);
    free(b);
    bin_free(&p);
}
END_TEST

/* Two runs from the same seed: the same certificate at every request
 * (and the same state); another training seed draws another b. */
START_TEST(same_seed_same_certificate)
{
    binprob p = make_bin(200, 4, 22, 500);
    forget_model *m[2];
    forget_unlearner *u[2];
    for (int r = 0; r < 2; r++) {
        m[r] = trained(&p, p.D, TRAIN);
        u[r] = cert_unlearner(m[r], NULL);
        ck_assert_int_eq(forget_unlearner_prepare(u[r], p.D), FORGET_OK);
    }
    static const char *const keys[] = {"cert_bound", "cert_spent",
                                       "cert_left", "retrained",
                                       "residual_norm"};
    for (size_t q = 0; q < 6; q++) {
        forget_dataset *f = one_row(&p, nth_row(q, p.n));
        for (int r = 0; r < 2; r++)
            ck_assert_int_eq(forget_unlearner_forget(u[r], f), FORGET_OK);
        for (size_t k = 0; k < sizeof keys / sizeof *keys; k++)
            ck_assert_double_eq(rep(u[0], keys[k]), rep(u[1], keys[k]));
        forget_dataset_free(f);
    }
    static const char *const tags[] = {"NCRT"};
    assert_same_sections(u[0], u[1], tags, 1);
    /* another seed: another perturbation, another model */
    forget_model *o = trained(&p, p.D, TRAIN_BASE " epochs=1500 seed=9");
    ck_assert(memcmp(theta_of(o, 0),
                     theta_of(m[0], 1),
                     10 * sizeof(float)) != 0);
    forget_model_free(o);
    for (int r = 0; r < 2; r++) {
        forget_unlearner_free(u[r]);
        forget_model_free(m[r]);
    }
    bin_free(&p);
}
END_TEST

static void assert_create_refused(forget_model *m, const char *params,
                                  int code)
{
    forget_unlearner *u = NULL;
    int rc = forget_unlearner_create(&u, "newton", m, params);
    ck_assert_msg(rc == code, "%s: %d (%s)", params, rc, forget_last_error());
    ck_assert(u == NULL && strlen(forget_last_error()) > 0);
}

START_TEST(what_is_not_certified_is_refused)
{
    binprob p = make_bin(60, 3, 23, 500);
    forget_model *m = trained(&p, p.D, TRAIN);
    /* training parameters without perturb, or without weight decay */
    assert_create_refused(m, "certified=true train=\"weight_decay=0.1\"",
                          FORGET_E_PARAM);
    assert_create_refused(m, "certified=true train=\"perturb=1\"",
                          FORGET_E_PARAM);
    assert_create_refused(m, "certified=true weight_decay=0.5 train=\""
                          TRAIN "\"", FORGET_E_PARAM);
    assert_create_refused(m, "certified=true train=\"lrr=1\"",
                          FORGET_E_PARAM);
    assert_create_refused(m, "certified=true damping=0.1 train=\"" TRAIN "\"",
                          FORGET_E_PARAM);
    assert_create_refused(m, "certified=true retain_budget=0.5 train=\""
                          TRAIN "\"", FORGET_E_PARAM);
    /* the block preconditioner asked for is refused, not ignored; the
     * diagonal asked for, or nothing, is taken */
    assert_create_refused(m, "certified=true preconditioner=block train=\""
                          TRAIN "\"", FORGET_E_PARAM);
    ck_assert(strstr(forget_last_error(), "preconditioner") != NULL);
    forget_unlearner *ud = NULL;
    ck_assert_int_eq(forget_unlearner_create(&ud, "newton", m, "certified=true "
                                             "preconditioner=diagonal train=\""
                                             TRAIN "\""), FORGET_OK);
    forget_unlearner_free(ud);
    /* three classes, regression, an mlp */
    forget_model *k3 = NULL, *reg = NULL, *mlp = NULL;
    ck_assert_int_eq(forget_model_create(&k3, "linear", "inputs=3 outputs=3"),
                     FORGET_OK);
    ck_assert_int_eq(forget_model_create(&reg, "linear", "inputs=3 outputs=2 "
                                         "task=regression"), FORGET_OK);
    ck_assert_int_eq(forget_model_create(&mlp, "mlp", "layers=3-4-2"),
                     FORGET_OK);
    const char *cp = "certified=true train=\"" TRAIN "\"";
    assert_create_refused(k3, cp, FORGET_E_UNSUPPORTED);
    ck_assert(strstr(forget_last_error(), "binary") != NULL);
    assert_create_refused(reg, cp, FORGET_E_UNSUPPORTED);
    assert_create_refused(mlp, cp, FORGET_E_UNSUPPORTED);
    /* training an mlp with perturb */
    ck_assert_int_eq(forget_model_train(mlp, p.D, "perturb=1"),
                     FORGET_E_UNSUPPORTED);
    /* prepare: a row beyond row_norm; a model far from the optimum */
    forget_unlearner *u = cert_unlearner(m, "row_norm=0.5");
    ck_assert_int_eq(forget_unlearner_prepare(u, p.D), FORGET_E_INVALID);
    ck_assert(strstr(forget_last_error(), "row_norm") != NULL);
    ck_assert_int_eq(forget_unlearner_is_prepared(u), 0);
    forget_unlearner_free(u);
    forget_model *rough = trained(&p, p.D, "optimizer=sgd lr=0.05 epochs=2 "
                                  "weight_decay=0.02 perturb=1 seed=3");
    u = cert_unlearner(rough, NULL);
    ck_assert_int_eq(forget_unlearner_prepare(u, p.D), FORGET_E_NUMERIC);
    ck_assert_int_eq(forget_unlearner_is_prepared(u), 0);
    forget_unlearner_free(u);
    forget_model_free(rough);
    forget_model_free(k3);
    forget_model_free(reg);
    forget_model_free(mlp);
    forget_model_free(m);
    bin_free(&p);
}
END_TEST

static void assert_request_refused(forget_unlearner *u, forget_model *m,
                                   const forget_dataset *f, int code)
{
    size_t l0, l1, P = forget_model_param_count(m);
    unsigned char *s0 = saved_state(u, &l0);
    float *p0 = params_copy(m);
    int rc = forget_unlearner_forget(u, f);
    ck_assert_msg(rc == code, "%d (%s), expected %d", rc, forget_last_error(),
                  code);
    unsigned char *s1 = saved_state(u, &l1);
    float *p1 = params_copy(m);
    ck_assert(l0 == l1 && !memcmp(s0, s1, l0));
    ck_assert(!memcmp(p0, p1, P * sizeof(float)));
    free(s0);
    free(s1);
    free(p0);
    free(p1);
}

/* A request whose retrain does not reach the budget (the train parameters
 * given say fewer epochs than training used) is refused, model and state
 * bit-identical. */
START_TEST(refused_requests_change_nothing)
{
    binprob p = make_bin(300, 5, 21, 500);
    forget_model *m = trained(&p, p.D, TRAIN);
    forget_unlearner *u = NULL;
    char params[512];
    snprintf(params, sizeof params, "certified=true train=\"%s epochs=3 "
             "seed=3\"", TRAIN_BASE);
    ck_assert_int_eq(forget_unlearner_create(&u, "newton", m, params),
                     FORGET_OK);
    ck_assert_int_eq(forget_unlearner_prepare(u, p.D), FORGET_OK);
    /* run the chain until a request retrains: refused */
    int refused = 0;
    for (size_t q = 0; q < 14 && !refused; q++) {
        forget_dataset *f = one_row(&p, nth_row(q, p.n));
        int rc = forget_unlearner_forget(u, f);
        if (rc != FORGET_OK) {
            ck_assert_int_eq(rc, FORGET_E_NUMERIC);
            ck_assert(strstr(forget_last_error(), "retrained") != NULL);
            assert_request_refused(u, m, f, FORGET_E_NUMERIC);
            refused = 1;
        }
        forget_dataset_free(f);
    }
    ck_assert(refused);
    forget_unlearner_free(u);
    forget_model_free(m);
    bin_free(&p);
}
END_TEST

/* Every allocation of a stepping and of a retraining request may fail:
 * FORGET_E_NOMEM, model and state bit-identical, then it goes through. */
START_TEST(allocation_failures_change_nothing)
{
    test_alloc_install();
    ck_assert_int_eq(forget_init(), FORGET_OK);
    binprob p = make_bin(300, 5, 21, 500);
    forget_model *m = trained(&p, p.D, TRAIN);
    forget_unlearner *u = cert_unlearner(m, NULL);
    ck_assert_int_eq(forget_unlearner_prepare(u, p.D), FORGET_OK);
    binprob other = make_bin(4, 5, 99, 5);
    assert_request_refused(u, m, other.D, FORGET_E_NOT_FOUND);
    int kinds_seen[2] = {0, 0};
    for (size_t q = 0; q < 14 && !(kinds_seen[0] && kinds_seen[1]); q++) {
        forget_dataset *f = one_row(&p, nth_row(q, p.n));
        for (long k = 1;; k++) {
            size_t l0;
            unsigned char *s0 = saved_state(u, &l0);
            float *p0 = params_copy(m);
            test_alloc_arm(k);
            int rc = forget_unlearner_forget(u, f);
            g_alloc.fail_at = 0;
            if (g_alloc.failed == 0) {
                ck_assert_int_eq(rc, FORGET_OK);
                free(s0);
                free(p0);
                break;
            }
            ck_assert_msg(rc == FORGET_E_NOMEM, "%d %s", rc,
                          forget_last_error());
            size_t l1;
            unsigned char *s1 = saved_state(u, &l1);
            ck_assert(l0 == l1 && !memcmp(s0, s1, l0));
            float *p1 = params_copy(m);
            ck_assert(!memcmp(p0, p1, 12 * sizeof(float)));
            free(s0);
            free(s1);
            free(p0);
            free(p1);
        }
        kinds_seen[rep(u, "retrained") != 0] = 1;
        forget_dataset_free(f);
    }
    ck_assert(kinds_seen[0] && kinds_seen[1]);
    bin_free(&other);
    forget_unlearner_free(u);
    forget_model_free(m);
    bin_free(&p);
    ck_assert_int_eq(g_alloc.live, 0);
    ck_assert_int_eq(forget_shutdown(), FORGET_OK);
    test_alloc_uninstall();
}
END_TEST

/* A state saved mid-chain, loaded beside a copy of the model, continues
 * with the same models and certificates; a state whose certificate was
 * removed or does not fit its parameters is refused. */
START_TEST(save_load_mid_chain)
{
    binprob p = make_bin(300, 5, 21, 500);
    forget_model *m = trained(&p, p.D, TRAIN);
    forget_unlearner *u = cert_unlearner(m, NULL);
    ck_assert_int_eq(forget_unlearner_prepare(u, p.D), FORGET_OK);
    size_t q = 0;
    for (; q < 3; q++) {
        forget_dataset *f = one_row(&p, nth_row(q, p.n));
        ck_assert_int_eq(forget_unlearner_forget(u, f), FORGET_OK);
        forget_dataset_free(f);
    }
    size_t len;
    unsigned char *buf = saved_state(u, &len);
    forget_model *copy = NULL;
    ck_assert_int_eq(forget_model_clone(&copy, m), FORGET_OK);
    forget_unlearner *v = NULL;
    ck_assert_msg(forget_unlearner_load_buffer(&v, copy, buf, len) ==
                      FORGET_OK, "%s", forget_last_error());
    int retrains = 0;
    for (; q < 12; q++) {
        forget_dataset *f = one_row(&p, nth_row(q, p.n));
        ck_assert_int_eq(forget_unlearner_forget(u, f), FORGET_OK);
        ck_assert_int_eq(forget_unlearner_forget(v, f), FORGET_OK);
        ck_assert_double_eq(rep(u, "cert_spent"), rep(v, "cert_spent"));
        ck_assert_double_eq(rep(u, "cert_bound"), rep(v, "cert_bound"));
        retrains += rep(v, "retrained") != 0;
        ck_assert(!memcmp(theta_of(m, 0),
                          theta_of(copy, 1), 12 * sizeof(float)));
        forget_dataset_free(f);
    }
    ck_assert_int_ge(retrains, 1);
    /* the certificate removed, or changed: refused */
    forget_unlearner *w = NULL;
    unsigned char *cut = malloc(len);
    memcpy(cut, buf, len);
    size_t cl = strip_section(cut, len, "NCRT");
    ck_assert_int_eq(forget_unlearner_load_buffer(&w, copy, cut, cl),
                     FORGET_E_FORMAT);
    size_t sz;
    unsigned char *ncrt = (unsigned char *)find_section(buf, len, "NCRT",
                                                        &sz);
    ck_assert(ncrt != NULL && sz == 72);
    for (int field = 0; field < 7; field += 6) { /* epsilon; spent */
        unsigned char keep[8];
        memcpy(keep, ncrt + 8 * field, 8);
        double big = 1e9;
        uint64_t bits;
        memcpy(&bits, &big, 8);
        for (int i = 0; i < 8; i++)
            ncrt[8 * field + i] = (unsigned char)(bits >> (8 * i));
        reseal_section(ncrt, sz);
        ck_assert_int_eq(forget_unlearner_load_buffer(&w, copy, buf, len),
                         FORGET_E_FORMAT);
        ck_assert(strstr(forget_last_error(), "certificate") != NULL);
        memcpy(ncrt + 8 * field, keep, 8);
        reseal_section(ncrt, sz);
    }
    ck_assert(w == NULL);
    free(cut);
    free(buf);
    forget_unlearner_free(v);
    forget_unlearner_free(u);
    forget_model_free(copy);
    forget_model_free(m);
    bin_free(&p);
}
END_TEST

/* What a journal's DONE records said, per request. */
typedef struct jfigs {
    double spent[16], bound[16], left[16], retrained[16], epsilon[16];
    int seen[16];
} jfigs;

static int take_figure(void *user, uint64_t seq, const char *key,
                       double value)
{
    jfigs *j = user;
    ck_assert(seq >= 1 && seq < 16);
    j->seen[seq]++;
    if (!strcmp(key, "cert_spent"))
        j->spent[seq] = value;
    else if (!strcmp(key, "cert_bound"))
        j->bound[seq] = value;
    else if (!strcmp(key, "cert_left"))
        j->left[seq] = value;
    else if (!strcmp(key, "retrained"))
        j->retrained[seq] = value;
    else if (!strcmp(key, "cert_epsilon"))
        j->epsilon[seq] = value;
    return 0;
}

/* Each request's DONE record in the deletion journal holds its
 * certificate: the figures the report gave, bit for bit. */
START_TEST(the_journal_holds_the_certificate)
{
    binprob p = make_bin(300, 5, 21, 500);
    forget_model *m = trained(&p, p.D, TRAIN);
    forget_unlearner *u = cert_unlearner(m, NULL);
    ck_assert_int_eq(forget_unlearner_prepare(u, p.D), FORGET_OK);
    const char *path = tmp_path("cert.journal");
    remove(path);
    ck_assert_msg(forget_unlearner_open_journal(u, path, FORGET_JOURNAL_NEW) ==
                      FORGET_OK, "%s", forget_last_error());
    jfigs want;
    memset(&want, 0, sizeof want);
    int retrains = 0;
    for (size_t q = 0; q < 10; q++) {
        forget_dataset *f = one_row(&p, nth_row(q, p.n));
        ck_assert_int_eq(forget_unlearner_forget(u, f), FORGET_OK);
        size_t seq = (size_t)rep(u, "journal_seq");
        ck_assert_uint_eq(seq, q + 1);
        want.spent[seq] = rep(u, "cert_spent");
        want.bound[seq] = rep(u, "cert_bound");
        want.left[seq] = rep(u, "cert_left");
        want.retrained[seq] = rep(u, "retrained");
        retrains += want.retrained[seq] != 0;
        forget_dataset_free(f);
    }
    ck_assert_int_ge(retrains, 1);
    forget_unlearner_free(u);
    jfigs got;
    memset(&got, 0, sizeof got);
    ck_assert_int_eq(forget_journal_read_figures(path, take_figure, &got),
                     FORGET_OK);
    for (size_t seq = 1; seq <= 10; seq++) {
        ck_assert_int_gt(got.seen[seq], 7);
        ck_assert_double_eq(got.spent[seq], want.spent[seq]);
        ck_assert_double_eq(got.bound[seq], want.bound[seq]);
        ck_assert_double_eq(got.left[seq], want.left[seq]);
        ck_assert_double_eq(got.retrained[seq], want.retrained[seq]);
        ck_assert_double_eq(got.epsilon[seq], 1.0);
    }
    ck_assert_int_eq(got.seen[11], 0);
    remove(path);
    forget_model_free(m);
    bin_free(&p);
}
END_TEST

Suite *suite_newton_cert(void)
{
    Suite *s = suite_create("newton_cert");
    TCase *tc = tcase_create("certified");
    tcase_add_checked_fixture(tc, fixture_init, fixture_shutdown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, spends_the_bound_and_retrains_at_the_budget);
    tcase_add_test(tc, same_seed_same_certificate);
    tcase_add_test(tc, what_is_not_certified_is_refused);
    tcase_add_test(tc, refused_requests_change_nothing);
    tcase_add_test(tc, save_load_mid_chain);
    tcase_add_test(tc, the_journal_holds_the_certificate);
    suite_add_tcase(s, tc);
    /* no fixture: the allocator is installed before forget_init */
    TCase *alloc = tcase_create("newton_cert-alloc");
    tcase_set_timeout(alloc, 120);
    tcase_add_test(alloc, allocation_failures_change_nothing);
    suite_add_tcase(s, alloc);
    return s;
}
