/* forget eval: accuracy, loss, membership inference and distance to a
 * reference model, as a table or JSON. */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

int cmd_eval(int argc, char **argv)
{
    cli_opt opts[] = {{"--model", 1, NULL},     {"--data", 1, NULL},
                      {"--test", 1, NULL},      {"--forget-ids", 1, NULL},
                      {"--reference", 1, NULL}, {"--csv", 1, NULL},
                      {"--json", 0, NULL},      {"--state", 1, NULL},
                      {"--help", 0, NULL},      {NULL, 0, NULL}};
    int rc = cli_parse("eval", argc, argv, opts, NULL, 0);
    if (rc != CLI_OK)
        return rc;
    if (cli_get(opts, "--help")) {
        printf("usage: forget eval --model MODEL [--state STATE] --data SPEC\n"
               "       [--test SPEC] [--forget-ids FILE] [--reference MODEL]\n"
               "       [--json]\n"
               "  --state  evaluate the model an unlearner state presents "
               "(sisa: its\n           ensemble; --model is then its "
               "template)\n"
               "  accuracy and loss on --data (and --test); with --forget-ids"
               " and --test,\n  the rows of --data split into forgotten and "
               "retained, and the entropy\n  membership-inference score of "
               "the forgotten ones; with --reference,\n  the largest and "
               "mean |p - p_ref| on --data.\n");
        return CLI_OK;
    }
    const char *model = cli_get(opts, "--model"), *spec = cli_get(opts,
                                                                   "--data");
    if (!model || !spec)
        return cli_usage("eval", "%s", "--model and --data are required");
    forget_model *ref = NULL;
    forget_dataset *data = NULL, *test = NULL, *f = NULL, *rest = NULL;
    cli_judged judged;
    rc = cli_judged_model("eval", model, cli_get(opts, "--state"), &judged);
    if (rc != CLI_OK)
        return rc;
    const forget_model *m = judged.m;
    int r = FORGET_OK;
    const char *csv = cli_get(opts, "--csv");
    rc = cli_load_data("eval", spec, csv, &data);
    if (rc == CLI_OK && cli_get(opts, "--test"))
        rc = cli_load_data("eval", cli_get(opts, "--test"), csv, &test);
    double acc = -1, loss = 0, tacc = -1, facc = -1, racc = -1, mia = -1;
    double dmax = -1, dmean = -1;
    int cls = forget_model_task(m) == FORGET_TASK_CLASSIFICATION;
    if (rc == CLI_OK && ((r = forget_eval_loss(m, data, &loss)) != FORGET_OK ||
                         (cls && (r = forget_eval_accuracy(m, data, &acc)) !=
                                     FORGET_OK)))
        rc = cli_fail("eval", spec, r);
    if (rc == CLI_OK && test && cls &&
        (r = forget_eval_accuracy(m, test, &tacc)) != FORGET_OK)
        rc = cli_fail("eval", "--test", r);
    if (rc == CLI_OK && cli_get(opts, "--forget-ids")) {
        rc = cli_split_ids("eval", data, cli_get(opts, "--forget-ids"), &f,
                           &rest);
        if (rc == CLI_OK &&
            ((r = forget_eval_accuracy(m, f, &facc)) != FORGET_OK ||
             (rest && forget_dataset_rows(rest) &&
              (r = forget_eval_accuracy(m, rest, &racc)) != FORGET_OK) ||
             (test && (r = forget_eval_mia(m, rest, test, f, &mia)) !=
                          FORGET_OK)))
            rc = cli_fail("eval", "--forget-ids", r);
    }
    if (rc == CLI_OK && cli_get(opts, "--reference")) {
        if ((r = forget_model_load(&ref, cli_get(opts, "--reference"))) !=
                FORGET_OK ||
            (r = forget_eval_output_distance(m, ref, data, &dmax, &dmean)) !=
                FORGET_OK)
            rc = cli_fail("eval", "--reference", r);
    }
    if (rc == CLI_OK) {
        const char *keys[8] = {"accuracy", "loss", "test_accuracy",
                               "retain_accuracy", "forget_accuracy", "mia",
                               "distance_max", "distance_mean"};
        double vals[8] = {acc, loss, tacc, racc, facc, mia, dmax, dmean};
        int have[8] = {acc >= 0, 1, tacc >= 0, racc >= 0, facc >= 0,
                       mia >= 0, dmax >= 0, dmean >= 0};
        int json = cli_get(opts, "--json") != NULL, first = 1;
        if (json)
            printf("{");
        for (int i = 0; i < 8; i++) {
            if (!have[i])
                continue;
            if (json)
                printf("%s\"%s\":%.6g", first ? "" : ",", keys[i], vals[i]);
            else
                printf("%-16s %.4f\n", keys[i], vals[i]);
            first = 0;
        }
        if (json)
            printf("}\n");
    }
    cli_judged_free(&judged);
    forget_model_free(ref);
    forget_dataset_free(data);
    forget_dataset_free(test);
    forget_dataset_free(f);
    forget_dataset_free(rest);
    return rc;
}
