/* The deletion journal through the public API: model digests; requests
 * logged with their ids and digests; recovery of acknowledged requests
 * after a "crash" (the state reloaded from before them) for a method that
 * can redo by ids (sisa) and one that needs the rows (ssd); requests cut
 * short inside the backend; refused requests; corrupted, cut-short and
 * foreign journals; locking and misuse. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"

/* A version-2 record's chain tag follows its payload. */
#define TAG 32

static const char *SISA = "shards=2 slices=2 epochs=2:1 seed=3 threads=1 "
                          "train=\"lr=0.05 batch=16\"";

static forget_model *tmpl(void)
{
    forget_model *m = NULL;
    ck_assert_int_eq(forget_model_create(&m, "mlp", "layers=5-8-3 seed=4"),
                     FORGET_OK);
    return m;
}

static void digest_of(const forget_unlearner *u, unsigned char d[32])
{
    ck_assert_int_eq(forget_model_digest(forget_unlearner_model(u), d),
                     FORGET_OK);
}

static int forgotten(const forget_unlearner *u, uint64_t id)
{
    int f = -1;
    ck_assert_int_eq(forget_unlearner_is_forgotten(u, id, &f), FORGET_OK);
    return f;
}

/* The oldest pending request must be of this kind with n ids (returned). */
static const uint64_t *expect_pending(const forget_unlearner *u, int kind,
                                      size_t n)
{
    int k;
    const uint64_t *ids;
    size_t got;
    ck_assert_int_eq(forget_unlearner_journal_pending(u, &k, &ids, &got),
                     FORGET_OK);
    ck_assert_int_eq(k, kind);
    ck_assert_uint_eq(got, n);
    return ids;
}

static forget_unlearner *load_state(forget_model *m, const unsigned char *s,
                                    size_t n)
{
    forget_unlearner *u = NULL;
    ck_assert_int_eq(forget_unlearner_load_buffer(&u, m, s, n), FORGET_OK);
    return u;
}

/* A prepared sisa unlearner u on D (template t), its state saved before
 * any request (s0), and a journal path (removed). jfix_make adds a
 * journal with two finished requests (file: its bytes), u freed. */
typedef struct jfix {
    forget_dataset *D;
    forget_model *t;
    forget_unlearner *u;
    unsigned char *s0;
    size_t s0_len;
    unsigned char *file;
    size_t len;
    const char *path;
} jfix;

static void setup(jfix *f, size_t rows, const char *name)
{
    memset(f, 0, sizeof *f);
    f->D = make_blobs(rows, 5, 3, 7, 500);
    f->t = tmpl();
    ck_assert_int_eq(forget_unlearner_create(&f->u, "sisa", f->t, SISA),
                     FORGET_OK);
    ck_assert_int_eq(forget_unlearner_prepare(f->u, f->D), FORGET_OK);
    f->s0 = saved_state(f->u, &f->s0_len);
    f->path = tmp_path(name);
    unlink(f->path);
}

static void jfix_make(jfix *f, const char *name)
{
    setup(f, 80, name);
    ck_assert_int_eq(forget_unlearner_open_journal(f->u, f->path, 0),
                     FORGET_OK);
    uint64_t a = 501, b[2] = {502, 503};
    ck_assert_int_eq(forget_unlearner_forget_ids(f->u, &a, 1), FORGET_OK);
    ck_assert_int_eq(forget_unlearner_forget_ids(f->u, b, 2), FORGET_OK);
    forget_unlearner_free(f->u);
    f->u = NULL;
    f->file = read_file(f->path, &f->len);
}

static void jfix_free(jfix *f)
{
    forget_unlearner_free(f->u);
    free(f->s0);
    free(f->file);
    forget_model_free(f->t);
    forget_dataset_free(f->D);
}

START_TEST(model_digest)
{
    forget_model *a = tmpl(), *b = NULL, *c = NULL;
    unsigned char da[32], db[32], dc[32];
    ck_assert_int_eq(forget_model_digest(a, da), FORGET_OK);
    ck_assert_int_eq(forget_model_clone(&b, a), FORGET_OK);
    ck_assert_int_eq(forget_model_digest(b, db), FORGET_OK);
    ck_assert_mem_eq(da, db, 32);
    /* one parameter's lowest bit changes the digest */
    size_t n = forget_model_param_count(b);
    float *p = params_copy(b);
    unsigned int bits;
    memcpy(&bits, &p[n / 2], 4);
    bits ^= 1u;
    memcpy(&p[n / 2], &bits, 4);
    ck_assert_int_eq(forget_model_set_params(b, p, n), FORGET_OK);
    ck_assert_int_eq(forget_model_digest(b, db), FORGET_OK);
    ck_assert_mem_ne(da, db, 32);
    free(p);
    /* the same weights under other parameters (another seed) differ */
    ck_assert_int_eq(forget_model_create(&c, "mlp", "layers=5-8-3 seed=5"),
                     FORGET_OK);
    p = params_copy(a);
    ck_assert_int_eq(forget_model_set_params(c, p, n), FORGET_OK);
    ck_assert_int_eq(forget_model_digest(c, dc), FORGET_OK);
    ck_assert_mem_ne(da, dc, 32);
    free(p);
    forget_model_free(c);
    /* a save/load round trip keeps it */
    size_t len;
    ck_assert_int_eq(forget_model_save_buffer(a, NULL, 0, &len), FORGET_OK);
    unsigned char *buf = malloc(len);
    ck_assert_int_eq(forget_model_save_buffer(a, buf, len, &len), FORGET_OK);
    ck_assert_int_eq(forget_model_load_buffer(&c, buf, len), FORGET_OK);
    ck_assert_int_eq(forget_model_digest(c, dc), FORGET_OK);
    ck_assert_mem_eq(da, dc, 32);
    free(buf);
    ck_assert_int_eq(forget_model_digest(NULL, da), FORGET_E_INVALID);
    ck_assert_int_eq(forget_model_digest(a, NULL), FORGET_E_INVALID);
    forget_model_free(a);
    forget_model_free(b);
    forget_model_free(c);
}
END_TEST

