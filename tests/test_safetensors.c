/* safetensors import and export of dense models: round trips give the
 * same model (digest, parameters, predictions) for every dense shape,
 * activation, task and name style; files laid out as PyTorch writes them
 * (sorted keys, "10" after "2" in the text) are read in layer order;
 * F64, F16 and BF16 are converted exactly where the value is exact; the
 * export's bytes, size rule and refusals. Hostile files are in
 * test_safetensors_refusals.c. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"
#include "st_build.h"

/* A model of kind and params whose parameters are set away from the
 * seed's initial values (so they must come from the file). */
static forget_model *model_with(const char *kind, const char *params)
{
    forget_model *m = NULL;
    ck_assert_int_eq(forget_model_create(&m, kind, params), FORGET_OK);
    size_t n = forget_model_param_count(m);
    float *v = malloc(n * sizeof *v);
    for (size_t i = 0; i < n; i++)
        v[i] = (float)sin(0.7 * (double)i + 1.0) * 0.9f;
    ck_assert_int_eq(forget_model_set_params(m, v, n), FORGET_OK);
    free(v);
    return m;
}

static void assert_same(const forget_model *a, const forget_model *b)
{
    unsigned char da[FORGET_DIGEST_SIZE], db[FORGET_DIGEST_SIZE];
    ck_assert_str_eq(forget_model_kind(a), forget_model_kind(b));
    ck_assert_str_eq(forget_model_params(a), forget_model_params(b));
    ck_assert_int_eq(forget_model_digest(a, da), FORGET_OK);
    ck_assert_int_eq(forget_model_digest(b, db), FORGET_OK);
    ck_assert_mem_eq(da, db, sizeof da);
    size_t in = forget_model_inputs(a), out = forget_model_outputs(a);
    enum { N = 9 };
    float *x = malloc(N * in * sizeof *x), *pa = malloc(N * out * 4),
          *pb = malloc(N * out * 4);
    for (size_t i = 0; i < N * in; i++)
        x[i] = (float)cos(1.3 * (double)i);
    ck_assert_int_eq(forget_model_predict_raw(a, x, N, pa, N * out),
                     FORGET_OK);
    ck_assert_int_eq(forget_model_predict_raw(b, x, N, pb, N * out),
                     FORGET_OK);
    ck_assert_mem_eq(pa, pb, N * out * 4);
    free(x);
    free(pa);
    free(pb);
}

static unsigned char *exported(const forget_model *m, const char *params,
                               size_t *len)
{
    ck_assert_int_eq(forget_model_export_buffer(m, NULL, 0, len, params),
                     FORGET_OK);
    unsigned char *b = malloc(*len);
    ck_assert_int_eq(forget_model_export_buffer(m, b, *len, len, params),
                     FORGET_OK);
    return b;
}

static const struct {
    const char *kind, *params;
} g_dense[] = {
    {"linear", "inputs=5 outputs=3"},
    {"linear", "inputs=1 outputs=1 task=regression seed=4"},
    {"mlp", "layers=4-3"}, /* one layer, yet an mlp: the metadata says so */
    {"mlp", "layers=6-8-3 act=relu seed=11"},
    {"mlp", "layers=3-7-5-2 act=tanh"},
    {"mlp", "layers=4-6-6-6-2 act=tanh task=regression seed=9"},
    {"mlp", "layers=2-3-4-5-6-7-8-9-10-11-12-13-2 act=relu"},
};

START_TEST(round_trips_give_the_same_model)
{
    static const char *const styles[] = {NULL, "names=libforget",
                                         "names=torch dtype=F32"};
    for (size_t k = 0; k < sizeof g_dense / sizeof *g_dense; k++)
        for (size_t s = 0; s < 3; s++) {
            forget_model *m = model_with(g_dense[k].kind, g_dense[k].params),
                         *b = NULL;
            size_t len = 0;
            unsigned char *bytes = exported(m, styles[s], &len);
            ck_assert_int_eq(forget_model_import_buffer(&b, bytes, len, NULL),
                             FORGET_OK);
            assert_same(m, b);
            forget_model_free(b);
            /* through a file: the same bytes, the same model */
            const char *path = tmp_path("rt.safetensors");
            ck_assert_int_eq(forget_model_export(m, path, styles[s]),
                             FORGET_OK);
            size_t flen = 0;
            unsigned char *disk = read_file(path, &flen);
            ck_assert_uint_eq(flen, len);
            ck_assert_mem_eq(disk, bytes, len);
            ck_assert_int_eq(forget_model_import(&b, path, ""), FORGET_OK);
            assert_same(m, b);
            forget_model_free(b);
            free(disk);
            free(bytes);
            forget_model_free(m);
        }
}
END_TEST

