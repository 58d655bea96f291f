/* The elementwise loops of training and the gradient passes, in one place
 * so they can be built for several instruction sets (GCC's target_clones:
 * AVX2 where the processor has it, baseline otherwise; no FMA, so both
 * versions round alike). Clang and sanitizer builds get the baseline. */
#ifndef FG_MODEL_KERNELS_H
#define FG_MODEL_KERNELS_H

#include <stddef.h>

/* z = max(z, 0) */
void fg_k_relu(float *z, size_t n);
/* d = a > 0 ? d : 0 */
void fg_k_relu_mask(float *d, const float *a, size_t n);
/* d *= 1 - a * a */
void fg_k_tanh_mask(float *d, const float *a, size_t n);
/* dst = src * src, or |src| when absolute */
void fg_k_square(float *dst, const float *src, size_t n);
void fg_k_abs(float *dst, const float *src, size_t n);
/* acc[j] += scale * sum_i m[i][j] over rows x cols */
void fg_k_colsum(float *acc, const float *m, size_t rows, size_t cols,
                 float scale);
/* dst += src. */
void fg_k_add(float *dst, const float *src, size_t n);
/* SGD with momentum (PyTorch's rule), weight decay folded in; the
 * gradient is g, or g + g2 when g2 is not NULL. */
void fg_k_sgd(float *theta, float *v, const float *g, const float *g2,
              size_t n, float lr, float momentum, float wd, int first);
/* Adam (PyTorch's rule), the gradient as for fg_k_sgd. */
void fg_k_adam(float *theta, float *m, float *v, const float *g,
               const float *g2, size_t n, float step_size, float b1,
               float b2, float root_bc2, float eps, float wd);

#endif
