/* sisa with a directory store across crashes and untrusted states: a
 * superseded checkpoint file lives until the state that no longer names
 * it is durable; a state whose files are gone loads and retrains those
 * shards exactly; what a crash left in the store is destroyed at load;
 * forged generations and labels are refused; the host chooses the store
 * of a loaded state. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"

static const char *CFG = "shards=3 slices=4 epochs=2:1:1:1 seed=5 threads=1 "
                         "train=\"lr=0.05 batch=16\"";
#define N_CKPT 12 /* shards x slices */

static forget_model *tmpl(void) { return sisa_template(); }

/* A new empty directory under the test's temporary folder. */
static char *new_dir(const char *name)
{
    char *dir = strdup(tmp_path(name));
    ck_assert_int_eq(mkdir(dir, 0700), 0);
    return dir;
}

static char *path_of(const char *name) { return strdup(tmp_path(name)); }

static forget_unlearner *fresh(forget_model *t, const forget_dataset *d,
                               const char *store)
{
    char cfg[600];
    snprintf(cfg, sizeof cfg, "%s store=\"%s\"", CFG, store ? store : "memory");
    return prepared("sisa", t, d, cfg);
}

/* The names in dir, sorted, one string "a\nb\n..." (malloc'ed). */
static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *listing(const char *dir)
{
    char *names[256];
    size_t n = 0, len = 1;
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.' && n < 256) {
            names[n++] = strdup(e->d_name);
            len += strlen(e->d_name) + 1;
        }
    closedir(d);
    qsort(names, n, sizeof *names, by_name);
    char *out = malloc(len);
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        strcat(out, names[i]);
        strcat(out, "\n");
        free(names[i]);
    }
    return out;
}

