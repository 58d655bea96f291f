/* Feature rules: a sub-population of one class chosen by a per-row
 * feature, written as text on the command line of bench_approx
 * ("class=0,feature=mean,half=upper"). The grammar is in BA_RULE_HELP. */
#ifndef BA_RULE_H
#define BA_RULE_H

#include <stddef.h>
#include <stdint.h>

#include <forget/forget.h>

#define BA_RULE_HELP                                                          \
    "A rule is comma-separated key=value clauses:\n"                        \
    "  class=K          the class whose rows are candidates (required;\n"   \
    "                   class=all: every row)\n"                            \
    "  feature=NAME     the per-row feature (default mean):\n"              \
    "                     mean, std    of all pixels\n"                     \
    "                     ink          fraction of pixels > level\n"        \
    "                     region       mean of the pixels in region=\n"     \
    "                     width,height image columns/rows holding a\n"      \
    "                                  pixel > level\n"                     \
    "                     cx, cy       intensity centroid (column, row)\n"  \
    "                     xN           the value of column N (x0, x783)\n"  \
    "  region=R0:R1:C0:C1  image rows R0..R1-1, columns C0..C1-1\n"         \
    "  image=HxW        the image's shape (default: square)\n"              \
    "  level=V          pixel level for ink, width, height (default 0.5;\n" \
    "                   Fashion-MNIST pixels are in [0, 1])\n"             \
    "  which rows, one of (default half=upper):\n"                          \
    "  half=upper|lower the class's rows above / below its median\n"        \
    "  q=LO:HI          the rows in the class's quantile band [LO, HI)\n"   \
    "                   (q=0.9:1: the top tenth)\n"                         \
    "  above=V, below=V rows whose feature is > V / < V (both: a band)\n"   \
    "Rows are ranked by (feature, row) so that ties are broken the same\n" \
    "way on every run.\n"

#define BA_FEAT_MEAN 0
#define BA_FEAT_STD 1
#define BA_FEAT_INK 2
#define BA_FEAT_REGION 3
#define BA_FEAT_WIDTH 4
#define BA_FEAT_HEIGHT 5
#define BA_FEAT_CX 6
#define BA_FEAT_CY 7
#define BA_FEAT_COLUMN 8

typedef struct ba_rule {
    int32_t cls;        /* -1: every class */
    int feature;        /* BA_FEAT_* */
    size_t column;      /* BA_FEAT_COLUMN */
    size_t r0, r1, c0, c1; /* BA_FEAT_REGION; r1 == 0 until given */
    size_t height, width;  /* image shape; 0 = square from the features */
    double level;
    int by_value;       /* 1: above/below thresholds, 0: quantile band */
    double lo, hi;      /* quantiles in [0, 1], or values */
} ba_rule;

/* Parse text into r. On error returns -1 with a sentence in err. */
int ba_rule_parse(ba_rule *r, const char *text, char *err, size_t errlen);

/* The ids of ds's rows that r selects (malloc'ed, ds's row order) and
 * their count. -1 with a sentence in err when r does not fit ds (a class
 * or column out of range, a region outside the image). */
int ba_rule_select(const ba_rule *r, const forget_dataset *ds, uint64_t **ids,
                   size_t *count, char *err, size_t errlen);

/* The feature's value for one row of d floats (exposed for the tests). */
double ba_rule_feature(const ba_rule *r, const float *x, size_t d);

#endif
