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

/* A host's table as an unlearner holds it (comm_box.c): a checked copy
 * behind trampolines. On more than one rank the first collective whose
 * status is a failure breaks the box: every later collective fails at
 * once with FORGET_E_IO (nothing new is started that could meet a stale
 * one), and fg_comm_broken says so. The box also holds the per-rank
 * scratch of the agreements and all-gathers (P entries), so that these
 * allocate nothing a rank could fail alone. */
typedef struct fg_comm_box fg_comm_box;
int fg_comm_box_new(fg_comm_box **out, const forget_comm *host);
void fg_comm_box_free(fg_comm_box *b);
const forget_comm *fg_comm_box_table(const fg_comm_box *b);
int fg_comm_box_broken(const fg_comm_box *b); /* 0 for NULL */
/* Has a collective failed on c (a box's table; 0 for other tables)? */
int fg_comm_broken(const forget_comm *c);
/* A box's scratch (c->size entries each); 0 when c is not a box's. */
int fg_comm_scratch(const forget_comm *c, int32_t **codes, size_t **sizes,
                    uint64_t **u64);

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
