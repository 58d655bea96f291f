/* CRC-32C against published check values and a bitwise reference. */
#include <string.h>

#include "util/crc32c.h"
#include "internal.h"

START_TEST(check_values)
{
    ck_assert_uint_eq(fg_crc32c(0, "123456789", 9), 0xE3069283u);
    unsigned char zeros[32] = {0}, ones[32];
    memset(ones, 0xff, sizeof ones);
    ck_assert_uint_eq(fg_crc32c(0, zeros, 32), 0x8A9136AAu);
    ck_assert_uint_eq(fg_crc32c(0, ones, 32), 0x62A8AB43u);
    ck_assert_uint_eq(fg_crc32c(0, "", 0), 0u);
}
END_TEST

START_TEST(matches_bitwise_for_every_length_and_split)
{
    unsigned char buf[300];
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (unsigned char)(i * 131 + 7);
    for (size_t n = 0; n < sizeof buf; n++) {
        ck_assert_uint_eq(fg_crc32c(0, buf, n), crc32c_bitwise(buf, n));
        size_t half = n / 3;
        ck_assert_uint_eq(fg_crc32c(fg_crc32c(0, buf, half), buf + half,
                                    n - half), crc32c_bitwise(buf, n));
    }
}
END_TEST

Suite *suite_crc32c(void)
{
    Suite *s = suite_create("crc32c");
    TCase *tc = tcase_create("crc32c");
    tcase_add_test(tc, check_values);
    tcase_add_test(tc, matches_bitwise_for_every_length_and_split);
    suite_add_tcase(s, tc);
    return s;
}
