/* The built-in method tables; only the registry includes this. */
#ifndef FG_METHODS_METHODS_H
#define FG_METHODS_METHODS_H

#include "forget/backend.h"

extern const forget_method fg_method_ssd;
extern const forget_method fg_method_analytic;
extern const forget_method fg_method_sisa;
extern const forget_method fg_method_finetune;
extern const forget_method fg_method_neggrad;
extern const forget_method fg_method_relabel;
extern const forget_method fg_method_scrub;
extern const forget_method fg_method_newton;

#endif
