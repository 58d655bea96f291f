/* Crash-safe file replacement (temporary file, fsync, rename, fsync of the
 * folder) and whole-file reads, with POSIX calls only. */
#include "util/fileio.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/alloc.h"
#include "util/error.h"

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
    const char *slash = strrchr(path, '/');
    if (slash == NULL) {
        strcpy(dir, ".");
    } else {
        size_t n = (size_t)(slash - path);
        if (n >= sizeof dir)
            return ENAMETOOLONG;
        memcpy(dir, path, n ? n : 1);
        dir[n ? n : 1] = '\0';
    }
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return errno;
    int err = fsync(fd) == 0 ? 0 : errno;
    close(fd);
    return err == EINVAL ? 0 : err; /* some file systems cannot */
}

/* Remove what earlier saves of path left when they were killed between
 * creating their temporary file and renaming it: "BASE.tmp-XXXXXX" beside
 * path. They may hold an older version of the data (one that a deletion
 * has since removed), so they must not linger. Best effort: a failure
 * here does not fail the save that just succeeded. */
static void fg_remove_stale_tmp(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    size_t blen = strlen(base), dlen = slash ? (size_t)(slash - path) : 0;
    char dir[4096];
    if (dlen + 1 >= sizeof dir)
        return;
    if (slash) {
        memcpy(dir, path, dlen ? dlen : 1);
        dir[dlen ? dlen : 1] = '\0';
    } else {
        strcpy(dir, ".");
    }
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return;
    DIR *d = fdopendir(dfd);
    if (d == NULL) {
        close(dfd);
        return;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        const char *n = e->d_name;
        if (strlen(n) == blen + 11 && memcmp(n, base, blen) == 0 &&
            memcmp(n + blen, ".tmp-", 5) == 0)
            (void)unlinkat(dfd, n, 0);
    }
    closedir(d);
}

int fg_write_file_atomic(const char *path, const void *data, size_t len)
{
    size_t plen = strlen(path);
    char *tmp = fg_malloc(plen + 16);
    if (tmp == NULL)
        return fg_nomem("a file name");
    memcpy(tmp, path, plen);
    memcpy(tmp + plen, ".tmp-XXXXXX", 12);
    int fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0) {
        int rc = fg_io_error("create a temporary file beside", path, errno);
        fg_free(tmp);
        return rc;
    }
    int err = fg_write_all(fd, data, len);
    const char *verb = "write";
    if (err == 0 && fsync(fd) != 0) {
        err = errno;
        verb = "fsync";
    }
    if (close(fd) != 0 && err == 0) {
        err = errno;
        verb = "close";
    }
    if (err == 0 && rename(tmp, path) != 0) {
        err = errno;
        verb = "rename a temporary file onto";
    }
    if (err != 0) {
        unlink(tmp);
        fg_free(tmp);
        return fg_io_error(verb, path, err);
    }
    fg_free(tmp);
    fg_remove_stale_tmp(path);
    err = fg_sync_parent(path);
    return err ? fg_io_error("fsync the folder of", path, err) : FORGET_OK;
}
