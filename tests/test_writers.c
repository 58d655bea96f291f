/* One writer at a time, and writers that never destroy each other: the
 * public lock (forget_lock_path) against other processes and handles,
 * across saves, links and deaths; concurrent saves of one path from many
 * processes; the sweep of temporary files that removes only those of
 * writers provably gone; saves through symbolic links. */
#include <dirent.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"

/* tmp_path's answer is overwritten by its next call: a copy */
static char *tmp_copy(const char *name)
{
    char *p = strdup(tmp_path(name));
    ck_assert_ptr_nonnull(p);
    return p;
}

static int exit_status(pid_t pid)
{
    int st = 0;
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 100 + WTERMSIG(st);
}

/* Another process asks for the lock: 0 granted, 1 refused as held
 * (FORGET_E_STATE naming the lock file), 2 another failure. */
static int other_process_locks(const char *path, uint32_t flags)
{
    fflush(NULL);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        forget_lock *l = NULL;
        int r = forget_lock_path(&l, path, flags | FORGET_LOCK_NOWAIT);
        _exit(r == FORGET_OK ? 0
              : r == FORGET_E_STATE && strstr(forget_last_error(), ".lock")
                  ? 1 : 2);
    }
    return exit_status(pid);
}

/* A linear model whose parameters all equal value (no assertions: for
 * threads too). */
static int valued(forget_model **out, const char *params, float value)
{
    forget_model *m = NULL;
    int r = forget_model_create(&m, "linear", params);
    size_t n = r == FORGET_OK ? forget_model_param_count(m) : 0;
    float *p = malloc((n ? n : 1) * sizeof *p);
    for (size_t i = 0; i < n && p; i++)
        p[i] = value;
    if (r == FORGET_OK)
        r = p ? forget_model_set_params(m, p, n) : FORGET_E_NOMEM;
    free(p);
    if (r != FORGET_OK)
        forget_model_free(m);
    else
        *out = m;
    return r;
}

static forget_model *model_valued(const char *params, float value)
{
    forget_model *m = NULL;
    ck_assert_int_eq(valued(&m, params, value), FORGET_OK);
    return m;
}

/* Entries of a folder other than ".", ".." and keep. */
static int other_files(const char *dir, const char *keep)
{
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    struct dirent *e;
    int others = 0;
    while ((e = readdir(d)) != NULL)
        others += strcmp(e->d_name, ".") != 0 &&
                  strcmp(e->d_name, "..") != 0 && strcmp(e->d_name, keep) != 0;
    closedir(d);
    return others;
}

static void save_valued(const char *path, float value)
{
    forget_model *m = model_valued("inputs=3 outputs=2", value);
    ck_assert_int_eq(forget_model_save(m, path), FORGET_OK);
    forget_model_free(m);
}

/* The value every parameter of the model saved at path holds; NAN when
 * they differ (a mix of versions). */
static float saved_value(const char *path)
{
    forget_model *m = NULL;
    ck_assert_msg(forget_model_load(&m, path) == FORGET_OK, "%s: %s", path,
                  forget_last_error());
    size_t n = forget_model_param_count(m);
    float *p = malloc(n * sizeof *p);
    ck_assert_int_eq(forget_model_get_params(m, p, n), FORGET_OK);
    float v = p[0];
    for (size_t i = 1; i < n; i++)
        if (p[i] != v)
            v = NAN;
    free(p);
    forget_model_free(m);
    return v;
}

