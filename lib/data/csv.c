/* The CSV loader: one row per line, one label (or regression target)
 * column, optionally an id column and a header line. Two passes over the
 * text: count, then fill, so the arrays are allocated once and exactly. */
#include <string.h>

#include "util/alloc.h"
#include "util/error.h"
#include "util/number.h"
#include "util/params.h"
#include "data/dataset.h"
#include "data/source.h"

static const forget_param_def fg_csv_params[] = {
    {"label", FORGET_PARAM_INT, "0", -1, 1.0e6, NULL,
     "column of the label or target (0-based; -1 = last)"},
    {"header", FORGET_PARAM_BOOL, "false", 0, -1, NULL,
     "the first line names the columns and is skipped"},
    {"task", FORGET_PARAM_ENUM, "classification", 0, -1,
     "classification|regression", "integer class labels or real targets"},
    {"delimiter", FORGET_PARAM_STRING, ",", 0, -1, NULL,
     "the one-character field separator"},
    {"id", FORGET_PARAM_INT, "-1", -1, 1.0e6, NULL,
     "column of the sample ids (integers >= 0); -1 = none, ids 0..n-1"},
};

typedef struct fg_csv {
    const char *path;
    char delim;
    int header, regression;
    long label_col, id_col; /* resolved: >= 0, id_col -1 = none */
    size_t cols, rows;
} fg_csv;

/* Read the whole (possibly gzipped) file, NUL-terminated. */
static int fg_slurp(const char *path, char **text, size_t *len)
{
    fg_source *src = NULL;
    int rc = fg_source_open(&src, path);
    if (rc != FORGET_OK)
        return rc;
    size_t cap = 1 << 16, used = 0, got;
    char *buf = fg_malloc(cap);
    if (buf == NULL)
        rc = fg_nomem("the CSV text");
    while (rc == FORGET_OK) {
        if (used + 1 == cap) {
            char *bigger = cap > SIZE_MAX / 2 ? NULL
                                              : fg_realloc_array(buf, 2, cap);
            if (bigger == NULL) {
                rc = fg_nomem("the CSV text");
                break;
            }
            buf = bigger;
            cap *= 2;
        }
        rc = fg_source_read(src, buf + used, cap - 1 - used, &got);
        used += got;
        if (rc == FORGET_OK && got == 0)
            break;
    }
    fg_source_close(src);
    if (rc != FORGET_OK) {
        fg_free(buf);
        return rc;
    }
    buf[used] = '\0';
    if (memchr(buf, '\0', used) != NULL) {
        fg_free(buf);
        return fg_error(FORGET_E_FORMAT, "'%s': a NUL byte in the text; not "
                        "a CSV file", path);
    }
    *text = buf;
    *len = used;
    return FORGET_OK;
}

/* The next line [*start, *end) from *pos, without its \r\n; 0 at the end. */
static int fg_next_line(const char *text, size_t *pos, size_t *start,
                        size_t *end)
{
    if (text[*pos] == '\0')
        return 0;
    *start = *pos;
    const char *nl = strchr(text + *pos, '\n');
    size_t stop = nl ? (size_t)(nl - text) : *pos + strlen(text + *pos);
    *pos = nl ? stop + 1 : stop;
    if (stop > *start && text[stop - 1] == '\r')
        stop--;
    *end = stop;
    return 1;
}

static int fg_blank(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] != ' ' && s[i] != '\t')
            return 0;
    return 1;
}

static size_t fg_count_fields(const char *s, size_t len, char delim)
{
    size_t n = 1;
    for (size_t i = 0; i < len; i++)
        n += s[i] == delim;
    return n;
}

/* Pass 1: rows and columns, and the column indices resolved. */
static int fg_csv_shape(fg_csv *c, const char *text)
{
    size_t pos = 0, a, b, line = 0;
    int skipped_header = !c->header;
    c->rows = 0;
    c->cols = 0;
    while (fg_next_line(text, &pos, &a, &b)) {
        line++;
        if (fg_blank(text + a, b - a))
            continue;
        if (memchr(text + a, '"', b - a))
            return fg_error(FORGET_E_FORMAT, "'%s' line %zu: quoted fields "
                            "are not supported", c->path, line);
        size_t n = fg_count_fields(text + a, b - a, c->delim);
        if (!skipped_header) {
            skipped_header = 1;
            continue;
        }
        if (c->cols == 0)
            c->cols = n;
        else if (n != c->cols)
            return fg_error(FORGET_E_FORMAT, "'%s' line %zu has %zu fields; "
                            "the first row has %zu", c->path, line, n,
                            c->cols);
        c->rows++;
    }
    if (c->rows == 0)
        return fg_error(FORGET_E_FORMAT, "'%s' has no data rows", c->path);
    if (c->label_col < 0)
        c->label_col = (long)c->cols - 1;
    size_t need = (size_t)c->label_col + 1;
    if (c->id_col >= 0 && (size_t)c->id_col + 1 > need)
        need = (size_t)c->id_col + 1;
    size_t extra = 1 + (c->id_col >= 0);
    if (c->cols < need || c->cols <= extra || c->id_col == c->label_col)
        return fg_error(FORGET_E_FORMAT, "'%s' has %zu columns: not enough "
                        "for label column %ld, id column %ld and at least "
                        "one feature", c->path, c->cols, c->label_col,
                        c->id_col);
    return FORGET_OK;
}

