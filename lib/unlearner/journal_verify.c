/* forget_journal_verify: a journal's hash chain checked, for audits (see
 * forget.h). */
#include <stdio.h>
#include <string.h>

#include "util/alloc.h"
#include "util/error.h"
#include "unlearner/journal.h"
#include "util/runtime.h"

int forget_journal_verify(const char *path, const void *key, size_t key_len,
                          uint64_t *records, uint64_t *offset)
{
    FG_CHECK_ARG(path);
    if ((key == NULL) != (key_len == 0))
        return fg_error(FORGET_E_INVALID, "%s: give a key and its length, "
                        "or NULL and 0 for a journal without a key",
                        __func__);
    int rc = fg_require_init(__func__);
    if (rc != FORGET_OK)
        return rc;
    fg_journal j;
    fg_jlog log;
    rc = fg_journal_scan(path, key, key_len, &j, &log);
    uint64_t n = log.n, off = log.bad;
    int keyed = (j.flags & FG_JOPEN_KEYED) != 0;
    if (rc == FORGET_OK && log.n == 0) {
        rc = fg_error(FORGET_E_FORMAT, "journal '%s' holds no record (not "
                      "even its OPEN record)", path);
    } else if (rc == FORGET_OK && j.version < 2) {
        rc = fg_error(FORGET_E_UNSUPPORTED, "journal '%s' has format "
                      "version 1: it has no hash chain, so it cannot be "
                      "verified (its %zu records' checksums and order are "
                      "intact)", path, log.n);
    } else if (rc == FORGET_OK && keyed && key == NULL) {
        rc = fg_error(FORGET_E_STATE, "journal '%s' is keyed (its chain is "
                      "an HMAC): give its key to verify it", path);
        n = 0;
        off = FG_JHEAD;
    } else if (rc == FORGET_OK && !keyed && key != NULL) {
        rc = fg_error(FORGET_E_FORMAT, "journal '%s' fails at record 0 "
                      "(byte %u): it was written without a key, so it is "
                      "not authenticated (a journal replaced by one "
                      "written without the key looks the same)", path,
                      FG_JHEAD);
        n = 0;
        off = FG_JHEAD;
    } else if (rc == FORGET_OK && !log.chained) {
        rc = fg_error(FORGET_E_INTERNAL, "journal '%s': the chain was not "
                      "checked", path);
    }
    int outputs = rc == FORGET_OK || rc == FORGET_E_FORMAT ||
                  rc == FORGET_E_STATE || rc == FORGET_E_UNSUPPORTED;
    if (outputs && records)
        *records = n;
    if (outputs && offset)
        *offset = off;
    fg_jlog_free(&log);
    return rc;
}
