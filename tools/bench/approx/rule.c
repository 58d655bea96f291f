/* Feature rules (rule.h): parsing the text and selecting the rows. */
#include "rule.h"

#include "fail.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A whole string as a number (no trailing text). */
static int number(const char *s, double *v)
{
    char *end = NULL;
    *v = strtod(s, &end);
    return end != s && *end == '\0' && isfinite(*v) ? 0 : -1;
}

static int size_value(const char *s, size_t *v)
{
    char *end = NULL;
    unsigned long long u = strtoull(s, &end, 10);
    if (end == s || *end != '\0' || *s == '-')
        return -1;
    *v = (size_t)u;
    return 0;
}

/* "a:b" (or "a:b:c:d" with four) into numbers. */
static int pair(const char *s, double *a, double *b)
{
    char buf[64];
    const char *colon = strchr(s, ':');
    if (!colon || (size_t)(colon - s) >= sizeof buf)
        return -1;
    memcpy(buf, s, (size_t)(colon - s));
    buf[colon - s] = '\0';
    return number(buf, a) || number(colon + 1, b) ? -1 : 0;
}

static int region(ba_rule *r, const char *s)
{
    unsigned long long v[4];
    char tail;
    if (sscanf(s, "%llu:%llu:%llu:%llu%c", &v[0], &v[1], &v[2], &v[3],
               &tail) != 4 || v[0] >= v[1] || v[2] >= v[3])
        return -1;
    r->r0 = (size_t)v[0];
    r->r1 = (size_t)v[1];
    r->c0 = (size_t)v[2];
    r->c1 = (size_t)v[3];
    return 0;
}

static int feature_name(ba_rule *r, const char *s)
{
    static const char *names[] = {"mean", "std",    "ink", "region",
                                  "width", "height", "cx",  "cy"};
    for (int i = 0; i < (int)(sizeof names / sizeof *names); i++)
        if (!strcmp(s, names[i])) {
            r->feature = i;
            return 0;
        }
    if (s[0] == 'x' && size_value(s + 1, &r->column) == 0) {
        r->feature = BA_FEAT_COLUMN;
        return 0;
    }
    return -1;
}

/* One key=value clause; *which counts the row-choosing clauses. */
static int clause(ba_rule *r, const char *key, const char *val, int *cls_given,
                  int *which, int *above_below, char *err, size_t errlen)
{
    double a, b;
    if (!strcmp(key, "class")) {
        size_t k;
        if (!strcmp(val, "all"))
            r->cls = -1;
        else if (size_value(val, &k) == 0 && k < 1u << 30)
            r->cls = (int32_t)k;
        else
            return ba_fail(err, errlen, "class=%s: a class number or 'all'", val);
        *cls_given = 1;
    } else if (!strcmp(key, "feature")) {
        if (feature_name(r, val))
            return ba_fail(err, errlen, "feature=%s: not a feature (mean, std, "
                        "ink, region, width, height, cx, cy, xN)", val);
    } else if (!strcmp(key, "region")) {
        if (region(r, val))
            return ba_fail(err, errlen, "region=%s: R0:R1:C0:C1 with R0 < R1 and "
                        "C0 < C1", val);
    } else if (!strcmp(key, "image")) {
        unsigned long long h, w;
        char tail;
        if (sscanf(val, "%llux%llu%c", &h, &w, &tail) != 2 || !h || !w)
            return ba_fail(err, errlen, "image=%s: HxW, e.g. 28x28", val);
        r->height = (size_t)h;
        r->width = (size_t)w;
    } else if (!strcmp(key, "level")) {
        if (number(val, &r->level))
            return ba_fail(err, errlen, "level=%s: a number", val);
    } else if (!strcmp(key, "half")) {
        if (strcmp(val, "upper") && strcmp(val, "lower"))
            return ba_fail(err, errlen, "half=%s: upper or lower", val);
        r->by_value = 0;
        r->lo = !strcmp(val, "upper") ? 0.5 : 0.0;
        r->hi = !strcmp(val, "upper") ? 1.0 : 0.5;
        (*which)++;
    } else if (!strcmp(key, "q")) {
        if (pair(val, &a, &b) || a < 0 || b > 1 || a >= b)
            return ba_fail(err, errlen, "q=%s: LO:HI with 0 <= LO < HI <= 1", val);
        r->by_value = 0;
        r->lo = a;
        r->hi = b;
        (*which)++;
    } else if (!strcmp(key, "above") || !strcmp(key, "below")) {
        if (number(val, &a))
            return ba_fail(err, errlen, "%s=%s: a number", key, val);
        if (!*above_below) {
            r->lo = -INFINITY;
            r->hi = INFINITY;
            (*which)++;
        }
        *above_below = 1;
        r->by_value = 1;
        if (key[0] == 'a')
            r->lo = a;
        else
            r->hi = a;
    } else {
        return ba_fail(err, errlen, "'%s': not a key of a rule (class, feature, "
                    "region, image, level, half, q, above, below)", key);
    }
    return 0;
}

