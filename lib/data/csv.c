/* The CSV loader: one row per line, one label (or regression target)
 * column, optionally an id column and a header line. Two streaming passes
 * over the file: count, then fill, so the arrays are allocated once and
 * exactly, and besides them only a read buffer and one field are held
 * (a gzip of blanks or an endless line cannot grow memory). */
#include <stdio.h>
#include <string.h>

#include "util/alloc.h"
#include "util/error.h"
#include "util/limits.h"
#include "util/number.h"
#include "util/params.h"
#include "data/dataset.h"
#include "data/part.h"
#include "data/source.h"

/* The longest field (after trimming blanks): numbers of any sensible
 * length, with room to spare. */
#define FG_CSV_FIELD_MAX (1u << 20)
#define FG_CSV_CHUNK 65536

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
    FG_PART_PARAM_DEF,
};

typedef struct fg_csv {
    const char *path;
    char delim;
    int header, regression;
    long label_col, id_col; /* resolved: >= 0, id_col -1 = none */
    size_t cols, rows;
    uint32_t part_r, part_p; /* part=r/P */
} fg_csv;

/* A stream of fields: the (gunzipped) text read in chunks. */
typedef struct fg_scan {
    fg_source *src;
    const char *path;
    char delim;
    unsigned char *buf;
    size_t pos, len;
    char *field; /* the current field, blanks trimmed, NUL-terminated */
    size_t flen, fcap;
    size_t line; /* 1-based number of the line being read */
} fg_scan;

static int fg_scan_open(fg_scan *sc, const fg_csv *c)
{
    memset(sc, 0, sizeof *sc);
    sc->path = c->path;
    sc->delim = c->delim;
    sc->line = 1;
    sc->fcap = 256;
    sc->buf = fg_malloc(FG_CSV_CHUNK);
    sc->field = fg_malloc(sc->fcap);
    if (sc->buf == NULL || sc->field == NULL)
        return fg_nomem("the CSV reader");
    return fg_source_open(&sc->src, c->path);
}

static void fg_scan_close(fg_scan *sc)
{
    fg_source_close(sc->src);
    fg_free(sc->buf);
    fg_free(sc->field);
}

/* The next byte without taking it, or -1 at the end of the text. */
static int fg_scan_peek(fg_scan *sc, int *ch)
{
    if (sc->pos == sc->len) {
        int rc = fg_source_read(sc->src, sc->buf, FG_CSV_CHUNK, &sc->len);
        sc->pos = 0;
        if (rc != FORGET_OK) {
            sc->len = 0;
            return rc;
        }
    }
    *ch = sc->pos < sc->len ? sc->buf[sc->pos] : -1;
    if (*ch == '\0')
        return fg_error(FORGET_E_FORMAT, "'%s' line %zu: a NUL byte; not a "
                        "CSV file", sc->path, sc->line);
    if (*ch == '"')
        return fg_error(FORGET_E_FORMAT, "'%s' line %zu: quoted fields are "
                        "not supported", sc->path, sc->line);
    return FORGET_OK;
}

static int fg_is_blank(int ch) { return ch == ' ' || ch == '\t' || ch == '\r'; }

/* Skip blank lines; *more = 0 at the end of the text, else the next line
 * has content. */
static int fg_scan_next_line(fg_scan *sc, int *more)
{
    int ch, rc;
    while ((rc = fg_scan_peek(sc, &ch)) == FORGET_OK && ch != -1 &&
           (fg_is_blank(ch) || ch == '\n')) {
        sc->pos++;
        sc->line += ch == '\n';
    }
    *more = ch != -1;
    return rc;
}