/* sisa: two acknowledged requests, then the process "dies" before it
 * saves its state: the state from before them, reopened with the
 * journal, is finished into exactly the state after them. */
START_TEST(sisa_recovers_acknowledged_requests)
{
    jfix f;
    setup(&f, 120, "sisa.journal");
    ck_assert_int_eq(forget_unlearner_open_journal(f.u, f.path, 0), FORGET_OK);
    ck_assert(report_of(f.u, "journal_requests") == 0);
    uint64_t a[3] = {503, 560, 611}, b[2] = {507, 560};
    ck_assert_int_eq(forget_unlearner_forget_ids(f.u, a, 3), FORGET_OK);
    ck_assert(report_of(f.u, "journal_seq") == 1);
    ck_assert_int_eq(forget_unlearner_forget_ids(f.u, b, 2), FORGET_OK);
    ck_assert(report_of(f.u, "journal_seq") == 2);
    ck_assert_int_eq(forgotten(f.u, 560), 1);
    ck_assert_int_eq(forgotten(f.u, 507), 1);
    ck_assert_int_eq(forgotten(f.u, 508), 0);
    unsigned char after[32];
    digest_of(f.u, after);
    size_t s2_len;
    unsigned char *s2 = saved_state(f.u, &s2_len);
    forget_unlearner_free(f.u); /* the "crash": s2 was never written */

    /* the journal holds ids, never features or labels */
    size_t jlen;
    unsigned char *j = read_file(f.path, &jlen);
    const float *x = forget_dataset_x(f.D);
    for (size_t r = 0; r < 120; r++)
        ck_assert_ptr_null(memmem(j, jlen, x + r * 5, 5 * sizeof(float)));
    free(j);

    f.u = load_state(f.t, f.s0, f.s0_len);
    int q;
    ck_assert_int_eq(forget_unlearner_is_forgotten(f.u, 503, &q),
                     FORGET_E_STATE);
    ck_assert_int_eq(forget_unlearner_open_journal(f.u, f.path, 0), FORGET_OK);
    ck_assert(report_of(f.u, "journal_requests") == 2);
    ck_assert(report_of(f.u, "journal_redone") == 2);
    ck_assert(report_of(f.u, "journal_pending") == 0);
    unsigned char now[32];
    digest_of(f.u, now);
    ck_assert_mem_eq(now, after, 32);
    size_t r_len;
    unsigned char *r = saved_state(f.u, &r_len);
    ck_assert_uint_eq(r_len, s2_len);
    ck_assert_mem_eq(r, s2, r_len);
    free(r);
    ck_assert_int_eq(forgotten(f.u, 611), 1);
    ck_assert_int_eq(forgotten(f.u, 500), 0);
    forget_unlearner_free(f.u);

    /* the state saved after the requests needs nothing */
    f.u = load_state(f.t, s2, s2_len);
    ck_assert_int_eq(forget_unlearner_open_journal(f.u, f.path, 0), FORGET_OK);
    ck_assert(report_of(f.u, "journal_redone") == 0);
    ck_assert_int_eq(forgotten(f.u, 503), 1);
    /* new requests continue the numbering */
    uint64_t c = 599;
    ck_assert_int_eq(forget_unlearner_forget_ids(f.u, &c, 1), FORGET_OK);
    ck_assert(report_of(f.u, "journal_seq") == 3);
    forget_unlearner_free(f.u);
    free(s2);
    f.u = NULL;
    jfix_free(&f);
}
END_TEST

/* A progress callback that kills the process in the middle of a request:
 * its REQUEST record is durable, the backend had not finished. (SIGKILL,
 * not exit: nothing runs after it, valgrind's leak report included.)
 * sisa reports progress from the calling thread only, and with threads=1
 * (SISA above) every stage runs there, so the fraction passes 0.2; with
 * more threads the caller could get only a short job and never see it. */
static int die_in_backend(double fraction, const char *stage, void *user)
{
    (void)user, (void)stage;
    if (fraction > 0.2)
        kill(getpid(), SIGKILL);
    return 0;
}

