/* Rows a method keeps in its state (sisa's remembered rows), saved and
 * loaded in one place: ids, features as float32 or as bytes with their
 * scale, labels or targets, all little-endian. */
#include <string.h>

#include "data/dataset.h"
#include "format/sections.h"
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
                 norm->data[0] > 1 || x8->size != n * d)
              : (norm->data || x->size != n * d * 4))
        return fg_error(FORGET_E_FORMAT, "%s: the saved state's features "
                        "are neither %zu floats nor %zu bytes with their "
                        "scale", owner, n * d, n * d);
    if (!ids->data || ids->size % 8 || y->size != n * (regression ? k : 1) * 4)
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
        for (size_t i = 0; i < n; i++)
            ds->labels[i] = (int32_t)fg_get_u32(y->data + 4 * i);
    rc = fg_dataset_seal(&ds, k, owner);
    if (rc == FORGET_OK)
        *out = ds;
    return rc;
}
