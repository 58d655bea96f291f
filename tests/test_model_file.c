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

/* Files built by hand: each is a valid container around content that is
 * wrong in one way. A section list ends with a NULL tag; the END section
 * is added. */
typedef struct hand_section {
    const char *tag;
    uint32_t flags;
    const void *data;
    size_t len;
} hand_section;

static unsigned char hand_buf[1 << 16];

static size_t hand_file(uint32_t version, uint32_t type,
                        const hand_section *secs)
{
    const unsigned char magic[8] = {0x89, 'F', 'G', 'T', '\r', '\n', 0x1a,
                                    '\n'};
    memcpy(hand_buf, magic, 8);
    le32(hand_buf + 8, version);
    le32(hand_buf + 12, type);
    size_t len = 16;
    for (const hand_section *s = secs; s->tag; s++)
        add_section(hand_buf, &len, s->tag, s->flags, s->data, s->len,
                    s->len);
    add_section(hand_buf, &len, "END ", 1, "", 0, 0);
    return len;
}

/* Loading len bytes of hand_buf fails with code and a message holding
 * what, and makes no model. */
static void assert_refused(size_t len, int code, const char *what)
{
    forget_model *m = NULL;
    ck_assert_int_eq(forget_model_load_buffer(&m, hand_buf, len), code);
    ck_assert_ptr_null(m);
    if (what)
        ck_assert_ptr_nonnull(strstr(forget_last_error(), what));
}

#define KIND_LINEAR {"KIND", 1, "linear", 6}
#define PARM_2X2 {"PARM", 1, "inputs=2 outputs=2", 18}
#define NO_MORE {NULL, 0, NULL, 0}

static unsigned char six_weights[8 + 24] = {6};
#define WGHT_6 {"WGHT", 1, six_weights, sizeof six_weights}

START_TEST(unknown_sections_skipped_unless_required)
{
    const hand_section ok[] = {KIND_LINEAR, PARM_2X2,
                               {"ZZZZ", 0, "optional", 8}, WGHT_6, NO_MORE};
    forget_model *m = NULL;
    size_t len = hand_file(1, 1, ok);
    ck_assert_int_eq(forget_model_load_buffer(&m, hand_buf, len), FORGET_OK);
    forget_model_free(m);
    const hand_section needed[] = {KIND_LINEAR, PARM_2X2, {"NEW!", 1, "x", 1},
                                   WGHT_6, NO_MORE};
    assert_refused(hand_file(1, 1, needed), FORGET_E_VERSION, "NEW!");
}
END_TEST

START_TEST(newer_versions_and_other_types_refused)
{
    const hand_section none[] = {NO_MORE};
    assert_refused(hand_file(2, 1, none), FORGET_E_VERSION, NULL);
    assert_refused(hand_file(1, 2, none), FORGET_E_FORMAT, "unlearner");
}
END_TEST

START_TEST(hostile_lengths_and_shapes_cost_nothing)
{
    /* A section that declares far more than the file holds. */
    size_t len = hand_file(1, 1, (const hand_section[]){NO_MORE}) - 24;
    add_section(hand_buf, &len, "KIND", 1, "linear", 6, 1ull << 62);
    assert_refused(len, FORGET_E_FORMAT, "hostile");
    /* A huge architecture: refused before any memory is spent on it. */
    const char *huge = "layers=16777216-16777216-16777216";
    const hand_section big[] = {{"KIND", 1, "mlp", 3},
                                {"PARM", 1, huge, strlen(huge)}, WGHT_6,
                                NO_MORE};
    assert_refused(hand_file(1, 1, big), FORGET_E_FORMAT, "weights stored");
    /* A weight count that disagrees with the section length. */
    unsigned char seven[8 + 24] = {7};
    const hand_section miscount[] = {KIND_LINEAR, PARM_2X2,
                                     {"WGHT", 1, seven, sizeof seven},
                                     NO_MORE};
    assert_refused(hand_file(1, 1, miscount), FORGET_E_FORMAT, "WGHT");
}
END_TEST

START_TEST(bad_stored_parameters_and_kinds_refused)
{
    const hand_section param[] = {KIND_LINEAR,
                                  {"PARM", 1, "inputs=2 outputz=2", 18},
                                  WGHT_6, NO_MORE};
    assert_refused(hand_file(1, 1, param), FORGET_E_FORMAT, "outputz");
    const hand_section kind[] = {{"KIND", 1, "cnn", 3}, PARM_2X2, WGHT_6,
                                 NO_MORE};
    assert_refused(hand_file(1, 1, kind), FORGET_E_FORMAT, "cnn");
}
END_TEST

