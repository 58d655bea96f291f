/* Model files: bit-exact round trips, and truncated, corrupted, hostile
 * and future files refused with a message, never a crash. The container
 * is rebuilt here from docs/FORMAT.md with an independent CRC-32C. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"

static void le32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

/* Append one section (header, payload, padding) at buf + *len. */
static void add_section(unsigned char *buf, size_t *len, const char *tag,
                        uint32_t flags, const void *data, uint64_t dlen,
                        uint64_t declared)
{
    unsigned char *h = buf + *len;
    memcpy(h, tag, 4);
    le32(h + 4, flags);
    le32(h + 8, (uint32_t)declared);
    le32(h + 12, (uint32_t)(declared >> 32));
    memcpy(h + 24, data, dlen);
    le32(h + 16, crc32c_bitwise(h + 24, dlen));
    le32(h + 20, crc32c_bitwise(h, 20));
    size_t pad = (8 - dlen % 8) % 8;
    memset(h + 24 + dlen, 0, pad);
    *len += 24 + dlen + pad;
}

static forget_model *trained_model(void)
{
    forget_dataset *ds = make_blobs(200, 5, 3, 3, 0);
    forget_model *m = NULL;
    ck_assert_int_eq(forget_model_create(&m, "mlp", "layers=5-7-3 act=tanh "
                                         "seed=9"), FORGET_OK);
    ck_assert_int_eq(forget_model_train(m, ds, "epochs=1"), FORGET_OK);
    forget_dataset_free(ds);
    return m;
}

static void assert_same_model(const forget_model *a, const forget_model *b)
{
    ck_assert_str_eq(forget_model_kind(a), forget_model_kind(b));
    ck_assert_str_eq(forget_model_params(a), forget_model_params(b));
    size_t n = forget_model_param_count(a);
    ck_assert_uint_eq(forget_model_param_count(b), n);
    float *pa = malloc(n * 4), *pb = malloc(n * 4);
    forget_model_get_params(a, pa, n);
    forget_model_get_params(b, pb, n);
    ck_assert_mem_eq(pa, pb, n * 4);
    free(pa);
    free(pb);
}

START_TEST(round_trips_are_bit_exact)
{
    forget_model *m = trained_model(), *f = NULL, *b = NULL;
    const char *path = tmp_path("m.fgm");
    ck_assert_int_eq(forget_model_save(m, path), FORGET_OK);
    ck_assert_int_eq(forget_model_load(&f, path), FORGET_OK);
    assert_same_model(m, f);
    size_t need = 0;
    ck_assert_int_eq(forget_model_save_buffer(m, NULL, 0, &need), FORGET_OK);
    ck_assert_uint_eq(need % 8, 0);
    unsigned char *buf = malloc(need);
    size_t got = 0;
    ck_assert_int_eq(forget_model_save_buffer(m, buf, need - 1, &got),
                     FORGET_E_INVALID);
    ck_assert_uint_eq(got, need);
    ck_assert_int_eq(forget_model_save_buffer(m, buf, need, &got), FORGET_OK);
    ck_assert_int_eq(forget_model_load_buffer(&b, buf, need), FORGET_OK);
    assert_same_model(m, b);
    /* The file and the buffer hold the same bytes. */
    FILE *fp = fopen(path, "rb");
    unsigned char *disk = malloc(need + 1);
    ck_assert_uint_eq(fread(disk, 1, need + 1, fp), need);
    fclose(fp);
    ck_assert_mem_eq(disk, buf, need);
    /* Saving again replaces the file; no temporary file is left. */
    ck_assert_int_eq(forget_model_save(b, path), FORGET_OK);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "ls %s* | wc -l | grep -qx 1", path);
    ck_assert_int_eq(system(cmd), 0);
    free(disk);
    free(buf);
    forget_model_free(b);
    forget_model_free(f);
    forget_model_free(m);
}
END_TEST

START_TEST(every_truncation_and_flip_is_refused)
{
    forget_model *m = trained_model();
    size_t need = 0;
    forget_model_save_buffer(m, NULL, 0, &need);
    unsigned char *buf = malloc(need);
    forget_model_save_buffer(m, buf, need, &need);
    forget_model *out = (forget_model *)&out, *sentinel = out;
    for (size_t len = 0; len < need; len++) {
        int rc = forget_model_load_buffer(&out, buf, len);
        ck_assert_msg(rc == FORGET_E_FORMAT, "length %zu: %d", len, rc);
    }
    for (size_t i = 0; i < need; i++) {
        for (int bit = 0; bit < 8; bit += 3) {
            buf[i] ^= (unsigned char)(1u << bit);
            int rc = forget_model_load_buffer(&out, buf, need);
            ck_assert_msg(rc == FORGET_E_FORMAT || rc == FORGET_E_VERSION,
                          "byte %zu bit %d: %d (%s)", i, bit, rc,
                          forget_last_error());
            buf[i] ^= (unsigned char)(1u << bit);
        }
    }
    ck_assert_ptr_eq(out, sentinel);
    free(buf);
    forget_model_free(m);
}
END_TEST

