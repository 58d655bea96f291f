/* safetensors files the importer must refuse: each with its code, a
 * message naming what is wrong (the tensor, where there is one), *out
 * untouched, and the same from a file as from a buffer. Every file is
 * built byte by byte here (st_build.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "st_build.h"

static void refused_as(const char *label, const unsigned char *b, size_t len,
                       const char *params, int code, const char *needle)
{
    static int sentinel;
    forget_model *out = (forget_model *)&sentinel;
    static const unsigned char none[1] = {0};
    int rc = forget_model_import_buffer(&out, b ? b : none, len, params);
    ck_assert_msg(rc == code, "%s: code %d, want %d (%s)", label, rc, code,
                  forget_last_error());
    ck_assert_msg(out == (forget_model *)&sentinel, "%s: *out changed",
                  label);
    ck_assert_msg(strstr(forget_last_error(), needle) != NULL,
                  "%s: '%s' not in '%s'", label, needle, forget_last_error());
    const char *path = tmp_path("refused.safetensors");
    write_file(path, b ? b : none, len);
    rc = forget_model_import(&out, path, params);
    ck_assert_msg(rc == code, "%s (file): code %d, want %d (%s)", label, rc,
                  code, forget_last_error());
    ck_assert_msg(out == (forget_model *)&sentinel, "%s: *out changed",
                  label);
    ck_assert_msg(strstr(forget_last_error(), needle) != NULL,
                  "%s (file): '%s' not in '%s'", label, needle,
                  forget_last_error());
}

/* Close f, check it is refused, free it. */
static void refused(const char *label, st_file *f, const char *params,
                    int code, const char *needle)
{
    size_t len = 0;
    unsigned char *b = st_bytes(f, &len);
    refused_as(label, b, len, params, code, needle);
    free(b);
    free(f);
}

static const float g_w[4] = {1, 2, 3, 4}, g_b[2] = {5, 6};
static const uint64_t g_ws[2] = {2, 2}, g_bs[1] = {2};

/* A valid one-layer file's two tensors, PyTorch's order. */
static st_file *lin(void)
{
    st_file *f = st_new();
    st_f32(f, "0.bias", g_bs, 1, g_b);
    st_f32(f, "0.weight", g_ws, 2, g_w);
    return f;
}

START_TEST(the_base_file_is_accepted)
{
    /* so that each refusal below is caused by its one change */
    size_t len = 0;
    st_file *f = lin();
    unsigned char *b = st_bytes(f, &len);
    forget_model *m = NULL;
    ck_assert_int_eq(forget_model_import_buffer(&m, b, len, NULL), FORGET_OK);
    float p[6];
    ck_assert_int_eq(forget_model_get_params(m, p, 6), FORGET_OK);
    ck_assert(p[0] == 1 && p[3] == 4 && p[4] == 5 && p[5] == 6);
    forget_model_free(m);
    free(b);
    free(f);
}
END_TEST

START_TEST(short_empty_and_foreign_files)
{
    refused_as("empty", NULL, 0, NULL, FORGET_E_FORMAT, "is empty");
    refused_as("5 bytes", (const unsigned char *)"\x02\0\0\0\0", 5, NULL,
               FORGET_E_FORMAT, "shorter than the 8-byte");
    unsigned char b[24] = {16, 0, 0, 0, 0, 0, 0, 0};
    memcpy(b + 8, "{}              ", 16);
    refused_as("no tensors", b, 24, NULL, FORGET_E_FORMAT, "no tensors");
    memcpy(b + 8, "[]              ", 16);
    refused_as("an array", b, 24, NULL, FORGET_E_FORMAT, "start with '{'");
    memcpy(b + 8, " {}             ", 16);
    refused_as("leading space", b, 24, NULL, FORGET_E_FORMAT, "with '{'");
    b[0] = 0;
    refused_as("N = 0", b, 24, NULL, FORGET_E_FORMAT, "with '{'");
    /* a model file is not a safetensors file */
    forget_model *m = NULL;
    ck_assert_int_eq(forget_model_create(&m, "linear", "inputs=2 outputs=2"),
                     FORGET_OK);
    size_t n = 0;
    ck_assert_int_eq(forget_model_save_buffer(m, NULL, 0, &n), FORGET_OK);
    unsigned char *saved = malloc(n);
    ck_assert_int_eq(forget_model_save_buffer(m, saved, n, &n), FORGET_OK);
    refused_as("a model file", saved, n, NULL, FORGET_E_FORMAT,
               "runs past the end");
    free(saved);
    forget_model_free(m);
}
END_TEST

