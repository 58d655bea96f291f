/* The locks of a load-modify-save: every file a command reads and then
 * replaces, and every file it writes, is locked (forget_lock_path) from
 * before its load until after its save, so that a second process waits
 * instead of saving over the first one's result. Locks are taken in one
 * order (by the file's resolved name) so that two commands never wait
 * for each other. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* The file's name with every link and folder resolved, as a sort key;
 * for a file not yet made, its folder's resolved name and its own. */
static char *resolved(const char *path)
{
    char *r = realpath(path, NULL);
    if (r != NULL || errno != ENOENT)
        return r;
    const char *slash = strrchr(path, '/');
    char *dir = slash ? strndup(path, (size_t)(slash - path + 1)) : NULL;
    char *rdir = realpath(slash ? dir : ".", NULL);
    free(dir);
    if (rdir == NULL)
        return NULL;
    const char *base = slash ? slash + 1 : path;
    size_t n = strlen(rdir) + strlen(base) + 2;
    char *full = malloc(n);
    if (full)
        snprintf(full, n, "%s/%s", rdir, base);
    free(rdir);
    return full;
}

static int by_key(const void *a, const void *b)
{
    return strcmp(((const cli_lock_req *)a)->key,
                  ((const cli_lock_req *)b)->key);
}

static int lock_one(const char *cmd, const cli_lock_req *q, int nowait,
                    forget_lock **out)
{
    int r = forget_lock_path(out, q->key, FORGET_LOCK_NOWAIT);
    if (r == FORGET_E_STATE && nowait) {
        fprintf(stderr, "forget %s: %s is in use by another process "
                "(it holds %s.lock); not waiting (--no-wait)\n", cmd,
                q->path, q->key);
        return CLI_FAIL;
    }
    if (r == FORGET_E_STATE) {
        fprintf(stderr, "forget %s: waiting for %s (another process holds "
                "%s.lock)\n", cmd, q->path, q->key);
        r = forget_lock_path(out, q->key, 0);
    }
    return r == FORGET_OK ? CLI_OK : cli_fail(cmd, q->path, r);
}

int cli_lock_files(const char *cmd, cli_lock_req *reqs, size_t n, int nowait,
                   cli_locks *held)
{
    memset(held, 0, sizeof *held);
    size_t k = 0;
    int rc = CLI_OK;
    for (size_t i = 0; i < n && rc == CLI_OK; i++) {
        if (reqs[i].path == NULL)
            continue;
        reqs[k] = reqs[i];
        reqs[k].key = resolved(reqs[i].path);
        if (reqs[k].key == NULL) {
            fprintf(stderr, "forget %s: %s: %s\n", cmd, reqs[i].path,
                    strerror(errno));
            rc = CLI_FAIL;
        } else {
            k++;
        }
    }
    qsort(reqs, k, sizeof *reqs, by_key);
    for (size_t i = 0; i < k && rc == CLI_OK; i++) {
        if (i + 1 < k && strcmp(reqs[i].key, reqs[i + 1].key) == 0)
            continue; /* one file named twice: one lock */
        rc = lock_one(cmd, &reqs[i], nowait, &held->lock[held->n]);
        held->n += rc == CLI_OK;
    }
    for (size_t i = 0; i < k; i++)
        free(reqs[i].key);
    if (rc != CLI_OK)
        cli_unlock_files(held);
    return rc;
}

void cli_unlock_files(cli_locks *held)
{
    while (held->n > 0)
        forget_lock_release(held->lock[--held->n]);
}
