/* What does not run on many ranks says so: a method without set_comm
 * (finetune), a prepared state given one rank's table, a journal, rows
 * learned twice, malformed tables. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <forget/backend.h>

#include "mpi_test.h"

void test_refusals(void)
{
    forget_comm *c = world_comm();
    forget_dataset *all = make_rows(120, 6, 3, 5);
    forget_dataset *mine = my_rows(all);
    forget_model *lin = NULL, *an = NULL;
    forget_unlearner *u = NULL, *a = NULL;
    CHECK_OK(forget_model_create(&lin, "linear", "inputs=6 outputs=3"));
    CHECK_OK(forget_unlearner_create(&u, "finetune", lin, ""));
    /* one rank: every method takes it */
    CHECK_OK(forget_unlearner_set_comm(u, forget_comm_single()));
    int rc = forget_unlearner_set_comm(u, c);
    CHECK(rc == (g_size > 1 ? FORGET_E_UNSUPPORTED : FORGET_OK));
    CHECK(forget_unlearner_comm(u)->size == (g_size > 1 ? 1 : g_size));

    CHECK_OK(forget_model_create(&an, "analytic", "inputs=6 outputs=3 "
                                 "features=identity"));
    CHECK_OK(forget_unlearner_create(&a, "analytic", an, ""));
    CHECK_OK(forget_unlearner_set_comm(a, c));
    CHECK_OK(forget_unlearner_prepare(a, mine));
    if (g_size > 1) {
        /* the state is rank r of P: one process's table detaches it, and
         * its requests are refused until its own is back */
        CHECK_OK(forget_unlearner_set_comm(a, NULL));
        CHECK(forget_unlearner_forget(a, mine) == FORGET_E_STATE);
        CHECK_OK(forget_unlearner_set_comm(a, c)); /* collective */
        CHECK(forget_unlearner_comm(a)->size == g_size);
        /* rows this rank learned already */
        CHECK(forget_unlearner_learn(a, mine) == FORGET_E_INVALID);
        /* a journal that rank 1 cannot open is refused on every rank,
         * and none is attached (the journals on many ranks:
         * tests/test_comm_journal.c, fault/) */
        char jp[64];
        snprintf(jp, sizeof jp, "/tmp/fg_refusals_%d_%d.fgj", (int)getpid(),
                 g_rank);
        CHECK(forget_unlearner_open_journal(
                  a, g_rank == 1 ? "/nonexistent/j" : jp, 0) == FORGET_E_IO);
        int f = 0;
        CHECK(forget_unlearner_is_forgotten(a, 1, &f) == FORGET_E_STATE);
        remove(jp);
    }
    /* a malformed table: nothing changes */
    forget_comm bad = *c;
    bad.rank = g_size;
    CHECK(forget_unlearner_set_comm(a, &bad) == FORGET_E_INVALID);
    bad = *c;
    bad.allgather = NULL;
    CHECK(forget_unlearner_set_comm(a, &bad) == FORGET_E_INVALID);
    bad = *c;
    bad.struct_size = 16;
    CHECK(forget_unlearner_set_comm(a, &bad) == FORGET_E_INVALID);
    CHECK(forget_unlearner_comm(a)->size == g_size);
    forget_unlearner_free(u);
    forget_unlearner_free(a);
    forget_model_free(lin);
    forget_model_free(an);
    forget_dataset_free(mine);
    forget_dataset_free(all);
    forget_mpi_comm_free(c);
}
