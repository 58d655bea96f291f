/* Whole-file I/O: crash-safe replacement and bounded reads. */
#ifndef FG_CORE_FILEIO_H
#define FG_CORE_FILEIO_H

#include <stddef.h>

/* Write data to a temporary file beside path, fsync it, rename it over
 * path and fsync the folder: after a crash, path holds the old content or
 * the new one, never a mix. FORGET_E_IO naming the path on failure (the
 * temporary file is removed). */
int fg_write_file_atomic(const char *path, const void *data, size_t len);

/* Read the whole file (allocated with fg_malloc). */
int fg_read_file(const char *path, unsigned char **data, size_t *len);

#endif
