/* SHA-256 (FIPS 180-4), for the model digests the deletion journal
 * records. Streaming: init, update any number of times, final. */
#ifndef FG_CORE_SHA256_H
#define FG_CORE_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define FG_SHA256_SIZE 32

typedef struct fg_sha256 {
    uint32_t h[8];
    uint64_t bytes; /* total length so far */
    unsigned char block[64];
    size_t fill; /* bytes waiting in block */
} fg_sha256;

void fg_sha256_init(fg_sha256 *c);
void fg_sha256_update(fg_sha256 *c, const void *data, size_t len);
void fg_sha256_final(fg_sha256 *c, unsigned char out[FG_SHA256_SIZE]);

/* Lower-case hex of a digest (65 bytes with the NUL). */
void fg_sha256_hex(const unsigned char d[FG_SHA256_SIZE], char out[65]);

#endif
