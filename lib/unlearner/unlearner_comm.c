/* Attaching a communicator to an unlearner (forget_unlearner_set_comm):
 * the table is checked and copied, and the method keeps it or refuses. */
#include <string.h>

#include "util/alloc.h"
#include "util/comm.h"
#include "util/error.h"
#include "unlearner/unlearner.h"

const forget_comm *fg_unlearner_comm(const forget_unlearner *u)
{
    return u->comm ? u->comm : forget_comm_single();
}

const forget_comm *forget_unlearner_comm(const forget_unlearner *u)
{
    return u ? fg_unlearner_comm(u) : NULL;
}

int forget_unlearner_set_comm(forget_unlearner *u, const forget_comm *comm)
{
    FG_CHECK_ARG(u);
    forget_comm *c = fg_malloc(sizeof *c);
    if (c == NULL)
        return fg_nomem("a communicator");
    int rc = fg_comm_copy(c, comm ? comm : forget_comm_single());
    if (rc != FORGET_OK) { /* a malformed table: nothing to agree over */
        fg_free(c);
        return rc;
    }
    const forget_method *m = u->method;
    if (rc == FORGET_OK && fg_comm_multi(c) && m->set_comm == NULL)
        rc = fg_error(FORGET_E_UNSUPPORTED, "%s: method '%s' runs on one "
                      "rank only, not on %d", __func__, m->name,
                      (int)c->size);
    if (rc == FORGET_OK && fg_comm_multi(c) && u->journal)
        rc = fg_error(FORGET_E_UNSUPPORTED, "%s: a journal is attached; the "
                      "journal of an unlearner on many ranks is not "
                      "implemented yet (docs/MPI.md)", __func__);
    int kept = 0; /* the method took c */
    if (rc == FORGET_OK && m->set_comm) {
        forget_set_error(FORGET_OK, "");
        rc = fg_backend_status(m, "set_comm", m->set_comm(u->state, c));
        kept = rc == FORGET_OK;
    }
    /* A prepared (or loaded) state on many ranks: the ranks check that
     * they hold parts of one state, by the model every part presents
     * (collective: every rank attaches its table). */
    if (u->prepared && fg_comm_multi(c)) {
        unsigned char d[32];
        if (rc == FORGET_OK)
            rc = forget_model_digest(forget_unlearner_model(u), d);
        rc = fg_comm_agree(c, rc); /* every rank compares, or none */
        if (rc == FORGET_OK &&
            (rc = fg_comm_same(c, d, sizeof d, "model")) == FORGET_E_INVALID)
            rc = fg_error(FORGET_E_STATE, "%s: the ranks' states are not "
                          "parts of one state (%s)", __func__,
                          forget_last_error());
    }
    if (rc != FORGET_OK) {
        if (kept) /* back to the table the method had: it took it before */
            (void)m->set_comm(u->state, fg_unlearner_comm(u));
        fg_free(c);
        return rc;
    }
    fg_free(u->comm);
    u->comm = c;
    return FORGET_OK;
}
