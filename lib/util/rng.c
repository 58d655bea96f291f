/* xoshiro256** (Blackman and Vigna), seeded with splitmix64. */
#include "util/rng.h"

#include <math.h>

uint64_t fg_mix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

void fg_rng_seed(fg_rng *r, uint64_t seed)
{
    for (int i = 0; i < 4; i++) {
        seed += 0x9e3779b97f4a7c15ull;
        r->s[i] = fg_mix64(seed);
    }
}

static uint64_t fg_rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t fg_rng_next(fg_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = fg_rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = fg_rotl(s[3], 45);
    return result;
}

double fg_rng_uniform(fg_rng *r)
{
    return (double)(fg_rng_next(r) >> 11) * 0x1.0p-53;
}

uint64_t fg_rng_below(fg_rng *r, uint64_t n)
{
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;
    do
        x = fg_rng_next(r);
    while (x >= limit);
    return x % n;
}

void fg_rng_shuffle(fg_rng *r, size_t *idx, size_t n)
{
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)fg_rng_below(r, i);
        size_t t = idx[i - 1];
        idx[i - 1] = idx[j];
        idx[j] = t;
    }
}

void fg_rng_normal(fg_rng *r, double *out, size_t n)
{
    const double two_pi = 6.283185307179586476925286766559;
    for (size_t i = 0; i < n; i += 2) {
        double u1 = 1.0 - fg_rng_uniform(r); /* (0, 1]: log is finite */
        double u2 = fg_rng_uniform(r);
        double rad = sqrt(-2.0 * log(u1));
        out[i] = rad * cos(two_pi * u2);
        if (i + 1 < n)
            out[i + 1] = rad * sin(two_pi * u2);
    }
}
