/* fg_dsweep against the two passes it fuses (apply the pending update,
 * then multiply by the symmetric matrix), for every size up to past a few
 * lane widths, every number of pending and product rows, lower triangles
 * holding NaN (they must not be read). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "la/la.h"

static double rnd(uint64_t *s)
{
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return (double)(*s >> 11) / 9007199254740992.0 - 0.5;
}

/* A random symmetric matrix in the upper triangle, NaN below. */
static double *upper(size_t n, size_t lda, uint64_t *s)
{
    double *a = malloc((n * lda + 1) * sizeof *a);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < lda; j++)
            a[i * lda + j] = j >= i && j < n ? rnd(s) : NAN;
    return a;
}

static double *rows(size_t k, size_t ld, uint64_t *s)
{
    double *x = malloc((k * ld + 1) * sizeof *x);
    for (size_t i = 0; i < k * ld; i++)
        x[i] = rnd(s);
    return x;
}

/* The documented arithmetic of each element: A(i,j) + sum_q (c_q t_q(i))
 * t_q(j), q in order. */
static void naive_update(size_t n, double *a, size_t lda, size_t p,
                         const double *t, size_t ldt, const double *c)
{
    for (size_t i = 0; i < n; i++)
        for (size_t j = i; j < n; j++) {
            double r = a[i * lda + j];
            for (size_t q = 0; q < p; q++)
                r += c[q] * t[q * ldt + i] * t[q * ldt + j];
            a[i * lda + j] = r;
        }
}

/* y = x A from the upper triangle, in long double. */
static void naive_product(size_t n, const double *a, size_t lda, size_t k,
                          const double *x, size_t ldx, long double *y)
{
    for (size_t m = 0; m < k; m++)
        for (size_t j = 0; j < n; j++) {
            long double s = 0;
            for (size_t i = 0; i < n; i++)
                s += (long double)x[m * ldx + i] *
                     (i <= j ? a[i * lda + j] : a[j * lda + i]);
            y[m * n + j] = s;
        }
}

START_TEST(sweep_equals_update_then_product)
{
    static const size_t sizes[] = {1, 2, 3, 7, 8, 9, 10, 15, 16, 17, 31, 33,
                                   64, 100, 263, 300};
    uint64_t s = 42;
    for (size_t si = 0; si < sizeof sizes / sizeof *sizes; si++) {
        size_t n = sizes[si], lda = n + si % 3; /* lda > n too */
        /* the large sizes (blocks of every remainder) with the ends of p
         * and k only: every pair there took most of the internal suites'
         * time under valgrind */
        int large = n >= 100;
        for (size_t p = 0; p <= FG_SWEEP_MAX; p++)
            for (size_t k = 0; k <= FG_SWEEP_MAX; k++) {
                if (large && ((p != 0 && p != 1 && p != FG_SWEEP_MAX) ||
                              (k != 0 && k != FG_SWEEP_MAX)))
                    continue;
                size_t ldt = n + 1, ldx = n + 2, ldy = n + 3;
                double *a = upper(n, lda, &s), *t = rows(p, ldt, &s);
                double *x = rows(k, ldx, &s), c[FG_SWEEP_MAX];
                double *y = rows(k, ldy, &s); /* overwritten */
                for (size_t q = 0; q < p; q++)
                    c[q] = q % 2 ? -0.3 * (double)(q + 1) : 0.7;
                double *want = malloc((n * lda + 1) * sizeof *want);
                memcpy(want, a, n * lda * sizeof *a);
                naive_update(n, want, lda, p, t, ldt, c);
                long double *wy = malloc((k * n + 1) * sizeof *wy);
                naive_product(n, want, lda, k, x, ldx, wy);
                fg_dsweep(n, a, lda, p, t, ldt, c, k, x, ldx, y, ldy);
                /* plain comparisons, one assertion each (a Check assertion
                 * per element cost more than the sweep) */
                size_t bad_a = 0, bad_lower = 0, bad_y = 0;
                for (size_t i = 0; i < n; i++)
                    for (size_t j = i; j < n; j++)
                        bad_a += memcmp(&a[i * lda + j], &want[i * lda + j],
                                        sizeof *a) != 0;
                for (size_t i = 0; i < n; i++) /* the lower part untouched */
                    for (size_t j = 0; j < i; j++)
                        bad_lower += !isnan(a[i * lda + j]);
                for (size_t m = 0; m < k; m++)
                    for (size_t j = 0; j < n; j++)
                        bad_y += !(fabsl(y[m * ldy + j] - wy[m * n + j]) <=
                                   1e-14L * (long double)n + 1e-300L);
                ck_assert_msg(bad_a == 0 && bad_lower == 0 && bad_y == 0,
                              "n=%zu p=%zu k=%zu: %zu elements of A differ, "
                              "%zu below the diagonal were written, %zu of "
                              "y are off", n, p, k, bad_a, bad_lower, bad_y);
                free(a);
                free(t);
                free(x);
                free(y);
                free(want);
                free(wy);
            }
    }
}
END_TEST

/* The matrix a sweep leaves does not depend on what it multiplies: a
 * state flushed by a bare update equals one flushed by a request. And the
 * product does not depend on whether an update was pending. */
START_TEST(update_does_not_depend_on_product)
{
    uint64_t s = 7;
    for (size_t n = 1; n < 70; n += 3) {
        double *a = upper(n, n, &s), *b = malloc(n * n * sizeof *b);
        double *t = rows(2, n, &s), *x = rows(3, n, &s);
        double *y = rows(3, n, &s), *y2 = rows(3, n, &s);
        double c[2] = {-1.0, 0.25};
        memcpy(b, a, n * n * sizeof *a);
        fg_dsweep(n, a, n, 2, t, n, c, 3, x, n, y, n);
        fg_dsweep(n, b, n, 2, t, n, c, 0, NULL, n, NULL, n);
        /* NaN below the diagonal: compare the upper parts */
        for (size_t i = 0; i < n; i++)
            ck_assert(!memcmp(a + i * n + i, b + i * n + i,
                              (n - i) * sizeof *a));
        fg_dsweep(n, b, n, 0, NULL, n, NULL, 3, x, n, y2, n);
        ck_assert(!memcmp(y, y2, 3 * n * sizeof *y));
        for (size_t q = 1; q <= 2; q++) { /* one pending row: its own path */
            memcpy(b, a, n * n * sizeof *a);
            fg_dsweep(n, a, n, 1, t, n, c, q == 1, x, n, y, n);
            fg_dsweep(n, b, n, 1, t, n, c, 0, NULL, n, NULL, n);
            for (size_t i = 0; i < n; i++)
                ck_assert(!memcmp(a + i * n + i, b + i * n + i,
                                  (n - i) * sizeof *a));
        }
        free(a);
        free(b);
        free(t);
        free(x);
        free(y);
        free(y2);
    }
}
END_TEST

Suite *suite_sweep(void)
{
    Suite *s = suite_create("sweep");
    TCase *tc = tcase_create("sweep");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, sweep_equals_update_then_product);
    tcase_add_test(tc, update_does_not_depend_on_product);
    suite_add_tcase(s, tc);
    return s;
}
