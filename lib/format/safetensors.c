/* Reading safetensors files (format/safetensors.h): the header walked
 * with the strict JSON reader, every tensor checked against the data, the
 * data covered exactly; then values converted to float32. */
#include "format/safetensors.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/json.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/limits.h"

static const struct {
    const char *name;
    int dtype;
    size_t size;
} fg_st_dtypes[] = {{"F32", FG_ST_F32, 4}, {"F64", FG_ST_F64, 8},
                    {"F16", FG_ST_F16, 2}, {"BF16", FG_ST_BF16, 2}};
#define FG_ST_N_DTYPES (sizeof fg_st_dtypes / sizeof *fg_st_dtypes)

const char *fg_st_dtype_name(int dtype)
{
    for (size_t i = 0; i < FG_ST_N_DTYPES; i++)
        if (fg_st_dtypes[i].dtype == dtype)
            return fg_st_dtypes[i].name;
    return "?";
}

static size_t fg_st_dtype_size(int dtype)
{
    for (size_t i = 0; i < FG_ST_N_DTYPES; i++)
        if (fg_st_dtypes[i].dtype == dtype)
            return fg_st_dtypes[i].size;
    return 0;
}

void fg_st_free(fg_st_file *f)
{
    for (size_t i = 0; i < f->n; i++)
        fg_free(f->tensors[i].name);
    for (size_t i = 0; i < f->n_meta; i++) {
        fg_free(f->meta[i].key);
        fg_free(f->meta[i].value);
    }
    fg_free(f->tensors);
    fg_free(f->meta);
    memset(f, 0, sizeof *f);
}

const char *fg_st_meta_get(const fg_st_file *f, const char *key)
{
    for (size_t i = 0; i < f->n_meta; i++)
        if (!strcmp(f->meta[i].key, key))
            return f->meta[i].value;
    return NULL;
}

/* What the header walk shares. */
typedef struct fg_st_walk {
    fg_json json;
    fg_st_file *f;
    const char *what;
    size_t data_len;
    const unsigned char *data;
} fg_st_walk;

/* The next token, which must be of type want (for names the thing). */
static int fg_st_expect(fg_st_walk *w, fg_json_tok *t, int want,
                        const char *tensor, const char *thing)
{
    int rc = fg_json_next(&w->json, t);
    if (rc == FORGET_OK && t->type != want)
        rc = fg_error(FORGET_E_FORMAT, "%s: tensor '%.64s': %s (JSON byte "
                      "%zu)", w->what, tensor, thing, t->offset);
    return rc;
}

/* An array of unsigned integers (after its '[') into v, at most max. */
static int fg_st_uints(fg_st_walk *w, const char *tensor, const char *field,
                       uint64_t *v, size_t max, size_t *n)
{
    fg_json_tok t;
    *n = 0;
    for (;;) {
        int rc = fg_json_next(&w->json, &t);
        if (rc != FORGET_OK || t.type == FG_JSON_ARRAY_END)
            return rc;
        if (*n == max)
            return fg_error(FORGET_E_FORMAT, "%s: tensor '%.64s': %s has "
                            "more than %zu entries", w->what, tensor, field,
                            max);
        if (t.type != FG_JSON_NUMBER)
            return fg_error(FORGET_E_FORMAT, "%s: tensor '%.64s': %s holds "
                            "something other than numbers (JSON byte %zu)",
                            w->what, tensor, field, t.offset);
        if (fg_json_u64(&t, &v[*n]) != 0)
            return fg_error(FORGET_E_FORMAT, "%s: tensor '%.64s': %s holds "
                            "%.*s, not an integer from 0 to 2^64-1", w->what,
                            tensor, field, (int)(t.len < 40 ? t.len : 40),
                            t.text);
        (*n)++;
    }
}

static int fg_st_dtype(fg_st_walk *w, fg_st_tensor *x)
{
    fg_json_tok t;
    int rc = fg_st_expect(w, &t, FG_JSON_STRING, x->name,
                          "dtype is not a string");
    if (rc != FORGET_OK)
        return rc;
    for (size_t i = 0; i < FG_ST_N_DTYPES; i++)
        if (!strcmp(t.text, fg_st_dtypes[i].name)) {
            x->dtype = fg_st_dtypes[i].dtype;
            return FORGET_OK;
        }
    return fg_error(FORGET_E_UNSUPPORTED, "%s: tensor '%.64s' has dtype "
                    "'%.32s'; libforget reads F32, F64, F16 and BF16",
                    w->what, x->name, t.text);
}

