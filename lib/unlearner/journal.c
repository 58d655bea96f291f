/* The deletion journal's file: reading and checking every record (its
 * checksum, its place in the order, its link in the hash chain).
 *
 * Layout (little-endian): a 16-byte header ("FGJOURNL", u32 version,
 * u32 CRC-32C of the 12 bytes before it), then records, each a 24-byte
 * head ("FGJR", u32 type, u64 seq, u32 payload length, u32 CRC-32C of
 * type, seq, length, payload and tag), the payload and (version 2) a
 * 32-byte tag (journal_chain.c):
 *   OPEN     i64 time_ns, u64 journal id (random), digest[32], u32 method
 *            length, method, (version 2) u32 flags (FG_JOPEN_*), u64
 *            previous journal id, u64 its request number (0, 0: none)
 *   REQUEST  i64 time_ns, digest_before[32], u32 kind, u32 method length,
 *            u64 count, method, count x u64 ids
 *   DONE     i64 time_ns, digest_after[32], (version 3) u32 count, count
 *            x (u32 name length, name, f64 value): the request's report
 *   ABORT    i64 time_ns, i32 status, u32 0 */
#include "unlearner/journal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "util/alloc.h"
#include "format/container.h"
#include "util/crc32c.h"
#include "util/error.h"
#include "util/fileio.h"

#define FG_JDIGEST FG_SHA256_SIZE

const char fg_jmagic[8] = {'F', 'G', 'J', 'O', 'U', 'R', 'N', 'L'};
const char fg_jmark[4] = {'F', 'G', 'J', 'R'};

/* ---- reading ---- */

/* A record's method name (OPEN, REQUEST), kept while checking. */
typedef struct fg_jmethod {
    const unsigned char *p;
    size_t n;
} fg_jmethod;

/* The payload p (plen bytes, the time first) of a record of r->type:
 * the type's fields into r and m; on failure a description in why. */
/* DONE's figures (version 3) at p (len bytes after the digest): their
 * count and bytes into r; the payload's length in *need. */
static int fg_jrec_figures(const unsigned char *p, size_t len, fg_jrecord *r,
                           uint64_t *need, const char **why)
{
    if (len < 4)
        return *why = "the record is too short for its type", -1;
    uint32_t n = fg_get_u32(p);
    if (n > FG_JOURNAL_MAX_FIGURES)
        return *why = "the DONE record has too many figures", -1;
    size_t o = 4;
    for (uint32_t i = 0; i < n; i++) {
        if (len - o < 4)
            return *why = "the record's length does not match its "
                          "contents", -1;
        size_t nl = fg_get_u32(p + o);
        if (nl == 0 || nl > FG_JOURNAL_MAX_NAME)
            return *why = "a figure's name length is out of range", -1;
        if (len - o - 4 < nl + 8)
            return *why = "the record's length does not match its "
                          "contents", -1;
        o += 4 + nl + 8;
    }
    r->figs = p;
    r->n_figs = n;
    r->figs_len = o;
    *need = 8 + FG_JDIGEST + (uint64_t)o;
    return FORGET_OK;
}

