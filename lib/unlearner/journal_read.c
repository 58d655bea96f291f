/* forget_journal_read and forget_journal_read_figures: a journal's
 * records, or its requests' figures, handed to a callback, for audits
 * (see forget.h). */
#include <stdio.h>
#include <string.h>

#include "util/alloc.h"
#include "format/container.h"
#include "util/error.h"
#include "unlearner/journal.h"
#include "util/le.h"
#include "util/runtime.h"

/* What one record is given to: FORGET_OK to go on, else the code that
 * stops the reading (with its message set). */
typedef int (*fg_jrec_fn)(void *ctx, const fg_journal *j, size_t i,
                          const fg_jrecord *r);

/* Read and check the journal at path (no key: the chain of a journal
 * without one is checked), each record up to any damage to each, then
 * the reading's own status (a damage's message kept from the scan). */
static int fg_journal_walk(const char *path, fg_jrec_fn each, void *ctx)
{
    int rc = fg_require_init("forget_journal_read");
    if (rc != FORGET_OK)
        return rc;
    fg_journal j;
    fg_jlog log;
    rc = fg_journal_scan(path, NULL, 0, &j, &log);
    char msg[1024] = "";
    if (rc != FORGET_OK)
        snprintf(msg, sizeof msg, "%s", forget_last_error());
    int stop = FORGET_OK;
    for (size_t i = 0; i < log.n && stop == FORGET_OK; i++)
        stop = each(ctx, &j, i, &log.recs[i]);
    fg_jlog_free(&log);
    if (stop != FORGET_OK)
        return stop;
    if (rc != FORGET_OK)
        forget_set_error(rc, msg);
    return rc;
}

typedef struct fg_jread {
    forget_journal_fn fn;
    void *user_data;
    uint64_t *ids; /* room for cap ids */
    size_t cap;
} fg_jread;

static int fg_jread_one(void *ctx, const fg_journal *j, size_t i,
                        const fg_jrecord *r)
{
    fg_jread *q = ctx;
    if (r->n_ids > q->cap) {
        fg_free(q->ids);
        q->cap = r->n_ids;
        if ((q->ids = fg_malloc_array(q->cap, sizeof *q->ids)) == NULL) {
            q->cap = 0;
            return fg_nomem("a journal record's ids");
        }
    }
    if (r->n_ids)
        fg_get_u64s(q->ids, r->ids, r->n_ids);
    int cb = q->fn(q->user_data, (int)r->type, r->seq, r->time_ns, j->method,
                   (int)r->kind, r->n_ids ? q->ids : NULL, r->n_ids,
                   r->type == FG_JREC_ABORT ? NULL : r->digest,
                   (int)r->status);
    if (cb != 0)
        return fg_error(FORGET_E_CANCELED, "forget_journal_read: the "
                        "callback stopped at record %zu", i);
    return FORGET_OK;
}

int forget_journal_read(const char *path, forget_journal_fn fn,
                        void *user_data)
{
    FG_CHECK_ARG(path);
    FG_CHECK_ARG(fn);
    fg_jread q = {fn, user_data, NULL, 0};
    int rc = fg_journal_walk(path, fg_jread_one, &q);
    fg_free(q.ids);
    return rc;
}

typedef struct fg_jfigs {
    forget_journal_figure_fn fn;
    void *user_data;
} fg_jfigs;

/* The figures of a DONE record (their bytes were checked when the
 * journal was read). */
static int fg_jfigs_one(void *ctx, const fg_journal *j, size_t i,
                        const fg_jrecord *r)
{
    (void)j;
    (void)i;
    const fg_jfigs *q = ctx;
    if (r->type != FG_JREC_DONE || r->figs == NULL)
        return FORGET_OK;
    char key[FG_JOURNAL_MAX_NAME + 1];
    size_t o = 4;
    for (size_t k = 0; k < r->n_figs; k++) {
        size_t nl = fg_get_u32(r->figs + o);
        memcpy(key, r->figs + o + 4, nl);
        key[nl] = '\0';
        uint64_t bits = fg_get_u64(r->figs + o + 4 + nl);
        double v;
        memcpy(&v, &bits, sizeof v);
        o += 4 + nl + 8;
        if (q->fn(q->user_data, r->seq, key, v) != 0)
            return fg_error(FORGET_E_CANCELED, "forget_journal_read_figures: "
                            "the callback stopped at request %llu",
                            (unsigned long long)r->seq);
    }
    return FORGET_OK;
}

int forget_journal_read_figures(const char *path, forget_journal_figure_fn fn,
                                void *user_data)
{
    FG_CHECK_ARG(path);
    FG_CHECK_ARG(fn);
    fg_jfigs q = {fn, user_data};
    return fg_journal_walk(path, fg_jfigs_one, &q);
}