START_TEST(header_lengths_beyond_the_file_or_the_limit)
{
    size_t len = 0;
    st_file *f = lin();
    unsigned char *b = st_bytes(f, &len);
    uint64_t n0 = 0;
    for (int k = 0; k < 8; k++)
        n0 |= (uint64_t)b[k] << (8 * k);
    const uint64_t forged[] = {len - 7, len, UINT64_C(1) << 40, UINT64_MAX,
                               UINT64_MAX - 7};
    for (size_t i = 0; i < sizeof forged / sizeof *forged; i++) {
        for (int k = 0; k < 8; k++)
            b[k] = (unsigned char)(forged[i] >> (8 * k));
        refused_as("forged N", b, len, NULL, FORGET_E_FORMAT,
                   "runs past the end");
    }
    /* N within the file but longer than the header: the data's bytes are
     * read as JSON after the closing brace */
    for (int k = 0; k < 8; k++)
        b[k] = (unsigned char)((n0 + 8) >> (8 * k));
    refused_as("N too long", b, len, NULL, FORGET_E_FORMAT, "data_offsets "
               "[8, 24] are not a range within the 16 data bytes");
    for (int k = 0; k < 8; k++)
        b[k] = (unsigned char)(n0 >> (8 * k));
    /* a header above FORGET_LIMIT_MAX_BYTES costs nothing: NOMEM */
    ck_assert_int_eq(forget_set_limit(FORGET_LIMIT_MAX_BYTES, n0 - 1),
                     FORGET_OK);
    forget_model *out = NULL;
    ck_assert_int_eq(forget_model_import_buffer(&out, b, len, NULL),
                     FORGET_E_NOMEM);
    ck_assert_ptr_null(out);
    ck_assert_ptr_nonnull(strstr(forget_last_error(),
                                 "FORGET_LIMIT_MAX_BYTES"));
    ck_assert_int_eq(forget_set_limit(FORGET_LIMIT_MAX_BYTES, 0), FORGET_OK);
    ck_assert_int_eq(forget_model_import_buffer(&out, b, len, NULL),
                     FORGET_OK);
    forget_model_free(out);
    free(b);
    free(f);
}
END_TEST

START_TEST(every_truncation_is_refused)
{
    forget_model *m = NULL;
    ck_assert_int_eq(forget_model_create(&m, "mlp", "layers=3-4-2"),
                     FORGET_OK);
    size_t len = 0;
    ck_assert_int_eq(forget_model_export_buffer(m, NULL, 0, &len, NULL),
                     FORGET_OK);
    unsigned char *b = malloc(len);
    ck_assert_int_eq(forget_model_export_buffer(m, b, len, &len, NULL),
                     FORGET_OK);
    for (size_t k = 0; k < len; k++) {
        forget_model *out = NULL;
        int rc = forget_model_import_buffer(&out, b, k, NULL);
        ck_assert_msg(rc == FORGET_E_FORMAT, "%zu of %zu bytes: %d", k, len,
                      rc);
        ck_assert_ptr_null(out);
    }
    /* and one byte more is a trailing byte */
    unsigned char *more = malloc(len + 1);
    memcpy(more, b, len);
    more[len] = 0;
    refused_as("a byte more", more, len + 1, NULL, FORGET_E_FORMAT,
               "trailing bytes");
    free(more);
    free(b);
    forget_model_free(m);
}
END_TEST

