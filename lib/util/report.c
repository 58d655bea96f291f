/* Reports: a small list of (key, value) figures filled by backends through
 * the run context, read by hosts through forget_report_*. */
#include "util/report.h"

#include <math.h>
#include <string.h>

#include "util/alloc.h"
#include "util/error.h"

#define FG_KEY_MAX 64

typedef struct fg_figure {
    char key[FG_KEY_MAX];
    double value;
} fg_figure;

struct forget_report {
    fg_figure *figures;
    size_t n, cap;
};

forget_report *fg_report_new(void) { return fg_calloc(1, sizeof(forget_report)); }

void fg_report_free(forget_report *r)
{
    if (r == NULL)
        return;
    fg_free(r->figures);
    fg_free(r);
}

int fg_report_set(forget_report *r, const char *key, double value)
{
    size_t len = strlen(key);
    if (len == 0 || len >= FG_KEY_MAX)
        return fg_error(FORGET_E_INVALID, "report key '%.64s' must be 1 to "
                        "%d bytes", key, FG_KEY_MAX - 1);
    for (size_t i = 0; i < r->n; i++)
        if (!strcmp(r->figures[i].key, key)) {
            r->figures[i].value = value;
            return FORGET_OK;
        }
    int rc = fg_grow(&r->figures, &r->cap, r->n + 1, sizeof *r->figures,
                     "a report figure");
    if (rc != FORGET_OK)
        return rc;
    memcpy(r->figures[r->n].key, key, len + 1);
    r->figures[r->n].value = value;
    r->n++;
    return FORGET_OK;
}

size_t forget_report_count(const forget_report *r) { return r ? r->n : 0; }

const char *forget_report_key(const forget_report *r, size_t i)
{
    return r && i < r->n ? r->figures[i].key : NULL;
}

double forget_report_value(const forget_report *r, size_t i)
{
    return r && i < r->n ? r->figures[i].value : NAN;
}

int forget_report_get(const forget_report *r, const char *key, double *value)
{
    FG_CHECK_ARG(r);
    FG_CHECK_ARG(key);
    FG_CHECK_ARG(value);
    for (size_t i = 0; i < r->n; i++)
        if (!strcmp(r->figures[i].key, key)) {
            *value = r->figures[i].value;
            return FORGET_OK;
        }
    return fg_error(FORGET_E_NOT_FOUND, "the report has no figure '%.64s'",
                    key);
}

/* ---- the run context ---- */

int forget_run_progress(forget_run *run, double fraction)
{
    FG_CHECK_ARG(run);
    if (run->progress == NULL)
        return FORGET_OK;
    if (!(fraction >= 0.0))
        fraction = 0.0;
    if (fraction >= 1.0) {
        if (run->finished)
            return FORGET_OK; /* exactly one 1.0 per call */
        fraction = 1.0;
        run->finished = 1;
    }
    if (run->progress(fraction, run->stage, run->progress_user) != 0)
        return fg_error(FORGET_E_CANCELED, "%s canceled by the progress "
                        "callback", run->stage);
    return FORGET_OK;
}

void fg_run_finish(forget_run *run)
{
    if (run->progress != NULL && !run->finished) {
        run->finished = 1;
        (void)run->progress(1.0, run->stage, run->progress_user);
    }
}

int forget_run_report(forget_run *run, const char *key, double value)
{
    FG_CHECK_ARG(run);
    FG_CHECK_ARG(key);
    return fg_report_set(run->report, key, value);
}

const forget_dataset *forget_run_heldout(const forget_run *run)
{
    return run ? run->heldout : NULL;
}

const forget_comm *forget_run_comm(const forget_run *run)
{
    return run && run->comm ? run->comm : forget_comm_single();
}

int32_t forget_run_threads(const forget_run *run)
{
    (void)run;
    return forget_get_threads();
}
