/* analytic on P ranks against one process on the union of the rows: the
 * head equal to 1e-12 relative, bit-identical on every rank, after
 * prepare, after requests by rows and by ids, after save and load; a
 * request that one rank refuses is refused on all, nothing changed. */
#include <stdlib.h>
#include <string.h>

#include <forget/backend.h>

#include "mpi_test.h"

#define MODEL "inputs=10 outputs=3 features=random width=60 seed=3 gamma=0.5"

typedef struct pair {
    forget_model *m, *ref_m; /* on P ranks; one process, all rows */
    forget_unlearner *u, *ref;
} pair;

static void digest_of(const forget_unlearner *u, unsigned char d[32])
{
    CHECK_OK(forget_model_digest(forget_unlearner_model(u), d));
}

/* The head of P ranks against one process's, and the same on all ranks. */
static void check_equal(const pair *p, const char *when)
{
    size_t n = 0, nr = 0;
    double *a = analytic_head(forget_unlearner_model(p->u), &n);
    double *b = analytic_head(forget_unlearner_model(p->ref), &nr);
    CHECK(n == nr && n > 0);
    double e = a && b && n == nr ? rel_diff(a, b, n) : 1.0;
    if (!(e <= 1e-12))
        fprintf(stderr, "rank %d: %s: relative difference %g\n", g_rank,
                when, e);
    CHECK(e <= 1e-12);
    unsigned char d[32];
    digest_of(p->u, d);
    CHECK(same_on_all_ranks(d, sizeof d));
    free(a);
    free(b);
}

static void pair_make(pair *p, const forget_dataset *all, const char *params,
                      forget_comm *c)
{
    CHECK_OK(forget_model_create(&p->m, "analytic", MODEL));
    CHECK_OK(forget_model_create(&p->ref_m, "analytic", MODEL));
    CHECK_OK(forget_unlearner_create(&p->u, "analytic", p->m, params));
    CHECK_OK(forget_unlearner_create(&p->ref, "analytic", p->ref_m, params));
    CHECK_OK(forget_unlearner_set_comm(p->u, c));
    CHECK(forget_unlearner_comm(p->u)->size == g_size);
    forget_dataset *mine = my_rows(all);
    CHECK_OK(forget_unlearner_prepare(p->u, mine));
    CHECK_OK(forget_unlearner_prepare(p->ref, all));
    forget_dataset_free(mine);
    check_equal(p, "prepare");
}

static void pair_free(pair *p)
{
    forget_unlearner_free(p->u);
    forget_unlearner_free(p->ref);
    forget_model_free(p->m);
    forget_model_free(p->ref_m);
}

/* Forget rows by rows: each rank passes those it holds. */
static void forget_rows(pair *p, const forget_dataset *all,
                        const uint64_t *ids, size_t n)
{
    forget_dataset *mine = my_rows_of(all, ids, n), *every = NULL;
    CHECK_OK(forget_dataset_subset_ids(&every, all, ids, n));
    CHECK_OK(forget_unlearner_forget(p->u, mine));
    CHECK_OK(forget_unlearner_forget(p->ref, every));
    forget_dataset_free(mine);
    forget_dataset_free(every);
}

static void by_rows(const forget_dataset *all, forget_comm *c)
{
    pair p;
    memset(&p, 0, sizeof p);
    pair_make(&p, all, "", c);
    uint64_t ids[30];
    for (size_t j = 0; j < 30; j++)
        ids[j] = 1000 + 7 * (5 + 11 * j);
    forget_rows(&p, all, ids, 30);
    check_equal(&p, "forget by rows");
    /* rows of rank 0 only: the other ranks pass none */
    uint64_t only0[3];
    for (size_t j = 0; j < 3; j++)
        only0[j] = 1000 + 7 * ((size_t)g_size * (40 + j));
    forget_rows(&p, all, only0, 3);
    check_equal(&p, "forget rows rank 0 holds");

    /* a row that differs from the one learned, on the last rank only:
     * every rank refuses, nothing changes anywhere */
    unsigned char before[32], after[32];
    digest_of(p.u, before);
    size_t at = (size_t)(50 * g_size + g_size - 1); /* on the last rank */
    while ((at - 5) % 11 == 0) /* not forgotten above */
        at += (size_t)g_size;
    uint64_t id = 1000 + 7 * at;
    forget_dataset *row = my_rows_of(all, &id, 1);
    if (g_rank == g_size - 1) {
        float x[10];
        CHECK_OK(forget_dataset_copy_rows(row, 0, 1, x, 10));
        x[3] += 1.0f;
        forget_dataset_free(row);
        int32_t label = forget_dataset_labels(all)[at];
        CHECK_OK(forget_dataset_create(&row, 1, 10, x, &label, &id));
    }
    CHECK(forget_unlearner_forget(p.u, row) == FORGET_E_INVALID);
    digest_of(p.u, after);
    CHECK(!memcmp(before, after, sizeof before));
    forget_dataset_free(row);
    check_equal(&p, "after a refused request");
    pair_free(&p);
}