START_TEST(malformed_headers)
{
    st_file *f = lin();
    st_entry(f, "\"x\":{\"dtype\":\"F32\",\"shape\":[1");
    refused("an array left open", f, NULL, FORGET_E_FORMAT,
            "JSON byte 151: expected ',' or ']'");

    f = st_new();
    st_entry(f, "\"0.weight");
    refused("an unterminated string", f, NULL, FORGET_E_FORMAT,
            "does not end");

    f = lin();
    st_entry(f, "\"0.w\xff\":{}");
    refused("bad UTF-8", f, NULL, FORGET_E_FORMAT, "invalid UTF-8");

    f = lin();
    st_entry(f, "\"0.w\\qeight\":{}");
    refused("a bad escape", f, NULL, FORGET_E_FORMAT, "invalid escape");

    f = lin();
    st_entry(f, "\"a\\ud800b\":{}");
    refused("a lone surrogate", f, NULL, FORGET_E_FORMAT, "surrogate");

    f = lin();
    st_text(f, "} x");
    refused("bytes after the header's object", f, NULL, FORGET_E_FORMAT,
            "bytes after the JSON value");

    f = lin();
    st_text(f, ",");
    refused("a trailing comma", f, NULL, FORGET_E_FORMAT,
            "expected a member name");

    /* nesting 10000 deep where a shape's numbers should be */
    f = st_new();
    char deep[20010];
    memset(deep, '[', 10000);
    memset(deep + 10000, ']', 10000);
    deep[20000] = '\0';
    st_entry(f, "\"0.weight\":{\"dtype\":\"F32\",\"shape\":%s,"
             "\"data_offsets\":[0,0]}", deep);
    refused("deep nesting", f, NULL, FORGET_E_FORMAT,
            "tensor '0.weight': shape holds something other than numbers");

    f = lin();
    st_entry(f, "\"__metadata__\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]"
             "]]]]]]]]]]]]]]]]]]]]]]]]]]");
    refused("nested metadata", f, NULL, FORGET_E_FORMAT,
            "__metadata__ is not a JSON object");
}
END_TEST

START_TEST(bad_tensor_entries)
{
    st_file *f = lin();
    st_f32(f, "0.bias", g_bs, 1, g_b);
    refused("a tensor twice", f, NULL, FORGET_E_FORMAT,
            "tensor '0.bias' appears twice");

    f = lin();
    st_entry(f, "\"1.weight\":{\"dtype\":\"F32\",\"dtype\":\"F32\"}");
    refused("a field twice", f, NULL, FORGET_E_FORMAT,
            "tensor '1.weight': field 'dtype' appears twice");

    f = lin();
    st_entry(f, "\"__metadata__\":{}");
    st_entry(f, "\"__metadata__\":{}");
    refused("__metadata__ twice", f, NULL, FORGET_E_FORMAT,
            "__metadata__ appears twice");

    f = lin();
    st_entry(f, "\"__metadata__\":{\"a\":\"1\",\"a\":\"2\"}");
    refused("a metadata key twice", f, NULL, FORGET_E_FORMAT,
            "__metadata__ key 'a' appears twice");

    f = lin();
    st_entry(f, "\"1.weight\":{\"dtype\":\"F32\",\"shape\":[0,1],"
             "\"data_offsets\":[16,16],\"offsets\":[0,0]}");
    refused("an unknown field", f, NULL, FORGET_E_FORMAT,
            "tensor '1.weight': unknown field 'offsets'");

    f = lin();
    st_entry(f, "\"1.weight\":{\"dtype\":\"F32\",\"shape\":[0,1]}");
    refused("a missing field", f, NULL, FORGET_E_FORMAT,
            "tensor '1.weight' has no field 'data_offsets'");

    f = lin();
    st_entry(f, "\"1.weight\":[]");
    refused("an entry not an object", f, NULL, FORGET_E_FORMAT,
            "tensor '1.weight': not a JSON object");

    f = lin();
    st_entry(f, "\"1.weight\":{\"dtype\":32}");
    refused("a dtype not a string", f, NULL, FORGET_E_FORMAT,
            "tensor '1.weight': dtype is not a string");

    static const char *const others[] = {"I64", "I32", "U8", "BOOL",
                                         "F8_E4M3", "f32", "F32 "};
    for (size_t i = 0; i < sizeof others / sizeof *others; i++) {
        char want[64];
        snprintf(want, sizeof want, "tensor '0.weight' has dtype '%s'",
                 others[i]);
        f = st_new();
        st_f32(f, "0.bias", g_bs, 1, g_b);
        unsigned char eight[8] = {0};
        st_tensor(f, "0.weight", others[i], g_ws, 2, eight, 8);
        refused(others[i], f, NULL, FORGET_E_UNSUPPORTED, want);
    }
    f = lin();
    st_entry(f, "\"__metadata__\":{\"format\":1}");
    refused("a metadata value not a string", f, NULL, FORGET_E_FORMAT,
            "__metadata__ entry 'format' is not a string");
}
END_TEST