START_TEST(lock_excludes_other_writers)
{
    char *p = tmp_copy("w-state.bin"), *lockfile = tmp_copy("w-state.bin.lock");
    forget_lock *a = NULL, *b = NULL;
    ck_assert_int_eq(forget_lock_path(&a, p, 0), FORGET_OK);
    ck_assert_int_eq(access(lockfile, F_OK), 0);
    ck_assert_int_eq(other_process_locks(p, 0), 1);
    ck_assert_int_eq(other_process_locks(p, FORGET_LOCK_SHARED), 1);
    /* a second handle in this process conflicts too; *out untouched */
    ck_assert_int_eq(forget_lock_path(&b, p, FORGET_LOCK_NOWAIT),
                     FORGET_E_STATE);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), lockfile));
    ck_assert_ptr_null(b);
    /* saves rename new files over the path: the lock stays */
    save_valued(p, 1);
    save_valued(p, 2);
    ck_assert_int_eq(other_process_locks(p, 0), 1);
    /* a symbolic link to the file names the same lock */
    char *alias = tmp_copy("w-alias.bin");
    ck_assert_int_eq(symlink("w-state.bin", alias), 0);
    ck_assert_int_eq(other_process_locks(alias, 0), 1);
    forget_lock_release(a);
    ck_assert_int_eq(other_process_locks(p, 0), 0);
    ck_assert_int_eq(other_process_locks(alias, 0), 0);
    ck_assert_int_eq(access(lockfile, F_OK), 0); /* never deleted */
    /* shared locks coexist and exclude an exclusive one */
    ck_assert_int_eq(forget_lock_path(&a, alias, FORGET_LOCK_SHARED),
                     FORGET_OK);
    ck_assert_int_eq(other_process_locks(p, FORGET_LOCK_SHARED), 0);
    ck_assert_int_eq(other_process_locks(p, 0), 1);
    forget_lock_release(a);
    forget_lock_release(NULL);
    free(alias);
    free(lockfile);
    free(p);
}
END_TEST

START_TEST(lock_waits_and_dies_with_its_process)
{
    char *p = tmp_copy("w-wait.bin");
    forget_lock *a = NULL;
    ck_assert_int_eq(forget_lock_path(&a, p, 0), FORGET_OK);
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    fflush(NULL);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) { /* waits, then says so */
        forget_lock *l = NULL;
        int r = forget_lock_path(&l, p, 0);
        _exit(r == FORGET_OK && write(fds[1], "x", 1) == 1 ? 0 : 2);
    }
    close(fds[1]);
    struct pollfd pf = {fds[0], POLLIN, 0};
    ck_assert_int_eq(poll(&pf, 1, 300), 0); /* still waiting */
    forget_lock_release(a);
    ck_assert_int_eq(poll(&pf, 1, 20000), 1); /* granted once released */
    ck_assert_int_eq(exit_status(pid), 0);
    close(fds[0]);
    /* a process killed while holding it: the kernel releases the lock */
    fflush(NULL);
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        forget_lock *l = NULL;
        if (forget_lock_path(&l, p, 0) == FORGET_OK)
            raise(SIGKILL);
        _exit(2);
    }
    ck_assert_int_eq(exit_status(pid), 100 + SIGKILL);
    ck_assert_int_eq(forget_lock_path(&a, p, FORGET_LOCK_NOWAIT), FORGET_OK);
    forget_lock_release(a);
    free(p);
}
END_TEST

START_TEST(lock_refuses_bad_arguments_and_files)
{
    forget_lock *l = NULL;
    char *p = tmp_copy("w-args.bin");
    ck_assert_int_eq(forget_lock_path(NULL, p, 0), FORGET_E_INVALID);
    ck_assert_int_eq(forget_lock_path(&l, NULL, 0), FORGET_E_INVALID);
    ck_assert_int_eq(forget_lock_path(&l, "", 0), FORGET_E_INVALID);
    ck_assert_int_eq(forget_lock_path(&l, p, 4), FORGET_E_INVALID);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "flags"));
    ck_assert_int_eq(forget_lock_path(&l, "/nonexistent/dir/x", 0),
                     FORGET_E_IO);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "/nonexistent/dir/x.lock"));
    /* a lock file that is a FIFO (no hang) or a link is refused */
    ck_assert_int_eq(mkfifo(tmp_path("w-fifo.lock"), 0600), 0);
    ck_assert_int_eq(forget_lock_path(&l, tmp_path("w-fifo"), 0), FORGET_E_IO);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "not a regular file"));
    ck_assert_int_eq(symlink("/tmp/elsewhere", tmp_path("w-link.lock")), 0);
    ck_assert_int_eq(forget_lock_path(&l, tmp_path("w-link"), 0), FORGET_E_IO);
    ck_assert_int_ne(access("/tmp/elsewhere", F_OK), 0);
    /* a loop of links */
    ck_assert_int_eq(symlink("w-loop2", tmp_path("w-loop1")), 0);
    ck_assert_int_eq(symlink("w-loop1", tmp_path("w-loop2")), 0);
    ck_assert_int_eq(forget_lock_path(&l, tmp_path("w-loop1"), 0),
                     FORGET_E_IO);
    ck_assert_ptr_null(l);
    free(p);
}
END_TEST

