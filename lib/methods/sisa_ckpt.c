/* SISA's checkpoints: in memory, or one side file per (shard, stage,
 * generation) in the store directory, a container with one "CKPT"
 * section of P float32 (fg_side_file_write). A checkpoint is never
 * rewritten: a retraining writes the next generation's files and drops
 * the superseded ones. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "forget/backend.h"
#include "methods/sisa.h"
#include "model/kit.h"

static void fg_ckpt_path(const fg_sisa *s, size_t sh, size_t r, uint64_t gen,
                         char *buf, size_t cap)
{
    snprintf(buf, cap, "%s/sisa-s%zu-r%zu-g%llu.ckpt", s->store, sh, r,
             (unsigned long long)gen);
}

int fg_ckpt_put(const fg_sisa *s, size_t sh, size_t r, uint64_t gen,
                const float *theta, fg_ckpt *out)
{
    out->theta = NULL;
    out->gen = 0;
    if (s->store == NULL) {
        out->theta = fg_malloc_array(s->P, sizeof(float));
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

void fg_ckpt_drop(const fg_sisa *s, size_t sh, size_t r, fg_ckpt *c)
{
    if (c->theta) {
        volatile float *v = c->theta;
        for (size_t i = 0; i < s->P; i++)
            v[i] = 0.0f;
        fg_free(c->theta);
    }
    if (c->gen && s->store) {
        char path[4096];
        fg_ckpt_path(s, sh, r, c->gen, path, sizeof path);
        unlink(path);
    }
    c->theta = NULL;
    c->gen = 0;
}

int fg_ckpt_present(const fg_sisa *s, size_t sh, size_t r, const fg_ckpt *c)
{
    char path[4096];
    fg_ckpt_path(s, sh, r, c->gen, path, sizeof path);
    if (access(path, R_OK) != 0)
        return fg_error(FORGET_E_IO, "method 'sisa': checkpoint '%s' is "
                        "missing", path);
    return FORGET_OK;
}