/* The sizes of x agree with each other and with the data. */
static int fg_st_check_extent(fg_st_walk *w, fg_st_tensor *x)
{
    uint64_t count = 1, size = fg_st_dtype_size(x->dtype);
    for (size_t i = 0; i < x->ndim; i++) {
        if (x->shape[i] != 0 && count > UINT64_MAX / x->shape[i])
            return fg_error(FORGET_E_FORMAT, "%s: tensor '%.64s': its shape "
                            "holds more than 2^64 elements", w->what,
                            x->name);
        count *= x->shape[i];
    }
    if (count > UINT64_MAX / size)
        return fg_error(FORGET_E_FORMAT, "%s: tensor '%.64s': its shape "
                        "holds more than 2^64 bytes", w->what, x->name);
    x->count = count;
    if (x->begin > x->end || x->end > w->data_len)
        return fg_error(FORGET_E_FORMAT, "%s: tensor '%.64s': data_offsets "
                        "[%llu, %llu] are not a range within the %zu data "
                        "bytes", w->what, x->name,
                        (unsigned long long)x->begin,
                        (unsigned long long)x->end, w->data_len);
    if (x->end - x->begin != count * size)
        return fg_error(FORGET_E_FORMAT, "%s: tensor '%.64s': data_offsets "
                        "span %llu bytes; %llu elements of %s take %llu",
                        w->what, x->name,
                        (unsigned long long)(x->end - x->begin),
                        (unsigned long long)count, fg_st_dtype_name(x->dtype),
                        (unsigned long long)(count * size));
    x->data = w->data + x->begin;
    return FORGET_OK;
}

/* One tensor's object (its name taken by the file already). */
static int fg_st_tensor_entry(fg_st_walk *w, fg_st_tensor *x)
{
    fg_json_tok t;
    int seen[3] = {0, 0, 0}, rc;
    static const char *const field[3] = {"dtype", "shape", "data_offsets"};
    rc = fg_st_expect(w, &t, FG_JSON_OBJECT, x->name, "not a JSON object");
    while (rc == FORGET_OK) {
        if ((rc = fg_json_next(&w->json, &t)) != FORGET_OK)
            return rc;
        if (t.type == FG_JSON_OBJECT_END)
            break;
        int k = 0;
        while (k < 3 && strcmp(t.text, field[k]) != 0)
            k++;
        if (k == 3)
            return fg_error(FORGET_E_FORMAT, "%s: tensor '%.64s': unknown "
                            "field '%.32s' (a tensor has dtype, shape and "
                            "data_offsets)", w->what, x->name, t.text);
        if (seen[k]++)
            return fg_error(FORGET_E_FORMAT, "%s: tensor '%.64s': field "
                            "'%s' appears twice", w->what, x->name, field[k]);
        if (k == 0) {
            rc = fg_st_dtype(w, x);
            continue;
        }
        rc = fg_st_expect(w, &t, FG_JSON_ARRAY, x->name, k == 1 ?
                          "shape is not an array" :
                          "data_offsets is not an array");
        uint64_t off[2];
        size_t n = 0;
        if (rc == FORGET_OK && k == 1)
            rc = fg_st_uints(w, x->name, "shape", x->shape, FG_ST_MAX_DIMS,
                             &x->ndim);
        if (rc == FORGET_OK && k == 2 &&
            (rc = fg_st_uints(w, x->name, "data_offsets", off, 2, &n)) ==
                FORGET_OK) {
            if (n != 2)
                return fg_error(FORGET_E_FORMAT, "%s: tensor '%.64s': "
                                "data_offsets holds %zu numbers, not 2",
                                w->what, x->name, n);
            x->begin = off[0];
            x->end = off[1];
        }
    }
    for (int k = 0; rc == FORGET_OK && k < 3; k++)
        if (!seen[k])
            return fg_error(FORGET_E_FORMAT, "%s: tensor '%.64s' has no "
                            "field '%s'", w->what, x->name, field[k]);
    return rc == FORGET_OK ? fg_st_check_extent(w, x) : rc;
}

