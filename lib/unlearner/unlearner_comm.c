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
    const forget_method *m = u->method;
    if (rc == FORGET_OK && fg_comm_multi(c) && m->set_comm == NULL)
        rc = fg_error(FORGET_E_UNSUPPORTED, "%s: method '%s' runs on one "
                      "rank only, not on %d", __func__, m->name,
                      (int)c->size);
    if (rc == FORGET_OK && fg_comm_multi(c) && u->journal)
        rc = fg_error(FORGET_E_UNSUPPORTED, "%s: a journal is attached; the "
                      "journal of an unlearner on many ranks is not "
                      "implemented yet (docs/MPI.md)", __func__);
    if (rc == FORGET_OK && m->set_comm) {
        forget_set_error(FORGET_OK, "");
        rc = fg_backend_status(m, "set_comm", m->set_comm(u->state, c));
    }
    if (rc != FORGET_OK) {
        fg_free(c);
        return rc;
    }
    fg_free(u->comm);
    u->comm = c;
    return FORGET_OK;
}
