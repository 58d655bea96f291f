/* The deletion journal's file (docs/FORMAT.md, "Deletion journal"): a
 * header, then records appended and fsync'ed one at a time, each with a
 * marker, its type, a sequence number, its length and a CRC-32C. It holds
 * sample ids, times and model digests, never features or labels.
 *
 * This file reads, checks, repairs and appends; what the records mean to
 * an unlearner (recovery, the forgotten set) is lib/unlearner/unlearner_journal.c. */
#ifndef FG_UNLEARNER_JOURNAL_H
#define FG_UNLEARNER_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

#include "util/sha256.h"

#define FG_JREC_OPEN 1u    /* the journal's start: method, model digest */
#define FG_JREC_REQUEST 2u /* ids, kind, method, digest before */
#define FG_JREC_DONE 3u    /* a request took effect: digest after */
#define FG_JREC_ABORT 4u   /* a request failed and changed nothing */

/* Largest number of ids in one request record. */
#define FG_JOURNAL_MAX_IDS ((size_t)1 << 28)

/* One parsed record; ids point into the log's buffer (little-endian). */
typedef struct fg_jrecord {
    uint32_t type;
    uint64_t seq;
    int64_t time_ns;
    uint64_t journal_id;                  /* OPEN */
    unsigned char digest[FG_SHA256_SIZE]; /* OPEN, REQUEST (before), DONE */
    uint32_t kind;                        /* REQUEST: FORGET_JOURNAL_* */
    int32_t status;                       /* ABORT: the call's code */
    const unsigned char *ids;             /* REQUEST */
    size_t n_ids;
} fg_jrecord;

/* Everything read from a journal file, checked. */
typedef struct fg_jlog {
    unsigned char *buf; /* the file */
    size_t len;
    fg_jrecord *recs;
    size_t n;
    size_t dropped; /* bytes of a cut-short last append removed (repair) */
} fg_jlog;

void fg_jlog_free(fg_jlog *log);

typedef struct fg_journal {
    int fd;
    char *path;
    uint64_t end;      /* the size of the file: where the next record goes */
    uint64_t last_seq; /* of the last request */
    int open_request;  /* the last request has no DONE/ABORT yet */
    uint64_t id;       /* random, from the OPEN record */
    char method[64];
} fg_journal;

/* Open (creating it with its OPEN record if absent or empty) and lock the
 * journal at path, for method, and read it into *log. digest is the
 * model's now (the OPEN record of a new journal). repair: drop a last
 * record that an interrupted append left incomplete (never anything
 * followed by a complete record). FORGET_E_FORMAT names the byte offset
 * and what is wrong; FORGET_E_STATE when another handle holds the lock or
 * the journal is another method's. */
int fg_journal_open(fg_journal **out, const char *path, const char *method,
                    const unsigned char digest[FG_SHA256_SIZE], int repair,
                    fg_jlog *log);
void fg_journal_close(fg_journal *j);
/* Read and check the journal at path without opening it for appends (no
 * lock, no repair): the records up to any damage are in log even when
 * the status is FORGET_E_FORMAT. j gets the method and the numbers. */
int fg_journal_scan(const char *path, fg_journal *j, fg_jlog *log);

/* Append and fsync one record. On failure the file is cut back to where
 * it was (FORGET_E_IO). A request gets the next sequence number (*seq). */
int fg_journal_request(fg_journal *j, uint32_t kind, const uint64_t *ids,
                       size_t n, const unsigned char before[FG_SHA256_SIZE],
                       uint64_t *seq);
int fg_journal_done(fg_journal *j, uint64_t seq,
                    const unsigned char after[FG_SHA256_SIZE]);
int fg_journal_abort(fg_journal *j, uint64_t seq, int status);

#endif
