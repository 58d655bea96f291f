/* An unlearner's deletion journal: logging each learn/forget request
 * around the backend step, recovery when a journal is opened again, the
 * forgotten set and the queue of pending requests (see forget.h, "Deletion
 * journal"; the file itself is lib/unlearner/journal.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"
#include "util/comm.h"
#include "format/container.h"
#include "util/error.h"
#include "util/hmac.h"
#include "util/idstate.h"
#include "unlearner/journal.h"
#include "util/report.h"
#include "unlearner/unlearner.h"

/* A request logged but not in the model, that the host must finish. */
typedef struct fg_jpending {
    uint64_t seq;
    int kind;
    uint64_t *ids;
    size_t n;
} fg_jpending;

struct fg_ujournal {
    fg_journal *file;
    fg_idstate forgotten; /* id -> 1 forgotten, 0 learned again */
    fg_jpending *pending;
    size_t n_pending, head; /* pending[head..n_pending) wait */
    int failed;             /* an end record could not be written */
    uint64_t failed_seq;
};

static void fg_ujournal_free(fg_ujournal *uj)
{
    if (uj == NULL)
        return;
    fg_journal_close(uj->file);
    fg_idstate_free(&uj->forgotten);
    for (size_t i = 0; i < uj->n_pending; i++)
        fg_free(uj->pending[i].ids);
    fg_free(uj->pending);
    fg_free(uj);
}

/* The key's bytes are wiped before they are freed. */
static void fg_drop_key(forget_unlearner *u)
{
    if (u->journal_key) {
        fg_wipe(u->journal_key, u->journal_key_len);
        fg_free(u->journal_key);
    }
    u->journal_key = NULL;
    u->journal_key_len = 0;
}

void fg_journal_detach(forget_unlearner *u)
{
    fg_ujournal_free(u->journal);
    u->journal = NULL;
    fg_drop_key(u);
}

/* The digest of the model the unlearner presents; FORGET_E_STATE when it
 * presents none (a sisa unlearner before its ensemble exists). */
static int fg_udigest(const forget_unlearner *u,
                      unsigned char d[FG_SHA256_SIZE], const char *caller)
{
    const forget_model *m = forget_unlearner_model(u);
    if (m == NULL)
        return fg_error(FORGET_E_STATE, "%s: the unlearner presents no "
                        "model yet (prepare it first)", caller);
    return forget_model_digest(m, d);
}

/* Do two id lists name the same set? (-1: out of memory) */
static int fg_same_ids(const uint64_t *a, size_t na, const uint64_t *b,
                       size_t nb)
{
    if (na != nb)
        return 0;
    uint64_t *sa = fg_malloc_array(na, sizeof *sa);
    uint64_t *sb = fg_malloc_array(nb, sizeof *sb);
    int same = -1;
    if (sa && sb) {
        memcpy(sa, a, na * sizeof *a);
        memcpy(sb, b, nb * sizeof *b);
        qsort(sa, na, sizeof *sa, fg_cmp_u64);
        qsort(sb, nb, sizeof *sb, fg_cmp_u64);
        same = memcmp(sa, sb, na * sizeof *sa) == 0;
    }
    fg_free(sa);
    fg_free(sb);
    return same;
}

static void fg_step_ids(const fg_step *st, int *kind, const uint64_t **ids,
                        size_t *n)
{
    *kind = st->stage == FG_STAGE_LEARN ? FORGET_JOURNAL_LEARN
                                        : FORGET_JOURNAL_FORGET;
    if (st->ids) {
        *ids = st->ids;
        *n = st->count;
    } else {
        *ids = forget_dataset_ids(st->rows);
        *n = forget_dataset_rows(st->rows);
    }
}

static const char *fg_kind_name(int kind)
{
    return kind == FORGET_JOURNAL_LEARN ? "learn" : "forget";
}

/* The pending request a call must be, or NULL. */
static const fg_jpending *fg_pending_head(const fg_ujournal *uj)
{
    return uj->head < uj->n_pending ? &uj->pending[uj->head] : NULL;
}

