/* sisa on P ranks against one process: the same ensemble (model digest)
 * after prepare and after requests by ids and by rows; an id no rank
 * holds refused everywhere with nothing changed. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <forget/backend.h>

#include "mpi_test.h"

#define TEMPLATE "layers=6-12-4 seed=2"

static void same_model(const forget_unlearner *u, const forget_unlearner *r,
                       const char *when)
{
    unsigned char a[32], b[32];
    CHECK_OK(forget_model_digest(forget_unlearner_model(u), a));
    CHECK_OK(forget_model_digest(forget_unlearner_model(r), b));
    if (memcmp(a, b, 32) != 0)
        fprintf(stderr, "rank %d: sisa %s: not the single-process model\n",
                g_rank, when);
    CHECK(!memcmp(a, b, 32));
    CHECK(same_on_all_ranks(a, sizeof a));
}

static void run(const forget_dataset *all, forget_comm *c,
                const char *params)
{
    forget_model *t = NULL, *rt = NULL;
    CHECK_OK(forget_model_create(&t, "mlp", TEMPLATE));
    CHECK_OK(forget_model_create(&rt, "mlp", TEMPLATE));
    forget_unlearner *u = NULL, *ref = NULL;
    CHECK_OK(forget_unlearner_create(&u, "sisa", t, params));
    CHECK_OK(forget_unlearner_create(&ref, "sisa", rt, params));
    CHECK_OK(forget_unlearner_set_comm(u, c));
    forget_dataset *mine = my_rows(all);
    CHECK_OK(forget_unlearner_prepare(u, mine));
    CHECK_OK(forget_unlearner_prepare(ref, all));
    same_model(u, ref, "prepare");

    uint64_t ids[12]; /* the same on every rank */
    for (size_t j = 0; j < 12; j++)
        ids[j] = 1000 + 7 * (4 + 19 * j);
    CHECK_OK(forget_unlearner_forget_ids(u, ids, 12));
    CHECK_OK(forget_unlearner_forget_ids(ref, ids, 12));
    same_model(u, ref, "forget by ids");

    uint64_t more[5];
    for (size_t j = 0; j < 5; j++)
        more[j] = 1000 + 7 * (9 + 23 * j);
    forget_dataset *rows = my_rows_of(all, more, 5), *every = NULL;
    CHECK_OK(forget_dataset_subset_ids(&every, all, more, 5));
    CHECK_OK(forget_unlearner_forget(u, rows));
    CHECK_OK(forget_unlearner_forget(ref, every));
    same_model(u, ref, "forget by rows");

    unsigned char before[32], after[32];
    CHECK_OK(forget_model_digest(forget_unlearner_model(u), before));
    uint64_t bad[2] = {1000 + 7 * 100, 424242};
    CHECK(forget_unlearner_forget_ids(u, bad, 2) == FORGET_E_NOT_FOUND);
    if (g_size > 1) { /* another list on the last rank: refused on all */
        uint64_t one[1] = {g_rank == g_size - 1 ? 1000 + 7 * 120
                                                : 1000 + 7 * 121};
        CHECK(forget_unlearner_forget_ids(u, one, 1) == FORGET_E_INVALID);
    }
    CHECK_OK(forget_model_digest(forget_unlearner_model(u), after));
    CHECK(!memcmp(before, after, 32));

    /* every rank saves its part and loads it back: refused until the
     * table is attached again (same rank and size), then the requests go
     * on, still the single-process model */
    unsigned char *old = NULL; /* this rank's part before the last request */
    size_t old_size = 0;
    {
        forget_unlearner_save_buffer(u, NULL, 0, &old_size);
        old = malloc(old_size);
        CHECK_OK(forget_unlearner_save_buffer(u, old, old_size, &old_size));
        forget_unlearner *lu = NULL;
        CHECK_OK(forget_unlearner_load_buffer(&lu, t, old, old_size));
        uint64_t next[2] = {1000 + 7 * 101, 1000 + 7 * 150};
        if (g_size > 1) {
            CHECK(forget_unlearner_forget_ids(lu, next, 2) == FORGET_E_STATE);
            forget_comm *self = NULL;
            CHECK_OK(forget_mpi_comm(&self, MPI_COMM_SELF, 60.0));
            CHECK_OK(forget_unlearner_set_comm(lu, self)); /* detached */
            CHECK(forget_unlearner_forget_ids(lu, next, 2) == FORGET_E_STATE);
            forget_mpi_comm_free(self);
        }
        CHECK_OK(forget_unlearner_set_comm(lu, c));
        CHECK_OK(forget_unlearner_forget_ids(lu, next, 2));
        CHECK_OK(forget_unlearner_forget_ids(ref, next, 2));
        same_model(lu, ref, "forget after save and load");
        forget_unlearner_free(u);
        u = lu;
    }
    /* rank 0 loads a part older than the others': not one state, refused
     * on every rank */
    if (g_size > 1) {
        size_t now_size = 0;
        forget_unlearner_save_buffer(u, NULL, 0, &now_size);
        unsigned char *now = malloc(now_size);
        CHECK_OK(forget_unlearner_save_buffer(u, now, now_size, &now_size));
        forget_unlearner *mix = NULL;
        CHECK_OK(forget_unlearner_load_buffer(&mix, t, g_rank ? now : old,
                                              g_rank ? now_size : old_size));
        CHECK(forget_unlearner_set_comm(mix, c) == FORGET_E_STATE);
        CHECK(strstr(forget_last_error(), "not parts of one state") != NULL);
        forget_unlearner_free(mix);
        free(now);
    }
    free(old);
    forget_dataset_free(rows);
    forget_dataset_free(every);
    forget_dataset_free(mine);
    forget_unlearner_free(u);
    forget_unlearner_free(ref);
    forget_model_free(t);
    forget_model_free(rt);
}

