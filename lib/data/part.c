/* The loaders' part=r/P (data/part.h). */
#include "data/part.h"

#include <errno.h>
#include <stdlib.h>

#include "data/rows.h"
#include "util/alloc.h"
#include "util/error.h"

int fg_part_parse(const char *text, uint32_t *r, uint32_t *p,
                  const char *owner)
{
    char *end = NULL;
    errno = 0;
    unsigned long long a = strtoull(text, &end, 10);
    int ok = errno == 0 && end != text && *end == '/' && text[0] != '-';
    unsigned long long b = 0;
    if (ok) {
        const char *q = end + 1;
        b = strtoull(q, &end, 10);
        ok = errno == 0 && end != q && *end == '\0' && q[0] != '-' &&
             b >= 1 && b <= INT32_MAX && a < b;
    }
    if (!ok)
        return fg_error(FORGET_E_PARAM, "parameter 'part' of %s: '%.64s' is "
                        "not r/P with 0 <= r < P <= 2^31 - 1", owner, text);
    *r = (uint32_t)a;
    *p = (uint32_t)b;
    return FORGET_OK;
}

uint32_t fg_part_of(uint64_t id, uint32_t p)
{
    uint64_t z = id + 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return (uint32_t)(z % p);
}

int fg_part_apply(forget_dataset **ds, uint32_t r, uint32_t p,
                  const char *owner)
{
    if (p == 1)
        return FORGET_OK;
    size_t n = forget_dataset_rows(*ds), k = 0;
    const uint64_t *ids = forget_dataset_ids(*ds);
    size_t *keep = fg_malloc_array(n ? n : 1, sizeof *keep);
    if (keep == NULL)
        return fg_nomem("a part of the rows");
    for (size_t i = 0; i < n; i++)
        if (fg_part_of(ids[i], p) == r)
            keep[k++] = i;
    forget_dataset *sub = NULL;
    int rc = fg_dataset_gather(&sub, *ds, keep, k, owner);
    fg_free(keep);
    if (rc != FORGET_OK)
        return rc;
    forget_dataset_free(*ds);
    *ds = sub;
    return FORGET_OK;
}
