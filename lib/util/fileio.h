/* Whole-file I/O: crash-safe replacement and bounded reads. */
#ifndef FG_UTIL_FILEIO_H
#define FG_UTIL_FILEIO_H

#include <stddef.h>

/* Write data to a temporary file beside path, fsync it, rename it over
 * path and fsync the folder: after a crash, path holds the old content or
 * the new one, never a mix. Concurrent saves of one path each succeed
 * (the last rename wins) or fail on their own. A symbolic link is saved
 * through (its target is replaced, keeping its mode); a new file gets mode
 * 0600. Temporary files "PATH.tmp-PID-HEX16" of writers provably gone
 * are swept. FORGET_E_IO naming the path on failure (the temporary file is
 * removed, path untouched). (lib/util/filesave.c) */
int fg_write_file_atomic(const char *path, const void *data, size_t len);

/* Read the whole file (allocated with fg_malloc); fg_read_fd reads an
 * open one from its start (path names it in messages). Regular files
 * only, opened without blocking; a size above FORGET_LIMIT_MAX_BYTES is
 * FORGET_E_NOMEM before anything is allocated (lib/util/readbound.c). */
int fg_read_file(const char *path, unsigned char **data, size_t *len);
int fg_read_fd(int fd, const char *path, unsigned char **data, size_t *len);

/* The pieces (for the deletion journal's appends): write all of data
 * (0 or an errno), fsync the folder holding path (0 or an errno), and
 * FORGET_E_IO with "cannot VERB 'PATH': strerror(err)". */
int fg_write_all(int fd, const void *data, size_t len);
int fg_sync_parent(const char *path);
int fg_io_error(const char *verb, const char *path, int err);

#endif
