/* forget train: create a model, train it on IDX or CSV data, save it. */
#include <stdio.h>

#include "cli.h"

int cmd_train(int argc, char **argv)
{
    cli_opt opts[] = {{"--data", 1, NULL},  {"--csv", 1, NULL},
                      {"--kind", 1, NULL},  {"--params", 1, NULL},
                      {"--train", 1, NULL}, {"--out", 1, NULL},
                      {"--quiet", 0, NULL}, {"--help", 0, NULL},
                      {NULL, 0, NULL}};
    int rc = cli_parse("train", argc, argv, opts, NULL, 0);
    if (rc != CLI_OK)
        return rc;
    if (cli_get(opts, "--help")) {
        printf("usage: forget train --data SPEC --kind KIND --params P "
               "--out MODEL [--train T] [--csv C] [--quiet]\n"
               "  --data   images.idx.gz:labels.idx.gz, or file.csv\n"
               "  --csv    CSV loader parameters (label=0 header=false ...)\n"
               "  --kind   linear | mlp | analytic\n"
               "  --params the kind's parameters (layers=784-128-10 ...)\n"
               "  --train  training parameters (epochs=5 lr=0.05 ...; "
               "empty for analytic)\n"
               "  --out    where to save the model\n");
        return CLI_OK;
    }
    const char *data = cli_get(opts, "--data"), *kind = cli_get(opts, "--kind");
    const char *out = cli_get(opts, "--out");
    if (!data || !kind || !out)
        return cli_usage("train", "%s", "--data, --kind and --out are "
                         "required");
    cli_progress_setup(cli_get(opts, "--quiet") != NULL);
    forget_dataset *ds = NULL;
    rc = cli_load_data("train", data, cli_get(opts, "--csv"), &ds);
    if (rc != CLI_OK)
        return rc;
    forget_model *m = NULL;
    int r = forget_model_create(&m, kind, cli_get(opts, "--params"));
    if (r != FORGET_OK)
        rc = cli_fail("train", "--kind/--params", r);
    if (rc == CLI_OK) {
        forget_model_set_progress(m, cli_progress, NULL);
        r = forget_model_train(m, ds, cli_get(opts, "--train"));
        cli_progress_done();
        if (r != FORGET_OK)
            rc = cli_fail("train", "training", r);
    }
    if (rc == CLI_OK && (r = forget_model_save(m, out)) != FORGET_OK)
        rc = cli_fail("train", out, r);
    if (rc == CLI_OK && !cli_get(opts, "--quiet")) {
        double acc = -1, secs = 0;
        if (forget_dataset_task(ds) == FORGET_TASK_CLASSIFICATION)
            forget_eval_accuracy(m, ds, &acc);
        forget_report_get(forget_model_train_report(m), "seconds", &secs);
        printf("trained %s (%s) on %zu rows in %.2f s", kind,
               forget_model_params(m), forget_dataset_rows(ds), secs);
        if (acc >= 0)
            printf(", training accuracy %.4f", acc);
        printf("; saved %s\n", out);
    }
    forget_model_free(m);
    forget_dataset_free(ds);
    return rc;
}
