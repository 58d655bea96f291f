/* SISA's checkpoints: in memory, or one side file per (shard, stage,
 * generation) in the store directory, a container with one "CKPT"
 * section of P float32 (fg_side_file_write). A checkpoint is never
 * rewritten: a retraining writes the next generation's files. A
 * superseded file lives as long as the durable state names it (the WAL
 * rule): it is pending until the next save to a file, then destroyed
 * (overwritten with zeros, synced, unlinked). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "forget/backend.h"
#include "methods/sisa.h"
#include "model/kit.h"

static void fg_ckpt_name(size_t sh, size_t r, uint64_t gen, char *buf,
                         size_t cap)
{
    snprintf(buf, cap, "sisa-s%zu-r%zu-g%llu.ckpt", sh, r,
             (unsigned long long)gen);
}

static void fg_ckpt_path(const fg_sisa *s, size_t sh, size_t r, uint64_t gen,
                         char *buf, size_t cap)
{
    char name[96];
    fg_ckpt_name(sh, r, gen, name, sizeof name);
    snprintf(buf, cap, "%s/%s", s->store, name);
}

int fg_ckpt_put(const fg_sisa *s, size_t sh, size_t r, uint64_t gen,
                const float *theta, float **buf, fg_ckpt *out)
{
    out->theta = NULL;
    out->gen = 0;
    out->saved = 0;
    if (s->store == NULL) {
        out->theta = buf && *buf ? *buf : fg_malloc_array(s->P, sizeof(float));
        if (buf)
            *buf = NULL;
        if (out->theta == NULL)
            return fg_nomem("a checkpoint");
        memcpy(out->theta, theta, s->P * sizeof(float));
        return FORGET_OK;
    }
    char path[4096];
    fg_ckpt_path(s, sh, r, gen, path, sizeof path);
    int rc = fg_side_file_write(path, "CKPT", theta, s->P * sizeof(float));
    if (rc == FORGET_OK)
        out->gen = gen;
    return rc;
}

int fg_ckpt_get(const fg_sisa *s, size_t sh, size_t r, const fg_ckpt *c,
                float *theta)
{
    if (s->store == NULL) {
        memcpy(theta, c->theta, s->P * sizeof(float));
        return FORGET_OK;
    }
    char path[4096];
    fg_ckpt_path(s, sh, r, c->gen, path, sizeof path);
    return fg_side_file_read(path, "CKPT", theta, s->P * sizeof(float),
                             FG_SISA_OWNER);
}

void fg_ckpt_destroy_path(const char *path)
{
    int fd = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    struct stat st;
    if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
        static const char zeros[65536];
        off_t left = st.st_size;
        while (left > 0) {
            size_t n = left < (off_t)sizeof zeros ? (size_t)left
                                                  : sizeof zeros;
            ssize_t w = write(fd, zeros, n);
            if (w <= 0)
                break;
            left -= w;
        }
        fdatasync(fd);
    }
    if (fd >= 0)
        close(fd);
    unlink(path);
}

float *fg_ckpt_pool_take(fg_sisa *s)
{
    return s->n_pool > 0 ? s->pool[--s->n_pool] : NULL;
}

void fg_ckpt_pool_give(fg_sisa *s, float *buf)
{
    if (buf == NULL)
        return;
    volatile float *v = buf;
    for (size_t i = 0; i < s->P; i++)
        v[i] = 0.0f;
    if (s->n_pool < s->cap_pool)
        s->pool[s->n_pool++] = buf;
    else
        fg_free(buf);
}

void fg_ckpt_pool_trim(fg_sisa *s, size_t n)
{
    while (s->n_pool > n)
        fg_free(s->pool[--s->n_pool]);
}

void fg_ckpt_pool_free(fg_sisa *s)
{
    fg_ckpt_pool_trim(s, 0);
    fg_free(s->pool);
    s->pool = NULL;
    s->n_pool = s->cap_pool = 0;
}

void fg_ckpt_drop(fg_sisa *s, size_t sh, size_t r, fg_ckpt *c)
{
    fg_ckpt_pool_give(s, c->theta);
    if (c->gen && s->store) {
        char path[4096];
        fg_ckpt_path(s, sh, r, c->gen, path, sizeof path);
        fg_ckpt_destroy_path(path);
    }
    c->theta = NULL;
    c->gen = 0;
    c->saved = 0;
}

int fg_ckpt_reserve(fg_sisa *s, size_t n)
{
    if (s->n_pending + n <= s->cap_pending)
        return FORGET_OK;
    size_t cap = 2 * s->cap_pending + n + 8;
    fg_pending *p = fg_realloc_array(s->pending, cap, sizeof *p);
    if (p == NULL)
        return fg_nomem("the superseded checkpoints");
    s->pending = p;
    s->cap_pending = cap;
    return FORGET_OK;
}

void fg_ckpt_retire(fg_sisa *s, size_t sh, size_t r, fg_ckpt *c)
{
    if (c->gen && c->saved && s->store && s->n_pending < s->cap_pending) {
        s->pending[s->n_pending++] = (fg_pending){sh, r, c->gen};
        c->gen = 0;
    }
    fg_ckpt_drop(s, sh, r, c);
}

void fg_ckpt_saved(fg_sisa *s)
{
    for (size_t i = 0; i < s->n_pending; i++) {
        char path[4096];
        fg_ckpt_path(s, s->pending[i].sh, s->pending[i].r, s->pending[i].gen,
                     path, sizeof path);
        fg_ckpt_destroy_path(path);
    }
    s->n_pending = 0;
    for (size_t i = 0; s->ck && i < s->S * s->R; i++)
        s->ck[i].saved = 1;
}

int fg_ckpt_present(const fg_sisa *s, size_t sh, size_t r, const fg_ckpt *c)
{
    char path[4096];
    struct stat st;
    fg_ckpt_path(s, sh, r, c->gen, path, sizeof path);
    if (stat(path, &st) == 0)
        return 1;
    if (errno == ENOENT)
        return 0;
    return fg_error(FORGET_E_IO, "method 'sisa': cannot check checkpoint "
                    "'%.300s': %s", path, strerror(errno));
}

/* Is name a file of sisa's pattern, "sisa-sSH-rR-gGEN.ckpt" exactly (a
 * checkpoint: *tmp = 0) or followed by ".tmp-..." (the temporary file of
 * one being written: *tmp = 1)? */