START_TEST(request_cut_short_in_backend_is_finished)
{
    jfix f;
    setup(&f, 120, "cut.journal");
    uint64_t ids[2] = {501, 502};
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        if (forget_unlearner_open_journal(f.u, f.path, 0) != FORGET_OK)
            _exit(3);
        forget_unlearner_set_progress(f.u, die_in_backend, NULL);
        forget_unlearner_forget_ids(f.u, ids, 2);
        _exit(4); /* the callback should have ended us */
    }
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    /* killed inside the backend: not the ends the child reaches when the
     * journal could not open (3) or the request finished (4) */
    ck_assert_msg(!WIFEXITED(status) || (WEXITSTATUS(status) != 3 &&
                                         WEXITSTATUS(status) != 4),
                  "the child was not cut short (status 0x%x)", status);
    /* and the journal ends with the request's record, not its end: the
     * REQUEST of 2 ids by "sisa" is 24 + 76 + TAG bytes, type 2 at
     * offset 4 */
    size_t jlen, rlen = 24 + 76 + TAG;
    unsigned char *j = read_file(f.path, &jlen);
    ck_assert_uint_gt(jlen, rlen);
    ck_assert_mem_eq(j + jlen - rlen, "FGJR", 4);
    ck_assert_uint_eq(j[jlen - rlen + 4], 2);
    free(j);
    /* what the request should give */
    forget_unlearner *ref = load_state(f.t, f.s0, f.s0_len);
    ck_assert_int_eq(forget_unlearner_forget_ids(ref, ids, 2), FORGET_OK);
    unsigned char want[32], got[32];
    digest_of(ref, want);
    forget_unlearner_free(ref);
    forget_unlearner_free(f.u);
    f.u = load_state(f.t, f.s0, f.s0_len);
    ck_assert_int_eq(forget_unlearner_open_journal(f.u, f.path, 0), FORGET_OK);
    ck_assert(report_of(f.u, "journal_redone") == 1);
    digest_of(f.u, got);
    ck_assert_mem_eq(got, want, 32);
    ck_assert_int_eq(forgotten(f.u, 502), 1);
    forget_unlearner_free(f.u);
    f.u = NULL;
    jfix_free(&f);
}
END_TEST

/* A refused request is logged as changing nothing and never redone. */
START_TEST(refused_request_is_not_redone)
{
    jfix f;
    setup(&f, 120, "refused.journal");
    ck_assert_int_eq(forget_unlearner_open_journal(f.u, f.path, 0), FORGET_OK);
    size_t sj_len, s1_len;
    unsigned char *sj = saved_state(f.u, &sj_len);
    uint64_t bad[2] = {501, 99999};
    ck_assert_int_eq(forget_unlearner_forget_ids(f.u, bad, 2),
                     FORGET_E_NOT_FOUND);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "99999"));
    unsigned char *s1 = saved_state(f.u, &s1_len);
    ck_assert_uint_eq(s1_len, sj_len);
    ck_assert_mem_eq(s1, sj, sj_len);
    free(sj);
    ck_assert_int_eq(forgotten(f.u, 501), 0);
    uint64_t good = 504;
    ck_assert_int_eq(forget_unlearner_forget_ids(f.u, &good, 1), FORGET_OK);
    ck_assert(report_of(f.u, "journal_seq") == 2);
    forget_unlearner_free(f.u);
    f.u = load_state(f.t, f.s0, f.s0_len);
    ck_assert_int_eq(forget_unlearner_open_journal(f.u, f.path, 0), FORGET_OK);
    ck_assert(report_of(f.u, "journal_redone") == 1);
    ck_assert_int_eq(forgotten(f.u, 501), 0);
    ck_assert_int_eq(forgotten(f.u, 504), 1);
    forget_unlearner_free(f.u);
    free(s1);
    f.u = NULL;
    jfix_free(&f);
}
END_TEST

static forget_model *trained_mlp(const forget_dataset *D)
{
    forget_model *m = tmpl();
    ck_assert_int_eq(forget_model_train(m, D, "epochs=3 lr=0.05 batch=16"),
                     FORGET_OK);
    return m;
}

static unsigned char *model_bytes(const forget_model *m, size_t *len)
{
    ck_assert_int_eq(forget_model_save_buffer(m, NULL, 0, len), FORGET_OK);
    unsigned char *b = malloc(*len);
    ck_assert_int_eq(forget_model_save_buffer(m, b, *len, len), FORGET_OK);
    return b;
}

/* ssd forgets rows, not ids: after the "crash" its request waits for the
 * host to pass the rows again; other requests are refused until then. */
