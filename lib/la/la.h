/* The only door to BLAS and LAPACK. Row-major, sizes as size_t (checked
 * to fit the BLAS integer by the callers that create the shapes). */
#ifndef FG_LA_LA_H
#define FG_LA_LA_H

#include <stddef.h>

/* C = alpha * op(A) * op(B) + beta * C, row-major; op(A) is m x k,
 * op(B) is k x n; trans_a/trans_b are 0 or 1. */
void fg_sgemm(int trans_a, int trans_b, size_t m, size_t n, size_t k,
              float alpha, const float *a, size_t lda, const float *b,
              size_t ldb, float beta, float *c, size_t ldc);
void fg_dgemm(int trans_a, int trans_b, size_t m, size_t n, size_t k,
              double alpha, const double *a, size_t lda, const double *b,
              size_t ldb, double beta, double *c, size_t ldc);

/* y = alpha * A x + beta * y, A m x n row-major (trans = 0) or
 * y = alpha * A^T x + beta * y (trans = 1). */
void fg_dgemv(int trans, size_t m, size_t n, double alpha, const double *a,
              size_t lda, const double *x, double beta, double *y);

/* Symmetric matrices are row-major n x n with the UPPER triangle valid
 * (the lower one is ignored and may hold anything). */

/* C(upper) = alpha * A^T A + beta * C, A is k x n (trans = 1) or
 * C(upper) = alpha * A A^T + beta * C, A is n x k (trans = 0). */
void fg_dsyrk(int trans, size_t n, size_t k, double alpha, const double *a,
              size_t lda, double beta, double *c, size_t ldc);
/* C = alpha * A * B + beta * C with A symmetric on the right (side = 1:
 * C = alpha B A + beta C, B is m x n) or left (side = 0, B is n x m). */
void fg_dsymm(int right, size_t m, size_t n, double alpha, const double *a,
              size_t lda, const double *b, size_t ldb, double beta,
              double *c, size_t ldc);
/* y = alpha * A x + beta * y, A symmetric n x n. */
void fg_dsymv(size_t n, double alpha, const double *a, size_t lda,
              const double *x, double beta, double *y);
/* A(upper) += alpha * x x^T. */
void fg_dsyr(size_t n, double alpha, const double *x, double *a, size_t lda);
/* In place: the upper Cholesky factor U with A = U^T U (the upper
 * triangle is overwritten; nothing is allocated). Returns 0, or the order
 * (1-based) of the leading minor that is not positive definite. */
int fg_dpotrf(size_t n, double *a, size_t lda);
/* In place: A^-1 (upper triangle) from its Cholesky factor. */
int fg_dpotri(size_t n, double *a, size_t lda);
/* Solve A x = b for each of the nrhs ROWS b of bt (nrhs x n, row-major),
 * given A's Cholesky factor U. */
int fg_dpotrs_rows(size_t n, size_t nrhs, const double *u, size_t ldu,
                   double *bt, size_t ldb);
/* B = U^-T B (solve U^T X = B), U upper triangular n x n, B n x m. */
void fg_dtrsm_ut(size_t n, size_t m, const double *u, size_t ldu, double *b,
                 size_t ldb);
/* The most pending rows p and product rows k fg_dsweep takes. */
#define FG_SWEEP_MAX 4

/* One pass over the upper triangle of the symmetric n x n matrix A that
 * reads and writes each of its elements once: first
 *     A += sum_q c[q] t_q t_q^T   (t_q the p rows of T, p x n, ldt),
 * then Y = X A with the updated A (X and Y k x n, ldx, ldy; Y is
 * overwritten). p, k <= FG_SWEEP_MAX; k = 0 applies the update alone.
 * Each element of A is updated by the same arithmetic whatever k, the
 * instruction set or the thread count: a matrix updated by a sweep with
 * k = 0 is bit-identical to one updated by a sweep that also multiplies.
 * Y is deterministic too (fixed order of summation), though not
 * bit-identical to dsymv's. */
void fg_dsweep(size_t n, double *a, size_t lda, size_t p, const double *t,
               size_t ldt, const double *c, size_t k, const double *x,
               size_t ldx, double *y, size_t ldy);

/* Copy the upper triangle onto the lower one. */
void fg_dsym_fill(size_t n, double *a, size_t lda);

/* Threads the BLAS library runs a call on (1 for the reference BLAS or
 * one it cannot ask). */
int fg_blas_threads(void);

/* The largest dimension the BLAS integer can hold. */
size_t fg_la_max_dim(void);

#endif
