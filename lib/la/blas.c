/* Thin wrappers over CBLAS. */
#include "la/la.h"

#include <cblas.h>
#include <dlfcn.h>
#include <lapacke.h>
#include <limits.h>
#include <stdint.h>

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

void fg_dgemv(int trans, size_t m, size_t n, double alpha, const double *a,
              size_t lda, const double *x, double beta, double *y)
{
    if (m == 0 || n == 0)
        return;
    cblas_dgemv(CblasRowMajor, fg_trans(trans), (int)m, (int)n, alpha, a,
                (int)lda, x, 1, beta, y, 1);
}

size_t fg_la_max_dim(void) { return (size_t)INT_MAX; }

void fg_dsyrk(int trans, size_t n, size_t k, double alpha, const double *a,
              size_t lda, double beta, double *c, size_t ldc)
{
    if (n == 0)
        return;
    cblas_dsyrk(CblasRowMajor, CblasUpper, fg_trans(trans), (int)n, (int)k,
                alpha, a, (int)lda, beta, c, (int)ldc);
}

void fg_dsymm(int right, size_t m, size_t n, double alpha, const double *a,
              size_t lda, const double *b, size_t ldb, double beta,
              double *c, size_t ldc)
{
    if (m == 0 || n == 0)
        return;
    cblas_dsymm(CblasRowMajor, right ? CblasRight : CblasLeft, CblasUpper,
                (int)m, (int)n, alpha, a, (int)lda, b, (int)ldb, beta, c,
                (int)ldc);
}

void fg_dsymv(size_t n, double alpha, const double *a, size_t lda,
              const double *x, double beta, double *y)
{
    if (n == 0)
        return;
    cblas_dsymv(CblasRowMajor, CblasUpper, (int)n, alpha, a, (int)lda, x, 1,
                beta, y, 1);
}

void fg_dsyr(size_t n, double alpha, const double *x, double *a, size_t lda)
{
    if (n == 0)
        return;
    cblas_dsyr(CblasRowMajor, CblasUpper, (int)n, alpha, x, 1, a, (int)lda);
}

/* LAPACK is column-major: a row-major matrix with its upper triangle
 * valid is a column-major one with its lower triangle valid, so the
 * calls below use 'L' on the same memory and LAPACKE never transposes
 * (nor allocates behind the allocator's back). */
int fg_dpotrf(size_t n, double *a, size_t lda)
{
    return n ? (int)LAPACKE_dpotrf(LAPACK_COL_MAJOR, 'L', (lapack_int)n, a,
                                   (lapack_int)lda)
             : 0;
}

int fg_dpotri(size_t n, double *a, size_t lda)
{
    return n ? (int)LAPACKE_dpotri(LAPACK_COL_MAJOR, 'L', (lapack_int)n, a,
                                   (lapack_int)lda)
             : 0;
}

int fg_dpotrs_rows(size_t n, size_t nrhs, const double *u, size_t ldu,
                   double *bt, size_t ldb)
{
    if (n == 0 || nrhs == 0)
        return 0;
    /* bt row-major nrhs x n is column-major n x nrhs: one column per rhs. */
    return (int)LAPACKE_dpotrs(LAPACK_COL_MAJOR, 'L', (lapack_int)n,
                               (lapack_int)nrhs, u, (lapack_int)ldu, bt,
                               (lapack_int)ldb);
}

void fg_dtrsm_ut(size_t n, size_t m, const double *u, size_t ldu, double *b,
                 size_t ldb)
{
    if (n == 0 || m == 0)
        return;
    cblas_dtrsm(CblasRowMajor, CblasLeft, CblasUpper, CblasTrans,
                CblasNonUnit, (int)n, (int)m, 1.0, u, (int)ldu, b, (int)ldb);
}

void fg_dsym_fill(size_t n, double *a, size_t lda)
{
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            a[j * lda + i] = a[i * lda + j];
}

/* The BLAS library does not say through CBLAS how many threads it runs;
 * the common multi-threaded ones have a getter, looked up by name so that
 * any BLAS links (OpenBLAS and MKL return int, BLIS its 64-bit dim_t).
 * None found: the reference BLAS, one thread. */
int fg_blas_threads(void)
{
    static const struct {
        const char *name;
        int wide;
    } getters[] = {{"openblas_get_num_threads", 0},
                   {"mkl_get_max_threads", 0},
                   {"bli_thread_get_num_threads", 1}};
    for (size_t i = 0; i < sizeof getters / sizeof *getters; i++) {
        void *sym = dlsym(RTLD_DEFAULT, getters[i].name);
        if (sym == NULL)
            continue;
        long long n;
        /* POSIX: a symbol's address converts to a function pointer. */
        if (getters[i].wide) {
            int64_t (*get)(void);
            *(void **)&get = sym;
            n = get();
        } else {
            int (*get)(void);
            *(void **)&get = sym;
            n = get();
        }
        return n < 1 ? 1 : n > 1024 ? 1024 : (int)n;
    }
    return 1;
}
