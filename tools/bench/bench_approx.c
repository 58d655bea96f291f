/* Approximate unlearning against retraining on Fashion-MNIST (issue 18's
 * benchmark). An MLP trained until it memorises its training rows; for
 * each case (a whole class, sub-populations chosen by feature rules,
 * random rows, a corrective label flip) a model retrained from scratch on
 * the retained rows with the same recipe and seed, and every registered
 * method run on a clone of the original (by default and, for a bare
 * method name, calibrated), each scored against the retrained model.
 * Tables on stdout, JSON to --json; progress on stderr. --help has the
 * cases, the rule grammar and the options.
 *   build/bench/bench_approx [--quick] [--case SPEC]... [--method SPEC]... */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "approx/cases.h"
#include "approx/options.h"
#include "approx/output.h"
#include "approx/recipe.h"
#include "approx/runs.h"
#include "approx/scorecard.h"
#include "approx/synth.h"
#include "bench_common.h"

typedef struct data {
    forget_dataset *train, *test, *heldout;
} data;

/* The training and test rows, the test rows cut into the held-out rows
 * of calibration (a seeded sample) and the test set of the scorecard. */
static void load(const ba_options *o, data *d)
{
    forget_dataset *train = NULL, *test = NULL, *cut;
    if (o->synthetic)
        BENCH_CHECK(ba_synth(&train, &test, 1000, 400, 10, 8, o->seed));
    else
        bench_load(o->data, &train, &test, "storage=bytes");
    if (o->train_rows && o->train_rows < forget_dataset_rows(train)) {
        BENCH_CHECK(forget_dataset_slice(&cut, train, 0, o->train_rows));
        forget_dataset_free(train);
        train = cut;
    }
    if (o->test_rows && o->test_rows < forget_dataset_rows(test)) {
        BENCH_CHECK(forget_dataset_slice(&cut, test, 0, o->test_rows));
        forget_dataset_free(test);
        test = cut;
    }
    size_t n = forget_dataset_rows(test), h = o->heldout_rows;
    if (h >= n) {
        fprintf(stderr, "bench_approx: --heldout %zu leaves no test rows\n",
                h);
        exit(1);
    }
    uint64_t *perm = bench_permutation(n, o->seed ^ 0x4e1dull);
    const uint64_t *ids = forget_dataset_ids(test);
    for (size_t i = 0; i < h; i++)
        perm[i] = ids[perm[i]];
    BENCH_CHECK(forget_dataset_subset_ids(&d->heldout, test, perm, h));
    BENCH_CHECK(forget_dataset_complement(&d->test, test, d->heldout));
    free(perm);
    forget_dataset_free(test);
    d->train = train;
}

/* Every run of one method spec on the bed: as given, and calibrated when
 * the spec is a bare name. */
static size_t run_method(ba_run *runs, const char *spec, const char *target,
                         const ba_bed *bed)
{
    char name[64], params[256];
    size_t len = strcspn(spec, " ");
    snprintf(name, sizeof name, "%.*s", (int)len, spec);
    snprintf(params, sizeof params, "%s", spec[len] ? spec + len + 1 : "");
    size_t n = 0;
    if (ba_run_method(&runs[n++], name, params, bed)) {
        fprintf(stderr, "bench_approx: %s: %s\n", spec, runs[n - 1].note);
        exit(1);
    }
    if (params[0] == '\0' && ba_method_exists(name)) {
        snprintf(params, sizeof params, "target=%s", target);
        if (ba_run_method(&runs[n++], name, params, bed)) {
            fprintf(stderr, "bench_approx: %s %s: %s\n", name, params,
                    runs[n - 1].note);
            exit(1);
        }
    }
    for (size_t i = 0; i < n; i++)
        fprintf(stderr, "  %s%s%s: %s%s\n", runs[i].method,
                runs[i].params[0] ? " " : "", runs[i].params,
                runs[i].status == BA_RAN ? "done" :
                runs[i].status == BA_SKIPPED ? "skipped: " : "refused: ",
                runs[i].status == BA_RAN ? "" : runs[i].note);
    return n;
}

/* One case: its original (the clean one, or trained on the poisoned
 * set), the retrained model, the runs; the table on stdout. */
