/* Shared helpers of the C benchmark programs (header-only: each bench is
 * one translation unit). */
#ifndef FORGET_BENCH_COMMON_H
#define FORGET_BENCH_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <forget/forget.h>

static inline double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

#define BENCH_CHECK(call)                                                  \
    do {                                                                   \
        int rc_ = (call);                                                  \
        if (rc_ != FORGET_OK) {                                            \
            fprintf(stderr, "%s:%d: %s: %s (%s)\n", __FILE__, __LINE__,    \
                    #call, forget_strerror(rc_), forget_last_error());     \
            exit(1);                                                       \
        }                                                                  \
    } while (0)

/* Fashion-MNIST's train and test sets from dir. */
/* Fashion-MNIST's training and test sets; params for the loader (NULL,
 * or "storage=bytes"). */
static inline void bench_load(const char *dir, forget_dataset **train,
                              forget_dataset **test, const char *params)
{
    char a[512], b[512];
    snprintf(a, sizeof a, "%s/train-images-idx3-ubyte.gz", dir);
    snprintf(b, sizeof b, "%s/train-labels-idx1-ubyte.gz", dir);
    BENCH_CHECK(forget_dataset_load_idx(train, a, b, params));
    snprintf(a, sizeof a, "%s/t10k-images-idx3-ubyte.gz", dir);
    snprintf(b, sizeof b, "%s/t10k-labels-idx1-ubyte.gz", dir);
    BENCH_CHECK(forget_dataset_load_idx(test, a, b, params));
}

static inline int bench_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* 0..n-1 in a seeded order (Fisher-Yates with a 64-bit LCG); malloc'ed. */
static inline uint64_t *bench_permutation(size_t n, uint64_t seed)
{
    uint64_t *perm = malloc(n * sizeof *perm), s = seed;
    for (size_t i = 0; i < n; i++)
        perm[i] = i;
    for (size_t i = n - 1; n > 0 && i > 0; i--) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        size_t j = (size_t)((s >> 33) % (i + 1));
        uint64_t t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
    return perm;
}

/* The largest data cache of cpu0 in bytes, from sysfs (0 if unknown; a
 * VM reports what its hypervisor exposes): a working set larger than
 * this is served from memory. */
static inline size_t bench_llc_bytes(void)
{
    size_t best = 0;
    for (int i = 0; i < 8; i++) {
        char path[96], kind[32] = "", size[32] = "";
        snprintf(path, sizeof path,
                 "/sys/devices/system/cpu/cpu0/cache/index%d/type", i);
        FILE *f = fopen(path, "r");
        if (f == NULL)
            continue;
        int ok = fscanf(f, "%31s", kind) == 1;
        fclose(f);
        snprintf(path, sizeof path,
                 "/sys/devices/system/cpu/cpu0/cache/index%d/size", i);
        if (!ok || !strcmp(kind, "Instruction") || !(f = fopen(path, "r")))
            continue;
        ok = fscanf(f, "%31s", size) == 1;
        fclose(f);
        char *end = NULL;
        size_t v = ok ? strtoull(size, &end, 10) : 0;
        if (end && *end == 'K')
            v <<= 10;
        else if (end && *end == 'M')
            v <<= 20;
        best = v > best ? v : best;
    }
    return best;
}

#endif