int ba_rule_parse(ba_rule *r, const char *text, char *err, size_t errlen)
{
    ba_rule d = {.cls = -1, .feature = BA_FEAT_MEAN, .level = 0.5,
                 .lo = 0.5, .hi = 1.0};
    char buf[512];
    if (strlen(text) >= sizeof buf)
        return ba_fail(err, errlen, "rule longer than %zu characters",
                    sizeof buf - 1);
    strcpy(buf, text);
    int cls_given = 0, which = 0, above_below = 0;
    for (char *save = NULL, *c = strtok_r(buf, ",", &save); c;
         c = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(c, '=');
        if (!eq)
            return ba_fail(err, errlen, "'%s': clauses are key=value", c);
        *eq = '\0';
        if (clause(&d, c, eq + 1, &cls_given, &which, &above_below, err,
                   errlen))
            return -1;
    }
    if (!cls_given)
        return ba_fail(err, errlen, "rule '%s' names no class (class=K or "
                    "class=all)", text);
    if (which - above_below > 1 || (which > 1 && above_below))
        return ba_fail(err, errlen, "rule '%s': give one of half=, q=, or "
                    "above=/below=", text);
    if (d.by_value && d.lo >= d.hi)
        return ba_fail(err, errlen, "rule '%s': above= must be below below=",
                    text);
    if (d.feature == BA_FEAT_REGION && d.r1 == 0)
        return ba_fail(err, errlen, "rule '%s': feature=region needs "
                    "region=R0:R1:C0:C1", text);
    *r = d;
    return 0;
}

/* The image's shape for d features: the one given, or a square. */
static int shape(const ba_rule *r, size_t d, size_t *h, size_t *w)
{
    if (r->height) {
        *h = r->height;
        *w = r->width;
        return *h * *w == d ? 0 : -1;
    }
    size_t s = (size_t)llround(sqrt((double)d));
    *h = *w = s;
    return s * s == d ? 0 : -1;
}

static int image_feature(int f)
{
    return f == BA_FEAT_REGION || f == BA_FEAT_WIDTH ||
           f == BA_FEAT_HEIGHT || f == BA_FEAT_CX || f == BA_FEAT_CY;
}

/* Rows (or columns) of the image holding a pixel above level. */
static double extent(const float *x, size_t h, size_t w, double level,
                     int columns)
{
    size_t n = 0, outer = columns ? w : h, inner = columns ? h : w;
    for (size_t i = 0; i < outer; i++)
        for (size_t j = 0; j < inner; j++) {
            float v = columns ? x[j * w + i] : x[i * w + j];
            if (v > level) {
                n++;
                break;
            }
        }
    return (double)n;
}

