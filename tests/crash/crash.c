/* Crash safety under SIGKILL. Rounds alternate between two sisa states:
 * one keeps its checkpoints in memory (in the state file), the other in a
 * store directory (store=DIR: a file per checkpoint). Each round starts a
 * child from what is on disk: it loads the round's sisa unlearner state, opens its deletion journal
 * (recovering, with FORGET_JOURNAL_REPAIR as a host would after a crash)
 * and loops: forget one to three ids, acknowledge them to the parent
 * through a pipe, save the state; every few requests save the next
 * version of a model file. The parent kills it with SIGKILL after a random
 * delay and then proves:
 *   - the model file is one complete version (its weights are exactly
 *     those of the version it says it is);
 *   - temporary files left by a kill in a save are gone once the path has
 *     been saved again;
 *   - the state file loads and its journal opens (recovery);
 *   - every acknowledged id is forgotten (forget_unlearner_is_forgotten);
 *   - every few rounds, the recovered ensemble is bit-identical (digest)
 *     to sisa trained from scratch without the ids the journal says are
 *     forgotten;
 *   - the state takes no other journal: a missing path (a typo), an
 *     empty file and the other state's journal are refused, the paths
 *     left as they were;
 *   - store=DIR: once the recovered state is saved, the store holds
 *     exactly one checkpoint file per (shard, stage), those the state
 *     names (a superseded one, which may hold a forgotten row, would be a
 *     second file), and nothing else (no temporary file).
 * Usage: crash DIR ROUNDS [SEED]. Prints what it saw; exit 0 when every
 * check held. Not a Check suite: it forks and kills on purpose. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <forget/forget.h>

#define N_FEAT 6
#define N_CLASS 3
#define ID0 10000u
#define SISA_CFG "shards=4 slices=3 epochs=2:1:1 seed=9 threads=1 " \
                 "train=\"lr=0.05 batch=32\""
#define N_CKPT 12 /* shards x slices */

static char g_dir[512], g_store[600];
static char g_model[600];
/* the two setups: 0 memory store, 1 store=DIR; g_cur is this round's */
static char g_states[2][600], g_journals[2][600], g_cfgs[2][1200];
static int g_cur;
#define g_state g_states[g_cur]
#define g_journal g_journals[g_cur]
#define g_acked g_ackeds[g_cur]

#define CHECK(cond, ...)                                                   \
    do {                                                                   \
        if (!(cond)) {                                                     \
            fprintf(stderr, "crash: FAILED %s:%d: ", __FILE__, __LINE__);  \
            fprintf(stderr, __VA_ARGS__);                                  \
            fprintf(stderr, " [%s]\n", forget_last_error());               \
            exit(1);                                                       \
        }                                                                  \
    } while (0)

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Rows: enough that the child never runs out of ids to forget (it keeps a
 * third of them). */
static size_t g_rows = 1200;

static forget_dataset *make_data(void)
{
    float *x = malloc(g_rows * N_FEAT * sizeof *x);
    int32_t *y = malloc(g_rows * sizeof *y);
    uint64_t *ids = malloc(g_rows * sizeof *ids);
    uint64_t s = 42;
    for (size_t i = 0; i < g_rows; i++) {
        y[i] = (int32_t)(i % N_CLASS);
        ids[i] = ID0 + i;
        for (size_t j = 0; j < N_FEAT; j++) {
            double u = (double)(splitmix(&s) >> 11) / 9007199254740992.0;
            x[i * N_FEAT + j] = (float)(u - 0.5 + (j == (size_t)y[i] ? 2 : 0));
        }
    }
    forget_dataset *d = NULL;
    CHECK(forget_dataset_create(&d, g_rows, N_FEAT, x, y, ids) == FORGET_OK,
          "dataset");
    free(x);
    free(y);
    free(ids);
    return d;
}

static forget_model *make_template(void)
{
    forget_model *m = NULL;
    CHECK(forget_model_create(&m, "mlp", "layers=6-8-3 seed=3") == FORGET_OK,
          "template");
    return m;
}

/* Model file version v: the template's weights, weight 0 set to v and
 * every weight shifted by v / 1024, so a mix of two versions is seen. */
static void version_params(const forget_model *t, uint32_t v, float *p)
{
    size_t n = forget_model_param_count(t);
    forget_model_get_params(t, p, n);
    for (size_t i = 1; i < n; i++)
        p[i] += (float)v / 1024.0f;
    p[0] = (float)v;
}

/* ---- the child ---- */

