/* The IDX loader (MNIST's format): big-endian header, then raw elements.
 * Every size is checked against what the file can hold before anything
 * is allocated for it. */
#include <stdio.h>
#include <string.h>

#include "util/alloc.h"
#include "util/error.h"
#include "util/limits.h"
#include "util/params.h"
#include "data/dataset.h"
#include "data/part.h"
#include "data/source.h"

#define FG_IDX_MAX_DIMS 8

typedef struct fg_idx_header {
    int type;       /* 0x08 ubyte, 0x09 sbyte, 0x0B i16, 0x0C i32, 0x0D f32,
                       0x0E f64 */
    size_t elem;    /* bytes per element */
    size_t rows;    /* first dimension */
    size_t width;   /* product of the other dimensions (1 if none) */
} fg_idx_header;

static const forget_param_def fg_idx_params[] = {
    {"normalize", FORGET_PARAM_BOOL, "true", 0, -1, NULL,
     "divide unsigned bytes by 255 and signed bytes by 127"},
    {"limit", FORGET_PARAM_INT, "0", 0, 9.0e15, NULL,
     "read only the first N rows (0 = all)"},
    {"storage", FORGET_PARAM_ENUM, "floats", 0, -1, "floats|bytes",
     "keep unsigned-byte images as bytes (a quarter of the memory; "
     "forget_dataset_x is then NULL)"},
    FG_PART_PARAM_DEF,
};

static size_t fg_idx_elem_size(int type)
{
    switch (type) {
    case 0x08: case 0x09: return 1;
    case 0x0B: return 2;
    case 0x0C: case 0x0D: return 4;
    case 0x0E: return 8;
    default: return 0;
    }
}

static int fg_read_exact(fg_source *src, void *buf, size_t n, const char *what)
{
    size_t got;
    uint64_t at = fg_source_offset(src);
    int rc = fg_source_read(src, buf, n, &got);
    if (rc != FORGET_OK)
        return rc;
    if (got != n)
        return fg_error(FORGET_E_FORMAT, "'%s': truncated: %s needs %zu "
                        "bytes at offset %llu, the file has %zu",
                        fg_source_path(src), what, n, (unsigned long long)at,
                        got);
    return FORGET_OK;
}

static int fg_idx_read_header(fg_source *src, fg_idx_header *h)
{
    unsigned char magic[4];
    int rc = fg_read_exact(src, magic, 4, "the IDX magic");
    if (rc != FORGET_OK)
        return rc;
    h->elem = fg_idx_elem_size(magic[2]);
    if (magic[0] != 0 || magic[1] != 0 || h->elem == 0 || magic[3] == 0 ||
        magic[3] > FG_IDX_MAX_DIMS)
        return fg_error(FORGET_E_FORMAT, "'%s': not an IDX file (magic "
                        "%02x %02x %02x %02x; expected 00 00, a type of "
                        "08/09/0B/0C/0D/0E and 1 to %d dimensions)",
                        fg_source_path(src), magic[0], magic[1], magic[2],
                        magic[3], FG_IDX_MAX_DIMS);
    h->type = magic[2];
    unsigned char dims[4 * FG_IDX_MAX_DIMS];
    rc = fg_read_exact(src, dims, 4u * magic[3], "the IDX dimensions");
    if (rc != FORGET_OK)
        return rc;
    h->width = 1;
    for (int i = 0; i < magic[3]; i++) {
        size_t v = ((size_t)dims[4 * i] << 24) | ((size_t)dims[4 * i + 1] << 16) |
                   ((size_t)dims[4 * i + 2] << 8) | dims[4 * i + 3];
        if (i == 0)
            h->rows = v;
        else if (fg_mul_size(h->width, v, &h->width) != 0)
            return fg_error(FORGET_E_FORMAT, "'%s': the IDX dimensions "
                            "overflow", fg_source_path(src));
    }
    return FORGET_OK;
}

static uint32_t fg_be32(const unsigned char *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
           ((uint32_t)p[2] << 8) | p[3];
}

/* A big-endian element as a float. */
static float fg_idx_value(const unsigned char *p, int type, int normalize)
{
    uint32_t u32;
    uint64_t u64;
    float f;
    double g;
    switch (type) {
    case 0x08: return normalize ? (float)p[0] / 255.0f : (float)p[0];
    case 0x09: return normalize ? (float)(int8_t)p[0] / 127.0f
                                : (float)(int8_t)p[0];
    case 0x0B: return (float)(int16_t)(uint16_t)((p[0] << 8) | p[1]);
    case 0x0C: return (float)(int32_t)fg_be32(p);
    case 0x0D:
        u32 = fg_be32(p);
        memcpy(&f, &u32, 4);
        return f;
    default:
        u64 = 0;
        for (int i = 0; i < 8; i++)
            u64 = (u64 << 8) | p[i];
        memcpy(&g, &u64, 8);
        return (float)g;
    }
}

