/* Suites that test internal functions (lib/ headers), listed in
 * suites.def; linked with the static library only, since the shared one
 * hides them. */
#include "internal.h"

int main(void)
{
#define FG_SUITE(name) suite_##name,
    static const suite_maker makers[] = {
#include "suites.def"
    };
#undef FG_SUITE
    return run_suites(makers, sizeof makers / sizeof *makers);
}
