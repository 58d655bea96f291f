/* New datasets from old: by ids, without ids, by class, by row range.
 * Rows always keep the source's order. */
#include <string.h>

#include "util/alloc.h"
#include "util/error.h"
#include "data/dataset.h"

/* Mark the rows of the listed ids (1 byte per row). Missing or repeated
 * ids fail, naming the id. */
static int fg_mark_ids(const forget_dataset *ds, const uint64_t *ids,
                       size_t count, unsigned char **marks, const char *what)
{
    unsigned char *m = fg_calloc(ds->n ? ds->n : 1, 1);
    if (m == NULL)
        return fg_nomem("row marks");
    for (size_t i = 0; i < count; i++) {
        size_t row;
        if (!fg_idmap_find(&ds->index, ids[i], &row)) {
            fg_free(m);
            return fg_error(FORGET_E_NOT_FOUND, "%s: sample id %llu (entry "
                            "%zu of the list) is not in the dataset", what,
                            (unsigned long long)ids[i], i);
        }
        if (m[row]) {
            fg_free(m);
            return fg_error(FORGET_E_INVALID, "%s: sample id %llu is listed "
                            "twice", what, (unsigned long long)ids[i]);
        }
        m[row] = 1;
    }
    *marks = m;
    return FORGET_OK;
}

/* Gather the rows whose mark equals keep. */
static int fg_gather_marked(forget_dataset **out, const forget_dataset *ds,
                            const unsigned char *marks, unsigned char keep,
                            const char *what)
{
    size_t *rows = fg_malloc_array(ds->n ? ds->n : 1, sizeof *rows);
    if (rows == NULL)
        return fg_nomem("a row list");
    size_t k = 0;
    for (size_t r = 0; r < ds->n; r++)
        if (marks[r] == keep)
            rows[k++] = r;
    int rc = fg_dataset_gather(out, ds, rows, k, what);
    fg_free(rows);
    return rc;
}

static int fg_by_ids(forget_dataset **out, const forget_dataset *ds,
                     const uint64_t *ids, size_t count, unsigned char keep,
                     const char *what)
{
    if (out == NULL || ds == NULL || (count > 0 && ids == NULL))
        return fg_error(FORGET_E_INVALID, "%s: out, ds or ids is NULL", what);
    unsigned char *marks = NULL;
    int rc = fg_mark_ids(ds, ids, count, &marks, what);
    if (rc != FORGET_OK)
        return rc;
    rc = fg_gather_marked(out, ds, marks, keep, what);
    fg_free(marks);
    return rc;
}

int forget_dataset_subset_ids(forget_dataset **out, const forget_dataset *ds,
                              const uint64_t *ids, size_t count)
{
    return fg_by_ids(out, ds, ids, count, 1, __func__);
}

int forget_dataset_exclude_ids(forget_dataset **out, const forget_dataset *ds,
                               const uint64_t *ids, size_t count)
{
    return fg_by_ids(out, ds, ids, count, 0, __func__);
}

int forget_dataset_complement(forget_dataset **out, const forget_dataset *ds,
                              const forget_dataset *remove)
{
    FG_CHECK_ARG(remove);
    return fg_by_ids(out, ds, remove->ids, remove->n, 0, __func__);
}

int forget_dataset_subset_class(forget_dataset **out, const forget_dataset *ds,
                                int32_t label)
{
    FG_CHECK_ARG(out);
    FG_CHECK_ARG(ds);
    if (ds->task != FORGET_TASK_CLASSIFICATION)
        return fg_error(FORGET_E_INVALID, "%s: the dataset has regression "
                        "targets, not classes", __func__);
    if (label < 0)
        return fg_error(FORGET_E_INVALID, "%s: label %d is negative",
                        __func__, (int)label);
    unsigned char *marks = fg_malloc(ds->n ? ds->n : 1);
    if (marks == NULL)
        return fg_nomem("row marks");
    for (size_t r = 0; r < ds->n; r++)
        marks[r] = ds->labels[r] == label;
    int rc = fg_gather_marked(out, ds, marks, 1, __func__);
    fg_free(marks);
    return rc;
}

int forget_dataset_slice(forget_dataset **out, const forget_dataset *ds,
                         size_t begin, size_t end)
{
    FG_CHECK_ARG(out);
    FG_CHECK_ARG(ds);
    if (begin > end || end > ds->n)
        return fg_error(FORGET_E_INVALID, "%s: rows [%zu, %zu) are not "
                        "within the dataset's %zu", __func__, begin, end,
                        ds->n);
    size_t *rows = fg_malloc_array(end - begin ? end - begin : 1,
                                   sizeof *rows);
    if (rows == NULL)
        return fg_nomem("a row list");
    for (size_t r = begin; r < end; r++)
        rows[r - begin] = r;
    int rc = fg_dataset_gather(out, ds, rows, end - begin, __func__);
    fg_free(rows);
    return rc;
}