static int fg_field_error(const fg_csv *c, size_t line, size_t col,
                          const char *s, size_t len, const char *expected)
{
    return fg_error(FORGET_E_FORMAT, "'%s' line %zu, column %zu: '%.*s' is "
                    "not %s", c->path, line, col, (int)(len > 40 ? 40 : len),
                    s, expected);
}

/* Parse one data line into row r of ds. */
static int fg_csv_row(const fg_csv *c, forget_dataset *ds, size_t r,
                      const char *s, size_t len, size_t line)
{
    size_t col = 0, feature = 0, i = 0;
    while (col < c->cols) {
        size_t f0 = i;
        while (i < len && s[i] != c->delim)
            i++;
        size_t f1 = i++;
        while (f0 < f1 && (s[f0] == ' ' || s[f0] == '\t'))
            f0++;
        while (f1 > f0 && (s[f1 - 1] == ' ' || s[f1 - 1] == '\t'))
            f1--;
        const char *f = s + f0;
        size_t flen = f1 - f0;
        int64_t iv;
        double dv;
        if ((long)col == c->id_col) {
            if (fg_parse_int64(f, flen, &iv) != 0 || iv < 0)
                return fg_field_error(c, line, col, f, flen,
                                      "a sample id (an integer >= 0)");
            ds->ids[r] = (uint64_t)iv;
        } else if ((long)col == c->label_col && !c->regression) {
            if (fg_parse_int64(f, flen, &iv) != 0 || iv < 0 ||
                iv > INT32_MAX)
                return fg_field_error(c, line, col, f, flen,
                                      "a class label (an integer >= 0)");
            ds->labels[r] = (int32_t)iv;
        } else {
            if (fg_parse_double(f, flen, &dv) != 0 || dv > 3.4e38 ||
                dv < -3.4e38)
                return fg_field_error(c, line, col, f, flen,
                                      "a finite number");
            if ((long)col == c->label_col)
                ds->targets[r] = (float)dv;
            else
                ds->x[r * ds->d + feature++] = (float)dv;
        }
        col++;
    }
    if (c->id_col < 0)
        ds->ids[r] = r;
    return FORGET_OK;
}

static int fg_csv_fill(const fg_csv *c, forget_dataset *ds, const char *text)
{
    size_t pos = 0, a, b, line = 0, r = 0;
    int skipped_header = !c->header;
    while (fg_next_line(text, &pos, &a, &b)) {
        line++;
        if (fg_blank(text + a, b - a))
            continue;
        if (!skipped_header) {
            skipped_header = 1;
            continue;
        }
        int rc = fg_csv_row(c, ds, r++, text + a, b - a, line);
        if (rc != FORGET_OK)
            return rc;
    }
    return FORGET_OK;
}

static int fg_csv_options(fg_csv *c, const char *params)
{
    forget_params *p = NULL;
    int rc = fg_params_parse(&p, fg_csv_params,
                             sizeof fg_csv_params / sizeof *fg_csv_params,
                             "the CSV loader", params);
    if (rc != FORGET_OK)
        return rc;
    int64_t label, id;
    size_t task;
    const char *delim;
    forget_params_int(p, "label", &label);
    forget_params_int(p, "id", &id);
    forget_params_bool(p, "header", &c->header);
    forget_params_enum(p, "task", &task);
    forget_params_string(p, "delimiter", &delim);
    c->label_col = (long)label;
    c->id_col = (long)id;
    c->regression = task == 1;
    c->delim = delim[0];
    if (strlen(delim) != 1 || delim[0] == '"' || delim[0] == '\n' ||
        delim[0] == '\r')
        rc = fg_error(FORGET_E_PARAM, "parameter 'delimiter' of the CSV "
                      "loader: '%s' is not one character other than a quote "
                      "or line break", delim);
    forget_params_free(p);
    return rc;
}

int forget_dataset_load_csv(forget_dataset **out, const char *path,
                            const char *params)
{
    FG_CHECK_ARG(out);
    FG_CHECK_ARG(path);
    fg_csv c = {0};
    c.path = path;
    int rc = fg_csv_options(&c, params);
    if (rc != FORGET_OK)
        return rc;
    char *text = NULL;
    size_t len = 0;
    rc = fg_slurp(path, &text, &len);
    if (rc != FORGET_OK)
        return rc;
    forget_dataset *ds = NULL;
    rc = fg_csv_shape(&c, text);
    if (rc == FORGET_OK) {
        size_t d = c.cols - 1 - (c.id_col >= 0);
        rc = fg_dataset_new(&ds, c.rows, d,
                            c.regression ? FORGET_TASK_REGRESSION
                                         : FORGET_TASK_CLASSIFICATION,
                            1, "forget_dataset_load_csv");
    }
    if (rc == FORGET_OK)
        rc = fg_csv_fill(&c, ds, text);
    fg_free(text);
    if (rc != FORGET_OK) {
        fg_dataset_discard(ds);
        return rc;
    }
    rc = fg_dataset_seal(&ds, 0, "forget_dataset_load_csv");
    if (rc == FORGET_OK)
        *out = ds;
    return rc;
}