double ba_rule_feature(const ba_rule *r, const float *x, size_t d)
{
    size_t h = 0, w = 0;
    if (image_feature(r->feature))
        shape(r, d, &h, &w);
    double s = 0, s2 = 0, sx = 0, sy = 0;
    size_t n = 0;
    switch (r->feature) {
    case BA_FEAT_COLUMN:
        return x[r->column];
    case BA_FEAT_WIDTH:
    case BA_FEAT_HEIGHT:
        return extent(x, h, w, r->level, r->feature == BA_FEAT_WIDTH);
    case BA_FEAT_REGION:
        for (size_t i = r->r0; i < r->r1; i++)
            for (size_t j = r->c0; j < r->c1; j++)
                s += x[i * w + j];
        return s / (double)((r->r1 - r->r0) * (r->c1 - r->c0));
    case BA_FEAT_CX:
    case BA_FEAT_CY:
        for (size_t i = 0; i < h; i++)
            for (size_t j = 0; j < w; j++) {
                s += x[i * w + j];
                sx += (double)j * x[i * w + j];
                sy += (double)i * x[i * w + j];
            }
        if (s <= 0)
            return r->feature == BA_FEAT_CX ? (double)w / 2 : (double)h / 2;
        return (r->feature == BA_FEAT_CX ? sx : sy) / s;
    default:
        for (size_t j = 0; j < d; j++) {
            s += x[j];
            s2 += (double)x[j] * x[j];
            n += x[j] > r->level;
        }
        if (r->feature == BA_FEAT_INK)
            return (double)n / (double)d;
        if (r->feature == BA_FEAT_STD)
            return sqrt(fmax(s2 / (double)d - (s / d) * (s / d), 0.0));
        return s / (double)d;
    }
}

/* Whether r fits data of d features. */
static int check(const ba_rule *r, const forget_dataset *ds, char *err,
                 size_t errlen)
{
    size_t d = forget_dataset_features(ds), h = 0, w = 0;
    if (forget_dataset_task(ds) != FORGET_TASK_CLASSIFICATION)
        return ba_fail(err, errlen, "rules select rows of a classification set");
    if (r->cls >= 0 && (size_t)r->cls >= forget_dataset_classes(ds))
        return ba_fail(err, errlen, "class=%d: the data has %zu classes",
                    (int)r->cls, forget_dataset_classes(ds));
    if (r->feature == BA_FEAT_COLUMN && r->column >= d)
        return ba_fail(err, errlen, "feature=x%zu: the data has %zu columns",
                    r->column, d);
    if (image_feature(r->feature) && shape(r, d, &h, &w))
        return ba_fail(err, errlen, "%zu features are not a square image: "
                    "give image=HxW", d);
    if (r->feature == BA_FEAT_REGION && (r->r1 > h || r->c1 > w))
        return ba_fail(err, errlen, "region %zu:%zu:%zu:%zu is outside the "
                    "%zux%zu image", r->r0, r->r1, r->c0, r->c1, h, w);
    return 0;
}

typedef struct ranked {
    double v;
    size_t row;
} ranked;

static int by_value_then_row(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->v != y->v)
        return x->v < y->v ? -1 : 1;
    return (x->row > y->row) - (x->row < y->row);
}

static int by_row(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    return (x->row > y->row) - (x->row < y->row);
}

int ba_rule_select(const ba_rule *r, const forget_dataset *ds, uint64_t **ids,
                   size_t *count, char *err, size_t errlen)
{
    if (check(r, ds, err, errlen))
        return -1;
    size_t n = forget_dataset_rows(ds), d = forget_dataset_features(ds), k = 0;
    const int32_t *y = forget_dataset_labels(ds);
    ranked *c = malloc((n ? n : 1) * sizeof *c);
    float *x = malloc(d * sizeof *x);
    if (!c || !x) {
        free(c);
        free(x);
        return ba_fail(err, errlen, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        if (r->cls >= 0 && y[i] != r->cls)
            continue;
        forget_dataset_copy_rows(ds, i, 1, x, d);
        c[k].v = ba_rule_feature(r, x, d);
        c[k++].row = i;
    }
    free(x);
    size_t begin = 0, end = k;
    if (r->by_value) {
        size_t m = 0;
        for (size_t i = 0; i < k; i++)
            if (c[i].v > r->lo && c[i].v < r->hi)
                c[m++] = c[i];
        end = m;
    } else {
        qsort(c, k, sizeof *c, by_value_then_row);
        begin = (size_t)floor(r->lo * (double)k);
        end = (size_t)floor(r->hi * (double)k);
        qsort(c + begin, end - begin, sizeof *c, by_row);
    }
    uint64_t *out = malloc((end > begin ? end - begin : 1) * sizeof *out);
    const uint64_t *all = forget_dataset_ids(ds);
    if (!out) {
        free(c);
        return ba_fail(err, errlen, "out of memory");
    }
    for (size_t i = begin; i < end; i++)
        out[i - begin] = all[c[i].row];
    free(c);
    *ids = out;
    *count = end - begin;
    return 0;
}
