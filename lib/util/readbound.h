/* Reading files a caller names, bounded: only regular files (a FIFO or a
 * device would block or never end), sizes checked against the file and
 * against FORGET_LIMIT_MAX_BYTES before anything is allocated. */
#ifndef FG_UTIL_READBOUND_H
#define FG_UTIL_READBOUND_H

#include <stddef.h>
#include <stdint.h>

/* Open path for reading without blocking (O_NONBLOCK until fstat has
 * shown a regular file, so a FIFO with no writer cannot hang us): *fd and
 * its *size, or FORGET_E_IO naming the path and what it is instead. */
int fg_open_regular(const char *path, int *fd, uint64_t *size);

/* Read exactly n bytes at offset off: FORGET_E_IO if the file ends first
 * ("shrank while being read") or a read fails. */
int fg_pread_all(int fd, const char *path, void *buf, size_t n,
                 uint64_t off);

#endif
