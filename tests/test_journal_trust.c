/* Trusting a deletion journal: it belongs to one state (another, absent
 * or empty journal is refused unless a new one is asked for; the state's
 * own forgotten ids count without it), and it is tamper-evident (a record
 * changed with its checksum fixed breaks the hash chain: recovery refuses
 * it, forget_journal_verify names it; with a key, a journal without it is
 * refused); version-1 journals are still read. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"

#define TAG 32 /* a version-2 record's chain tag */

static const char *SISA = "shards=2 slices=2 epochs=2:1 seed=3 threads=1 "
                          "train=\"lr=0.05 batch=16\"";

/* A prepared sisa unlearner's pieces: data, template, state before any
 * request (s0), and after two journaled requests {501}, {502, 503}: the
 * state saved then (s2, naming the journal) and the journal's bytes. */
typedef struct tfix {
    forget_dataset *D;
    forget_model *t;
    unsigned char *s0, *s2, *j;
    size_t s0_len, s2_len, j_len;
    char path[256];
} tfix;

/* tmp_path's answer, kept (it is overwritten by the next call). */
static void path_of(char out[256], const char *name)
{
    snprintf(out, 256, "%s", tmp_path(name));
}

static forget_unlearner *from(const tfix *f, const unsigned char *s,
                              size_t n)
{
    forget_unlearner *u = NULL;
    ck_assert_int_eq(forget_unlearner_load_buffer(&u, f->t, s, n),
                     FORGET_OK);
    return u;
}

/* With key (may be NULL) set before the journal is created. */
static void tfix_make(tfix *f, const char *name, const void *key,
                      size_t key_len)
{
    memset(f, 0, sizeof *f);
    f->D = make_blobs(80, 5, 3, 7, 500);
    ck_assert_int_eq(forget_model_create(&f->t, "mlp", "layers=5-8-3 seed=4"),
                     FORGET_OK);
    forget_unlearner *u = NULL;
    ck_assert_int_eq(forget_unlearner_create(&u, "sisa", f->t, SISA),
                     FORGET_OK);
    ck_assert_int_eq(forget_unlearner_prepare(u, f->D), FORGET_OK);
    f->s0 = saved_state(u, &f->s0_len);
    path_of(f->path, name);
    unlink(f->path);
    ck_assert_int_eq(forget_unlearner_set_journal_key(u, key, key_len),
                     FORGET_OK);
    ck_assert_int_eq(forget_unlearner_open_journal(u, f->path, 0),
                     FORGET_OK);
    uint64_t a = 501, b[2] = {502, 503};
    ck_assert_int_eq(forget_unlearner_forget_ids(u, &a, 1), FORGET_OK);
    ck_assert_int_eq(forget_unlearner_forget_ids(u, b, 2), FORGET_OK);
    f->s2 = saved_state(u, &f->s2_len);
    forget_unlearner_free(u);
    f->j = read_file(f->path, &f->j_len);
}

static void tfix_free(tfix *f)
{
    free(f->s0);
    free(f->s2);
    free(f->j);
    forget_model_free(f->t);
    forget_dataset_free(f->D);
}

static int is_gone(const forget_unlearner *u, uint64_t id)
{
    int g = -1;
    ck_assert_int_eq(forget_unlearner_is_forgotten(u, id, &g), FORGET_OK);
    return g;
}

/* A journal's id, from its OPEN record, as the messages print it. */
static void journal_id_hex(const unsigned char *j, char out[17])
{
    uint64_t id = 0;
    for (int i = 7; i >= 0; i--)
        id = id << 8 | j[16 + 24 + 8 + i];
    snprintf(out, 17, "%016llx", (unsigned long long)id);
}

static int file_is(const char *path, const unsigned char *b, size_t len)
{
    struct stat st;
    if (b == NULL)
        return stat(path, &st) != 0;
    size_t n;
    unsigned char *now = read_file(path, &n);
    int same = n == len && (len == 0 || memcmp(now, b, len) == 0);
    free(now);
    return same;
}

/* Open path (holding b, len bytes, or absent when b is NULL) for the
 * state s2 with flags; a refusal must leave the file as it was. */
