/* bench_approx's command line (options.h). */
#include "options.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cases.h"
#include "rule.h"

/* The memorising MLP: 30 epochs at lr 0.05, 15 at 0.01, 5 at 0.002
 * (training accuracy 0.98 on Fashion-MNIST's 60000 rows). */
static const char *MODEL = "layers=784-256-128-10 act=relu seed=7";
static const char *STAGES[] = {
    "optimizer=sgd lr=0.05 momentum=0.9 batch=128 seed=7 epochs=30",
    "optimizer=sgd lr=0.01 momentum=0.9 batch=128 seed=8 epochs=15",
    "optimizer=sgd lr=0.002 momentum=0.9 batch=128 seed=9 epochs=5",
};
static const char *CASES[] = {
    "class:0",
    "rule:class=0,feature=mean,half=upper",
    "rule:class=9,feature=region,region=0:10:0:28,q=0.75:1",
    "random:0.01",
    "random:0.1",
    "flip:1:3",
};
/* The generated set of the smoke test: 8x8 images, 10 classes. */
static const char *SYNTH_MODEL = "layers=64-64-10 act=relu seed=7";
static const char *SYNTH_STAGES[] = {
    "optimizer=sgd lr=0.05 momentum=0.9 batch=32 seed=7 epochs=15",
};
static const char *SYNTH_CASES[] = {
    "class:0",
    "rule:class=1,feature=mean,half=upper",
    "rule:class=2,feature=region,region=0:4:0:8,q=0.5:1",
    "random:0.05",
    "flip:3:4",
};
/* Methods in the order of the tables; a bare name also runs calibrated. */
static const char *METHODS[] = {
    "ssd",      "ssd alpha=1.5", "ssd alpha=4",        "finetune",
    "neggrad",  "relabel",       "relabel salun=true", "scrub",
    "newton",
};

#define COUNT(a) (sizeof a / sizeof *a)

static void usage(FILE *o)
{
    fprintf(o,
        "bench_approx: approximate unlearning methods against retraining\n"
        "on Fashion-MNIST (issue 18's benchmark).\n\n"
        "  --data DIR        Fashion-MNIST's IDX files "
        "(/usr/share/datasets/fashion-mnist)\n"
        "  --json PATH       the figures as JSON (build/bench/approx.json)\n"
        "  --case SPEC       a case (repeatable; replaces the defaults)\n"
        "  --method SPEC     a method and its parameters, e.g. \"ssd "
        "alpha=3\"\n"
        "                    (repeatable; replaces the defaults). A bare "
        "name also\n"
        "                    runs calibrated (target=, when the method "
        "takes one).\n"
        "  --target T        the calibrated runs' target for every case\n"
        "                    (default: forget_acc:0 for class:K and "
        "flip, heldout\n"
        "                    otherwise)\n"
        "  --heldout N       test rows set apart as the held-out rows of\n"
        "                    target=heldout (2000); the rest are the test "
        "set\n"
        "  --train-rows N    use the first N training rows (all)\n"
        "  --test-rows N     use the first N test rows (all)\n"
        "  --model PARAMS    the MLP's parameters (%s)\n"
        "  --stage PARAMS    a training stage (repeatable; replaces the "
        "recipe's)\n"
        "  --seed N          seed of the random and flipped rows (7)\n"
        "  --min-train-acc X refuse to go on when the original's training\n"
        "                    accuracy is below X (0.98)\n"
        "  --quick           6000 training rows, 2000 test rows (a test "
        "run)\n"
        "  --synthetic       a generated 8x8, 10-class set instead of "
        "Fashion-MNIST\n"
        "                    (the smoke test; its own cases and model)\n\n"
        "Default cases:", MODEL);
    for (size_t i = 0; i < COUNT(CASES); i++)
        fprintf(o, "%s %s", i ? "," : "", CASES[i]);
    fprintf(o, "\nDefault methods:");
    for (size_t i = 0; i < COUNT(METHODS); i++)
        fprintf(o, "%s %s", i ? "," : "", METHODS[i]);
    fprintf(o, "\nRecipe:");
    for (size_t i = 0; i < COUNT(STAGES); i++)
        fprintf(o, "\n  %s", STAGES[i]);
    fprintf(o, "\n\n%s\n%s", BA_CASES_HELP, BA_RULE_HELP);
}

static void set_list(const char **dst, size_t *n, const char *const *src,
                     size_t count)
{
    for (size_t i = 0; i < count; i++)
        dst[i] = src[i];
    *n = count;
}

