/* Reading features as floats whatever the dataset stores: floats (a
 * pointer into them) or bytes (IDX images loaded with storage=bytes,
 * converted exactly as the float loader converts them: byte / 255.0f). */
#include <stdint.h>
#include <string.h>

#include "util/alloc.h"
#include "util/error.h"
#include "util/hot.h"
#include "util/rng.h"
#include "data/dataset.h"

/* byte / 255.0f, computed as (float)(byte * (1.0 / 255.0)) in double:
 * for every one of the 256 bytes the double product rounds to the same
 * float as the division (tests/test_compact.c checks all 256 against the
 * float loader), and, unlike a table lookup or a float division, it
 * vectorizes (a lookup per pixel was 7% of a training run on storage=bytes
 * images, 2026-12-03, AMD EPYC). */
FG_HOT static void fg_bytes_to_floats(const unsigned char *p, size_t n,
                                      int normalize, float *dst)
{
    if (normalize)
        for (size_t i = 0; i < n; i++)
            dst[i] = (float)((double)p[i] * (1.0 / 255.0));
    else
        for (size_t i = 0; i < n; i++)
            dst[i] = (float)p[i];
}

void fg_dataset_row(const forget_dataset *ds, size_t i, float *dst)
{
    if (ds->x8)
        fg_bytes_to_floats(ds->x8 + i * ds->d, ds->d, ds->x8_normalize, dst);
    else
        memcpy(dst, ds->x + i * ds->d, ds->d * sizeof *dst);
}

void fg_dataset_clear_row(forget_dataset *ds, size_t i)
{
    if (ds->x8)
        memset(ds->x8 + i * ds->d, 0, ds->d);
    else
        memset(ds->x + i * ds->d, 0, ds->d * sizeof *ds->x);
    if (ds->targets)
        memset(ds->targets + i * ds->target_dim, 0,
               ds->target_dim * sizeof *ds->targets);
}

/* Ask for row i's cache lines: into every level (near), or only the
 * outer ones (far: wanted after a step's work, which would evict it from
 * L1). */
static void fg_prefetch_row(const forget_dataset *ds, size_t i, int far)
{
    const char *p = ds->x8 ? (const char *)(ds->x8 + i * ds->d)
                           : (const char *)(ds->x + i * ds->d);
    size_t bytes = ds->d * (ds->x8 ? 1 : sizeof(float));
    for (size_t off = 0; off < bytes; off += 64) {
        if (far)
            __builtin_prefetch(p + off, 0, 1);
        else
            __builtin_prefetch(p + off, 0, 3);
    }
}

void fg_dataset_prefetch_row(const forget_dataset *ds, size_t i)
{
    fg_prefetch_row(ds, i, 0);
}

void fg_dataset_prefetch_row_far(const forget_dataset *ds, size_t i)
{
    fg_prefetch_row(ds, i, 1);
}

const float *fg_dataset_rows(const forget_dataset *ds, size_t b, size_t e,
                             float *buf)
{
    if (ds->x8 == NULL)
        return ds->x + b * ds->d;
    fg_bytes_to_floats(ds->x8 + b * ds->d, (e - b) * ds->d, ds->x8_normalize,
                       buf);
    return buf;
}

int forget_dataset_copy_rows(const forget_dataset *ds, size_t begin,
                             size_t count, float *dst, size_t dst_count)
{
    FG_CHECK_ARG(ds);
    if (count > 0)
        FG_CHECK_ARG(dst);
    if (begin > ds->n || count > ds->n - begin)
        return fg_error(FORGET_E_INVALID, "%s: rows %zu..%zu are past the "
                        "end (%zu rows)", __func__, begin, begin + count,
                        ds->n);
    if (dst_count != count * ds->d)
        return fg_error(FORGET_E_INVALID, "%s: dst holds %zu floats; %zu "
                        "rows of %zu features need %zu", __func__, dst_count,
                        count, ds->d, count * ds->d);
    if (count == 0)
        return FORGET_OK;
    const float *rows = fg_dataset_rows(ds, begin, begin + count, dst);
    if (rows != dst) /* floats: copy; bytes: converted */
        memcpy(dst, rows, count * ds->d * sizeof *dst);
    return FORGET_OK;
}

/* ---- fingerprints of learned rows ---- */

/* splitmix64 words over 32-bit values (a float's bits, a label), two to a
 * word: the same values give the same hash on every host. */
static uint64_t fg_hash_u32s(const uint32_t *v, size_t n, uint64_t seed)
{
    uint64_t h = fg_mix64(seed ^ (uint64_t)n);
    size_t i = 0;
    for (; i + 2 <= n; i += 2)
        h = fg_mix64(h ^ ((uint64_t)v[i] | (uint64_t)v[i + 1] << 32));
    if (i < n)
        h = fg_mix64(h ^ v[i] ^ ((uint64_t)1 << 63));
    return h;
}

int fg_dataset_fingerprints(const forget_dataset *ds, const size_t *slot,
                            uint64_t *fp)
{
    float *scratch = fg_malloc_array(ds->d ? ds->d : 1, sizeof(float));
    if (scratch == NULL)
        return fg_nomem("a row");
    for (size_t i = 0; i < ds->n; i++)
        fg_dataset_fingerprint(ds, i, scratch, fp + 2 * (slot ? slot[i] : i));
    fg_free(scratch);
    return FORGET_OK;
}

int fg_row_differs(const char *method, uint64_t id, int feat_ok,
                   int target_ok)
{
    return fg_error(FORGET_E_INVALID, "method '%s': sample id %llu: its %s "
                    "differ%s from the row that was learned; nothing was "
                    "forgotten", method, (unsigned long long)id,
                    !feat_ok && !target_ok ? "features and target"
                    : !feat_ok             ? "features"
                                           : "target",
                    !feat_ok && !target_ok ? "" : "s");
}

void fg_dataset_fingerprint(const forget_dataset *ds, size_t i,
                            float *scratch, uint64_t fp[2])
{
    /* float32 and uint32_t have one size: their bits hash alike. */
    fg_dataset_row(ds, i, scratch);
    fp[0] = fg_hash_u32s((const uint32_t *)(const void *)scratch, ds->d,
                         0x66656174ull /* "feat" */);
    if (ds->labels) {
        uint32_t y = (uint32_t)ds->labels[i];
        fp[1] = fg_hash_u32s(&y, 1, 0x6c61626cull /* "labl" */);
    } else {
        fp[1] = fg_hash_u32s((const uint32_t *)(const void *)(ds->targets +
                                                              i * ds->target_dim),
                             ds->target_dim, 0x74617267ull /* "targ" */);
    }
}
