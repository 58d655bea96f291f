/* Process-wide load limits: atomics, so that a host may raise one on any
 * thread while loads run on others. */
#include "util/limits.h"

#include <stdatomic.h>

#include "util/error.h"

#define FG_N_LIMITS 3

/* Defaults: 2 GiB for one input or allocation a file asks for (ten times
 * MNIST as float32, yet below the 3 GB a 4 KB forged analytic model asked
 * for; a host with bigger data raises it with one call); 2^31 rows (what
 * int32-indexed BLAS calls reach); 2^24 features (the largest 'inputs' a
 * model kind accepts). */
static const uint64_t fg_limit_default[FG_N_LIMITS] = {
    UINT64_C(1) << 31, UINT64_C(1) << 31, UINT64_C(1) << 24};
static const char *const fg_limit_name[FG_N_LIMITS] = {
    "FORGET_LIMIT_MAX_BYTES", "FORGET_LIMIT_MAX_ROWS",
    "FORGET_LIMIT_MAX_FEATURES"};
static const char *const fg_limit_unit[FG_N_LIMITS] = {"bytes", "rows",
                                                       "features"};
static _Atomic uint64_t fg_limit_value[FG_N_LIMITS];

static int fg_limit_index(int which)
{
    return which >= FORGET_LIMIT_MAX_BYTES &&
                   which <= FORGET_LIMIT_MAX_FEATURES
               ? which - 1
               : -1;
}

uint64_t fg_limit(int which)
{
    int i = fg_limit_index(which);
    if (i < 0)
        return 0;
    uint64_t v = atomic_load(&fg_limit_value[i]);
    return v ? v : fg_limit_default[i];
}

int fg_limit_check(int which, uint64_t amount, const char *what)
{
    int i = fg_limit_index(which);
    uint64_t limit = fg_limit(which);
    if (i < 0 || amount <= limit)
        return FORGET_OK;
    return fg_error(FORGET_E_NOMEM, "%s needs %llu %s, more than the limit "
                    "%s (%llu); raise it with forget_set_limit", what,
                    (unsigned long long)amount, fg_limit_unit[i],
                    fg_limit_name[i], (unsigned long long)limit);
}

int fg_limit_check_bytes(uint64_t count, uint64_t size, const char *what)
{
    uint64_t bytes = size && count > UINT64_MAX / size ? UINT64_MAX
                                                       : count * size;
    return fg_limit_check(FORGET_LIMIT_MAX_BYTES, bytes, what);
}

int forget_set_limit(int32_t which, uint64_t value)
{
    int i = fg_limit_index(which);
    if (i < 0)
        return fg_error(FORGET_E_INVALID, "forget_set_limit: %d is not a "
                        "FORGET_LIMIT_* constant", (int)which);
    atomic_store(&fg_limit_value[i], value);
    return FORGET_OK;
}

int forget_get_limit(int32_t which, uint64_t *value)
{
    FG_CHECK_ARG(value);
    if (fg_limit_index(which) < 0)
        return fg_error(FORGET_E_INVALID, "forget_get_limit: %d is not a "
                        "FORGET_LIMIT_* constant", (int)which);
    *value = fg_limit(which);
    return FORGET_OK;
}