static void child(int ack_fd, uint64_t seed)
{
    forget_dataset *D = make_data();
    forget_model *t = make_template();
    forget_unlearner *u = NULL;
    if (forget_unlearner_load(&u, t, g_state) != FORGET_OK ||
        forget_unlearner_open_journal(u, g_journal, FORGET_JOURNAL_REPAIR) !=
            FORGET_OK) {
        fprintf(stderr, "crash child: %s\n", forget_last_error());
        _exit(2);
    }
    forget_model *m = NULL;
    if (forget_model_load(&m, g_model) != FORGET_OK)
        _exit(3);
    size_t n = forget_model_param_count(m);
    float *p = malloc(n * sizeof *p);
    uint32_t v = 0;
    forget_model_get_params(m, p, n);
    v = (uint32_t)p[0];
    const uint64_t *all = forget_dataset_ids(D);
    for (uint64_t step = 0;; step++) {
        /* ids not forgotten yet, chosen at random; stop at two thirds */
        uint64_t ids[3];
        size_t k = 1 + splitmix(&seed) % 3, got = 0;
        for (int tries = 0; got < k && tries < 200; tries++) {
            uint64_t id = all[splitmix(&seed) % g_rows];
            int f = 1;
            forget_unlearner_is_forgotten(u, id, &f);
            int dup = 0;
            for (size_t i = 0; i < got; i++)
                dup |= ids[i] == id;
            if (!f && !dup && (id - ID0) % 3 != 0)
                ids[got++] = id;
        }
        if (got > 0) {
            if (forget_unlearner_forget_ids(u, ids, got) != FORGET_OK)
                _exit(4);
            if (write(ack_fd, ids, got * sizeof *ids) !=
                (ssize_t)(got * sizeof *ids))
                _exit(5);
            if (forget_unlearner_save(u, g_state) != FORGET_OK)
                _exit(6);
        }
        if (step % 2 == 0 || got == 0) {
            version_params(t, ++v, p);
            if (forget_model_set_params(m, p, n) != FORGET_OK ||
                forget_model_save(m, g_model) != FORGET_OK)
                _exit(7);
        }
    }
}

/* ---- the parent ---- */

typedef struct tally {
    long rounds, model_versions_changed, redone, dropped_bytes, tmp_files;
    long acked, exact_checks, unacked_forgotten, store_checks;
    long swaps_refused;
} tally;

static unsigned char *g_ackeds[2]; /* per row: its id was acknowledged */

static void drain(int fd, tally *t)
{
    uint64_t id;
    ssize_t r;
    while ((r = read(fd, &id, sizeof id)) == (ssize_t)sizeof id) {
        CHECK(id >= ID0 && id < ID0 + g_rows, "acked id %llu",
              (unsigned long long)id);
        if (!g_acked[id - ID0])
            t->acked++;
        g_acked[id - ID0] = 1;
    }
}

/* Temporary files a kill left beside the targets (a successful save of
 * the same path removes them). */
static long count_tmp(void)
{
    DIR *d = opendir(g_dir);
    long n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        n += strstr(e->d_name, ".tmp-") != NULL;
    }
    if (d)
        closedir(d);
    return n;
}

/* After the recovered state was saved: one file per (shard, stage), of
 * sisa's name, nothing else. */
static void check_store(tally *tl)
{
    DIR *d = opendir(g_store);
    CHECK(d != NULL, "store %s", g_store);
    unsigned char seen[N_CKPT] = {0};
    long n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        unsigned sh, r;
        unsigned long long g;
        char canon[96];
        int ok = sscanf(e->d_name, "sisa-s%u-r%u-g%llu", &sh, &r, &g) == 3;
        if (ok)
            snprintf(canon, sizeof canon, "sisa-s%u-r%u-g%llu.ckpt", sh, r, g);
        CHECK(ok && !strcmp(canon, e->d_name) && sh < 4 && r < 3 &&
                  !seen[sh * 3 + r],
              "store holds '%s' beside the state's checkpoints", e->d_name);
        seen[sh * 3 + r] = 1;
        n++;
    }
    closedir(d);
    CHECK(n == N_CKPT, "store holds %ld checkpoint files, not %d", n, N_CKPT);
    tl->store_checks++;
}

/* A journal swap after the crash: the state on disk names its journal
 * (every state was saved with one from the start), so a typo, an empty
 * file or the other state's journal must be refused, leaving the paths
 * as they were, and the unlearner still takes its own journal after. */