/* WRITERS processes save one path SAVES times each, at once, while this
 * one reads it: every save succeeds, every read finds one whole version
 * (all parameters from one save), and no temporary file is left. */
#define WRITERS 4
#define SAVES 40
#define CONC_PARAMS "inputs=400 outputs=10"
START_TEST(concurrent_saves_never_destroy_each_other)
{
    ck_assert_int_eq(mkdir(tmp_path("w-conc"), 0700), 0);
    char *p = tmp_copy("w-conc/m.fgm");
    const char *params = CONC_PARAMS;
    forget_model *m0 = model_valued(params, -1);
    ck_assert_int_eq(forget_model_save(m0, p), FORGET_OK);
    forget_model_free(m0);
    pid_t pids[WRITERS];
    fflush(NULL);
    for (int w = 0; w < WRITERS; w++) {
        pids[w] = fork();
        ck_assert_int_ge(pids[w], 0);
        if (pids[w] == 0) {
            int failed = 0;
            for (int k = 0; k < SAVES; k++) {
                forget_model *m = model_valued(params, (float)(w * 1000 + k));
                if (forget_model_save(m, p) != FORGET_OK) {
                    fprintf(stderr, "writer %d save %d: %s\n", w, k,
                            forget_last_error());
                    failed++;
                }
                forget_model_free(m);
            }
            _exit(failed > 250 ? 250 : failed);
        }
    }
    int reads = 0, running = WRITERS, failures = 0;
    while (running > 0) {
        float v = saved_value(p);
        ck_assert_msg(v == -1 || (v >= 0 && (int)v % 1000 < SAVES &&
                                  (int)v / 1000 < WRITERS),
                      "read %d: not one whole version (%g)", reads, (double)v);
        reads++;
        running = 0;
        for (int w = 0; w < WRITERS; w++) {
            int st;
            if (pids[w] > 0 && waitpid(pids[w], &st, WNOHANG) == pids[w]) {
                ck_assert(WIFEXITED(st));
                failures += WEXITSTATUS(st);
                pids[w] = 0;
            }
            running += pids[w] > 0;
        }
    }
    ck_assert_msg(failures == 0, "%d of %d concurrent saves failed", failures,
                  WRITERS * SAVES);
    float v = saved_value(p);
    ck_assert_msg(v >= 0 && (int)v % 1000 == SAVES - 1,
                  "the last version is not some writer's last save: %g",
                  (double)v);
    ck_assert_int_eq(other_files(tmp_path("w-conc"), "m.fgm"), 0);
    free(p);
}
END_TEST

/* The same from threads of one process (one pid: a save never sweeps
 * another thread's temporary file). */
typedef struct saver {
    const char *path;
    int index, failed;
} saver;

static void *save_many(void *arg)
{
    saver *s = arg;
    for (int k = 0; k < SAVES; k++) {
        forget_model *m = NULL;
        if (valued(&m, CONC_PARAMS, (float)(s->index * 1000 + k)) !=
                FORGET_OK ||
            forget_model_save(m, s->path) != FORGET_OK)
            s->failed++;
        forget_model_free(m);
    }
    return NULL;
}

