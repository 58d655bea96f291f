/* The retained budget of the fine-tuning methods: at prepare, a seeded
 * sample of the training rows is kept (the rows their steps descend on);
 * every prepared id is remembered with the fingerprints of its row, so
 * that a request naming an id never prepared is refused, a repeat is
 * counted, and a request whose rows differ from the rows learned is
 * refused. A request drops its rows from the sample; rows outside the
 * sample are just marked gone. Saved and loaded with the state. */
#ifndef FG_APPROX_RETAIN_H
#define FG_APPROX_RETAIN_H

#include "model/kit.h"

/* The smallest sample kept (or every row when there are fewer): a
 * fraction of a small training set would leave too few rows to hold the
 * retained accuracy. */
#define FG_RETAIN_FLOOR 256

typedef struct fg_retain {
    fg_idset ids;          /* every prepared id; gone: forgotten */
    uint64_t *fp;          /* 2 per slot: its row's fingerprints (0 once
                              forgotten: a hash of deleted data goes too) */
    forget_dataset *kept;  /* the sample still remembered, in the order of
                              the training rows */
    size_t *kslot;         /* the slot of each kept row */
    size_t d;              /* features */
} fg_retain;

/* ---- rows kept slot by slot (the sample here, the guard's rows) ---- */

/* k rows of train drawn with seed (a Fisher-Yates shuffle of the rows,
 * its first k, in training order) into *rows, and their slots (row
 * indices of train: an id set made from train has the same slots). */
int fg_rows_draw(const forget_dataset *train, size_t k, uint64_t seed,
                 forget_dataset **rows, size_t **slot);
/* *out = rows (whose slots are slot, all below n_slots) without those
 * whose slot is one of gone (n_gone of them); *dropped how many went;
 * *out stays NULL when none did. */
int fg_rows_drop(const forget_dataset *rows, const size_t *slot,
                 size_t n_slots, const size_t *gone, size_t n_gone,
                 forget_dataset **out, size_t *dropped);
/* Put *after (what fg_rows_drop made; NULL: nothing) in place of *rows,
 * compacting slot to the rows whose slot is not marked in gone (the id
 * set's marks, made before this). Cannot fail. */
void fg_rows_commit(forget_dataset **rows, size_t *slot,
                    const unsigned char *gone, forget_dataset **after);
/* *slot from the ids of rows loaded from a file: each must be a
 * remembered id of ids, in increasing slot order; FORGET_E_FORMAT naming
 * method and what ("retained") otherwise. */
int fg_rows_slots(const fg_idset *ids, const forget_dataset *rows,
                  size_t **slot, const char *what, const char *method);

/* Rows kept for a budget of b (< 1: that fraction of n; >= 1: that many
 * rows), at least min(n, FG_RETAIN_FLOOR), at most n. */
size_t fg_retain_size(size_t n, double b);

/* Prepare from the training rows: the sample drawn with seed (a
 * Fisher-Yates shuffle of the rows, its first fg_retain_size rows, kept
 * in training order). r is filled only on success. */
int fg_retain_prepare(fg_retain *r, const forget_dataset *train,
                      double budget, uint64_t seed);
void fg_retain_free(fg_retain *r);
/* A method's prepare of its retained rows: the training rows checked
 * against model m (owner names the method in messages; empty data is
 * FORGET_E_INVALID), the sample drawn as fg_retain_prepare draws it,
 * reported to run ("rows", "retained_rows", progress 1), and only then
 * put in place of what r held (freed). On failure r is unchanged. */
int fg_retain_prepare_run(fg_retain *r, const forget_model *m,
                          const forget_dataset *train, double budget,
                          uint64_t seed, const char *owner, forget_run *run);

/* A request, checked and planned before anything changes. */
typedef struct fg_retain_plan {
    size_t *slot, *pos;    /* of the ids to forget now (n of them) */
    size_t n, repeats;     /* repeats: forgotten already or named twice */
    forget_dataset *live;  /* those rows (NULL: all of the request's) */
    forget_dataset *kept;  /* the sample after the request (NULL: as it
                              is) */
    size_t dropped;        /* rows the sample loses */
} fg_retain_plan;

/* Plan rows's request: ids through fg_idset_request's rule (never
 * learned: FORGET_E_NOT_FOUND), the rows compared with the fingerprints
 * learned (FORGET_E_INVALID naming the id and what differs). Reports
 * already_forgotten and rows_verified to run (may be NULL). */
int fg_retain_plan_request(const fg_retain *r, const forget_dataset *rows,
                           fg_retain_plan *q, const char *method,
                           forget_run *run);
/* The rows to forget now. */
const forget_dataset *fg_retain_live(const fg_retain_plan *q,
                                     const forget_dataset *rows);
/* Record a planned request (cannot fail) and free the plan. */
void fg_retain_commit(fg_retain *r, fg_retain_plan *q);
void fg_retain_plan_free(fg_retain_plan *q);

/* Save as sections: IDS/GONE (the id set), RFPS (fingerprints), and the
 * kept rows (RKID, RKX, RKXN, RKX8, RKYL, RKYT). */
int fg_retain_save(const fg_retain *r, forget_writer *w);
/* The slots fg_retain_load reads, for a method's slot table (end the
 * table after them with {NULL, 0, 0, 0, 0}). */
#define FG_RETAIN_N_SLOTS 9
#define FG_RETAIN_SLOTS                                                     \
    {"IDS ", 8, 0, 0, 0}, {"GONE", 1, 0, 0, 0}, {"RFPS", 8, 0, 0, 0},      \
        {"RKID", 1, 0, 0, 0}, {"RKX ", 1, 0, 0, 0}, {"RKXN", 1, 0, 0, 0},  \
        {"RKX8", 1, 0, 0, 0}, {"RKYL", 1, 0, 0, 0}, {"RKYT", 1, 0, 0, 0}
/* Load from such a table (IDS present) for model m; FORGET_E_FORMAT
 * naming method when the sections do not fit together. r is filled only
 * on success. */
int fg_retain_load(fg_retain *r, const fg_slot *t, const forget_model *m,
                   const char *method);

#endif
