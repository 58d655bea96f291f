/* Little-endian numbers and arrays in files (docs/FORMAT.md). */
#include "util/le.h"

#include <string.h>

uint32_t fg_get_u32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

uint64_t fg_get_u64(const unsigned char *p)
{
    return (uint64_t)fg_get_u32(p) | (uint64_t)fg_get_u32(p + 4) << 32;
}

void fg_put_u32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

void fg_put_u64(unsigned char *p, uint64_t v)
{
    fg_put_u32(p, (uint32_t)v);
    fg_put_u32(p + 4, (uint32_t)(v >> 32));
}

void fg_get_f32s(float *dst, const unsigned char *src, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t u = fg_get_u32(src + 4 * i);
        memcpy(&dst[i], &u, 4);
    }
}

void fg_get_f64s(double *dst, const unsigned char *src, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint64_t u = fg_get_u64(src + 8 * i);
        memcpy(&dst[i], &u, 8);
    }
}

void fg_get_u64s(uint64_t *dst, const unsigned char *src, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = fg_get_u64(src + 8 * i);
}
