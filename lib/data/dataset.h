/* The dataset handle's layout and the constructor every producer uses:
 * host arrays, subsets and the file loaders. */
#ifndef FG_DATA_DATASET_H
#define FG_DATA_DATASET_H

#include "data/idmap.h"
#include "data/rows.h"
#include "forget/forget.h"

struct forget_dataset {
    size_t n, d;
    int32_t task;       /* FORGET_TASK_* */
    size_t classes;     /* classification: largest label + 1 */
    size_t target_dim;  /* regression */
    float *x;           /* n * d, row-major (NULL when x8 holds them) */
    unsigned char *x8;  /* or n * d bytes: IDX images with storage=bytes */
    int x8_normalize;   /* a byte's value is byte / 255.0f (else byte) */
    int32_t *labels;    /* n (classification) */
    float *targets;     /* n * target_dim (regression) */
    uint64_t *ids;      /* n, distinct */
    fg_idmap index;
};

/* Allocate a dataset of n rows with uninitialised arrays (ids included).
 * what names the producer in messages. fg_dataset_new_bytes keeps the
 * features as bytes (x8) instead of floats (classification only). */
int fg_dataset_new(forget_dataset **out, size_t n, size_t d, int32_t task,
                   size_t target_dim, const char *what);
int fg_dataset_new_bytes(forget_dataset **out, size_t n, size_t d,
                         int normalize, const char *what);

/* Validate the filled arrays (finite values, labels >= 0, distinct ids)
 * and build the id index. classes = 0 derives it from the labels. On
 * failure the dataset is freed. */
int fg_dataset_seal(forget_dataset **ds, size_t classes, const char *what);

/* Free a dataset that was never sealed (NULL is a no-op). */
void fg_dataset_discard(forget_dataset *ds);

#endif
