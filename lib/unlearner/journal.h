/* The deletion journal's file (docs/FORMAT.md, "Deletion journal"): a
 * header, then records appended and fsync'ed one at a time, each with a
 * marker, its type, a sequence number, its length, (version 2) a SHA-256
 * tag chained to the record before it, and a CRC-32C. It holds sample
 * ids, times and model digests, never features or labels.
 *
 * journal.c reads and checks a file; journal_chain.c computes the tags;
 * journal_write.c opens, repairs and appends; what the records mean to an
 * unlearner (recovery, the forgotten set) is unlearner_journal.c. */
#ifndef FG_UNLEARNER_JOURNAL_H
#define FG_UNLEARNER_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

#include "forget/backend.h"
#include "forget/forget.h"
#include "util/sha256.h"

#define FG_JREC_OPEN 1u    /* the journal's start: method, model digest */
#define FG_JREC_REQUEST 2u /* ids, kind, method, digest before */
#define FG_JREC_DONE 3u    /* a request took effect: digest after */
#define FG_JREC_ABORT 4u   /* a request failed and changed nothing */

#define FG_JHEAD 16u            /* the file's header */
#define FG_JRHEAD 24u           /* a record's head */
#define FG_JVERSION 3u          /* written; versions 1 and 2 are still
                                   read (and appended to in their own) */
#define FG_JTAG FG_SHA256_SIZE  /* a version-2 record's chain tag */
#define FG_JOPEN_KEYED 1u       /* OPEN flags: the chain is an HMAC */

/* DONE (version 3): figures at most, and a figure's name length; the
 * writer keeps a DONE payload within FG_JDONE_MAX bytes (the figures
 * that do not fit are left out). */
#define FG_JDONE_MAX 4096u
#define FG_JOURNAL_MAX_FIGURES 4096u
#define FG_JOURNAL_MAX_NAME 255u

/* Largest number of ids in one request record. */
#define FG_JOURNAL_MAX_IDS ((size_t)1 << 28)

extern const char fg_jmagic[8];
extern const char fg_jmark[4];

/* One parsed record; ids point into the log's buffer (little-endian). */
typedef struct fg_jrecord {
    uint32_t type;
    uint64_t seq;
    int64_t time_ns;
    uint64_t journal_id;                  /* OPEN */
    uint32_t flags;                       /* OPEN (version 2) */
    uint64_t prev_id, prev_seq;           /* OPEN (version 2): the journal
                                             and request of the state it
                                             was started for, or 0 */
    unsigned char digest[FG_SHA256_SIZE]; /* OPEN, REQUEST (before), DONE */
    uint32_t kind;                        /* REQUEST: FORGET_JOURNAL_* */
    int32_t status;                       /* ABORT: the call's code */
    const unsigned char *ids;             /* REQUEST */
    size_t n_ids;
    const unsigned char *figs;            /* DONE (version 3): the
                                             figures (u32 count first) */
    size_t n_figs, figs_len;
} fg_jrecord;

/* Everything read from a journal file, checked. */
typedef struct fg_jlog {
    unsigned char *buf; /* the file */
    size_t len;
    fg_jrecord *recs;
    size_t n;
    size_t dropped; /* bytes of a cut-short last append removed (repair) */
    size_t bad;     /* byte offset of the first record that failed a
                       check (len when none did) */
    int chained;    /* every record's tag was checked (version 2, and
                       the key given when the journal has one) */
} fg_jlog;

void fg_jlog_free(fg_jlog *log);

/* The hash chain: each version-2 record's tag is MAC(previous tag ||
 * type, seq, length || payload), the first one's "previous" being the
 * MAC of the file header; MAC is SHA-256, or HMAC-SHA-256 with key. */
typedef struct fg_jchain {
    const unsigned char *key; /* NULL: plain SHA-256 */
    size_t key_len;
    unsigned char last[FG_JTAG];
    int on; /* tags are checked and written */
} fg_jchain;

void fg_jchain_start(fg_jchain *c, const unsigned char header[FG_JHEAD]);
/* The tag of a record: head (its 24 bytes; the marker and CRC are not
 * covered) and payload. */
void fg_jchain_tag(const fg_jchain *c, const unsigned char *head,
                   const unsigned char *payload, size_t plen,
                   unsigned char tag[FG_JTAG]);
/* Do two tags match? (constant time; always under fuzzing builds) */
int fg_jchain_same(const unsigned char a[FG_JTAG],
                   const unsigned char b[FG_JTAG]);

typedef struct fg_journal {
    int fd;
    char *path;
    uint64_t end;      /* the size of the file: where the next record goes */
    uint64_t last_seq; /* of the last request */
    int open_request;  /* the last request has no DONE/ABORT yet */
    uint64_t id;       /* random, from the OPEN record */
    uint32_t version;  /* of the file: 1 (no chain) or 2 */
    uint32_t flags;    /* the OPEN record's FG_JOPEN_* */
    uint64_t prev_id, prev_seq; /* the OPEN record's: a state that named
                                   journal prev_id at request prev_seq
                                   continues here (0: none) */
    const unsigned char *key; /* given by the caller (borrowed), or NULL */
    size_t key_len;
    fg_jchain chain;
    char method[64];
} fg_journal;

