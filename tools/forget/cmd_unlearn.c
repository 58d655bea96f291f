/* forget unlearn: apply a method to a saved model (and its saved state),
 * for ids from a file or a whole class; save the results. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

static void print_report(const forget_unlearner *u)
{
    const forget_report *r = forget_unlearner_report(u);
    printf("%s:", forget_unlearner_method(u));
    for (size_t i = 0; i < forget_report_count(r); i++)
        printf(" %s=%g", forget_report_key(r, i), forget_report_value(r, i));
    printf("\n");
}

/* Once the method is known (an unlearner created or loaded, not yet
 * prepared): its result must have a place. A method that
 * changes the model needs --out (else the change is lost while the state
 * records it); sisa's model lives in its state, which needs --state. */
static int check_result(const forget_unlearner *u, const forget_model *m,
                        const char *out)
{
    if (forget_unlearner_model(u) == m && !out)
        return cli_usage("unlearn", "method '%s' changes the model: give "
                         "--out, or the change would be lost",
                         forget_unlearner_method(u));
    /* (without --out, check_outputs made sure --state is given) */
    if (forget_unlearner_model(u) != m && out)
        return cli_usage("unlearn", "method '%s' keeps its model in its "
                         "--state; --out does not apply",
                         forget_unlearner_method(u));
    return CLI_OK;
}

/* The unlearner: from --state when the file exists, else created and
 * prepared on the data. */
static int open_unlearner(const cli_opt *opts, forget_model *m,
                          forget_dataset *data, forget_unlearner **u)
{
    const char *state = cli_get(opts, "--state");
    const char *method = cli_get(opts, "--method");
    const char *store = cli_get(opts, "--store");
    int r;
    if (store && strpbrk(store, "\"\\"))
        return cli_usage("unlearn", "%s", "--store: give a directory whose "
                         "path has no '\"' or '\\'");
    char over[4200] = "";
    if (store)
        snprintf(over, sizeof over, "store=\"%s\"", store);
    if (state && access(state, F_OK) == 0) {
        /* --store: the host's directory, not the one the file names */
        if ((r = forget_unlearner_load_params(u, m, state, over)) !=
            FORGET_OK)
            return cli_fail("unlearn", state, r);
        if (method && strcmp(method, forget_unlearner_method(*u)) != 0) {
            fprintf(stderr, "forget unlearn: %s holds method '%s', not "
                    "'%s'\n", state, forget_unlearner_method(*u), method);
            forget_unlearner_free(*u);
            *u = NULL;
            return CLI_USAGE;
        }
        return check_result(*u, m, cli_get(opts, "--out"));
    }
    if (method == NULL || data == NULL)
        return cli_usage("unlearn", "%s", "without a saved --state, "
                         "--method and --data (to prepare) are required");
    char params[8400];
    snprintf(params, sizeof params, "%s %s",
             cli_get(opts, "--params") ? cli_get(opts, "--params") : "", over);
    if ((r = forget_unlearner_create(u, method, m, params)) != FORGET_OK)
        return cli_fail("unlearn", "--method/--params/--store", r);
    /* before the prepare: a refused run does no work */
    int rc = check_result(*u, m, cli_get(opts, "--out"));
    if (rc != CLI_OK) {
        forget_unlearner_free(*u);
        *u = NULL;
        return rc;
    }
    forget_unlearner_set_progress(*u, cli_progress, NULL);
    r = forget_unlearner_prepare(*u, data);
    cli_progress_done();
    if (r != FORGET_OK) {
        forget_unlearner_free(*u);
        *u = NULL;
        return cli_fail("unlearn", "prepare", r);
    }
    return CLI_OK;
}

/* The held-out rows, before the journal (whose recovery may redo a
 * calibrated request). */
static int set_heldout(forget_unlearner *u, const char *spec,
                       const char *csv)
{
    forget_dataset *h = NULL;
    int rc = cli_load_data("unlearn", spec, csv, &h);
    if (rc != CLI_OK)
        return rc;
    int r = forget_unlearner_set_heldout(u, h);
    forget_dataset_free(h);
    return r == FORGET_OK ? CLI_OK : cli_fail("unlearn", "--heldout", r);
}