static void by_ids(const forget_dataset *all, forget_comm *c)
{
    pair p;
    memset(&p, 0, sizeof p);
    pair_make(&p, all, "keep_rows=true", c);
    /* the same ids on every rank */
    uint64_t ids[25];
    for (size_t j = 0; j < 25; j++)
        ids[j] = 1000 + 7 * (3 + 13 * j);
    CHECK_OK(forget_unlearner_forget_ids(p.u, ids, 25));
    CHECK_OK(forget_unlearner_forget_ids(p.ref, ids, 25));
    check_equal(&p, "forget by ids");

    /* an id no rank holds: refused on every rank, nothing changed */
    unsigned char before[32], after[32];
    digest_of(p.u, before);
    uint64_t bad[2] = {1000 + 7 * 200, 999999};
    CHECK(forget_unlearner_forget_ids(p.u, bad, 2) == FORGET_E_NOT_FOUND);
    CHECK(strstr(forget_last_error(), "999999") != NULL);
    digest_of(p.u, after);
    CHECK(!memcmp(before, after, sizeof before));
    /* another list on rank 0: refused on every rank, nothing changed */
    if (g_size > 1) {
        uint64_t mine[1] = {g_rank == 0 ? 1000 + 7 * 210 : 1000 + 7 * 211};
        CHECK(forget_unlearner_forget_ids(p.u, mine, 1) == FORGET_E_INVALID);
        CHECK(strstr(forget_last_error(), "same ids on every rank") != NULL);
        digest_of(p.u, after);
        CHECK(!memcmp(before, after, sizeof before));
    }
    /* ids forgotten already, mixed with new ones, named twice */
    uint64_t more[4] = {ids[0], 1000 + 7 * 201, 1000 + 7 * 202,
                        1000 + 7 * 201};
    CHECK_OK(forget_unlearner_forget_ids(p.u, more, 4));
    CHECK_OK(forget_unlearner_forget_ids(p.ref, more, 4));
    check_equal(&p, "forget ids again");

    /* save and load every rank's part: refused until the communicator is
     * attached again, then requests go on as before */
    size_t ssize = 0, msize = 0;
    forget_unlearner_save_buffer(p.u, NULL, 0, &ssize);
    forget_model_save_buffer(forget_unlearner_model(p.u), NULL, 0, &msize);
    unsigned char *sbuf = malloc(ssize), *mbuf = malloc(msize);
    CHECK_OK(forget_unlearner_save_buffer(p.u, sbuf, ssize, &ssize));
    CHECK_OK(forget_model_save_buffer(forget_unlearner_model(p.u), mbuf,
                                      msize, &msize));
    forget_model *lm = NULL;
    forget_unlearner *lu = NULL;
    CHECK_OK(forget_model_load_buffer(&lm, mbuf, msize));
    CHECK_OK(forget_unlearner_load_buffer(&lu, lm, sbuf, ssize));
    uint64_t next[3] = {1000 + 7 * 250, 1000 + 7 * 251, 1000 + 7 * 252};
    if (g_size > 1) {
        CHECK(forget_unlearner_forget_ids(lu, next, 3) == FORGET_E_STATE);
        /* one rank's table detaches it: still refused */
        forget_comm *other = NULL;
        CHECK_OK(forget_mpi_comm(&other, MPI_COMM_SELF, 60.0));
        CHECK_OK(forget_unlearner_set_comm(lu, other));
        CHECK(forget_unlearner_forget_ids(lu, next, 3) == FORGET_E_STATE);
        forget_mpi_comm_free(other);
    }
    CHECK_OK(forget_unlearner_set_comm(lu, c));
    CHECK_OK(forget_unlearner_forget_ids(lu, next, 3));
    CHECK_OK(forget_unlearner_forget_ids(p.ref, next, 3));
    forget_unlearner_free(p.u);
    forget_model_free(p.m);
    p.u = lu;
    p.m = lm;
    check_equal(&p, "after save, load and a request");
    free(sbuf);
    free(mbuf);
    pair_free(&p);
}

