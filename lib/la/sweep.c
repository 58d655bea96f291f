/* fg_dsweep: one pass over a symmetric matrix's upper triangle that both
 * applies a pending low-rank update and multiplies by the updated matrix
 * (see la.h). Row i of the upper triangle, A(i, i..n-1), is read and
 * written once: each element first takes the update, then gives the row
 * product its term A(i,j) x(j) and the column product its A(i,j) x(i)
 * (into y(j), j > i, which later rows complete).
 *
 * The arithmetic of every element is fixed: A(i,j) + sum_q (c_q t_q(i))
 * t_q(j), q in order, no fused multiply-add (both instruction-set clones
 * round alike: FG_HOT, util/hot.h). The row
 * products are summed in FG_SWEEP_LANES interleaved partial sums, lane
 * (j - i - 1) mod FG_SWEEP_LANES, added in a fixed tree at the end of the
 * row: the result does not depend on the vector width, and a matrix
 * updated by a sweep with k = 0 is bit-identical to the same matrix
 * updated by a sweep that also multiplies. */
#include "la/la.h"

#include <string.h>

#include "util/hot.h"

#define FG_SWEEP_LANES 8
/* How far ahead (elements) the sweep prefetches: 512 (4 KB). On an AMD
 * EPYC (Zen 5, 32 MB L3) at d = 2049, R out of cache, the best of 31
 * sweeps interleaved with the bound (an in-place pass over all of R) took
 * 1.29x the bound's best at 128, 1.19x at 256, 0.85x at 512, 0.92x at
 * 1024 (a shared machine: best of many, not medians). */
#define FG_SWEEP_AHEAD 512

/* Four doubles (GCC and Clang vector extensions: two SSE2 registers on
 * the baseline, one AVX2 register in its clone); no reassociation, so
 * each lane is its own ordered sum. */
typedef double fg_v4 __attribute__((vector_size(32)));

/* Unaligned loads and stores (macros: a vector passed by value would
 * change the calling convention between the clones). */
#define FG_LD(v, p) memcpy(&(v), (p), sizeof(fg_v4))
#define FG_ST(p, v) memcpy((p), &(v), sizeof(fg_v4))

/* The lanes' sum in a fixed order. */
static inline double fg_lanes_sum(const double *s)
{
    return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
}

/* Row i for P pending rows and K product rows (compile-time constants in
 * the specialised callers, so the compiler keeps the sums in registers;
 * P, K <= FG_SWEEP_MAX). Lanes 0-3 in lo, 4-7 in hi. */
