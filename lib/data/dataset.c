/* The dataset handle: construction from host arrays, validation, the id
 * index, getters. */
#include "data/dataset.h"

#include <math.h>
#include <string.h>

#include "util/alloc.h"
#include "util/error.h"
#include "util/runtime.h"

void fg_dataset_discard(forget_dataset *ds)
{
    if (ds == NULL)
        return;
    fg_free(ds->x);
    fg_free(ds->x8);
    fg_free(ds->labels);
    fg_free(ds->targets);
    fg_free(ds->ids);
    fg_idmap_free(&ds->index);
    fg_free(ds);
}

static int fg_dataset_alloc(forget_dataset **out, size_t n, size_t d,
                            int32_t task, size_t target_dim, int bytes,
                            const char *what)
{
    int rc = fg_require_init(what);
    if (rc != FORGET_OK)
        return rc;
    if (d == 0)
        return fg_error(FORGET_E_INVALID, "%s: a dataset needs at least one "
                        "feature (d = 0)", what);
    if (task == FORGET_TASK_REGRESSION && target_dim == 0)
        return fg_error(FORGET_E_INVALID, "%s: a regression dataset needs "
                        "target_dim >= 1", what);
    size_t xbytes, tbytes = 0;
    if (fg_mul3_size(n, d, sizeof(float), &xbytes) != 0 ||
        (task == FORGET_TASK_REGRESSION &&
         fg_mul3_size(n, target_dim, sizeof(float), &tbytes) != 0) ||
        n > SIZE_MAX / sizeof(uint64_t))
        return fg_error(FORGET_E_INVALID, "%s: %zu rows of %zu features "
                        "overflow the address space", what, n, d);
    forget_dataset *ds = fg_calloc(1, sizeof *ds);
    if (ds == NULL)
        return fg_nomem("a dataset");
    ds->n = n;
    ds->d = d;
    ds->task = task;
    ds->target_dim = task == FORGET_TASK_REGRESSION ? target_dim : 0;
    if (n > 0) {
        if (bytes)
            ds->x8 = fg_malloc(xbytes / sizeof(float));
        else
            ds->x = fg_malloc(xbytes);
        ds->ids = fg_malloc_array(n, sizeof *ds->ids);
        if (task == FORGET_TASK_REGRESSION)
            ds->targets = fg_malloc(tbytes);
        else
            ds->labels = fg_malloc_array(n, sizeof *ds->labels);
        if (!(ds->x || ds->x8) || !ds->ids || !(ds->targets || ds->labels)) {
            fg_dataset_discard(ds);
            return fg_error(FORGET_E_NOMEM, "%s: out of memory for %zu rows "
                            "of %zu features", what, n, d);
        }
    }
    *out = ds;
    return FORGET_OK;
}

int fg_dataset_new(forget_dataset **out, size_t n, size_t d, int32_t task,
                   size_t target_dim, const char *what)
{
    return fg_dataset_alloc(out, n, d, task, target_dim, 0, what);
}

int fg_dataset_new_bytes(forget_dataset **out, size_t n, size_t d,
                         int normalize, const char *what)
{
    int rc = fg_dataset_alloc(out, n, d, FORGET_TASK_CLASSIFICATION, 0, 1,
                              what);
    if (rc == FORGET_OK)
        (*out)->x8_normalize = normalize;
    return rc;
}

static int fg_check_finite(const float *v, size_t n, size_t width,
                           const char *array, const char *what)
{
    for (size_t r = 0; r < n; r++)
        for (size_t c = 0; c < width; c++)
            if (!isfinite(v[r * width + c]))
                return fg_error(FORGET_E_INVALID, "%s: row %zu, %s %zu is "
                                "%s", what, r, array, c,
                                isnan(v[r * width + c]) ? "NaN" : "infinite");
    return FORGET_OK;
}

static int fg_validate(forget_dataset *ds, size_t *classes, const char *what)
{
    int rc = ds->x8 ? FORGET_OK /* bytes are finite */
                    : fg_check_finite(ds->x, ds->n, ds->d, "feature", what);
    if (rc != FORGET_OK)
        return rc;
    if (ds->task == FORGET_TASK_REGRESSION)
        return fg_check_finite(ds->targets, ds->n, ds->target_dim, "target",
                               what);
    size_t max_plus1 = 0;
    for (size_t r = 0; r < ds->n; r++) {
        if (ds->labels[r] < 0)
            return fg_error(FORGET_E_INVALID, "%s: row %zu has the negative "
                            "label %d", what, r, (int)ds->labels[r]);
        if ((size_t)ds->labels[r] + 1 > max_plus1)
            max_plus1 = (size_t)ds->labels[r] + 1;
    }
    if (*classes == 0)
        *classes = max_plus1;
    return FORGET_OK;
}

int fg_dataset_seal(forget_dataset **pds, size_t classes, const char *what)
{
    forget_dataset *ds = *pds;
    int rc = fg_validate(ds, &classes, what);
    if (rc == FORGET_OK) {
        size_t first, second;
        rc = fg_idmap_build(&ds->index, ds->ids, ds->n, &first, &second);
        if (rc == FORGET_E_NOMEM)
            fg_error(rc, "%s: out of memory for the id index of %zu rows",
                     what, ds->n);
        else if (rc != FORGET_OK)
            fg_error(FORGET_E_INVALID, "%s: sample id %llu appears in rows "
                     "%zu and %zu; ids must be distinct", what,
                     (unsigned long long)ds->ids[first], first, second);
    }
    if (rc != FORGET_OK) {
        fg_dataset_discard(ds);
        *pds = NULL;
        return rc;
    }
    if (ds->task == FORGET_TASK_CLASSIFICATION)
        ds->classes = classes;
    fg_object_created();
    return FORGET_OK;
}