static int fg_scan_keep(fg_scan *sc, int ch)
{
    if (sc->flen + 2 > sc->fcap) {
        if (sc->fcap >= FG_CSV_FIELD_MAX)
            return fg_error(FORGET_E_FORMAT, "'%s' line %zu: a field longer "
                            "than %u bytes", sc->path, sc->line,
                            FG_CSV_FIELD_MAX);
        char *bigger = fg_realloc_array(sc->field, 2, sc->fcap);
        if (bigger == NULL)
            return fg_nomem("a CSV field");
        sc->field = bigger;
        sc->fcap *= 2;
    }
    sc->field[sc->flen++] = (char)ch;
    return FORGET_OK;
}

/* The next field of the line into sc->field, its blanks trimmed (a run
 * inside it kept as one space); *end = 1 when it ended the line. */
static int fg_scan_field(fg_scan *sc, int *end)
{
    int ch, rc, blank = 0;
    sc->flen = 0;
    while ((rc = fg_scan_peek(sc, &ch)) == FORGET_OK) {
        if (ch == -1 || ch == '\n' || ch == sc->delim)
            break;
        sc->pos++;
        if (fg_is_blank(ch)) {
            blank = sc->flen > 0;
            continue;
        }
        if (blank && (rc = fg_scan_keep(sc, ' ')) != FORGET_OK)
            break;
        blank = 0;
        if ((rc = fg_scan_keep(sc, ch)) != FORGET_OK)
            break;
    }
    sc->field[sc->flen] = '\0';
    if (rc != FORGET_OK)
        return rc;
    *end = ch != sc->delim;
    if (ch != -1) {
        sc->pos++;
        sc->line += ch == '\n';
    }
    return FORGET_OK;
}

static int fg_field_error(const fg_csv *c, size_t line, size_t col,
                          const char *s, size_t len, const char *expected)
{
    return fg_error(FORGET_E_FORMAT, "'%s' line %zu, column %zu: '%.*s' is "
                    "not %s", c->path, line, col, (int)(len > 40 ? 40 : len),
                    s, expected);
}

/* Field col of row r (text f) into ds; *feature counts the features. */
static int fg_csv_value(const fg_csv *c, forget_dataset *ds, size_t r,
                        size_t col, const char *f, size_t flen, size_t line,
                        size_t *feature)
{
    int64_t iv;
    double dv;
    if ((long)col == c->id_col) {
        if (fg_parse_int64(f, flen, &iv) != 0 || iv < 0)
            return fg_field_error(c, line, col, f, flen,
                                  "a sample id (an integer >= 0)");
        ds->ids[r] = (uint64_t)iv;
        return FORGET_OK;
    }
    if ((long)col == c->label_col && !c->regression) {
        if (fg_parse_int64(f, flen, &iv) != 0 || iv < 0 || iv > INT32_MAX)
            return fg_field_error(c, line, col, f, flen,
                                  "a class label (an integer >= 0)");
        ds->labels[r] = (int32_t)iv;
        return FORGET_OK;
    }
    int nr = fg_parse_double(f, flen, &dv);
    if (nr == FG_NUM_NOMEM)
        return fg_nomem("a long number");
    if (nr != FG_NUM_OK || dv > 3.4e38 || dv < -3.4e38)
        return fg_field_error(c, line, col, f, flen, "a finite number");
    if ((long)col == c->label_col)
        ds->targets[r] = (float)dv;
    else
        ds->x[r * ds->d + (*feature)++] = (float)dv;
    return FORGET_OK;
}

/* One data line of n fields checked against the first row's count. */
static int fg_csv_count(fg_csv *c, size_t n, size_t line, int filling)
{
    if (c->cols == 0 && !filling) {
        c->cols = n;
        return FORGET_OK;
    }
    if (n == c->cols)
        return FORGET_OK;
    return fg_error(FORGET_E_FORMAT, "'%s' line %zu has %zu fields; the "
                    "first row has %zu%s", c->path, line, n, c->cols,
                    filling ? " (the file changed while being read)" : "");
}

/* One pass over the file: with ds NULL, count the rows and columns into
 * c; else parse every data row into ds (which has c->rows rows). */