START_TEST(ssd_request_waits_for_its_rows)
{
    forget_dataset *D = make_blobs(120, 5, 3, 7, 500);
    forget_model *m = trained_mlp(D);
    forget_unlearner *u = NULL;
    ck_assert_int_eq(forget_unlearner_create(&u, "ssd", m, ""), FORGET_OK);
    ck_assert_int_eq(forget_unlearner_prepare(u, D), FORGET_OK);
    size_t m0_len, s0_len;
    unsigned char *m0 = model_bytes(m, &m0_len), *s0 = saved_state(u, &s0_len);
    const char *path = tmp_path("ssd.journal");
    unlink(path);
    ck_assert_int_eq(forget_unlearner_open_journal(u, path, 0), FORGET_OK);
    uint64_t fid[3] = {510, 520, 530}, other = 540;
    forget_dataset *F = NULL, *G = NULL;
    ck_assert_int_eq(forget_dataset_subset_ids(&F, D, fid, 3), FORGET_OK);
    ck_assert_int_eq(forget_dataset_subset_ids(&G, D, &other, 1), FORGET_OK);
    ck_assert_int_eq(forget_unlearner_forget(u, F), FORGET_OK);
    unsigned char want[32], got[32];
    digest_of(u, want);
    forget_unlearner_free(u);
    forget_model_free(m);

    ck_assert_int_eq(forget_model_load_buffer(&m, m0, m0_len), FORGET_OK);
    u = load_state(m, s0, s0_len);
    ck_assert_int_eq(forget_unlearner_open_journal(u, path, 0), FORGET_OK);
    ck_assert(report_of(u, "journal_pending") == 1);
    ck_assert(report_of(u, "journal_redone") == 0);
    const uint64_t *ids = expect_pending(u, FORGET_JOURNAL_FORGET, 3);
    ck_assert(ids[0] == 510 && ids[1] == 520 && ids[2] == 530);
    ck_assert_int_eq(forgotten(u, 510), 0); /* not in the model yet */
    ck_assert_int_eq(forget_unlearner_forget(u, G), FORGET_E_STATE);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "pending"));
    ck_assert_int_eq(forget_unlearner_forget(u, F), FORGET_OK);
    digest_of(u, got);
    ck_assert_mem_eq(got, want, 32);
    ck_assert_int_eq(forgotten(u, 520), 1);
    expect_pending(u, 0, 0);
    ck_assert_int_eq(forget_unlearner_forget(u, G), FORGET_OK);
    ck_assert(report_of(u, "journal_seq") == 2);
    forget_unlearner_free(u);
    forget_model_free(m);
    forget_dataset_free(F);
    forget_dataset_free(G);
    free(m0);
    free(s0);
    forget_dataset_free(D);
}
END_TEST

/* Open the fixture's journal as bytes b (len) on the state before. */
static int jfix_open(jfix *f, const unsigned char *b, size_t len,
                     uint32_t flags, forget_unlearner **out)
{
    write_file(f->path, b, len);
    forget_unlearner *u = load_state(f->t, f->s0, f->s0_len);
    int rc = forget_unlearner_open_journal(u, f->path, flags);
    if (out && rc == FORGET_OK)
        *out = u;
    else
        forget_unlearner_free(u);
    return rc;
}

/* ssd keeps its state apart from the model: a state saved after a
 * request with the model from before it is refused (at load: the state
 * records its model's digest), since finishing the request again would
 * skip rows the state has marked forgotten while the model never lost
 * them. A journal that lacks requests the state holds is refused too. */
START_TEST(state_and_model_from_different_points)
{
    forget_dataset *D = make_blobs(120, 5, 3, 7, 500);
    forget_model *m = trained_mlp(D);
    forget_unlearner *u = NULL;
    ck_assert_int_eq(forget_unlearner_create(&u, "ssd", m, ""), FORGET_OK);
    ck_assert_int_eq(forget_unlearner_prepare(u, D), FORGET_OK);
    const char *path = tmp_path("split.journal");
    unlink(path);
    ck_assert_int_eq(forget_unlearner_open_journal(u, path, 0), FORGET_OK);
    size_t m0_len, s1_len, m1_len;
    unsigned char *m0 = model_bytes(m, &m0_len);
    uint64_t fid[2] = {510, 520};
    forget_dataset *F = NULL;
    ck_assert_int_eq(forget_dataset_subset_ids(&F, D, fid, 2), FORGET_OK);
    ck_assert_int_eq(forget_unlearner_forget(u, F), FORGET_OK);
    unsigned char *s1 = saved_state(u, &s1_len), *m1 = model_bytes(m, &m1_len);
    size_t jlen;
    unsigned char *j1 = read_file(path, &jlen);
    forget_unlearner_free(u);
    forget_model_free(m);

    /* state after request 1, model before it: the state knows the model
     * it was saved with (_MDG), so the load itself refuses the pair */
    ck_assert_int_eq(forget_model_load_buffer(&m, m0, m0_len), FORGET_OK);
    u = NULL;
    ck_assert_int_eq(forget_unlearner_load_buffer(&u, m, s1, s1_len),
                     FORGET_E_STATE);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "saved with the model"));
    ck_assert_ptr_null(u);
    forget_model_free(m);

    /* both after request 1, but the journal lost it (an older copy) */
    ck_assert_int_eq(forget_model_load_buffer(&m, m1, m1_len), FORGET_OK);
    u = load_state(m, s1, s1_len);
    /* header + OPEN ("ssd", flags, previous journal, tag) */
    size_t first = 16 + 24 + 16 + 32 + 4 + 3 + 20 + TAG;
    write_file(path, j1, first);
    ck_assert_int_eq(forget_unlearner_open_journal(u, path, 0),
                     FORGET_E_STATE);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "missing"));
    /* with the whole journal: consistent, nothing to do */
    write_file(path, j1, jlen);
    ck_assert_int_eq(forget_unlearner_open_journal(u, path, 0), FORGET_OK);
    ck_assert(report_of(u, "journal_redone") == 0);
    ck_assert(report_of(u, "journal_pending") == 0);
    ck_assert_int_eq(forgotten(u, 520), 1);
    forget_unlearner_free(u);
    forget_model_free(m);
    forget_dataset_free(F);
    forget_dataset_free(D);
    free(m0);
    free(m1);
    free(s1);
    free(j1);
}
END_TEST