/* The tensor names the exporter gives layer l's weight or bias. */
START_TEST(export_layout_and_names)
{
    forget_model *m = model_with("mlp", "layers=3-4-2 act=tanh");
    for (int torch = 0; torch < 2; torch++) {
        size_t len = 0;
        unsigned char *b = exported(m, torch ? "names=torch" : NULL, &len);
        uint64_t n = 0;
        for (int k = 0; k < 8; k++)
            n |= (uint64_t)b[k] << (8 * k);
        ck_assert_uint_eq((8 + n) % 8, 0); /* the data starts aligned */
        ck_assert_uint_eq(len, 8 + n + 4 * (3 * 4 + 4 + 4 * 2 + 2));
        char *head = calloc(1, n + 1);
        memcpy(head, b + 8, n);
        ck_assert_int_eq(strncmp(head, "{\"__metadata__\":{\"format\":\"pt\","
                                 "\"libforget.kind\":\"mlp\","
                                 "\"libforget.params\":\"layers=3-4-2 act="
                                 "tanh task=classification seed=1\"}", 99),
                         0);
        const char *want[4] = {"dense0.weight", "dense0.bias",
                               "dense1.weight", "dense1.bias"};
        const char *want_torch[4] = {"0.weight", "0.bias", "2.weight",
                                     "2.bias"};
        const char *shapes[4] = {"[4,3]", "[4]", "[2,4]", "[2]"};
        size_t offs[5] = {0, 48, 64, 96, 104};
        for (int i = 0; i < 4; i++) {
            char entry[200];
            snprintf(entry, sizeof entry, "\"%s\":{\"dtype\":\"F32\","
                     "\"shape\":%s,\"data_offsets\":[%zu,%zu]}",
                     torch ? want_torch[i] : want[i], shapes[i], offs[i],
                     offs[i + 1]);
            ck_assert_msg(strstr(head, entry), "no %s in %s", entry, head);
        }
        /* only spaces pad the header; the data is the flat vector, LE */
        char *close = strrchr(head, '}');
        for (char *p = close + 1; p < head + n; p++)
            ck_assert_int_eq(*p, ' ');
        float *theta = params_copy(m);
        for (size_t i = 0; i < forget_model_param_count(m); i++) {
            uint32_t u = 0;
            for (int k = 0; k < 4; k++)
                u |= (uint32_t)b[8 + n + 4 * i + k] << (8 * k);
            float v;
            memcpy(&v, &u, 4);
            ck_assert(v == theta[i]);
        }
        free(theta);
        free(head);
        free(b);
    }
    forget_model_free(m);
}
END_TEST