static int fg_st_metadata(fg_st_walk *w)
{
    fg_st_file *f = w->f;
    fg_json_tok t;
    int rc = fg_json_next(&w->json, &t);
    if (rc == FORGET_OK && t.type != FG_JSON_OBJECT)
        return fg_error(FORGET_E_FORMAT, "%s: __metadata__ is not a JSON "
                        "object", w->what);
    while (rc == FORGET_OK) {
        if ((rc = fg_json_next(&w->json, &t)) != FORGET_OK ||
            t.type == FG_JSON_OBJECT_END)
            break;
        if (f->n_meta == FG_ST_MAX_META)
            return fg_error(FORGET_E_FORMAT, "%s: __metadata__ holds more "
                            "than %d entries", w->what, FG_ST_MAX_META);
        if (fg_grow(&f->meta, &f->cap_meta, f->n_meta + 1, sizeof *f->meta,
                    "safetensors metadata") != FORGET_OK)
            return FORGET_E_NOMEM;
        fg_st_meta *m = &f->meta[f->n_meta++];
        m->value = NULL;
        if ((m->key = fg_strdup(t.text)) == NULL)
            return fg_nomem("safetensors metadata");
        rc = fg_json_next(&w->json, &t);
        if (rc == FORGET_OK && t.type != FG_JSON_STRING)
            return fg_error(FORGET_E_FORMAT, "%s: __metadata__ entry "
                            "'%.64s' is not a string", w->what, m->key);
        if (rc == FORGET_OK && (m->value = fg_strdup(t.text)) == NULL)
            return fg_nomem("safetensors metadata");
    }
    return rc;
}

static int fg_st_header(fg_st_walk *w)
{
    fg_st_file *f = w->f;
    fg_json_tok t;
    int rc = fg_json_next(&w->json, &t); /* the '{' (checked before) */
    while (rc == FORGET_OK) {
        if ((rc = fg_json_next(&w->json, &t)) != FORGET_OK ||
            t.type == FG_JSON_OBJECT_END)
            break;
        if (!strcmp(t.text, "__metadata__")) {
            if (f->has_meta++)
                return fg_error(FORGET_E_FORMAT, "%s: __metadata__ appears "
                                "twice", w->what);
            rc = fg_st_metadata(w);
            continue;
        }
        if (f->n == FG_ST_MAX_TENSORS)
            return fg_error(FORGET_E_FORMAT, "%s: more than %d tensors",
                            w->what, FG_ST_MAX_TENSORS);
        if (fg_grow(&f->tensors, &f->cap, f->n + 1, sizeof *f->tensors,
                    "safetensors tensors") != FORGET_OK)
            return FORGET_E_NOMEM;
        fg_st_tensor *x = &f->tensors[f->n];
        memset(x, 0, sizeof *x);
        if ((x->name = fg_strdup(t.text)) == NULL)
            return fg_nomem("a tensor's name");
        f->n++;
        rc = fg_st_tensor_entry(w, x);
    }
    if (rc == FORGET_OK)
        rc = fg_json_next(&w->json, &t); /* only whitespace may follow */
    return rc;
}

static int fg_cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int fg_cmp_extent(const void *a, const void *b)
{
    const fg_st_tensor *x = *(const fg_st_tensor *const *)a;
    const fg_st_tensor *y = *(const fg_st_tensor *const *)b;
    if (x->begin != y->begin)
        return x->begin < y->begin ? -1 : 1;
    return (x->end > y->end) - (x->end < y->end);
}

/* No name twice (tensors, or metadata keys: keys = 1), found by sorting. */
static int fg_st_unique(const fg_st_file *f, int keys, const char *what)
{
    size_t n = keys ? f->n_meta : f->n;
    char **names = fg_malloc_array(n ? n : 1, sizeof *names);
    if (names == NULL)
        return fg_nomem("a list of names");
    for (size_t i = 0; i < n; i++)
        names[i] = keys ? f->meta[i].key : f->tensors[i].name;
    qsort(names, n, sizeof *names, fg_cmp_name);
    int rc = FORGET_OK;
    for (size_t i = 1; rc == FORGET_OK && i < n; i++)
        if (!strcmp(names[i - 1], names[i]))
            rc = fg_error(FORGET_E_FORMAT, "%s: %s '%.64s' appears twice",
                          what, keys ? "__metadata__ key" : "tensor",
                          names[i]);
    fg_free(names);
    return rc;
}

/* The tensors, in the order of their offsets, cover the data exactly. */
static int fg_st_tiling(const fg_st_file *f, size_t data_len,
                        const char *what)
{
    const fg_st_tensor **by = fg_malloc_array(f->n ? f->n : 1, sizeof *by);
    if (by == NULL)
        return fg_nomem("a list of tensors");
    for (size_t i = 0; i < f->n; i++)
        by[i] = &f->tensors[i];
    qsort(by, f->n, sizeof *by, fg_cmp_extent);
    uint64_t at = 0;
    int rc = FORGET_OK;
    for (size_t i = 0; rc == FORGET_OK && i < f->n; i++) {
        if (by[i]->begin < at)
            rc = fg_error(FORGET_E_FORMAT, "%s: tensor '%.64s' (data bytes "
                          "%llu to %llu) overlaps the tensor before it, "
                          "which ends at %llu", what, by[i]->name,
                          (unsigned long long)by[i]->begin,
                          (unsigned long long)by[i]->end,
                          (unsigned long long)at);
        else if (by[i]->begin > at)
            rc = fg_error(FORGET_E_FORMAT, "%s: data bytes %llu to %llu "
                          "belong to no tensor (a gap before tensor "
                          "'%.64s')", what, (unsigned long long)at,
                          (unsigned long long)by[i]->begin, by[i]->name);
        at = by[i]->end;
    }
    if (rc == FORGET_OK && at != data_len)
        rc = fg_error(FORGET_E_FORMAT, "%s: data bytes %llu to %zu belong "
                      "to no tensor (trailing bytes)", what,
                      (unsigned long long)at, data_len);
    fg_free(by);
    return rc;
}

