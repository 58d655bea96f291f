/* The deletion journal's file: reading and checking every record,
 * repairing a cut-short last append on request, and durable appends.
 *
 * Layout (little-endian): a 16-byte header ("FGJOURNL", u32 version,
 * u32 CRC-32C of the 12 bytes before it), then records, each a 24-byte
 * head ("FGJR", u32 type, u64 seq, u32 payload length, u32 CRC-32C of
 * type, seq, length and payload) and the payload:
 *   OPEN     i64 time_ns, u64 journal id (random), digest[32], u32 method
 *            length, method
 *   REQUEST  i64 time_ns, digest_before[32], u32 kind, u32 method length,
 *            u64 count, method, count x u64 ids
 *   DONE     i64 time_ns, digest_after[32]
 *   ABORT    i64 time_ns, i32 status, u32 0 */
#include "unlearner/journal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/alloc.h"
#include "format/container.h"
#include "util/crc32c.h"
#include "util/error.h"
#include "util/fileio.h"

#define FG_JHEAD 16u
#define FG_JRHEAD 24u
#define FG_JVERSION 1u
#define FG_JDIGEST FG_SHA256_SIZE

static const char fg_jmagic[8] = {'F', 'G', 'J', 'O', 'U', 'R', 'N', 'L'};
static const char fg_jmark[4] = {'F', 'G', 'J', 'R'};

void fg_jlog_free(fg_jlog *log)
{
    fg_free(log->buf);
    fg_free(log->recs);
    memset(log, 0, sizeof *log);
}

/* ---- reading ---- */

/* A record's method name (OPEN, REQUEST), kept while checking. */
typedef struct fg_jmethod {
    const unsigned char *p;
    size_t n;
} fg_jmethod;

/* The payload p (plen bytes, the time first) of a record of r->type:
 * the type's fields into r and m; on failure a description in why. */