static void check_swaps(forget_unlearner *u, tally *tl)
{
    char typo[700], empty[700];
    snprintf(typo, sizeof typo, "%s/deletions-typo.journal", g_dir);
    snprintf(empty, sizeof empty, "%s/deletions-empty.journal", g_dir);
    int fd = open(empty, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    CHECK(fd >= 0, "create an empty file");
    close(fd);
    struct stat st;
    const char *paths[3] = {typo, empty, g_journals[1 - g_cur]};
    for (int i = 0; i < 3; i++) {
        int rc = forget_unlearner_open_journal(u, paths[i],
                                               FORGET_JOURNAL_REPAIR);
        CHECK(rc == FORGET_E_STATE, "journal swap %d (%s) accepted or "
              "refused with %d", i, paths[i], rc);
        tl->swaps_refused++;
    }
    CHECK(stat(typo, &st) != 0 && errno == ENOENT, "a refused open "
          "created %s", typo);
    CHECK(stat(empty, &st) == 0 && st.st_size == 0, "a refused open wrote "
          "to %s", empty);
    unlink(empty);
}

static void verify(const forget_dataset *D, const forget_model *t,
                   uint32_t *last_v, int exact, tally *tl)
{
    /* the model file: one whole version */
    forget_model *m = NULL;
    CHECK(forget_model_load(&m, g_model) == FORGET_OK, "model file loads");
    size_t n = forget_model_param_count(m);
    float *p = malloc(n * sizeof *p), *want = malloc(n * sizeof *want);
    forget_model_get_params(m, p, n);
    uint32_t v = (uint32_t)p[0];
    CHECK((float)v == p[0] && v >= *last_v, "model version %g after %u",
          (double)p[0], *last_v);
    version_params(t, v, want);
    CHECK(memcmp(p, want, n * sizeof *p) == 0,
          "model file is not exactly version %u", v);
    tl->model_versions_changed += v != *last_v;
    *last_v = v;
    /* saved again as it is (removing what killed saves left beside it) */
    CHECK(forget_model_save(m, g_model) == FORGET_OK, "model save");
    free(p);
    free(want);
    forget_model_free(m);

    /* the state loads, its journal recovers, acknowledged ids are gone */
    forget_unlearner *u = NULL;
    CHECK(forget_unlearner_load(&u, (forget_model *)t, g_state) == FORGET_OK,
          "state file loads");
    check_swaps(u, tl);
    CHECK(forget_unlearner_open_journal(u, g_journal, FORGET_JOURNAL_REPAIR) ==
              FORGET_OK, "journal opens");
    double x = 0;
    forget_report_get(forget_unlearner_report(u), "journal_redone", &x);
    tl->redone += (long)x;
    forget_report_get(forget_unlearner_report(u), "journal_dropped_bytes", &x);
    tl->dropped_bytes += (long)x;
    uint64_t *gone = malloc(g_rows * sizeof *gone);
    size_t n_gone = 0;
    tl->unacked_forgotten = 0;
    for (size_t i = 0; i < g_rows; i++) {
        int f = 0;
        CHECK(forget_unlearner_is_forgotten(u, ID0 + i, &f) == FORGET_OK, "q");
        CHECK(!g_acked[i] || f, "acknowledged id %zu came back", ID0 + i);
        if (f)
            gone[n_gone++] = ID0 + i;
        tl->unacked_forgotten += f && !g_acked[i];
    }
    /* the recovered state is saved, as a host would, and checked exactly */
    CHECK(forget_unlearner_save(u, g_state) == FORGET_OK, "save");
    if (exact && n_gone > 0) {
        forget_dataset *rest = NULL;
        CHECK(forget_dataset_exclude_ids(&rest, D, gone, n_gone) == FORGET_OK,
              "exclude");
        forget_unlearner *s = NULL;
        CHECK(forget_unlearner_create(&s, "sisa", (forget_model *)t,
                                      g_cfgs[0]) == FORGET_OK, "create");
        CHECK(forget_unlearner_prepare(s, rest) == FORGET_OK, "scratch");
        unsigned char a[32], b[32];
        forget_model_digest(forget_unlearner_model(u), a);
        forget_model_digest(forget_unlearner_model(s), b);
        CHECK(memcmp(a, b, 32) == 0, "recovered ensemble differs from "
              "scratch training without the %zu forgotten ids", n_gone);
        tl->exact_checks++;
        forget_unlearner_free(s);
        forget_dataset_free(rest);
    }
    free(gone);
    forget_unlearner_free(u);
    if (g_cur == 1)
        check_store(tl);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: crash DIR ROUNDS [SEED]\n");
        return 2;
    }
    snprintf(g_dir, sizeof g_dir, "%s", argv[1]);
    long rounds = atol(argv[2]);
    if (rounds > 150)
        g_rows = 8 * (size_t)rounds;
    g_ackeds[0] = calloc(g_rows, 1);
    g_ackeds[1] = calloc(g_rows, 1);
    uint64_t seed = argc > 3 ? strtoull(argv[3], NULL, 10) : 1;
    mkdir(g_dir, 0700);
    snprintf(g_model, sizeof g_model, "%s/model.fgm", g_dir);
    snprintf(g_store, sizeof g_store, "%s/store", g_dir);
    mkdir(g_store, 0700);
    for (g_cur = 0; g_cur < 2; g_cur++) {
        snprintf(g_state, sizeof g_state, "%s/state%d.fgu", g_dir, g_cur);
        snprintf(g_journal, sizeof g_journal, "%s/deletions%d.journal",
                 g_dir, g_cur);
        unlink(g_journal);
    }
    snprintf(g_cfgs[0], sizeof g_cfgs[0], "%s", SISA_CFG);
    snprintf(g_cfgs[1], sizeof g_cfgs[1], "%s store=\"%s\"", SISA_CFG,
             g_store);
    CHECK(forget_init() == FORGET_OK, "init");
    forget_dataset *D = make_data();
    forget_model *t = make_template();
    for (g_cur = 0; g_cur < 2; g_cur++) {
        forget_unlearner *u = NULL;
        CHECK(forget_unlearner_create(&u, "sisa", t, g_cfgs[g_cur]) ==
                      FORGET_OK &&
                  forget_unlearner_prepare(u, D) == FORGET_OK &&
                  forget_unlearner_open_journal(u, g_journal, 0) ==
                      FORGET_OK &&
                  forget_unlearner_save(u, g_state) == FORGET_OK,
              "initial state, saved with its journal");
        forget_unlearner_free(u);
    }
    {
        forget_model *m = NULL;
        size_t n = forget_model_param_count(t);
        float *p = malloc(n * sizeof *p);
        version_params(t, 0, p);
        CHECK(forget_model_clone(&m, t) == FORGET_OK &&
                  forget_model_set_params(m, p, n) == FORGET_OK &&
                  forget_model_save(m, g_model) == FORGET_OK, "model v0");
        free(p);
        forget_model_free(m);
    }
    tally tl;
    memset(&tl, 0, sizeof tl);
    uint32_t last_v = 0;
    uint64_t rng = seed;
    for (long r = 0; r < rounds; r++) {
        g_cur = (int)(r % 2);
        int fds[2];
        CHECK(pipe2(fds, O_CLOEXEC) == 0, "pipe");
        pid_t pid = fork();
        CHECK(pid >= 0, "fork");
        if (pid == 0) {
            close(fds[0]);
            child(fds[1], seed * 1000003u + (uint64_t)r);
        }
        close(fds[1]);
        /* kill after 0..60 ms */
        struct timespec ts = {0, (long)(splitmix(&rng) % 60000000u)};
        nanosleep(&ts, NULL);
        kill(pid, SIGKILL);
        int status;
        CHECK(waitpid(pid, &status, 0) == pid, "wait");
        CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
              "the child ended on its own (status 0x%x)", status);
        drain(fds[0], &tl);
        close(fds[0]);
        tl.tmp_files += count_tmp();
        verify(D, t, &last_v, r % 10 >= 8 || r >= rounds - 2, &tl);
        long left = count_tmp();
        CHECK(left == 0, "%ld temporary files left after saving both "
              "targets", left);
        tl.rounds++;
    }
    printf("crash: %ld SIGKILLs, %ld ids acknowledged and all still "
           "forgotten after recovery (+%ld in flight finished by the "
           "journal), %ld requests redone, %ld bytes of cut-short appends "
           "repaired, %ld temporary files left by kills in a save (all removed by the next save of their path), model "
           "file a whole version every time (%ld new versions seen), %ld "
           "exact comparisons with scratch training, %ld checks of the "
           "store=DIR directory (one file per checkpoint, none superseded), "
           "%ld journal swaps refused: ok\n",
           tl.rounds, tl.acked, tl.unacked_forgotten, tl.redone,
           tl.dropped_bytes, tl.tmp_files, tl.model_versions_changed,
           tl.exact_checks, tl.store_checks, tl.swaps_refused);
    forget_model_free(t);
    forget_dataset_free(D);
    CHECK(forget_shutdown() == FORGET_OK, "shutdown");
    free(g_ackeds[0]);
    free(g_ackeds[1]);
    return 0;
}
