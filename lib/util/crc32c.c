/* CRC-32C, table-driven, eight bytes per step (slicing-by-8). The tables
 * are built once, on first use. */
#include "util/crc32c.h"

#include <pthread.h>

static uint32_t fg_crc_table[8][256];
static pthread_once_t fg_crc_once = PTHREAD_ONCE_INIT;

static void fg_crc_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0x82F63B78u & (0u - (c & 1u)));
        fg_crc_table[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; i++)
        for (int t = 1; t < 8; t++)
            fg_crc_table[t][i] = (fg_crc_table[t - 1][i] >> 8) ^
                                 fg_crc_table[0][fg_crc_table[t - 1][i] & 0xff];
}

uint32_t fg_crc32c(uint32_t crc, const void *data, size_t len)
{
    pthread_once(&fg_crc_once, fg_crc_init);
    const unsigned char *p = data;
    uint32_t c = ~crc;
    while (len >= 8) {
        uint32_t lo = c ^ ((uint32_t)p[0] | (uint32_t)p[1] << 8 |
                           (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
        uint32_t hi = (uint32_t)p[4] | (uint32_t)p[5] << 8 |
                      (uint32_t)p[6] << 16 | (uint32_t)p[7] << 24;
        c = fg_crc_table[7][lo & 0xff] ^ fg_crc_table[6][(lo >> 8) & 0xff] ^
            fg_crc_table[5][(lo >> 16) & 0xff] ^ fg_crc_table[4][lo >> 24] ^
            fg_crc_table[3][hi & 0xff] ^ fg_crc_table[2][(hi >> 8) & 0xff] ^
            fg_crc_table[1][(hi >> 16) & 0xff] ^ fg_crc_table[0][hi >> 24];
        p += 8;
        len -= 8;
    }
    while (len--)
        c = (c >> 8) ^ fg_crc_table[0][(c ^ *p++) & 0xff];
    return ~c;
}
