/* SISA's recovery at load: a directory-store state names checkpoint files
 * that may be gone (deleted after a later state was saved, or by hand).
 * Each shard with a missing file is retrained from its earliest missing
 * stage, from the checkpoint before it, on the rows the state keeps:
 * training is deterministic and those rows are exactly the remaining
 * ones, so the result is what training from scratch without the forgotten
 * rows gives, bit for bit. */
#include "forget/backend.h"
#include "methods/sisa.h"
#include "model/kit.h"

/* The jobs: per shard, from its first missing stage; *retired counts the
 * checkpoints they supersede. */
static int fg_sisa_missing(const fg_sisa *s, fg_job *jobs, size_t *n_jobs,
                           size_t *retired)
{
    for (size_t sh = 0; sh < s->S; sh++)
        for (size_t r = 0; fg_sisa_owns(s, sh) && r < s->R; r++) {
            int there = fg_ckpt_present(s, sh, r, &s->ck[sh * s->R + r]);
            if (there < 0)
                return there;
            if (!there) {
                jobs[(*n_jobs)++] = (fg_job){.shard = sh, .r0 = r};
                *retired += s->R - r;
                break;
            }
        }
    return FORGET_OK;
}

int fg_sisa_recover(fg_sisa *s)
{
    size_t n_jobs = 0, retired = 0, R = s->R;
    fg_job *jobs = fg_calloc(s->S, sizeof *jobs);
    int rc = jobs ? fg_sisa_missing(s, jobs, &n_jobs, &retired)
                  : fg_nomem("the shards");
    if (rc == FORGET_OK && n_jobs > 0 && s->gen + 1 >= FG_SISA_MAX_GEN)
        rc = fg_error(FORGET_E_STATE, "method 'sisa': the checkpoint "
                      "generations are used up");
    if (rc == FORGET_OK && n_jobs > 0)
        rc = fg_ckpt_reserve(s, retired);
    fg_batch b = {
        .s = s,
        .jobs = jobs,
        .gen = s->gen + 1,
        .run = NULL, /* no progress to report: a load */
    };
    if (rc == FORGET_OK && n_jobs > 0)
        rc = fg_sisa_run(&b, n_jobs);
    for (size_t i = 0; rc == FORGET_OK && i < n_jobs; i++) {
        size_t sh = jobs[i].shard;
        fg_model_discard(s->parts[sh]);
        s->parts[sh] = jobs[i].model;
        for (size_t r = jobs[i].r0; r < R; r++) {
            fg_ckpt_retire(s, sh, r, &s->ck[sh * R + r]);
            s->ck[sh * R + r] = jobs[i].ck[r];
        }
    }
    if (rc == FORGET_OK && n_jobs > 0)
        s->gen = b.gen;
    fg_free(jobs);
    return rc;
}