static int fg_jrec_payload(const unsigned char *p, size_t plen, fg_jrecord *r,
                           fg_jmethod *m, uint32_t version, const char **why)
{
    int chained = version >= 2;
    uint64_t need;
    switch (r->type) {
    case FG_JREC_OPEN:
        if (plen < 16 + FG_JDIGEST + 4 + (chained ? 4 : 0))
            return *why = "the record is too short for its type", -1;
        r->journal_id = fg_get_u64(p + 8);
        memcpy(r->digest, p + 16, FG_JDIGEST);
        m->n = fg_get_u32(p + 16 + FG_JDIGEST);
        m->p = p + 16 + FG_JDIGEST + 4;
        need = (uint64_t)16 + FG_JDIGEST + 4 + m->n + (chained ? 20 : 0);
        if (chained && need == plen) {
            r->flags = fg_get_u32(p + plen - 20);
            r->prev_id = fg_get_u64(p + plen - 16);
            r->prev_seq = fg_get_u64(p + plen - 8);
            if (r->flags & ~FG_JOPEN_KEYED)
                return *why = "the OPEN record has unknown flags", -1;
        }
        break;
    case FG_JREC_REQUEST: {
        size_t fixed = 8 + FG_JDIGEST + 4 + 4 + 8;
        if (plen < fixed)
            return *why = "the record is too short for its type", -1;
        memcpy(r->digest, p + 8, FG_JDIGEST);
        r->kind = fg_get_u32(p + 8 + FG_JDIGEST);
        m->n = fg_get_u32(p + 8 + FG_JDIGEST + 4);
        uint64_t count = fg_get_u64(p + 8 + FG_JDIGEST + 8);
        if (count == 0 || count > FG_JOURNAL_MAX_IDS)
            return *why = "the request's id count is out of range", -1;
        if (r->kind != FORGET_JOURNAL_FORGET && r->kind != FORGET_JOURNAL_LEARN)
            return *why = "the request's kind is unknown", -1;
        r->n_ids = (size_t)count;
        m->p = p + fixed;
        r->ids = m->p + m->n;
        need = fixed + m->n + 8 * r->n_ids;
        if (m->n > plen) /* keeps need from wrapping */
            return *why = "the record's length does not match its "
                          "contents", -1;
        break;
    }
    case FG_JREC_DONE:
        need = 8 + FG_JDIGEST;
        if (version >= 3 && plen >= need &&
            fg_jrec_figures(p + need, plen - need, r, &need, why) != 0)
            return -1;
        if (plen == need)
            memcpy(r->digest, p + 8, FG_JDIGEST);
        break;
    case FG_JREC_ABORT:
        need = 16;
        if (plen == need)
            r->status = (int32_t)fg_get_u32(p + 8);
        break;
    default:
        return *why = "the record's type is unknown", -1;
    }
    if (need != plen)
        return *why = "the record's length does not match its contents", -1;
    return FORGET_OK;
}

/* Parse the record at o; tl is the tag's size (0 in version 1).
 * FORGET_OK with *r, *m and *next; otherwise a description of what is
 * wrong in why (no message set). */
static int fg_jrec_parse(const unsigned char *b, size_t len, size_t o,
                         uint32_t version, fg_jrecord *r, fg_jmethod *m,
                         size_t *next, const char **why)
{
    size_t tl = version >= 2 ? FG_JTAG : 0;
    if (len - o < FG_JRHEAD)
        return *why = "the record's head is incomplete", -1;
    const unsigned char *h = b + o;
    if (memcmp(h, fg_jmark, 4) != 0)
        return *why = "no record marker", -1;
    size_t plen = fg_get_u32(h + 16);
    if (tl > len - o - FG_JRHEAD || plen > len - o - FG_JRHEAD - tl)
        return *why = "the record runs past the end of the file", -1;
    uint32_t crc = fg_crc32c(fg_crc32c(0, h + 4, 16), h + FG_JRHEAD,
                             plen + tl);
    if (!FG_CRC_OK(fg_get_u32(h + 20), crc))
        return *why = "the record's checksum does not match", -1;
    memset(r, 0, sizeof *r);
    memset(m, 0, sizeof *m);
    r->type = fg_get_u32(h + 4);
    r->seq = fg_get_u64(h + 8);
    if (plen < 8)
        return *why = "the record is too short for its type", -1;
    r->time_ns = (int64_t)fg_get_u64(h + FG_JRHEAD);
    if (fg_jrec_payload(h + FG_JRHEAD, plen, r, m, version, why) !=
        FORGET_OK)
        return -1;
    *next = o + FG_JRHEAD + plen + tl;
    return FORGET_OK;
}