/* Read the file behind j->fd into log and check it, changing nothing:
 * records up to any damage are in log; *cut is the offset of a damaged
 * end that nothing valid follows (log->len when none; why says what is
 * wrong), otherwise damage or a broken chain is FORGET_E_FORMAT. */
int fg_journal_load(fg_journal *j, fg_jlog *log, size_t *cut,
                    const char **why);

/* How to open a journal for an unlearner. */
typedef struct fg_jopen {
    int repair;         /* drop a cut-short last append */
    int create;         /* an absent or empty file may become a new journal */
    int has_id;         /* the state names its journal: */
    uint64_t id, seq;   /* its id and the last request the state holds */
    const unsigned char *key; /* the chain's HMAC key, or NULL */
    size_t key_len;
} fg_jopen;

/* Open (creating it with its OPEN record when absent or empty and
 * how->create) and lock the journal at path, for method, and read it into
 * *log. digest is the model's now (the OPEN record of a new journal).
 * FORGET_E_FORMAT names the byte offset and what is wrong (a broken chain
 * the record); FORGET_E_STATE when another handle holds the lock, the
 * journal is another method's, another state's (how->id), absent or empty
 * without how->create, or keyed otherwise than how->key. A journal of
 * another id is taken when it was started for this state (its OPEN
 * record names how->id and how->seq: the state was not saved since). A
 * new journal records how->id and how->seq so. Nothing is changed on the
 * file when it is refused. */
int fg_journal_open(fg_journal **out, const char *path, const char *method,
                    const unsigned char digest[FG_SHA256_SIZE],
                    const fg_jopen *how, fg_jlog *log);
void fg_journal_close(fg_journal *j);
/* Read and check the journal at path without opening it for appends (no
 * lock, no repair): the records up to any damage are in log even when
 * the status is FORGET_E_FORMAT. j gets the method and the numbers. The
 * chain is checked when the journal has no key or key is given. */
int fg_journal_scan(const char *path, const unsigned char *key,
                    size_t key_len, fg_journal *j, fg_jlog *log);

/* Append and fsync one record. On failure the file is cut back to where
 * it was (FORGET_E_IO). A request gets the next sequence number (*seq). */
int fg_journal_request(fg_journal *j, uint32_t kind, const uint64_t *ids,
                       size_t n, const unsigned char before[FG_SHA256_SIZE],
                       uint64_t *seq);
/* DONE: in version 3 with the request's figures (report, may be NULL:
 * none; names longer than FG_JOURNAL_MAX_NAME are left out). */
int fg_journal_done(fg_journal *j, uint64_t seq,
                    const unsigned char after[FG_SHA256_SIZE],
                    const forget_report *report);
int fg_journal_abort(fg_journal *j, uint64_t seq, int status);

/* Per request number (1-based) of a log: its REQUEST record (NULL for a
 * request filled in from another rank's journal, journal_ranks.c) and
 * how it ended (0 open, FG_JREC_DONE, FG_JREC_ABORT). */
typedef struct fg_jreq {
    const fg_jrecord *rec;
    uint32_t end;
} fg_jreq;

/* ---- the journals of an unlearner on many ranks (journal_ranks.c) ---- */

/* The ids a request on many ranks journals, the same on every rank
 * (collective): for a request by ids, the list every rank was given
 * (fg_idspread_same_list: another list on one rank is FORGET_E_INVALID
 * on all, naming method); for one by rows, every rank's ids in rank
 * order (*owned is then the allocation to free). */
int fg_jranks_ids(const forget_comm *c, const char *method,
                  const uint64_t *ids, size_t n, int by_ids,
                  const uint64_t **all, size_t *n_all, uint64_t **owned);

/* Opening the ranks' journals (collective, after each rank found its
 * anchor k and indexed its requests 1..*last in *req): the ranks compare
 * what their journals hold and make them agree, then each request after
 * k gets the end every rank must act on: DONE when it took effect on
 * some rank (to be redone everywhere), ABORT when it was refused on some
 * rank or is missing on some (it took effect nowhere: an open one is
 * ended, a missing one is written from the rank that has it, so the
 * journals go on with the same numbers), 0 when it is open everywhere.
 * FORGET_E_STATE when the parts were not saved at the same request or
 * the journals are not one run's. *req may be reallocated and *last
 * raised. */
int fg_jranks_reconcile(const forget_comm *c, fg_journal *file,
                        const unsigned char digest[FG_SHA256_SIZE],
                        uint64_t k, fg_jreq **req, uint64_t *last);

#endif
