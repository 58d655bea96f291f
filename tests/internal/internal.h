#ifndef FORGET_TEST_INTERNAL_H
#define FORGET_TEST_INTERNAL_H

#include "../helpers.h"

#define FG_SUITE(name) Suite *suite_##name(void);
#include "suites.def"
#undef FG_SUITE

#endif
