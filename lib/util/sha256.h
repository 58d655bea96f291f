/* SHA-256 (FIPS 180-4), for the model digests the deletion journal
 * records. Streaming: init, update any number of times, final. */
#ifndef FG_UTIL_SHA256_H
#define FG_UTIL_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define FG_SHA256_SIZE 32

typedef struct fg_sha256 {
    uint32_t h[8];
    uint64_t bytes; /* total length so far */
    unsigned char block[64];
    size_t fill; /* bytes waiting in block */
    int ni;      /* use the CPU's SHA instructions (set by init) */
} fg_sha256;

/* init picks the x86 SHA extensions when the CPU has them (tests may
 * clear c->ni afterwards to run the portable code). */
void fg_sha256_init(fg_sha256 *c);
void fg_sha256_update(fg_sha256 *c, const void *data, size_t len);
void fg_sha256_final(fg_sha256 *c, unsigned char out[FG_SHA256_SIZE]);

/* The round constants, and the x86 SHA-extension block function
 * (lib/util/sha256_x86.c; available() is 0 elsewhere). */
extern const uint32_t fg_sha256_k[64];
int fg_sha256_ni_available(void);
void fg_sha256_blocks_ni(uint32_t h[8], const unsigned char *p,
                         size_t blocks);

/* Lower-case hex of a digest (65 bytes with the NUL). */
void fg_sha256_hex(const unsigned char d[FG_SHA256_SIZE], char out[65]);

#endif