START_TEST(damaged_journals_are_reported)
{
    jfix f;
    jfix_make(&f, "damaged.journal");
    unsigned char *b = malloc(f.len + 64);
    /* a flipped byte anywhere before the last record: corrupt, even with
     * repair (complete records follow) */
    size_t final = 16; /* where the last record starts */
    for (size_t o = 16; o < f.len;) {
        final = o;
        o += 24 + TAG + (f.file[o + 16] | (size_t)f.file[o + 17] << 8);
    }
    for (size_t off = 16; off < final; off += 7) {
        memcpy(b, f.file, f.len);
        b[off] ^= 0x40;
        ck_assert_int_eq(jfix_open(&f, b, f.len, FORGET_JOURNAL_REPAIR, NULL),
                         FORGET_E_FORMAT);
        ck_assert_ptr_nonnull(strstr(forget_last_error(), "byte"));
    }
    /* the header */
    memcpy(b, f.file, f.len);
    b[9] ^= 1;
    ck_assert_int_eq(jfix_open(&f, b, f.len, FORGET_JOURNAL_REPAIR, NULL),
                     FORGET_E_FORMAT);
    memcpy(b, "NOTAJOURNAL", 11);
    ck_assert_int_eq(jfix_open(&f, b, f.len, 0, NULL), FORGET_E_FORMAT);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "not a libforget"));
    /* every cut inside the last record: reported; repaired on request,
     * which drops the end of request 2, so it is finished again */
    size_t last = final; /* the last DONE record */
    for (size_t cut = last + 1; cut < f.len; cut++) {
        ck_assert_int_eq(jfix_open(&f, f.file, cut, 0, NULL), FORGET_E_FORMAT);
        ck_assert_ptr_nonnull(strstr(forget_last_error(), "REPAIR"));
        forget_unlearner *u = NULL;
        ck_assert_int_eq(jfix_open(&f, f.file, cut, FORGET_JOURNAL_REPAIR, &u),
                         FORGET_OK);
        ck_assert(report_of(u, "journal_dropped_bytes") ==
                  (double)(cut - last));
        ck_assert(report_of(u, "journal_redone") == 2);
        ck_assert_int_eq(forgotten(u, 503), 1);
        forget_unlearner_free(u);
    }
    /* zeros after the end (a crash that grew the file): the same */
    memcpy(b, f.file, f.len);
    memset(b + f.len, 0, 64);
    ck_assert_int_eq(jfix_open(&f, b, f.len + 64, 0, NULL), FORGET_E_FORMAT);
    forget_unlearner *u = NULL;
    ck_assert_int_eq(jfix_open(&f, b, f.len + 64, FORGET_JOURNAL_REPAIR, &u),
                     FORGET_OK);
    ck_assert(report_of(u, "journal_dropped_bytes") == 64);
    forget_unlearner_free(u);
    struct stat st;
    ck_assert_int_eq(stat(f.path, &st), 0);
    /* two DONE records redone (time, digest, the redo's figures) */
    ck_assert_uint_ge((size_t)st.st_size, f.len + 2 * (24 + 40 + 4 + TAG));
    ck_assert_uint_le((size_t)st.st_size, f.len + 2 * (24 + 4096 + TAG));
    /* a hostile tail: 2 MiB of record heads, each claiming to run to the
     * end of the file; telling whether one is a real record would take
     * terabytes of checksumming, so the repair is refused, quickly */
    {
        size_t big = f.len + (2u << 20);
        unsigned char *h = calloc(1, big); /* zeros after the last head */
        memcpy(h, f.file, f.len);
        h[f.len - 5] ^= 1; /* damage the last record */
        for (size_t q = f.len; q + 24 <= big; q += 24) {
            uint32_t plen = (uint32_t)(big - q >= 24 + TAG
                                           ? big - q - 24 - TAG : 0);
            memcpy(h + q, "FGJR", 4);
            memset(h + q + 4, 0, 16);
            h[q + 4] = 3;
            for (int i = 0; i < 4; i++)
                h[q + 16 + i] = (unsigned char)(plen >> (8 * i));
            memset(h + q + 20, 0xA5, 4);
        }
        ck_assert_int_eq(jfix_open(&f, h, big, FORGET_JOURNAL_REPAIR, NULL),
                         FORGET_E_FORMAT);
        ck_assert_ptr_nonnull(strstr(forget_last_error(), "too damaged"));
        free(h);
    }
    /* a newer format version (with its header checksum) */
    memcpy(b, f.file, f.len);
    b[8] = 4;
    uint32_t c = crc32c_bitwise(b, 12);
    for (int i = 0; i < 4; i++)
        b[12 + i] = (unsigned char)(c >> (8 * i));
    ck_assert_int_eq(jfix_open(&f, b, f.len, 0, NULL), FORGET_E_VERSION);
    free(b);
    jfix_free(&f);
}
END_TEST

