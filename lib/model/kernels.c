/* Elementwise kernels; see kernels.h. */
#include "model/kernels.h"

#include <math.h>

#include "util/hot.h"

FG_HOT void fg_k_relu(float *z, size_t n)
{
    for (size_t i = 0; i < n; i++)
        z[i] = z[i] > 0.0f ? z[i] : 0.0f;
}

FG_HOT void fg_k_relu_mask(float *restrict d, const float *restrict a,
                           size_t n)
{
    for (size_t i = 0; i < n; i++)
        d[i] = a[i] > 0.0f ? d[i] : 0.0f;
}

FG_HOT void fg_k_tanh_mask(float *restrict d, const float *restrict a,
                           size_t n)
{
    for (size_t i = 0; i < n; i++)
        d[i] *= 1.0f - a[i] * a[i];
}

FG_HOT void fg_k_square(float *restrict dst, const float *restrict src,
                        size_t n)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = src[i] * src[i];
}

FG_HOT void fg_k_abs(float *restrict dst, const float *restrict src, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = fabsf(src[i]);
}

FG_HOT void fg_k_colsum(float *restrict acc, const float *restrict m,
                        size_t rows, size_t cols, float scale)
{
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < cols; j++)
            acc[j] += scale * m[i * cols + j];
}

FG_HOT void fg_k_add(float *restrict dst, const float *restrict src, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dst[i] += src[i];
}

/* The gradient of element i: g[i], or g[i] + g2[i] when the batch was
 * computed in lanes (the last lane's part is added here, saving a pass). */
#define FG_G(i) (g2 ? g[i] + g2[i] : g[i])

FG_HOT void fg_k_sgd(float *restrict theta, float *restrict v,
                     const float *restrict g, const float *restrict g2,
                     size_t n, float lr, float momentum, float wd, int first)
{
    if (momentum == 0.0f) {
        for (size_t i = 0; i < n; i++)
            theta[i] -= lr * (FG_G(i) + wd * theta[i]);
    } else if (first) {
        for (size_t i = 0; i < n; i++) {
            v[i] = FG_G(i) + wd * theta[i];
            theta[i] -= lr * v[i];
        }
    } else {
        for (size_t i = 0; i < n; i++) {
            v[i] = momentum * v[i] + FG_G(i) + wd * theta[i];
            theta[i] -= lr * v[i];
        }
    }
}

FG_HOT void fg_k_adam(float *restrict theta, float *restrict m,
                      float *restrict v, const float *restrict g,
                      const float *restrict g2, size_t n, float step_size,
                      float b1, float b2, float root_bc2, float eps, float wd)
{
    for (size_t i = 0; i < n; i++) {
        float gi = FG_G(i) + wd * theta[i];
        m[i] = b1 * m[i] + (1.0f - b1) * gi;
        v[i] = b2 * v[i] + (1.0f - b2) * gi * gi;
        theta[i] -= step_size * m[i] / (sqrtf(v[i]) / root_bc2 + eps);
    }
}
