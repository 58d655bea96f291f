/* The unlearner handle's layout, shared by its API and its file code. */
#ifndef FG_UNLEARNER_UNLEARNER_H
#define FG_UNLEARNER_UNLEARNER_H

#include "forget/backend.h"
#include "util/comm.h"

typedef struct fg_ujournal fg_ujournal; /* lib/unlearner/unlearner_journal.c */

struct forget_unlearner {
    const forget_method *method;
    void *state;
    forget_model *model;
    char *params_text;     /* as given to create (saved with the state) */
    forget_report *report; /* of the last successful call, or NULL */
    forget_progress_fn progress;
    void *progress_user;
    int prepared;
    fg_ujournal *journal; /* NULL unless a journal is attached */
    /* The last journaled request this state holds, and its journal's id
     * (saved as section _JSQ; known = 0 when the state never had one). */
    uint64_t journal_id, journal_seq;
    int journal_known;
    /* The HMAC key of the journal's chain (forget_unlearner_set_journal_key),
     * or NULL. */
    unsigned char *journal_key;
    size_t journal_key_len;
    /* The host's held-out rows, a copy (forget_unlearner_set_heldout), or
     * NULL; handed to the method's calls through forget_run_heldout. */
    forget_dataset *heldout;
    /* The attached communicator, a copy in a box that notices a failed
     * collective (forget_unlearner_set_comm), or NULL for the
     * single-process one. */
    fg_comm_box *comm;
};

/* The unlearner's communicator (never NULL). */
const forget_comm *fg_unlearner_comm(const forget_unlearner *u);
/* FORGET_E_STATE when a collective failed on this rank: the ranks may
 * hold different outcomes of the request it was part of, so the unlearner
 * takes no more requests, attachments or saves (docs/MPI.md,
 * "Failures"). caller names the call. */
int fg_unlearner_whole(const forget_unlearner *u, const char *caller);

/* The backend steps. */
typedef enum fg_stage {
    FG_STAGE_PREPARE,
    FG_STAGE_LEARN,
    FG_STAGE_FORGET /* rows, or ids when ids is not NULL */
} fg_stage;

/* Its name in reports and messages ("prepare", "learn", "forget"). */
const char *fg_stage_name(fg_stage stage);

/* One call of a backend step. journal_seq, when not 0, goes into the
 * call's report. */
typedef struct fg_step {
    fg_stage stage;
    const forget_dataset *rows;
    const uint64_t *ids;
    size_t count;
    uint64_t journal_seq;
} fg_step;

/* Run one backend step with a fresh report, kept only on success. */
int fg_run_step(forget_unlearner *u, const fg_step *st);

/* The journaled form of a learn or forget step (the unlearner has a
 * journal): logged before, ended after. */
int fg_journal_step(forget_unlearner *u, fg_step *st);
/* Detach and close the journal and wipe the journal key
 * (forget_unlearner_free). */
void fg_journal_detach(forget_unlearner *u);

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