START_TEST(concurrent_saves_from_threads)
{
    ck_assert_int_eq(mkdir(tmp_path("w-threads"), 0700), 0);
    char *p = tmp_copy("w-threads/m.fgm");
    pthread_t th[WRITERS];
    saver sv[WRITERS];
    for (int w = 0; w < WRITERS; w++) {
        sv[w] = (saver){p, w, 0};
        ck_assert_int_eq(pthread_create(&th[w], NULL, save_many, &sv[w]), 0);
    }
    int failed = 0;
    for (int w = 0; w < WRITERS; w++) {
        ck_assert_int_eq(pthread_join(th[w], NULL), 0);
        failed += sv[w].failed;
    }
    ck_assert_msg(failed == 0, "%d of %d saves from threads failed", failed,
                  WRITERS * SAVES);
    float v = saved_value(p);
    ck_assert(v >= 0 && (int)v % 1000 == SAVES - 1);
    ck_assert_int_eq(other_files(tmp_path("w-threads"), "m.fgm"), 0);
    free(p);
}
END_TEST

static pid_t dead_pid(void)
{
    fflush(NULL);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0)
        _exit(0);
    ck_assert_int_eq(exit_status(pid), 0);
    return pid;
}

static void touch(const char *dir, const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    write_file(path, "old", 3);
}

static int exists(const char *dir, const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return access(path, F_OK) == 0;
}

/* A save removes the temporary files of earlier saves of the same path
 * whose writer is provably gone (they may hold data deleted since):
 * exactly "BASE.tmp-PID-HEX16", its process gone and its lock free.
 * Everything else stays: a user's "BASE.tmp-abcdef", names of another
 * shape or path, files of live processes, files someone holds locked. */
START_TEST(sweep_removes_only_dead_writers_files)
{
    ck_assert_int_eq(mkdir(tmp_path("w-sweep"), 0700), 0);
    char *dir = tmp_copy("w-sweep"), *target = tmp_copy("w-sweep/m.fgm");
    pid_t dead = dead_pid(), dead2 = dead_pid();
    fflush(NULL);
    pid_t live = fork();
    ck_assert_int_ge(live, 0);
    if (live == 0) {
        pause();
        _exit(0);
    }
    char gone[2][64], keep[12][64];
    snprintf(gone[0], 64, "m.fgm.tmp-%d-0123456789abcdef", (int)dead);
    snprintf(gone[1], 64, "m.fgm.tmp-%d-ffffffffffffffff", (int)dead2);
    snprintf(keep[0], 64, "m.fgm.tmp-abcdef");
    snprintf(keep[1], 64, "m.fgm.tmp-a1B2c3");
    snprintf(keep[2], 64, "m.fgm.tmp-%d-0123456789abcdeF", (int)dead);
    snprintf(keep[3], 64, "m.fgm.tmp-%d-0123456789abcde", (int)dead);
    snprintf(keep[4], 64, "m.fgm.tmp-%d-0123456789abcdef0", (int)dead);
    snprintf(keep[5], 64, "m.fgm.tmp-0%d-0123456789abcdef", (int)dead);
    snprintf(keep[6], 64, "n.fgm.tmp-%d-0123456789abcdef", (int)dead);
    snprintf(keep[7], 64, "m.fgm.tmp-%d-0123456789abcdef", (int)live);
    snprintf(keep[8], 64, "m.fgm.tmp-%d-0123456789abcdef", (int)getpid());
    snprintf(keep[9], 64, "m.fgm.tmp-1-0123456789abcdef");
    snprintf(keep[10], 64, "m.fgm.tmp-%d-1111111111111111", (int)dead);
    snprintf(keep[11], 64, "xm.fgm.tmp-%d-0123456789abcdef", (int)dead);
    for (int i = 0; i < 2; i++)
        touch(dir, gone[i]);
    for (int i = 0; i < 12; i++)
        touch(dir, keep[i]);
    /* keep[10]: a writer this process cannot see (another pid namespace
     * or host) still holds its lock */
    char held[1024];
    snprintf(held, sizeof held, "%s/%s", dir, keep[10]);
    int hfd = open(held, O_RDONLY | O_CLOEXEC);
    ck_assert_int_ge(hfd, 0);
    ck_assert_int_eq(flock(hfd, LOCK_EX), 0);
    save_valued(target, 5);
    for (int i = 0; i < 12; i++)
        ck_assert_msg(exists(dir, keep[i]), "%s swept", keep[i]);
    for (int i = 0; i < 2; i++)
        ck_assert_msg(!exists(dir, gone[i]), "%s not swept", gone[i]);
    ck_assert(saved_value(target) == 5);
    close(hfd);
    kill(live, SIGKILL);
    ck_assert_int_eq(exit_status(live), 100 + SIGKILL);
    free(target);
    free(dir);
}
END_TEST

