/* Writing safetensors files (format/safetensors.h): the JSON header built
 * as text, padded with spaces to a multiple of 8 bytes, then the float32
 * data little-endian, tensor after tensor. */
#include <stdio.h>
#include <string.h>

#include "format/safetensors.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/le.h"

typedef struct fg_text {
    char *s;
    size_t len, cap;
    int failed;
} fg_text;

static void fg_text_put(fg_text *t, const char *s, size_t n)
{
    if (t->failed)
        return;
    if (fg_grow(&t->s, &t->cap, t->len + n + 1, 1, "a safetensors header")
        != FORGET_OK) {
        t->failed = 1;
        return;
    }
    memcpy(t->s + t->len, s, n);
    t->len += n;
    t->s[t->len] = '\0';
}

static void fg_text_puts(fg_text *t, const char *s)
{
    fg_text_put(t, s, strlen(s));
}

static void fg_text_u64(fg_text *t, uint64_t v)
{
    char b[24];
    int n = snprintf(b, sizeof b, "%llu", (unsigned long long)v);
    fg_text_put(t, b, (size_t)n);
}

/* s as a JSON string: '"' and '\' escaped, control bytes as \u00XX. */
static void fg_text_string(fg_text *t, const char *s)
{
    fg_text_put(t, "\"", 1);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        char e[8];
        if (c == '"' || c == '\\') {
            e[0] = '\\';
            e[1] = (char)c;
            fg_text_put(t, e, 2);
        } else if (c < 0x20) {
            snprintf(e, sizeof e, "\\u%04x", c);
            fg_text_put(t, e, 6);
        } else {
            fg_text_put(t, s, 1);
        }
    }
    fg_text_put(t, "\"", 1);
}

static size_t fg_st_out_count(const fg_st_out *o)
{
    return o->ndim == 2 ? o->shape[0] * o->shape[1] : o->shape[0];
}

int fg_st_write(fg_writer *w, const fg_st_out *t, size_t n,
                const char *const *meta, size_t n_meta)
{
    memset(w, 0, sizeof *w);
    fg_text h = {NULL, 0, 0, 0};
    fg_text_put(&h, "{", 1);
    if (n_meta) {
        fg_text_puts(&h, "\"__metadata__\":{");
        for (size_t i = 0; i < n_meta; i++) {
            fg_text_puts(&h, i ? "," : "");
            fg_text_string(&h, meta[2 * i]);
            fg_text_put(&h, ":", 1);
            fg_text_string(&h, meta[2 * i + 1]);
        }
        fg_text_puts(&h, n ? "}," : "}");
    }
    uint64_t at = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t bytes = (uint64_t)fg_st_out_count(&t[i]) * 4;
        fg_text_puts(&h, i ? "," : "");
        fg_text_string(&h, t[i].name);
        fg_text_puts(&h, ":{\"dtype\":\"F32\",\"shape\":[");
        for (size_t d = 0; d < t[i].ndim; d++) {
            fg_text_puts(&h, d ? "," : "");
            fg_text_u64(&h, t[i].shape[d]);
        }
        fg_text_puts(&h, "],\"data_offsets\":[");
        fg_text_u64(&h, at);
        fg_text_put(&h, ",", 1);
        fg_text_u64(&h, at + bytes);
        fg_text_puts(&h, "]}");
        at += bytes;
    }
    fg_text_put(&h, "}", 1);
    while (!h.failed && (8 + h.len) % 8 != 0)
        fg_text_put(&h, " ", 1);
    if (h.failed || at > SIZE_MAX - 8 - h.len ||
        (w->buf = fg_malloc(8 + h.len + (size_t)at)) == NULL) {
        fg_free(h.s);
        return fg_nomem("a safetensors file");
    }
    w->len = w->cap = 8 + h.len + (size_t)at;
    fg_put_u64(w->buf, (uint64_t)h.len);
    memcpy(w->buf + 8, h.s, h.len);
    fg_free(h.s);
    unsigned char *p = w->buf + 8 + h.len;
    for (size_t i = 0; i < n; i++) {
        size_t count = fg_st_out_count(&t[i]);
        for (size_t k = 0; k < count; k++, p += 4) {
            uint32_t bits;
            memcpy(&bits, &t[i].data[k], 4);
            fg_put_u32(p, bits);
        }
    }
    return FORGET_OK;
}
