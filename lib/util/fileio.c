/* The pieces of file I/O (writing all of a buffer, fsync of a folder,
 * the error message) and whole-file reads, with POSIX calls only; the
 * crash-safe replacement is in filesave.c. */
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

int fg_read_fd(int fd, const char *path, unsigned char **data, size_t *len)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return fg_io_error("stat", path, errno);
    if (!S_ISREG(st.st_mode))
        return fg_error(FORGET_E_IO, "cannot read '%s': not a regular file",
                        path);
    size_t size = (size_t)st.st_size;
    unsigned char *buf = fg_malloc(size ? size : 1);
    if (buf == NULL)
        return fg_error(FORGET_E_NOMEM, "out of memory reading %zu bytes of "
                        "'%s'", size, path);
    size_t got = 0;
    while (got < size) {
        ssize_t r = pread(fd, buf + got, size - got, (off_t)got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            int err = r < 0 ? errno : EIO;
            fg_free(buf);
            return r == 0 ? fg_error(FORGET_E_IO, "'%s' shrank while being "
                                     "read", path)
                          : fg_io_error("read", path, err);
        }
        got += (size_t)r;
    }
    *data = buf;
    *len = size;
    return FORGET_OK;
}

int fg_read_file(const char *path, unsigned char **data, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return fg_io_error("open", path, errno);
    int rc = fg_read_fd(fd, path, data, len);
    close(fd);
    return rc;
}