/* Does a complete, valid record start anywhere in (o, len)? 1 yes, 0 no,
 * -1 when telling would cost more than checksumming the rest of the file
 * a few times over (a hostile file full of markers with long lengths):
 * the caller then does not repair. */
static int fg_jrec_follows(const unsigned char *b, size_t len, size_t o,
                           uint32_t version)
{
    size_t tl = version >= 2 ? FG_JTAG : 0;
    uint64_t budget = 8 * (uint64_t)(len - o) + (1u << 20);
    for (size_t q = o + 1; q + FG_JRHEAD <= len; q++) {
        if (memcmp(b + q, fg_jmark, 4) != 0)
            continue;
        size_t plen = fg_get_u32(b + q + 16);
        if (tl > len - q - FG_JRHEAD || plen > len - q - FG_JRHEAD - tl)
            continue; /* cannot be complete */
        if (plen > budget)
            return -1;
        budget -= plen;
        fg_jrecord r;
        fg_jmethod m;
        size_t next;
        const char *why;
        if (fg_jrec_parse(b, len, q, version, &r, &m, &next, &why) ==
            FORGET_OK)
            return 1;
    }
    return 0;
}

/* The order records must come in: one OPEN first; requests numbered
 * 1, 2, ... each ended by a DONE or ABORT before the next; a DONE may
 * also repeat for an earlier request that took effect (a redo). */
static const char *fg_jrec_order(const fg_jrecord *r, const fg_jmethod *m,
                                 const fg_jmethod *open, uint64_t last_seq,
                                 int open_request, int took_effect)
{
    if (r->type == FG_JREC_OPEN)
        return open->p ? "a second OPEN record" : (r->seq != 0
               ? "the OPEN record's number is not 0" : NULL);
    if (open->p == NULL)
        return "the first record is not an OPEN record";
    if (r->type == FG_JREC_REQUEST) {
        if (open_request)
            return "a request starts before the previous one ended";
        if (r->seq != last_seq + 1)
            return "the request's number does not follow the previous one";
        if (m->n != open->n || memcmp(m->p, open->p, m->n) != 0)
            return "the request names another method than the journal";
        return NULL;
    }
    if (r->seq == 0 || r->seq > last_seq)
        return "the record ends a request that does not exist";
    if (r->type == FG_JREC_ABORT && !(open_request && r->seq == last_seq))
        return "an ABORT record for a request that is not open";
    if (r->type == FG_JREC_DONE && !(open_request && r->seq == last_seq) &&
        !took_effect)
        return "a DONE record for a request that did not take effect";
    return NULL;
}

/* What the records read so far say: the OPEN record's method, and per
 * request how it ended (0 open, 1 took effect, 2 aborted). */
typedef struct fg_jwalk {
    fg_jmethod open;
    unsigned char *ended;
    size_t ended_cap, cap;
} fg_jwalk;

/* A record in order at byte o: its effect on j and w. */
static int fg_jlog_take(fg_journal *j, fg_jwalk *w, const fg_jrecord *r,
                        const fg_jmethod *m, size_t o)
{
    if (r->type == FG_JREC_OPEN) {
        if (m->n == 0 || m->n >= sizeof j->method)
            return fg_error(FORGET_E_FORMAT, "journal '%s' is corrupt at "
                            "byte %zu: the method name's length is %zu",
                            j->path, o, m->n);
        w->open = *m;
        memcpy(j->method, m->p, m->n);
        j->method[m->n] = '\0';
        j->id = r->journal_id;
        j->flags = r->flags;
        j->prev_id = r->prev_id;
        j->prev_seq = r->prev_seq;
    } else if (r->type == FG_JREC_REQUEST) {
        int rc = fg_grow(&w->ended, &w->ended_cap, r->seq, 1,
                         "the journal's request list");
        if (rc != FORGET_OK)
            return rc;
        w->ended[r->seq - 1] = 0;
        j->last_seq = r->seq;
        j->open_request = 1;
    } else if (r->seq == j->last_seq && j->open_request) {
        j->open_request = 0;
        w->ended[r->seq - 1] = r->type == FG_JREC_DONE ? 1 : 2;
    }
    return FORGET_OK;
}

