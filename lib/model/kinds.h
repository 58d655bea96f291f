/* The built-in model kinds and their parameter tables. */
#ifndef FG_MODEL_KINDS_H
#define FG_MODEL_KINDS_H

#include "forget/backend.h"

extern const forget_param_def fg_mlp_params[];
extern const size_t fg_mlp_n_params;
extern const forget_param_def fg_linear_params[];
extern const size_t fg_linear_n_params;
extern const forget_param_def fg_analytic_params[];
extern const size_t fg_analytic_n_params;

#endif
