/* The deletion journal's file for an unlearner: opening and locking it,
 * refusing one that is not the state's (before anything is written),
 * repairing a cut-short last append on request, creating a new journal,
 * and durable appends, each record linked into the hash chain. */
#include "unlearner/journal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "util/alloc.h"
#include "format/container.h"
#include "util/crc32c.h"
#include "util/error.h"
#include "util/fileio.h"

#define FG_JDIGEST FG_SHA256_SIZE

void fg_jlog_free(fg_jlog *log)
{
    fg_free(log->buf);
    fg_free(log->recs);
    memset(log, 0, sizeof *log);
}

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

/* A record: head, payload (plen bytes) and, in version 2, its tag. */
static int fg_jappend(fg_journal *j, uint32_t type, uint64_t seq,
                      const unsigned char *payload, size_t plen)
{
    size_t tl = j->version >= 2 ? FG_JTAG : 0;
    size_t total = FG_JRHEAD + plen + tl;
    unsigned char small[FG_JDONE_MAX + FG_JRHEAD + FG_JTAG];
    unsigned char *rec = total <= sizeof small ? small : fg_malloc(total);
    if (rec == NULL)
        return fg_nomem("a journal record");
    memcpy(rec, fg_jmark, 4);
    fg_put_u32(rec + 4, type);
    fg_put_u64(rec + 8, seq);
    fg_put_u32(rec + 16, (uint32_t)plen);
    memcpy(rec + FG_JRHEAD, payload, plen);
    if (tl)
        fg_jchain_tag(&j->chain, rec, rec + FG_JRHEAD, plen,
                      rec + FG_JRHEAD + plen);
    fg_put_u32(rec + 20, fg_crc32c(fg_crc32c(0, rec + 4, 16),
                                   rec + FG_JRHEAD, plen + tl));
    int rc = fg_jwrite(j, rec, total);
    if (rc == FORGET_OK && tl)
        memcpy(j->chain.last, rec + FG_JRHEAD + plen, FG_JTAG);
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

/* A new journal in the (empty, locked) file: version-2 header and OPEN
 * record, keyed when j->key is set. */
static int fg_jcreate(fg_journal *j, const char *method,
                      const unsigned char digest[FG_JDIGEST],
                      const fg_jopen *how)
{
    snprintf(j->method, sizeof j->method, "%s", method);
    unsigned char h[FG_JHEAD];
    memcpy(h, fg_jmagic, 8);
    fg_put_u32(h + 8, FG_JVERSION);
    fg_put_u32(h + 12, fg_crc32c(0, h, 12));
    j->version = FG_JVERSION;
    j->flags = j->key ? FG_JOPEN_KEYED : 0;
    j->chain.key = j->key;
    j->chain.key_len = j->key_len;
    fg_jchain_start(&j->chain, h);
    j->end = 0;
    int rc = fg_jwrite(j, h, FG_JHEAD);
    if (rc != FORGET_OK)
        return rc;
    unsigned char p[16 + FG_JDIGEST + 4 + sizeof j->method + 20];
    size_t mlen = strlen(j->method);
    j->id = fg_jnew_id();
    fg_put_u64(p, (uint64_t)fg_jnow());
    fg_put_u64(p + 8, j->id);
    memcpy(p + 16, digest, FG_JDIGEST);
    fg_put_u32(p + 16 + FG_JDIGEST, (uint32_t)mlen);
    memcpy(p + 16 + FG_JDIGEST + 4, j->method, mlen);
    unsigned char *tail = p + 16 + FG_JDIGEST + 4 + mlen;
    j->prev_id = how->has_id ? how->id : 0;
    j->prev_seq = how->has_id ? how->seq : 0;
    fg_put_u32(tail, j->flags);
    fg_put_u64(tail + 4, j->prev_id);
    fg_put_u64(tail + 12, j->prev_seq);
    rc = fg_jappend(j, FG_JREC_OPEN, 0, p, 16 + FG_JDIGEST + 4 + mlen + 20);
    int err = rc == FORGET_OK ? fg_sync_parent(j->path) : 0;
    if (err)
        rc = fg_io_error("fsync the folder of", j->path, err);
    return rc;
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
                        fixed + mlen + 8 * n);
    fg_free(p);
    if (rc == FORGET_OK) {
        *seq = ++j->last_seq;
        j->open_request = 1;
    }
    return rc;
}

