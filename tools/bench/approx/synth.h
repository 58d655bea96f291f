/* A tiny generated image classification set for the harness's smoke
 * test (no data files needed): `classes` classes of side x side images,
 * each class a random prototype in [0, 1] plus per-row noise and a
 * per-row brightness, so that feature rules have something to select. */
#ifndef BA_SYNTH_H
#define BA_SYNTH_H

#include <stdint.h>

#include <forget/forget.h>

/* train_rows and test_rows rows (ids 0.. and 1000000.., so the two never
 * share one); a FORGET_* code. */
int ba_synth(forget_dataset **train, forget_dataset **test, size_t train_rows,
             size_t test_rows, size_t classes, size_t side, uint64_t seed);

#endif
