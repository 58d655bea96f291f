/* The deletion journals of an unlearner on many ranks (journal.h; the
 * recovery rule is in docs/MPI.md, "The journal on many ranks"). Each rank
 * writes its own file; a request's record holds the same ids on every
 * rank, so the files have the same requests under the same numbers, and
 * opening them compares what they hold. */
#include <string.h>

#include "data/idspread.h"
#include "util/alloc.h"
#include "util/comm.h"
#include "util/error.h"
#include "util/le.h"
#include "unlearner/journal.h"

int fg_jranks_ids(const forget_comm *c, const char *method,
                  const uint64_t *ids, size_t n, int by_ids,
                  const uint64_t **all, size_t *n_all, uint64_t **owned)
{
    *owned = NULL;
    if (by_ids) {
        int rc = fg_idspread_same_list(c, ids, n, method);
        if (rc != FORGET_OK)
            return rc;
        *all = ids;
        *n_all = n;
        return FORGET_OK;
    }
    void *buf = NULL;
    size_t total = 0;
    int rc = fg_comm_allgatherv(c, ids, n * sizeof *ids, &buf, NULL, &total,
                                "the request's ids");
    if (rc != FORGET_OK)
        return rc;
    *owned = buf;
    *all = buf;
    *n_all = total / sizeof *ids;
    return FORGET_OK;
}

/* A rank's summary: k, last, then per request k+1..last its kind, end
 * and the SHA-256 of its ids. */
#define FG_JR_HEAD 16u
#define FG_JR_ITEM (8u + FG_SHA256_SIZE)

static void fg_jr_hash(const fg_jrecord *r, unsigned char h[FG_SHA256_SIZE])
{
    fg_sha256 s;
    fg_sha256_init(&s);
    fg_sha256_update(&s, r->ids, r->n_ids * 8);
    fg_sha256_final(&s, h);
}

static int fg_jr_summary(uint64_t k, const fg_jreq *req, uint64_t last,
                         unsigned char **out, size_t *len)
{
    size_t n = (size_t)(last - k);
    *len = FG_JR_HEAD + n * FG_JR_ITEM;
    unsigned char *p = fg_malloc(*len);
    if (p == NULL)
        return fg_nomem("a journal's summary");
    fg_put_u64(p, k);
    fg_put_u64(p + 8, last);
    for (uint64_t s = k + 1; s <= last; s++) {
        unsigned char *q = p + FG_JR_HEAD + (size_t)(s - k - 1) * FG_JR_ITEM;
        fg_put_u32(q, req[s - 1].rec->kind);
        fg_put_u32(q + 4, req[s - 1].end);
        fg_jr_hash(req[s - 1].rec, q + 8);
    }
    *out = p;
    return FORGET_OK;
}

/* The ranks' summaries, gathered. */
typedef struct fg_jr_all {
    unsigned char *buf;
    size_t *sizes;
    const unsigned char **at; /* each rank's */
    size_t p;
} fg_jr_all;

static uint64_t fg_jr_k(const fg_jr_all *a, size_t r)
{
    return fg_get_u64(a->at[r]);
}

static uint64_t fg_jr_last(const fg_jr_all *a, size_t r)
{
    return fg_get_u64(a->at[r] + 8);
}

/* Rank r's item for request s (k < s <= its last). */
static const unsigned char *fg_jr_item(const fg_jr_all *a, size_t r,
                                       uint64_t k, uint64_t s)
{
    return a->at[r] + FG_JR_HEAD + (size_t)(s - k - 1) * FG_JR_ITEM;
}

/* Check the summaries (the same on every rank, so every rank decides the
 * same) and give each request k+1..*max its end to act on. */
