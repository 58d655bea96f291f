/* The IDX loader on small files written here, plain and gzip, and on
 * truncated, corrupted and hostile ones. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

typedef struct buf {
    unsigned char b[4096];
    size_t n;
} buf;

static void put(buf *o, const void *p, size_t n)
{
    memcpy(o->b + o->n, p, n);
    o->n += n;
}

static void put_be32(buf *o, uint32_t v)
{
    unsigned char b[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 8), (unsigned char)v};
    put(o, b, 4);
}

static void header(buf *o, int type, int ndims, const uint32_t *dims)
{
    unsigned char m[4] = {0, 0, (unsigned char)type, (unsigned char)ndims};
    o->n = 0;
    put(o, m, 4);
    for (int i = 0; i < ndims; i++)
        put_be32(o, dims[i]);
}

/* 5 images of 3x2 bytes (value 10*row + col) and labels row % 3. */
static void make_pair(buf *img, buf *lab)
{
    uint32_t dims[3] = {5, 3, 2};
    header(img, 0x08, 3, dims);
    for (int r = 0; r < 5; r++)
        for (int c = 0; c < 6; c++) {
            unsigned char v = (unsigned char)(10 * r + c);
            put(img, &v, 1);
        }
    uint32_t ldims[1] = {5};
    header(lab, 0x08, 1, ldims);
    for (int r = 0; r < 5; r++) {
        unsigned char v = (unsigned char)(r % 3);
        put(lab, &v, 1);
    }
}

static int load(forget_dataset **ds, const buf *img, const buf *lab,
                const char *params)
{
    write_file(tmp_path("img.idx"), img->b, img->n);
    char lpath[256];
    snprintf(lpath, sizeof lpath, "%s", tmp_path("lab.idx"));
    write_file(lpath, lab->b, lab->n);
    return forget_dataset_load_idx(ds, tmp_path("img.idx"), lpath, params);
}

START_TEST(loads_plain_and_gzip)
{
    buf img, lab;
    make_pair(&img, &lab);
    for (int gz = 0; gz < 2; gz++) {
        char ipath[256], lpath[256];
        snprintf(ipath, sizeof ipath, "%s", tmp_path(gz ? "i.gz" : "i.idx"));
        snprintf(lpath, sizeof lpath, "%s", tmp_path(gz ? "l.gz" : "l.idx"));
        if (gz) {
            write_gz(ipath, img.b, img.n);
            write_gz(lpath, lab.b, lab.n);
        } else {
            write_file(ipath, img.b, img.n);
            write_file(lpath, lab.b, lab.n);
        }
        forget_dataset *ds = NULL;
        ck_assert_int_eq(forget_dataset_load_idx(&ds, ipath, lpath, NULL),
                         FORGET_OK);
        ck_assert_uint_eq(forget_dataset_rows(ds), 5);
        ck_assert_uint_eq(forget_dataset_features(ds), 6);
        ck_assert_uint_eq(forget_dataset_classes(ds), 3);
        for (int r = 0; r < 5; r++) {
            ck_assert_int_eq(forget_dataset_labels(ds)[r], r % 3);
            ck_assert_uint_eq(forget_dataset_ids(ds)[r], (uint64_t)r);
            for (int c = 0; c < 6; c++)
                ck_assert_float_eq(forget_dataset_x(ds)[r * 6 + c],
                                   (float)(10 * r + c) / 255.0f);
        }
        forget_dataset_free(ds);
        ck_assert_int_eq(forget_dataset_load_idx(&ds, ipath, lpath,
                                                 "normalize=false limit=2"),
                         FORGET_OK);
        ck_assert_uint_eq(forget_dataset_rows(ds), 2);
        ck_assert_float_eq(forget_dataset_x(ds)[11], 15.0f);
        forget_dataset_free(ds);
    }
}
END_TEST

