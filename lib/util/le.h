/* Little-endian numbers and arrays, as every file of the library stores
 * them (a copy on big-endian hosts). */
#ifndef FG_UTIL_LE_H
#define FG_UTIL_LE_H

#include <stddef.h>
#include <stdint.h>

uint32_t fg_get_u32(const unsigned char *p);
uint64_t fg_get_u64(const unsigned char *p);
void fg_put_u32(unsigned char *p, uint32_t v);
void fg_put_u64(unsigned char *p, uint64_t v);
void fg_get_f32s(float *dst, const unsigned char *src, size_t n);
void fg_get_f64s(double *dst, const unsigned char *src, size_t n);
void fg_get_u64s(uint64_t *dst, const unsigned char *src, size_t n);

#endif
