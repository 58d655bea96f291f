/* The pieces of file I/O (writing all of a buffer, fsync of a folder,
 * the error message), with POSIX calls only; the crash-safe replacement
 * is in filesave.c, whole-file reads in readbound.c. */
#include "util/fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/alloc.h"
#include "util/error.h"
#include "util/path.h"

int fg_io_error(const char *verb, const char *path, int err)
{
    char buf[128];
    const char *text = strerror_r(err, buf, sizeof buf);
    return fg_error(FORGET_E_IO, "cannot %s '%s': %s", verb, path, text);
}

int fg_write_all(int fd, const void *data, size_t len)
{
    const unsigned char *p = data;
    while (len > 0) {
        ssize_t w = write(fd, p, len > (1u << 30) ? (1u << 30) : len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return errno ? errno : EIO;
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

int fg_sync_parent(const char *path)
{
    char dir[4096];
    if (fg_path_dir(path, dir, sizeof dir) != 0)
        return ENAMETOOLONG;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return errno;
    int err = fsync(fd) == 0 ? 0 : errno;
    close(fd);
    return err == EINVAL ? 0 : err; /* some file systems cannot */
}
