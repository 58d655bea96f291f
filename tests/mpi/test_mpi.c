/* make check-mpi: every test, on the ranks mpirun gives (1 to 4). */
#include <mpi.h>

#include "mpi_test.h"

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &g_size);
    forget_set_threads(1);
    if (forget_init() != FORGET_OK) {
        fprintf(stderr, "forget_init failed\n");
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    test_comm();
    test_analytic();
    test_ssd();
    test_sisa();
    test_refusals();
    int sums[2] = {g_checks, g_failures}, total[2];
    MPI_Allreduce(sums, total, 2, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    forget_shutdown();
    if (g_rank == 0)
        printf("  mpi     %d rank%s: %d checks, %d failures\n", g_size,
               g_size > 1 ? "s" : "", total[0], total[1]);
    MPI_Finalize();
    return total[1] == 0 ? 0 : 1;
}