static int fg_jlog_push(fg_jlog *log, fg_jwalk *w, const fg_jrecord *r)
{
    int rc = fg_grow(&log->recs, &w->cap, log->n + 1, sizeof *log->recs,
                     "the journal's records");
    if (rc != FORGET_OK)
        return rc;
    log->recs[log->n++] = *r;
    return FORGET_OK;
}

/* A damaged record at o: repairable (*cut = o) when nothing valid
 * follows it, else FORGET_E_FORMAT. */
static int fg_jlog_damage(const fg_jlog *log, const fg_journal *j, size_t o,
                          const char *why, size_t *cut, const char **cut_why)
{
    int follows = fg_jrec_follows(log->buf, log->len, o, j->version);
    if (follows != 0)
        return fg_error(FORGET_E_FORMAT, "journal '%s' is corrupt at byte "
                        "%zu: %s, and %s", j->path, o, why,
                        follows > 0 ? "complete records follow"
                                    : "what follows is too damaged to tell "
                                      "whether records do");
    *cut = o;
    *cut_why = why;
    return FORGET_OK;
}

/* The record at o (ending at next) as a link of the hash chain: the
 * OPEN record starts it (with the key when the journal has one; without
 * that key the chain cannot be checked and is left off). */
static int fg_jlog_link(fg_jlog *log, fg_journal *j, const fg_jrecord *r,
                        size_t o, size_t next)
{
    if (r->type == FG_JREC_OPEN) {
        int keyed = (r->flags & FG_JOPEN_KEYED) != 0;
        j->chain.key = keyed ? j->key : NULL;
        j->chain.key_len = keyed ? j->key_len : 0;
        j->chain.on = 0;
        if (!keyed || j->key)
            fg_jchain_start(&j->chain, log->buf);
    }
    if (!j->chain.on)
        return FORGET_OK;
    const unsigned char *h = log->buf + o;
    unsigned char tag[FG_JTAG];
    fg_jchain_tag(&j->chain, h, h + FG_JRHEAD, next - o - FG_JRHEAD - FG_JTAG,
                  tag);
    if (!fg_jchain_same(tag, log->buf + next - FG_JTAG))
        return fg_error(FORGET_E_FORMAT, "journal '%s' fails its hash chain "
                        "at record %zu (byte %zu): the record was changed "
                        "after it was written%s", j->path, log->n, o,
                        j->chain.key ? ", or the key is not the one it was "
                        "written with" : "");
    memcpy(j->chain.last, tag, FG_JTAG);
    return FORGET_OK;
}

/* Check the records of log->buf from byte FG_JHEAD. On a damaged record
 * at offset o: repairable (nothing valid after it) sets *cut = o;
 * otherwise FORGET_E_FORMAT. */
static int fg_jlog_parse(fg_jlog *log, fg_journal *j, size_t *cut,
                         const char **cut_why)
{
    size_t o = FG_JHEAD;
    fg_jwalk w = {{NULL, 0}, NULL, 0, 0};
    int rc = FORGET_OK;
    *cut = log->len;
    while (o < log->len && rc == FORGET_OK && *cut == log->len) {
        fg_jrecord r;
        fg_jmethod m;
        size_t next;
        const char *why = NULL;
        log->bad = o;
        if (fg_jrec_parse(log->buf, log->len, o, j->version, &r, &m, &next,
                          &why) !=
            FORGET_OK) {
            rc = fg_jlog_damage(log, j, o, why, cut, cut_why);
            break;
        }
        int effect_ok = r.type == FG_JREC_DONE && r.seq >= 1 &&
                        r.seq <= j->last_seq && w.ended[r.seq - 1] == 1;
        const char *bad = fg_jrec_order(&r, &m, &w.open, j->last_seq,
                                        j->open_request, effect_ok);
        if (bad)
            rc = fg_error(FORGET_E_FORMAT, "journal '%s' is corrupt at byte "
                          "%zu: %s", j->path, o, bad);
        if (rc == FORGET_OK)
            rc = fg_jlog_take(j, &w, &r, &m, o);
        if (rc == FORGET_OK && j->version >= 2)
            rc = fg_jlog_link(log, j, &r, o, next);
        if (rc == FORGET_OK)
            rc = fg_jlog_push(log, &w, &r);
        o = next;
    }
    if (rc == FORGET_OK && *cut == log->len)
        log->bad = log->len;
    log->chained = rc == FORGET_OK && j->version >= 2 && j->chain.on;
    fg_free(w.ended);
    return rc;
}

