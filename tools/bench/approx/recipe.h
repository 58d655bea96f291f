/* The training recipe of the approximate-unlearning benchmark: one model
 * description and a few stages of forget_model_train run one after the
 * other (a learning rate that steps down), the same for the original
 * and every retrained model. */
#ifndef BA_RECIPE_H
#define BA_RECIPE_H

#include <forget/forget.h>

#define BA_MAX_STAGES 8

typedef struct ba_recipe {
    const char *model;                 /* forget_model_create("mlp", ...) */
    const char *stages[BA_MAX_STAGES]; /* forget_model_train parameters */
    int n_stages;
} ba_recipe;

/* A new model trained on train by r; *seconds is the training time (the
 * stages, not the creation). Returns a FORGET_* code (*out untouched on
 * failure). */
int ba_train(forget_model **out, const ba_recipe *r,
             const forget_dataset *train, double *seconds);

/* r in one line ("mlp <model>; <stage>; <stage>") into buf. */
void ba_recipe_text(const ba_recipe *r, char *buf, size_t len);

#endif