/* store=DIR on many ranks sharing one directory: each rank writes (and
 * sweeps, and recovers) only its own shards' checkpoint files. */
static void run_store(const forget_dataset *all, forget_comm *c)
{
    const char *dir = "build/mpi-sisa-store";
    char refdir[128], params[256], refparams[256], part[160];
    snprintf(refdir, sizeof refdir, "%s-ref-%d", dir, g_rank);
    if (g_rank == 0) {
        CHECK(system("rm -rf build/mpi-sisa-store && "
                     "mkdir -p build/mpi-sisa-store") == 0);
    }
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s && mkdir -p %s", refdir, refdir);
    CHECK(system(cmd) == 0);
    MPI_Barrier(MPI_COMM_WORLD);
    const char *common = "shards=5 slices=2 epochs=2 seed=3 threads=1";
    snprintf(params, sizeof params, "%s store=%s", common, dir);
    snprintf(refparams, sizeof refparams, "%s store=%s", common, refdir);
    forget_model *t = NULL, *rt = NULL;
    CHECK_OK(forget_model_create(&t, "mlp", TEMPLATE));
    CHECK_OK(forget_model_create(&rt, "mlp", TEMPLATE));
    forget_unlearner *u = NULL, *ref = NULL;
    CHECK_OK(forget_unlearner_create(&u, "sisa", t, params));
    CHECK_OK(forget_unlearner_create(&ref, "sisa", rt, refparams));
    CHECK_OK(forget_unlearner_set_comm(u, c));
    forget_dataset *mine = my_rows(all);
    CHECK_OK(forget_unlearner_prepare(u, mine));
    CHECK_OK(forget_unlearner_prepare(ref, all));
    same_model(u, ref, "store: prepare");
    uint64_t ids[6];
    for (size_t j = 0; j < 6; j++)
        ids[j] = 1000 + 7 * (2 + 37 * j);
    CHECK_OK(forget_unlearner_forget_ids(u, ids, 6));
    CHECK_OK(forget_unlearner_forget_ids(ref, ids, 6));
    same_model(u, ref, "store: forget");
    snprintf(part, sizeof part, "%s/part.%d", dir, g_rank);
    CHECK_OK(forget_unlearner_save(u, part));
    forget_unlearner_free(u);
    MPI_Barrier(MPI_COMM_WORLD);
    /* rank 0 loses the last checkpoint of its shard 0: its load retrains
     * it, and no rank's load sweeps another rank's files */
    if (g_rank == 0)
        CHECK(system("rm -f build/mpi-sisa-store/sisa-s0-r1-g*.ckpt") == 0);
    MPI_Barrier(MPI_COMM_WORLD);
    /* the other ranks load first, rank 0 (and its sweep) last */
    forget_unlearner *lu = NULL;
    if (g_rank > 0)
        CHECK_OK(forget_unlearner_load(&lu, t, part));
    MPI_Barrier(MPI_COMM_WORLD);
    if (g_rank == 0)
        CHECK_OK(forget_unlearner_load(&lu, t, part));
    CHECK_OK(forget_unlearner_set_comm(lu, c));
    /* one id at a time: a request in a shard's last slice starts from the
     * checkpoint before it, which its owner must still have */
    for (size_t j = 0; j < 8; j++) {
        uint64_t one = 1000 + 7 * (5 + 29 * j);
        CHECK_OK(forget_unlearner_forget_ids(lu, &one, 1));
        CHECK_OK(forget_unlearner_forget_ids(ref, &one, 1));
    }
    same_model(lu, ref, "store: forget after load and recovery");
    forget_unlearner_free(lu);
    forget_unlearner_free(ref);
    forget_model_free(t);
    forget_model_free(rt);
    forget_dataset_free(mine);
}

void test_sisa(void)
{
    forget_comm *c = world_comm();
    forget_dataset *all = make_rows(240, 6, 4, 31);
    run(all, c, "shards=5 slices=2 epochs=2 seed=3 threads=1");
    run(all, c, "shards=3 slices=3 epochs=1:2:1 seed=4 threads=2");
    run_store(all, c);
    forget_dataset_free(all);
    forget_mpi_comm_free(c);
}