/* A disk that fills up, simulated with RLIMIT_FSIZE (SIGXFSZ ignored,
 * so writes past the limit fail with EFBIG): a REQUEST that cannot be
 * written refuses the call and changes nothing; a DONE that cannot be
 * written leaves the deletion done (it is not undone), says so, blocks
 * further requests, and the journal finishes it when opened again. */
static void limit_file_size(rlim_t bytes)
{
    struct rlimit rl;
    ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &rl), 0);
    rl.rlim_cur = bytes;
    ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &rl), 0);
}

START_TEST(full_disk_is_reported)
{
    jfix f;
    setup(&f, 120, "full.journal");
    ck_assert_int_eq(forget_unlearner_open_journal(f.u, f.path, 0), FORGET_OK);
    struct stat st;
    ck_assert_int_eq(stat(f.path, &st), 0);
    size_t len0 = (size_t)st.st_size, sj_len;
    unsigned char *sj = saved_state(f.u, &sj_len);
    void (*old)(int) = signal(SIGXFSZ, SIG_IGN);
    struct rlimit saved;
    ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &saved), 0);

    /* no room for the request: refused, nothing changed */
    uint64_t id = 505;
    limit_file_size(len0 + 50);
    ck_assert_int_eq(forget_unlearner_forget_ids(f.u, &id, 1), FORGET_E_IO);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), f.path));
    ck_assert_int_eq(stat(f.path, &st), 0);
    ck_assert_uint_eq((size_t)st.st_size, len0);
    size_t s1_len;
    unsigned char *s1 = saved_state(f.u, &s1_len);
    ck_assert_uint_eq(s1_len, sj_len);
    ck_assert_mem_eq(s1, sj, sj_len);
    free(s1);
    ck_assert_int_eq(forgotten(f.u, 505), 0);

    /* room for the request (24 + 84 + TAG bytes) but not its end
     * (24 + 40 + TAG) */
    limit_file_size(len0 + 24 + 84 + TAG + 30);
    ck_assert_int_eq(forget_unlearner_forget_ids(f.u, &id, 1), FORGET_E_IO);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "took effect"));
    uint64_t other = 506;
    ck_assert_int_eq(forget_unlearner_forget_ids(f.u, &other, 1),
                     FORGET_E_IO);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "open the journal "
                                 "again"));
    ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &saved), 0);
    signal(SIGXFSZ, old);

    /* reopened on the state saved before: the request is finished */
    forget_unlearner_free(f.u);
    f.u = load_state(f.t, sj, sj_len);
    ck_assert_int_eq(forget_unlearner_open_journal(f.u, f.path, 0), FORGET_OK);
    ck_assert(report_of(f.u, "journal_redone") == 1);
    ck_assert_int_eq(forgotten(f.u, 505), 1);
    ck_assert_int_eq(forgotten(f.u, 506), 0);
    free(sj);
    jfix_free(&f);
}
END_TEST

START_TEST(foreign_models_methods_and_locks)
{
    jfix f;
    jfix_make(&f, "foreign.journal");
    write_file(f.path, f.file, f.len);
    /* another model: matches no recorded state */
    forget_dataset *D2 = make_blobs(80, 5, 3, 8, 500);
    forget_unlearner *v = NULL;
    ck_assert_int_eq(forget_unlearner_create(&v, "sisa", f.t, SISA),
                     FORGET_OK);
    ck_assert_int_eq(forget_unlearner_prepare(v, D2), FORGET_OK);
    ck_assert_int_eq(forget_unlearner_open_journal(v, f.path, 0),
                     FORGET_E_STATE);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "matches no state"));
    forget_unlearner_free(v);
    forget_dataset_free(D2);
    /* another method */
    forget_model *m = trained_mlp(f.D);
    ck_assert_int_eq(forget_unlearner_create(&v, "ssd", m, ""), FORGET_OK);
    ck_assert_int_eq(forget_unlearner_open_journal(v, f.path, 0),
                     FORGET_E_STATE); /* not prepared */
    ck_assert_int_eq(forget_unlearner_prepare(v, f.D), FORGET_OK);
    ck_assert_int_eq(forget_unlearner_open_journal(v, f.path, 0),
                     FORGET_E_STATE);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "sisa"));
    forget_unlearner_free(v);
    forget_model_free(m);
    /* one unlearner at a time */
    forget_unlearner *a = load_state(f.t, f.s0, f.s0_len);
    forget_unlearner *b = load_state(f.t, f.s0, f.s0_len);
    ck_assert_int_eq(forget_unlearner_open_journal(a, f.path, 0), FORGET_OK);
    ck_assert_int_eq(forget_unlearner_open_journal(b, f.path, 0),
                     FORGET_E_STATE);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "in use"));
    ck_assert_int_eq(forget_unlearner_open_journal(a, f.path, 0),
                     FORGET_E_STATE);
    ck_assert_int_eq(forget_unlearner_prepare(a, f.D), FORGET_E_STATE);
    forget_unlearner_free(a);
    ck_assert_int_eq(forget_unlearner_open_journal(b, f.path, 0), FORGET_OK);
    /* misuse */
    int k;
    const uint64_t *ids;
    size_t n;
    ck_assert_int_eq(forget_unlearner_open_journal(NULL, f.path, 0),
                     FORGET_E_INVALID);
    ck_assert_int_eq(forget_unlearner_open_journal(b, NULL, 0),
                     FORGET_E_INVALID);
    ck_assert_int_eq(forget_unlearner_is_forgotten(b, 1, NULL),
                     FORGET_E_INVALID);
    ck_assert_int_eq(forget_unlearner_journal_pending(b, &k, &ids, NULL),
                     FORGET_E_INVALID);
    forget_unlearner_free(b);
    b = load_state(f.t, f.s0, f.s0_len);
    ck_assert_int_eq(forget_unlearner_open_journal(b, f.path, 8),
                     FORGET_E_INVALID);
    ck_assert_int_eq(forget_unlearner_journal_pending(b, &k, &ids, &n),
                     FORGET_E_STATE);
    ck_assert_int_eq(forget_unlearner_open_journal(b, "/nonexistent/dir/j",
                                                   0), FORGET_E_IO);
    ck_assert_int_eq(forget_unlearner_open_journal(b, "/dev/null", 0),
                     FORGET_E_IO);
    forget_unlearner_free(b);
    jfix_free(&f);
}
END_TEST

