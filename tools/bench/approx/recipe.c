/* Training by the recipe (recipe.h). */
#include "recipe.h"

#include <stdio.h>
#include <string.h>

#include "../bench_common.h"

int ba_train(forget_model **out, const ba_recipe *r,
             const forget_dataset *train, double *seconds)
{
    forget_model *m = NULL;
    int rc = forget_model_create(&m, "mlp", r->model);
    double t0 = bench_now();
    for (int i = 0; rc == FORGET_OK && i < r->n_stages; i++)
        rc = forget_model_train(m, train, r->stages[i]);
    if (rc != FORGET_OK) {
        forget_model_free(m);
        return rc;
    }
    *seconds = bench_now() - t0;
    *out = m;
    return FORGET_OK;
}

void ba_recipe_text(const ba_recipe *r, char *buf, size_t len)
{
    size_t used = (size_t)snprintf(buf, len, "mlp %s", r->model);
    for (int i = 0; i < r->n_stages && used < len; i++)
        used += (size_t)snprintf(buf + used, len - used, "; %s", r->stages[i]);
}