static int open_for_s2(const tfix *f, const char *path,
                       const unsigned char *b, size_t len, uint32_t flags,
                       forget_unlearner **out)
{
    unlink(path);
    if (b)
        write_file(path, b, len);
    forget_unlearner *u = from(f, f->s2, f->s2_len);
    int rc = forget_unlearner_open_journal(u, path, flags);
    if (rc != FORGET_OK)
        ck_assert_msg(file_is(path, b, len), "a refused open changed '%s'",
                      path);
    if (out && rc == FORGET_OK)
        *out = u;
    else
        forget_unlearner_free(u);
    return rc;
}

/* Finding 2: a state saved with a journal takes only that journal. An
 * absent path, an empty file, a header alone and another journal are
 * refused, naming the state's journal id (and the other's), and left as
 * they were; FORGET_JOURNAL_NEW allows a new journal where none is, never
 * another journal. */
START_TEST(a_state_keeps_its_journal)
{
    tfix f;
    tfix_make(&f, "own.journal", NULL, 0);
    char mine[17], theirs[17];
    journal_id_hex(f.j, mine);
    /* another journal: the same model, its own requests */
    char other[256], p[256];
    path_of(other, "other.journal");
    path_of(p, "elsewhere.journal");
    unlink(other);
    forget_unlearner *v = from(&f, f.s0, f.s0_len);
    ck_assert_int_eq(forget_unlearner_open_journal(v, other, 0), FORGET_OK);
    uint64_t x = 540;
    ck_assert_int_eq(forget_unlearner_forget_ids(v, &x, 1), FORGET_OK);
    forget_unlearner_free(v);
    size_t o_len;
    unsigned char *o = read_file(other, &o_len);
    journal_id_hex(o, theirs);
    ck_assert_str_ne(mine, theirs);

    struct {
        const unsigned char *b;
        size_t len;
        int new_ok; /* FORGET_JOURNAL_NEW makes it a new journal */
    } cases[] = {{NULL, 0, 1}, {f.j, 0, 1}, {f.j, 16, 1}, {o, o_len, 0}};
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        const char *path = cases[c].b == o ? other : p;
        ck_assert_int_eq(open_for_s2(&f, path, cases[c].b, cases[c].len, 0,
                                     NULL), FORGET_E_STATE);
        ck_assert_ptr_nonnull(strstr(forget_last_error(), mine));
        ck_assert_ptr_nonnull(strstr(forget_last_error(),
                                     "FORGET_JOURNAL_NEW"));
        if (cases[c].b == o)
            ck_assert_ptr_nonnull(strstr(forget_last_error(), theirs));
        forget_unlearner *u = NULL;
        int rc = open_for_s2(&f, path, cases[c].b, cases[c].len,
                             FORGET_JOURNAL_NEW, &u);
        ck_assert_int_eq(rc, cases[c].new_ok ? FORGET_OK : FORGET_E_STATE);
        if (rc != FORGET_OK)
            continue;
        /* the new journal lists no request, yet every id the state
         * forgot is forgotten, and no other */
        ck_assert(forget_report_get(forget_unlearner_report(u),
                                    "journal_requests", &(double){0}) ==
                  FORGET_OK);
        for (uint64_t id = 495; id < 585; id++)
            ck_assert_int_eq(is_gone(u, id), id >= 501 && id <= 503);
        /* a request in the new journal, then a crash before the state is
         * saved: the old state opens the journal started for it (no flag
         * needed) and the request is finished again */
        uint64_t later = 560;
        ck_assert_int_eq(forget_unlearner_forget_ids(u, &later, 1),
                         FORGET_OK);
        forget_unlearner_free(u);
        u = from(&f, f.s2, f.s2_len);
        ck_assert_int_eq(forget_unlearner_open_journal(u, path, 0),
                         FORGET_OK);
        double redone = 0;
        ck_assert_int_eq(forget_report_get(forget_unlearner_report(u),
                                           "journal_redone", &redone),
                         FORGET_OK);
        ck_assert(redone == 1);
        ck_assert_int_eq(is_gone(u, 560), 1);
        ck_assert_int_eq(is_gone(u, 502), 1);
        /* and the state names the new journal from its next save */
        size_t s3_len;
        unsigned char *s3 = saved_state(u, &s3_len);
        forget_unlearner_free(u);
        size_t n_len;
        unsigned char *n = read_file(path, &n_len);
        char fresh[17];
        journal_id_hex(n, fresh);
        ck_assert_str_ne(fresh, mine);
        u = from(&f, s3, s3_len);
        int orc = forget_unlearner_open_journal(u, f.path, 0);
        ck_assert_msg(orc == FORGET_E_STATE, "case %zu: %d %s", c, orc,
                      forget_last_error());
        ck_assert_ptr_nonnull(strstr(forget_last_error(), fresh));
        ck_assert_int_eq(forget_unlearner_open_journal(u, path, 0),
                         FORGET_OK);
        forget_unlearner_free(u);
        free(s3);
        free(n);
    }
    /* its own journal: recovered as ever */
    forget_unlearner *u = NULL;
    ck_assert_int_eq(open_for_s2(&f, f.path, f.j, f.j_len, 0, &u), FORGET_OK);
    ck_assert_int_eq(is_gone(u, 503), 1);
    forget_unlearner_free(u);
    free(o);
    tfix_free(&f);
}
END_TEST

