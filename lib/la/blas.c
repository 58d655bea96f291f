/* Thin wrappers over CBLAS. */
#include "la/la.h"

#include <cblas.h>
#include <limits.h>

static CBLAS_TRANSPOSE fg_trans(int t) { return t ? CblasTrans : CblasNoTrans; }

void fg_sgemm(int trans_a, int trans_b, size_t m, size_t n, size_t k,
              float alpha, const float *a, size_t lda, const float *b,
              size_t ldb, float beta, float *c, size_t ldc)
{
    if (m == 0 || n == 0)
        return;
    cblas_sgemm(CblasRowMajor, fg_trans(trans_a), fg_trans(trans_b), (int)m,
                (int)n, (int)k, alpha, a, (int)lda, b, (int)ldb, beta, c,
                (int)ldc);
}

void fg_dgemm(int trans_a, int trans_b, size_t m, size_t n, size_t k,
              double alpha, const double *a, size_t lda, const double *b,
              size_t ldb, double beta, double *c, size_t ldc)
{
    if (m == 0 || n == 0)
        return;
    cblas_dgemm(CblasRowMajor, fg_trans(trans_a), fg_trans(trans_b), (int)m,
                (int)n, (int)k, alpha, a, (int)lda, b, (int)ldb, beta, c,
                (int)ldc);
}

size_t fg_la_max_dim(void) { return (size_t)INT_MAX; }