static int fg_jr_check(const fg_jr_all *a, const char *path, uint64_t *min,
                       uint64_t *max, uint32_t *merged)
{
    uint64_t k = fg_jr_k(a, 0);
    for (size_t r = 0; r < a->p; r++) {
        size_t want = FG_JR_HEAD;
        if (a->sizes[r] < FG_JR_HEAD ||
            fg_jr_last(a, r) < fg_jr_k(a, r) ||
            (want += (size_t)(fg_jr_last(a, r) - fg_jr_k(a, r)) *
                     FG_JR_ITEM) != a->sizes[r])
            return fg_error(FORGET_E_INTERNAL, "journal '%s': rank %zu's "
                            "summary is malformed", path, r);
        if (fg_jr_k(a, r) != k)
            return fg_error(FORGET_E_STATE, "journal '%s': rank %zu's state "
                            "holds request %llu of its journal but rank 0's "
                            "holds request %llu: load the parts saved after "
                            "the same request", path, r,
                            (unsigned long long)fg_jr_k(a, r),
                            (unsigned long long)k);
    }
    uint64_t lo = fg_jr_last(a, 0), hi = lo;
    for (size_t r = 1; r < a->p; r++) {
        uint64_t l = fg_jr_last(a, r);
        lo = l < lo ? l : lo;
        hi = l > hi ? l : hi;
    }
    if (hi > lo + 1)
        return fg_error(FORGET_E_STATE, "journal '%s': the ranks' journals "
                        "end at requests %llu to %llu; they differ by more "
                        "than the one request a failure can leave on some "
                        "ranks only: they are not one run's journals", path,
                        (unsigned long long)lo, (unsigned long long)hi);
    /* a rank goes on to a request only after every rank ended the one
     * before: a journal that stops at an open request while another's
     * holds the next is not of the same run */
    for (size_t r = 0; lo < hi && lo > k && r < a->p; r++)
        if (fg_jr_last(a, r) == lo &&
            fg_get_u32(fg_jr_item(a, r, k, lo) + 4) == 0)
            return fg_error(FORGET_E_STATE, "journal '%s': rank %zu's "
                            "request %llu is open while another rank's "
                            "journal went on to request %llu: the journals "
                            "are not one run's", path, r,
                            (unsigned long long)lo, (unsigned long long)hi);
    for (uint64_t s = k + 1; s <= hi; s++) {
        const unsigned char *first = NULL;
        int done = 0, aborted = 0, missing = 0;
        for (size_t r = 0; r < a->p; r++) {
            if (s > fg_jr_last(a, r)) {
                missing = 1;
                continue;
            }
            const unsigned char *it = fg_jr_item(a, r, k, s);
            if (first == NULL)
                first = it;
            else if (memcmp(first, it, 4) != 0 ||
                     memcmp(first + 8, it + 8, FG_SHA256_SIZE) != 0)
                return fg_error(FORGET_E_STATE, "journal '%s': request %llu "
                                "is not the same request on rank %zu as on "
                                "the first rank that has it: the journals "
                                "are not one run's", path,
                                (unsigned long long)s, r);
            uint32_t end = fg_get_u32(it + 4);
            done |= end == FG_JREC_DONE;
            aborted |= end == FG_JREC_ABORT;
        }
        if (done && (aborted || missing))
            return fg_error(FORGET_E_STATE, "journal '%s': request %llu took "
                            "effect on some rank but is %s on another, which "
                            "the journals of one run cannot hold", path,
                            (unsigned long long)s,
                            aborted ? "refused" : "missing");
        merged[s - k - 1] = done                 ? FG_JREC_DONE
                            : aborted || missing ? FG_JREC_ABORT
                                                 : 0;
    }
    *min = lo;
    *max = hi;
    return FORGET_OK;
}

/* Write the last request (s), which this rank's journal lacks, from the
 * rank that has it: its ids are gathered from the lowest such rank. */
static int fg_jr_fill(const forget_comm *c, fg_journal *file,
                      const fg_jr_all *a, const fg_jreq *req, uint64_t k,
                      uint64_t s, const unsigned char digest[FG_SHA256_SIZE])
{
    size_t from = 0;
    while (fg_jr_last(a, from) < s)
        from++;
    const fg_jrecord *mine = (size_t)c->rank == from ? req[s - 1].rec : NULL;
    void *buf = NULL;
    size_t total = 0;
    int rc = fg_comm_allgatherv(c, mine ? mine->ids : NULL,
                                mine ? mine->n_ids * 8 : 0, &buf, NULL,
                                &total, "a request some ranks' journals "
                                "lack");
    if (rc != FORGET_OK)
        return rc;
    if (fg_jr_last(a, (size_t)c->rank) >= s) { /* this rank has it */
        fg_free(buf);
        return FORGET_OK;
    }
    size_t n = total / 8;
    uint64_t *ids = fg_malloc_array(n ? n : 1, sizeof *ids);
    if (ids == NULL) {
        fg_free(buf);
        return fg_nomem("a request's ids");
    }
    fg_get_u64s(ids, buf, n);
    fg_free(buf);
    uint32_t kind = fg_get_u32(fg_jr_item(a, from, k, s));
    uint64_t seq = 0;
    rc = fg_journal_request(file, kind, ids, n, digest, &seq);
    fg_free(ids);
    if (rc == FORGET_OK && seq != s)
        rc = fg_error(FORGET_E_INTERNAL, "journal '%s': a filled-in request "
                      "got number %llu, not %llu", file->path,
                      (unsigned long long)seq, (unsigned long long)s);
    if (rc == FORGET_OK)
        rc = fg_journal_abort(file, s, FORGET_E_IO);
    return rc;
}

