/* bench_approx's feature rules (tools/bench/approx/rule.c): the grammar's
 * refusals, each feature on images of known values, and which rows a
 * rule selects (quantile bands, thresholds, ties, order). Prints
 * "N passed, N failed". */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../tools/bench/approx/rule.h"

static int passed, failed;

#define CHECK(cond, ...)                                                    \
    do {                                                                    \
        if (cond) {                                                         \
            passed++;                                                       \
        } else {                                                            \
            failed++;                                                       \
            printf("FAIL %s:%d: ", __FILE__, __LINE__);                     \
            printf(__VA_ARGS__);                                            \
            printf("\n");                                                   \
        }                                                                   \
    } while (0)

static void refusals(void)
{
    const char *bad[] = {
        "feature=mean",                   /* no class */
        "class=0,feature=bogus",          /* unknown feature */
        "class=0,colour=red",             /* unknown key */
        "class=0,half=middle",            /* bad half */
        "class=0,q=0.5:0.2",              /* empty band */
        "class=0,q=0:1.5",                /* past 1 */
        "class=0,half=upper,q=0:0.5",     /* two choosers */
        "class=0,q=0:0.5,above=1",        /* two choosers */
        "class=0,feature=region",         /* region missing */
        "class=0,region=3:1:0:4",         /* empty region */
        "class=0,above=0.6,below=0.2",    /* empty value band */
        "class=0,level=bright",           /* not a number */
        "class=0,image=28",               /* not HxW */
        "class=-1",                       /* negative class */
        "class=0,feature=x",              /* column without number */
        "class=0,half",                   /* a clause without = */
        "class=0 half=upper",             /* value with trailing text */
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        ba_rule r;
        char err[256] = "";
        int rc = ba_rule_parse(&r, bad[i], err, sizeof err);
        CHECK(rc == -1 && err[0], "'%s' accepted", bad[i]);
    }
    ba_rule r;
    char err[256];
    CHECK(ba_rule_parse(&r, "class=3", err, sizeof err) == 0 &&
              r.cls == 3 && r.feature == BA_FEAT_MEAN && !r.by_value &&
              r.lo == 0.5 && r.hi == 1.0,
          "defaults: feature=mean, half=upper");
    CHECK(ba_rule_parse(&r, "class=all,feature=x12,above=0.1,below=0.9",
                        err, sizeof err) == 0 &&
              r.cls == -1 && r.feature == BA_FEAT_COLUMN && r.column == 12 &&
              r.by_value && r.lo == 0.1 && r.hi == 0.9,
          "class=all, a column, a value band: %s", err);
}

/* A 4x4 image: ink in rows 1-2, columns 0-2, one bright pixel. */
static void features(void)
{
    float x[16] = {0};
    x[1 * 4 + 0] = 1.0f;
    x[1 * 4 + 1] = 1.0f;
    x[2 * 4 + 2] = 1.0f;
    x[2 * 4 + 1] = 0.25f;
    ba_rule r;
    char err[256];
    struct {
        const char *rule;
        double want;
    } cases[] = {
        {"class=0,feature=mean", 3.25 / 16},
        {"class=0,feature=ink", 3.0 / 16},
        {"class=0,feature=ink,level=0.2", 4.0 / 16},
        {"class=0,feature=width", 3},
        {"class=0,feature=height", 2},
        {"class=0,feature=height,level=1", 0},
        {"class=0,feature=region,region=1:2:0:4", 0.5},
        {"class=0,feature=region,region=2:4:0:4", 1.25 / 8},
        {"class=0,feature=cx", (0 + 1 + 2 + 0.25) / 3.25},
        {"class=0,feature=cy", (1 + 1 + 2 + 0.5) / 3.25},
        {"class=0,feature=x6", 0},
        {"class=0,feature=x9", 0.25},
        {"class=0,feature=x9,image=2x8", 0.25},
    };
    double m = 3.25 / 16, sq = 3.0625 / 16;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        int rc = ba_rule_parse(&r, cases[i].rule, err, sizeof err);
        double v = rc ? NAN : ba_rule_feature(&r, x, 16);
        CHECK(fabs(v - cases[i].want) < 1e-12, "%s: %g, want %g",
              cases[i].rule, v, cases[i].want);
    }
    ba_rule_parse(&r, "class=0,feature=std", err, sizeof err);
    CHECK(fabs(ba_rule_feature(&r, x, 16) - sqrt(sq - m * m)) < 1e-12,
          "std");
    /* a rectangular image: width counts its 8 columns' worth */
    ba_rule_parse(&r, "class=0,feature=width,image=2x8", err, sizeof err);
    CHECK(ba_rule_feature(&r, x, 16) == 3, "width of a 2x8 image: %g",
          ba_rule_feature(&r, x, 16));
}

/* 40 rows of 16 pixels, row i all i/40 (ties: rows 30 and 31 both
 * 30/40), labels i % 2; ids 100 + i. */