/* forget_journal_read: every record in order, with its ids and digests;
 * a callback that stops; damage after complete records. */
typedef struct seen {
    int types[16];
    uint64_t seqs[16];
    size_t n, ids_total;
    uint64_t first_ids[2];
    int stop_at; /* return nonzero at this record (0 = never) */
    int digests;
} seen;

static int collect(void *user, int type, uint64_t seq, int64_t time_ns,
                   const char *method, int kind, const uint64_t *ids,
                   size_t n_ids, const unsigned char *digest, int status)
{
    seen *s = user;
    ck_assert_str_eq(method, "sisa");
    ck_assert(time_ns > 1700000000LL * 1000000000LL);
    if (type == FORGET_JOURNAL_RECORD_REQUEST)
        ck_assert_int_eq(kind, FORGET_JOURNAL_FORGET);
    if (type == FORGET_JOURNAL_RECORD_ABORT)
        ck_assert_int_eq(status, FORGET_E_NOT_FOUND);
    if (s->n == 1)
        memcpy(s->first_ids, ids, sizeof s->first_ids);
    s->digests += digest != NULL;
    s->ids_total += n_ids;
    s->types[s->n] = type;
    s->seqs[s->n] = seq;
    s->n++;
    return s->stop_at && (int)s->n == s->stop_at;
}

START_TEST(journal_read_for_audits)
{
    jfix f;
    setup(&f, 80, "audit.journal");
    ck_assert_int_eq(forget_unlearner_open_journal(f.u, f.path, 0), FORGET_OK);
    uint64_t a[2] = {501, 502}, bad = 99999, c = 503;
    ck_assert_int_eq(forget_unlearner_forget_ids(f.u, a, 2), FORGET_OK);
    ck_assert_int_eq(forget_unlearner_forget_ids(f.u, &bad, 1),
                     FORGET_E_NOT_FOUND);
    ck_assert_int_eq(forget_unlearner_forget_ids(f.u, &c, 1), FORGET_OK);
    seen s;
    memset(&s, 0, sizeof s);
    /* readable while attached (no lock) */
    ck_assert_int_eq(forget_journal_read(f.path, collect, &s), FORGET_OK);
    int want[7] = {1, 2, 3, 2, 4, 2, 3};
    uint64_t wseq[7] = {0, 1, 1, 2, 2, 3, 3};
    ck_assert_uint_eq(s.n, 7);
    for (int i = 0; i < 7; i++) {
        ck_assert_int_eq(s.types[i], want[i]);
        ck_assert(s.seqs[i] == wseq[i]);
    }
    ck_assert(s.first_ids[0] == 501 && s.first_ids[1] == 502);
    ck_assert_uint_eq(s.ids_total, 4);
    ck_assert_int_eq(s.digests, 6); /* all but the ABORT */
    /* the callback stops */
    memset(&s, 0, sizeof s);
    s.stop_at = 3;
    ck_assert_int_eq(forget_journal_read(f.path, collect, &s),
                     FORGET_E_CANCELED);
    ck_assert_uint_eq(s.n, 3);
    forget_unlearner_free(f.u);
    f.u = NULL;
    /* damage in the last record: the complete ones, then FORMAT */
    size_t len;
    unsigned char *b = read_file(f.path, &len);
    write_file(f.path, b, len - 7);
    memset(&s, 0, sizeof s);
    ck_assert_int_eq(forget_journal_read(f.path, collect, &s),
                     FORGET_E_FORMAT);
    ck_assert_uint_eq(s.n, 6);
    free(b);
    /* errors */
    ck_assert_int_eq(forget_journal_read(NULL, collect, &s), FORGET_E_INVALID);
    ck_assert_int_eq(forget_journal_read(f.path, NULL, &s), FORGET_E_INVALID);
    ck_assert_int_eq(forget_journal_read("/nonexistent/j", collect, &s),
                     FORGET_E_IO);
    write_file(f.path, "", 0);
    ck_assert_int_eq(forget_journal_read(f.path, collect, &s),
                     FORGET_E_FORMAT);
    jfix_free(&f);
}
END_TEST

