/* HMAC-SHA-256 (RFC 2104, FIPS 198-1) on lib/util/sha256.h: the keyed
 * form of the deletion journal's hash chain. Streaming, like SHA-256. */
#ifndef FG_UTIL_HMAC_H
#define FG_UTIL_HMAC_H

#include <stddef.h>

#include "util/sha256.h"

typedef struct fg_hmac {
    fg_sha256 inner;
    unsigned char okey[64]; /* the key (hashed if longer than a block)
                               XOR 0x5c: the outer pad */
} fg_hmac;

void fg_hmac_init(fg_hmac *c, const void *key, size_t key_len);
void fg_hmac_update(fg_hmac *c, const void *data, size_t len);
/* Writes the tag and wipes the key material from c. */
void fg_hmac_final(fg_hmac *c, unsigned char out[FG_SHA256_SIZE]);

/* Overwrite n bytes in a way the compiler keeps (keys, pads). */
void fg_wipe(void *p, size_t n);

#endif