static mode_t mode_of(const char *path)
{
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    return st.st_mode & 07777;
}

static int is_link(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0 && S_ISLNK(st.st_mode);
}

/* A save through a symbolic link (relative, absolute, a chain, dangling)
 * replaces its target, keeping the target's mode; the links stay. New
 * files get mode 0600. A loop of links is refused. */
START_TEST(saves_go_through_symbolic_links)
{
    ck_assert_int_eq(mkdir(tmp_path("w-links"), 0700), 0);
    ck_assert_int_eq(mkdir(tmp_path("w-links/sub"), 0700), 0);
    char *real = tmp_copy("w-links/real.fgm"), *rel = tmp_copy("w-links/rel.fgm"),
         *chain = tmp_copy("w-links/chain.fgm"),
         *abs = tmp_copy("w-links/sub/abs.fgm"),
         *dang = tmp_copy("w-links/dang.fgm"), *made = tmp_copy("w-links/made.fgm"),
         *loop = tmp_copy("w-links/loop.fgm");
    save_valued(real, 1);
    ck_assert_int_eq(mode_of(real), 0600);
    ck_assert_int_eq(chmod(real, 0640), 0);
    ck_assert_int_eq(symlink("real.fgm", rel), 0);
    ck_assert_int_eq(symlink("rel.fgm", chain), 0);
    ck_assert_int_eq(symlink(real, abs), 0);
    save_valued(rel, 2);
    ck_assert(is_link(rel));
    ck_assert(saved_value(real) == 2);
    ck_assert_int_eq(mode_of(real), 0640);
    save_valued(chain, 3);
    ck_assert(is_link(chain) && is_link(rel));
    ck_assert(saved_value(real) == 3);
    ck_assert_int_eq(chmod(real, 0444), 0);
    save_valued(abs, 4);
    ck_assert(is_link(abs));
    ck_assert(saved_value(real) == 4);
    ck_assert_int_eq(mode_of(real), 0444);
    /* the temporary file was written beside the target, not the link */
    ck_assert_int_eq(other_files(tmp_path("w-links/sub"), "abs.fgm"), 0);
    /* dangling: its target is made */
    ck_assert_int_eq(symlink("made.fgm", dang), 0);
    save_valued(dang, 5);
    ck_assert(is_link(dang));
    ck_assert(saved_value(made) == 5);
    ck_assert_int_eq(mode_of(made), 0600);
    /* a loop: refused, nothing made */
    ck_assert_int_eq(symlink("loop.fgm", loop), 0);
    forget_model *m = model_valued("inputs=3 outputs=2", 6);
    ck_assert_int_eq(forget_model_save(m, loop), FORGET_E_IO);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "loop.fgm"));
    forget_model_free(m);
    ck_assert(is_link(loop));
    free(real);
    free(rel);
    free(chain);
    free(abs);
    free(dang);
    free(made);
    free(loop);
}
END_TEST

Suite *suite_writers(void)
{
    Suite *s = suite_create("writers");
    TCase *tc = tcase_create("writers");
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, fixture_init, fixture_shutdown);
    tcase_add_test(tc, lock_excludes_other_writers);
    tcase_add_test(tc, lock_waits_and_dies_with_its_process);
    tcase_add_test(tc, lock_refuses_bad_arguments_and_files);
    tcase_add_test(tc, concurrent_saves_never_destroy_each_other);
    tcase_add_test(tc, concurrent_saves_from_threads);
    tcase_add_test(tc, sweep_removes_only_dead_writers_files);
    tcase_add_test(tc, saves_go_through_symbolic_links);
    suite_add_tcase(s, tc);
    return s;
}
