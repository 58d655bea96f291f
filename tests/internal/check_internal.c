/* Suites that test internal functions (lib/ headers); linked with the
 * static library only, since the shared one hides them. */
#include <stdlib.h>

#include "internal.h"

int main(void)
{
    SRunner *sr = srunner_create(suite_crc32c());
    srunner_add_suite(sr, suite_sha256());
    srunner_add_suite(sr, suite_gradients());
    srunner_add_suite(sr, suite_ssd_brute());
    srunner_add_suite(sr, suite_analytic_exact());
    srunner_run_all(sr, CK_ENV); /* CK_VERBOSITY=verbose lists every test */
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