static inline __attribute__((always_inline)) void
fg_sweep_row(size_t n, size_t i, double *restrict ai, size_t lda, size_t P,
             const double *restrict t, size_t ldt, const double *restrict c,
             size_t K, const double *restrict x, size_t ldx,
             double *restrict y, size_t ldy)
{
    const double *next = ai + lda + i + 1; /* row i + 1's upper part */
    double ci[FG_SWEEP_MAX], xi[FG_SWEEP_MAX];
    fg_v4 lo[FG_SWEEP_MAX], hi[FG_SWEEP_MAX];
    const fg_v4 zero = {0.0, 0.0, 0.0, 0.0};
    for (size_t q = 0; q < P; q++)
        ci[q] = c[q] * t[q * ldt + i];
    for (size_t m = 0; m < K; m++) {
        xi[m] = x[m * ldx + i];
        lo[m] = hi[m] = zero;
    }
    double diag = ai[i];
    for (size_t q = 0; q < P; q++)
        diag += ci[q] * t[q * ldt + i];
    ai[i] = diag;
    size_t j = i + 1;
    for (; j + FG_SWEEP_LANES <= n; j += FG_SWEEP_LANES) {
        fg_v4 r0, r1, a0, a1, b0, b1;
        /* The element FG_SWEEP_AHEAD further along the sweep (in the
         * next row's upper part near the end of this one): the hardware
         * prefetchers lose the stream at each row's start. */
        size_t ahead = j + FG_SWEEP_AHEAD;
        __builtin_prefetch(ahead < n ? ai + ahead : next + (ahead - n), 1);
        FG_LD(r0, ai + j);
        FG_LD(r1, ai + j + 4);
        for (size_t q = 0; q < P; q++) {
            FG_LD(a0, t + q * ldt + j);
            FG_LD(a1, t + q * ldt + j + 4);
            r0 += ci[q] * a0;
            r1 += ci[q] * a1;
        }
        FG_ST(ai + j, r0);
        FG_ST(ai + j + 4, r1);
        for (size_t m = 0; m < K; m++) {
            double *ym = y + m * ldy + j;
            FG_LD(a0, x + m * ldx + j);
            FG_LD(a1, x + m * ldx + j + 4);
            FG_LD(b0, ym);
            FG_LD(b1, ym + 4);
            lo[m] += r0 * a0;
            hi[m] += r1 * a1;
            b0 += r0 * xi[m];
            b1 += r1 * xi[m];
            FG_ST(ym, b0);
            FG_ST(ym + 4, b1);
        }
    }
    double lane[FG_SWEEP_MAX][FG_SWEEP_LANES];
    for (size_t m = 0; m < K; m++) {
        memcpy(lane[m], &lo[m], sizeof lo[m]);
        memcpy(lane[m] + 4, &hi[m], sizeof hi[m]);
    }
    for (size_t l = 0; j < n; j++, l++) { /* the tail: lanes 0.. again */
        double r = ai[j];
        for (size_t q = 0; q < P; q++)
            r += ci[q] * t[q * ldt + j];
        ai[j] = r;
        for (size_t m = 0; m < K; m++) {
            lane[m][l] += r * x[m * ldx + j];
            y[m * ldy + j] += r * xi[m];
        }
    }
    for (size_t m = 0; m < K; m++)
        y[m * ldy + i] += diag * xi[m] + fg_lanes_sum(lane[m]);
}

/* The whole sweep for constant P and K. */
#define FG_SWEEP_FIXED(name, P, K)                                         \
    FG_HOT static void name(size_t n, double *a, size_t lda,         \
                                  const double *t, size_t ldt,             \
                                  const double *c, const double *x,        \
                                  size_t ldx, double *y, size_t ldy)       \
    {                                                                      \
        for (size_t i = 0; i < n; i++)                                     \
            fg_sweep_row(n, i, a + i * lda, lda, P, t, ldt, c, K, x, ldx, y,    \
                         ldy);                                             \
    }

FG_SWEEP_FIXED(fg_sweep_p0k1, 0, 1)
FG_SWEEP_FIXED(fg_sweep_p1k1, 1, 1)
FG_SWEEP_FIXED(fg_sweep_p1k0, 1, 0)

FG_HOT static void fg_sweep_any(size_t n, double *a, size_t lda,
                                      size_t p, const double *t, size_t ldt,
                                      const double *c, size_t k,
                                      const double *x, size_t ldx,
                                      double *y, size_t ldy)
{
    for (size_t i = 0; i < n; i++)
        fg_sweep_row(n, i, a + i * lda, lda, p, t, ldt, c, k, x, ldx, y, ldy);
}

void fg_dsweep(size_t n, double *a, size_t lda, size_t p, const double *t,
               size_t ldt, const double *c, size_t k, const double *x,
               size_t ldx, double *y, size_t ldy)
{
    for (size_t m = 0; m < k; m++)
        for (size_t j = 0; j < n; j++)
            y[m * ldy + j] = 0.0;
    if (n == 0 || (p == 0 && k == 0))
        return;
    if (p == 0 && k == 1)
        fg_sweep_p0k1(n, a, lda, t, ldt, c, x, ldx, y, ldy);
    else if (p == 1 && k == 1)
        fg_sweep_p1k1(n, a, lda, t, ldt, c, x, ldx, y, ldy);
    else if (p == 1 && k == 0)
        fg_sweep_p1k0(n, a, lda, t, ldt, c, x, ldx, y, ldy);
    else
        fg_sweep_any(n, a, lda, p, t, ldt, c, k, x, ldx, y, ldy);
}
