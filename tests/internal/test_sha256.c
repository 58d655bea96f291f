/* SHA-256 against the FIPS 180-4 example digests, and streaming in pieces
 * against one call for every length that crosses the padding boundary. */
#include <stdlib.h>
#include <string.h>

#include "util/sha256.h"
#include "internal.h"

/* 0: the portable code; 1: the CPU's SHA instructions when it has them */
static int g_ni;

static void start(fg_sha256 *c)
{
    fg_sha256_init(c);
    c->ni = c->ni && g_ni;
}

static void hex_of(const void *data, size_t len, char out[65])
{
    fg_sha256 c;
    unsigned char d[FG_SHA256_SIZE];
    start(&c);
    fg_sha256_update(&c, data, len);
    fg_sha256_final(&c, d);
    fg_sha256_hex(d, out);
}

START_TEST(fips_examples)
{
    g_ni = _i;
    char h[65];
    hex_of("", 0, h);
    ck_assert_str_eq(h, "e3b0c44298fc1c149afbf4c8996fb924"
                        "27ae41e4649b934ca495991b7852b855");
    hex_of("abc", 3, h);
    ck_assert_str_eq(h, "ba7816bf8f01cfea414140de5dae2223"
                        "b00361a396177a9cb410ff61f20015ad");
    const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    hex_of(two, strlen(two), h);
    ck_assert_str_eq(h, "248d6a61d20638b8e5c026930c3e6039"
                        "a33ce45964ff2167f6ecedd419db06c1");
    size_t n = 1000000;
    char *a = malloc(n);
    ck_assert_ptr_nonnull(a);
    memset(a, 'a', n);
    hex_of(a, n, h);
    free(a);
    ck_assert_str_eq(h, "cdc76e5c9914fb9281a1c7e284d73e67"
                        "f1809a48a497200e046d39ccc7112cd0");
}
END_TEST

START_TEST(pieces_equal_one_call)
{
    g_ni = _i;
    unsigned char buf[300];
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (unsigned char)(i * 131 + 7);
    for (size_t n = 0; n < sizeof buf; n++) {
        char whole[65], split[65];
        hex_of(buf, n, whole);
        fg_sha256 c;
        unsigned char d[FG_SHA256_SIZE];
        start(&c);
        for (size_t i = 0; i < n;) {
            size_t step = 1 + (i * 7 + n) % 70;
            step = step < n - i ? step : n - i;
            fg_sha256_update(&c, buf + i, step);
            i += step;
        }
        fg_sha256_final(&c, d);
        fg_sha256_hex(d, split);
        ck_assert_str_eq(whole, split);
    }
}
END_TEST

/* 64 KiB of varied bytes through both, in uneven pieces. */
START_TEST(both_implementations_agree)
{
    size_t n = 65536 + 37;
    unsigned char *buf = malloc(n), d[2][FG_SHA256_SIZE];
    ck_assert_ptr_nonnull(buf);
    for (size_t i = 0; i < n; i++)
        buf[i] = (unsigned char)((i * 2654435761u) >> 13);
    for (int ni = 0; ni < 2; ni++) {
        fg_sha256 c;
        fg_sha256_init(&c);
        c.ni = c.ni && ni;
        for (size_t i = 0; i < n; i += 1000)
            fg_sha256_update(&c, buf + i, n - i < 1000 ? n - i : 1000);
        fg_sha256_final(&c, d[ni]);
    }
    ck_assert_mem_eq(d[0], d[1], FG_SHA256_SIZE);
    free(buf);
}
END_TEST

Suite *suite_sha256(void)
{
    Suite *s = suite_create("sha256");
    TCase *tc = tcase_create("digests");
    /* loop 0: portable; 1: SHA instructions where the CPU has them */
    tcase_add_loop_test(tc, fips_examples, 0, 2);
    tcase_add_loop_test(tc, pieces_equal_one_call, 0, 2);
    tcase_add_test(tc, both_implementations_agree);
    suite_add_tcase(s, tc);
    return s;
}