static size_t count_lines(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

/* Every line of a is a line of b. */
static int lines_within(const char *a, const char *b)
{
    for (const char *p = a; *p;) {
        const char *nl = strchr(p, '\n');
        char line[256];
        snprintf(line, sizeof line, "%.*s\n", (int)(nl - p), p);
        if (strstr(b, line) == NULL)
            return 0;
        p = nl + 1;
    }
    return 1;
}

/* After a durable save: one checkpoint file per (shard, stage). */
static void assert_one_per_stage(const char *dir)
{
    char *l = listing(dir);
    ck_assert_msg(count_lines(l) == N_CKPT, "store holds:\n%s", l);
    for (int sh = 0; sh < 3; sh++)
        for (int r = 0; r < 4; r++) {
            char pre[64];
            snprintf(pre, sizeof pre, "sisa-s%d-r%d-g", sh, r);
            ck_assert_msg(strstr(l, pre) != NULL, "no file for %s", pre);
        }
    free(l);
}

/* u's constituents equal sisa trained from scratch (memory store) on D
 * without gone[0..n). */
static void assert_scratch(const forget_unlearner *u, forget_model *t,
                           const forget_dataset *D, const uint64_t *gone,
                           size_t n)
{
    forget_dataset *rest = NULL;
    ck_assert_int_eq(forget_dataset_exclude_ids(&rest, D, gone, n),
                     FORGET_OK);
    forget_unlearner *s = fresh(t, rest, NULL);
    size_t la, lb, sa, sb;
    unsigned char *x = saved_state(u, &la), *y = saved_state(s, &lb);
    const unsigned char *pa = find_section(x, la, "SMOD", &sa);
    const unsigned char *pb = find_section(y, lb, "SMOD", &sb);
    ck_assert_ptr_nonnull(pa);
    ck_assert_ptr_nonnull(pb);
    ck_assert_uint_eq(sa, sb);
    ck_assert_msg(memcmp(pa, pb, sa) == 0, "constituents differ from "
                  "scratch training without the %zu forgotten ids", n);
    free(x);
    free(y);
    forget_unlearner_free(s);
    forget_dataset_free(rest);
}

static forget_unlearner *load_ok(forget_model *t, const char *path)
{
    forget_unlearner *u = NULL;
    int rc = forget_unlearner_load(&u, t, path);
    ck_assert_msg(rc == FORGET_OK, "load: %s", forget_last_error());
    return u;
}

/* Finding 1: a forget keeps the files the durable state names; a crash
 * before the next save (the unlearner dropped unsaved) leaves a state that
 * loads, whose leftovers are destroyed; after a save, the superseded
 * files are gone. Also for a prepare over a loaded state. */
START_TEST(superseded_files_live_until_durable_save)
{
    char *dir = new_dir("store1"), *state = path_of("s1.state");
    forget_dataset *D = make_blobs(300, 6, 4, 8, 0);
    forget_model *t = tmpl();
    forget_unlearner *u = fresh(t, D, dir);
    ck_assert_int_eq(forget_unlearner_save(u, state), FORGET_OK);
    forget_unlearner_free(u);
    uint64_t gone[8];
    size_t n_gone = 0;
    for (int round = 0; round < 3; round++) {
        char *durable = listing(dir);
        u = load_ok(t, state);
        uint64_t ids[2] = {(uint64_t)(17 + 90 * round),
                           (uint64_t)(250 - 70 * round)};
        ck_assert_int_eq(forget_unlearner_forget_ids(u, ids, 2), FORGET_OK);
        char *after = listing(dir);
        ck_assert_msg(lines_within(durable, after), "a file the saved state "
                      "names was deleted before a save:\n%s\nnow:\n%s",
                      durable, after);
        ck_assert_uint_gt(count_lines(after), count_lines(durable));
        forget_unlearner_free(u); /* a crash: never saved */
        u = load_ok(t, state);    /* main: "checkpoint ... is missing" */
        char *reloaded = listing(dir);
        ck_assert_str_eq(reloaded, durable); /* leftovers destroyed */
        /* the request again (as a journal would): both rows still there;
         * then a durable save */
        ck_assert_int_eq(forget_unlearner_forget_ids(u, ids, 2), FORGET_OK);
        double rows = 0;
        ck_assert_int_eq(forget_report_get(forget_unlearner_report(u),
                                           "rows", &rows), FORGET_OK);
        ck_assert(rows == 2);
        ck_assert_int_eq(forget_unlearner_save(u, state), FORGET_OK);
        assert_one_per_stage(dir);
        gone[n_gone++] = ids[0];
        gone[n_gone++] = ids[1];
        assert_scratch(u, t, D, gone, n_gone);
        forget_unlearner_free(u);
        free(durable);
        free(after);
        free(reloaded);
    }
    /* A new prepare over a loaded state, never saved: the state on disk
     * still loads, and equals what it was. */
    u = load_ok(t, state);
    forget_dataset *D2 = make_blobs(200, 6, 4, 3, 5000);
    ck_assert_int_eq(forget_unlearner_prepare(u, D2), FORGET_OK);
    forget_unlearner_free(u);
    u = load_ok(t, state);
    assert_scratch(u, t, D, gone, n_gone);
    assert_one_per_stage(dir);
    forget_unlearner_free(u);
    forget_dataset_free(D2);
    forget_dataset_free(D);
    forget_model_free(t);
    free(dir);
    free(state);
}
END_TEST

/* Finding 1, recovery: whatever checkpoint files of a saved state are
 * gone, it loads, its shards are retrained from the earliest missing
 * stage, and it stays exact (now and after a further request). */
START_TEST(missing_checkpoints_retrained_exactly)
{
    forget_dataset *D = make_blobs(300, 6, 4, 8, 0);
    forget_model *t = tmpl();
    uint64_t gone[3] = {5, 40, 77};
    /* which stage of each shard loses its file; 4 = none; all: every one */
    static const int lost[4][3] = {{0, 1, 3}, {2, 4, 4}, {4, 4, 0}, {-1}};
    for (int k = 0; k < 4; k++) {
        char name[32];
        snprintf(name, sizeof name, "store-m%d", k);
        char *dir = new_dir(name);
        snprintf(name, sizeof name, "m%d.state", k);
        char *state = path_of(name);
        forget_unlearner *u = fresh(t, D, dir);
        ck_assert_int_eq(forget_unlearner_forget_ids(u, gone, 2), FORGET_OK);
        ck_assert_int_eq(forget_unlearner_save(u, state), FORGET_OK);
        forget_unlearner_free(u);
        DIR *d = opendir(dir);
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            int sh, r;
            if (sscanf(e->d_name, "sisa-s%d-r%d-", &sh, &r) == 2 &&
                (lost[k][0] < 0 || lost[k][sh] <= r)) {
                char p[512];
                snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
                ck_assert_int_eq(unlink(p), 0);
            }
        }
        closedir(d);
        u = load_ok(t, state); /* main: "checkpoint ... is missing" */
        assert_scratch(u, t, D, gone, 2);
        ck_assert_int_eq(forget_unlearner_forget_ids(u, gone + 2, 1),
                         FORGET_OK);
        assert_scratch(u, t, D, gone, 3);
        ck_assert_int_eq(forget_unlearner_save(u, state), FORGET_OK);
        assert_one_per_stage(dir);
        forget_unlearner_free(u);
        free(dir);
        free(state);
    }
    forget_dataset_free(D);
    forget_model_free(t);
}
END_TEST

