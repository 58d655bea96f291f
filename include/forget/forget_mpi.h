/*
 * libforget-mpi — the communicator table (forget/backend.h) over MPI.
 *
 * A separate library (libforget-mpi.so, pkg-config forget-mpi) built with
 * the host's MPI: libforget itself never includes <mpi.h> nor links MPI.
 * MPI_Comm is a pointer in OpenMPI and an int in MPICH, so this library is
 * built against one of them, as the host is; forget_mpi_comm_fortran takes
 * the communicator's Fortran handle (an integer in every MPI: mpi4py's
 * comm.py2f()) for bindings that cannot name an MPI_Comm.
 *
 * Usage, on every rank (docs/MPI.md):
 *     forget_comm *c;
 *     forget_mpi_comm(&c, MPI_COMM_WORLD, 60.0);
 *     forget_unlearner_set_comm(u, c);
 *     ... prepare, forget, save on every rank ...
 *     forget_unlearner_free(u);
 *     forget_mpi_comm_free(c);
 */
#ifndef FORGET_MPI_H
#define FORGET_MPI_H

#include <mpi.h>
#include <stdint.h>

#include "backend.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifndef FORGET_MPI_API
#if defined(__GNUC__) || defined(__clang__)
#define FORGET_MPI_API __attribute__((visibility("default")))
#else
#define FORGET_MPI_API
#endif
#endif

/* A communicator table over a duplicate of comm (MPI_Comm_dup: libforget's
 * messages never mix with the host's), with MPI_ERRORS_RETURN on the
 * duplicate so that MPI errors come back as FORGET_E_IO with MPI's text.
 * Collective over comm: every rank calls it, the duplicate is made first,
 * then each rank allocates its table, then the ranks agree (one blocking
 * MPI_Allreduce on the duplicate): when any rank fails, every rank frees
 * what it made and returns the same code (FORGET_E_NOMEM for memory),
 * out untouched. The table allocates here everything its collectives
 * need, so that no collective allocates: with P > 1 ranks, a staging
 * area of P pieces of min(2 MiB, 16 MiB / P) bytes (the all-reduce's
 * scratch; at most 16 MiB), one more piece with a timeout, and 8 bytes
 * per rank.
 * timeout_seconds > 0 bounds every collective: each is non-blocking and
 * runs on the table's staging area only (the caller's bytes are copied
 * in before and out after it completes, in pieces); past the timeout the
 * call returns FORGET_E_IO ("timed out") instead of waiting for a rank
 * that died, and the table is broken from then on: the collective that
 * timed out stays pending in MPI with the staging area (never with the
 * caller's buffers), and every later call fails at once with FORGET_E_IO
 * naming it, without calling MPI (free the table). 0 waits as long as MPI
 * does, with MPI's blocking calls on the caller's buffers (no copies).
 * MPI must be initialised (MPI_THREAD_SINGLE or more: libforget calls MPI
 * from the calling thread only). FORGET_E_INVALID for a NULL out,
 * MPI_COMM_NULL, a NaN or negative timeout; FORGET_E_IO when MPI fails. */
FORGET_MPI_API int forget_mpi_comm(forget_comm **out, MPI_Comm comm,
                                   double timeout_seconds);
/* The same from comm's Fortran handle (MPI_Comm_c2f; mpi4py: py2f()). */
FORGET_MPI_API int forget_mpi_comm_fortran(forget_comm **out,
                                           int64_t fortran_handle,
                                           double timeout_seconds);
/* Free a table made by forget_mpi_comm (and MPI_Comm_free its duplicate;
 * call it before MPI_Finalize, after the unlearners using it are freed).
 * A broken table (a collective timed out) whose collective has completed
 * since (the late rank came) is freed whole; while it is still pending,
 * what MPI may complete it into is not freed: the staging area and the
 * duplicate communicator are left to MPI on purpose (at most 18 MiB per
 * such table, kept reachable until the process ends; OpenMPI loses the
 * communicator's own memory at MPI_Finalize). NULL: nothing. */
FORGET_MPI_API void forget_mpi_comm_free(forget_comm *comm);
/* Bytes this rank has sent through the table since it was made (payload
 * only, as the collectives' algorithms are MPI's: an all-gather counts its
 * own block once per other rank), for the cost model of docs/MPI.md. 0 for
 * NULL. */
FORGET_MPI_API uint64_t forget_mpi_comm_bytes_sent(const forget_comm *comm);

#ifdef __cplusplus
}
#endif

#endif /* FORGET_MPI_H */