/* Forget by ids (or by rows when the method needs them) or a class. */
static int do_forget(const cli_opt *opts, forget_unlearner *u,
                     forget_dataset *data)
{
    const char *ids_file = cli_get(opts, "--ids"), *cls = cli_get(opts,
                                                                   "--class");
    forget_dataset *rows = NULL;
    int rc = CLI_OK, r = FORGET_OK;
    forget_unlearner_set_progress(u, cli_progress, NULL);
    if (ids_file) {
        uint64_t *ids = NULL;
        size_t n = 0;
        if ((rc = cli_read_ids("unlearn", ids_file, &ids, &n)) != CLI_OK)
            return rc;
        r = forget_unlearner_forget_ids(u, ids, n);
        if (r == FORGET_E_UNSUPPORTED && data) /* the method needs rows */
            r = forget_dataset_subset_ids(&rows, data, ids, n);
        else if (r == FORGET_E_UNSUPPORTED)
            rc = cli_usage("unlearn", "%s", "this method needs the rows "
                           "themselves: give --data");
        free(ids);
    } else {
        char *end;
        long k = strtol(cls, &end, 10);
        if (*end || k < 0 || k > 1000000)
            return cli_usage("unlearn", "--class '%s' is not a class", cls);
        if (data == NULL)
            return cli_usage("unlearn", "%s", "--class needs --data");
        r = forget_dataset_subset_class(&rows, data, (int32_t)k);
        if (r == FORGET_OK && forget_dataset_rows(rows) == 0)
            rc = cli_usage("unlearn", "class %s has no rows in the data",
                           cls);
    }
    if (rc == CLI_OK && r == FORGET_OK && rows)
        r = forget_unlearner_forget(u, rows);
    cli_progress_done();
    forget_dataset_free(rows);
    if (rc == CLI_OK && r != FORGET_OK)
        rc = cli_fail("unlearn", "forget", r);
    return rc;
}

/* A save failed after the deletion took effect: say so, name what was
 * saved and what was not, and where the deletion is recorded. */
static int save_failed(const forget_unlearner *u, const char *journal,
                       const char *failed, const char *saved,
                       const char *unchanged, int r)
{
    fprintf(stderr, "forget unlearn: the deletion took effect, but %s was "
            "not saved: %s: %s\n", failed, forget_strerror(r),
            forget_last_error());
    if (saved)
        fprintf(stderr, "forget unlearn: %s was saved (with the deletion)\n",
                saved);
    if (unchanged)
        fprintf(stderr, "forget unlearn: %s is unchanged (without the "
                "deletion)\n", unchanged);
    double seq = 0;
    if (journal && forget_report_get(forget_unlearner_report(u),
                                     "journal_seq", &seq) == FORGET_OK)
        fprintf(stderr, "forget unlearn: the journal %s records it (request "
                "%.0f): once the cause is fixed, run forget unlearn with "
                "--journal %s again and it finishes the request\n", journal,
                seq, journal);
    else
        fprintf(stderr, "forget unlearn: no journal records this deletion "
                "(no --journal): run the request again once the cause is "
                "fixed\n");
    return CLI_FAIL;
}

/* The model first, then the state that records its digest: a failure in
 * between leaves a pair that the next load refuses, never one that
 * silently disagrees. */
static int save_results(const forget_unlearner *u, const forget_model *m,
                        const char *out, const char *state,
                        const char *journal)
{
    int r;
    if (out && (r = forget_model_save(m, out)) != FORGET_OK)
        return save_failed(u, journal, out, NULL, state, r);
    if (state && (r = forget_unlearner_save(u, state)) != FORGET_OK)
        return save_failed(u, journal, state, out, NULL, r);
    return CLI_OK;
}

/* Two paths naming one file (the same string, or the same inode)? */
static int same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    if (strcmp(a, b) == 0)
        return 1;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

/* Before any work: somewhere to put the result, and not over an input. */
static int check_outputs(const char *model, const char *state,
                         const char *out)
{
    if (!out && !state)
        return cli_usage("unlearn", "%s", "nowhere to put the result: give "
                         "--out (the changed model) and/or --state");
    if (out && same_file(out, model))
        return cli_usage("unlearn", "--out '%s' is the input --model: write "
                         "the changed model to a new file", out);
    if (out && state && same_file(out, state))
        return cli_usage("unlearn", "--out and --state name one file '%s'",
                         out);
    return CLI_OK;
}


