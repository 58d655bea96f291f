/* What the seed writer (mkseeds.c) and the harnesses that need a
 * prepared object share, so that seeds fit the objects the harnesses
 * build: 24 rows of 4 features in 3 classes (ids 0..23), and the analytic
 * unlearner (keep_rows=true) the journal harness opens journals against. */
#ifndef FORGET_FUZZ_SETUP_H
#define FORGET_FUZZ_SETUP_H

#include <forget/forget.h>

static inline forget_dataset *fuzz_train_rows(void)
{
    enum { N = 24, D = 4 };
    float x[N * D];
    int32_t y[N];
    for (int i = 0; i < N; i++) {
        y[i] = i % 3;
        for (int j = 0; j < D; j++)
            x[i * D + j] = (float)((i * 7 + j * 3) % 11) / 11.0f + (float)y[i];
    }
    forget_dataset *train = NULL;
    if (forget_dataset_create(&train, N, D, x, y, NULL) != FORGET_OK)
        return NULL;
    return train;
}

/* The journal harness's unlearner on a new analytic model. */
static inline int fuzz_journal_unlearner(forget_model **m,
                                         forget_unlearner **u,
                                         const forget_dataset *train)
{
    int rc = forget_model_create(m, "analytic", "inputs=4 outputs=3");
    if (rc == FORGET_OK)
        rc = forget_unlearner_create(u, "analytic", *m, "keep_rows=true");
    if (rc == FORGET_OK)
        rc = forget_unlearner_prepare(*u, train);
    return rc;
}

#endif