static forget_dataset *ramp(void)
{
    float x[40 * 16];
    int32_t y[40];
    uint64_t ids[40];
    for (int i = 0; i < 40; i++) {
        float v = (float)(i == 31 ? 30 : i) / 40.0f;
        for (int j = 0; j < 16; j++)
            x[i * 16 + j] = v;
        y[i] = i % 2;
        ids[i] = 100 + (uint64_t)i;
    }
    forget_dataset *ds = NULL;
    if (forget_dataset_create(&ds, 40, 16, x, y, ids) != FORGET_OK)
        abort();
    return ds;
}

/* The selected ids as row numbers, compared with the expected list. */
static void expect(const forget_dataset *ds, const char *rule,
                   const int *rows, size_t count)
{
    ba_rule r;
    char err[256] = "";
    uint64_t *ids = NULL;
    size_t n = 0;
    int rc = ba_rule_parse(&r, rule, err, sizeof err);
    if (rc == 0)
        rc = ba_rule_select(&r, ds, &ids, &n, err, sizeof err);
    int same = rc == 0 && n == count;
    for (size_t i = 0; same && i < n; i++)
        same = ids[i] == 100 + (uint64_t)rows[i];
    CHECK(same, "%s: rc %d, %zu rows (want %zu) %s", rule, rc, n, count, err);
    free(ids);
}

static void selection(void)
{
    forget_dataset *ds = ramp();
    int upper[] = {20, 22, 24, 26, 28, 30, 32, 34, 36, 38};
    int lower[] = {0, 2, 4, 6, 8, 10, 12, 14, 16, 18};
    expect(ds, "class=0,half=upper", upper, 10);
    expect(ds, "class=0,half=lower", lower, 10);
    int top[] = {36, 38};
    expect(ds, "class=0,feature=mean,q=0.9:1", top, 2);
    int band[] = {12, 14, 16, 18};
    expect(ds, "class=0,above=0.29,below=0.5", band, 4);
    int above[] = {22, 24, 26, 28, 30, 32, 34, 36, 38};
    expect(ds, "class=0,above=0.5", above, 9);
    /* class 1: rows 29 (29/40), 31 (30/40) and 33...: row 31 ranks
     * between 29 and 33 by value; the top 10 rows of class 1 are 21..39 */
    int odd_upper[] = {21, 23, 25, 27, 29, 31, 33, 35, 37, 39};
    expect(ds, "class=1,half=upper", odd_upper, 10);
    /* every class: rows 30 and 31 tie (both 30/40) at ranks 30 and 31 of
     * 40; the band of rank 30 alone (0.78125 * 40 = 31.25) takes row 30,
     * the next band row 31 */
    int first_tie[] = {30}, second_tie[] = {31};
    expect(ds, "class=all,q=0.75:0.78125", first_tie, 1);
    expect(ds, "class=all,q=0.78125:0.8125", second_tie, 1);
    int col[] = {1, 3, 5, 7, 9};
    expect(ds, "class=1,feature=x15,below=0.25", col, 5);
    expect(ds, "class=0,feature=mean,above=2", NULL, 0);

    const char *unfit[] = {
        "class=2",                                   /* 2 classes */
        "class=0,feature=x16",                       /* 16 columns */
        "class=0,feature=region,region=0:5:0:4",     /* outside 4x4 */
        "class=0,feature=width,image=3x3",           /* 9 != 16 */
    };
    for (size_t i = 0; i < sizeof unfit / sizeof *unfit; i++) {
        ba_rule r;
        char err[256] = "";
        uint64_t *ids = NULL;
        size_t n = 0;
        ba_rule_parse(&r, unfit[i], err, sizeof err);
        CHECK(ba_rule_select(&r, ds, &ids, &n, err, sizeof err) == -1 &&
                  err[0] && ids == NULL,
              "'%s' selected rows of data it does not fit", unfit[i]);
    }
    forget_dataset_free(ds);
    /* not a square image: feature=region needs image= */
    float x[15] = {0};
    int32_t y[1] = {0};
    forget_dataset *odd = NULL;
    forget_dataset_create(&odd, 1, 15, x, y, NULL);
    ba_rule r;
    char err[256] = "";
    uint64_t *ids = NULL;
    size_t n = 0;
    ba_rule_parse(&r, "class=0,feature=cx", err, sizeof err);
    CHECK(ba_rule_select(&r, odd, &ids, &n, err, sizeof err) == -1 &&
              strstr(err, "image=HxW"),
          "15 features taken for an image: %s", err);
    forget_dataset_free(odd);
}

int main(void)
{
    if (forget_init() != FORGET_OK)
        return 1;
    refusals();
    features();
    selection();
    forget_shutdown();
    printf("%d passed, %d failed\n", passed, failed);
    return failed != 0;
}