static int fg_jrec_payload(const unsigned char *p, size_t plen, fg_jrecord *r,
                           fg_jmethod *m, const char **why)
{
    uint64_t need;
    switch (r->type) {
    case FG_JREC_OPEN:
        if (plen < 16 + FG_JDIGEST + 4)
            return *why = "the record is too short for its type", -1;
        r->journal_id = fg_get_u64(p + 8);
        memcpy(r->digest, p + 16, FG_JDIGEST);
        m->n = fg_get_u32(p + 16 + FG_JDIGEST);
        m->p = p + 16 + FG_JDIGEST + 4;
        need = (uint64_t)16 + FG_JDIGEST + 4 + m->n;
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

/* Parse the record at o. FORGET_OK with *r, *m and *next; otherwise a
 * description of what is wrong in why (no message set). */
static int fg_jrec_parse(const unsigned char *b, size_t len, size_t o,
                         fg_jrecord *r, fg_jmethod *m, size_t *next,
                         const char **why)
{
    if (len - o < FG_JRHEAD)
        return *why = "the record's head is incomplete", -1;
    const unsigned char *h = b + o;
    if (memcmp(h, fg_jmark, 4) != 0)
        return *why = "no record marker", -1;
    size_t plen = fg_get_u32(h + 16);
    if (plen > len - o - FG_JRHEAD)
        return *why = "the record runs past the end of the file", -1;
    uint32_t crc = fg_crc32c(fg_crc32c(0, h + 4, 16), h + FG_JRHEAD, plen);
    if (!FG_CRC_OK(fg_get_u32(h + 20), crc))
        return *why = "the record's checksum does not match", -1;
    memset(r, 0, sizeof *r);
    memset(m, 0, sizeof *m);
    r->type = fg_get_u32(h + 4);
    r->seq = fg_get_u64(h + 8);
    if (plen < 8)
        return *why = "the record is too short for its type", -1;
    r->time_ns = (int64_t)fg_get_u64(h + FG_JRHEAD);
    if (fg_jrec_payload(h + FG_JRHEAD, plen, r, m, why) != FORGET_OK)
        return -1;
    *next = o + FG_JRHEAD + plen;
    return FORGET_OK;
}

/* Does a complete, valid record start anywhere in (o, len)? 1 yes, 0 no,
 * -1 when telling would cost more than checksumming the rest of the file
 * a few times over (a hostile file full of markers with long lengths):
 * the caller then does not repair. */
static int fg_jrec_follows(const unsigned char *b, size_t len, size_t o)
{
    uint64_t budget = 8 * (uint64_t)(len - o) + (1u << 20);
    for (size_t q = o + 1; q + FG_JRHEAD <= len; q++) {
        if (memcmp(b + q, fg_jmark, 4) != 0)
            continue;
        size_t plen = fg_get_u32(b + q + 16);
        if (plen > len - q - FG_JRHEAD)
            continue; /* cannot be complete */
        if (plen > budget)
            return -1;
        budget -= plen;
        fg_jrecord r;
        fg_jmethod m;
        size_t next;
        const char *why;
        if (fg_jrec_parse(b, len, q, &r, &m, &next, &why) == FORGET_OK)
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
    } else if (r->type == FG_JREC_REQUEST) {
        if (r->seq > w->ended_cap) {
            size_t nc = w->ended_cap ? 2 * w->ended_cap : 64;
            unsigned char *e = fg_realloc_array(w->ended, nc, 1);
            if (e == NULL)
                return fg_nomem("the journal's request list");
            w->ended = e;
            w->ended_cap = nc;
        }
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
    if (log->n == w->cap) {
        size_t nc = w->cap ? 2 * w->cap : 64;
        fg_jrecord *recs = fg_realloc_array(log->recs, nc, sizeof *recs);
        if (recs == NULL)
            return fg_nomem("the journal's records");
        log->recs = recs;
        w->cap = nc;
    }
    log->recs[log->n++] = *r;
    return FORGET_OK;
}

/* A damaged record at o: repairable (*cut = o) when nothing valid
 * follows it, else FORGET_E_FORMAT. */
static int fg_jlog_damage(const fg_jlog *log, const fg_journal *j, size_t o,
                          const char *why, size_t *cut, const char **cut_why)
{
    int follows = fg_jrec_follows(log->buf, log->len, o);
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
        if (fg_jrec_parse(log->buf, log->len, o, &r, &m, &next, &why) !=
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
        if (rc == FORGET_OK)
            rc = fg_jlog_push(log, &w, &r);
        o = next;
    }
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
    if (v != FG_JVERSION)
        return fg_error(FORGET_E_VERSION, "journal '%s' has format version "
                        "%u; this libforget reads version %u", j->path,
                        (unsigned)v, FG_JVERSION);
    return FORGET_OK;
}

/* ---- writing ---- */

static int64_t fg_jnow(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Write len bytes at the end and fsync; on failure cut back. */
static int fg_jwrite(fg_journal *j, const unsigned char *data, size_t len)
{
    int err = 0;
    const char *verb = "append to";
    if (lseek(j->fd, (off_t)j->end, SEEK_SET) < 0)
        err = errno;
    if (err == 0)
        err = fg_write_all(j->fd, data, len);
    if (err == 0 && fsync(j->fd) != 0) {
        err = errno;
        verb = "fsync";
    }
    if (err != 0) {
        if (ftruncate(j->fd, (off_t)j->end) == 0)
            (void)fsync(j->fd);
        return fg_io_error(verb, j->path, err);
    }
    j->end += len;
    return FORGET_OK;
}

/* A record: head + payload pieces a (alen) and b (blen). */
static int fg_jappend(fg_journal *j, uint32_t type, uint64_t seq,
                      const unsigned char *a, size_t alen,
                      const unsigned char *b, size_t blen)
{
    size_t total = FG_JRHEAD + alen + blen;
    unsigned char small[256];
    unsigned char *rec = total <= sizeof small ? small : fg_malloc(total);
    if (rec == NULL)
        return fg_nomem("a journal record");
    memcpy(rec, fg_jmark, 4);
    fg_put_u32(rec + 4, type);
    fg_put_u64(rec + 8, seq);
    fg_put_u32(rec + 16, (uint32_t)(alen + blen));
    memcpy(rec + FG_JRHEAD, a, alen);
    if (blen)
        memcpy(rec + FG_JRHEAD + alen, b, blen);
    fg_put_u32(rec + 20, fg_crc32c(fg_crc32c(0, rec + 4, 16),
                                   rec + FG_JRHEAD, alen + blen));
    int rc = fg_jwrite(j, rec, total);
    if (rec != small)
        fg_free(rec);
    return rc;
}

/* A journal's identity: 64 random bits (the kernel's, else the clock,
 * the process and an address mixed), so that a state can tell whether
 * the request number it carries belongs to this journal. */
static uint64_t fg_jnew_id(void)
{
    uint64_t id = 0;
    if (getrandom(&id, sizeof id, GRND_NONBLOCK) == (ssize_t)sizeof id &&
        id != 0)
        return id;
    uint64_t z = (uint64_t)fg_jnow() ^ ((uint64_t)getpid() << 32) ^
                 (uint64_t)(uintptr_t)&id;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return (z ^ (z >> 31)) | 1;
}

static int fg_jappend_open(fg_journal *j,
                           const unsigned char digest[FG_JDIGEST])
{
    unsigned char p[16 + FG_JDIGEST + 4 + sizeof j->method];
    size_t mlen = strlen(j->method);
    j->id = fg_jnew_id();
    fg_put_u64(p, (uint64_t)fg_jnow());
    fg_put_u64(p + 8, j->id);
    memcpy(p + 16, digest, FG_JDIGEST);
    fg_put_u32(p + 16 + FG_JDIGEST, (uint32_t)mlen);
    memcpy(p + 16 + FG_JDIGEST + 4, j->method, mlen);
    return fg_jappend(j, FG_JREC_OPEN, 0, p, 16 + FG_JDIGEST + 4 + mlen,
                      NULL, 0);
}

int fg_journal_request(fg_journal *j, uint32_t kind, const uint64_t *ids,
                       size_t n, const unsigned char before[FG_SHA256_SIZE],
                       uint64_t *seq)
{
    if (n == 0 || n > FG_JOURNAL_MAX_IDS)
        return fg_error(FORGET_E_INVALID, "a journaled request holds 1 to "
                        "%zu ids, not %zu", FG_JOURNAL_MAX_IDS, n);
    size_t mlen = strlen(j->method);
    size_t fixed = 8 + FG_JDIGEST + 4 + 4 + 8;
    unsigned char *p = fg_malloc(fixed + mlen + 8 * n);
    if (p == NULL)
        return fg_nomem("a journal record");
    fg_put_u64(p, (uint64_t)fg_jnow());
    memcpy(p + 8, before, FG_JDIGEST);
    fg_put_u32(p + 8 + FG_JDIGEST, kind);
    fg_put_u32(p + 8 + FG_JDIGEST + 4, (uint32_t)mlen);
    fg_put_u64(p + 8 + FG_JDIGEST + 8, n);
    memcpy(p + fixed, j->method, mlen);
    for (size_t i = 0; i < n; i++)
        fg_put_u64(p + fixed + mlen + 8 * i, ids[i]);
    int rc = fg_jappend(j, FG_JREC_REQUEST, j->last_seq + 1, p,
                        fixed + mlen + 8 * n, NULL, 0);
    fg_free(p);
    if (rc == FORGET_OK) {
        *seq = ++j->last_seq;
        j->open_request = 1;
    }
    return rc;
}

int fg_journal_done(fg_journal *j, uint64_t seq,
                    const unsigned char after[FG_SHA256_SIZE])
{
    unsigned char p[8 + FG_JDIGEST];
    fg_put_u64(p, (uint64_t)fg_jnow());
    memcpy(p + 8, after, FG_JDIGEST);
    int rc = fg_jappend(j, FG_JREC_DONE, seq, p, sizeof p, NULL, 0);
    if (rc == FORGET_OK && seq == j->last_seq)
        j->open_request = 0;
    return rc;
}

int fg_journal_abort(fg_journal *j, uint64_t seq, int status)
{
    unsigned char p[16];
    fg_put_u64(p, (uint64_t)fg_jnow());
    fg_put_u32(p + 8, (uint32_t)(int32_t)status);
    fg_put_u32(p + 12, 0);
    int rc = fg_jappend(j, FG_JREC_ABORT, seq, p, sizeof p, NULL, 0);
    if (rc == FORGET_OK && seq == j->last_seq)
        j->open_request = 0;
    return rc;
}

/* ---- opening ---- */

void fg_journal_close(fg_journal *j)
{
    if (j == NULL)
        return;
    if (j->fd >= 0)
        close(j->fd); /* releases the lock */
    fg_free(j->path);
    fg_free(j);
}

/* Cut the file at off (a repair) and make it durable. */
static int fg_jtruncate(fg_journal *j, size_t off)
{
    if (ftruncate(j->fd, (off_t)off) != 0 || fsync(j->fd) != 0)
        return fg_io_error("repair (truncate)", j->path, errno);
    return FORGET_OK;
}

/* Read, check and (on request) repair the file behind j->fd. */
static int fg_jread(fg_journal *j, int repair, fg_jlog *log)
{
    int rc = fg_read_fd(j->fd, j->path, &log->buf, &log->len);
    if (rc != FORGET_OK)
        return rc;
    if (log->len > 0 && (rc = fg_jheader_check(j, log->buf, log->len)))
        return rc;
    if (log->len > 0 && log->len < FG_JHEAD) {
        if (!repair)
            return fg_error(FORGET_E_FORMAT, "journal '%s' is cut short in "
                            "its header (%zu bytes): its creation was "
                            "interrupted; open it with FORGET_JOURNAL_REPAIR "
                            "to start it again", j->path, log->len);
        if ((rc = fg_jtruncate(j, 0)) != FORGET_OK)
            return rc;
        log->dropped = log->len;
        log->len = 0;
    }
    if (log->len == 0)
        return FORGET_OK;
    size_t cut = log->len;
    const char *why = NULL;
    rc = fg_jlog_parse(log, j, &cut, &why);
    if (rc != FORGET_OK || cut == log->len)
        return rc;
    if (!repair)
        return fg_error(FORGET_E_FORMAT, "journal '%s' is damaged at byte "
                        "%zu (%s) and no complete record follows: an append "
                        "was cut short (%zu bytes); open it with "
                        "FORGET_JOURNAL_REPAIR to drop them", j->path, cut,
                        why, log->len - cut);
    if ((rc = fg_jtruncate(j, cut)) != FORGET_OK)
        return rc;
    log->dropped = log->len - cut;
    log->len = cut;
    return FORGET_OK;
}

int fg_journal_scan(const char *path, fg_journal *j, fg_jlog *log)
{
    memset(j, 0, sizeof *j);
    memset(log, 0, sizeof *log);
    j->path = fg_strdup(path);
    if (j->path == NULL)
        return fg_nomem("a journal");
    j->fd = open(path, O_RDONLY | O_CLOEXEC);
    int rc = j->fd < 0 ? fg_io_error("open the journal", path, errno)
                       : fg_jread(j, 0, log);
    if (rc == FORGET_OK && log->len == 0)
        rc = fg_error(FORGET_E_FORMAT, "'%s' is empty: not a journal",
                      path);
    if (j->fd >= 0)
        close(j->fd);
    j->fd = -1;
    fg_free(j->path);
    j->path = NULL;
    return rc;
}

int fg_journal_open(fg_journal **out, const char *path, const char *method,
                    const unsigned char digest[FG_SHA256_SIZE], int repair,
                    fg_jlog *log)
{
    memset(log, 0, sizeof *log);
    if (strlen(method) >= sizeof ((fg_journal *)0)->method)
        return fg_error(FORGET_E_INVALID, "method name too long for a "
                        "journal");
    fg_journal *j = fg_calloc(1, sizeof *j);
    char *p = fg_strdup(path);
    if (j == NULL || p == NULL) {
        fg_free(j);
        fg_free(p);
        return fg_nomem("a journal");
    }
    j->path = p;
    j->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (j->fd < 0) {
        int rc = fg_io_error("open the journal", path, errno);
        fg_journal_close(j);
        return rc;
    }
    int rc = FORGET_OK;
    if (flock(j->fd, LOCK_EX | LOCK_NB) != 0)
        rc = errno == EWOULDBLOCK
                 ? fg_error(FORGET_E_STATE, "journal '%s' is in use by "
                            "another unlearner (it is locked)", path)
                 : fg_io_error("lock the journal", path, errno);
    if (rc == FORGET_OK)
        rc = fg_jread(j, repair, log);
    if (rc == FORGET_OK && log->n == 0) { /* new: header and OPEN */
        snprintf(j->method, sizeof j->method, "%s", method);
        unsigned char h[FG_JHEAD];
        memcpy(h, fg_jmagic, 8);
        fg_put_u32(h + 8, FG_JVERSION);
        fg_put_u32(h + 12, fg_crc32c(0, h, 12));
        j->end = 0;
        if (log->len == 0)
            rc = fg_jwrite(j, h, FG_JHEAD);
        else
            j->end = log->len;
        if (rc == FORGET_OK)
            rc = fg_jappend_open(j, digest);
        int err = rc == FORGET_OK ? fg_sync_parent(path) : 0;
        if (err)
            rc = fg_io_error("fsync the folder of", path, err);
    } else if (rc == FORGET_OK) {
        j->end = log->len;
        if (strcmp(j->method, method) != 0)
            rc = fg_error(FORGET_E_STATE, "journal '%s' belongs to method "
                          "'%s', not '%s'", path, j->method, method);
    }
    if (rc != FORGET_OK) {
        fg_jlog_free(log);
        fg_journal_close(j);
        return rc;
    }
    *out = j;
    return FORGET_OK;
}