static void run_case(const ba_options *o, ba_case *c, ba_result *res,
                     const data *d, const forget_model *clean)
{
    char err[512];
    if (ba_case_build(c, d->train, d->test, o->seed, err, sizeof err)) {
        fprintf(stderr, "bench_approx: %s\n", err);
        exit(1);
    }
    fprintf(stderr, "case %s: forget %zu rows\n", c->spec,
            forget_dataset_rows(c->forget));
    forget_model *orig = (forget_model *)clean, *re = NULL;
    double secs;
    if (c->train != d->train)
        BENCH_CHECK(ba_train(&orig, &o->recipe, c->train, &secs));
    BENCH_CHECK(ba_train(&re, &o->recipe, c->retain, &res->retrain_seconds));
    ba_bed bed = {.original = orig, .train = c->train, .heldout = d->heldout,
                  .sets = {c->forget, c->retain, d->test, c->test_class}};
    BENCH_CHECK(ba_scorecard(re, &bed.sets, NULL, &bed.retrained));
    BENCH_CHECK(ba_scorecard(orig, &bed.sets, &bed.retrained, &res->original));
    BENCH_CHECK(forget_eval_accuracy(orig, c->train, &res->original_train_acc));
    res->c = c;
    res->target = o->target ? o->target : ba_case_target(c);
    res->retrained = bed.retrained;
    res->runs = calloc(2 * o->n_methods, sizeof *res->runs);
    for (size_t i = 0; i < o->n_methods; i++)
        res->n_runs += run_method(res->runs + res->n_runs, o->methods[i],
                                  res->target, &bed);
    ba_print_table(stdout, res);
    fflush(stdout);
    forget_model_free(re);
    if (orig != clean)
        forget_model_free(orig);
}

static void write_json(const ba_options *o, const ba_result *res, size_t n,
                       const data *d, double train_acc, double test_acc,
                       double train_secs, double total)
{
    FILE *f = fopen(o->json, "w");
    if (!f) {
        perror(o->json);
        exit(1);
    }
    char recipe[1024];
    ba_recipe_text(&o->recipe, recipe, sizeof recipe);
    fprintf(f, "{\"bench\":\"approx\",\"version\":\"%s\",\"blas\":",
            forget_version_string());
    ba_json_string(f, forget_blas_info());
    fprintf(f, ",\"recipe\":");
    ba_json_string(f, recipe);
    fprintf(f, ",\"data\":");
    ba_json_string(f, o->synthetic ? "synthetic" : o->data);
    fprintf(f, ",\"train_rows\":%zu,\"test_rows\":%zu,\"heldout_rows\":%zu,"
            "\"seed\":%llu,\"original\":{\"train_acc\":%.6f,\"test_acc\":%.6f,"
            "\"seconds\":%.3f},\"cases\":[",
            forget_dataset_rows(d->train), forget_dataset_rows(d->test),
            forget_dataset_rows(d->heldout), (unsigned long long)o->seed,
            train_acc, test_acc, train_secs);
    for (size_t i = 0; i < n; i++)
        ba_print_json(f, &res[i], i == 0);
    fprintf(f, "],\"total_seconds\":%.1f}\n", total);
    if (fclose(f) != 0) {
        perror(o->json);
        exit(1);
    }
}

int main(int argc, char **argv)
{
    ba_options o;
    int rc = ba_options_parse(&o, argc, argv);
    if (rc)
        return rc < 0 ? 2 : 0;
    double t_start = bench_now();
    ba_case *cases = calloc(o.n_cases, sizeof *cases);
    ba_result *res = calloc(o.n_cases, sizeof *res);
    char err[512];
    for (size_t i = 0; i < o.n_cases; i++)
        if (ba_case_parse(&cases[i], o.cases[i], err, sizeof err)) {
            fprintf(stderr, "bench_approx: %s\n", err);
            return 2;
        }
    BENCH_CHECK(forget_init());
    data d = {0};
    load(&o, &d);
    char recipe[1024];
    ba_recipe_text(&o.recipe, recipe, sizeof recipe);
    forget_model *clean = NULL;
    double secs, train_acc, test_acc;
    BENCH_CHECK(ba_train(&clean, &o.recipe, d.train, &secs));
    BENCH_CHECK(forget_eval_accuracy(clean, d.train, &train_acc));
    BENCH_CHECK(forget_eval_accuracy(clean, d.test, &test_acc));
    printf("## Approximate unlearning against retraining\n\n"
           "Recipe: %s.\nOriginal: %zu training rows, trained in %.2f s; "
           "training accuracy %.4f, test accuracy %.4f (%zu test rows; %zu "
           "more held out for target=heldout).\n%s\n", recipe,
           forget_dataset_rows(d.train), secs, train_acc, test_acc,
           forget_dataset_rows(d.test), forget_dataset_rows(d.heldout),
           forget_blas_info());
    fflush(stdout);
    if (train_acc < o.min_train_acc) {
        fprintf(stderr, "bench_approx: the original does not memorise its "
                "training rows: accuracy %.4f < %.2f (--min-train-acc)\n",
                train_acc, o.min_train_acc);
        return 1;
    }
    for (size_t i = 0; i < o.n_cases; i++)
        run_case(&o, &cases[i], &res[i], &d, clean);
    double total = bench_now() - t_start;
    write_json(&o, res, o.n_cases, &d, train_acc, test_acc, secs, total);
    printf("\nTotal %.1f s; JSON in %s.\n", total, o.json);
    for (size_t i = 0; i < o.n_cases; i++) {
        free(res[i].runs);
        ba_case_free(&cases[i]);
    }
    free(res);
    free(cases);
    forget_model_free(clean);
    forget_dataset_free(d.train);
    forget_dataset_free(d.test);
    forget_dataset_free(d.heldout);
    return forget_shutdown() == FORGET_OK ? 0 : 1;
}
