#ifndef FORGET_TEST_INTERNAL_H
#define FORGET_TEST_INTERNAL_H

#include "../helpers.h"

Suite *suite_crc32c(void);
Suite *suite_sha256(void);
Suite *suite_gradients(void);
Suite *suite_ssd_brute(void);
Suite *suite_analytic_exact(void);

#endif