/* Is the call the oldest pending request? FORGET_OK when it is (or none
 * waits); FORGET_E_STATE naming what is expected otherwise. */
static int fg_check_pending(const fg_ujournal *uj, int kind,
                            const uint64_t *ids, size_t n, uint64_t *seq)
{
    const fg_jpending *p = fg_pending_head(uj);
    if (p == NULL)
        return FORGET_OK;
    int same = p->kind == kind ? fg_same_ids(p->ids, p->n, ids, n) : 0;
    if (same < 0)
        return fg_nomem("comparing a request with the pending one");
    if (!same)
        return fg_error(FORGET_E_STATE, "journal '%s': request %llu (%s of "
                        "%zu ids) is pending and must be finished first, "
                        "with its rows (forget_unlearner_journal_pending); "
                        "%zu request(s) wait", uj->file->path,
                        (unsigned long long)p->seq, fg_kind_name(p->kind),
                        p->n, uj->n_pending - uj->head);
    *seq = p->seq;
    return FORGET_OK;
}

/* The message of the failure at hand, kept across the calls that write
 * the journal's records. */
typedef struct fg_jmsg {
    char text[1024];
} fg_jmsg;

static void fg_jmsg_keep(fg_jmsg *m)
{
    snprintf(m->text, sizeof m->text, "%s", forget_last_error());
}

/* The journal cannot take requests until it is opened again (an end
 * record is missing, or the ranks' journals differ). */
static void fg_jfail(fg_ujournal *uj, uint64_t seq)
{
    uj->failed = 1;
    uj->failed_seq = seq;
}

/* Log request seq (0: a new one, numbered here) before its step. On many
 * ranks the ranks agree before and after writing it: they all write it
 * or, when one could not, the others end it and every journal waits to
 * be opened again (their numbers would differ from here). */
static int fg_journal_begin(forget_unlearner *u, int kind,
                            const uint64_t *ids, size_t n, uint64_t *seq,
                            int *fresh)
{
    *fresh = 0;
    fg_ujournal *uj = u->journal;
    const forget_comm *c = fg_unlearner_comm(u);
    uint64_t redo = *seq;
    int rc = FORGET_OK;
    if (redo == 0)
        rc = fg_check_pending(uj, kind, ids, n, &redo);
    if (rc == FORGET_OK)
        rc = fg_idstate_reserve(&uj->forgotten, n);
    unsigned char digest[FG_SHA256_SIZE];
    if (rc == FORGET_OK)
        rc = fg_udigest(u, digest, "the journal");
    if ((rc = fg_comm_agree(c, rc)) != FORGET_OK || redo != 0) {
        *seq = redo;
        return rc;
    }
    rc = fg_journal_request(uj->file, (uint32_t)kind, ids, n, digest, seq);
    *fresh = rc == FORGET_OK;
    if (!fg_comm_multi(c))
        return rc;
    int wrote = rc == FORGET_OK;
    rc = fg_comm_agree(c, rc);
    if (rc != FORGET_OK) {
        fg_jmsg m;
        fg_jmsg_keep(&m);
        uint64_t at = wrote ? *seq : uj->file->last_seq + 1;
        if (wrote)
            (void)fg_journal_abort(uj->file, *seq, rc);
        fg_jfail(uj, at);
        return fg_error(rc, "%s; the ranks' journals differ at request %llu "
                        "now: free the unlearners, load them and open the "
                        "journals again", m.text, (unsigned long long)at);
    }
    return FORGET_OK;
}

