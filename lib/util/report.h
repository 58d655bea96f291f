/* Reports (named figures of one call) and the run context of a call. */
#ifndef FG_UTIL_REPORT_H
#define FG_UTIL_REPORT_H

#include "forget/backend.h"

forget_report *fg_report_new(void);
void fg_report_free(forget_report *r);
int fg_report_set(forget_report *r, const char *key, double value);

struct forget_run {
    forget_report *report;
    forget_progress_fn progress;
    void *progress_user;
    const char *stage;
    int finished; /* 1.0 was reported: never again in this call */
    /* The unlearner's held-out rows (forget_unlearner_set_heldout), or
     * NULL. */
    const forget_dataset *heldout;
    /* The unlearner's communicator (never NULL). */
    const forget_comm *comm;
};

/* The end of a successful call: report 1.0 if the method has not (the
 * host sees exactly one 1.0 per call). Its cancel is not honoured: the
 * change is made and cannot be undone. */
void fg_run_finish(forget_run *run);

#endif
