/* A model's digest: SHA-256 over everything its predictions depend on,
 * in a fixed little-endian encoding, so that equal digests mean equal
 * models on every host. The deletion journal records it before and after
 * each request. */
#include <string.h>

#include "format/container.h"
#include "util/error.h"
#include "model/model.h"

static void fg_digest_u64(fg_sha256 *c, uint64_t v)
{
    unsigned char b[8];
    fg_put_u64(b, v);
    fg_sha256_update(c, b, sizeof b);
}

static void fg_digest_text(fg_sha256 *c, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    fg_digest_u64(c, n);
    fg_sha256_update(c, s ? s : "", n);
}

void fg_digest_words(fg_sha256 *c, const void *words, size_t n, size_t width)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    fg_sha256_update(c, words, n * width); /* already little-endian */
    return;
#endif
    const unsigned char *p = words;
    unsigned char chunk[4096];
    size_t per = sizeof chunk / width;
    for (size_t i = 0; i < n;) {
        size_t k = n - i < per ? n - i : per;
        for (size_t j = 0; j < k; j++, p += width) {
            if (width == 4) {
                uint32_t v;
                memcpy(&v, p, 4);
                fg_put_u32(chunk + 4 * j, v);
            } else {
                uint64_t v;
                memcpy(&v, p, 8);
                fg_put_u64(chunk + 8 * j, v);
            }
        }
        fg_sha256_update(c, chunk, k * width);
        i += k;
    }
}

void fg_model_digest_update(const forget_model *m, fg_sha256 *c)
{
    static const char tag[] = "libforget model digest 1";
    fg_sha256_update(c, tag, sizeof tag);
    fg_digest_text(c, m->kind);
    fg_digest_text(c, m->params_text);
    fg_digest_u64(c, (uint64_t)(int64_t)m->task);
    fg_digest_u64(c, m->inputs);
    fg_digest_u64(c, m->outputs);
    fg_digest_u64(c, m->n_params);
    fg_digest_words(c, m->theta, m->n_params, sizeof(float));
    if (m->ops->digest)
        m->ops->digest(m, c);
}

int forget_model_digest(const forget_model *m, unsigned char digest[32])
{
    FG_CHECK_ARG(m);
    FG_CHECK_ARG(digest);
    fg_sha256 c;
    fg_sha256_init(&c);
    fg_model_digest_update(m, &c);
    fg_sha256_final(&c, digest);
    return FORGET_OK;
}