START_TEST(export_buffer_size_rule)
{
    forget_model *m = model_with("mlp", "layers=5-4-3");
    size_t need = 0, got = 0;
    ck_assert_int_eq(forget_model_export_buffer(m, NULL, 0, &need, NULL),
                     FORGET_OK);
    ck_assert_uint_gt(need, 8);
    unsigned char *b = malloc(need + 16);
    memset(b, 0xAB, need + 16);
    for (size_t cap = 0; cap < need; cap += 1 + cap / 3) {
        got = 0;
        ck_assert_int_eq(forget_model_export_buffer(m, b, cap, &got, NULL),
                         FORGET_E_INVALID);
        ck_assert_uint_eq(got, need);
        for (size_t i = 0; i < need + 16; i++)
            ck_assert_uint_eq(b[i], 0xAB); /* nothing written */
    }
    ck_assert_int_eq(forget_model_export_buffer(m, b, need + 16, &got, NULL),
                     FORGET_OK);
    ck_assert_uint_eq(got, need);
    ck_assert_uint_eq(b[need], 0xAB);
    ck_assert_int_eq(forget_model_export_buffer(m, b, need, NULL, NULL),
                     FORGET_E_INVALID);
    ck_assert_int_eq(forget_model_export_buffer(NULL, b, need, &got, NULL),
                     FORGET_E_INVALID);
    ck_assert_int_eq(forget_model_export(m, NULL, NULL), FORGET_E_INVALID);
    ck_assert_int_eq(forget_model_export(m, "/nonexistent/dir/m.st", NULL),
                     FORGET_E_IO);
    ck_assert_int_eq(forget_model_export_buffer(m, b, need, &got,
                                                "dtype=F16"),
                     FORGET_E_PARAM);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "dtype"));
    ck_assert_int_eq(forget_model_export_buffer(m, b, need, &got,
                                                "names=keras"),
                     FORGET_E_PARAM);
    ck_assert_int_eq(forget_model_export_buffer(m, b, need, &got,
                                                "nmes=torch"),
                     FORGET_E_PARAM);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "nmes"));
    free(b);
    forget_model_free(m);
}
END_TEST

START_TEST(only_dense_models_are_exported)
{
    forget_dataset *ds = make_blobs(60, 4, 3, 5, 0);
    forget_model *an = NULL, *mlp = model_with("mlp", "layers=4-6-3"), *h;
    ck_assert_int_eq(forget_model_create(&an, "analytic", "inputs=4 "
                                         "outputs=3"), FORGET_OK);
    host_lr_shape shape = {4, 3, 0, 0};
    float init[15] = {0};
    h = make_host_lr(&shape, init);
    forget_unlearner *u = NULL;
    ck_assert_int_eq(forget_unlearner_create(&u, "sisa", mlp, "shards=2 "
                                             "epochs=1"), FORGET_OK);
    ck_assert_int_eq(forget_unlearner_prepare(u, ds), FORGET_OK);
    const forget_model *ens = forget_unlearner_model(u);
    ck_assert_ptr_nonnull(ens);
    const forget_model *refused[3] = {an, h, ens};
    for (int i = 0; i < 3; i++) {
        size_t n = 12345;
        ck_assert_int_eq(forget_model_export_buffer(refused[i], NULL, 0, &n,
                                                    NULL),
                         FORGET_E_UNSUPPORTED);
        ck_assert_uint_eq(n, 12345);
        ck_assert_ptr_nonnull(strstr(forget_last_error(), "only dense"));
        ck_assert_int_eq(forget_model_export(refused[i],
                                             tmp_path("no.safetensors"),
                                             NULL),
                         FORGET_E_UNSUPPORTED);
    }
    ck_assert_int_eq(access(tmp_path("no.safetensors"), F_OK), -1);
    forget_unlearner_free(u);
    forget_model_free(h);
    forget_model_free(an);
    forget_model_free(mlp);
    forget_dataset_free(ds);
}
END_TEST

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A file as PyTorch's writer lays out nn.Sequential's state_dict: keys
 * sorted as text ("0.bias" before "0.weight", "10.*" before "2.*"), the
 * data in the same order, no libforget metadata. */
static unsigned char *torch_file(const forget_model *m, const char *prefix,
                                 int index_step, size_t *len)
{
    size_t nb = forget_model_block_count(m);
    char **names = malloc(nb * sizeof *names);
    for (size_t i = 0; i < nb; i++) {
        names[i] = malloc(64);
        snprintf(names[i], 64, "%s%zu.%s", prefix, index_step * (i / 2),
                 i % 2 ? "bias" : "weight");
    }
    char **sorted = malloc(nb * sizeof *sorted);
    memcpy(sorted, names, nb * sizeof *names);
    qsort(sorted, nb, sizeof *sorted, cmp_str);
    float *theta = params_copy(m);
    st_file *f = st_new();
    st_entry(f, "\"__metadata__\":{\"format\":\"pt\"}");
    for (size_t s = 0; s < nb; s++) {
        size_t i = 0;
        while (names[i] != sorted[s])
            i++;
        const char *bname;
        size_t off, size, dims[FORGET_MAX_DIMS], ndim;
        forget_model_block(m, i, &bname, &off, &size);
        forget_model_block_shape(m, i, dims, &ndim);
        uint64_t shape[2] = {dims[0], dims[1]};
        st_f32(f, names[i], shape, ndim, theta + off);
    }
    unsigned char *b = st_bytes(f, len);
    for (size_t i = 0; i < nb; i++)
        free(names[i]);
    free(names);
    free(sorted);
    free(theta);
    free(f);
    return b;
}