int fg_jranks_reconcile(const forget_comm *c, fg_journal *file,
                        const unsigned char digest[FG_SHA256_SIZE],
                        uint64_t k, fg_jreq **req, uint64_t *last)
{
    unsigned char *mine = NULL;
    size_t len = 0;
    int rc = fg_jr_summary(k, *req, *last, &mine, &len);
    rc = fg_comm_agree(c, rc);
    fg_jr_all a = {NULL, NULL, NULL, (size_t)c->size};
    if (rc == FORGET_OK)
        rc = fg_comm_allgatherv(c, mine, len, (void **)&a.buf, &a.sizes,
                                &len, "the journals' summaries");
    fg_free(mine);
    if (rc != FORGET_OK)
        return rc;
    /* from here every rank holds the same summaries and decides alike;
     * only the writes below can fail on one rank, and an agreement
     * follows them */
    a.at = fg_malloc_array(a.p, sizeof *a.at);
    uint64_t lo = 0, hi = 0;
    uint32_t *merged = NULL;
    int local = a.at ? FORGET_OK : fg_nomem("the journals' summaries");
    for (size_t r = 0, at = 0; local == FORGET_OK && r < a.p; r++) {
        a.at[r] = a.buf + at;
        at += a.sizes[r];
    }
    /* the summaries' size is checked before their items are read */
    uint64_t most = 0;
    for (size_t r = 0; local == FORGET_OK && r < a.p; r++)
        if (a.sizes[r] >= FG_JR_HEAD && fg_jr_last(&a, r) > most)
            most = fg_jr_last(&a, r);
    if (local == FORGET_OK && most > k &&
        (merged = fg_calloc((size_t)(most - k), sizeof *merged)) == NULL)
        local = fg_nomem("the journals' requests");
    if (local == FORGET_OK)
        local = fg_jr_check(&a, file->path, &lo, &hi, merged);
    /* an allocation that failed here is this rank's alone */
    rc = fg_comm_agree(c, local);
    if (rc != FORGET_OK) /* on every rank */
        goto out;
    if (hi > *last) {
        fg_jreq *grown = fg_realloc_array(*req, (size_t)hi, sizeof **req);
        if (grown == NULL)
            rc = fg_nomem("the journal's request index");
        else {
            *req = grown;
            for (uint64_t s = *last + 1; s <= hi; s++)
                grown[s - 1] = (fg_jreq){NULL, FG_JREC_ABORT};
        }
    }
    if (lo < hi) { /* lo and hi are the same on every rank */
        rc = fg_comm_agree(c, rc);
        if (rc != FORGET_OK)
            goto out;
        rc = fg_jr_fill(c, file, &a, *req, k, hi, digest);
    }
    /* every request refused somewhere is ended where it is open */
    for (uint64_t s = k + 1; rc == FORGET_OK && s <= hi; s++) {
        fg_jreq *q = &(*req)[s - 1];
        if (merged[s - k - 1] == FG_JREC_ABORT && s <= *last && q->end == 0)
            rc = fg_journal_abort(file, s, FORGET_E_IO);
        q->end = merged[s - k - 1];
    }
    if (rc == FORGET_OK && hi > *last)
        *last = hi;
    rc = fg_comm_agree(c, rc);
out:
    fg_free(merged);
    fg_free(a.at);
    fg_free(a.buf);
    fg_free(a.sizes);
    return rc;
}
