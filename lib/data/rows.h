/* What may be done with a dataset's rows without seeing its layout: the
 * part of lib/data that methods use (through model/kit.h). */
#ifndef FG_DATA_ROWS_H
#define FG_DATA_ROWS_H

#include <stddef.h>
#include <stdint.h>

#include "format/sections.h"
#include "forget/backend.h"

/* Features as floats, whatever the storage (lib/data/rows.c): row i into
 * dst (d floats); rows [b, e) as a pointer into ds when it stores floats,
 * else converted into buf ((e - b) * d floats). Every reader of features
 * outside lib/data goes through these. */
void fg_dataset_row(const forget_dataset *ds, size_t i, float *dst);
/* Zero row i's features and targets, whatever the storage (a forgotten
 * row's data, destroyed rather than merely unreferenced). */
void fg_dataset_clear_row(forget_dataset *ds, size_t i);
/* Ask the CPU to start loading row i (a hint; no effect on results):
 * for use now (into L1), or far ahead (into the outer caches only). */
void fg_dataset_prefetch_row(const forget_dataset *ds, size_t i);
void fg_dataset_prefetch_row_far(const forget_dataset *ds, size_t i);
const float *fg_dataset_rows(const forget_dataset *ds, size_t b, size_t e,
                             float *buf);

/* The fingerprint of row i as it is now: fp[0] of its features (as
 * floats, whatever the storage; scratch holds d floats), fp[1] of its
 * label or targets. 64-bit hashes, the same on every host: a method keeps
 * them for the rows it learned, to refuse a request whose rows differ
 * from those (an accident, not an adversary: any change is caught but
 * for a 2^-64 chance). */
void fg_dataset_fingerprint(const forget_dataset *ds, size_t i,
                            float *scratch, uint64_t fp[2]);

/* fp[2 slot[i]..] = the fingerprints of every row i of ds (slot NULL: row
 * i at slot i). */
int fg_dataset_fingerprints(const forget_dataset *ds, const size_t *slot,
                            uint64_t *fp);
/* The one refusal of a request whose row (sample id) differs from the
 * row learned: FORGET_E_INVALID naming the method, the id and what
 * differs. */
int fg_row_differs(const char *method, uint64_t id, int feat_ok,
                   int target_ok);

/* A dataset holding the given rows of src, in that order, stored as src
 * stores them (floats or bytes). */
int fg_dataset_gather(forget_dataset **out, const forget_dataset *src,
                      const size_t *rows, size_t k, const char *what);

/* ---- rows a method keeps (lib/data/kept.c) ---- */

/* The section tags a method keeps its rows under (each method keeps the
 * tags its files have always had). */
typedef struct fg_kept_tags {
    const char *ids;     /* u64 sample ids */
    const char *x;       /* float32 features */
    const char *x8_norm; /* byte features: 1 byte, 1 if a value is byte/255 */
    const char *x8;      /* byte features: the bytes */
    const char *labels;  /* int32 labels (classification) */
    const char *targets; /* float32 targets (regression) */
} fg_kept_tags;

/* Write every row of ds as sections (features as floats, or as bytes with
 * their scale when ds stores bytes). */
int fg_kept_save(forget_writer *w, const fg_kept_tags *t,
                 const forget_dataset *ds);
/* The rows back from a slot table filled by fg_slots_read with the tags
 * of t (and others): a sealed dataset of d features, task and k classes
 * or targets. FORGET_E_FORMAT naming owner when the sections do not fit
 * (missing, of other sizes, both feature kinds, bytes for regression). */
int fg_kept_load(forget_dataset **out, const fg_slot *table,
                 const fg_kept_tags *t, size_t d, int32_t task, size_t k,
                 const char *owner);

/* Rows kept slot by slot beside an id set (analytic's keep_rows): n rows
 * (one per slot, a forgotten one zeroed) of d float32 features and k
 * float64 targets, saved as two sections under these tags. */
typedef struct fg_kept_slot_tags {
    const char *x; /* n x d float32 */
    const char *y; /* n x k float64 */
} fg_kept_slot_tags;

int fg_kept_slots_save(forget_writer *w, const fg_kept_slot_tags *t,
                       const float *x, const double *y, size_t n, size_t d,
                       size_t k);
/* The rows back from a slot table filled by fg_slots_read with the tags
 * of t: *x (n x d) and *y (n x k), allocated. FORGET_E_FORMAT naming owner
 * when the sections are missing, of other sizes, or a target is not
 * finite; nothing is allocated then. */
int fg_kept_slots_load(float **x, double **y, const fg_slot *table,
                       const fg_kept_slot_tags *t, size_t n, size_t d,
                       size_t k, const char *owner);

#endif