static void touch(const char *dir, const char *name)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    write_file(p, "leftover", 8);
}

/* Finding 1: files of sisa's pattern that the loaded state does not name
 * (a crash between a forget and its save, or in a checkpoint write) are
 * destroyed at load; any other file is left alone. */
START_TEST(crash_leftovers_destroyed_at_load)
{
    char *dir = new_dir("store3"), *state = path_of("s3.state");
    forget_dataset *D = make_blobs(200, 6, 4, 8, 0);
    forget_model *t = tmpl();
    forget_unlearner *u = fresh(t, D, dir);
    ck_assert_int_eq(forget_unlearner_save(u, state), FORGET_OK);
    forget_unlearner_free(u);
    char *named = listing(dir);
    static const char *ours[] = {"sisa-s0-r0-g999.ckpt",
                                 "sisa-s1-r2-g2.ckpt.tmp-Ab12Cd",
                                 "sisa-s9-r0-g1.ckpt", "sisa-s2-r7-g1.ckpt"};
    static const char *theirs[] = {"notes.txt", "sisa-s00-r0-g1.ckpt",
                                   "sisa-s0-r0-g1.ckpt.bak",
                                   "xsisa-s0-r0-g1.ckpt", "sisa-s0-r0.ckpt"};
    for (size_t i = 0; i < 4; i++)
        touch(dir, ours[i]);
    for (size_t i = 0; i < 5; i++)
        touch(dir, theirs[i]);
    u = load_ok(t, state);
    char *now = listing(dir);
    for (size_t i = 0; i < 4; i++)
        ck_assert_msg(strstr(now, ours[i]) == NULL, "%s left", ours[i]);
    for (size_t i = 0; i < 5; i++)
        ck_assert_msg(strstr(now, theirs[i]) != NULL, "%s deleted",
                      theirs[i]);
    ck_assert(lines_within(named, now));
    ck_assert_uint_eq(count_lines(now), N_CKPT + 5);
    forget_unlearner_free(u);
    free(now);
    free(named);
    forget_dataset_free(D);
    forget_model_free(t);
    free(dir);
    free(state);
}
END_TEST

/* Finding 7: forged generations are refused (FORGET_E_FORMAT naming
 * them), even when a file of that generation exists: a generation that
 * could wrap to 0 ("no file") would keep a checkpoint alive forever. */