static int fg_csv_pass(fg_csv *c, forget_dataset *ds)
{
    fg_scan sc;
    int rc = fg_scan_open(&sc, c);
    int header = c->header, more = 1;
    size_t rows = 0, max_fields = (size_t)fg_limit(FORGET_LIMIT_MAX_FEATURES)
                                  + 2;
    while (rc == FORGET_OK &&
           (rc = fg_scan_next_line(&sc, &more)) == FORGET_OK && more) {
        size_t line = sc.line, n = 0, feature = 0;
        int end = 0, data = !header;
        header = 0;
        if (data && ds && rows == ds->n)
            rc = fg_error(FORGET_E_FORMAT, "'%s' line %zu: more rows than "
                          "the first pass counted (the file changed while "
                          "being read)", c->path, line);
        while (rc == FORGET_OK && !end) {
            rc = fg_scan_field(&sc, &end);
            if (rc == FORGET_OK && data && ds && n < c->cols)
                rc = fg_csv_value(c, ds, rows, n, sc.field, sc.flen, line,
                                  &feature);
            if (rc == FORGET_OK && ++n > max_fields)
                rc = fg_limit_check(FORGET_LIMIT_MAX_FEATURES, n - 2,
                                    "a CSV line");
        }
        if (rc != FORGET_OK || !data)
            continue;
        rc = fg_csv_count(c, n, line, ds != NULL);
        if (rc == FORGET_OK && ds && c->id_col < 0)
            ds->ids[rows] = rows;
        if (rc == FORGET_OK && ++rows > fg_limit(FORGET_LIMIT_MAX_ROWS))
            rc = fg_limit_check(FORGET_LIMIT_MAX_ROWS, rows, "a CSV file");
    }
    fg_scan_close(&sc);
    if (rc == FORGET_OK && ds && rows != ds->n)
        rc = fg_error(FORGET_E_FORMAT, "'%s': %zu rows, the first pass "
                      "counted %zu (the file changed while being read)",
                      c->path, rows, ds->n);
    c->rows = ds ? c->rows : rows;
    return rc;
}

/* The shape from the first pass: the column indices resolved. */
static int fg_csv_resolve(fg_csv *c)
{
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
    size_t d = c->cols - extra;
    /* A line may hold the limit plus the label and id columns (the pass's
     * bound); the features themselves are held to the limit exactly. */
    int rc = fg_limit_check(FORGET_LIMIT_MAX_FEATURES, d, "a CSV row");
    return rc != FORGET_OK ? rc
                           : fg_limit_check_bytes(c->rows,
                                                  (uint64_t)d * 4 + 16,
                                                  "the CSV dataset");
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
    const char *part;
    forget_params_string(p, "part", &part);
    rc = fg_part_parse(part, &c->part_r, &c->part_p, "the CSV loader");
    if (rc == FORGET_OK && (strlen(delim) != 1 || delim[0] == '"' ||
                            delim[0] == '\n' || delim[0] == '\r'))
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
    rc = fg_csv_pass(&c, NULL);
    if (rc == FORGET_OK)
        rc = fg_csv_resolve(&c);
    forget_dataset *ds = NULL;
    if (rc == FORGET_OK) {
        size_t d = c.cols - 1 - (c.id_col >= 0);
        rc = fg_dataset_new(&ds, c.rows, d,
                            c.regression ? FORGET_TASK_REGRESSION
                                         : FORGET_TASK_CLASSIFICATION,
                            1, "forget_dataset_load_csv");
    }
    if (rc == FORGET_OK)
        rc = fg_csv_pass(&c, ds);
    if (rc != FORGET_OK) {
        fg_dataset_discard(ds);
        return rc;
    }
    rc = fg_dataset_seal(&ds, 0, "forget_dataset_load_csv");
    if (rc == FORGET_OK)
        rc = fg_part_apply(&ds, c.part_r, c.part_p, "forget_dataset_load_csv");
    if (rc == FORGET_OK)
        *out = ds;
    else
        forget_dataset_free(ds);
    return rc;
}
