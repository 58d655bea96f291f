/* The analytic kind's internals that the analytic method still reaches
 * (being replaced by fg_analytic_get_head/set_head of model/kit.h). */
#ifndef FG_MODEL_ANALYTIC_H
#define FG_MODEL_ANALYTIC_H

#include "model/model.h"

double *fg_analytic_head(forget_model *m);
/* Copy the float64 head into the float32 parameters. */
void fg_analytic_sync(forget_model *m);

#endif
