/* The generated data set of the smoke test (synth.h). */
#include "synth.h"

#include <stdlib.h>

/* Uniform in [0, 1) from a 64-bit LCG. */
static double uniform(uint64_t *s)
{
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return (double)(*s >> 11) / 9007199254740992.0;
}

static int make(forget_dataset **out, const float *proto, size_t n,
                size_t classes, size_t d, uint64_t first_id, uint64_t *s)
{
    float *x = malloc(n * d * sizeof *x);
    int32_t *y = malloc(n * sizeof *y);
    uint64_t *ids = malloc(n * sizeof *ids);
    int rc = FORGET_E_NOMEM;
    if (x && y && ids) {
        for (size_t i = 0; i < n; i++) {
            y[i] = (int32_t)(i % classes);
            ids[i] = first_id + i;
            double bright = 0.6 + 0.8 * uniform(s);
            for (size_t j = 0; j < d; j++) {
                double v = bright * proto[(size_t)y[i] * d + j] +
                           0.3 * (uniform(s) - 0.5);
                x[i * d + j] = (float)(v < 0 ? 0 : v > 1 ? 1 : v);
            }
        }
        rc = forget_dataset_create(out, n, d, x, y, ids);
    }
    free(x);
    free(y);
    free(ids);
    return rc;
}

int ba_synth(forget_dataset **train, forget_dataset **test, size_t train_rows,
             size_t test_rows, size_t classes, size_t side, uint64_t seed)
{
    size_t d = side * side;
    uint64_t s = seed;
    float *proto = malloc(classes * d * sizeof *proto);
    if (!proto)
        return FORGET_E_NOMEM;
    for (size_t i = 0; i < classes * d; i++)
        proto[i] = (float)uniform(&s);
    int rc = make(train, proto, train_rows, classes, d, 0, &s);
    if (rc == FORGET_OK) {
        rc = make(test, proto, test_rows, classes, d, 1000000, &s);
        if (rc != FORGET_OK)
            forget_dataset_free(*train);
    }
    free(proto);
    return rc;
}
