/* CRC-32C (Castagnoli), as used by iSCSI, ext4 and SSE4.2's crc32. */
#ifndef FG_UTIL_CRC32C_H
#define FG_UTIL_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* crc of data, continuing from crc (0 to start). */
uint32_t fg_crc32c(uint32_t crc, const void *data, size_t len);

/* Does a stored checksum match the computed one? `make fuzz` builds the
 * library with libFuzzer's conventional macro so that mutated inputs get
 * past the checksums to the parsers behind them (model and state files,
 * journals); no other build defines it. */
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
#define FG_CRC_OK(stored, computed) ((void)(stored), (void)(computed), 1)
#else
#define FG_CRC_OK(stored, computed) ((stored) == (computed))
#endif

#endif
