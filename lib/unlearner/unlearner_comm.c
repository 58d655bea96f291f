/* Attaching a communicator to an unlearner (forget_unlearner_set_comm):
 * the table is checked and copied into a box (util/comm.h), and the method
 * keeps it or refuses. */
#include <string.h>

#include "util/alloc.h"
#include "util/comm.h"
#include "util/error.h"
#include "unlearner/unlearner.h"

const forget_comm *fg_unlearner_comm(const forget_unlearner *u)
{
    return u->comm ? fg_comm_box_table(u->comm) : forget_comm_single();
}

const forget_comm *forget_unlearner_comm(const forget_unlearner *u)
{
    return u ? fg_unlearner_comm(u) : NULL;
}

int fg_unlearner_whole(const forget_unlearner *u, const char *caller)
{
    if (!fg_comm_box_broken(u->comm))
        return FORGET_OK;
    const forget_comm *c = fg_unlearner_comm(u);
    return fg_error(FORGET_E_STATE, "%s: a collective failed on this rank "
                    "(rank %d of %d) during an earlier call, so what the "
                    "other ranks did is unknown and this unlearner takes "
                    "nothing more: end every rank, load the parts saved "
                    "before and open the journals again, which finish the "
                    "request everywhere or nowhere (docs/MPI.md)", caller,
                    (int)c->rank, (int)c->size);
}

int forget_unlearner_set_comm(forget_unlearner *u, const forget_comm *comm)
{
    FG_CHECK_ARG(u);
    int rc = fg_unlearner_whole(u, __func__);
    if (rc != FORGET_OK)
        return rc;
    fg_comm_box *box = NULL;
    rc = fg_comm_box_new(&box, comm ? comm : forget_comm_single());
    if (rc != FORGET_OK) /* a malformed table: nothing to agree over */
        return rc;
    const forget_comm *c = fg_comm_box_table(box);
    const forget_method *m = u->method;
    /* refusals every rank makes alike (the same method, journals opened
     * together), before any collective */
    if (fg_comm_multi(c) && m->set_comm == NULL)
        rc = fg_error(FORGET_E_UNSUPPORTED, "%s: method '%s' runs on one "
                      "rank only, not on %d", __func__, m->name,
                      (int)c->size);
    if (rc == FORGET_OK && u->journal &&
        (fg_comm_multi(c) || fg_comm_multi(fg_unlearner_comm(u))))
        rc = fg_error(FORGET_E_STATE, "%s: a journal is attached; attach "
                      "the communicator first, then open the journal "
                      "(docs/MPI.md)", __func__);
    if (rc != FORGET_OK) {
        fg_comm_box_free(box);
        return rc;
    }
    int kept = 0; /* the method took c */
    if (rc == FORGET_OK && m->set_comm) {
        forget_set_error(FORGET_OK, "");
        rc = fg_backend_status(m, "set_comm", m->set_comm(u->state, c));
        kept = rc == FORGET_OK;
    }
    /* Attaching a table of many ranks is collective, whatever each
     * rank's own state: the ranks check that they hold parts of one
     * state (every rank prepared or loaded, presenting the same model)
     * or are all still unprepared. */
    if (fg_comm_multi(c)) {
        unsigned char d[1 + 32];
        memset(d, 0, sizeof d);
        d[0] = (unsigned char)(u->prepared != 0);
        if (rc == FORGET_OK && u->prepared)
            rc = forget_model_digest(forget_unlearner_model(u), d + 1);
        rc = fg_comm_agree(c, rc); /* every rank compares, or none */
        if (rc == FORGET_OK &&
            (rc = fg_comm_same(c, d, sizeof d, "state (prepared or not, "
                               "and its model)")) == FORGET_E_INVALID)
            rc = fg_error(FORGET_E_STATE, "%s: the ranks' states are not "
                          "parts of one state (%s)", __func__,
                          forget_last_error());
    }
    if (rc != FORGET_OK) {
        if (kept) /* back to the table the method had: it took it before */
            (void)m->set_comm(u->state, fg_unlearner_comm(u));
        fg_comm_box_free(box);
        return rc;
    }
    fg_comm_box_free(u->comm);
    u->comm = box;
    return FORGET_OK;
}