static int append(const char **dst, size_t *n, const char *v,
                  const char *what)
{
    if (*n >= BA_MAX_LIST) {
        fprintf(stderr, "bench_approx: at most %d %s\n", BA_MAX_LIST, what);
        return -1;
    }
    dst[(*n)++] = v;
    return 0;
}

static int size_arg(const char *v, size_t *out)
{
    char *end = NULL;
    unsigned long long u = strtoull(v, &end, 10);
    *out = (size_t)u;
    return end != v && *end == '\0' && v[0] != '-' ? 0 : -1;
}

/* The value options; -1 for a bad or unknown one. */
static int value_option(ba_options *o, const char *k, const char *v,
                        size_t *n_cases, size_t *n_methods, int *n_stages)
{
    char *end = NULL;
    if (!strcmp(k, "--data"))
        o->data = v;
    else if (!strcmp(k, "--json"))
        o->json = v;
    else if (!strcmp(k, "--target"))
        o->target = v;
    else if (!strcmp(k, "--model"))
        o->recipe.model = v;
    else if (!strcmp(k, "--case"))
        return append(o->cases, n_cases, v, "cases");
    else if (!strcmp(k, "--method"))
        return append(o->methods, n_methods, v, "methods");
    else if (!strcmp(k, "--stage")) {
        if (*n_stages >= BA_MAX_STAGES)
            return -1;
        o->recipe.stages[(*n_stages)++] = v;
    } else if (!strcmp(k, "--seed"))
        o->seed = strtoull(v, &end, 10);
    else if (!strcmp(k, "--min-train-acc"))
        o->min_train_acc = strtod(v, &end);
    else if (!strcmp(k, "--heldout"))
        return size_arg(v, &o->heldout_rows);
    else if (!strcmp(k, "--train-rows"))
        return size_arg(v, &o->train_rows);
    else if (!strcmp(k, "--test-rows"))
        return size_arg(v, &o->test_rows);
    else
        return -1;
    return end && (end == v || *end) ? -1 : 0;
}

/* Defaults for what was not given, after the flags are known. */
static void defaults(ba_options *o, size_t n_cases, size_t n_methods,
                     int n_stages, int model_given)
{
    if (n_cases)
        o->n_cases = n_cases;
    else if (o->synthetic)
        set_list(o->cases, &o->n_cases, SYNTH_CASES, COUNT(SYNTH_CASES));
    else
        set_list(o->cases, &o->n_cases, CASES, COUNT(CASES));
    if (n_methods)
        o->n_methods = n_methods;
    else
        set_list(o->methods, &o->n_methods, METHODS, COUNT(METHODS));
    if (!model_given)
        o->recipe.model = o->synthetic ? SYNTH_MODEL : MODEL;
    if (n_stages)
        o->recipe.n_stages = n_stages;
    else {
        const char *const *s = o->synthetic ? SYNTH_STAGES : STAGES;
        size_t n = o->synthetic ? COUNT(SYNTH_STAGES) : COUNT(STAGES);
        for (size_t i = 0; i < n; i++)
            o->recipe.stages[i] = s[i];
        o->recipe.n_stages = (int)n;
    }
    if (o->quick && !o->train_rows)
        o->train_rows = 6000;
    if (o->quick && !o->test_rows)
        o->test_rows = 2000;
    if (!o->heldout_rows)
        o->heldout_rows = o->synthetic ? 100 : o->quick ? 500 : 2000;
}

int ba_options_parse(ba_options *o, int argc, char **argv)
{
    ba_options d = {.data = "/usr/share/datasets/fashion-mnist",
                    .json = "build/bench/approx.json",
                    .seed = 7,
                    .min_train_acc = 0.98};
    size_t n_cases = 0, n_methods = 0;
    int n_stages = 0, model_given = 0;
    for (int i = 1; i < argc; i++) {
        const char *k = argv[i];
        if (!strcmp(k, "--help") || !strcmp(k, "-h")) {
            usage(stdout);
            return 1;
        } else if (!strcmp(k, "--quick")) {
            d.quick = 1;
        } else if (!strcmp(k, "--synthetic")) {
            d.synthetic = 1;
        } else if (i + 1 >= argc ||
                   value_option(&d, k, argv[i + 1], &n_cases, &n_methods,
                                &n_stages)) {
            fprintf(stderr, "bench_approx: bad option '%s'%s%s (--help)\n",
                    k, i + 1 < argc ? " " : "", i + 1 < argc ? argv[i + 1] : "");
            return -1;
        } else {
            model_given |= !strcmp(k, "--model");
            i++;
        }
    }
    defaults(&d, n_cases, n_methods, n_stages, model_given);
    *o = d;
    return 0;
}