/* Finding 2, the other half: ids the method's state holds as forgotten
 * (forgotten before the journal was attached) are forgotten, for every
 * method that keeps ids. */
START_TEST(the_state_answers_for_its_ids)
{
    forget_dataset *D = make_blobs(90, 5, 3, 7, 500);
    const char *methods[] = {"sisa", "ssd", "analytic"};
    for (size_t k = 0; k < 3; k++) {
        forget_model *m = NULL;
        if (k == 2)
            ck_assert_int_eq(forget_model_create(&m, "analytic",
                                                 "inputs=5 outputs=3"),
                             FORGET_OK);
        else
            ck_assert_int_eq(forget_model_create(&m, "mlp",
                                                 "layers=5-8-3 seed=4"),
                             FORGET_OK);
        if (k == 1)
            ck_assert_int_eq(forget_model_train(m, D, "epochs=2 seed=1"),
                             FORGET_OK);
        forget_unlearner *u = NULL;
        /* ssd on this 2-epoch model costs the rest more than its guard
         * allows: lifted, the test is about the journal's answers */
        ck_assert_int_eq(forget_unlearner_create(&u, methods[k], m,
                                                 k == 0   ? SISA
                                                 : k == 1 ? "guard=1e6"
                                                          : ""),
                         FORGET_OK);
        ck_assert_int_eq(forget_unlearner_prepare(u, D), FORGET_OK);
        uint64_t gone[3] = {507, 530, 588};
        forget_dataset *F = NULL;
        ck_assert_int_eq(forget_dataset_subset_ids(&F, D, gone, 3),
                         FORGET_OK);
        ck_assert_int_eq(forget_unlearner_forget(u, F), FORGET_OK);
        const char *path = tmp_path("later.journal");
        unlink(path);
        ck_assert_int_eq(forget_unlearner_open_journal(u, path, 0),
                         FORGET_OK);
        for (uint64_t id = 490; id < 600; id++)
            ck_assert_msg(is_gone(u, id) == (id == 507 || id == 530 ||
                                             id == 588),
                          "%s: id %llu", methods[k], (unsigned long long)id);
        /* a journaled request adds to it */
        uint64_t more = 531;
        forget_dataset *G = NULL;
        ck_assert_int_eq(forget_dataset_subset_ids(&G, D, &more, 1),
                         FORGET_OK);
        ck_assert_int_eq(forget_unlearner_forget(u, G), FORGET_OK);
        ck_assert_int_eq(is_gone(u, 531), 1);
        forget_dataset_free(G);
        forget_dataset_free(F);
        forget_unlearner_free(u);
        forget_model_free(m);
    }
    forget_dataset_free(D);
}
END_TEST

/* The records of a version-2 journal: their offsets (up to max). */
static size_t records(const unsigned char *j, size_t len, size_t *off,
                      size_t max)
{
    size_t n = 0;
    for (size_t o = 16; o + 24 <= len && n < max;) {
        off[n++] = o;
        size_t plen = j[o + 16] | (size_t)j[o + 17] << 8 |
                      (size_t)j[o + 18] << 16 | (size_t)j[o + 19] << 24;
        o += 24 + plen + TAG;
    }
    return n;
}

/* Write the CRC of the record at rec: its type, number and length, and
 * the body (payload and tag) bytes after its head. */
static void seal(unsigned char *rec, size_t body)
{
    unsigned char *tmp = malloc(16 + body);
    memcpy(tmp, rec + 4, 16);
    memcpy(tmp + 16, rec + 24, body);
    uint32_t c = crc32c_bitwise(tmp, 16 + body);
    for (int i = 0; i < 4; i++)
        rec[20 + i] = (unsigned char)(c >> (8 * i));
    free(tmp);
}