int cmd_unlearn(int argc, char **argv)
{
    cli_opt opts[] = {{"--model", 1, NULL},  {"--method", 1, NULL},
                      {"--params", 1, NULL}, {"--state", 1, NULL},
                      {"--data", 1, NULL},   {"--csv", 1, NULL},
                      {"--ids", 1, NULL},    {"--class", 1, NULL},
                      {"--out", 1, NULL},    {"--quiet", 0, NULL},
                      {"--journal", 1, NULL},
                      {"--repair-journal", 0, NULL},
                      {"--store", 1, NULL},
                      {"--new-journal", 0, NULL},
                      {"--no-wait", 0, NULL},
                      {"--heldout", 1, NULL},
                      {"--help", 0, NULL},   {NULL, 0, NULL}};
    int rc = cli_parse("unlearn", argc, argv, opts, NULL, 0);
    if (rc != CLI_OK)
        return rc;
    if (cli_get(opts, "--help")) {
        printf("usage: forget unlearn --model MODEL (--ids FILE | --class K)\n"
               "       [--state STATE] [--method M --params P --data SPEC]\n"
               "       [--out MODEL2] [--csv C] [--store DIR]\n"
               "       [--journal J [--repair-journal] [--new-journal]]\n"
               "       [--heldout SPEC] [--no-wait] [--quiet]\n"
               "  --model  the trained model (for sisa: the template)\n"
               "  --state  the unlearner's state: loaded when it exists, "
               "else created\n           with --method/--params and "
               "prepared on --data; saved after the request\n"
               "  --ids    sample ids to forget, one per line\n"
               "  --class  forget every row of this class in --data\n"
               "  --out    where to save the changed model: required for "
               "methods that\n           change it (ssd, analytic), never "
               "over --model; not for sisa\n           (its ensemble lives "
               "in --state, then required)\n"
               "  --journal  the deletion journal: requests are logged "
               "(fsync'ed) and\n           finished again after a crash; "
               "--repair-journal drops a\n           last record cut short "
               "by a crash; a state saved with a journal\n           takes "
               "only that one, unless --new-journal starts a new one\n"
               "           where J is absent or empty\n"
               "  --store  sisa: the directory of its checkpoint files, "
               "replacing the one\n           the saved state names (give "
               "it for a state from elsewhere)\n"

               "  --heldout  rows never trained on (a SPEC as --data), for "
               "a method's\n           target=heldout or heldout_loss "
               "(forget until the forgotten\n           rows look like "
               "these)\n"
               "  --no-wait  fail at once if another process is working "
               "on these files\n           (they are locked, with FILE.lock "
               "beside each, from the loads\n           to the saves); "
               "without it, wait for it to finish\n");
        return CLI_OK;
    }
    const char *model = cli_get(opts, "--model"), *out = cli_get(opts, "--out");
    if (!model || (!cli_get(opts, "--ids") == !cli_get(opts, "--class")))
        return cli_usage("unlearn", "%s", "--model and one of --ids or "
                         "--class are required");
    const char *state = cli_get(opts, "--state");
    if ((rc = check_outputs(model, state, out)) != CLI_OK)
        return rc;
    /* One writer, from before the loads until after the saves: the state
     * (loaded, changed, saved) and --out. --model is only read, and saves
     * replace files whole, so it needs no lock (nor a lock file beside
     * every model). */
    cli_lock_req reqs[] = {{state, NULL}, {out, NULL}};
    cli_locks locks;
    if ((rc = cli_lock_files("unlearn", reqs, 2,
                             cli_get(opts, "--no-wait") != NULL, &locks))
        != CLI_OK)
        return rc;
    cli_progress_setup(cli_get(opts, "--quiet") != NULL);
    forget_model *m = NULL;
    forget_dataset *data = NULL;
    forget_unlearner *u = NULL;
    int r = forget_model_load(&m, model);
    if (r != FORGET_OK)
        rc = cli_fail("unlearn", model, r);
    if (rc == CLI_OK && cli_get(opts, "--data"))
        rc = cli_load_data("unlearn", cli_get(opts, "--data"),
                           cli_get(opts, "--csv"), &data);
    if (rc == CLI_OK)
        rc = open_unlearner(opts, m, data, &u);
    if (rc == CLI_OK && cli_get(opts, "--heldout"))
        rc = set_heldout(u, cli_get(opts, "--heldout"),
                         cli_get(opts, "--csv"));
    const char *journal = cli_get(opts, "--journal");
    if (rc == CLI_OK && journal &&
        (r = forget_unlearner_open_journal(
             u, journal, (cli_get(opts, "--repair-journal")
                              ? FORGET_JOURNAL_REPAIR : 0) |
                         (cli_get(opts, "--new-journal")
                              ? FORGET_JOURNAL_NEW : 0))) != FORGET_OK)
        rc = cli_fail("unlearn", journal, r);
    if (rc == CLI_OK)
        rc = do_forget(opts, u, data);
    if (rc == CLI_OK)
        rc = save_results(u, m, out, state, journal);
    if (rc == CLI_OK && !cli_get(opts, "--quiet"))
        print_report(u);
    forget_unlearner_free(u);
    forget_dataset_free(data);
    forget_model_free(m);
    cli_unlock_files(&locks);
    return rc;
}
