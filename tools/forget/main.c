/* forget: the command-line face of libforget.
 *   forget methods | train | unlearn | eval | compare | info | journal |
 *   export | import
 *   (--help on each) */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static int usage(FILE *to)
{
    fprintf(to,
            "usage: forget COMMAND [options]   (forget COMMAND --help)\n"
            "  methods   the unlearning methods, their parameters and docs\n"
            "  train     train a model on IDX or CSV data and save it\n"
            "  unlearn   forget ids or a class from a saved model and state\n"
            "  eval      accuracy, loss, membership inference, distance\n"
            "  compare   the scorecard against retraining: a model beside "
            "the retrained\n            one and the original, and the gaps\n"
            "  info      what a model or state file holds, validated\n"
            "  journal   the records of a deletion journal (an audit)\n"
            "  export    the model a state presents (sisa: each constituent)"
            " as model files,\n"
            "            or a model as a safetensors file (--safetensors)\n"
            "  import    a dense model from a safetensors file (PyTorch)\n"
            "exit status: 0 done, 1 the library refused or failed, 2 bad "
            "usage\n");
    return to == stdout ? CLI_OK : CLI_USAGE;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage(stderr);
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help"))
        return usage(stdout);
    if (!strcmp(cmd, "--version")) {
        printf("forget %s\nBLAS: %s\n", forget_version_string(),
               forget_blas_info());
        return CLI_OK;
    }
    static const struct {
        const char *name;
        int (*fn)(int, char **);
    } cmds[] = {{"methods", cmd_methods}, {"train", cmd_train},
                {"unlearn", cmd_unlearn}, {"eval", cmd_eval},
                {"compare", cmd_compare},
                {"info", cmd_info}, {"journal", cmd_journal},
                {"export", cmd_export}, {"import", cmd_import}};
    for (size_t i = 0; i < sizeof cmds / sizeof *cmds; i++)
        if (!strcmp(cmd, cmds[i].name)) {
            if (forget_init() != FORGET_OK) {
                fprintf(stderr, "forget: %s\n", forget_last_error());
                return CLI_FAIL;
            }
            int rc = cmds[i].fn(argc - 2, argv + 2);
            forget_shutdown();
            return rc;
        }
    fprintf(stderr, "forget: unknown command '%s' (forget --help)\n", cmd);
    return CLI_USAGE;
}