START_TEST(missing_and_repeated_sections_refused)
{
    const hand_section missing[] = {KIND_LINEAR, WGHT_6, NO_MORE};
    assert_refused(hand_file(1, 1, missing), FORGET_E_FORMAT, "required");
    const hand_section twice[] = {KIND_LINEAR, KIND_LINEAR, NO_MORE};
    assert_refused(hand_file(1, 1, twice), FORGET_E_FORMAT, "twice");
    /* A kind's own (or an unknown) section given twice, too. */
    const hand_section extra[] = {KIND_LINEAR, PARM_2X2, {"ZZZZ", 0, "x", 1},
                                  {"ZZZZ", 0, "y", 1}, WGHT_6, NO_MORE};
    assert_refused(hand_file(1, 1, extra), FORGET_E_FORMAT, "twice");
}
END_TEST

START_TEST(nan_weights_and_trailing_bytes_refused)
{
    unsigned char nan[8 + 24] = {6};
    le32(nan + 12, 0x7fc00000u); /* weight 1 = NaN */
    const hand_section bad[] = {KIND_LINEAR, PARM_2X2,
                                {"WGHT", 1, nan, sizeof nan}, NO_MORE};
    assert_refused(hand_file(1, 1, bad), FORGET_E_FORMAT, "weight 1");
    const hand_section ok[] = {KIND_LINEAR, PARM_2X2, WGHT_6, NO_MORE};
    size_t len = hand_file(1, 1, ok);
    memset(hand_buf + len, 0, 8);
    assert_refused(len + 8, FORGET_E_FORMAT, "after the end");
}
END_TEST

/* A method's state goes through the same section-table reader: a section
 * given twice is refused (it used to keep the last), an unknown required
 * one is FORGET_E_VERSION, an unknown optional one is skipped. */
START_TEST(method_state_sections_follow_the_one_rule)
{
    forget_model *m = NULL;
    ck_assert_int_eq(forget_model_create(&m, "linear", "inputs=2 outputs=2"),
                     FORGET_OK);
    unsigned char unprepared[4] = {0}, count[8] = {0};
#define LIB_SECTIONS {"_MTH", 1, "ssd", 3}, {"_PAR", 1, "", 0}, \
                     {"_PRP", 1, unprepared, 4}
    const hand_section plain[] = {LIB_SECTIONS, {"ZZZZ", 0, "x", 1},
                                  NO_MORE};
    const hand_section twice[] = {LIB_SECTIONS, {"SCNT", 1, count, 8},
                                  {"SCNT", 1, count, 8}, NO_MORE};
    const hand_section newer[] = {LIB_SECTIONS, {"NEW!", 1, "x", 1},
                                  NO_MORE};
#undef LIB_SECTIONS
    forget_unlearner *u = NULL;
    size_t len = hand_file(1, 2, plain);
    ck_assert_int_eq(forget_unlearner_load_buffer(&u, m, hand_buf, len),
                     FORGET_OK);
    ck_assert_int_eq(forget_unlearner_is_prepared(u), 0);
    forget_unlearner_free(u);
    u = NULL;
    len = hand_file(1, 2, twice);
    ck_assert_int_eq(forget_unlearner_load_buffer(&u, m, hand_buf, len),
                     FORGET_E_FORMAT);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "twice"));
    len = hand_file(1, 2, newer);
    ck_assert_int_eq(forget_unlearner_load_buffer(&u, m, hand_buf, len),
                     FORGET_E_VERSION);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "NEW!"));
    ck_assert_ptr_null(u);
    forget_model_free(m);
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

Suite *suite_model_file(void)
{
    Suite *s = suite_create("model-file");
    TCase *tc = tcase_create("model-file");
    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, fixture_init, fixture_shutdown);
    tcase_add_test(tc, round_trips_are_bit_exact);
    tcase_add_test(tc, every_truncation_and_flip_is_refused);
    tcase_add_test(tc, unknown_sections_skipped_unless_required);
    tcase_add_test(tc, newer_versions_and_other_types_refused);
    tcase_add_test(tc, hostile_lengths_and_shapes_cost_nothing);
    tcase_add_test(tc, bad_stored_parameters_and_kinds_refused);
    tcase_add_test(tc, missing_and_repeated_sections_refused);
    tcase_add_test(tc, nan_weights_and_trailing_bytes_refused);
    tcase_add_test(tc, method_state_sections_follow_the_one_rule);
    tcase_add_test(tc, file_errors);
    suite_add_tcase(s, tc);
    return s;
}