/* report's figures in a DONE record's p (cap bytes: u32 count, then
 * each u32 name length, name, f64 value), in order while they fit;
 * returns the bytes. */
static size_t fg_jfigures(const forget_report *report, unsigned char *p,
                          size_t cap)
{
    size_t n = report ? forget_report_count(report) : 0, o = 4, count = 0;
    for (size_t i = 0; i < n && count < FG_JOURNAL_MAX_FIGURES; i++) {
        const char *key = forget_report_key(report, i);
        size_t nl = strlen(key);
        if (nl == 0 || nl > FG_JOURNAL_MAX_NAME || cap - o < 4 + nl + 8)
            continue;
        double v = forget_report_value(report, i);
        uint64_t bits;
        memcpy(&bits, &v, sizeof bits);
        fg_put_u32(p + o, (uint32_t)nl);
        memcpy(p + o + 4, key, nl);
        fg_put_u64(p + o + 4 + nl, bits);
        o += 4 + nl + 8;
        count++;
    }
    fg_put_u32(p, (uint32_t)count);
    return o;
}

int fg_journal_done(fg_journal *j, uint64_t seq,
                    const unsigned char after[FG_SHA256_SIZE],
                    const forget_report *report)
{
    /* on the stack: a request that took effect allocates nothing more */
    unsigned char p[FG_JDONE_MAX];
    size_t fixed = 8 + FG_JDIGEST, figs = 0;
    fg_put_u64(p, (uint64_t)fg_jnow());
    memcpy(p + 8, after, FG_JDIGEST);
    if (j->version >= 3)
        figs = fg_jfigures(report, p + fixed, sizeof p - fixed);
    int rc = fg_jappend(j, FG_JREC_DONE, seq, p, fixed + figs);
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
    int rc = fg_jappend(j, FG_JREC_ABORT, seq, p, sizeof p);
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

/* What a state with a journal says when the file at path is not it. */
static int fg_jnot_the_states(const fg_journal *j, const fg_jopen *how,
                              const char *found)
{
    return fg_error(FORGET_E_STATE, "journal '%s' %s, but the state was "
                    "saved with journal %016llx (it holds request %llu): "
                    "opening another journal would bring back deletions "
                    "it acknowledged; open the state's own journal, or "
                    "pass FORGET_JOURNAL_NEW with an absent or empty path "
                    "to start a new journal for this state on purpose",
                    j->path, found, (unsigned long long)how->id,
                    (unsigned long long)how->seq);
}

/* Is the journal read into log (n records) one this open may use? */
static int fg_jexpect(const fg_journal *j, const fg_jlog *log,
                      const fg_jopen *how, const char *method)
{
    if (log->n == 0)
        return how->create ? FORGET_OK
                           : fg_jnot_the_states(j, how, log->len
                                 ? "holds no complete record"
                                 : "is empty (or did not exist)");
    int started_for_it = j->prev_id == how->id && j->prev_seq == how->seq &&
                         j->prev_id != 0;
    if (how->has_id && j->id != how->id && !started_for_it) {
        char found[64];
        snprintf(found, sizeof found, "is journal %016llx",
                 (unsigned long long)j->id);
        return fg_jnot_the_states(j, how, found);
    }
    if (strcmp(j->method, method) != 0)
        return fg_error(FORGET_E_STATE, "journal '%s' belongs to method "
                        "'%s', not '%s'", j->path, j->method, method);
    if (j->version < 2 && how->key)
        return fg_error(FORGET_E_STATE, "journal '%s' has format version "
                        "1 (no hash chain) but a journal key is set: it "
                        "cannot be authenticated; start a new journal "
                        "(FORGET_JOURNAL_NEW) or clear the key", j->path);
    int keyed = (j->flags & FG_JOPEN_KEYED) != 0;
    if (keyed && !how->key)
        return fg_error(FORGET_E_STATE, "journal '%s' is keyed (its chain "
                        "is an HMAC): set its key first "
                        "(forget_unlearner_set_journal_key)", j->path);
    if (!keyed && j->version >= 2 && how->key)
        return fg_error(FORGET_E_STATE, "journal '%s' was written without "
                        "a key, but a journal key is set: it cannot be "
                        "authenticated (a journal replaced by one without "
                        "the key looks the same); clear the key or start a "
                        "new journal", j->path);
    return FORGET_OK;
}

/* A damaged end (from cut): cut off when asked, else refused. */
static int fg_jrepair(fg_journal *j, fg_jlog *log, size_t cut,
                      const char *why, int repair)
{
    if (cut == log->len)
        return FORGET_OK;
    if (!repair)
        return cut == 0
                   ? fg_error(FORGET_E_FORMAT, "journal '%s' is cut short "
                              "in its header (%zu bytes): its creation was "
                              "interrupted; open it with "
                              "FORGET_JOURNAL_REPAIR to start it again",
                              j->path, log->len)
                   : fg_error(FORGET_E_FORMAT, "journal '%s' is damaged at "
                              "byte %zu (%s) and no complete record "
                              "follows: an append was cut short (%zu "
                              "bytes); open it with FORGET_JOURNAL_REPAIR "
                              "to drop them", j->path, cut, why,
                              log->len - cut);
    if (ftruncate(j->fd, (off_t)cut) != 0 || fsync(j->fd) != 0)
        return fg_io_error("repair (truncate)", j->path, errno);
    log->dropped = log->len - cut;
    log->len = cut;
    return FORGET_OK;
}

/* Open the file (creating it only when how->create) and lock it. */
static int fg_jopen_fd(fg_journal *j, const fg_jopen *how)
{
    j->fd = open(j->path, O_RDWR | O_CLOEXEC);
    if (j->fd < 0 && errno == ENOENT && !how->create)
        return fg_jnot_the_states(j, how, "does not exist");
    if (j->fd < 0 && errno == ENOENT)
        j->fd = open(j->path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (j->fd < 0)
        return fg_io_error("open the journal", j->path, errno);
    if (flock(j->fd, LOCK_EX | LOCK_NB) != 0)
        return errno == EWOULDBLOCK
                   ? fg_error(FORGET_E_STATE, "journal '%s' is in use by "
                              "another unlearner (it is locked)", j->path)
                   : fg_io_error("lock the journal", j->path, errno);
    return FORGET_OK;
}

int fg_journal_open(fg_journal **out, const char *path, const char *method,
                    const unsigned char digest[FG_SHA256_SIZE],
                    const fg_jopen *how, fg_jlog *log)
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
    j->fd = -1;
    j->path = p;
    j->key = how->key;
    j->key_len = how->key_len;
    size_t cut = 0;
    const char *why = NULL;
    int rc = fg_jopen_fd(j, how);
    if (rc == FORGET_OK)
        rc = fg_journal_load(j, log, &cut, &why);
    if (rc == FORGET_OK)
        rc = fg_jexpect(j, log, how, method);
    if (rc == FORGET_OK)
        rc = fg_jrepair(j, log, cut, why, how->repair);
    if (rc == FORGET_OK && log->n == 0)
        rc = fg_jcreate(j, method, digest, how);
    else if (rc == FORGET_OK)
        j->end = log->len;
    if (rc != FORGET_OK) {
        fg_jlog_free(log);
        fg_journal_close(j);
        return rc;
    }
    *out = j;
    return FORGET_OK;
}