static void learning(const forget_dataset *all, forget_comm *c)
{
    forget_model *m = NULL, *rm = NULL;
    forget_unlearner *u = NULL, *ref = NULL;
    CHECK_OK(forget_model_create(&m, "analytic", MODEL));
    CHECK_OK(forget_model_create(&rm, "analytic", MODEL));
    CHECK_OK(forget_unlearner_create(&u, "analytic", m, ""));
    CHECK_OK(forget_unlearner_create(&ref, "analytic", rm, ""));
    CHECK_OK(forget_unlearner_set_comm(u, c));
    uint64_t first[300], later[100];
    for (size_t i = 0; i < 300; i++)
        first[i] = forget_dataset_ids(all)[i];
    for (size_t i = 0; i < 100; i++)
        later[i] = forget_dataset_ids(all)[300 + i];
    forget_dataset *mine = my_rows_of(all, first, 300), *every = NULL;
    CHECK_OK(forget_dataset_subset_ids(&every, all, first, 300));
    CHECK_OK(forget_unlearner_prepare(u, mine));
    CHECK_OK(forget_unlearner_prepare(ref, every));
    forget_dataset_free(mine);
    forget_dataset_free(every);
    /* 100 new rows, each rank learning its own */
    mine = my_rows_of(all, later, 100);
    CHECK_OK(forget_dataset_subset_ids(&every, all, later, 100));
    CHECK_OK(forget_unlearner_learn(u, mine));
    CHECK_OK(forget_unlearner_learn(ref, every));
    pair p = {m, rm, u, ref};
    check_equal(&p, "learn");
    /* an id another rank holds: refused on every rank, nothing changed */
    if (g_size > 1) {
        unsigned char before[32], after[32];
        digest_of(u, before);
        uint64_t theirs = later[(size_t)(g_rank + 1) % (size_t)g_size];
        forget_dataset *one = NULL, *none = NULL;
        CHECK_OK(forget_dataset_subset_ids(&one, all, &theirs, 1));
        CHECK_OK(forget_dataset_create(&none, 0, 10, NULL, NULL, NULL));
        /* rank 0 learns rank 1's row; the others learn nothing */
        int rc = forget_unlearner_learn(u, g_rank == 0 ? one : none);
        CHECK(rc == FORGET_E_INVALID);
        digest_of(u, after);
        CHECK(!memcmp(before, after, sizeof before));
        forget_dataset_free(one);
        forget_dataset_free(none);
    }
    /* and forgetting learned rows goes on as before */
    forget_dataset_free(mine);
    forget_dataset_free(every);
    uint64_t gone[5] = {later[0], later[7], later[33], first[4], first[200]};
    mine = my_rows_of(all, gone, 5);
    CHECK_OK(forget_dataset_subset_ids(&every, all, gone, 5));
    CHECK_OK(forget_unlearner_forget(u, mine));
    CHECK_OK(forget_unlearner_forget(ref, every));
    check_equal(&p, "forget after learn");
    forget_dataset_free(mine);
    forget_dataset_free(every);
    pair_free(&p);
}

void test_analytic(void)
{
    forget_comm *c = world_comm();
    forget_dataset *all = make_rows(400, 10, 3, 11);
    by_rows(all, c);
    by_ids(all, c);
    learning(all, c);
    forget_dataset_free(all);
    forget_mpi_comm_free(c);
}
