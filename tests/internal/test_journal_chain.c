/* The journal's hash chain from the inside: HMAC-SHA-256 against RFC 4231,
 * and a forger who knows the format but not the key: one who rewrites a
 * keyed journal's ids and recomputes the whole chain with plain SHA-256
 * (keeping the journal's "keyed" flag, or clearing it) is still caught
 * where the key is given. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unlearner/journal.h"
#include "util/hmac.h"
#include "internal.h"

static void hmac_hex(const void *key, size_t klen, const void *msg,
                     size_t mlen, char out[65])
{
    fg_hmac h;
    unsigned char tag[FG_SHA256_SIZE];
    fg_hmac_init(&h, key, klen);
    /* in two pieces: streaming gives the same tag */
    fg_hmac_update(&h, msg, mlen / 2);
    fg_hmac_update(&h, (const unsigned char *)msg + mlen / 2,
                   mlen - mlen / 2);
    fg_hmac_final(&h, tag);
    fg_sha256_hex(tag, out);
}

START_TEST(hmac_rfc4231)
{
    unsigned char k[131], d[50];
    char h[65];
    memset(k, 0x0b, 20);
    hmac_hex(k, 20, "Hi There", 8, h);
    ck_assert_str_eq(h, "b0344c61d8db38535ca8afceaf0bf12b"
                        "881dc200c9833da726e9376c2e32cff7");
    const char *m2 = "what do ya want for nothing?";
    hmac_hex("Jefe", 4, m2, strlen(m2), h);
    ck_assert_str_eq(h, "5bdcc146bf60754e6a042426089575c7"
                        "5a003f089d2739839dec58b964ec3843");
    memset(k, 0xaa, 20);
    memset(d, 0xdd, 50);
    hmac_hex(k, 20, d, 50, h);
    ck_assert_str_eq(h, "773ea91e36800e46854db8ebd09181a7"
                        "2959098b3ef8c122d9635514ced565fe");
    memset(k, 0xaa, 131); /* longer than a block: hashed first */
    const char *m6 = "Test Using Larger Than Block-Size Key - Hash Key First";
    hmac_hex(k, 131, m6, strlen(m6), h);
    ck_assert_str_eq(h, "60e431591ee0b67f0d8a26aacbf5b77f"
                        "8e0bc6213728c5140546040f0ee37f54");
}
END_TEST

static uint32_t le32(const unsigned char *p)
{
    return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static void put32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

/* Recompute every tag (plain SHA-256, as a forger without the key can)
 * and every CRC of a version-2 journal. */
static void rechain(unsigned char *j, size_t len)
{
    fg_jchain c = {NULL, 0, {0}, 0};
    fg_jchain_start(&c, j);
    for (size_t o = FG_JHEAD; o < len;) {
        size_t plen = le32(j + o + 16);
        unsigned char *tag = j + o + FG_JRHEAD + plen;
        fg_jchain_tag(&c, j + o, j + o + FG_JRHEAD, plen, tag);
        memcpy(c.last, tag, FG_JTAG);
        unsigned char *tmp = malloc(16 + plen + FG_JTAG);
        memcpy(tmp, j + o + 4, 16);
        memcpy(tmp + 16, j + o + FG_JRHEAD, plen + FG_JTAG);
        put32(j + o + 20, crc32c_bitwise(tmp, 16 + plen + FG_JTAG));
        free(tmp);
        o += FG_JRHEAD + plen + FG_JTAG;
    }
}

START_TEST(a_forger_without_the_key_is_caught)
{
    unsigned char key[32];
    for (int i = 0; i < 32; i++)
        key[i] = (unsigned char)(3 * i + 11);
    forget_dataset *D = make_blobs(60, 4, 2, 5, 700);
    forget_model *m = NULL;
    ck_assert_int_eq(forget_model_create(&m, "analytic",
                                         "inputs=4 outputs=2"), FORGET_OK);
    forget_unlearner *u = NULL;
    ck_assert_int_eq(forget_unlearner_create(&u, "analytic", m,
                                             "keep_rows=true"), FORGET_OK);
    ck_assert_int_eq(forget_unlearner_prepare(u, D), FORGET_OK);
    char path[256];
    snprintf(path, sizeof path, "%s", tmp_path("keyed.journal"));
    unlink(path);
    ck_assert_int_eq(forget_unlearner_set_journal_key(u, key, 32), FORGET_OK);
    ck_assert_int_eq(forget_unlearner_open_journal(u, path, 0), FORGET_OK);
    uint64_t ids[2] = {701, 702};
    ck_assert_int_eq(forget_unlearner_forget_ids(u, ids, 2), FORGET_OK);
    forget_unlearner_free(u);
    size_t len;
    unsigned char *j = read_file(path, &len);
    /* the request's first id, 701 -> 755 (a row never asked for) */
    size_t open_len = FG_JRHEAD + le32(j + FG_JHEAD + 16) + FG_JTAG;
    size_t req = FG_JHEAD + open_len;
    size_t id_at = req + FG_JRHEAD + 8 + 32 + 4 + 4 + 8 + strlen("analytic");
    ck_assert_uint_eq(j[id_at], 701 & 0xff);
    j[id_at] = 755 & 0xff;
    size_t flags_at = FG_JHEAD + open_len - FG_JTAG - 20;
    ck_assert_uint_eq(le32(j + flags_at), FG_JOPEN_KEYED);
    for (int clear = 0; clear < 2; clear++) {
        put32(j + flags_at, clear ? 0 : FG_JOPEN_KEYED);
        rechain(j, len);
        write_file(path, j, len);
        uint64_t n = 9, at = 9;
        ck_assert_int_eq(forget_journal_verify(path, key, 32, &n, &at),
                         FORGET_E_FORMAT);
        ck_assert_uint_eq(n, 0);
        ck_assert_uint_eq(at, FG_JHEAD);
        /* refused before any state is looked at: any prepared unlearner */
        forget_model *m2 = NULL;
        ck_assert_int_eq(forget_model_create(&m2, "analytic",
                                             "inputs=4 outputs=2"),
                         FORGET_OK);
        ck_assert_int_eq(forget_unlearner_create(&u, "analytic", m2,
                                                 "keep_rows=true"),
                         FORGET_OK);
        ck_assert_int_eq(forget_unlearner_prepare(u, D), FORGET_OK);
        ck_assert_int_eq(forget_unlearner_set_journal_key(u, key, 32),
                         FORGET_OK);
        int rc = forget_unlearner_open_journal(u, path, FORGET_JOURNAL_REPAIR);
        ck_assert_int_eq(rc, clear ? FORGET_E_STATE : FORGET_E_FORMAT);
        forget_unlearner_free(u);
        forget_model_free(m2);
        /* without the key, a flag cleared by the forger cannot be told
         * from a journal written without one: the documented limit */
        ck_assert_int_eq(forget_journal_verify(path, NULL, 0, &n, &at),
                         clear ? FORGET_OK : FORGET_E_STATE);
    }
    free(j);
    forget_model_free(m);
    forget_dataset_free(D);
}
END_TEST

Suite *suite_journal_chain(void)
{
    Suite *s = suite_create("journal_chain");
    TCase *tc = tcase_create("journal_chain");
    tcase_add_checked_fixture(tc, fixture_init, fixture_shutdown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, hmac_rfc4231);
    tcase_add_test(tc, a_forger_without_the_key_is_caught);
    suite_add_tcase(s, tc);
    return s;
}
