/* SHA-256 blocks with the x86 SHA extensions (SHA-NI: sha256rnds2,
 * sha256msg1, sha256msg2), chosen at run time by fg_sha256_init when the
 * CPU reports them (CPUID leaf 7, EBX bit 29, with SSSE3 and SSE4.1). About
 * five times the portable code's speed here; results are identical
 * (tests/internal/test_sha256.c runs both). Elsewhere: not available. */
#include "util/sha256.h"

#if (defined(__x86_64__) || defined(__i386__)) && \
    (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>
#include <stdatomic.h>
#include <immintrin.h>

static int fg_sha256_ni_probe(void)
{
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 9)) ||
        !(c & (1u << 19)))
        return 0;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
        return 0;
    return (b >> 29) & 1u;
}

/* Asked once: cpuid traps to the hypervisor in a virtual machine (about
 * 8 us each on a KVM guest), and every digest and journal tag starts here.
 * Threads racing on the first call store the same answer. */
int fg_sha256_ni_available(void)
{
    static _Atomic int known = -1;
    int v = atomic_load_explicit(&known, memory_order_relaxed);
    if (v < 0) {
        v = fg_sha256_ni_probe();
        atomic_store_explicit(&known, v, memory_order_relaxed);
    }
    return v;
}

/* The state is kept as the instructions want it: s0 = ABEF, s1 = CDGH.
 * Each step of 4 rounds adds 4 schedule words to 4 constants; words 16..63
 * come from msg1 (w[t-16] + sigma0(w[t-15])), the w[t-7] terms (alignr)
 * and msg2 (sigma1). */
__attribute__((target("sha,sse4.1"))) void
fg_sha256_blocks_ni(uint32_t h[8], const unsigned char *p, size_t blocks)
{
    const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bLL,
                                         0x0405060700010203LL);
    __m128i t = _mm_loadu_si128((const __m128i *)&h[0]);  /* DCBA */
    __m128i s1 = _mm_loadu_si128((const __m128i *)&h[4]); /* HGFE */
    t = _mm_shuffle_epi32(t, 0xB1);                       /* CDAB */
    s1 = _mm_shuffle_epi32(s1, 0x1B);                     /* EFGH */
    __m128i s0 = _mm_alignr_epi8(t, s1, 8);               /* ABEF */
    s1 = _mm_blend_epi16(s1, t, 0xF0);                    /* CDGH */
    for (; blocks > 0; blocks--, p += 64) {
        __m128i abef = s0, cdgh = s1, w[4];
        for (int i = 0; i < 16; i++) {
            if (i < 4) {
                w[i] = _mm_shuffle_epi8(
                    _mm_loadu_si128((const __m128i *)(p + 16 * i)), bswap);
            } else {
                __m128i x = _mm_sha256msg1_epu32(w[i & 3], w[(i + 1) & 3]);
                x = _mm_add_epi32(x, _mm_alignr_epi8(w[(i + 3) & 3],
                                                     w[(i + 2) & 3], 4));
                w[i & 3] = _mm_sha256msg2_epu32(x, w[(i + 3) & 3]);
            }
            __m128i m = _mm_add_epi32(
                w[i & 3],
                _mm_loadu_si128((const __m128i *)&fg_sha256_k[4 * i]));
            s1 = _mm_sha256rnds2_epu32(s1, s0, m);
            s0 = _mm_sha256rnds2_epu32(s0, s1, _mm_shuffle_epi32(m, 0x0E));
        }
        s0 = _mm_add_epi32(s0, abef);
        s1 = _mm_add_epi32(s1, cdgh);
    }
    t = _mm_shuffle_epi32(s0, 0x1B);   /* FEBA */
    s1 = _mm_shuffle_epi32(s1, 0xB1);  /* DCHG */
    s0 = _mm_blend_epi16(t, s1, 0xF0); /* DCBA */
    s1 = _mm_alignr_epi8(s1, t, 8);    /* HGFE */
    _mm_storeu_si128((__m128i *)&h[0], s0);
    _mm_storeu_si128((__m128i *)&h[4], s1);
}

#else

int fg_sha256_ni_available(void)
{
    return 0;
}

void fg_sha256_blocks_ni(uint32_t h[8], const unsigned char *p,
                         size_t blocks)
{
    (void)h, (void)p, (void)blocks; /* never called: not available */
}

#endif