START_TEST(bad_shapes_and_offsets)
{
    static const struct {
        const char *shape, *offsets, *needle;
    } cases[] = {
        {"[4294967296,4294967296,4294967296]", "[16,16]", "more than 2^64 "
         "elements"},
        {"[4611686018427387904]", "[16,16]", "more than 2^64 bytes"},
        {"[99999999999999999999]", "[16,16]", "not an integer"},
        {"[-1]", "[16,16]", "not an integer"},
        {"[2.0]", "[16,16]", "not an integer"},
        {"[1e1]", "[16,16]", "not an integer"},
        {"[\"2\"]", "[16,16]", "something other than numbers"},
        {"[1,1,1,1,1,1,1,1,1]", "[16,20]", "more than 8 entries"},
        {"[1]", "[16,20,24]", "more than 2 entries"},
        {"[1]", "[16]", "holds 1 numbers, not 2"},
        {"[1]", "[20,16]", "are not a range"},
        {"[1]", "[24,28]", "are not a range"},
        {"[1]", "[16,18446744073709551615]", "are not a range"},
        {"[2]", "[16,20]", "span 4 bytes; 2 elements of F32 take 8"},
        {"[]", "[16,24]", "span 8 bytes; 1 elements of F32 take 4"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        st_file *f = lin(); /* its data ends at 24 */
        st_entry(f, "\"x\":{\"dtype\":\"F32\",\"shape\":%s,\"data_offsets\":"
                 "%s}", cases[i].shape, cases[i].offsets);
        char want[128];
        snprintf(want, sizeof want, "tensor 'x'");
        char label[160];
        snprintf(label, sizeof label, "shape %s offsets %s", cases[i].shape,
                 cases[i].offsets);
        size_t len = 0;
        unsigned char *b = st_bytes(f, &len);
        refused_as(label, b, len, NULL, FORGET_E_FORMAT, cases[i].needle);
        ck_assert_ptr_nonnull(strstr(forget_last_error(), want));
        free(b);
        free(f);
    }
}
END_TEST

START_TEST(the_data_must_be_covered_exactly)
{
    /* overlap: a second tensor reusing the bias's bytes */
    st_file *f = lin();
    st_entry(f, "\"1.bias\":{\"dtype\":\"F32\",\"shape\":[2],"
             "\"data_offsets\":[4,12]}");
    refused("overlap", f, NULL, FORGET_E_FORMAT, "overlaps the tensor "
            "before it");
    /* the same range twice (aliasing): also an overlap */
    f = lin();
    st_entry(f, "\"1.weight\":{\"dtype\":\"F32\",\"shape\":[2,2],"
             "\"data_offsets\":[8,24]}");
    refused("aliasing", f, NULL, FORGET_E_FORMAT, "overlaps");
    /* a gap between two tensors */
    f = st_new();
    st_f32(f, "0.bias", g_bs, 1, g_b);
    st_data(f, "gap!", 4);
    st_f32(f, "0.weight", g_ws, 2, g_w);
    refused("a gap", f, NULL, FORGET_E_FORMAT, "data bytes 8 to 12 belong "
            "to no tensor (a gap before tensor '0.weight')");
    /* bytes before the first tensor */
    f = st_new();
    st_data(f, "abcd", 4);
    st_f32(f, "0.bias", g_bs, 1, g_b);
    st_f32(f, "0.weight", g_ws, 2, g_w);
    refused("leading bytes", f, NULL, FORGET_E_FORMAT, "data bytes 0 to 4");
    /* bytes after the last */
    f = lin();
    st_data(f, "tail", 4);
    refused("trailing bytes", f, NULL, FORGET_E_FORMAT, "data bytes 24 to "
            "28 belong to no tensor (trailing bytes)");
}
END_TEST

START_TEST(tensors_that_make_no_dense_model)
{
    st_file *f = st_new();
    st_f32(f, "0.weight", g_ws, 2, g_w);
    refused("a weight without bias", f, NULL, FORGET_E_FORMAT,
            "tensor '0.weight' has no bias '0.bias'");
    f = st_new();
    st_f32(f, "bias", g_bs, 1, g_b);
    refused("a bias without weight", f, NULL, FORGET_E_FORMAT,
            "tensor 'bias' has no weight 'weight'");
    f = lin();
    st_f32(f, "1.bias", g_bs, 1, g_b);
    refused("a lone second bias", f, NULL, FORGET_E_FORMAT,
            "tensor '1.bias' has no weight '1.weight'");
    static const char *const extra[] = {"1.running_mean", "0.weight_orig",
                                        "scale", ".weight", "0.bias.x"};
    for (size_t i = 0; i < sizeof extra / sizeof *extra; i++) {
        char want[96];
        snprintf(want, sizeof want, "tensor '%s' is not part of a dense "
                 "model", extra[i]);
        f = lin();
        st_f32(f, extra[i], g_bs, 1, g_b);
        refused(extra[i], f, NULL, FORGET_E_FORMAT, want);
    }
    /* shapes */
    static const struct {
        uint64_t w[3];
        size_t wn;
        uint64_t b[2];
        size_t bn;
        const char *needle;
    } shapes[] = {
        {{4}, 1, {2}, 1, "tensor '0.weight' is not a weight matrix"},
        {{1, 2, 2}, 3, {1}, 1, "tensor '0.weight' is not a weight matrix"},
        {{0, 4}, 2, {0}, 1, "tensor '0.weight' is not a weight matrix"},
        {{2, 0}, 2, {2}, 1, "tensor '0.weight' is not a weight matrix"},
        {{2, 2}, 2, {1, 2}, 2, "tensor '0.bias' is not a bias of 2 values"},
        {{2, 2}, 2, {3}, 1, "tensor '0.bias' is not a bias of 2 values"},
        {{2, 2}, 2, {1}, 1, "tensor '0.bias' is not a bias of 2 values"},
    };
    for (size_t i = 0; i < sizeof shapes / sizeof *shapes; i++) {
        float zeros[8] = {0};
        f = st_new();
        st_f32(f, "0.bias", shapes[i].b, shapes[i].bn, zeros);
        st_f32(f, "0.weight", shapes[i].w, shapes[i].wn, zeros);
        refused(shapes[i].needle, f, NULL, FORGET_E_FORMAT, shapes[i].needle);
    }
    /* a chain that does not fit: 2 -> 2, then 3 inputs */
    float zeros[12] = {0};
    uint64_t w1[2] = {4, 3}, b1[1] = {4};
    f = lin();
    st_f32(f, "1.bias", b1, 1, zeros);
    st_f32(f, "1.weight", w1, 2, zeros);
    refused("a broken chain", f, NULL, FORGET_E_FORMAT,
            "tensor '1.weight' takes 3 inputs, but the layer before "
            "('0.weight') gives 2");
    /* 65 layers of 1 -> 1 */
    f = st_new();
    for (int l = 0; l < 65; l++) {
        char name[32];
        uint64_t one[2] = {1, 1};
        snprintf(name, sizeof name, "%d.bias", l);
        st_f32(f, name, one, 1, zeros);
        snprintf(name, sizeof name, "%d.weight", l);
        st_f32(f, name, one, 2, zeros);
    }
    refused("65 layers", f, NULL, FORGET_E_FORMAT, "more than 64 layers");
    /* widths the kinds refuse: 2^24 + 1 inputs (64 MiB of F16 zeros) are
     * too big for a test; 0 is refused above */
}
END_TEST

START_TEST(values_that_are_not_finite_or_out_of_range)
{
    static const struct {
        const char *dtype;
        size_t width;
        uint64_t bits;
        const char *needle;
    } cases[] = {
        {"F32", 4, 0x7FC00000u, "value 3 is not finite"},
        {"F32", 4, 0xFF800000u, "value 3 is not finite"},
        {"F16", 2, 0x7C00u, "value 3 is not finite"},
        {"F16", 2, 0xFE01u, "value 3 is not finite"},
        {"BF16", 2, 0x7F80u, "value 3 is not finite"},
        {"BF16", 2, 0xFFC1u, "value 3 is not finite"},
        {"F64", 8, UINT64_C(0x7FF8000000000000), "value 3 is not finite"},
        {"F64", 8, UINT64_C(0xFFF0000000000000), "value 3 is not finite"},
        {"F64", 8, UINT64_C(0x47F0000000000000), /* 2^128 */
         "value 3 (3.40282e+38) is beyond float32's range"},
        {"F64", 8, UINT64_C(0xC7EFFFFFF0000001), /* just past -FLT_MAX */
         "value 3 (-3.40282e+38) is beyond float32's range"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        st_file *f = st_new();
        unsigned char w[4 * 8] = {0}, b[2 * 8] = {0};
        for (size_t k = 0; k < cases[i].width; k++)
            w[3 * cases[i].width + k] =
                (unsigned char)(cases[i].bits >> (8 * k));
        st_tensor(f, "0.bias", cases[i].dtype, g_bs, 1, b,
                  2 * cases[i].width);
        st_tensor(f, "0.weight", cases[i].dtype, g_ws, 2, w,
                  4 * cases[i].width);
        char want[128];
        snprintf(want, sizeof want, "tensor '0.weight': %s", cases[i].needle);
        refused(cases[i].dtype, f, NULL, FORGET_E_FORMAT, want);
    }
}
END_TEST

START_TEST(libforget_metadata_checked)
{
    static const struct {
        const char *meta, *needle;
    } cases[] = {
        {"{\"libforget.kind\":\"linear\"}", "without the other"},
        {"{\"libforget.params\":\"inputs=2 outputs=2\"}", "without the other"},
        {"{\"libforget.kind\":\"analytic\",\"libforget.params\":\"inputs=2 "
         "outputs=2\"}", "libforget.kind is 'analytic', not linear or mlp"},
        {"{\"libforget.kind\":\"linear\",\"libforget.params\":\"inputs=2 "
         "outputs=3\"}", "describes layers 2-3, the tensors make 2-2"},
        {"{\"libforget.kind\":\"mlp\",\"libforget.params\":\"layers=2-4-2\"}",
         "describes layers 2-4-2, the tensors make 2-2"},
        {"{\"libforget.kind\":\"mlp\",\"libforget.params\":\"layers=2-2 "
         "act=sigmoid\"}", "act"},
        {"{\"libforget.kind\":\"mlp\",\"libforget.params\":\"layers=2-2 "
         "lr=1\"}", "lr"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        st_file *f = st_new();
        st_entry(f, "\"__metadata__\":%s", cases[i].meta);
        st_f32(f, "0.bias", g_bs, 1, g_b);
        st_f32(f, "0.weight", g_ws, 2, g_w);
        refused(cases[i].meta, f, NULL, FORGET_E_FORMAT, cases[i].needle);
    }
    /* other metadata is anyone's */
    st_file *f = st_new();
    st_entry(f, "\"__metadata__\":{\"format\":\"tf\",\"note\":\"\\u00e9\"}");
    st_f32(f, "0.bias", g_bs, 1, g_b);
    st_f32(f, "0.weight", g_ws, 2, g_w);
    size_t len = 0;
    unsigned char *b = st_bytes(f, &len);
    forget_model *m = NULL;
    ck_assert_int_eq(forget_model_import_buffer(&m, b, len, NULL), FORGET_OK);
    forget_model_free(m);
    free(b);
    free(f);
}
END_TEST

START_TEST(bad_arguments_and_params)
{
    size_t len = 0;
    st_file *f = lin();
    st_f32(f, "1.bias", g_bs, 1, g_b);
    st_f32(f, "1.weight", g_ws, 2, g_w);
    unsigned char *b = st_bytes(f, &len);
    refused_as("unknown key", b, len, "kinds=mlp", FORGET_E_PARAM, "kinds");
    refused_as("kind=analytic", b, len, "kind=analytic", FORGET_E_PARAM,
               "kind");
    refused_as("act=sigmoid", b, len, "act=sigmoid", FORGET_E_PARAM, "act");
    refused_as("linear of 2 layers", b, len, "kind=linear", FORGET_E_PARAM,
               "kind=linear takes one layer");
    forget_model *out = NULL;
    ck_assert_int_eq(forget_model_import_buffer(NULL, b, len, NULL),
                     FORGET_E_INVALID);
    ck_assert_int_eq(forget_model_import_buffer(&out, NULL, len, NULL),
                     FORGET_E_INVALID);
    ck_assert_int_eq(forget_model_import(&out, NULL, NULL), FORGET_E_INVALID);
    ck_assert_int_eq(forget_model_import(NULL, "x", NULL), FORGET_E_INVALID);
    ck_assert_int_eq(forget_model_import(&out, tmp_path("absent"), NULL),
                     FORGET_E_IO);
    ck_assert_int_eq(forget_model_import(&out, "/", NULL), FORGET_E_IO);
    ck_assert_ptr_null(out);
    ck_assert_int_eq(forget_model_import_buffer(&out, b, len, "kind=mlp"),
                     FORGET_OK);
    forget_model_free(out);
    free(b);
    free(f);
}
END_TEST

Suite *suite_safetensors_refusals(void)
{
    Suite *s = suite_create("safetensors-refusals");
    TCase *tc = tcase_create("safetensors-refusals");
    tcase_add_checked_fixture(tc, fixture_init, fixture_shutdown);
    tcase_add_test(tc, the_base_file_is_accepted);
    tcase_add_test(tc, short_empty_and_foreign_files);
    tcase_add_test(tc, header_lengths_beyond_the_file_or_the_limit);
    tcase_add_test(tc, every_truncation_is_refused);
    tcase_add_test(tc, malformed_headers);
    tcase_add_test(tc, bad_tensor_entries);
    tcase_add_test(tc, bad_shapes_and_offsets);
    tcase_add_test(tc, the_data_must_be_covered_exactly);
    tcase_add_test(tc, tensors_that_make_no_dense_model);
    tcase_add_test(tc, values_that_are_not_finite_or_out_of_range);
    tcase_add_test(tc, libforget_metadata_checked);
    tcase_add_test(tc, bad_arguments_and_params);
    suite_add_tcase(s, tc);
    return s;
}
