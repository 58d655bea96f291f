/* The deletion journal's hash chain (version 2): SHA-256, or HMAC-SHA-256
 * when the journal has a key, over the previous tag and the record. */
#include "unlearner/journal.h"

#include "util/hmac.h"

/* MAC(a || b || c) */
static void fg_jmac(const fg_jchain *c, const void *a, size_t alen,
                    const void *b, size_t blen, const void *d, size_t dlen,
                    unsigned char out[FG_JTAG])
{
    if (c->key) {
        fg_hmac h;
        fg_hmac_init(&h, c->key, c->key_len);
        fg_hmac_update(&h, a, alen);
        if (blen)
            fg_hmac_update(&h, b, blen);
        if (dlen)
            fg_hmac_update(&h, d, dlen);
        fg_hmac_final(&h, out);
    } else {
        fg_sha256 h;
        fg_sha256_init(&h);
        fg_sha256_update(&h, a, alen);
        if (blen)
            fg_sha256_update(&h, b, blen);
        if (dlen)
            fg_sha256_update(&h, d, dlen);
        fg_sha256_final(&h, out);
    }
}

void fg_jchain_start(fg_jchain *c, const unsigned char header[FG_JHEAD])
{
    fg_jmac(c, header, FG_JHEAD, NULL, 0, NULL, 0, c->last);
    c->on = 1;
}

void fg_jchain_tag(const fg_jchain *c, const unsigned char *head,
                   const unsigned char *payload, size_t plen,
                   unsigned char tag[FG_JTAG])
{
    fg_jmac(c, c->last, FG_JTAG, head + 4, 16, payload, plen, tag);
}

int fg_jchain_same(const unsigned char a[FG_JTAG],
                   const unsigned char b[FG_JTAG])
{
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
    (void)a;
    (void)b;
    return 1; /* like FG_CRC_OK: let mutated inputs reach the parser */
#else
    unsigned char d = 0;
    for (int i = 0; i < FG_JTAG; i++)
        d |= a[i] ^ b[i];
    return d == 0;
#endif
}