START_TEST(forged_generations_refused)
{
    char *dir = new_dir("store4");
    forget_dataset *D = make_blobs(200, 6, 4, 8, 0);
    forget_model *t = tmpl();
    forget_unlearner *u = fresh(t, D, dir);
    uint64_t ids[1] = {11};
    ck_assert_int_eq(forget_unlearner_forget_ids(u, ids, 1), FORGET_OK);
    size_t len, size;
    unsigned char *st = saved_state(u, &len);
    forget_unlearner_free(u);
    const unsigned char *orig = find_section(st, len, "SGEN", &size);
    ck_assert_ptr_nonnull(orig);
    /* entries: SCFG's generation (-1) or checkpoint i's */
    static const struct {
        int entry;
        uint64_t gen;
    } forged[] = {{0, UINT64_MAX}, {5, 0},           {11, 3},
                  {-1, UINT64_MAX}, {-1, 1ull << 62}, {2, 1ull << 63}};
    for (size_t k = 0; k < sizeof forged / sizeof *forged; k++) {
        unsigned char *copy = malloc(len);
        memcpy(copy, st, len);
        unsigned char *cfg = (unsigned char *)find_section(copy, len, "SCFG",
                                                           &size);
        unsigned char *gen = (unsigned char *)find_section(copy, len, "SGEN",
                                                           &size);
        ck_assert_ptr_nonnull(gen);
        ck_assert_uint_eq(size, 8 * N_CKPT);
        uint64_t g = forged[k].gen;
        int e = forged[k].entry;
        if (e < 0) { /* the state's, and every checkpoint's with it */
            memcpy(cfg, &g, 8);
            reseal_section(cfg, 24);
            for (int i = 0; i < N_CKPT; i++)
                memcpy(gen + 8 * i, &g, 8);
        } else {
            memcpy(gen + 8 * e, &g, 8);
        }
        reseal_section(gen, size);
        /* the files such a state names exist */
        for (int i = 0; i < N_CKPT; i++) {
            uint64_t gi;
            memcpy(&gi, gen + 8 * i, 8);
            char name[96];
            snprintf(name, sizeof name, "sisa-s%d-r%d-g%llu.ckpt", i / 4,
                     i % 4, (unsigned long long)gi);
            char p[512];
            snprintf(p, sizeof p, "%s/%s", dir, name);
            if (access(p, F_OK) != 0) {
                uint64_t g0;
                memcpy(&g0, orig + 8 * i, 8);
                char src[512];
                snprintf(src, sizeof src, "%s/sisa-s%d-r%d-g%llu.ckpt", dir,
                         i / 4, i % 4, (unsigned long long)g0);
                ck_assert_int_eq(link(src, p), 0);
            }
        }
        forget_unlearner *v = NULL;
        ck_assert_int_eq(forget_unlearner_load_buffer(&v, t, copy, len),
                         FORGET_E_FORMAT);
        ck_assert_ptr_null(v);
        ck_assert_msg(strstr(forget_last_error(), "generation") != NULL,
                      "%s", forget_last_error());
        free(copy);
    }
    free(st);
    forget_dataset_free(D);
    forget_model_free(t);
    free(dir);
}
END_TEST

/* Finding 7: the host chooses the store of a loaded state
 * (forget_unlearner_load_params): the file's store is not touched, the
 * new one is filled by recovery, the result is the same and is saved
 * with the host's store; no other parameter can be overridden. */
