/* What eval and compare share: the model a command judges (a model file,
 * or the model an unlearner state presents) and a data set split into the
 * rows an id list names and the rest. */
#include <stdlib.h>

#include "cli.h"

int cli_judged_model(const char *cmd, const char *model, const char *state,
                     cli_judged *out)
{
    out->loaded = NULL;
    out->u = NULL;
    out->m = NULL;
    int r = forget_model_load(&out->loaded, model);
    if (r != FORGET_OK)
        return cli_fail(cmd, model, r);
    if (state && (r = forget_unlearner_load(&out->u, out->loaded, state)) !=
                     FORGET_OK) {
        cli_judged_free(out);
        return cli_fail(cmd, state, r);
    }
    /* the model the state presents (sisa's ensemble), else the model */
    out->m = out->u ? forget_unlearner_model(out->u) : out->loaded;
    if (out->m == NULL) {
        cli_judged_free(out);
        return cli_usage(cmd, "%s: the state is not prepared: it presents "
                         "no model", state);
    }
    return CLI_OK;
}

void cli_judged_free(cli_judged *j)
{
    forget_unlearner_free(j->u);
    forget_model_free(j->loaded);
    j->u = NULL;
    j->loaded = NULL;
    j->m = NULL;
}

int cli_split_ids(const char *cmd, const forget_dataset *data,
                  const char *ids_path, forget_dataset **named,
                  forget_dataset **rest)
{
    uint64_t *ids = NULL;
    size_t n = 0;
    int rc = cli_read_ids(cmd, ids_path, &ids, &n);
    if (rc != CLI_OK)
        return rc;
    int r = forget_dataset_subset_ids(named, data, ids, n);
    if (r == FORGET_OK &&
        (r = forget_dataset_complement(rest, data, *named)) != FORGET_OK) {
        forget_dataset_free(*named);
        *named = NULL;
    }
    free(ids);
    return r == FORGET_OK ? CLI_OK : cli_fail(cmd, "--forget-ids", r);
}
