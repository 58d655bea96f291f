/* SHA-256 against the FIPS 180-4 example digests, and streaming in pieces
 * against one call for every length that crosses the padding boundary. */
#include <stdlib.h>
#include <string.h>

#include "core/sha256.h"
#include "internal.h"

static void hex_of(const void *data, size_t len, char out[65])
{
    fg_sha256 c;
    unsigned char d[FG_SHA256_SIZE];
    fg_sha256_init(&c);
    fg_sha256_update(&c, data, len);
    fg_sha256_final(&c, d);
    fg_sha256_hex(d, out);
}

START_TEST(fips_examples)
{
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
    unsigned char buf[300];
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (unsigned char)(i * 131 + 7);
    for (size_t n = 0; n < sizeof buf; n++) {
        char whole[65], split[65];
        hex_of(buf, n, whole);
        fg_sha256 c;
        unsigned char d[FG_SHA256_SIZE];
        fg_sha256_init(&c);
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

Suite *suite_sha256(void)
{
    Suite *s = suite_create("sha256");
    TCase *tc = tcase_create("digests");
    tcase_add_test(tc, fips_examples);
    tcase_add_test(tc, pieces_equal_one_call);
    suite_add_tcase(s, tc);
    return s;
}