/* Make the CRC of the version-2 record at o valid again (after an edit). */
static void reseal(unsigned char *j, size_t o)
{
    size_t plen = j[o + 16] | (size_t)j[o + 17] << 8 |
                  (size_t)j[o + 18] << 16 | (size_t)j[o + 19] << 24;
    seal(j + o, plen + TAG);
}

static int count_records(void *user, int type, uint64_t seq, int64_t t,
                         const char *method, int kind, const uint64_t *ids,
                         size_t n_ids, const unsigned char *digest,
                         int status)
{
    (void)type, (void)seq, (void)t, (void)method, (void)kind, (void)ids;
    (void)n_ids, (void)digest, (void)status;
    ++*(size_t *)user;
    return 0;
}

/* Finding 6: a record rewritten with its checksum fixed - any byte of any
 * record's payload, the ids of a request in particular - breaks the
 * chain at that record: recovery refuses the journal (even with
 * FORGET_JOURNAL_REPAIR), so a forged id is never forgotten;
 * forget_journal_verify names the record and its offset; an audit read
 * stops there. */
START_TEST(a_changed_record_breaks_the_chain)
{
    tfix f;
    tfix_make(&f, "chain.journal", NULL, 0);
    size_t off[8], n = records(f.j, f.j_len, off, 8);
    ck_assert_uint_eq(n, 5); /* OPEN, REQUEST, DONE, REQUEST, DONE */
    uint64_t got = 0, at = 0;
    ck_assert_int_eq(forget_journal_verify(f.path, NULL, 0, &got, &at),
                     FORGET_OK);
    ck_assert_uint_eq(got, 5);
    unsigned char *b = malloc(f.j_len);
    char path[256];
    path_of(path, "forged.journal");
    size_t edits = 0, chain_breaks = 0;
    for (size_t r = 0; r < n; r++) {
        size_t plen = (r + 1 < n ? off[r + 1] : f.j_len) - off[r] - 24 - TAG;
        for (size_t p = 0; p < plen; p += 5, edits++) {
            memcpy(b, f.j, f.j_len);
            b[off[r] + 24 + p] ^= 0x10;
            reseal(b, off[r]);
            write_file(path, b, f.j_len);
            got = at = 99;
            int rc = forget_journal_verify(path, NULL, 0, &got, &at);
            ck_assert_int_eq(rc, FORGET_E_FORMAT);
            ck_assert_uint_eq(got, r);
            ck_assert_uint_eq(at, off[r]);
            if (strstr(forget_last_error(), "hash chain") == NULL)
                continue; /* the edit broke the record's own rules first */
            chain_breaks++;
            char want[32];
            snprintf(want, sizeof want, "record %zu", r);
            ck_assert_ptr_nonnull(strstr(forget_last_error(), want));
        }
    }
    ck_assert_uint_gt(2 * chain_breaks, edits); /* most edits pass the
                                                   record's own checks */
    /* the second request's ids: 502 -> 577 */
    memcpy(b, f.j, f.j_len);
    size_t ids_at = off[3] + 24 + 8 + 32 + 4 + 4 + 8 + 4;
    ck_assert_uint_eq(b[ids_at], 502 & 0xff);
    b[ids_at] = 577 & 0xff;
    b[ids_at + 1] = 577 >> 8;
    reseal(b, off[3]);
    write_file(path, b, f.j_len);
    for (uint32_t flags = 0; flags <= FORGET_JOURNAL_REPAIR; flags++) {
        forget_unlearner *u = from(&f, f.s0, f.s0_len);
        ck_assert_int_eq(forget_unlearner_open_journal(u, path, flags),
                         FORGET_E_FORMAT);
        ck_assert_ptr_nonnull(strstr(forget_last_error(), "record 3"));
        int g;
        ck_assert_int_eq(forget_unlearner_is_forgotten(u, 577, &g),
                         FORGET_E_STATE); /* nothing attached */
        /* the state is untouched: 577 is still in the model */
        int orc = forget_unlearner_open_journal(u, f.path, 0);
        ck_assert_msg(orc == FORGET_OK, "flags %u: %d %s", flags, orc,
                      forget_last_error());
        ck_assert_int_eq(is_gone(u, 577), 0);
        ck_assert_int_eq(is_gone(u, 502), 1);
        forget_unlearner_free(u);
    }
    size_t seen = 0;
    ck_assert_int_eq(forget_journal_read(path, count_records, &seen),
                     FORGET_E_FORMAT);
    ck_assert_uint_eq(seen, 3);
    /* misuse */
    ck_assert_int_eq(forget_journal_verify(NULL, NULL, 0, &got, &at),
                     FORGET_E_INVALID);
    ck_assert_int_eq(forget_journal_verify(path, NULL, 3, &got, &at),
                     FORGET_E_INVALID);
    ck_assert_int_eq(forget_journal_verify(tmp_path("nothing.journal"),
                                           NULL, 0, NULL, NULL),
                     FORGET_E_IO);
    free(b);
    tfix_free(&f);
}
END_TEST

