/* Rows a method keeps in its state, saved and loaded in one place: as a
 * dataset (sisa's remembered rows: ids, features as float32 or as bytes
 * with their scale, labels or targets), or slot by slot beside an id set
 * (analytic's: float32 features, float64 targets); all little-endian. */
#include <math.h>
#include <string.h>

#include "data/dataset.h"
#include "data/rows.h"
#include "format/sections.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/le.h"

int fg_kept_save(forget_writer *w, const fg_kept_tags *t,
                 const forget_dataset *ds)
{
    size_t n = ds->n;
    /* Little-endian arrays: the in-memory layout on our hosts. */
    int rc = forget_writer_section(w, t->ids, FORGET_SECTION_REQUIRED,
                                   ds->ids, n * sizeof(uint64_t));
    if (rc == FORGET_OK && ds->x8) {
        unsigned char norm = ds->x8_normalize ? 1 : 0;
        rc = forget_writer_section(w, t->x8_norm, FORGET_SECTION_REQUIRED,
                                   &norm, 1);
        if (rc == FORGET_OK)
            rc = forget_writer_section(w, t->x8, FORGET_SECTION_REQUIRED,
                                       ds->x8, n * ds->d);
    } else if (rc == FORGET_OK) {
        rc = forget_writer_section(w, t->x, FORGET_SECTION_REQUIRED, ds->x,
                                   n * ds->d * sizeof(float));
    }
    if (rc == FORGET_OK)
        rc = ds->labels
                 ? forget_writer_section(w, t->labels, FORGET_SECTION_REQUIRED,
                                         ds->labels, n * sizeof(int32_t))
                 : forget_writer_section(w, t->targets,
                                         FORGET_SECTION_REQUIRED, ds->targets,
                                         n * ds->target_dim * sizeof(float));
    return rc;
}

/* Is size exactly a * b * c bytes? (A product that overflows never is:
 * the sizes come from a file.) */
static int fg_size_is(size_t size, size_t a, size_t b, size_t c)
{
    size_t want;
    return fg_mul3_size(a, b, c, &want) == 0 && size == want;
}

/* Do the sections have the sizes n rows need? */
static int fg_kept_fits(const fg_slot *ids, const fg_slot *x,
                        const fg_slot *norm, const fg_slot *x8,
                        const fg_slot *y, size_t d, int32_t task, size_t k,
                        const char *owner)
{
    size_t n = ids->size / 8;
    int regression = task == FORGET_TASK_REGRESSION;
    /* The features as floats or as bytes, never both; bytes only for
     * classification. */
    int bytes = x8->data != NULL;
    if (bytes ? (x->data || regression || norm->size != 1 ||
                 norm->data[0] > 1 || !fg_size_is(x8->size, n, d, 1))
              : (norm->data || !fg_size_is(x->size, n, d, 4)))
        return fg_error(FORGET_E_FORMAT, "%s: the saved state's features "
                        "are neither %zu floats nor %zu bytes with their "
                        "scale", owner, n * d, n * d);
    if (!ids->data || ids->size % 8 ||
        !fg_size_is(y->size, n, regression ? k : 1, 4))
        return fg_error(FORGET_E_FORMAT, "%s: the saved rows' ids and "
                        "%s disagree", owner, regression ? "targets"
                                                         : "labels");
    return FORGET_OK;
}

int fg_kept_load(forget_dataset **out, const fg_slot *table,
                 const fg_kept_tags *t, size_t d, int32_t task, size_t k,
                 const char *owner)
{
    const fg_slot *ids = fg_slot_get(table, t->ids),
                  *x = fg_slot_get(table, t->x),
                  *norm = fg_slot_get(table, t->x8_norm),
                  *x8 = fg_slot_get(table, t->x8),
                  *y = fg_slot_get(table, task == FORGET_TASK_REGRESSION
                                              ? t->targets
                                              : t->labels);
    int rc = fg_kept_fits(ids, x, norm, x8, y, d, task, k, owner);
    if (rc != FORGET_OK)
        return rc;
    size_t n = ids->size / 8;
    forget_dataset *ds = NULL;
    rc = x8->data ? fg_dataset_new_bytes(&ds, n, d, norm->data[0], owner)
                  : fg_dataset_new(&ds, n, d, task, k, owner);
    if (rc != FORGET_OK)
        return rc;
    fg_get_u64s(ds->ids, ids->data, n);
    if (!x8->data)
        fg_get_f32s(ds->x, x->data, n * d);
    else if (n > 0)
        memcpy(ds->x8, x8->data, n * d);
    if (task == FORGET_TASK_REGRESSION)
        fg_get_f32s(ds->targets, y->data, n * k);
    else
        for (size_t i = 0; i < n; i++) {
            ds->labels[i] = (int32_t)fg_get_u32(y->data + 4 * i);
            /* a label the model has no class for: every later request
             * would fail on it */
            if (ds->labels[i] < 0 || (size_t)ds->labels[i] >= k) {
                rc = fg_error(FORGET_E_FORMAT, "%s: the saved row of sample "
                              "id %llu has label %d, beyond the model's %zu "
                              "classes", owner,
                              (unsigned long long)ds->ids[i],
                              (int)ds->labels[i], k);
                fg_dataset_discard(ds);
                return rc;
            }
        }
    rc = fg_dataset_seal(&ds, k, owner);
    if (rc == FORGET_OK)
        *out = ds;
    return rc;
}

/* ---- rows kept slot by slot beside an id set (analytic) ---- */

int fg_kept_slots_save(forget_writer *w, const fg_kept_slot_tags *t,
                       const float *x, const double *y, size_t n, size_t d,
                       size_t k)
{
    /* Little-endian arrays: the in-memory layout on our hosts. */
    int rc = forget_writer_section(w, t->x, FORGET_SECTION_REQUIRED, x,
                                   n * d * sizeof(float));
    if (rc == FORGET_OK)
        rc = forget_writer_section(w, t->y, FORGET_SECTION_REQUIRED, y,
                                   n * k * sizeof(double));
    return rc;
}

int fg_kept_slots_load(float **x_out, double **y_out, const fg_slot *table,
                       const fg_kept_slot_tags *t, size_t n, size_t d,
                       size_t k, const char *owner)
{
    const fg_slot *xs = fg_slot_get(table, t->x), *ys = fg_slot_get(table, t->y);
    if (!fg_size_is(xs->size, n, d, sizeof(float)) ||
        !fg_size_is(ys->size, n, k, sizeof(double)))
        return fg_error(FORGET_E_FORMAT, "%s: the kept rows are missing or "
                        "do not fit", owner);
    size_t nx = n * d, ny = n * k; /* fit the sizes just checked */
    if (ys->data == NULL)
        return fg_error(FORGET_E_FORMAT, "%s: section %s is missing or does "
                        "not fit the model", owner, t->y);
    float *x = fg_malloc_array(nx ? nx : 1, sizeof(float));
    double *y = fg_malloc_array(ny ? ny : 1, sizeof(double));
    if (x == NULL || y == NULL) {
        fg_free(x);
        fg_free(y);
        return fg_nomem("the kept rows");
    }
    fg_get_f32s(x, xs->data, nx);
    fg_get_f64s(y, ys->data, ny);
    for (size_t i = 0; i < ny; i++)
        if (!isfinite(y[i])) {
            fg_free(x);
            fg_free(y);
            return fg_error(FORGET_E_FORMAT, "%s: section %s holds a "
                            "non-finite value", owner, t->y);
        }
    *x_out = x;
    *y_out = y;
    return FORGET_OK;
}
