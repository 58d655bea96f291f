/* newton's block preconditioner (lib/methods/newton_precond.c) on small
 * softmax and least-squares problems: its sums are the brute-force sums
 * of the diagonal blocks of the Hessian; M^-1 is symmetric positive
 * definite; on softmax it is exact on the common directions (M^-1 v =
 * v / shift for v adding one vector to every class); for least squares
 * M is the Hessian (M^-1 H v = v); removing rows leaves the sums over
 * the rows left. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "methods/newton.h"

static double unit(uint64_t *s)
{
    return (double)(test_splitmix(s) >> 11) * (1.0 / 9007199254740992.0);
}

/* n rows of d features in [-1, 1] with labels or targets (k of them). */
static forget_dataset *random_rows(size_t n, size_t d, size_t k, int reg,
                                   uint64_t seed, uint64_t id0)
{
    uint64_t s = seed;
    float *x = malloc(n * d * sizeof *x), *t = malloc(n * k * sizeof *t);
    int32_t *y = malloc(n * sizeof *y);
    uint64_t *ids = malloc(n * sizeof *ids);
    for (size_t i = 0; i < n * d; i++)
        x[i] = (float)(2 * unit(&s) - 1);
    for (size_t i = 0; i < n * k; i++)
        t[i] = (float)(2 * unit(&s) - 1);
    for (size_t i = 0; i < n; i++) {
        y[i] = (int32_t)(test_splitmix(&s) % k);
        ids[i] = id0 + i;
    }
    forget_dataset *ds = NULL;
    if (reg)
        ck_assert_int_eq(forget_dataset_create_regression(&ds, n, d, x, t, k,
                                                          ids), FORGET_OK);
    else
        ck_assert_int_eq(forget_dataset_create(&ds, n, d, x, y, ids),
                         FORGET_OK);
    free(x);
    free(t);
    free(y);
    free(ids);
    return ds;
}

static forget_model *random_linear(size_t d, size_t k, int reg, uint64_t seed)
{
    char params[128];
    snprintf(params, sizeof params, "inputs=%zu outputs=%zu task=%s", d, k,
             reg ? "regression" : "classification");
    forget_model *m = NULL;
    ck_assert_int_eq(forget_model_create(&m, "linear", params), FORGET_OK);
    size_t p = forget_model_param_count(m);
    float *th = malloc(p * sizeof *th);
    uint64_t s = seed;
    for (size_t i = 0; i < p; i++)
        th[i] = (float)(3 * unit(&s) - 1.5);
    ck_assert_int_eq(forget_model_set_params(m, th, p), FORGET_OK);
    free(th);
    return m;
}

static double dot(const double *a, const double *b, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += a[i] * b[i];
    return s;
}

/* max |a - b| <= tol * max |b| */
static void near(const double *a, const double *b, size_t n, double tol,
                 const char *what)
{
    double big = 0.0, diff = 0.0;
    for (size_t i = 0; i < n; i++) {
        big = fabs(b[i]) > big ? fabs(b[i]) : big;
        diff = fabs(a[i] - b[i]) > diff ? fabs(a[i] - b[i]) : diff;
    }
    ck_assert_msg(diff <= tol * big, "%s: differs by %g (of %g)", what, diff,
                  big);
}

/* The brute-force block j: sum_i w_ij (x_i, 1)(x_i, 1)^T, upper. */
static void brute_block(const forget_model *m, const forget_dataset *ds,
                        size_t j, int reg, double *out)
{
    size_t n = forget_dataset_rows(ds), d = forget_dataset_features(ds);
    size_t k = forget_model_outputs(m), d1 = d + 1;
    const float *x = forget_dataset_x(ds);
    float *th = params_copy(m);
    memset(out, 0, d1 * d1 * sizeof *out);
    for (size_t i = 0; i < n; i++) {
        double z[8], mx = -1e300, sum = 0.0, w;
        for (size_t c = 0; c < k; c++) {
            z[c] = th[k * d + c];
            for (size_t l = 0; l < d; l++)
                z[c] += (double)th[c * d + l] * x[i * d + l];
            mx = z[c] > mx ? z[c] : mx;
        }
        for (size_t c = 0; c < k; c++)
            sum += (z[c] = exp(z[c] - mx));
        w = reg ? 2.0 / (double)k : z[j] / sum * (1.0 - z[j] / sum);
        for (size_t a = 0; a < d1; a++)
            for (size_t b = a; b < d1; b++)
                out[a * d1 + b] += w * (a < d ? x[i * d + a] : 1.0) *
                                   (b < d ? x[i * d + b] : 1.0);
    }
    free(th);
}