int fg_st_read(fg_st_file *f, const unsigned char *buf, size_t len,
               const char *what)
{
    memset(f, 0, sizeof *f);
    if (len == 0)
        return fg_error(FORGET_E_FORMAT, "%s is empty (a safetensors file "
                        "starts with an 8-byte header length)", what);
    if (len < 8)
        return fg_error(FORGET_E_FORMAT, "%s: %zu bytes are shorter than the "
                        "8-byte header length of a safetensors file", what,
                        len);
    uint64_t n = fg_get_u64(buf);
    if (n > len - 8)
        return fg_error(FORGET_E_FORMAT, "%s: the header length %llu runs "
                        "past the end of the %zu bytes", what,
                        (unsigned long long)n, len);
    char limit_what[320];
    snprintf(limit_what, sizeof limit_what, "the safetensors header of %s",
             what);
    int rc = fg_limit_check(FORGET_LIMIT_MAX_BYTES, n, limit_what);
    if (rc != FORGET_OK)
        return rc;
    if (n == 0 || buf[8] != '{')
        return fg_error(FORGET_E_FORMAT, "%s: the header does not start with "
                        "'{' (not a safetensors file)", what);
    fg_st_walk w = {.f = f, .what = what, .data = buf + 8 + n,
                    .data_len = len - 8 - (size_t)n};
    fg_json_init(&w.json, buf + 8, (size_t)n, what);
    rc = fg_st_header(&w);
    fg_json_free(&w.json);
    if (rc == FORGET_OK)
        rc = fg_st_unique(f, 0, what);
    if (rc == FORGET_OK)
        rc = fg_st_unique(f, 1, what);
    if (rc == FORGET_OK)
        rc = fg_st_tiling(f, w.data_len, what);
    if (rc != FORGET_OK)
        fg_st_free(f);
    return rc;
}

/* IEEE binary16 to float, exactly. */
static float fg_half(unsigned h)
{
    unsigned exp = (h >> 10) & 0x1f, man = h & 0x3ff;
    float v;
    if (exp == 0)
        v = ldexpf((float)man, -24); /* zero and subnormals */
    else if (exp == 31)
        v = INFINITY; /* infinity or NaN: both refused */
    else
        v = ldexpf((float)(man | 0x400), (int)exp - 25);
    return (h & 0x8000) ? -v : v;
}

int fg_st_to_f32(const fg_st_tensor *t, float *dst, const char *what)
{
    const unsigned char *p = t->data;
    for (uint64_t i = 0; i < t->count; i++) {
        float v;
        uint32_t bits;
        if (t->dtype == FG_ST_F64) {
            uint64_t b = fg_get_u64(p + 8 * i);
            double d;
            memcpy(&d, &b, sizeof d);
            if (isfinite(d) && fabs(d) > FLT_MAX)
                return fg_error(FORGET_E_FORMAT, "%s: tensor '%.64s': value "
                                "%llu (%g) is beyond float32's range", what,
                                t->name, (unsigned long long)i, d);
            v = isfinite(d) ? (float)d : (float)INFINITY;
        } else if (t->dtype == FG_ST_F32) {
            bits = fg_get_u32(p + 4 * i);
            memcpy(&v, &bits, sizeof v);
        } else {
            unsigned h = (unsigned)p[2 * i] | (unsigned)p[2 * i + 1] << 8;
            if (t->dtype == FG_ST_F16) {
                v = fg_half(h);
            } else {
                bits = (uint32_t)h << 16;
                memcpy(&v, &bits, sizeof v);
            }
        }
        if (!isfinite(v))
            return fg_error(FORGET_E_FORMAT, "%s: tensor '%.64s': value %llu "
                            "is not finite (NaN or infinity)", what, t->name,
                            (unsigned long long)i);
        dst[i] = v;
    }
    return FORGET_OK;
}
