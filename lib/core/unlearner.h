/* The unlearner handle's layout, shared by its API and its file code. */
#ifndef FG_CORE_UNLEARNER_H
#define FG_CORE_UNLEARNER_H

#include "forget/backend.h"

struct forget_unlearner {
    const forget_method *method;
    void *state;
    forget_model *model;
    char *params_text;     /* as given to create (saved with the state) */
    forget_report *report; /* of the last successful call, or NULL */
    forget_progress_fn progress;
    void *progress_user;
    int prepared;
};

/* Turn a backend's status into ours: a failure without a message of its
 * own gets one naming the method and the step. */
int fg_backend_status(const forget_method *m, const char *step, int rc);

/* The registered method, checking that model may be NULL for it. */
int fg_unlearner_lookup(const char *method, forget_model *model,
                        const forget_method **out);
/* Parse text against the method's table. */
int fg_unlearner_params(const forget_method *m, const char *text,
                        forget_params **out);
/* A handle around a backend state (counted alive); on failure the caller
 * still owns state. */
int fg_unlearner_wrap(forget_unlearner **out, const forget_method *m,
                      forget_model *model, const char *params, void *state);

#endif
