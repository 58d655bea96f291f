/* One sisa unlearner on the ranks of an MPI job (docs/MPI.md).
 *
 *   make mpi && make example-mpi        (or, installed:)
 *   mpicc -o forget_ranks forget_ranks.c $(pkg-config --cflags --libs forget-mpi)
 *   mpirun -np 2 ./forget_ranks
 *
 * Every rank holds its own rows (here: generated, row i on rank i mod P),
 * prepares, forgets the same ids, and ends with the same ensemble, the
 * one a single process would have trained on all the rows. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

#include <forget/forget_mpi.h>

#define N 400
#define D 8

static int check(int rc, const char *what)
{
    if (rc != FORGET_OK) {
        fprintf(stderr, "%s: %s (%s)\n", what, forget_strerror(rc),
                forget_last_error());
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    return rc;
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    check(forget_init(), "forget_init");

    /* this rank's rows: a host would load its own part of the data */
    static float x[N * D];
    static int32_t y[N];
    static uint64_t ids[N];
    size_t n = 0;
    for (size_t i = 0; i < N; i++) {
        if ((int)(i % (size_t)size) != rank)
            continue;
        y[n] = (int32_t)(i % 4);
        ids[n] = 5000 + i;
        for (size_t j = 0; j < D; j++)
            x[n * D + j] = (float)((i * 7 + j * 13) % 17) / 17.0f +
                           (j == (size_t)y[n] ? 1.0f : 0.0f);
        n++;
    }
    forget_dataset *mine = NULL;
    check(forget_dataset_create(&mine, n, D, x, y, ids), "dataset");

    /* the communicator: every collective gives up after 60 s */
    forget_comm *comm = NULL;
    check(forget_mpi_comm(&comm, MPI_COMM_WORLD, 60.0), "forget_mpi_comm");

    forget_model *tmpl = NULL;
    forget_unlearner *u = NULL;
    check(forget_model_create(&tmpl, "mlp", "layers=8-16-4 seed=1"), "model");
    check(forget_unlearner_create(&u, "sisa", tmpl,
                                  "shards=4 slices=2 epochs=2 threads=1"),
          "unlearner");
    check(forget_unlearner_set_comm(u, comm), "set_comm");
    check(forget_unlearner_prepare(u, mine), "prepare");

    /* a deletion request: the same ids on every rank */
    uint64_t gone[3] = {5000 + 3, 5000 + 150, 5000 + 321};
    check(forget_unlearner_forget_ids(u, gone, 3), "forget");
    double shards = 0;
    forget_report_get(forget_unlearner_report(u), "shards_retrained",
                      &shards);
    unsigned char d[FORGET_DIGEST_SIZE];
    check(forget_model_digest(forget_unlearner_model(u), d), "digest");
    printf("rank %d of %d: %zu rows, 3 ids forgotten (%.0f shards "
           "retrained), ensemble %02x%02x%02x%02x...\n", rank, size, n,
           shards, d[0], d[1], d[2], d[3]);

    forget_unlearner_free(u);
    forget_model_free(tmpl);
    forget_dataset_free(mine);
    forget_mpi_comm_free(comm);
    forget_shutdown();
    MPI_Finalize();
    return 0;
}