/* analytic with keep_rows: learn and forget journaled; the forgotten set
 * follows both (an id learned back is not forgotten); after a reload from
 * the state before them, the learn waits for its rows, and the forget
 * after it waits its turn (in order), then both are in the model. */
START_TEST(learn_and_forget_in_order)
{
    forget_dataset *D = make_blobs(90, 5, 3, 7, 500);
    uint64_t rid[3] = {520, 521, 522};
    forget_dataset *R = NULL, *base = NULL;
    ck_assert_int_eq(forget_dataset_subset_ids(&R, D, rid, 3), FORGET_OK);
    ck_assert_int_eq(forget_dataset_exclude_ids(&base, D, rid, 3), FORGET_OK);
    forget_model *m = NULL;
    ck_assert_int_eq(forget_model_create(&m, "analytic",
                                         "inputs=5 outputs=3"), FORGET_OK);
    forget_unlearner *u = NULL;
    ck_assert_int_eq(forget_unlearner_create(&u, "analytic", m,
                                             "keep_rows=true"), FORGET_OK);
    ck_assert_int_eq(forget_unlearner_prepare(u, base), FORGET_OK);
    size_t m0_len, s0_len;
    unsigned char *m0 = model_bytes(m, &m0_len), *s0 = saved_state(u, &s0_len);
    const char *path = tmp_path("learn.journal");
    unlink(path);
    ck_assert_int_eq(forget_unlearner_open_journal(u, path, 0), FORGET_OK);
    ck_assert_int_eq(forget_unlearner_learn(u, R), FORGET_OK);
    uint64_t gone[2] = {521, 500};
    ck_assert_int_eq(forget_unlearner_forget_ids(u, gone, 2), FORGET_OK);
    ck_assert_int_eq(forgotten(u, 521), 1);
    ck_assert_int_eq(forgotten(u, 520), 0);
    unsigned char want[32], got[32];
    digest_of(u, want);
    forget_unlearner_free(u);
    forget_model_free(m);

    ck_assert_int_eq(forget_model_load_buffer(&m, m0, m0_len), FORGET_OK);
    u = load_state(m, s0, s0_len);
    ck_assert_int_eq(forget_unlearner_open_journal(u, path, 0), FORGET_OK);
    ck_assert(report_of(u, "journal_pending") == 2);
    expect_pending(u, FORGET_JOURNAL_LEARN, 3);
    /* the forget may not jump the queue */
    ck_assert_int_eq(forget_unlearner_forget_ids(u, gone, 2), FORGET_E_STATE);
    ck_assert_int_eq(forget_unlearner_learn(u, R), FORGET_OK);
    expect_pending(u, FORGET_JOURNAL_FORGET, 2);
    ck_assert_int_eq(forget_unlearner_forget_ids(u, gone, 2), FORGET_OK);
    digest_of(u, got);
    ck_assert_mem_eq(got, want, 32);
    ck_assert_int_eq(forgotten(u, 521), 1);
    ck_assert_int_eq(forgotten(u, 522), 0);
    /* learning a forgotten id back clears it */
    forget_dataset *one = NULL;
    uint64_t back = 521;
    ck_assert_int_eq(forget_dataset_subset_ids(&one, D, &back, 1), FORGET_OK);
    ck_assert_int_eq(forget_unlearner_learn(u, one), FORGET_OK);
    ck_assert_int_eq(forgotten(u, 521), 0);
    forget_dataset_free(one);
    forget_unlearner_free(u);
    forget_model_free(m);
    forget_dataset_free(R);
    forget_dataset_free(base);
    forget_dataset_free(D);
    free(m0);
    free(s0);
}
END_TEST

Suite *suite_journal(void)
{
    Suite *s = suite_create("journal");
    TCase *tc = tcase_create("journal");
    tcase_add_checked_fixture(tc, fixture_init, fixture_shutdown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, model_digest);
    tcase_add_test(tc, sisa_recovers_acknowledged_requests);
    tcase_add_test(tc, request_cut_short_in_backend_is_finished);
    tcase_add_test(tc, refused_request_is_not_redone);
    tcase_add_test(tc, ssd_request_waits_for_its_rows);
    tcase_add_test(tc, state_and_model_from_different_points);
    tcase_add_test(tc, damaged_journals_are_reported);
    tcase_add_test(tc, foreign_models_methods_and_locks);
    tcase_add_test(tc, full_disk_is_reported);
    tcase_add_test(tc, journal_read_for_audits);
    tcase_add_test(tc, learn_and_forget_in_order);
    suite_add_tcase(s, tc);
    return s;
}