START_TEST(loads_other_element_types)
{
    buf img, lab;
    uint32_t dims[2] = {2, 2};
    header(&img, 0x0D, 2, dims); /* float32 */
    const float vals[4] = {1.5f, -2.25f, 3e10f, 0.0f};
    for (int i = 0; i < 4; i++) {
        uint32_t u;
        memcpy(&u, &vals[i], 4);
        put_be32(&img, u);
    }
    uint32_t ldims[1] = {2};
    header(&lab, 0x0C, 1, ldims); /* int32 labels */
    put_be32(&lab, 70000);
    put_be32(&lab, 1);
    forget_dataset *ds = NULL;
    ck_assert_int_eq(load(&ds, &img, &lab, NULL), FORGET_OK);
    for (int i = 0; i < 4; i++)
        ck_assert_float_eq(forget_dataset_x(ds)[i], vals[i]);
    ck_assert_int_eq(forget_dataset_labels(ds)[0], 70000);
    forget_dataset_free(ds);

    uint32_t d1[1] = {2};
    header(&img, 0x0B, 1, d1); /* int16, one dimension: d = 1 */
    unsigned char s16[4] = {0xff, 0xfe, 0x01, 0x00};
    put(&img, s16, 4);
    ck_assert_int_eq(load(&ds, &img, &lab, NULL), FORGET_OK);
    ck_assert_uint_eq(forget_dataset_features(ds), 1);
    ck_assert_float_eq(forget_dataset_x(ds)[0], -2.0f);
    ck_assert_float_eq(forget_dataset_x(ds)[1], 256.0f);
    forget_dataset_free(ds);

    header(&img, 0x0D, 1, d1); /* a NaN feature is refused, naming it */
    put_be32(&img, 0x7fc00000u);
    put_be32(&img, 0);
    ck_assert_int_eq(load(&ds, &img, &lab, NULL), FORGET_E_INVALID);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "row 0"));
}
END_TEST

static void expect_format(const buf *img, const buf *lab, const char *word)
{
    forget_dataset *ds = (forget_dataset *)&ds, *sentinel = ds;
    int rc = load(&ds, img, lab, NULL);
    ck_assert_msg(rc == FORGET_E_FORMAT, "rc %d: %s", rc, forget_last_error());
    ck_assert_msg(strstr(forget_last_error(), word) != NULL,
                  "message '%s' lacks '%s'", forget_last_error(), word);
    ck_assert_ptr_eq(ds, sentinel);
}

START_TEST(rejects_malformed_files)
{
    buf img, lab, bad;
    make_pair(&img, &lab);
    bad = img;
    bad.b[0] = 1;
    expect_format(&bad, &lab, "not an IDX file");
    bad = img;
    bad.b[2] = 0x07;
    expect_format(&bad, &lab, "not an IDX file");
    bad = img;
    bad.b[3] = 0;
    expect_format(&bad, &lab, "not an IDX file");
    bad = img;
    bad.n = 2;
    expect_format(&bad, &lab, "truncated");
    bad = img;
    bad.n = 10;
    expect_format(&bad, &lab, "truncated");
    bad = img;
    bad.n -= 1;
    expect_format(&bad, &lab, "more than the file can hold");
    bad = img;
    bad.b[bad.n++] = 0;
    expect_format(&bad, &lab, "unexpected bytes after");
    bad = lab;
    bad.b[7] = 4; /* 4 labels for 5 images */
    bad.n -= 1;
    expect_format(&img, &bad, "holds 4 labels");
    uint32_t two[2] = {5, 2};
    header(&bad, 0x08, 2, two);
    for (int i = 0; i < 10; i++)
        bad.b[bad.n++] = 0;
    expect_format(&img, &bad, "labels must be one dimension");
    /* Hostile: 4 billion rows declared in a file of a few bytes. */
    uint32_t huge[3] = {0xffffffffu, 0xffffffffu, 0xffffffffu};
    header(&bad, 0x0E, 3, huge);
    expect_format(&bad, &lab, "truncated or hostile");
    uint32_t over[8] = {1, 0xffffffffu, 0xffffffffu, 0xffffffffu, 3, 3, 3, 3};
    header(&bad, 0x08, 8, over);
    expect_format(&bad, &lab, "overflow");
}
END_TEST

