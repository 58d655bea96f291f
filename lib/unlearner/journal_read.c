/* forget_journal_read: a journal's records handed to a callback, for
 * audits (see forget.h). */
#include <stdio.h>
#include <string.h>

#include "util/alloc.h"
#include "format/container.h"
#include "util/error.h"
#include "unlearner/journal.h"
#include "util/runtime.h"

int forget_journal_read(const char *path, forget_journal_fn fn,
                        void *user_data)
{
    FG_CHECK_ARG(path);
    FG_CHECK_ARG(fn);
    int rc = fg_require_init(__func__);
    if (rc != FORGET_OK)
        return rc;
    fg_journal j;
    fg_jlog log;
    rc = fg_journal_scan(path, NULL, 0, &j, &log);
    char msg[1024] = "";
    if (rc != FORGET_OK)
        snprintf(msg, sizeof msg, "%s", forget_last_error());
    uint64_t *ids = NULL;
    size_t cap = 0;
    int stop = FORGET_OK;
    for (size_t i = 0; i < log.n && stop == FORGET_OK; i++) {
        const fg_jrecord *r = &log.recs[i];
        if (r->n_ids > cap) {
            fg_free(ids);
            cap = r->n_ids;
            if ((ids = fg_malloc_array(cap, sizeof *ids)) == NULL) {
                stop = fg_nomem("a journal record's ids");
                break;
            }
        }
        if (r->n_ids)
            fg_get_u64s(ids, r->ids, r->n_ids);
        int cb = fn(user_data, (int)r->type, r->seq, r->time_ns, j.method,
                    (int)r->kind, r->n_ids ? ids : NULL, r->n_ids,
                    r->type == FG_JREC_ABORT ? NULL : r->digest,
                    (int)r->status);
        if (cb != 0)
            stop = fg_error(FORGET_E_CANCELED, "%s: the callback stopped "
                            "at record %zu", __func__, i);
    }
    fg_free(ids);
    fg_jlog_free(&log);
    if (stop != FORGET_OK)
        return stop;
    if (rc != FORGET_OK)
        forget_set_error(rc, msg);
    return rc;
}
