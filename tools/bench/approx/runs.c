/* One method run (runs.h). */
#include "runs.h"

#include <stdio.h>
#include <string.h>

#include "../bench_common.h"

int ba_method_exists(const char *method)
{
    const char *desc = NULL;
    uint32_t flags = 0;
    return forget_method_describe(method, &desc, &flags) == FORGET_OK;
}

/* The report's figures as "key=value ..." into buf, those of the
 * calibration (calibrated_*, calibration_*) into cal; per-block figures
 * and the method's own timing left out. */
static void report_text(const forget_report *r, char *buf, size_t len,
                        char *cal, size_t cal_len)
{
    size_t used = 0, cal_used = 0;
    buf[0] = cal[0] = '\0';
    for (size_t i = 0; r && i < forget_report_count(r); i++) {
        const char *key = forget_report_key(r, i);
        if (strchr(key, '.') || !strcmp(key, "seconds"))
            continue;
        int is_cal = !strncmp(key, "calibrat", 8);
        char *dst = is_cal ? cal : buf;
        size_t *at = is_cal ? &cal_used : &used, cap = is_cal ? cal_len : len;
        if (*at < cap)
            *at += (size_t)snprintf(dst + *at, cap - *at, "%s%s=%g",
                                    *at ? " " : "", key,
                                    forget_report_value(r, i));
    }
}

/* The call that failed as the run's note: skipped for an unknown
 * parameter (a method that does not take it), refused otherwise. */
static void note_failure(ba_run *out, const char *what, int rc)
{
    out->status = rc == FORGET_E_PARAM && !strcmp(what, "create")
                      ? BA_SKIPPED
                      : BA_REFUSED;
    snprintf(out->note, sizeof out->note, "%s: %s (%s)", what,
             forget_strerror(rc), forget_last_error());
}

int ba_run_method(ba_run *out, const char *method, const char *params,
                  const ba_bed *bed)
{
    memset(out, 0, sizeof *out);
    snprintf(out->method, sizeof out->method, "%s", method);
    snprintf(out->params, sizeof out->params, "%s", params);
    if (!ba_method_exists(method)) {
        out->status = BA_SKIPPED;
        snprintf(out->note, sizeof out->note,
                 "method '%s' is not registered in this build", method);
        return 0;
    }
    forget_model *m = NULL;
    forget_unlearner *u = NULL;
    int rc = forget_model_clone(&m, bed->original);
    if (rc != FORGET_OK) {
        snprintf(out->note, sizeof out->note, "clone: %s",
                 forget_last_error());
        return -1;
    }
    rc = forget_unlearner_create(&u, method, m, params);
    if (rc != FORGET_OK) {
        note_failure(out, "create", rc);
        forget_model_free(m);
        return 0;
    }
    if (bed->heldout && strstr(params, "target=") &&
        (rc = forget_unlearner_set_heldout(u, bed->heldout)) != FORGET_OK)
        note_failure(out, "set_heldout", rc);
    double t0 = bench_now();
    if (rc == FORGET_OK && (rc = forget_unlearner_prepare(u, bed->train)))
        note_failure(out, "prepare", rc);
    out->prepare_seconds = bench_now() - t0;
    t0 = bench_now();
    if (rc == FORGET_OK &&
        (rc = forget_unlearner_forget(u, bed->sets.forget)))
        note_failure(out, "forget", rc);
    out->forget_seconds = bench_now() - t0;
    int failed = 0;
    if (rc == FORGET_OK) {
        report_text(forget_unlearner_report(u), out->report,
                    sizeof out->report, out->calibration,
                    sizeof out->calibration);
        rc = ba_scorecard(m, &bed->sets, &bed->retrained, &out->score);
        if (rc != FORGET_OK) {
            snprintf(out->note, sizeof out->note, "scorecard: %s",
                     forget_last_error());
            failed = -1;
        }
    }
    forget_unlearner_free(u);
    forget_model_free(m);
    return failed;
}
