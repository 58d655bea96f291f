/* The tests of libforget-mpi (make check-mpi): one program run under
 * mpirun on 1 to 4 ranks. Every rank runs every test; CHECK counts a
 * failure on the rank that sees it, and main sums them over the ranks. */
#ifndef FORGET_MPI_TEST_H
#define FORGET_MPI_TEST_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <forget/forget.h>
#include <forget/forget_mpi.h>

extern int g_rank, g_size, g_checks, g_failures;

#define CHECK(cond)                                                        \
    do {                                                                   \
        g_checks++;                                                        \
        if (!(cond)) {                                                     \
            g_failures++;                                                  \
            fprintf(stderr, "rank %d of %d: %s:%d: CHECK failed: %s "     \
                    "(last error: %s)\n", g_rank, g_size, __FILE__,        \
                    __LINE__, #cond, forget_last_error());                 \
        }                                                                  \
    } while (0)
#define CHECK_OK(call) CHECK((call) == FORGET_OK)

/* A test program's start (MPI_Init, g_rank and g_size, one thread,
 * forget_init) and end (the checks summed over the ranks and printed on
 * rank 0 after what, forget_shutdown, MPI_Finalize; returns main's exit
 * status). */
void mpi_test_begin(int *argc, char ***argv);
int mpi_test_end(const char *what);

/* A communicator table over MPI_COMM_WORLD (timeout 60 s). */
forget_comm *world_comm(void);
/* 1 when every rank holds the same n bytes at p. */
int same_on_all_ranks(const void *p, size_t n);

/* n rows of d features in classes classes, the same on every rank
 * (seeded), ids 1000 + 7 i. */
forget_dataset *make_rows(size_t n, size_t d, size_t classes,
                          uint64_t seed);
/* The rows of ds this rank holds: row i on rank i mod size. */
forget_dataset *my_rows(const forget_dataset *ds);
/* This rank's rows among the listed ids. */
forget_dataset *my_rows_of(const forget_dataset *ds, const uint64_t *ids,
                           size_t n);

/* The float64 head of an analytic model (section HEAD of its file):
 * malloc'ed, *n values. */
double *analytic_head(const forget_model *m, size_t *n);
/* max |a - b| / max |b| */
double rel_diff(const double *a, const double *b, size_t n);

void test_comm(void);
void test_analytic(void);
void test_ssd(void);
void test_sisa(void);
void test_refusals(void);

#endif