START_TEST(store_chosen_by_host_at_load)
{
    char *a = new_dir("store-a"), *b = new_dir("store-b");
    char *state = path_of("s5.state"), *state2 = path_of("s5b.state");
    forget_dataset *D = make_blobs(240, 6, 4, 8, 0);
    forget_model *t = tmpl();
    forget_unlearner *u = fresh(t, D, a);
    uint64_t ids[2] = {7, 100};
    ck_assert_int_eq(forget_unlearner_forget_ids(u, ids, 2), FORGET_OK);
    ck_assert_int_eq(forget_unlearner_save(u, state), FORGET_OK);
    forget_unlearner_free(u);
    char *in_a = listing(a), over[400];
    snprintf(over, sizeof over, "store=\"%s\"", b);
    forget_unlearner *v = NULL;
    ck_assert_int_eq(forget_unlearner_load_params(&v, t, state, over),
                     FORGET_OK);
    char *a_now = listing(a);
    ck_assert_str_eq(a_now, in_a); /* nothing created or deleted there */
    assert_one_per_stage(b);
    assert_scratch(v, t, D, ids, 2);
    ck_assert_int_eq(forget_unlearner_save(v, state2), FORGET_OK);
    size_t len, size;
    unsigned char *st = saved_state(v, &len);
    const unsigned char *par = find_section(st, len, "_PAR", &size);
    char text[1024];
    snprintf(text, sizeof text, "%.*s", (int)size, (const char *)par);
    ck_assert_msg(strstr(text, b) != NULL && strstr(text, a) == NULL, "%s",
                  text);
    ck_assert_ptr_nonnull(strstr(text, "shards=\"3\""));
    forget_unlearner_free(v);
    /* the buffer form, and refusals: other keys, unknown keys, bad values */
    ck_assert_int_eq(forget_unlearner_load_buffer_params(&v, t, st, len,
                                                         over), FORGET_OK);
    forget_unlearner_free(v);
    v = NULL;
    static const char *bad[] = {"shards=2", "seed=5", "nonsense=1",
                                "store=/x store=/y", "store"};
    for (size_t i = 0; i < 5; i++) {
        ck_assert_int_eq(forget_unlearner_load_params(&v, t, state, bad[i]),
                         FORGET_E_PARAM);
        ck_assert_ptr_null(v);
    }
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "store"));
    ck_assert_int_eq(forget_unlearner_load_params(&v, t, state, "seed=1"),
                     FORGET_E_PARAM);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "'seed'"));
    /* a store for a state that keeps its checkpoints in memory, and the
     * reverse: refused, saying why */
    forget_unlearner *m = fresh(t, D, NULL);
    size_t mlen;
    unsigned char *mst = saved_state(m, &mlen);
    ck_assert_int_eq(forget_unlearner_load_buffer_params(&v, t, mst, mlen,
                                                         over),
                     FORGET_E_FORMAT);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "in memory"));
    ck_assert_int_eq(forget_unlearner_load_params(&v, t, state,
                                                  "store=memory"),
                     FORGET_E_FORMAT);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "in files"));
    free(mst);
    forget_unlearner_free(m);
    /* no override: as forget_unlearner_load */
    ck_assert_int_eq(forget_unlearner_load_params(&v, t, state2, NULL),
                     FORGET_OK);
    forget_unlearner_free(v);
    free(st);
    free(in_a);
    free(a_now);
    forget_dataset_free(D);
    forget_model_free(t);
    free(a);
    free(b);
    free(state);
    free(state2);
}
END_TEST

/* Finding 9: a state whose kept labels exceed the model's classes (or are
 * negative) is refused at load, naming the label. */
START_TEST(labels_beyond_classes_refused)
{
    forget_dataset *D = make_blobs(120, 6, 4, 8, 0);
    forget_model *t = tmpl(); /* 4 classes */
    forget_unlearner *u = fresh(t, D, NULL);
    size_t len, size;
    unsigned char *st = saved_state(u, &len);
    forget_unlearner_free(u);
    static const int32_t labels[] = {4, 5, 1000, -1, INT32_MIN};
    for (size_t k = 0; k < 5; k++) {
        unsigned char *copy = malloc(len);
        memcpy(copy, st, len);
        unsigned char *y = (unsigned char *)find_section(copy, len, "SDYL",
                                                         &size);
        ck_assert_ptr_nonnull(y);
        size_t row = (k * 37) % (size / 4);
        memcpy(y + 4 * row, &labels[k], 4);
        reseal_section(y, size);
        forget_unlearner *v = NULL;
        ck_assert_int_eq(forget_unlearner_load_buffer(&v, t, copy, len),
                         FORGET_E_FORMAT);
        ck_assert_ptr_null(v);
        char want[32];
        snprintf(want, sizeof want, "label %d", (int)labels[k]);
        ck_assert_msg(strstr(forget_last_error(), want) != NULL, "%s",
                      forget_last_error());
        free(copy);
    }
    free(st);
    forget_dataset_free(D);
    forget_model_free(t);
}
END_TEST

Suite *suite_sisa_store(void)
{
    Suite *s = suite_create("sisa_store");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, fixture_init, fixture_shutdown);
    tcase_add_test(tc, superseded_files_live_until_durable_save);
    tcase_add_test(tc, missing_checkpoints_retrained_exactly);
    tcase_add_test(tc, crash_leftovers_destroyed_at_load);
    tcase_add_test(tc, forged_generations_refused);
    tcase_add_test(tc, store_chosen_by_host_at_load);
    tcase_add_test(tc, labels_beyond_classes_refused);
    suite_add_tcase(s, tc);
    return s;
}