/* Read rows*width elements, converting to float in bounded chunks. */
static int fg_idx_read_floats(fg_source *src, const fg_idx_header *h,
                              size_t rows, int normalize, float *dst)
{
    size_t total = rows * h->width, chunk = 1 << 16;
    unsigned char *raw = fg_malloc_array(chunk, h->elem);
    if (raw == NULL)
        return fg_nomem("an IDX read buffer");
    int rc = FORGET_OK;
    for (size_t done = 0; done < total && rc == FORGET_OK;) {
        size_t take = total - done < chunk ? total - done : chunk;
        rc = fg_read_exact(src, raw, take * h->elem, "the IDX data");
        for (size_t i = 0; rc == FORGET_OK && i < take; i++)
            dst[done + i] = fg_idx_value(raw + i * h->elem, h->type,
                                         normalize);
        done += take;
    }
    fg_free(raw);
    return rc;
}

/* The declared data must fit in what the file can still deliver. */
static int fg_idx_check_size(fg_source *src, const fg_idx_header *h)
{
    size_t bytes;
    if (fg_mul3_size(h->rows, h->width, h->elem, &bytes) != 0 ||
        (uint64_t)bytes > fg_source_max_remaining(src))
        return fg_error(FORGET_E_FORMAT, "'%s': truncated or hostile: the "
                        "header declares %zu x %zu elements of %zu bytes, "
                        "more than the file can hold", fg_source_path(src),
                        h->rows, h->width, h->elem);
    return FORGET_OK;
}

static int fg_idx_expect_end(fg_source *src)
{
    unsigned char extra;
    size_t got;
    uint64_t at = fg_source_offset(src);
    int rc = fg_source_read(src, &extra, 1, &got);
    if (rc == FORGET_OK && got != 0)
        rc = fg_error(FORGET_E_FORMAT, "'%s': unexpected bytes after the "
                      "declared data, at offset %llu", fg_source_path(src),
                      (unsigned long long)at);
    return rc;
}

/* Open an IDX file and read its header; its declared size must fit in
 * what the file can deliver. */
static int fg_idx_open(fg_source **src, fg_idx_header *h, const char *path)
{
    int rc = fg_source_open(src, path);
    if (rc != FORGET_OK)
        return rc;
    rc = fg_idx_read_header(*src, h);
    if (rc == FORGET_OK)
        rc = fg_idx_check_size(*src, h);
    if (rc != FORGET_OK) {
        fg_source_close(*src);
        *src = NULL;
    }
    return rc;
}

/* What the header asks to allocate, against the process-wide limits
 * (forget_set_limit), before anything is (no rows: nothing is). */
static int fg_idx_check_limits(const char *path, size_t rows, size_t width,
                               size_t elem)
{
    if (rows == 0)
        return FORGET_OK;
    char what[300];
    snprintf(what, sizeof what, "'%s'", path);
    int rc = fg_limit_check(FORGET_LIMIT_MAX_FEATURES, width, what);
    if (rc == FORGET_OK)
        rc = fg_limit_check(FORGET_LIMIT_MAX_ROWS, rows, what);
    if (rc == FORGET_OK) {
        snprintf(what, sizeof what, "the dataset of '%s'", path);
        rc = fg_limit_check_bytes(rows, (uint64_t)width * elem + 16, what);
    }
    return rc;
}

