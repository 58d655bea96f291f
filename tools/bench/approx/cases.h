/* The benchmark's cases: each gives the rows the model trains on, the
 * rows to forget F and the rows retained R (the training rows minus F),
 * from a one-line spec:
 *   class:K        every training row of class K
 *   rule:RULE      the rows a feature rule selects (rule.h)
 *   random:P       a seeded random fraction P of the training rows
 *   flip:A:B[:P]   corrective: half of class A (seeded) relabelled B in
 *                  the training set; a fraction P (default 0.1) of the
 *                  relabelled rows is forgotten */
#ifndef BA_CASES_H
#define BA_CASES_H

#include <stdint.h>

#include "rule.h"

#define BA_CASE_CLASS 0
#define BA_CASE_RULE 1
#define BA_CASE_RANDOM 2
#define BA_CASE_FLIP 3

#define BA_CASES_HELP                                                        \
    "A case (--case, repeatable; the defaults are replaced) is one of:\n"   \
    "  class:K        forget every training row of class K\n"             \
    "  rule:RULE      forget the rows a feature rule selects (below)\n"   \
    "  random:P       forget a seeded random fraction P of the rows\n"    \
    "  flip:A:B[:P]   corrective: half of class A (seeded) is relabelled\n" \
    "                 B before training (the original is trained on the\n" \
    "                 poisoned set); a fraction P (default 0.1) of the\n"  \
    "                 relabelled rows is identified and forgotten\n"

typedef struct ba_case {
    int kind;
    char spec[600];
    int32_t cls;      /* class, rule's class, or flip's A (-1: none) */
    int32_t to;       /* flip's B */
    double frac;      /* random's P, flip's P */
    ba_rule rule;
    /* set by ba_case_build */
    const forget_dataset *train; /* what the original trains on */
    forget_dataset *poisoned;    /* flip: owned, = train */
    forget_dataset *forget, *retain, *test_class;
} ba_case;

/* Parse spec; -1 with a sentence in err when it does not parse. */
int ba_case_parse(ba_case *c, const char *spec, char *err, size_t errlen);

/* Make the case's sets from the clean training and test sets; seed draws
 * the random rows. -1 with a sentence in err when the case does not fit
 * the data or selects no row or every row. */
int ba_case_build(ba_case *c, const forget_dataset *train,
                  const forget_dataset *test, uint64_t seed, char *err,
                  size_t errlen);

/* The calibration target that suits the case: forget_acc:0 for a whole
 * class (what retraining gives) and for flipped rows (their labels are
 * wrong: a corrected model does not predict them; target=heldout would
 * ask them to be as right as held-out rows), heldout otherwise. */
const char *ba_case_target(const ba_case *c);

void ba_case_free(ba_case *c);

#endif
