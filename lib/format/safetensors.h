/* safetensors files (PyTorch's plain tensor file, docs/FORMAT.md): an
 * 8-byte little-endian header length N, N bytes of a JSON object naming
 * each tensor's dtype, shape and [begin, end) in the data that follows,
 * plus an optional "__metadata__" object of strings. The reader trusts
 * nothing: every offset, size and shape is checked against the buffer,
 * and the tensors must cover the data exactly (no gap, no overlap, no
 * trailing byte), as the format's reference reader demands. It knows
 * tensors, not models (lib/model/model_st.c maps them to one). */
#ifndef FG_FORMAT_SAFETENSORS_H
#define FG_FORMAT_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>

#include "format/container.h"

#define FG_ST_MAX_DIMS 8
#define FG_ST_MAX_TENSORS 65536
#define FG_ST_MAX_META 4096

/* The dtypes read (every other is FORGET_E_UNSUPPORTED naming it). */
#define FG_ST_F32 1
#define FG_ST_F64 2
#define FG_ST_F16 3
#define FG_ST_BF16 4

typedef struct fg_st_tensor {
    char *name;
    int dtype;
    size_t ndim;
    uint64_t shape[FG_ST_MAX_DIMS];
    uint64_t count;      /* elements: the product of shape */
    uint64_t begin, end; /* data_offsets, checked */
    const unsigned char *data; /* the tensor's bytes in the buffer read */
} fg_st_tensor;

typedef struct fg_st_meta {
    char *key, *value;
} fg_st_meta;

typedef struct fg_st_file {
    fg_st_tensor *tensors; /* in header order */
    size_t n, cap;
    fg_st_meta *meta;
    size_t n_meta, cap_meta;
    int has_meta; /* "__metadata__" was present */
} fg_st_file;

/* Parse and check buf (len bytes); what names it in messages. The
 * tensors point into buf. FORGET_E_FORMAT (malformed), FORGET_E_UNSUPPORTED
 * (a dtype other than F32, F64, F16, BF16), FORGET_E_NOMEM (a header
 * longer than FORGET_LIMIT_MAX_BYTES, or memory). On failure *f is
 * empty. */
int fg_st_read(fg_st_file *f, const unsigned char *buf, size_t len,
               const char *what);
void fg_st_free(fg_st_file *f);
/* The value of a metadata key, or NULL. */
const char *fg_st_meta_get(const fg_st_file *f, const char *key);
const char *fg_st_dtype_name(int dtype);

/* The tensor's values as float32 into dst (t->count floats): exact for
 * F32, F16 and BF16, rounded for F64. A NaN or infinity, or an F64 value
 * beyond float32's range, is FORGET_E_FORMAT naming the tensor and the
 * element. */
int fg_st_to_f32(const fg_st_tensor *t, float *dst, const char *what);

/* One tensor to write: F32, row-major, ndim 1 or 2. */
typedef struct fg_st_out {
    const char *name;
    size_t ndim;
    size_t shape[2];
    const float *data;
} fg_st_out;

/* A safetensors file of n tensors (their data in this order) and n_meta
 * metadata pairs (meta[2i] the key, meta[2i+1] the value), into w (a
 * plain byte buffer for fg_writer_to_file / fg_writer_to_buffer). The
 * header is padded with spaces so that the data starts at a multiple of
 * 8 bytes. FORGET_E_NOMEM on failure (w is then empty). */
int fg_st_write(fg_writer *w, const fg_st_out *t, size_t n,
                const char *const *meta, size_t n_meta);

#endif