START_TEST(torch_layout_read_in_layer_order)
{
    /* 12 layers: nn.Sequential indices 0, 2, ..., 22; and "fc1".."fc12"
     * nested in a module ("net.fc10.weight" after "net.fc9.weight") */
    forget_model *m = model_with("mlp", "layers=3-4-5-6-7-6-5-4-3-4-5-6-2"),
                 *b = NULL;
    ck_assert_uint_eq(forget_model_block_count(m), 24);
    struct {
        const char *prefix;
        int step;
    } styles[] = {{"", 2}, {"net.fc", 1}, {"model.layers.", 1}};
    for (int s = 0; s < 3; s++) {
        size_t len = 0;
        unsigned char *bytes = torch_file(m, styles[s].prefix, styles[s].step,
                                          &len);
        ck_assert_int_eq(forget_model_import_buffer(&b, bytes, len, NULL),
                         FORGET_OK);
        assert_same(m, b); /* act=relu, classification, seed 1: defaults */
        forget_model_free(b);
        ck_assert_int_eq(forget_model_import_buffer(&b, bytes, len,
                                                    "act=tanh task=regression"
                                                    " kind=mlp"),
                         FORGET_OK);
        ck_assert_str_eq(forget_model_params(b),
                         "layers=3-4-5-6-7-6-5-4-3-4-5-6-2 act=tanh "
                         "task=regression seed=1");
        float *pm = params_copy(m), *pb = params_copy(b);
        ck_assert_mem_eq(pm, pb, forget_model_param_count(m) * 4);
        free(pm);
        free(pb);
        forget_model_free(b);
        free(bytes);
    }
    forget_model_free(m);
}
END_TEST

START_TEST(one_layer_files_become_linear)
{
    /* a bare nn.Linear's state_dict: "bias", "weight" */
    forget_model *m = model_with("linear", "inputs=4 outputs=3"), *b = NULL;
    float *theta = params_copy(m);
    st_file *f = st_new();
    uint64_t ws[2] = {3, 4}, bs[1] = {3};
    st_f32(f, "bias", bs, 1, theta + 12);
    st_f32(f, "weight", ws, 2, theta);
    size_t len = 0;
    unsigned char *bytes = st_bytes(f, &len);
    ck_assert_int_eq(forget_model_import_buffer(&b, bytes, len, NULL),
                     FORGET_OK);
    assert_same(m, b);
    forget_model_free(b);
    ck_assert_int_eq(forget_model_import_buffer(&b, bytes, len,
                                                "kind=mlp act=tanh"),
                     FORGET_OK);
    ck_assert_str_eq(forget_model_kind(b), "mlp");
    ck_assert_str_eq(forget_model_params(b), "layers=4-3 act=tanh "
                     "task=classification seed=1");
    forget_model_free(b);
    /* act means nothing to linear: accepted, not used */
    ck_assert_int_eq(forget_model_import_buffer(&b, bytes, len,
                                                "kind=linear act=tanh "
                                                "task=regression"),
                     FORGET_OK);
    ck_assert_str_eq(forget_model_params(b), "inputs=4 outputs=3 "
                     "task=regression seed=1");
    forget_model_free(b);
    free(bytes);
    free(theta);
    free(f);
    forget_model_free(m);
}
END_TEST