START_TEST(rejects_broken_gzip)
{
    buf img, lab;
    make_pair(&img, &lab);
    char lpath[256];
    snprintf(lpath, sizeof lpath, "%s", tmp_path("lab.idx"));
    write_file(lpath, lab.b, lab.n);
    const char *ipath = tmp_path("img.gz");
    write_gz(ipath, img.b, img.n);
    FILE *f = fopen(ipath, "rb");
    unsigned char gz[4096];
    size_t n = fread(gz, 1, sizeof gz, f);
    fclose(f);
    forget_dataset *ds = NULL;
    /* Truncated compressed stream. */
    write_file(ipath, gz, n / 2);
    ck_assert_int_eq(forget_dataset_load_idx(&ds, ipath, lpath, NULL),
                     FORGET_E_FORMAT);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "gzip"));
    /* Corrupted: every byte of the deflate body flipped in turn must be
     * refused or, where the damage is invisible, give the same shape. */
    for (size_t i = 10; i < n - 8; i++) {
        gz[i] ^= 0x55;
        write_file(ipath, gz, n);
        int rc = forget_dataset_load_idx(&ds, ipath, lpath, NULL);
        ck_assert_msg(rc == FORGET_E_FORMAT || rc == FORGET_OK,
                      "byte %zu: %d %s", i, rc, forget_last_error());
        if (rc == FORGET_OK) {
            ck_assert_uint_eq(forget_dataset_rows(ds), 5);
            forget_dataset_free(ds);
        }
        gz[i] ^= 0x55;
    }
    /* A damaged CRC trailer is always caught. */
    gz[n - 6] ^= 0xff;
    write_file(ipath, gz, n);
    ck_assert_int_eq(forget_dataset_load_idx(&ds, ipath, lpath, NULL),
                     FORGET_E_FORMAT);
}
END_TEST

START_TEST(reports_io_and_parameter_errors)
{
    forget_dataset *ds = NULL;
    ck_assert_int_eq(forget_dataset_load_idx(&ds, "/nonexistent/img",
                                             "/nonexistent/lab", NULL),
                     FORGET_E_IO);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "/nonexistent/img"));
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "No such file"));
    ck_assert_int_eq(forget_dataset_load_idx(&ds, "/tmp", "/tmp", NULL),
                     FORGET_E_IO);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "directory"));
    ck_assert_int_eq(forget_dataset_load_idx(&ds, "a", "b", "limit=-1"),
                     FORGET_E_PARAM);
    ck_assert_int_eq(forget_dataset_load_idx(&ds, "a", "b", "normalise=1"),
                     FORGET_E_PARAM);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "known: normalize, "
                                                      "limit"));
    ck_assert_int_eq(forget_dataset_load_idx(&ds, NULL, "b", NULL),
                     FORGET_E_INVALID);
    ck_assert_ptr_null(ds);
}
END_TEST

/* part=r/P: ids are row numbers; the parts (floats or bytes) are
 * disjoint and cover every row, each row with its own pixels. */
START_TEST(part_splits_the_rows)
{
    buf img, lab;
    make_pair(&img, &lab);
    const char *storage[2] = {"", " storage=bytes"};
    for (int s = 0; s < 2; s++) {
        unsigned seen[5] = {0};
        for (int r = 0; r < 2; r++) {
            char params[64];
            snprintf(params, sizeof params, "normalize=false part=%d/2%s", r,
                     storage[s]);
            forget_dataset *ds = NULL;
            ck_assert_int_eq(load(&ds, &img, &lab, params), FORGET_OK);
            for (size_t i = 0; i < forget_dataset_rows(ds); i++) {
                uint64_t id = forget_dataset_ids(ds)[i];
                ck_assert_uint_lt(id, 5);
                seen[id]++;
                float x[6];
                ck_assert_int_eq(forget_dataset_copy_rows(ds, i, 1, x, 6),
                                 FORGET_OK);
                ck_assert(x[1] == (float)(10 * id + 1));
                ck_assert_int_eq(forget_dataset_labels(ds)[i], (int)(id % 3));
            }
            forget_dataset_free(ds);
        }
        for (int i = 0; i < 5; i++)
            ck_assert_uint_eq(seen[i], 1);
    }
    forget_dataset *ds = NULL;
    ck_assert_int_eq(load(&ds, &img, &lab, "part=2/2"), FORGET_E_PARAM);
}
END_TEST

Suite *suite_idx(void)
{
    Suite *s = suite_create("idx");
    TCase *tc = tcase_create("idx");
    tcase_add_checked_fixture(tc, fixture_init, fixture_shutdown);
    tcase_add_test(tc, loads_plain_and_gzip);
    tcase_add_test(tc, loads_other_element_types);
    tcase_add_test(tc, rejects_malformed_files);
    tcase_add_test(tc, rejects_broken_gzip);
    tcase_add_test(tc, reports_io_and_parameter_errors);
    tcase_add_test(tc, part_splits_the_rows);
    suite_add_tcase(s, tc);
    return s;
}