/* Run a step as request seq (0: log a new request first). */
static int fg_journal_run(forget_unlearner *u, fg_step *st, uint64_t seq)
{
    fg_ujournal *uj = u->journal;
    const forget_comm *c = fg_unlearner_comm(u);
    int multi = fg_comm_multi(c);
    int rc = FORGET_OK;
    if (uj->failed)
        rc = fg_error(FORGET_E_IO, "journal '%s' could not record the end "
                      "of request %llu; free the unlearner, load it and "
                      "open the journal again to finish it",
                      uj->file->path, (unsigned long long)uj->failed_seq);
    if ((rc = fg_comm_agree(c, rc)) != FORGET_OK)
        return rc;
    int kind;
    const uint64_t *ids;
    size_t n;
    fg_step_ids(st, &kind, &ids, &n);
    uint64_t *owned = NULL; /* on many ranks: every rank's ids */
    if (multi && seq == 0 &&
        (rc = fg_jranks_ids(c, u->method->name, ids, n, st->ids != NULL,
                            &ids, &n, &owned)) != FORGET_OK)
        return rc;
    int fresh; /* a new request, logged here */
    rc = fg_journal_begin(u, kind, ids, n, &seq, &fresh);
    if (rc != FORGET_OK) {
        fg_free(owned);
        return rc;
    }
    st->journal_seq = seq;
    rc = fg_run_step(u, st);
    if (rc != FORGET_OK) {
        fg_jmsg m;
        fg_jmsg_keep(&m);
        if (fg_comm_broken(c)) {
            /* the others may have gone on to commit: the request stays
             * open, to be finished everywhere or nowhere on opening */
            fg_jfail(uj, seq);
            rc = fg_error(rc, "%s; request %llu is left open in the "
                          "journal: whether other ranks finished it is "
                          "unknown (docs/MPI.md, \"Failures\")", m.text,
                          (unsigned long long)seq);
        } else if (fresh) { /* a new request that changed nothing */
            if (fg_journal_abort(uj->file, seq, rc) != FORGET_OK)
                fg_jfail(uj, seq);
            forget_set_error(rc, m.text);
        }
        fg_free(owned);
        return rc;
    }
    unsigned char digest[FG_SHA256_SIZE];
    rc = fg_udigest(u, digest, "the journal"); /* a model was there before */
    if (rc == FORGET_OK)
        rc = fg_journal_done(uj->file, seq, digest, u->report);
    if (rc != FORGET_OK) {
        fg_jmsg m;
        fg_jmsg_keep(&m);
        fg_jfail(uj, seq);
        rc = fg_error(rc, "%s; request %llu took effect but its end could "
                      "not be recorded: the journal keeps it as open and "
                      "finishes it when opened again", m.text,
                      (unsigned long long)seq);
    }
    if (multi) {
        /* every rank has committed and recorded it before any says so */
        int mine = rc;
        rc = fg_comm_agree(c, rc);
        if (rc != FORGET_OK && mine == FORGET_OK) {
            fg_jmsg m;
            fg_jmsg_keep(&m);
            fg_jfail(uj, seq);
            rc = fg_error(rc, "%s; request %llu took effect on this rank, "
                          "%s: free the unlearners, load them and open the "
                          "journals again to finish it everywhere", m.text,
                          (unsigned long long)seq,
                          fg_comm_broken(c) ? "whether on every rank is "
                                              "unknown"
                                            : "and on every rank, but "
                                              "another could not record it");
        }
    }
    if (rc != FORGET_OK) {
        fg_free(owned);
        return rc;
    }
    for (size_t i = 0; i < n; i++)
        fg_idstate_set(&uj->forgotten, ids[i],
                       kind == FORGET_JOURNAL_FORGET);
    fg_free(owned);
    u->journal_id = uj->file->id;
    u->journal_seq = seq;
    u->journal_known = 1;
    const fg_jpending *p = fg_pending_head(uj);
    if (p && p->seq == seq) {
        fg_free(uj->pending[uj->head].ids);
        uj->pending[uj->head].ids = NULL;
        uj->head++;
    }
    return FORGET_OK;
}

int fg_journal_step(forget_unlearner *u, fg_step *st)
{
    return fg_journal_run(u, st, 0);
}

/* ---- opening and recovery ---- */

/* The latest recorded state whose digest is d ("after request *k"); 0 if
 * none. */
static int fg_latest_match(const fg_jlog *log,
                           const unsigned char d[FG_SHA256_SIZE], uint64_t *k)
{
    for (size_t i = log->n; i-- > 0;) {
        const fg_jrecord *r = &log->recs[i];
        if (r->type == FG_JREC_ABORT ||
            memcmp(r->digest, d, FG_SHA256_SIZE) != 0)
            continue;
        *k = r->type == FG_JREC_REQUEST ? r->seq - 1 : r->seq;
        return 1;
    }
    return 0;
}

