/* Crash-safe file replacement by any number of concurrent writers: each
 * writes its own temporary file beside the target, named with its pid and
 * a random part and locked (flock) while it is written, then renames it
 * over the target (the last rename wins; every save succeeds or fails on
 * its own). A save through a symbolic link replaces the link's target and
 * keeps the mode of the file it replaces. Temporary files of killed
 * writers are swept by later saves of the same path, only when their
 * writer is provably gone. POSIX calls (flock from BSD) only. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/alloc.h"
#include "util/error.h"
#include "util/fileio.h"
#include "util/path.h"
#include "util/rng.h"

/* "BASE.tmp-PID-RRRRRRRRRRRRRRRR": the pid in decimal, 16 hex digits. */
#define FG_TMP_TAG ".tmp-"
#define FG_TMP_HEX 16

static uint64_t fg_tmp_random(void)
{
    uint64_t r;
    if (getrandom(&r, sizeof r, GRND_NONBLOCK) == (ssize_t)sizeof r)
        return r;
    /* no entropy yet: unique enough, since the name also holds the pid
     * and the file is created with O_EXCL */
    static atomic_uint_fast64_t counter;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return fg_mix64((uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec +
                    (atomic_fetch_add(&counter, 1) << 40));
}

/* Create and lock this writer's temporary file beside target. */
static int fg_tmp_create(const char *target, const char *path, char **tmp,
                         int *fd)
{
    size_t cap = strlen(target) + sizeof FG_TMP_TAG + 21 + 1 + FG_TMP_HEX + 1;
    char *name = fg_malloc(cap);
    if (name == NULL)
        return fg_nomem("a file name");
    int f = -1, err = EEXIST;
    for (int tries = 0; f < 0 && err == EEXIST && tries < 100; tries++) {
        snprintf(name, cap, "%s" FG_TMP_TAG "%ld-%016" PRIx64, target,
                 (long)getpid(), fg_tmp_random());
        f = open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
                 0600);
        err = f < 0 ? errno : 0;
    }
    /* Fresh and unshared, so the lock is granted at once. Until it is, a
     * sweep sees this process alive and keeps the file. */
    if (f >= 0 && flock(f, LOCK_EX | LOCK_NB) != 0) {
        err = errno;
        unlink(name);
        close(f);
        f = -1;
    }
    if (f < 0) {
        fg_free(name);
        return fg_io_error("create a temporary file beside", path, err);
    }
    *tmp = name;
    *fd = f;
    return FORGET_OK;
}

/* The pid in name if it is exactly BASE.tmp-PID-HEX16, else 0. */
static long fg_tmp_writer(const char *name, const char *base, size_t blen)
{
    if (strncmp(name, base, blen) != 0 ||
        strncmp(name + blen, FG_TMP_TAG, sizeof FG_TMP_TAG - 1) != 0)
        return 0;
    const char *p = name + blen + sizeof FG_TMP_TAG - 1;
    long pid = 0;
    int digits = 0;
    for (; *p >= '0' && *p <= '9' && digits < 10; p++, digits++)
        pid = pid * 10 + (*p - '0');
    if (digits == 0 || name[blen + sizeof FG_TMP_TAG - 1] == '0' ||
        *p != '-' || pid > INT32_MAX)
        return 0;
    p++;
    for (int i = 0; i < FG_TMP_HEX; i++, p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
            return 0;
    return *p == '\0' ? pid : 0;
}

/* Is the writer of a temporary file provably gone? Its process does not
 * exist, and no one holds the lock on the file (a writer in another pid
 * namespace, or on another host sharing the folder, still holds it). */
static int fg_tmp_orphan(int dfd, const char *name, long pid)
{
    if (pid == (long)getpid() || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
        return 0;
    int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return 0;
    struct stat st;
    int gone = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
               flock(fd, LOCK_EX | LOCK_NB) == 0;
    /* unlinked under the lock: a writer renames or unlinks its file
     * before it drops the lock, so a lockable file is no one's work */
    if (gone)
        (void)unlinkat(dfd, name, 0);
    close(fd);
    return gone;
}

/* Remove what earlier saves of target left when they were killed between
 * creating their temporary file and renaming it. They may hold an older
 * version of the data (one that a deletion has since removed), so they
 * must not linger; other files, a user's "BASE.tmp-abcdef" included, are
 * never touched. Best effort: a failure here does not fail the save that
 * just succeeded. */
static void fg_sweep_tmp(const char *target)
{
    char dir[4096];
    if (fg_path_dir(target, dir, sizeof dir) != 0)
        return;
    const char *base = fg_path_base(target);
    size_t blen = strlen(base);
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
        long pid = fg_tmp_writer(e->d_name, base, blen);
        if (pid > 0)
            (void)fg_tmp_orphan(dirfd(d), e->d_name, pid);
    }
    closedir(d);
}

int fg_write_file_atomic(const char *path, const void *data, size_t len)
{
    char *target = NULL, *tmp = NULL;
    int fd = -1;
    int rc = fg_path_follow(path, &target);
    if (rc != FORGET_OK)
        return rc;
    struct stat old;
    int replacing = stat(target, &old) == 0 && S_ISREG(old.st_mode);
    if ((rc = fg_tmp_create(target, path, &tmp, &fd)) != FORGET_OK) {
        fg_free(target);
        return rc;
    }
    int err = 0;
    const char *verb = "set the mode of a temporary file beside";
    if (replacing && fchmod(fd, old.st_mode & 0777) != 0)
        err = errno;
    if (err == 0 && (err = fg_write_all(fd, data, len)) != 0)
        verb = "write";
    if (err == 0 && fsync(fd) != 0) {
        err = errno;
        verb = "fsync";
    }
    if (err == 0 && rename(tmp, target) != 0) {
        err = errno;
        verb = "rename a temporary file onto";
    }
    if (err != 0)
        unlink(tmp);
    close(fd); /* drops the lock, after the rename or the unlink */
    fg_free(tmp);
    if (err == 0) {
        fg_sweep_tmp(target);
        err = fg_sync_parent(target);
        verb = "fsync the folder of";
    }
    fg_free(target);
    return err ? fg_io_error(verb, path, err) : FORGET_OK;
}