/* The images file into a new, unsealed dataset of at most limit rows. */
static int fg_idx_images(forget_dataset **out, size_t *declared_rows,
                         const char *path, int normalize, size_t limit,
                         int bytes)
{
    fg_source *src = NULL;
    fg_idx_header h;
    int rc = fg_idx_open(&src, &h, path);
    if (rc != FORGET_OK)
        return rc;
    if (h.width == 0)
        rc = fg_error(FORGET_E_FORMAT, "'%s': the IDX images have a "
                      "dimension of size 0 (no features)", path);
    forget_dataset *ds = NULL;
    size_t rows = 0;
    if (rc == FORGET_OK && bytes && h.type != 0x08)
        rc = fg_error(FORGET_E_INVALID, "'%s': storage=bytes needs unsigned "
                      "byte images (IDX type 0x08), not type 0x%02x", path,
                      (unsigned)h.type);
    if (rc == FORGET_OK) {
        rows = limit && limit < h.rows ? limit : h.rows;
        rc = fg_idx_check_limits(path, rows, h.width, bytes ? 1 : 4);
    }
    if (rc == FORGET_OK) {
        rc = bytes ? fg_dataset_new_bytes(&ds, rows, h.width, normalize,
                                          "forget_dataset_load_idx")
                   : fg_dataset_new(&ds, rows, h.width,
                                    FORGET_TASK_CLASSIFICATION, 0,
                                    "forget_dataset_load_idx");
    }
    if (rc == FORGET_OK && bytes)
        rc = fg_read_exact(src, ds->x8, rows * h.width, "the IDX data");
    else if (rc == FORGET_OK)
        rc = fg_idx_read_floats(src, &h, rows, normalize, ds->x);
    if (rc == FORGET_OK && rows == h.rows)
        rc = fg_idx_expect_end(src);
    fg_source_close(src);
    if (rc != FORGET_OK) {
        fg_dataset_discard(ds);
        return rc;
    }
    *declared_rows = h.rows;
    *out = ds;
    return FORGET_OK;
}

/* The labels file into ds->labels (ds->n rows of declared_rows). */
static int fg_idx_labels(forget_dataset *ds, size_t declared_rows,
                         const char *path)
{
    fg_source *src = NULL;
    fg_idx_header h;
    int rc = fg_idx_open(&src, &h, path);
    if (rc != FORGET_OK)
        return rc;
    if (h.width != 1 || (h.type != 0x08 && h.type != 0x0C))
        rc = fg_error(FORGET_E_FORMAT, "'%s': labels must be one dimension "
                      "of unsigned bytes (08) or int32 (0C); found type "
                      "%02x with %zu values per row", path, h.type, h.width);
    if (rc == FORGET_OK && h.rows != declared_rows)
        rc = fg_error(FORGET_E_FORMAT, "'%s' holds %zu labels but the "
                      "images file holds %zu rows", path, h.rows,
                      declared_rows);
    unsigned char raw[4];
    for (size_t r = 0; rc == FORGET_OK && r < ds->n; r++) {
        rc = fg_read_exact(src, raw, h.elem, "a label");
        if (rc == FORGET_OK)
            ds->labels[r] = h.type == 0x08 ? (int32_t)raw[0]
                                           : (int32_t)fg_be32(raw);
    }
    if (rc == FORGET_OK && ds->n == h.rows)
        rc = fg_idx_expect_end(src);
    fg_source_close(src);
    return rc;
}

int forget_dataset_load_idx(forget_dataset **out, const char *images_path,
                            const char *labels_path, const char *params)
{
    FG_CHECK_ARG(out);
    FG_CHECK_ARG(images_path);
    FG_CHECK_ARG(labels_path);
    forget_params *p = NULL;
    int rc = fg_params_parse(&p, fg_idx_params,
                             sizeof fg_idx_params / sizeof *fg_idx_params,
                             "the IDX loader", params);
    if (rc != FORGET_OK)
        return rc;
    int normalize;
    int64_t limit;
    size_t storage;
    const char *part;
    uint32_t part_r, part_p;
    forget_params_bool(p, "normalize", &normalize);
    forget_params_int(p, "limit", &limit);
    forget_params_enum(p, "storage", &storage);
    forget_params_string(p, "part", &part);
    rc = fg_part_parse(part, &part_r, &part_p, "the IDX loader");
    forget_params_free(p);
    if (rc != FORGET_OK)
        return rc;
    forget_dataset *ds = NULL;
    size_t declared_rows;
    rc = fg_idx_images(&ds, &declared_rows, images_path, normalize,
                       (size_t)limit, storage == 1);
    if (rc == FORGET_OK)
        rc = fg_idx_labels(ds, declared_rows, labels_path);
    if (rc != FORGET_OK) {
        fg_dataset_discard(ds);
        return rc;
    }
    for (size_t r = 0; r < ds->n; r++)
        ds->ids[r] = r;
    rc = fg_dataset_seal(&ds, 0, "forget_dataset_load_idx");
    if (rc == FORGET_OK) /* (ids are row numbers: the part is theirs) */
        rc = fg_part_apply(&ds, part_r, part_p, "forget_dataset_load_idx");
    if (rc == FORGET_OK)
        *out = ds;
    else
        forget_dataset_free(ds);
    return rc;
}