/* Is d a digest recorded for the state after request k? */
static int fg_state_digest(const fg_jlog *log, uint64_t k,
                           const unsigned char d[FG_SHA256_SIZE])
{
    for (size_t i = 0; i < log->n; i++) {
        const fg_jrecord *r = &log->recs[i];
        int at_k = (r->type == FG_JREC_OPEN && k == 0) ||
                   (r->type == FG_JREC_DONE && r->seq == k) ||
                   (r->type == FG_JREC_REQUEST && r->seq == k + 1);
        if (at_k && memcmp(r->digest, d, FG_SHA256_SIZE) == 0)
            return 1;
    }
    return 0;
}

/* The state the unlearner is in ("after request *k"). A state saved with
 * this journal says which request it holds, and the model must match it;
 * otherwise the model's digest is looked up. FORGET_E_STATE when they
 * disagree or nothing matches. */
static int fg_find_anchor(const forget_unlearner *u, const fg_jlog *log,
                          const unsigned char d[FG_SHA256_SIZE], uint64_t *k)
{
    const fg_journal *j = u->journal->file;
    char hex[65];
    fg_sha256_hex(d, hex);
    uint64_t m = 0;
    int found = fg_latest_match(log, d, &m);
    if (u->journal_known && u->journal_id != j->id) {
        /* a journal started for this state (FORGET_JOURNAL_NEW), which
         * was not saved since: it is at the journal's start */
        if (!fg_state_digest(log, 0, d))
            return fg_error(FORGET_E_STATE, "journal '%s' was started for "
                            "this state, but the model (digest %.16s...) is "
                            "not the one it started with; save the model "
                            "and the state together", j->path, hex);
        *k = 0;
        return FORGET_OK;
    }
    if (!u->journal_known) {
        if (!found)
            return fg_error(FORGET_E_STATE, "journal '%s': the model (digest "
                            "%.16s...) matches no state the journal recorded: "
                            "it was changed outside the journal, or this is "
                            "another unlearner's journal", j->path, hex);
        *k = m;
        return FORGET_OK;
    }
    uint64_t s = u->journal_seq;
    if (s > j->last_seq)
        return fg_error(FORGET_E_STATE, "journal '%s' ends at request %llu "
                        "but the state holds request %llu: records are "
                        "missing (an older copy of the journal?)", j->path,
                        (unsigned long long)j->last_seq,
                        (unsigned long long)s);
    if (!fg_state_digest(log, s, d)) {
        char where[64] = "no state the journal recorded";
        if (found)
            snprintf(where, sizeof where, "the state after request %llu",
                     (unsigned long long)m);
        return fg_error(FORGET_E_STATE, "journal '%s': the state holds "
                        "request %llu but the model (digest %.16s...) matches "
                        "%s; save the model and the state together", j->path,
                        (unsigned long long)s, hex, where);
    }
    *k = s;
    return FORGET_OK;
}

static int fg_ids_of(const fg_jrecord *r, uint64_t **ids)
{
    *ids = fg_malloc_array(r->n_ids, sizeof **ids);
    if (*ids == NULL)
        return fg_nomem("a journaled request's ids");
    fg_get_u64s(*ids, r->ids, r->n_ids);
    return FORGET_OK;
}

/* Requests 1..k took effect: their ids make the forgotten set. */
static int fg_build_forgotten(fg_ujournal *uj, const fg_jreq *req,
                              uint64_t k)
{
    size_t total = 0;
    for (uint64_t s = 1; s <= k; s++)
        total += req[s - 1].end == FG_JREC_DONE ? req[s - 1].rec->n_ids : 0;
    int rc = fg_idstate_reserve(&uj->forgotten, total); /* even for 0 */
    for (uint64_t s = 1; rc == FORGET_OK && s <= k; s++) {
        const fg_jrecord *r = req[s - 1].rec;
        if (req[s - 1].end != FG_JREC_DONE)
            continue;
        for (size_t i = 0; i < r->n_ids; i++)
            fg_idstate_set(&uj->forgotten, fg_get_u64(r->ids + 8 * i),
                           r->kind == FORGET_JOURNAL_FORGET);
    }
    return rc;
}

