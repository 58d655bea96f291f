/* Folder part of a path; following the symbolic links of its last
 * component. */
#include "util/path.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/alloc.h"
#include "util/error.h"
#include "util/fileio.h"

#define FG_LINK_HOPS 40 /* as the kernel's limit for a path (ELOOP) */

int fg_path_dir(const char *path, char *dir, size_t cap)
{
    const char *slash = strrchr(path, '/');
    size_t n = slash == NULL ? 1 : (slash == path ? 1 : (size_t)(slash - path));
    if (n >= cap)
        return ENAMETOOLONG;
    memcpy(dir, slash == NULL ? "." : path, n);
    dir[n] = '\0';
    return 0;
}

const char *fg_path_base(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* The file a link at cur points to: target itself when absolute or when
 * cur has no folder, else cur's folder + "/" + target. */
static char *fg_link_join(const char *cur, const char *target)
{
    const char *slash = strrchr(cur, '/');
    size_t dlen = target[0] == '/' || slash == NULL
                      ? 0 : (size_t)(slash - cur) + 1;
    size_t tlen = strlen(target);
    char *joined = fg_malloc(dlen + tlen + 1);
    if (joined == NULL)
        return NULL;
    memcpy(joined, cur, dlen);
    memcpy(joined + dlen, target, tlen + 1);
    return joined;
}

int fg_path_follow(const char *path, char **out)
{
    char *cur = fg_strdup(path);
    if (cur == NULL)
        return fg_nomem("a file name");
    for (int hops = 0;; hops++) {
        struct stat st;
        if (lstat(cur, &st) != 0 || !S_ISLNK(st.st_mode)) {
            *out = cur;
            return FORGET_OK;
        }
        char target[4096];
        ssize_t n = hops < FG_LINK_HOPS
                        ? readlink(cur, target, sizeof target) : -1;
        int err = hops >= FG_LINK_HOPS ? ELOOP : errno;
        if (n >= (ssize_t)sizeof target)
            err = ENAMETOOLONG;
        if (n < 0 || n >= (ssize_t)sizeof target) {
            fg_free(cur);
            return fg_io_error("follow the symbolic link", path, err);
        }
        target[n] = '\0';
        char *next = fg_link_join(cur, target);
        fg_free(cur);
        if (next == NULL)
            return fg_nomem("a file name");
        cur = next;
    }
}