static void check_problem(int reg, uint64_t seed)
{
    const size_t n = 120, d = 6, k = 4, d1 = d + 1;
    const double lambda = 0.01;
    forget_dataset *ds = random_rows(n, d, k, reg, seed, 10);
    forget_model *m = random_linear(d, k, reg, seed + 1);
    fg_newton_obj o;
    fg_newton_pc pc;
    ck_assert_int_eq(fg_newton_obj_begin(&o, m, ds, lambda, 0.0), FORGET_OK);
    ck_assert_int_eq(fg_newton_pc_build(&pc, &o, ds), FORGET_OK);
    ck_assert(pc.ok);
    ck_assert_uint_eq(pc.nb, reg ? 1 : k);
    ck_assert_int_eq(pc.project, !reg);
    /* the sums */
    double *blk = malloc(d1 * d1 * sizeof *blk);
    for (size_t j = 0; j < pc.nb; j++) {
        brute_block(m, ds, j, reg, blk);
        double *s = pc.s + j * d1 * d1;
        for (size_t a = 0; a < d1; a++)
            near(s + a * d1 + a, blk + a * d1 + a, d1 - a, 1e-12, "a block");
    }
    /* symmetric positive definite */
    size_t p = o.p;
    double *v = malloc(p * sizeof *v), *w = malloc(p * sizeof *w);
    double *mv = malloc(p * sizeof *mv), *mw = malloc(p * sizeof *mw);
    uint64_t s = seed * 7;
    for (int t = 0; t < 5; t++) {
        for (size_t i = 0; i < p; i++) {
            v[i] = 2 * unit(&s) - 1;
            w[i] = 2 * unit(&s) - 1;
        }
        fg_newton_pc_apply(&pc, v, mv);
        fg_newton_pc_apply(&pc, w, mw);
        double a = dot(v, mw, p), b = dot(w, mv, p);
        ck_assert_msg(fabs(a - b) <= 1e-12 * (fabs(a) + fabs(b)),
                      "not symmetric: %.17g, %.17g", a, b);
        ck_assert(dot(v, mv, p) > 0);
    }
    if (!reg) {
        /* a common direction: every class's weights and bias the same */
        for (size_t l = 0; l < d1; l++) {
            double c = 2 * unit(&s) - 1;
            for (size_t j = 0; j < k; j++) {
                if (l < d)
                    v[o.woff + j * d + l] = c;
                else
                    v[o.boff + j] = c;
                w[l < d ? o.woff + j * d + l : o.boff + j] = c / lambda;
            }
        }
        fg_newton_pc_apply(&pc, v, mv);
        near(mv, w, p, 1e-12, "the common directions");
    } else {
        /* M = H: M^-1 H v = v */
        fg_newton_hvp(&o, v, w);
        fg_newton_pc_apply(&pc, w, mv);
        near(mv, v, p, 1e-9, "least squares: M^-1 H v");
    }
    /* removing rows: the sums over the rest */
    uint64_t gone[30];
    for (size_t i = 0; i < 30; i++)
        gone[i] = 10 + 4 * i;
    forget_dataset *f = NULL, *rest = NULL;
    ck_assert_int_eq(forget_dataset_subset_ids(&f, ds, gone, 30), FORGET_OK);
    ck_assert_int_eq(forget_dataset_complement(&rest, ds, f), FORGET_OK);
    fg_newton_pc_remove(&pc, &o, f);
    fg_newton_pc fresh;
    ck_assert_int_eq(fg_newton_pc_build(&fresh, &o, rest), FORGET_OK);
    ck_assert_double_eq(pc.rows, 90.0);
    ck_assert_double_eq(fresh.rows, 90.0);
    for (size_t j = 0; j < pc.nb; j++)
        for (size_t a = 0; a < d1; a++) {
            size_t at = j * d1 * d1 + a * d1 + a;
            near(pc.s + at, fresh.s + at, d1 - a, 1e-12, "the sums after "
                 "removing");
            near(pc.u + at, fresh.u + at, d1 - a, 1e-10, "the factors after "
                 "removing");
        }
    fg_newton_pc_free(&fresh);
    fg_newton_pc_free(&pc);
    fg_newton_obj_end(&o);
    free(blk);
    free(v);
    free(w);
    free(mv);
    free(mw);
    forget_dataset_free(f);
    forget_dataset_free(rest);
    forget_dataset_free(ds);
    forget_model_free(m);
}

START_TEST(block_preconditioner_is_right)
{
    for (uint64_t seed = 1; seed <= 3; seed++) {
        check_problem(0, seed);
        check_problem(1, seed);
    }
}
END_TEST

Suite *suite_newton_pc(void)
{
    Suite *s = suite_create("newton_pc");
    TCase *tc = tcase_create("newton_pc");
    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, fixture_init, fixture_shutdown);
    tcase_add_test(tc, block_preconditioner_is_right);
    suite_add_tcase(s, tc);
    return s;
}