/* Is a failure of a redo the request's own (it would fail again), rather
 * than the moment's (memory, disk, a cancel) or the unlearner's (a state
 * not ready for it: a part of many ranks without its table)? */
static int fg_permanent(int rc)
{
    return rc != FORGET_E_NOMEM && rc != FORGET_E_IO &&
           rc != FORGET_E_CANCELED && rc != FORGET_E_INTERNAL &&
           rc != FORGET_E_STATE;
}

/* Finish requests k+1.. in order: by ids where the method can, else they
 * (and all after them) wait in the pending queue. */
static int fg_redo(forget_unlearner *u, const fg_jreq *req, uint64_t k,
                   uint64_t last, size_t *redone)
{
    fg_ujournal *uj = u->journal;
    const forget_comm *c = fg_unlearner_comm(u); /* on many ranks every
                                                    rank decides alike */
    uint64_t s = k + 1;
    for (; s <= last; s++) {
        const fg_jrecord *r = req[s - 1].rec;
        if (req[s - 1].end == FG_JREC_ABORT)
            continue;
        if (r->kind != FORGET_JOURNAL_FORGET || u->method->forget_ids == NULL)
            break;
        uint64_t *ids = NULL;
        int rc = fg_comm_agree(c, fg_ids_of(r, &ids));
        if (rc != FORGET_OK) {
            fg_free(ids);
            return rc;
        }
        fg_step st = {FG_STAGE_FORGET, NULL, ids, r->n_ids, 0};
        rc = fg_journal_run(u, &st, s);
        fg_free(ids);
        if (rc == FORGET_E_UNSUPPORTED)
            break; /* needs its rows (analytic without keep_rows) */
        if (rc != FORGET_OK && req[s - 1].end == 0 && fg_permanent(rc)) {
            /* never acknowledged, and it fails on its own: end it */
            rc = fg_comm_agree(c, fg_journal_abort(uj->file, s, rc));
            if (rc != FORGET_OK)
                return rc;
            continue;
        }
        if (rc != FORGET_OK) {
            char msg[1024];
            snprintf(msg, sizeof msg, "%s", forget_last_error());
            return fg_error(rc, "journal '%s': request %llu cannot be "
                            "finished again: %s", uj->file->path,
                            (unsigned long long)s, msg);
        }
        (*redone)++;
    }
    size_t n = 0;
    for (uint64_t t = s; t <= last; t++)
        n += req[t - 1].end != FG_JREC_ABORT;
    if (n == 0)
        return FORGET_OK;
    uj->pending = fg_calloc(n, sizeof *uj->pending);
    if (uj->pending == NULL)
        return fg_nomem("the journal's pending requests");
    for (uint64_t t = s; t <= last; t++) {
        if (req[t - 1].end == FG_JREC_ABORT)
            continue;
        fg_jpending *p = &uj->pending[uj->n_pending];
        int rc = fg_ids_of(req[t - 1].rec, &p->ids);
        if (rc != FORGET_OK)
            return rc;
        p->seq = t;
        p->kind = (int)req[t - 1].rec->kind;
        p->n = req[t - 1].rec->n_ids;
        uj->n_pending++;
    }
    return FORGET_OK;
}

