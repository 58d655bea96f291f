/* A small, fast, seeded generator (xoshiro256**, seeded by splitmix64):
 * the same seed gives the same stream on every platform. */
#ifndef FG_UTIL_RNG_H
#define FG_UTIL_RNG_H

#include <stddef.h>
#include <stdint.h>

typedef struct fg_rng {
    uint64_t s[4];
} fg_rng;

void fg_rng_seed(fg_rng *r, uint64_t seed);
uint64_t fg_rng_next(fg_rng *r);
/* Uniform in [0, 1) with 53 random bits. */
double fg_rng_uniform(fg_rng *r);
/* Uniform in [0, n) without modulo bias; n > 0. */
uint64_t fg_rng_below(fg_rng *r, uint64_t n);
/* Fisher-Yates shuffle of idx[0..n). */
void fg_rng_shuffle(fg_rng *r, size_t *idx, size_t n);
/* n standard normal draws (Box-Muller on pairs of uniforms; an odd n
 * uses the first of its last pair). */
void fg_rng_normal(fg_rng *r, double *out, size_t n);
/* splitmix64's mixer: a good 64-bit hash of x. */
uint64_t fg_mix64(uint64_t x);

#endif
