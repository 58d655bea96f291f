/* forget_lock_path: an advisory lock for a host's load-modify-save of a
 * file, held on a lock file "PATH.lock" beside it (a lock on PATH itself
 * would be lost when a save renames a new file over it). flock(2): the
 * kernel drops it when the process dies; it belongs to the open file
 * description, so two handles conflict even within one process. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/alloc.h"
#include "util/error.h"
#include "util/fileio.h"
#include "util/path.h"
#include "util/runtime.h"

struct forget_lock {
    int fd;
};

/* Open (creating it if need be) the lock file: read-write, or read-only
 * when only that is allowed (a lock needs no more); never through a
 * link, never a FIFO or device. */
static int fg_lock_open(const char *name, int *fd)
{
    int f = open(name, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC,
                 0644);
    if (f < 0 && (errno == EACCES || errno == EROFS))
        f = open(name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (f < 0)
        return fg_io_error("open the lock file", name, errno);
    struct stat st;
    if (fstat(f, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(f);
        return fg_error(FORGET_E_IO, "cannot lock with '%s': not a regular "
                        "file", name);
    }
    *fd = f;
    return FORGET_OK;
}

int forget_lock_path(forget_lock **out, const char *path, uint32_t flags)
{
    if (out == NULL || path == NULL || path[0] == '\0')
        return fg_error(FORGET_E_INVALID, "forget_lock_path: out and a "
                        "path are required");
    if (flags & ~(FORGET_LOCK_NOWAIT | FORGET_LOCK_SHARED))
        return fg_error(FORGET_E_INVALID, "forget_lock_path: unknown flags "
                        "0x%x", (unsigned)flags);
    char *target = NULL;
    int rc = fg_path_follow(path, &target);
    if (rc != FORGET_OK)
        return rc;
    size_t n = strlen(target);
    char *name = fg_malloc(n + sizeof ".lock");
    forget_lock *lock = fg_malloc(sizeof *lock);
    if (name == NULL || lock == NULL) {
        rc = fg_nomem("a lock");
    } else {
        memcpy(name, target, n);
        memcpy(name + n, ".lock", sizeof ".lock");
        rc = fg_lock_open(name, &lock->fd);
    }
    if (rc == FORGET_OK) {
        int op = (flags & FORGET_LOCK_SHARED ? LOCK_SH : LOCK_EX) |
                 (flags & FORGET_LOCK_NOWAIT ? LOCK_NB : 0);
        int r;
        while ((r = flock(lock->fd, op)) != 0 && errno == EINTR)
            ;
        if (r != 0 && errno == EWOULDBLOCK)
            rc = fg_error(FORGET_E_STATE, "'%s' is locked by another writer "
                          "(lock file '%s')", path, name);
        else if (r != 0)
            rc = fg_io_error("lock", name, errno);
        if (rc != FORGET_OK)
            close(lock->fd);
    }
    fg_free(name);
    fg_free(target);
    if (rc != FORGET_OK) {
        fg_free(lock);
        return rc;
    }
    fg_object_created();
    *out = lock;
    return FORGET_OK;
}

void forget_lock_release(forget_lock *lock)
{
    if (lock == NULL)
        return;
    /* LOCK_UN, not only close: a child forked meanwhile shares the open
     * file description, and would otherwise keep the lock */
    (void)flock(lock->fd, LOCK_UN);
    close(lock->fd);
    fg_free(lock);
    fg_object_destroyed();
}
