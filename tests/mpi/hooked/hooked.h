/* The tests of libforget-mpi's failure paths (make check-mpi): a program
 * built with lib/mpi/mpi_comm.c compiled in with FG_MPI_TEST_HOOKS, which
 * lets a test fail this rank's allocations and shrink the staging buffers
 * (neither exists in the shipped library). */
#ifndef FORGET_MPI_HOOKED_H
#define FORGET_MPI_HOOKED_H

#include "../mpi_test.h"

/* lib/mpi/mpi_comm.c under FG_MPI_TEST_HOOKS: allocations that may still
 * succeed before every later one fails (-1: no limit), and the staging
 * bytes of tables made from now on (0: the library's). */
extern long fg_mpi_test_alloc_budget;
extern size_t fg_mpi_test_stage_bytes;

/* A collective that times out on every rank but the last, which comes
 * late; the caller's buffers are never written after the call returned;
 * the broken table refuses every later call at once. free_buffers: free
 * them at once instead of watching them (for the valgrind run). */
void test_timeout(int free_buffers);
/* A rank failing an allocation at creation fails it on every rank; no
 * collective allocates; the staged pieces give the direct path's bytes. */
void test_alloc(void);
void test_staging(void);

#endif
