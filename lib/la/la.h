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

/* The largest dimension the BLAS integer can hold. */
size_t fg_la_max_dim(void);

#endif
