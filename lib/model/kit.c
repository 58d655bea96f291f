/* The model accessors of the kit (model/kit.h): what methods may ask of a
 * model without seeing its layout. */
#include "model/kit.h"

#include <string.h>

#include "model/model.h"

float *fg_model_theta(forget_model *m) { return m->theta; }

const float *fg_model_theta_const(const forget_model *m) { return m->theta; }

const fg_block *fg_model_blocks(const forget_model *m, size_t *n)
{
    *n = m->n_blocks;
    return m->blocks;
}

void fg_state_swap(void *state, void *fresh, size_t size,
                   void (*release)(void *state))
{
    release(state);
    memcpy(state, fresh, size);
    memset(fresh, 0, size);
}

int fg_model_trainable(const forget_model *m)
{
    return m->ops->sgd;
}