static void fg_default_ids(forget_dataset *ds, const uint64_t *ids)
{
    if (ids)
        memcpy(ds->ids, ids, ds->n * sizeof *ids);
    else
        for (size_t i = 0; i < ds->n; i++)
            ds->ids[i] = i;
}

int forget_dataset_create(forget_dataset **out, size_t n, size_t d,
                          const float *x, const int32_t *labels,
                          const uint64_t *ids)
{
    FG_CHECK_ARG(out);
    if (n > 0) {
        FG_CHECK_ARG(x);
        FG_CHECK_ARG(labels);
    }
    forget_dataset *ds = NULL;
    int rc = fg_dataset_new(&ds, n, d, FORGET_TASK_CLASSIFICATION, 0,
                            __func__);
    if (rc != FORGET_OK)
        return rc;
    if (n > 0) {
        memcpy(ds->x, x, n * d * sizeof *x);
        memcpy(ds->labels, labels, n * sizeof *labels);
        fg_default_ids(ds, ids);
    }
    rc = fg_dataset_seal(&ds, 0, __func__);
    if (rc == FORGET_OK)
        *out = ds;
    return rc;
}

int forget_dataset_create_regression(forget_dataset **out, size_t n, size_t d,
                                     const float *x, const float *targets,
                                     size_t target_dim, const uint64_t *ids)
{
    FG_CHECK_ARG(out);
    if (n > 0) {
        FG_CHECK_ARG(x);
        FG_CHECK_ARG(targets);
    }
    forget_dataset *ds = NULL;
    int rc = fg_dataset_new(&ds, n, d, FORGET_TASK_REGRESSION, target_dim,
                            __func__);
    if (rc != FORGET_OK)
        return rc;
    if (n > 0) {
        memcpy(ds->x, x, n * d * sizeof *x);
        memcpy(ds->targets, targets, n * target_dim * sizeof *targets);
        fg_default_ids(ds, ids);
    }
    rc = fg_dataset_seal(&ds, 0, __func__);
    if (rc == FORGET_OK)
        *out = ds;
    return rc;
}

int fg_dataset_gather(forget_dataset **out, const forget_dataset *src,
                      const size_t *rows, size_t k, const char *what)
{
    forget_dataset *ds = NULL;
    size_t d = src->d;
    /* The rows keep their storage: bytes stay bytes (4x smaller). */
    int rc = src->x8 ? fg_dataset_new_bytes(&ds, k, d, src->x8_normalize, what)
                     : fg_dataset_new(&ds, k, d, src->task, src->target_dim,
                                      what);
    if (rc != FORGET_OK)
        return rc;
    for (size_t i = 0; i < k; i++) {
        size_t r = rows[i];
        if (src->x8)
            memcpy(ds->x8 + i * d, src->x8 + r * d, d);
        else
            memcpy(ds->x + i * d, src->x + r * d, d * sizeof *ds->x);
        if (src->labels)
            ds->labels[i] = src->labels[r];
        else
            memcpy(ds->targets + i * src->target_dim,
                   src->targets + r * src->target_dim,
                   src->target_dim * sizeof *src->targets);
        ds->ids[i] = src->ids[r];
    }
    rc = fg_dataset_seal(&ds, src->classes, what);
    if (rc == FORGET_OK)
        *out = ds;
    return rc;
}

void forget_dataset_free(forget_dataset *ds)
{
    if (ds == NULL)
        return;
    fg_dataset_discard(ds);
    fg_object_destroyed();
}

size_t forget_dataset_rows(const forget_dataset *ds) { return ds ? ds->n : 0; }

size_t forget_dataset_features(const forget_dataset *ds)
{
    return ds ? ds->d : 0;
}

int32_t forget_dataset_task(const forget_dataset *ds)
{
    return ds ? ds->task : 0;
}

size_t forget_dataset_classes(const forget_dataset *ds)
{
    return ds ? ds->classes : 0;
}

size_t forget_dataset_target_dim(const forget_dataset *ds)
{
    return ds ? ds->target_dim : 0;
}

const float *forget_dataset_x(const forget_dataset *ds)
{
    return ds ? ds->x : NULL;
}

const int32_t *forget_dataset_labels(const forget_dataset *ds)
{
    return ds ? ds->labels : NULL;
}

const float *forget_dataset_targets(const forget_dataset *ds)
{
    return ds ? ds->targets : NULL;
}

const uint64_t *forget_dataset_ids(const forget_dataset *ds)
{
    return ds ? ds->ids : NULL;
}

int forget_dataset_find(const forget_dataset *ds, uint64_t id, size_t *row)
{
    FG_CHECK_ARG(ds);
    FG_CHECK_ARG(row);
    if (!fg_idmap_find(&ds->index, id, row))
        return fg_error(FORGET_E_NOT_FOUND, "sample id %llu is not in the "
                        "dataset", (unsigned long long)id);
    return FORGET_OK;
}
