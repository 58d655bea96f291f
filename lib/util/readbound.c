/* Bounded whole-file reads: regular files only, their size checked
 * against FORGET_LIMIT_MAX_BYTES before the buffer is allocated. */
#include "util/readbound.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/alloc.h"
#include "util/error.h"
#include "util/fileio.h"
#include "util/limits.h"

static const char *fg_file_kind(mode_t mode)
{
    return S_ISDIR(mode)    ? "a directory"
           : S_ISFIFO(mode) ? "a FIFO (named pipe)"
           : S_ISCHR(mode)  ? "a character device"
           : S_ISBLK(mode)  ? "a block device"
           : S_ISSOCK(mode) ? "a socket"
                            : "not a regular file";
}

static int fg_check_regular(int fd, const char *path, uint64_t *size)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return fg_io_error("stat", path, errno);
    if (!S_ISREG(st.st_mode))
        return fg_error(FORGET_E_IO, "cannot read '%s': it is %s; only "
                        "regular files are read", path,
                        fg_file_kind(st.st_mode));
    *size = (uint64_t)st.st_size;
    return FORGET_OK;
}

int fg_open_regular(const char *path, int *fd, uint64_t *size)
{
    int f = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (f < 0)
        return fg_io_error("open", path, errno);
    int rc = fg_check_regular(f, path, size);
    int flags = rc == FORGET_OK ? fcntl(f, F_GETFL) : 0;
    if (rc == FORGET_OK &&
        (flags < 0 || fcntl(f, F_SETFL, flags & ~O_NONBLOCK) != 0))
        rc = fg_io_error("set up reading of", path, errno);
    if (rc != FORGET_OK) {
        close(f);
        return rc;
    }
    *fd = f;
    return FORGET_OK;
}

int fg_pread_all(int fd, const char *path, void *buf, size_t n,
                 uint64_t off)
{
    unsigned char *p = buf;
    size_t got = 0;
    while (got < n) {
        size_t want = n - got > (1u << 30) ? (1u << 30) : n - got;
        ssize_t r = pread(fd, p + got, want, (off_t)(off + got));
        if (r < 0 && errno == EINTR)
            continue;
        if (r == 0)
            return fg_error(FORGET_E_IO, "'%s' shrank while being read",
                            path);
        if (r < 0)
            return fg_io_error("read", path, errno);
        got += (size_t)r;
    }
    return FORGET_OK;
}

int fg_read_fd(int fd, const char *path, unsigned char **data, size_t *len)
{
    uint64_t size = 0;
    int rc = fg_check_regular(fd, path, &size);
    char what[300];
    if (rc == FORGET_OK) {
        snprintf(what, sizeof what, "reading '%s'", path);
        rc = fg_limit_check(FORGET_LIMIT_MAX_BYTES, size, what);
    }
    if (rc != FORGET_OK)
        return rc;
    unsigned char *buf = fg_malloc(size ? (size_t)size : 1);
    if (buf == NULL)
        return fg_error(FORGET_E_NOMEM, "out of memory reading %llu bytes "
                        "of '%s'", (unsigned long long)size, path);
    rc = fg_pread_all(fd, path, buf, (size_t)size, 0);
    if (rc != FORGET_OK) {
        fg_free(buf);
        return rc;
    }
    *data = buf;
    *len = (size_t)size;
    return FORGET_OK;
}

int fg_read_file(const char *path, unsigned char **data, size_t *len)
{
    int fd = -1;
    uint64_t size = 0;
    int rc = fg_open_regular(path, &fd, &size);
    if (rc != FORGET_OK)
        return rc;
    rc = fg_read_fd(fd, path, data, len);
    close(fd);
    return rc;
}
