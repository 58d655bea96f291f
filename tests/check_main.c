/* Runs every Check suite of suites.def; exit status 0 only when all pass. */
#include "helpers.h"

int main(void)
{
#define FG_SUITE(name) suite_##name,
    static const suite_maker makers[] = {
#include "suites.def"
    };
#undef FG_SUITE
    return run_suites(makers, sizeof makers / sizeof *makers);
}
