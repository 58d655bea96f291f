/* Runs every Check suite; exit status 0 only when all pass. */
#include <stdlib.h>

#include "helpers.h"

int main(void)
{
    SRunner *sr = srunner_create(suite_core());
    srunner_add_suite(sr, suite_params());
    srunner_add_suite(sr, suite_registry());
    srunner_add_suite(sr, suite_unlearner());
    srunner_add_suite(sr, suite_dataset());
    srunner_add_suite(sr, suite_idx());
    srunner_add_suite(sr, suite_csv());
    srunner_add_suite(sr, suite_model());
    srunner_add_suite(sr, suite_train());
    srunner_add_suite(sr, suite_eval());
    srunner_add_suite(sr, suite_model_file());
    srunner_add_suite(sr, suite_ssd());
    srunner_add_suite(sr, suite_analytic());
    srunner_add_suite(sr, suite_sisa());
    srunner_add_suite(sr, suite_journal());
    srunner_add_suite(sr, suite_compact());
    srunner_add_suite(sr, suite_alloc_fail());
    srunner_run_all(sr, CK_ENV); /* CK_VERBOSITY=verbose lists every test */
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
