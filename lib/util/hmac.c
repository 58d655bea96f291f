/* HMAC-SHA-256: H((K ^ opad) || H((K ^ ipad) || m)), K the key padded to
 * the 64-byte block (or its SHA-256 when longer). */
#include "util/hmac.h"

#include <string.h>

void fg_wipe(void *p, size_t n)
{
    volatile unsigned char *v = p;
    while (n--)
        *v++ = 0;
}

void fg_hmac_init(fg_hmac *c, const void *key, size_t key_len)
{
    unsigned char k[64] = {0}, ipad[64];
    if (key_len > sizeof k) {
        fg_sha256 h;
        fg_sha256_init(&h);
        fg_sha256_update(&h, key, key_len);
        fg_sha256_final(&h, k);
        fg_wipe(&h, sizeof h);
    } else if (key_len) {
        memcpy(k, key, key_len);
    }
    for (size_t i = 0; i < sizeof k; i++) {
        ipad[i] = k[i] ^ 0x36;
        c->okey[i] = k[i] ^ 0x5c;
    }
    fg_sha256_init(&c->inner);
    fg_sha256_update(&c->inner, ipad, sizeof ipad);
    fg_wipe(k, sizeof k);
    fg_wipe(ipad, sizeof ipad);
}

void fg_hmac_update(fg_hmac *c, const void *data, size_t len)
{
    fg_sha256_update(&c->inner, data, len);
}

void fg_hmac_final(fg_hmac *c, unsigned char out[FG_SHA256_SIZE])
{
    unsigned char ih[FG_SHA256_SIZE];
    fg_sha256_final(&c->inner, ih);
    fg_sha256 o;
    fg_sha256_init(&o);
    fg_sha256_update(&o, c->okey, sizeof c->okey);
    fg_sha256_update(&o, ih, sizeof ih);
    fg_sha256_final(&o, out);
    fg_wipe(&o, sizeof o);
    fg_wipe(c, sizeof *c);
}
