/* The fault test of libforget-mpi (tests/mpi/fault/fault.sh runs it):
 *   fault DIR crash    every rank prepares analytic on its rows, opens its
 *                      journal and saves its part; then the last rank is
 *                      killed (SIGKILL) in the middle of a request (from
 *                      its progress callback, after every rank recorded
 *                      the request). The survivors' request must fail
 *                      with FORGET_E_IO within the table's timeout, their
 *                      model unchanged, and their unlearner must refuse
 *                      what follows; each writes DIR/result.R:
 *                      "rc unchanged seconds".
 *   fault DIR restart  every rank loads its saved part, attaches the table
 *                      (the parts are checked to be of one state) and
 *                      opens its journal, which finishes the request on
 *                      every rank; the model must equal one process's on
 *                      all the rows (1e-12) and be the same on every rank.
 * Run under mpirun --enable-recovery (OpenMPI), so that the survivors are
 * not killed with the dead rank. */
#include <mpi.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <forget/backend.h>

#include "../mpi_test.h"

#define MODEL "inputs=10 outputs=3 features=random width=60 seed=3 gamma=0.5"
#define TIMEOUT 3.0

static char *path_of(const char *dir, const char *what)
{
    static char buf[4][512];
    static int k;
    char *p = buf[k++ % 4];
    snprintf(p, 512, "%s/%s.%d", dir, what, g_rank);
    return p;
}

static void request_ids(uint64_t *ids, size_t n)
{
    for (size_t j = 0; j < n; j++)
        ids[j] = 1000 + 7 * (2 + 9 * j);
}

/* The last rank's progress callback: it dies as the request's update is
 * planned, just before the ranks' last agreement. */
static int die_midway(double fraction, const char *stage, void *ud)
{
    (void)ud;
    if (!strcmp(stage, "forget") && fraction >= 0.9)
        raise(SIGKILL);
    return 0;
}

static int crash(const char *dir, forget_comm *c, const forget_dataset *all)
{
    forget_model *m = NULL;
    forget_unlearner *u = NULL;
    CHECK_OK(forget_model_create(&m, "analytic", MODEL));
    CHECK_OK(forget_unlearner_create(&u, "analytic", m, "keep_rows=true"));
    CHECK_OK(forget_unlearner_set_comm(u, c));
    forget_dataset *mine = my_rows(all);
    CHECK_OK(forget_unlearner_prepare(u, mine));
    CHECK_OK(forget_unlearner_open_journal(u, path_of(dir, "journal"), 0));
    CHECK_OK(forget_unlearner_save(u, path_of(dir, "state")));
    CHECK_OK(forget_model_save(m, path_of(dir, "model")));
    unsigned char before[32], after[32];
    CHECK_OK(forget_model_digest(m, before));
    CHECK_OK(c->barrier(c->user_data));
    if (g_rank == g_size - 1)
        CHECK_OK(forget_unlearner_set_progress(u, die_midway, NULL));
    uint64_t ids[20];
    request_ids(ids, 20);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int rc = forget_unlearner_forget_ids(u, ids, 20);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    CHECK_OK(forget_model_digest(m, after));
    /* the outcome elsewhere is unknown: this unlearner takes nothing more */
    CHECK(forget_unlearner_forget_ids(u, ids, 1) == FORGET_E_STATE);
    CHECK(forget_unlearner_save(u, path_of(dir, "late")) == FORGET_E_STATE);
    double dt = (double)(t1.tv_sec - t0.tv_sec) +
                1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    FILE *f = fopen(path_of(dir, "result"), "w");
    if (f) {
        fprintf(f, "%d %d %.2f\n", rc, !memcmp(before, after, 32), dt);
        fclose(f);
    }
    fprintf(stderr, "rank %d: the request returned %d (%s) after %.2f s\n",
            g_rank, rc, forget_last_error(), dt);
    _exit(g_failures ? 1 : 0); /* MPI cannot finalise with a dead rank */
}

static void restart(const char *dir, forget_comm *c, const forget_dataset *all)
{
    forget_model *m = NULL, *ref_m = NULL;
    forget_unlearner *u = NULL, *ref = NULL;
    CHECK_OK(forget_model_load(&m, path_of(dir, "model")));
    CHECK_OK(forget_unlearner_load(&u, m, path_of(dir, "state")));
    CHECK_OK(forget_unlearner_set_comm(u, c));
    uint64_t ids[20];
    request_ids(ids, 20);
    /* the journals finish the request every rank recorded */
    CHECK_OK(forget_unlearner_open_journal(u, path_of(dir, "journal"), 0));
    double redone = -1;
    CHECK_OK(forget_report_get(forget_unlearner_report(u), "journal_redone",
                               &redone));
    CHECK(redone == 1);
    for (size_t j = 0; j < 20; j++) {
        int f = 0;
        CHECK_OK(forget_unlearner_is_forgotten(u, ids[j], &f));
        CHECK(f == 1);
    }
    CHECK_OK(forget_model_create(&ref_m, "analytic", MODEL));
    CHECK_OK(forget_unlearner_create(&ref, "analytic", ref_m,
                                     "keep_rows=true"));
    CHECK_OK(forget_unlearner_prepare(ref, all));
    CHECK_OK(forget_unlearner_forget_ids(ref, ids, 20));
    size_t n = 0, nr = 0;
    double *a = analytic_head(m, &n), *b = analytic_head(ref_m, &nr);
    CHECK(n == nr && n > 0 && rel_diff(a, b, n) <= 1e-12);
    unsigned char d[32];
    CHECK_OK(forget_model_digest(m, d));
    CHECK(same_on_all_ranks(d, sizeof d));
    free(a);
    free(b);
    forget_unlearner_free(u);
    forget_unlearner_free(ref);
    forget_model_free(m);
    forget_model_free(ref_m);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &g_size);
    if (argc != 3 || forget_init() != FORGET_OK) {
        fprintf(stderr, "usage: fault DIR crash|restart\n");
        MPI_Abort(MPI_COMM_WORLD, 2);
    }
    forget_set_threads(1);
    forget_comm *c = NULL;
    CHECK_OK(forget_mpi_comm(&c, MPI_COMM_WORLD, TIMEOUT));
    forget_dataset *all = make_rows(300, 10, 3, 7);
    if (!strcmp(argv[2], "crash"))
        crash(argv[1], c, all);
    restart(argv[1], c, all);
    forget_dataset_free(all);
    forget_mpi_comm_free(c);
    int total = 0;
    MPI_Allreduce(&g_failures, &total, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    forget_shutdown();
    if (g_rank == 0)
        printf("  fault   restarted on %d ranks, the journals redid the "
               "request: %s\n", g_size,
               total ? "FAILED" : "equal to one process, the same on every "
                                  "rank");
    MPI_Finalize();
    return total == 0 ? 0 : 1;
}