static int fg_recover(forget_unlearner *u, const fg_jlog *log,
                      const unsigned char d[FG_SHA256_SIZE])
{
    fg_ujournal *uj = u->journal;
    const forget_comm *c = fg_unlearner_comm(u);
    uint64_t last = uj->file->last_seq, k = 0;
    int rc = log->n ? fg_find_anchor(u, log, d, &k) : FORGET_OK;
    fg_jreq *req = NULL;
    if (rc == FORGET_OK &&
        (req = fg_calloc(last ? last : 1, sizeof *req)) == NULL)
        rc = fg_nomem("the journal's request index");
    for (size_t i = 0; rc == FORGET_OK && i < log->n; i++) {
        const fg_jrecord *r = &log->recs[i];
        if (r->type == FG_JREC_REQUEST)
            req[r->seq - 1].rec = r;
        else if (r->type == FG_JREC_DONE || r->type == FG_JREC_ABORT)
            req[r->seq - 1].end = r->type;
    }
    /* on many ranks the journals are opened together: every rank found
     * its place, then they make their journals agree */
    if (fg_comm_multi(c)) {
        rc = fg_comm_agree(c, rc);
        if (rc == FORGET_OK)
            rc = fg_jranks_reconcile(c, uj->file, d, k, &req, &last);
    }
    if (rc != FORGET_OK) {
        fg_free(req);
        return rc;
    }
    /* from here the state is "after request k" of this journal; each
     * request finished again moves it on */
    uint64_t id0 = u->journal_id, seq0 = u->journal_seq;
    int known0 = u->journal_known;
    u->journal_id = uj->file->id;
    u->journal_seq = k;
    u->journal_known = 1;
    size_t redone = 0;
    rc = fg_comm_agree(c, fg_build_forgotten(uj, req, k));
    if (rc == FORGET_OK)
        rc = fg_redo(u, req, k, last, &redone);
    fg_free(req);
    forget_report *report = rc == FORGET_OK ? fg_report_new() : NULL;
    if (rc == FORGET_OK && report == NULL)
        rc = fg_nomem("a report");
    if (rc == FORGET_OK &&
        ((rc = fg_report_set(report, "journal_requests", (double)last)) ||
         (rc = fg_report_set(report, "journal_redone", (double)redone)) ||
         (rc = fg_report_set(report, "journal_pending",
                             (double)uj->n_pending)) ||
         (rc = fg_report_set(report, "journal_dropped_bytes",
                             (double)log->dropped))))
        fg_report_free(report);
    if (rc != FORGET_OK) {
        if (redone == 0) { /* the state did not move: as it was */
            u->journal_id = id0;
            u->journal_seq = seq0;
            u->journal_known = known0;
        }
        return rc;
    }
    fg_report_free(u->report);
    u->report = report;
    return FORGET_OK;
}

/* Open the file and read it (rank-local): *uj and *log on success. */
static int fg_open_file(forget_unlearner *u, const char *path, uint32_t flags,
                        const unsigned char d[FG_SHA256_SIZE],
                        fg_ujournal **out, fg_jlog *log)
{
    fg_ujournal *uj = fg_calloc(1, sizeof *uj);
    if (uj == NULL)
        return fg_nomem("a journal");
    /* a state that names its journal takes only that one, or (asked for
     * explicitly) a new one where there is none */
    fg_jopen how = {(flags & FORGET_JOURNAL_REPAIR) != 0,
                    !u->journal_known || (flags & FORGET_JOURNAL_NEW) != 0,
                    u->journal_known, u->journal_id, u->journal_seq,
                    u->journal_key, u->journal_key_len};
    int rc = fg_journal_open(&uj->file, path, u->method->name, d, &how, log);
    if (rc != FORGET_OK) {
        fg_free(uj);
        return rc;
    }
    *out = uj;
    return FORGET_OK;
}

int forget_unlearner_open_journal(forget_unlearner *u, const char *path,
                                  uint32_t flags)
{
    FG_CHECK_ARG(u);
    FG_CHECK_ARG(path);
    const uint32_t known = FORGET_JOURNAL_REPAIR | FORGET_JOURNAL_NEW;
    const forget_comm *c = fg_unlearner_comm(u);
    int rc = fg_unlearner_whole(u, __func__);
    if (rc != FORGET_OK) /* its collectives would fail at once */
        return rc;
    if (flags & ~known)
        rc = fg_error(FORGET_E_INVALID, "%s: unknown flags 0x%x", __func__,
                      (unsigned)(flags & ~known));
    else if (!u->prepared)
        rc = fg_error(FORGET_E_STATE, "%s: call forget_unlearner_prepare "
                      "(or load a saved state) first", __func__);
    else if (u->journal)
        rc = fg_error(FORGET_E_STATE, "%s: a journal is attached already "
                      "('%s')", __func__, u->journal->file->path);
    unsigned char d[FG_SHA256_SIZE];
    if (rc == FORGET_OK)
        rc = fg_udigest(u, d, __func__);
    fg_ujournal *uj = NULL;
    fg_jlog log;
    if (rc == FORGET_OK)
        rc = fg_open_file(u, path, flags, d, &uj, &log);
    /* on many ranks, opening is collective: every rank opened its file
     * or none goes on (a file refused on one rank is refused on all) */
    if ((rc = fg_comm_agree(c, rc)) != FORGET_OK) {
        if (uj) {
            fg_jlog_free(&log);
            fg_ujournal_free(uj);
        }
        return rc;
    }
    u->journal = uj;
    rc = fg_recover(u, &log, d);
    fg_jlog_free(&log);
    if (fg_comm_multi(c))
        rc = fg_comm_agree(c, rc); /* attached on every rank or none */
    if (rc != FORGET_OK) {
        fg_ujournal_free(u->journal);
        u->journal = NULL;
    }
    return rc;
}

