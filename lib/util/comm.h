/* Communicators (forget_comm, backend.h): the built-in single-process
 * table, checking a host's table, and the collectives as the methods use
 * them (statuses checked, messages set, agreement on failures). */
#ifndef FG_UTIL_COMM_H
#define FG_UTIL_COMM_H

#include <stddef.h>
#include <stdint.h>

#include "forget/backend.h"

/* The smallest table accepted: every field of ABI 1.2. */
#define FG_COMM_MIN_SIZE (offsetof(forget_comm, allreduce_sum) + \
                          sizeof(int (*)(void *, double *, size_t)))

/* Check a host's table and copy it into out (the fields this library
 * knows; struct_size set to ours). FORGET_E_INVALID naming what is
 * wrong. */
int fg_comm_copy(forget_comm *out, const forget_comm *comm);

/* 1 when comm has more than one rank. */
int fg_comm_multi(const forget_comm *comm);

/* The collectives with their statuses checked: a status that is not a
 * FORGET_E_* code becomes FORGET_E_IO; every failure gets a message
 * naming the collective (what = what it was moving). */
int fg_comm_barrier(const forget_comm *c, const char *what);
int fg_comm_broadcast(const forget_comm *c, void *data, size_t size,
                      int32_t root, const char *what);
int fg_comm_allreduce(const forget_comm *c, double *data, size_t count,
                      const char *what);

/* All-gather of blocks whose sizes only their ranks know: the sizes are
 * gathered first. *recv (allocated, at least 1 byte) holds the blocks in
 * rank order; sizes (optional, c->size entries, allocated) their sizes;
 * *total their sum. */
int fg_comm_allgatherv(const forget_comm *c, const void *send,
                       size_t send_size, void **recv, size_t **sizes,
                       size_t *total, const char *what);

/* Agreement on a local status: every rank passes its rc and gets the same
 * answer, FORGET_OK when every rank's rc was, else the code of the lowest
 * failing rank with its message ("rank R: ..."), on every rank. A failed
 * collective is returned as itself. Call it before a change that every
 * rank must make or none. */
int fg_comm_agree(const forget_comm *c, int rc);

/* Sums over ranks after an agreement on rc: on one rank, rc; else the
 * ranks agree on rc, then v (n doubles) becomes the sum over ranks (rank
 * order). */
int fg_comm_sum(const forget_comm *c, int rc, double *v, size_t n,
                const char *what);

/* Do all ranks hold the same size bytes at data (a model's digest)?
 * FORGET_E_INVALID naming what and the first rank that differs from rank
 * 0, the same on every rank. */
int fg_comm_same(const forget_comm *c, const void *data, size_t size,
                 const char *what);

#endif