static int fg_ckpt_parse(const char *name, size_t *sh, size_t *r,
                         uint64_t *gen, int *tmp)
{
    unsigned long long g;
    if (strncmp(name, "sisa-s", 6) != 0 ||
        sscanf(name, "sisa-s%zu-r%zu-g%llu", sh, r, &g) != 3)
        return 0;
    char canon[96];
    *gen = g;
    fg_ckpt_name(*sh, *r, *gen, canon, sizeof canon);
    size_t len = strlen(canon);
    if (strncmp(name, canon, len) != 0)
        return 0;
    *tmp = name[len] != '\0';
    return name[len] == '\0' || strncmp(name + len, ".tmp-", 5) == 0;
}

static int fg_ckpt_named(const fg_sisa *s, size_t sh, size_t r, uint64_t gen)
{
    if (gen == 0)
        return 0;
    if (sh < s->S && r < s->R && s->ck && s->ck[sh * s->R + r].gen == gen)
        return 1;
    for (size_t i = 0; i < s->n_pending; i++)
        if (s->pending[i].sh == sh && s->pending[i].r == r &&
            s->pending[i].gen == gen)
            return 1;
    return 0;
}

void fg_ckpt_sweep(const fg_sisa *s)
{
    DIR *d = s->store ? opendir(s->store) : NULL;
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        size_t sh, r;
        uint64_t gen;
        int tmp;
        /* (on many ranks sharing the directory, another rank's shards'
         * files are that rank's to keep or sweep) */
        if (!fg_ckpt_parse(e->d_name, &sh, &r, &gen, &tmp) ||
            (!tmp && fg_ckpt_named(s, sh, r, gen)) || !fg_sisa_owns(s, sh))
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", s->store, e->d_name);
        fg_ckpt_destroy_path(path);
    }
    if (d)
        closedir(d);
}