int forget_unlearner_set_journal_key(forget_unlearner *u, const void *key,
                                     size_t key_len)
{
    FG_CHECK_ARG(u);
    if ((key == NULL) != (key_len == 0))
        return fg_error(FORGET_E_INVALID, "%s: give a key and its length, "
                        "or NULL and 0 to clear it", __func__);
    if (key && (key_len < FORGET_JOURNAL_KEY_MIN ||
                key_len > FORGET_JOURNAL_KEY_MAX))
        return fg_error(FORGET_E_INVALID, "%s: a key of %zu bytes; it must "
                        "hold %d to %d bytes", __func__, key_len,
                        FORGET_JOURNAL_KEY_MIN, FORGET_JOURNAL_KEY_MAX);
    if (u->journal)
        return fg_error(FORGET_E_STATE, "%s: a journal is attached ('%s'); "
                        "set the key before opening it", __func__,
                        u->journal->file->path);
    unsigned char *copy = NULL;
    if (key && (copy = fg_malloc(key_len)) == NULL)
        return fg_nomem("a journal key");
    if (key)
        memcpy(copy, key, key_len);
    fg_drop_key(u);
    u->journal_key = copy;
    u->journal_key_len = key_len;
    return FORGET_OK;
}

int forget_unlearner_is_forgotten(const forget_unlearner *u, uint64_t id,
                                  int *forgotten)
{
    FG_CHECK_ARG(u);
    FG_CHECK_ARG(forgotten);
    int rc = fg_unlearner_whole(u, __func__);
    if (rc != FORGET_OK)
        return rc;
    if (u->journal == NULL)
        return fg_error(FORGET_E_STATE, "%s: no journal is attached "
                        "(forget_unlearner_open_journal)", __func__);
    /* the method's state is the model's truth where it keeps ids (it
     * holds requests from before the journal, and a journal started anew
     * lists none of them); the journal answers for the ids it does not
     * know, or for methods that keep none */
    int f = 0;
    rc = u->method->is_forgotten
                 ? u->method->is_forgotten(u->state, id, &f)
                 : FORGET_E_NOT_FOUND;
    if (rc == FORGET_E_NOT_FOUND)
        f = fg_idstate_get(&u->journal->forgotten, id) == 1;
    else if (rc != FORGET_OK)
        return fg_backend_status(u->method, "is_forgotten", rc);
    *forgotten = f;
    return FORGET_OK;
}

int forget_unlearner_journal_pending(const forget_unlearner *u, int *kind,
                                     const uint64_t **ids, size_t *count)
{
    FG_CHECK_ARG(u);
    FG_CHECK_ARG(kind);
    FG_CHECK_ARG(ids);
    FG_CHECK_ARG(count);
    if (u->journal == NULL)
        return fg_error(FORGET_E_STATE, "%s: no journal is attached "
                        "(forget_unlearner_open_journal)", __func__);
    const fg_jpending *p = fg_pending_head(u->journal);
    *kind = p ? p->kind : 0;
    *ids = p ? p->ids : NULL;
    *count = p ? p->n : 0;
    return FORGET_OK;
}
