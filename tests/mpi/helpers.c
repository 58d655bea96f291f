/* The helpers of the tests of libforget-mpi (tests/mpi/). */
#include <mpi.h>
#include <stdlib.h>
#include <string.h>

#include "mpi_test.h"

int g_rank, g_size, g_checks, g_failures;

void mpi_test_begin(int *argc, char ***argv)
{
    MPI_Init(argc, argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &g_size);
    forget_set_threads(1);
    if (forget_init() != FORGET_OK) {
        fprintf(stderr, "forget_init failed\n");
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
}

int mpi_test_end(const char *what)
{
    int sums[2] = {g_checks, g_failures}, total[2];
    MPI_Allreduce(sums, total, 2, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    forget_shutdown();
    if (g_rank == 0)
        printf("  %-7s %d rank%s: %d checks, %d failures\n", what, g_size,
               g_size > 1 ? "s" : "", total[0], total[1]);
    MPI_Finalize();
    return total[1] == 0 ? 0 : 1;
}

forget_comm *world_comm(void)
{
    forget_comm *c = NULL;
    CHECK_OK(forget_mpi_comm(&c, MPI_COMM_WORLD, 60.0));
    return c;
}

int same_on_all_ranks(const void *p, size_t n)
{
    unsigned char *all = malloc(n * (size_t)g_size + 1);
    MPI_Allgather(p, (int)n, MPI_BYTE, all, (int)n, MPI_BYTE,
                  MPI_COMM_WORLD);
    int same = 1;
    for (int r = 1; r < g_size; r++)
        same &= !memcmp(all, all + (size_t)r * n, n);
    free(all);
    return same;
}

forget_dataset *make_rows(size_t n, size_t d, size_t classes, uint64_t seed)
{
    float *x = malloc(n * d * sizeof *x);
    int32_t *y = malloc(n * sizeof *y);
    uint64_t *ids = malloc(n * sizeof *ids);
    uint64_t s = seed * 0x9E3779B97F4A7C15ull + 1;
    for (size_t i = 0; i < n; i++) {
        y[i] = (int32_t)(i % classes);
        ids[i] = 1000 + 7 * i;
        for (size_t j = 0; j < d; j++) {
            s = s * 6364136223846793005ull + 1442695040888963407ull;
            double u = (double)(s >> 11) / 9007199254740992.0;
            x[i * d + j] = (float)(u - 0.5 + (j % classes == (size_t)y[i]));
        }
    }
    forget_dataset *ds = NULL;
    CHECK_OK(forget_dataset_create(&ds, n, d, x, y, ids));
    free(x);
    free(y);
    free(ids);
    return ds;
}

/* The rows of ds at the listed positions, as a new dataset (may be
 * empty). */
static forget_dataset *rows_at(const forget_dataset *ds, const size_t *at,
                               size_t n)
{
    size_t d = forget_dataset_features(ds);
    float *x = malloc((n * d + 1) * sizeof *x);
    int32_t *y = malloc((n + 1) * sizeof *y);
    uint64_t *ids = malloc((n + 1) * sizeof *ids);
    for (size_t i = 0; i < n; i++) {
        CHECK_OK(forget_dataset_copy_rows(ds, at[i], 1, x + i * d, d));
        y[i] = forget_dataset_labels(ds)[at[i]];
        ids[i] = forget_dataset_ids(ds)[at[i]];
    }
    forget_dataset *out = NULL;
    CHECK_OK(forget_dataset_create(&out, n, d, x, y, ids));
    free(x);
    free(y);
    free(ids);
    return out;
}

forget_dataset *my_rows(const forget_dataset *ds)
{
    size_t n = forget_dataset_rows(ds), k = 0;
    size_t *at = malloc((n + 1) * sizeof *at);
    for (size_t i = 0; i < n; i++)
        if (i % (size_t)g_size == (size_t)g_rank)
            at[k++] = i;
    forget_dataset *out = rows_at(ds, at, k);
    free(at);
    return out;
}

forget_dataset *my_rows_of(const forget_dataset *ds, const uint64_t *ids,
                           size_t n)
{
    size_t *at = malloc((n + 1) * sizeof *at), k = 0;
    for (size_t i = 0; i < n; i++) {
        size_t row;
        CHECK_OK(forget_dataset_find(ds, ids[i], &row));
        if (row % (size_t)g_size == (size_t)g_rank)
            at[k++] = row;
    }
    forget_dataset *out = rows_at(ds, at, k);
    free(at);
    return out;
}

static uint64_t get_u64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

double *analytic_head(const forget_model *m, size_t *n)
{
    size_t len = 0;
    CHECK(forget_model_save_buffer(m, NULL, 0, &len) == FORGET_OK ||
          len > 0);
    unsigned char *buf = malloc(len);
    CHECK_OK(forget_model_save_buffer(m, buf, len, &len));
    double *head = NULL;
    *n = 0;
    for (size_t off = 16; off + 24 <= len;) { /* docs/FORMAT.md */
        uint64_t l = get_u64(buf + off + 8);
        if (!memcmp(buf + off, "HEAD", 4)) {
            *n = (size_t)(l / 8);
            head = malloc(l);
            memcpy(head, buf + off + 24, l); /* little-endian hosts */
            break;
        }
        off += 24 + (size_t)((l + 7) / 8 * 8);
    }
    free(buf);
    CHECK(head != NULL);
    return head;
}

double rel_diff(const double *a, const double *b, size_t n)
{
    double num = 0, den = 0;
    for (size_t i = 0; i < n; i++) {
        double e = a[i] > b[i] ? a[i] - b[i] : b[i] - a[i];
        double v = b[i] > 0 ? b[i] : -b[i];
        num = e > num ? e : num;
        den = v > den ? v : den;
    }
    return den > 0 ? num / den : num;
}

