/* make check-mpi: libforget-mpi's failure paths (tests/mpi/hooked).
 *   hooked            every test
 *   hooked --free     the timeout test only, freeing the buffers of the
 *                     call that timed out at once (run under valgrind:
 *                     nothing may write into them afterwards) */
#include <string.h>

#include "hooked.h"

int main(int argc, char **argv)
{
    mpi_test_begin(&argc, &argv);
    int free_buffers = argc > 1 && !strcmp(argv[1], "--free");
    if (!free_buffers) {
        test_alloc();
        test_staging();
    }
    test_timeout(free_buffers);
    return mpi_test_end(free_buffers ? "hooked (--free)" : "hooked");
}
