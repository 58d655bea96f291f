/* safetensors files built byte by byte for the tests, from the format's
 * description (docs/FORMAT.md), not with the library's writer: a JSON
 * header assembled as text, its length as 8 little-endian bytes, then
 * the data. Entries are added in the order given (PyTorch's writer sorts
 * its keys; the tests do the same where they mean to). */
#ifndef FORGET_TEST_ST_BUILD_H
#define FORGET_TEST_ST_BUILD_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

typedef struct st_file {
    char head[1 << 16];
    size_t hlen;
    unsigned char data[1 << 18];
    size_t dlen;
    int entries;
} st_file;

static inline st_file *st_new(void)
{
    st_file *f = calloc(1, sizeof *f);
    ck_assert_ptr_nonnull(f);
    f->head[0] = '{';
    f->hlen = 1;
    return f;
}

/* Append text to the header as it is. */
static inline void st_text(st_file *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static inline void st_text(st_file *f, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(f->head + f->hlen, sizeof f->head - f->hlen, fmt, ap);
    va_end(ap);
    ck_assert_int_lt(n, (int)(sizeof f->head - f->hlen));
    f->hlen += (size_t)n;
}

/* One member of the header object (the comma before it added). */
static inline void st_entry(st_file *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static inline void st_entry(st_file *f, const char *fmt, ...)
{
    if (f->entries++)
        st_text(f, ",");
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(f->head + f->hlen, sizeof f->head - f->hlen, fmt, ap);
    va_end(ap);
    ck_assert_int_lt(n, (int)(sizeof f->head - f->hlen));
    f->hlen += (size_t)n;
}

static inline void st_data(st_file *f, const void *bytes, size_t n)
{
    ck_assert_uint_le(f->dlen + n, sizeof f->data);
    memcpy(f->data + f->dlen, bytes, n);
    f->dlen += n;
}

/* A tensor whose bytes follow the data so far. */
static inline void st_tensor(st_file *f, const char *name, const char *dtype,
                             const uint64_t *shape, size_t ndim,
                             const void *bytes, size_t n)
{
    char dims[256];
    size_t used = 0;
    dims[0] = '\0';
    for (size_t i = 0; i < ndim; i++)
        used += (size_t)snprintf(dims + used, sizeof dims - used, "%s%llu",
                                 i ? "," : "", (unsigned long long)shape[i]);
    st_entry(f, "\"%s\":{\"dtype\":\"%s\",\"shape\":[%s],\"data_offsets\":"
             "[%zu,%zu]}", name, dtype, dims, f->dlen, f->dlen + n);
    st_data(f, bytes, n);
}

/* float32 values, little-endian. */
static inline void st_f32(st_file *f, const char *name, const uint64_t *shape,
                          size_t ndim, const float *v)
{
    size_t count = 1;
    for (size_t i = 0; i < ndim; i++)
        count *= (size_t)shape[i];
    unsigned char *b = malloc(count * 4 + 1);
    for (size_t i = 0; i < count; i++) {
        uint32_t u;
        memcpy(&u, &v[i], 4);
        for (int k = 0; k < 4; k++)
            b[4 * i + k] = (unsigned char)(u >> (8 * k));
    }
    st_tensor(f, name, "F32", shape, ndim, b, count * 4);
    free(b);
}

/* The whole file (malloc'ed): N, the header closed and padded with spaces
 * to a multiple of 8, the data. */
static inline unsigned char *st_bytes(st_file *f, size_t *len)
{
    st_text(f, "}");
    while ((8 + f->hlen) % 8)
        st_text(f, " ");
    *len = 8 + f->hlen + f->dlen;
    unsigned char *b = malloc(*len);
    for (int k = 0; k < 8; k++)
        b[k] = (unsigned char)((uint64_t)f->hlen >> (8 * k));
    memcpy(b + 8, f->head, f->hlen);
    memcpy(b + 8 + f->hlen, f->data, f->dlen);
    return b;
}

#endif
