/* forget compare: the scorecard against retraining (forget_eval_scorecard)
 * of a model, beside the retrained model and the original, as a table or
 * JSON. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

#define FIELD(name) offsetof(forget_scorecard, name)

/* The figures, with the offsets of the judged, retrained, original and
 * gap fields: a table row each, and the JSON keys (the field names). */
static const struct {
    const char *name;
    size_t at[4];
} g_rows[] = {
    {"forget_acc", {FIELD(forget_acc), FIELD(ref_forget_acc),
                    FIELD(orig_forget_acc), FIELD(gap_forget_acc)}},
    {"retain_acc", {FIELD(retain_acc), FIELD(ref_retain_acc),
                    FIELD(orig_retain_acc), FIELD(gap_retain_acc)}},
    {"test_acc", {FIELD(test_acc), FIELD(ref_test_acc), FIELD(orig_test_acc),
                  FIELD(gap_test_acc)}},
    {"mia", {FIELD(mia), FIELD(ref_mia), FIELD(orig_mia), FIELD(gap_mia)}},
    {"loss_auc", {FIELD(loss_auc), FIELD(ref_loss_auc),
                  FIELD(orig_loss_auc), FIELD(gap_loss_auc)}},
};
#define N_ROWS (sizeof g_rows / sizeof *g_rows)

static double at(const forget_scorecard *sc, size_t offset)
{
    double v;
    memcpy(&v, (const char *)sc + offset, sizeof v);
    return v;
}

/* A number, or "-" / null for NaN (a model not given). */
static void put(double v, int json, int width, int prec)
{
    if (json)
        isnan(v) ? printf("null") : printf("%.6g", v);
    else if (isnan(v))
        printf(" %*s", width, "-");
    else
        printf(" %*.*f", width, prec, v);
}

static void print_json(const forget_scorecard *sc)
{
    static const char *prefix[4] = {"", "ref_", "orig_", "gap_"};
    printf("{");
    for (int p = 0; p < 4; p++)
        for (size_t i = 0; i < N_ROWS; i++) {
            printf("%s\"%s%s\":", p || i ? "," : "", prefix[p],
                   g_rows[i].name);
            put(at(sc, g_rows[i].at[p]), 1, 0, 0);
        }
    printf(",\"avg_gap\":");
    put(sc->avg_gap, 1, 0, 0);
    printf("}\n");
}

static void print_table(const forget_scorecard *sc)
{
    printf("%-12s %10s %10s %10s %10s\n", "", "model", "retrained",
           "original", "gap (pts)");
    for (size_t i = 0; i < N_ROWS; i++) {
        printf("%-12s", g_rows[i].name);
        for (int p = 0; p < 3; p++)
            put(at(sc, g_rows[i].at[p]), 0, 10, 4);
        put(at(sc, g_rows[i].at[3]), 0, 10, 2);
        printf("\n");
    }
    printf("%-12s %10s %10s %10s", "avg_gap", "", "", "");
    put(sc->avg_gap, 0, 10, 2);
    printf("\n");
}

static int usage_text(void)
{
    printf("usage: forget compare --model MODEL [--state STATE]\n"
           "       [--retrained MODEL] [--original MODEL]\n"
           "       (--forget SPEC --retain SPEC | --data SPEC --forget-ids "
           "FILE)\n"
           "       --test SPEC [--csv C] [--json]\n"
           "  the scorecard against retraining: accuracy on the forget, "
           "retain and test\n  sets, the entropy membership-inference score "
           "of the forget rows (mia) and\n  the loss-threshold attack's AUC "
           "(forget rows as members, test rows not),\n  of the model, the "
           "retrained model and the original side by side, and the\n  gaps "
           "to the retrained model in percentage points with their mean "
           "over\n  forget/retain/test accuracy and mia (avg_gap). --data "
           "with --forget-ids\n  splits one set into the rows the ids name "
           "(forget) and the rest (retain).\n  --state: judge the model that "
           "unlearner state presents (sisa: its ensemble).\n");
    return CLI_OK;
}

/* The forget and retain sets: two specs, or one split by an id file. */
static int load_sets(const cli_opt *opts, forget_dataset **f,
                     forget_dataset **r)
{
    const char *csv = cli_get(opts, "--csv"), *fs = cli_get(opts, "--forget");
    const char *rs = cli_get(opts, "--retain"), *ds = cli_get(opts, "--data");
    const char *ids = cli_get(opts, "--forget-ids");
    if (fs && rs && !ds && !ids) {
        int rc = cli_load_data("compare", fs, csv, f);
        return rc == CLI_OK ? cli_load_data("compare", rs, csv, r) : rc;
    }
    if (ds && ids && !fs && !rs) {
        forget_dataset *data = NULL;
        int rc = cli_load_data("compare", ds, csv, &data);
        if (rc == CLI_OK)
            rc = cli_split_ids("compare", data, ids, f, r);
        forget_dataset_free(data);
        return rc;
    }
    return cli_usage("compare", "%s", "give --forget and --retain, or --data "
                     "and --forget-ids");
}

int cmd_compare(int argc, char **argv)
{
    cli_opt opts[] = {{"--model", 1, NULL},     {"--state", 1, NULL},
                      {"--retrained", 1, NULL}, {"--original", 1, NULL},
                      {"--forget", 1, NULL},    {"--retain", 1, NULL},
                      {"--data", 1, NULL},      {"--forget-ids", 1, NULL},
                      {"--test", 1, NULL},      {"--csv", 1, NULL},
                      {"--json", 0, NULL},      {"--help", 0, NULL},
                      {NULL, 0, NULL}};
    int rc = cli_parse("compare", argc, argv, opts, NULL, 0);
    if (rc != CLI_OK)
        return rc;
    if (cli_get(opts, "--help"))
        return usage_text();
    const char *model = cli_get(opts, "--model"), *ts = cli_get(opts, "--test");
    if (!model || !ts)
        return cli_usage("compare", "%s", "--model and --test are required");
    const char *paths[2] = {cli_get(opts, "--retrained"),
                            cli_get(opts, "--original")};
    forget_model *other[2] = {NULL, NULL};
    forget_dataset *f = NULL, *r = NULL, *t = NULL;
    cli_judged judged;
    rc = cli_judged_model("compare", model, cli_get(opts, "--state"), &judged);
    for (int i = 0; i < 2 && rc == CLI_OK; i++) {
        int e = paths[i] ? forget_model_load(&other[i], paths[i]) : FORGET_OK;
        if (e != FORGET_OK)
            rc = cli_fail("compare", paths[i], e);
    }
    if (rc == CLI_OK)
        rc = load_sets(opts, &f, &r);
    if (rc == CLI_OK)
        rc = cli_load_data("compare", ts, cli_get(opts, "--csv"), &t);
    forget_scorecard sc;
    memset(&sc, 0, sizeof sc);
    sc.struct_size = sizeof sc;
    int e;
    if (rc == CLI_OK && (e = forget_eval_scorecard(judged.m, other[1],
                                                   other[0], f, r, t, &sc)) !=
                            FORGET_OK)
        rc = cli_fail("compare", "the scorecard", e);
    if (rc == CLI_OK)
        cli_get(opts, "--json") ? print_json(&sc) : print_table(&sc);
    cli_judged_free(&judged);
    forget_model_free(other[0]);
    forget_model_free(other[1]);
    forget_dataset_free(f);
    forget_dataset_free(r);
    forget_dataset_free(t);
    return rc;
}
