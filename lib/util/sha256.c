/* SHA-256 as specified in FIPS 180-4, section 6.2: 64 rounds over 512-bit
 * blocks, big-endian words, padding with 0x80, zeros and the bit length. */
#include "util/sha256.h"

#include <string.h>

const uint32_t fg_sha256_k[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
    0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
    0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
    0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
    0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
    0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
    0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
    0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

static uint32_t fg_ror(uint32_t x, unsigned n)
{
    return (x >> n) | (x << (32 - n));
}

static void fg_sha256_block1(uint32_t h[8], const unsigned char *p)
{
    uint32_t w[64];
    for (int t = 0; t < 16; t++)
        w[t] = (uint32_t)p[4 * t] << 24 | (uint32_t)p[4 * t + 1] << 16 |
               (uint32_t)p[4 * t + 2] << 8 | (uint32_t)p[4 * t + 3];
    for (int t = 16; t < 64; t++) {
        uint32_t s0 = fg_ror(w[t - 15], 7) ^ fg_ror(w[t - 15], 18) ^
                      (w[t - 15] >> 3);
        uint32_t s1 = fg_ror(w[t - 2], 17) ^ fg_ror(w[t - 2], 19) ^
                      (w[t - 2] >> 10);
        w[t] = w[t - 16] + s0 + w[t - 7] + s1;
    }
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3];
    uint32_t e = h[4], f = h[5], g = h[6], k = h[7];
    for (int t = 0; t < 64; t++) {
        uint32_t t1 = k + (fg_ror(e, 6) ^ fg_ror(e, 11) ^ fg_ror(e, 25)) +
                      ((e & f) ^ (~e & g)) + fg_sha256_k[t] + w[t];
        uint32_t t2 = (fg_ror(a, 2) ^ fg_ror(a, 13) ^ fg_ror(a, 22)) +
                      ((a & b) ^ (a & c) ^ (b & c));
        k = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
    }
    h[0] += a, h[1] += b, h[2] += c, h[3] += d;
    h[4] += e, h[5] += f, h[6] += g, h[7] += k;
}

static void fg_sha256_blocks(const fg_sha256 *c, uint32_t h[8],
                             const unsigned char *p, size_t blocks)
{
    if (c->ni) {
        fg_sha256_blocks_ni(h, p, blocks);
        return;
    }
    for (; blocks > 0; blocks--, p += 64)
        fg_sha256_block1(h, p);
}

void fg_sha256_init(fg_sha256 *c)
{
    static const uint32_t iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372,
                                   0xa54ff53a, 0x510e527f, 0x9b05688c,
                                   0x1f83d9ab, 0x5be0cd19};
    memcpy(c->h, iv, sizeof iv);
    c->bytes = 0;
    c->fill = 0;
    c->ni = fg_sha256_ni_available();
}

void fg_sha256_update(fg_sha256 *c, const void *data, size_t len)
{
    const unsigned char *p = data;
    c->bytes += len;
    if (c->fill > 0) {
        size_t take = 64 - c->fill < len ? 64 - c->fill : len;
        memcpy(c->block + c->fill, p, take);
        c->fill += take;
        p += take;
        len -= take;
        if (c->fill < 64)
            return;
        fg_sha256_blocks(c, c->h, c->block, 1);
        c->fill = 0;
    }
    size_t whole = len / 64;
    fg_sha256_blocks(c, c->h, p, whole);
    p += 64 * whole;
    len -= 64 * whole;
    memcpy(c->block, p, len);
    c->fill = len;
}

void fg_sha256_final(fg_sha256 *c, unsigned char out[FG_SHA256_SIZE])
{
    uint64_t bits = c->bytes * 8;
    unsigned char pad[72] = {0x80};
    size_t padlen = (c->fill < 56 ? 56 : 120) - c->fill;
    for (int i = 0; i < 8; i++)
        pad[padlen + (size_t)i] = (unsigned char)(bits >> (56 - 8 * i));
    fg_sha256_update(c, pad, padlen + 8);
    for (int i = 0; i < 8; i++) {
        out[4 * i] = (unsigned char)(c->h[i] >> 24);
        out[4 * i + 1] = (unsigned char)(c->h[i] >> 16);
        out[4 * i + 2] = (unsigned char)(c->h[i] >> 8);
        out[4 * i + 3] = (unsigned char)c->h[i];
    }
}

void fg_sha256_hex(const unsigned char d[FG_SHA256_SIZE], char out[65])
{
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < FG_SHA256_SIZE; i++) {
        out[2 * i] = hex[d[i] >> 4];
        out[2 * i + 1] = hex[d[i] & 15];
    }
    out[64] = '\0';
}