static int fg_jheader_check(const fg_journal *j, const unsigned char *b,
                            size_t len)
{
    size_t n = len < 8 ? len : 8;
    if (memcmp(b, fg_jmagic, n) != 0)
        return fg_error(FORGET_E_FORMAT, "'%s' is not a libforget journal "
                        "(no FGJOURNL header)", j->path);
    if (len < FG_JHEAD)
        return FORGET_OK; /* cut short: the caller decides */
    if (!FG_CRC_OK(fg_get_u32(b + 12), fg_crc32c(0, b, 12)))
        return fg_error(FORGET_E_FORMAT, "journal '%s' is corrupt: its "
                        "header's checksum does not match", j->path);
    uint32_t v = fg_get_u32(b + 8);
    if (v < 1 || v > FG_JVERSION)
        return fg_error(FORGET_E_VERSION, "journal '%s' has format version "
                        "%u; this libforget reads versions 1 to %u", j->path,
                        (unsigned)v, FG_JVERSION);
    return FORGET_OK;
}

int fg_journal_load(fg_journal *j, fg_jlog *log, size_t *cut,
                    const char **why)
{
    memset(log, 0, sizeof *log);
    *why = NULL;
    int rc = fg_read_fd(j->fd, j->path, &log->buf, &log->len);
    *cut = log->len;
    log->bad = log->len;
    if (rc != FORGET_OK)
        return rc;
    if (log->len > 0 && (rc = fg_jheader_check(j, log->buf, log->len)))
        return rc;
    if (log->len > 0 && log->len < FG_JHEAD) {
        *cut = log->bad = 0;
        *why = "the header is cut short";
        return FORGET_OK;
    }
    if (log->len == 0)
        return FORGET_OK;
    j->version = fg_get_u32(log->buf + 8);
    return fg_jlog_parse(log, j, cut, why);
}

int fg_journal_scan(const char *path, const unsigned char *key,
                    size_t key_len, fg_journal *j, fg_jlog *log)
{
    memset(j, 0, sizeof *j);
    memset(log, 0, sizeof *log);
    j->key = key;
    j->key_len = key_len;
    j->path = fg_strdup(path);
    if (j->path == NULL)
        return fg_nomem("a journal");
    j->fd = open(path, O_RDONLY | O_CLOEXEC);
    size_t cut = 0;
    const char *why = NULL;
    int rc = j->fd < 0 ? fg_io_error("open the journal", path, errno)
                       : fg_journal_load(j, log, &cut, &why);
    if (rc == FORGET_OK && log->len == 0)
        rc = fg_error(FORGET_E_FORMAT, "'%s' is empty: not a journal",
                      path);
    else if (rc == FORGET_OK && cut < log->len)
        rc = fg_error(FORGET_E_FORMAT, "journal '%s' is damaged at byte "
                      "%zu (%s) and no complete record follows: an append "
                      "was cut short (%zu bytes)", path, cut, why,
                      log->len - cut);
    if (j->fd >= 0)
        close(j->fd);
    j->fd = -1;
    fg_free(j->path);
    j->path = NULL;
    return rc;
}