/* With a key the chain is an HMAC: the journal opens and verifies only
 * with that key; without it (or with another) it is refused; a journal
 * written without a key is refused where a key is set; the key is set
 * before opening only, with a sane length. */
START_TEST(a_keyed_journal_needs_its_key)
{
    unsigned char key[32], wrong[32];
    for (int i = 0; i < 32; i++) {
        key[i] = (unsigned char)(i * 7 + 1);
        wrong[i] = key[i] ^ (i == 31);
    }
    tfix f;
    tfix_make(&f, "keyed.journal", key, sizeof key);
    uint64_t got = 0, at = 0;
    ck_assert_int_eq(forget_journal_verify(f.path, key, 32, &got, &at),
                     FORGET_OK);
    ck_assert_uint_eq(got, 5);
    ck_assert_int_eq(forget_journal_verify(f.path, NULL, 0, &got, &at),
                     FORGET_E_STATE);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "key"));
    ck_assert_int_eq(forget_journal_verify(f.path, wrong, 32, &got, &at),
                     FORGET_E_FORMAT);
    ck_assert_uint_eq(got, 0);
    ck_assert_uint_eq(at, 16);
    /* recovery: the key is required, and the right one */
    forget_unlearner *u = from(&f, f.s0, f.s0_len);
    ck_assert_int_eq(forget_unlearner_open_journal(u, f.path, 0),
                     FORGET_E_STATE);
    ck_assert_int_eq(forget_unlearner_set_journal_key(u, wrong, 32),
                     FORGET_OK);
    ck_assert_int_eq(forget_unlearner_open_journal(u, f.path, 0),
                     FORGET_E_FORMAT);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "record 0"));
    ck_assert_int_eq(forget_unlearner_set_journal_key(u, key, 32), FORGET_OK);
    ck_assert_int_eq(forget_unlearner_open_journal(u, f.path, 0), FORGET_OK);
    ck_assert_int_eq(is_gone(u, 503), 1);
    ck_assert_int_eq(forget_unlearner_set_journal_key(u, NULL, 0),
                     FORGET_E_STATE); /* attached */
    uint64_t id = 520;
    ck_assert_int_eq(forget_unlearner_forget_ids(u, &id, 1), FORGET_OK);
    forget_unlearner_free(u);
    ck_assert_int_eq(forget_journal_verify(f.path, key, 32, &got, &at),
                     FORGET_OK);
    ck_assert_uint_eq(got, 9); /* 2 DONE again (the redo), 1 request */
    /* a journal without a key, where a key is set */
    tfix g;
    tfix_make(&g, "plain.journal", NULL, 0);
    u = from(&g, g.s0, g.s0_len);
    ck_assert_int_eq(forget_unlearner_set_journal_key(u, key, 32), FORGET_OK);
    ck_assert_int_eq(forget_unlearner_open_journal(u, g.path, 0),
                     FORGET_E_STATE);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "without a key"));
    forget_unlearner_free(u);
    ck_assert_int_eq(forget_journal_verify(g.path, key, 32, &got, &at),
                     FORGET_E_FORMAT);
    ck_assert_uint_eq(got, 0);
    /* keys: both or neither, 16 to 1024 bytes */
    u = from(&g, g.s0, g.s0_len);
    ck_assert_int_eq(forget_unlearner_set_journal_key(u, key, 0),
                     FORGET_E_INVALID);
    ck_assert_int_eq(forget_unlearner_set_journal_key(u, NULL, 32),
                     FORGET_E_INVALID);
    ck_assert_int_eq(forget_unlearner_set_journal_key(u, key, 15),
                     FORGET_E_INVALID);
    unsigned char *big = calloc(1, 1025);
    ck_assert_int_eq(forget_unlearner_set_journal_key(u, big, 1025),
                     FORGET_E_INVALID);
    ck_assert_int_eq(forget_unlearner_set_journal_key(u, big, 1024),
                     FORGET_OK);
    ck_assert_int_eq(forget_unlearner_set_journal_key(NULL, key, 32),
                     FORGET_E_INVALID);
    free(big);
    forget_unlearner_free(u);
    tfix_free(&g);
    tfix_free(&f);
}
END_TEST