/* Files built by hand: each case is a valid container around content
 * that is wrong in one way. */
START_TEST(hostile_and_future_files)
{
    static unsigned char buf[1 << 16];
    const unsigned char magic[8] = {0x89, 'F', 'G', 'T', '\r', '\n', 0x1a,
                                    '\n'};
    const char *kind = "linear", *params = "inputs=2 outputs=2";
    unsigned char wght[8 + 24];
    memset(wght, 0, sizeof wght);
    wght[0] = 6;
    size_t len;
    forget_model *m = NULL;
#define HEADER(version, type)                                              \
    do {                                                                   \
        memcpy(buf, magic, 8);                                             \
        le32(buf + 8, version);                                            \
        le32(buf + 12, type);                                              \
        len = 16;                                                          \
    } while (0)
#define SEC(tag, flags, data, n) add_section(buf, &len, tag, flags, data, n, n)
#define END() SEC("END ", 1, "", 0)
    /* The valid baseline loads. */
    HEADER(1, 1);
    SEC("KIND", 1, kind, strlen(kind));
    SEC("PARM", 1, params, strlen(params));
    SEC("ZZZZ", 0, "optional", 8); /* unknown optional: skipped */
    SEC("WGHT", 1, wght, sizeof wght);
    END();
    ck_assert_int_eq(forget_model_load_buffer(&m, buf, len), FORGET_OK);
    forget_model_free(m);
    m = NULL;
    /* Unknown required section. */
    HEADER(1, 1);
    SEC("KIND", 1, kind, strlen(kind));
    SEC("PARM", 1, params, strlen(params));
    SEC("NEW!", 1, "x", 1);
    SEC("WGHT", 1, wght, sizeof wght);
    END();
    ck_assert_int_eq(forget_model_load_buffer(&m, buf, len), FORGET_E_VERSION);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "NEW!"));
    /* A newer format version; the wrong file type. */
    HEADER(2, 1);
    END();
    ck_assert_int_eq(forget_model_load_buffer(&m, buf, len), FORGET_E_VERSION);
    HEADER(1, 2);
    END();
    ck_assert_int_eq(forget_model_load_buffer(&m, buf, len), FORGET_E_FORMAT);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "unlearner"));
    /* A section that declares far more than the file holds. */
    HEADER(1, 1);
    add_section(buf, &len, "KIND", 1, kind, strlen(kind), 1ull << 62);
    ck_assert_int_eq(forget_model_load_buffer(&m, buf, len), FORGET_E_FORMAT);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "hostile"));
    /* A hostile architecture: no memory is spent on it. */
    HEADER(1, 1);
    SEC("KIND", 1, "mlp", 3);
    const char *huge = "layers=16777216-16777216-16777216";
    SEC("PARM", 1, huge, strlen(huge));
    SEC("WGHT", 1, wght, sizeof wght);
    END();
    ck_assert_int_eq(forget_model_load_buffer(&m, buf, len), FORGET_E_FORMAT);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "weights stored"));
    /* Weight count that disagrees with the section length. */
    HEADER(1, 1);
    SEC("KIND", 1, kind, strlen(kind));
    SEC("PARM", 1, params, strlen(params));
    wght[0] = 7;
    SEC("WGHT", 1, wght, sizeof wght);
    END();
    ck_assert_int_eq(forget_model_load_buffer(&m, buf, len), FORGET_E_FORMAT);
    wght[0] = 6;
    /* Bad stored parameters, unknown kind, missing and twice-given parts,
     * a NaN weight, trailing bytes. */
    const char *cases[][3] = {
        {"linear", "inputs=2 outputz=2", "outputz"},
        {"cnn", "inputs=2 outputs=2", "cnn"},
    };
    for (int c = 0; c < 2; c++) {
        HEADER(1, 1);
        SEC("KIND", 1, cases[c][0], strlen(cases[c][0]));
        SEC("PARM", 1, cases[c][1], strlen(cases[c][1]));
        SEC("WGHT", 1, wght, sizeof wght);
        END();
        ck_assert_int_eq(forget_model_load_buffer(&m, buf, len),
                         FORGET_E_FORMAT);
        ck_assert_ptr_nonnull(strstr(forget_last_error(), cases[c][2]));
    }
    HEADER(1, 1);
    SEC("KIND", 1, kind, strlen(kind));
    SEC("WGHT", 1, wght, sizeof wght);
    END();
    ck_assert_int_eq(forget_model_load_buffer(&m, buf, len), FORGET_E_FORMAT);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "required"));
    HEADER(1, 1);
    SEC("KIND", 1, kind, strlen(kind));
    SEC("KIND", 1, kind, strlen(kind));
    END();
    ck_assert_int_eq(forget_model_load_buffer(&m, buf, len), FORGET_E_FORMAT);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "twice"));
    HEADER(1, 1);
    SEC("KIND", 1, kind, strlen(kind));
    SEC("PARM", 1, params, strlen(params));
    le32(wght + 12, 0x7fc00000u); /* weight 1 = NaN */
    SEC("WGHT", 1, wght, sizeof wght);
    END();
    ck_assert_int_eq(forget_model_load_buffer(&m, buf, len), FORGET_E_FORMAT);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "weight 1"));
    le32(wght + 12, 0);
    HEADER(1, 1);
    SEC("KIND", 1, kind, strlen(kind));
    SEC("PARM", 1, params, strlen(params));
    SEC("WGHT", 1, wght, sizeof wght);
    END();
    memset(buf + len, 0, 8);
    ck_assert_int_eq(forget_model_load_buffer(&m, buf, len + 8),
                     FORGET_E_FORMAT);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "after the end"));
    ck_assert_ptr_null(m);