/* The caller's params win over the metadata; the metadata's seed stays. */
START_TEST(params_override_the_metadata)
{
    forget_model *m = model_with("mlp", "layers=3-5-2 act=tanh seed=77"),
                 *b = NULL;
    size_t len = 0;
    unsigned char *bytes = exported(m, "names=torch", &len);
    ck_assert_int_eq(forget_model_import_buffer(&b, bytes, len,
                                                "act=relu task=regression"),
                     FORGET_OK);
    ck_assert_str_eq(forget_model_params(b), "layers=3-5-2 act=relu "
                     "task=regression seed=77");
    forget_model_free(b);
    ck_assert_int_eq(forget_model_import_buffer(&b, bytes, len, "kind=mlp"),
                     FORGET_OK);
    assert_same(m, b);
    forget_model_free(b);
    free(bytes);
    forget_model_free(m);
    m = model_with("linear", "inputs=2 outputs=2 task=regression seed=5");
    bytes = exported(m, NULL, &len);
    ck_assert_int_eq(forget_model_import_buffer(&b, bytes, len, "kind=mlp"),
                     FORGET_OK);
    ck_assert_str_eq(forget_model_params(b), "layers=2-2 act=relu "
                     "task=regression seed=5");
    forget_model_free(b);
    free(bytes);
    forget_model_free(m);
}
END_TEST

/* IEEE half: sign, 5 exponent bits, 10 mantissa bits (the definition). */
static double half_value(unsigned h)
{
    unsigned e = (h >> 10) & 31, man = h & 1023;
    double v = e ? ldexp(1024.0 + man, (int)e - 25) : ldexp(man, -24);
    return h & 0x8000 ? -v : v;
}

/* A linear model out x in from a tensor of dtype (bytes given), bias 0. */
static forget_model *import_weight(const char *dtype, const void *bytes,
                                   size_t nbytes, uint64_t out, uint64_t in,
                                   size_t bias_width)
{
    st_file *f = st_new();
    uint64_t ws[2] = {out, in}, bs[1] = {out};
    unsigned char *zeros = calloc(out, bias_width);
    st_tensor(f, "bias", dtype, bs, 1, zeros, out * bias_width);
    st_tensor(f, "weight", dtype, ws, 2, bytes, nbytes);
    size_t len = 0;
    unsigned char *b = st_bytes(f, &len);
    forget_model *m = NULL;
    int rc = forget_model_import_buffer(&m, b, len, NULL);
    ck_assert_msg(rc == FORGET_OK, "%s: %s", dtype, forget_last_error());
    free(zeros);
    free(b);
    free(f);
    return m;
}

START_TEST(every_finite_f16_and_bf16_value_is_exact)
{
    /* 2^16 patterns less the 2 x 1024 (F16) or 2 x 128 (BF16) with an
     * all-ones exponent: 62 x 1024 and 255 x 256 finite values */
    for (int bf = 0; bf < 2; bf++) {
        size_t rows = bf ? 255 : 62, cols = bf ? 256 : 1024, k = 0;
        unsigned char *bytes = malloc(rows * cols * 2);
        float *want = malloc(rows * cols * sizeof *want);
        for (unsigned h = 0; h < 65536; h++) {
            unsigned exp_bits = bf ? (h >> 7) & 255 : (h >> 10) & 31;
            if (exp_bits == (bf ? 255u : 31u))
                continue;
            bytes[2 * k] = (unsigned char)h;
            bytes[2 * k + 1] = (unsigned char)(h >> 8);
            if (bf) {
                uint32_t u = (uint32_t)h << 16;
                memcpy(&want[k], &u, 4);
            } else {
                want[k] = (float)half_value(h);
                ck_assert(want[k] == half_value(h)); /* float holds it */
            }
            k++;
        }
        ck_assert_uint_eq(k, rows * cols);
        forget_model *m = import_weight(bf ? "BF16" : "F16", bytes, k * 2,
                                        rows, cols, 2);
        float *got = params_copy(m);
        for (size_t i = 0; i < k; i++)
            ck_assert_msg(memcmp(&got[i], &want[i], 4) == 0,
                          "%s value %zu: %a, want %a", bf ? "BF16" : "F16",
                          i, (double)got[i], (double)want[i]);
        free(got);
        free(bytes);
        free(want);
        forget_model_free(m);
    }
}
END_TEST

