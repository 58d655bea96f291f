/* CRC-32C (Castagnoli), as used by iSCSI, ext4 and SSE4.2's crc32. */
#ifndef FG_CORE_CRC32C_H
#define FG_CORE_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* crc of data, continuing from crc (0 to start). */
uint32_t fg_crc32c(uint32_t crc, const void *data, size_t len);

#endif