/* A journal rewritten as version 1 (no tags; OPEN without flags and
 * previous journal; DONE without version 3's figures). */
static size_t to_version_1(const unsigned char *j, size_t len,
                           unsigned char *out)
{
    size_t off[16], n = records(j, len, off, 16), w = 16;
    memcpy(out, j, 16);
    out[8] = 1;
    uint32_t c = crc32c_bitwise(out, 12);
    for (int i = 0; i < 4; i++)
        out[12 + i] = (unsigned char)(c >> (8 * i));
    for (size_t r = 0; r < n; r++) {
        size_t plen = (r + 1 < n ? off[r + 1] : len) - off[r] - 24 - TAG;
        size_t keep = r == 0 ? plen - 20 : plen; /* OPEN: no flags,
                                                      no previous journal */
        if (j[off[r] + 4] == 3) /* DONE: time and digest */
            keep = 40;
        memcpy(out + w, j + off[r], 24);
        memcpy(out + w + 24, j + off[r] + 24, keep);
        for (int i = 0; i < 4; i++)
            out[w + 16 + i] = (unsigned char)(keep >> (8 * i));
        seal(out + w, keep);
        w += 24 + keep;
    }
    return w;
}

/* Version-1 journals (from before the chain) are still recovered from
 * and appended to (as version 1); verify says they have no chain; with a
 * key set they are refused (a downgrade would dodge the key). */
START_TEST(version_1_journals_are_still_read)
{
    tfix f;
    tfix_make(&f, "v1.journal", NULL, 0);
    unsigned char *v1 = malloc(f.j_len);
    size_t v1_len = to_version_1(f.j, f.j_len, v1);
    ck_assert_uint_lt(v1_len, f.j_len - 5 * TAG - 20); /* DONEs shrank */
    write_file(f.path, v1, v1_len);
    forget_unlearner *u = from(&f, f.s0, f.s0_len);
    ck_assert_int_eq(forget_unlearner_open_journal(u, f.path, 0), FORGET_OK);
    double redone = 0;
    ck_assert_int_eq(forget_report_get(forget_unlearner_report(u),
                                       "journal_redone", &redone),
                     FORGET_OK);
    ck_assert(redone == 2);
    ck_assert_int_eq(is_gone(u, 502), 1);
    uint64_t id = 530;
    ck_assert_int_eq(forget_unlearner_forget_ids(u, &id, 1), FORGET_OK);
    forget_unlearner_free(u);
    uint64_t got = 0, at = 0;
    ck_assert_int_eq(forget_journal_verify(f.path, NULL, 0, &got, &at),
                     FORGET_E_UNSUPPORTED);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "version 1"));
    ck_assert_uint_eq(got, 5 + 2 + 2); /* 2 redone DONEs, 1 request */
    size_t seen = 0;
    ck_assert_int_eq(forget_journal_read(f.path, count_records, &seen),
                     FORGET_OK);
    ck_assert_uint_eq(seen, 9);
    u = from(&f, f.s0, f.s0_len);
    unsigned char key[16] = {1};
    ck_assert_int_eq(forget_unlearner_set_journal_key(u, key, 16), FORGET_OK);
    ck_assert_int_eq(forget_unlearner_open_journal(u, f.path, 0),
                     FORGET_E_STATE);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "version 1"));
    forget_unlearner_free(u);
    free(v1);
    tfix_free(&f);
}
END_TEST

Suite *suite_journal_trust(void)
{
    Suite *s = suite_create("journal_trust");
    TCase *tc = tcase_create("journal_trust");
    tcase_add_checked_fixture(tc, fixture_init, fixture_shutdown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, a_state_keeps_its_journal);
    tcase_add_test(tc, the_state_answers_for_its_ids);
    tcase_add_test(tc, a_changed_record_breaks_the_chain);
    tcase_add_test(tc, a_keyed_journal_needs_its_key);
    tcase_add_test(tc, version_1_journals_are_still_read);
    suite_add_tcase(s, tc);
    return s;
}