START_TEST(f64_values_exact_in_float_are_kept)
{
    enum { ROWS = 40, COLS = 50 };
    unsigned char *bytes = malloc(ROWS * COLS * 8);
    float want[ROWS * COLS];
    uint64_t r = 88172645463325252u;
    for (size_t i = 0; i < ROWS * COLS; i++) {
        r ^= r << 13;
        r ^= r >> 7;
        r ^= r << 17;
        uint32_t u = (uint32_t)r;
        if (((u >> 23) & 255) == 255) /* not finite: clear an exponent bit */
            u &= ~(1u << 23);
        memcpy(&want[i], &u, 4);
        double d = (double)want[i];
        if (i == 0)
            d = want[0] = FLT_MAX;
        if (i == 1)
            d = want[1] = -FLT_TRUE_MIN;
        uint64_t bits;
        memcpy(&bits, &d, 8);
        for (int k = 0; k < 8; k++)
            bytes[8 * i + k] = (unsigned char)(bits >> (8 * k));
    }
    forget_model *m = import_weight("F64", bytes, ROWS * COLS * 8, ROWS, COLS,
                                    8);
    float *got = params_copy(m);
    ck_assert_mem_eq(got, want, sizeof want);
    free(got);
    free(bytes);
    forget_model_free(m);
}
END_TEST

/* Each public call: every allocation it makes may fail, and then it
 * returns FORGET_E_NOMEM, leaks nothing and leaves *out alone. */
START_TEST(allocation_failures)
{
    test_alloc_install();
    ck_assert_int_eq(forget_init(), FORGET_OK);
    forget_model *m = model_with("mlp", "layers=3-4-2");
    size_t len = 0, got = 0;
    unsigned char *b = exported(m, "names=torch", &len);
    const char *path = tmp_path("alloc.safetensors");
    write_file(path, b, len);
    for (int op = 0; op < 3; op++) {
        long k;
        for (k = 1; k < 1000; k++) {
            long live = g_alloc.live;
            forget_model *out = (forget_model *)&k;
            test_alloc_arm(k);
            int rc = op == 0 ? forget_model_import_buffer(&out, b, len, NULL)
                     : op == 1 ? forget_model_import(&out, path, NULL)
                               : forget_model_export_buffer(m, b, len, &got,
                                                            "names=torch");
            g_alloc.fail_at = 0;
            if (g_alloc.failed == 0) {
                ck_assert_int_eq(rc, FORGET_OK);
                if (op < 2)
                    forget_model_free(out);
                break;
            }
            ck_assert_msg(rc == FORGET_E_NOMEM, "op %d allocation %ld: %d %s",
                          op, k, rc, forget_last_error());
            ck_assert_int_eq(g_alloc.live, live);
            ck_assert_ptr_eq(out, (forget_model *)&k);
        }
        ck_assert_int_gt(k, 2);
    }
    free(b);
    forget_model_free(m);
    ck_assert_int_eq(forget_shutdown(), FORGET_OK);
    test_alloc_uninstall();
}
END_TEST

Suite *suite_safetensors(void)
{
    Suite *s = suite_create("safetensors");
    TCase *tc = tcase_create("safetensors");
    tcase_add_checked_fixture(tc, fixture_init, fixture_shutdown);
    tcase_add_test(tc, round_trips_give_the_same_model);
    tcase_add_test(tc, export_layout_and_names);
    tcase_add_test(tc, export_buffer_size_rule);
    tcase_add_test(tc, only_dense_models_are_exported);
    tcase_add_test(tc, torch_layout_read_in_layer_order);
    tcase_add_test(tc, one_layer_files_become_linear);
    tcase_add_test(tc, params_override_the_metadata);
    tcase_add_test(tc, every_finite_f16_and_bf16_value_is_exact);
    tcase_add_test(tc, f64_values_exact_in_float_are_kept);
    suite_add_tcase(s, tc);
    TCase *ta = tcase_create("safetensors-alloc");
    tcase_add_test(ta, allocation_failures);
    suite_add_tcase(s, ta);
    return s;
}