#undef HEADER
#undef SEC
#undef END
}
END_TEST

START_TEST(file_errors)
{
    forget_model *m = NULL;
    ck_assert_int_eq(forget_model_load(&m, "/nonexistent/m.fgm"), FORGET_E_IO);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "/nonexistent/m.fgm"));
    ck_assert_int_eq(forget_model_load(&m, "/tmp"), FORGET_E_IO);
    write_file(tmp_path("text.fgm"), "hello", 5);
    ck_assert_int_eq(forget_model_load(&m, tmp_path("text.fgm")),
                     FORGET_E_FORMAT);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "not a libforget file"));
    forget_model *ok = NULL;
    ck_assert_int_eq(forget_model_create(&ok, "linear", "inputs=1 outputs=2"),
                     FORGET_OK);
    ck_assert_int_eq(forget_model_save(ok, "/nonexistent/dir/m.fgm"),
                     FORGET_E_IO);
    ck_assert_int_eq(forget_model_save(NULL, "x"), FORGET_E_INVALID);
    ck_assert_int_eq(forget_model_load_buffer(&m, NULL, 3), FORGET_E_INVALID);
    ck_assert_ptr_null(m);
    forget_model_free(ok);
}
END_TEST

/* A save removes the temporary files that killed saves of the same path
 * left behind (they may hold data deleted since), and nothing else. */
START_TEST(save_removes_stale_temporaries)
{
    forget_model *m = NULL;
    ck_assert_int_eq(forget_model_create(&m, "linear", "inputs=1 outputs=2"),
                     FORGET_OK);
    const char *names[4] = {"m.fgm.tmp-a1B2c3", "m.fgm.tmp-zzzzzz",
                            "m.fgm.tmp-short", "n.fgm.tmp-a1B2c3"};
    for (int i = 0; i < 4; i++)
        write_file(tmp_path(names[i]), "old", 3);
    ck_assert_int_eq(forget_model_save(m, tmp_path("m.fgm")), FORGET_OK);
    ck_assert_int_ne(access(tmp_path(names[0]), F_OK), 0);
    ck_assert_int_ne(access(tmp_path(names[1]), F_OK), 0);
    ck_assert_int_eq(access(tmp_path(names[2]), F_OK), 0);
    ck_assert_int_eq(access(tmp_path(names[3]), F_OK), 0);
    forget_model *back = NULL;
    ck_assert_int_eq(forget_model_load(&back, tmp_path("m.fgm")), FORGET_OK);
    forget_model_free(back);
    forget_model_free(m);
}
END_TEST

Suite *suite_model_file(void)
{
    Suite *s = suite_create("model-file");
    TCase *tc = tcase_create("model-file");
    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, fixture_init, fixture_shutdown);
    tcase_add_test(tc, round_trips_are_bit_exact);
    tcase_add_test(tc, every_truncation_and_flip_is_refused);
    tcase_add_test(tc, hostile_and_future_files);
    tcase_add_test(tc, file_errors);
    tcase_add_test(tc, save_removes_stale_temporaries);
    suite_add_tcase(s, tc);
    return s;
}
