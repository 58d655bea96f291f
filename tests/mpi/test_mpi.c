/* make check-mpi: every test, on the ranks mpirun gives (1 to 4). */
#include "mpi_test.h"

int main(int argc, char **argv)
{
    mpi_test_begin(&argc, &argv);
    test_comm();
    test_analytic();
    test_ssd();
    test_sisa();
    test_refusals();
    return mpi_test_end("mpi");
}
