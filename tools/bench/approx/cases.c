/* The benchmark's cases (cases.h). */
#include "cases.h"

#include "fail.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../bench_common.h"

int ba_case_parse(ba_case *c, const char *spec, char *err, size_t errlen)
{
    ba_case d = {.cls = -1, .to = -1, .frac = 0.1};
    if (strlen(spec) >= sizeof d.spec)
        return ba_fail(err, errlen, "case spec too long");
    strcpy(d.spec, spec);
    int a, b, n = 0;
    double p;
    char tail;
    if (!strncmp(spec, "class:", 6)) {
        d.kind = BA_CASE_CLASS;
        if (sscanf(spec + 6, "%d%c", &a, &tail) != 1 || a < 0)
            return ba_fail(err, errlen, "'%s': class:K with a class number", spec);
        d.cls = a;
    } else if (!strncmp(spec, "rule:", 5)) {
        d.kind = BA_CASE_RULE;
        if (ba_rule_parse(&d.rule, spec + 5, err, errlen))
            return -1;
        d.cls = d.rule.cls;
    } else if (!strncmp(spec, "random:", 7)) {
        d.kind = BA_CASE_RANDOM;
        if (sscanf(spec + 7, "%lf%c", &p, &tail) != 1 || !(p > 0 && p < 1))
            return ba_fail(err, errlen, "'%s': random:P with 0 < P < 1", spec);
        d.frac = p;
    } else if (!strncmp(spec, "flip:", 5)) {
        d.kind = BA_CASE_FLIP;
        n = sscanf(spec + 5, "%d:%d:%lf%c", &a, &b, &p, &tail);
        if ((n != 2 && n != 3) || a < 0 || b < 0 || a == b ||
            (n == 3 && !(p > 0 && p <= 1)))
            return ba_fail(err, errlen, "'%s': flip:A:B or flip:A:B:P with two "
                        "different classes and 0 < P <= 1", spec);
        d.cls = a;
        d.to = b;
        if (n == 3)
            d.frac = p;
    } else {
        return ba_fail(err, errlen, "'%s': a case is class:K, rule:RULE, "
                    "random:P or flip:A:B[:P]", spec);
    }
    *c = d;
    return 0;
}

const char *ba_case_target(const ba_case *c)
{
    return c->kind == BA_CASE_CLASS || c->kind == BA_CASE_FLIP
               ? "forget_acc:0"
               : "heldout";
}

/* The training set with half of class A relabelled B (seeded); the ids
 * of the relabelled rows, in a seeded order, into *flipped. */
static int poison(ba_case *c, const forget_dataset *train, uint64_t seed,
                  uint64_t **flipped, size_t *n_flipped, char *err,
                  size_t errlen)
{
    size_t n = forget_dataset_rows(train), d = forget_dataset_features(train);
    const int32_t *y0 = forget_dataset_labels(train);
    const uint64_t *ids = forget_dataset_ids(train);
    float *x = malloc(n * d * sizeof *x);
    int32_t *y = malloc(n * sizeof *y);
    uint64_t *perm = bench_permutation(n, seed ^ 0xf11bull);
    uint64_t *out = malloc(n * sizeof *out);
    size_t in_a = 0, k = 0;
    if (!x || !y || !perm || !out ||
        forget_dataset_copy_rows(train, 0, n, x, n * d) != FORGET_OK) {
        free(x), free(y), free(perm), free(out);
        return ba_fail(err, errlen, "out of memory copying the training set");
    }
    memcpy(y, y0, n * sizeof *y);
    for (size_t i = 0; i < n; i++)
        in_a += y0[i] == c->cls;
    /* the first half of class A's rows in the seeded order */
    for (size_t i = 0; i < n && k < in_a / 2; i++)
        if (y0[perm[i]] == c->cls) {
            y[perm[i]] = c->to;
            out[k++] = ids[perm[i]];
        }
    int rc = forget_dataset_create(&c->poisoned, n, d, x, y, ids);
    free(x), free(y), free(perm);
    if (rc != FORGET_OK || k == 0) {
        free(out);
        return ba_fail(err, errlen, "'%s': %s", c->spec,
                    rc ? forget_last_error() : "class A has under 2 rows");
    }
    *flipped = out;
    *n_flipped = k;
    return 0;
}

/* The ids of F for c into *ids (malloc'ed). */
static int forget_ids(ba_case *c, const forget_dataset *train, uint64_t seed,
                      uint64_t **ids, size_t *count, char *err, size_t errlen)
{
    size_t n = forget_dataset_rows(train);
    const uint64_t *all = forget_dataset_ids(train);
    const int32_t *y = forget_dataset_labels(train);
    uint64_t *out = NULL, *perm = NULL;
    size_t k = 0;
    switch (c->kind) {
    case BA_CASE_RULE:
        return ba_rule_select(&c->rule, train, ids, count, err, errlen);
    case BA_CASE_FLIP:
        if (poison(c, train, seed, &out, &k, err, errlen))
            return -1;
        /* the flipped rows come in a seeded order: identify the first P */
        k = (size_t)llround(c->frac * (double)k);
        break;
    case BA_CASE_RANDOM:
        perm = bench_permutation(n, seed);
        out = malloc((n ? n : 1) * sizeof *out);
        if (!perm || !out)
            break;
        k = (size_t)llround(c->frac * (double)n);
        for (size_t i = 0; i < k; i++)
            out[i] = all[perm[i]];
        break;
    default:
        out = malloc((n ? n : 1) * sizeof *out);
        for (size_t i = 0; out && i < n; i++)
            if (y[i] == c->cls)
                out[k++] = all[i];
    }
    free(perm);
    if (!out)
        return ba_fail(err, errlen, "out of memory");
    *ids = out;
    *count = k;
    return 0;
}

int ba_case_build(ba_case *c, const forget_dataset *train,
                  const forget_dataset *test, uint64_t seed, char *err,
                  size_t errlen)
{
    size_t classes = forget_dataset_classes(train);
    if ((c->cls >= 0 && (size_t)c->cls >= classes) ||
        (c->to >= 0 && (size_t)c->to >= classes))
        return ba_fail(err, errlen, "'%s': the data has %zu classes", c->spec,
                    classes);
    uint64_t *ids = NULL;
    size_t k = 0;
    if (forget_ids(c, train, seed, &ids, &k, err, errlen))
        return -1;
    c->train = c->poisoned ? c->poisoned : train;
    int rc = FORGET_OK;
    if (k == 0 || k == forget_dataset_rows(train))
        rc = ba_fail(err, errlen, "'%s' selects %s of the %zu training rows",
                  c->spec, k ? "all" : "none", forget_dataset_rows(train));
    else if ((rc = forget_dataset_subset_ids(&c->forget, c->train, ids, k)) ||
             (rc = forget_dataset_complement(&c->retain, c->train,
                                             c->forget)) ||
             (c->cls >= 0 && (rc = forget_dataset_subset_class(
                                  &c->test_class, test, c->cls))))
        rc = ba_fail(err, errlen, "'%s': %s", c->spec, forget_last_error());
    free(ids);
    if (rc)
        ba_case_free(c);
    return rc ? -1 : 0;
}

void ba_case_free(ba_case *c)
{
    forget_dataset_free(c->forget);
    forget_dataset_free(c->retain);
    forget_dataset_free(c->test_class);
    forget_dataset_free(c->poisoned);
    c->forget = c->retain = c->test_class = c->poisoned = NULL;
    c->train = NULL;
}
