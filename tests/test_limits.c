/* Bounded memory for every input: small hostile files (a gzip of blanks,
 * huge IDX dimensions, a forged analytic model, sparse files with a wrong
 * header), FIFOs and devices are refused or streamed, and the peak RSS a
 * load adds stays under FG_RSS_BOUND_KB; the limits of forget_set_limit
 * cap what a caller allows. Files are made here, small or sparse. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "helpers.h"

/* The generous bound on what one hostile load may add to the peak RSS. */
#define FG_RSS_BOUND_KB (64 * 1024L)

/* ---- peak RSS ---- */

static long status_kb(const char *key)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long v = -1;
    size_t klen = strlen(key);
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, key, klen))
            v = strtol(line + klen, NULL, 10);
    if (f)
        fclose(f);
    return v;
}

/* Start measuring: reset the peak (Linux's clear_refs "5") when allowed;
 * peak_growth_kb then gives how far the peak rose above the start. */
static long g_rss_start;

static void peak_reset(void)
{
    int fd = open("/proc/self/clear_refs", O_WRONLY);
    int reset = fd >= 0 && write(fd, "5", 1) == 1;
    if (fd >= 0)
        close(fd);
    if (reset) {
        g_rss_start = status_kb("VmRSS:");
    } else { /* getrusage's peak: growth beyond the earlier peak */
        struct rusage ru;
        getrusage(RUSAGE_SELF, &ru);
        g_rss_start = ru.ru_maxrss;
    }
}

static long peak_growth_kb(void)
{
    long hwm = status_kb("VmHWM:");
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    long peak = hwm > 0 ? hwm : ru.ru_maxrss;
    return peak > g_rss_start ? peak - g_rss_start : 0;
}

static void assert_bounded(const char *what)
{
    long kb = peak_growth_kb();
    ck_assert_msg(kb < FG_RSS_BOUND_KB, "%s: peak RSS grew by %ld kB (bound "
                  "%ld kB)", what, kb, FG_RSS_BOUND_KB);
}

/* tmp_path's answer copied (it is one static buffer). */
static const char *tmp_copy(const char *name, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s", tmp_path(name));
    return buf;
}

static void assert_error(int rc, int code, const char *needle)
{
    ck_assert_int_eq(rc, code);
    ck_assert_msg(strstr(forget_last_error(), needle) != NULL,
                  "message '%s' does not name '%s'", forget_last_error(),
                  needle);
}

/* A gzip file of `total` bytes repeating pattern (of plen bytes), then
 * tail: written in chunks, so the test holds no big buffer. */
static void write_gz_repeat(const char *path, const char *pattern,
                            size_t plen, size_t total, const char *tail)
{
    static char chunk[1 << 16];
    for (size_t i = 0; i < sizeof chunk; i++)
        chunk[i] = pattern[i % plen];
    gzFile f = gzopen(path, "wb1");
    ck_assert_ptr_nonnull(f);
    for (size_t done = 0; done < total;) {
        size_t n = total - done < sizeof chunk ? total - done : sizeof chunk;
        ck_assert_int_eq(gzwrite(f, chunk, (unsigned)n), (int)n);
        done += n;
    }
    if (tail[0])
        ck_assert_int_eq(gzwrite(f, tail, (unsigned)strlen(tail)),
                         (int)strlen(tail));
    ck_assert_int_eq(gzclose(f), Z_OK);
}

/* ---- the API ---- */

START_TEST(limits_set_get_default)
{
    static const int which[] = {FORGET_LIMIT_MAX_BYTES, FORGET_LIMIT_MAX_ROWS,
                                FORGET_LIMIT_MAX_FEATURES};
    static const uint64_t defaults[] = {UINT64_C(1) << 31,
                                        UINT64_C(1) << 31,
                                        UINT64_C(1) << 24};
    for (int i = 0; i < 3; i++) {
        uint64_t v = 0;
        ck_assert_int_eq(forget_get_limit(which[i], &v), FORGET_OK);
        ck_assert_uint_eq(v, defaults[i]);
        ck_assert_int_eq(forget_set_limit(which[i], 12345), FORGET_OK);
        ck_assert_int_eq(forget_get_limit(which[i], &v), FORGET_OK);
        ck_assert_uint_eq(v, 12345);
        ck_assert_int_eq(forget_set_limit(which[i], 0), FORGET_OK);
        ck_assert_int_eq(forget_get_limit(which[i], &v), FORGET_OK);
        ck_assert_uint_eq(v, defaults[i]);
    }
    uint64_t v = 7;
    ck_assert_int_eq(forget_set_limit(0, 1), FORGET_E_INVALID);
    ck_assert_int_eq(forget_get_limit(4, &v), FORGET_E_INVALID);
    ck_assert_uint_eq(v, 7);
    ck_assert_int_eq(forget_get_limit(FORGET_LIMIT_MAX_ROWS, NULL),
                     FORGET_E_INVALID);
}
END_TEST

/* ---- CSV: streamed ---- */

/* 96 MiB of blanks (a 100 KB gzip) around one real row: loaded, with a
 * peak far below the text's size; and without the row, refused. */
START_TEST(csv_gzip_of_blanks_is_streamed)
{
    const char *path = tmp_path("blanks.csv.gz");
    write_gz_repeat(path, " \t  ", 4, (size_t)96 << 20, "\n1, 2.5 ,0\n");
    forget_dataset *ds = NULL;
    peak_reset();
    ck_assert_int_eq(forget_dataset_load_csv(&ds, path, "label=-1"),
                     FORGET_OK);
    assert_bounded("a CSV of 96 MiB of blanks");
    ck_assert_uint_eq(forget_dataset_rows(ds), 1);
    ck_assert_uint_eq(forget_dataset_features(ds), 2);
    ck_assert_float_eq(forget_dataset_x(ds)[1], 2.5f);
    forget_dataset_free(ds);

    write_gz_repeat(path, "  \n \r\n", 6, (size_t)96 << 20, "");
    peak_reset();
    assert_error(forget_dataset_load_csv(&ds, path, NULL), FORGET_E_FORMAT,
                 "no data rows");
    assert_bounded("a CSV of 96 MiB of blank lines");
}
END_TEST

/* One endless line of commas: refused at FORGET_LIMIT_MAX_FEATURES, and
 * the decompressed text at FORGET_LIMIT_MAX_BYTES, each with little
 * memory. */
START_TEST(csv_endless_line_hits_limits)
{
    const char *path = tmp_path("commas.csv.gz");
    write_gz_repeat(path, "0,", 2, (size_t)48 << 20, "");
    forget_dataset *ds = NULL;
    ck_assert_int_eq(forget_set_limit(FORGET_LIMIT_MAX_FEATURES, 1000),
                     FORGET_OK);
    peak_reset();
    assert_error(forget_dataset_load_csv(&ds, path, NULL), FORGET_E_NOMEM,
                 "FORGET_LIMIT_MAX_FEATURES");
    assert_bounded("a CSV line of 24 M fields");
    ck_assert_int_eq(forget_set_limit(FORGET_LIMIT_MAX_FEATURES, 0),
                     FORGET_OK);

    write_gz_repeat(path, "1,2\n", 4, (size_t)8 << 20, "");
    ck_assert_int_eq(forget_set_limit(FORGET_LIMIT_MAX_BYTES, 1 << 20),
                     FORGET_OK);
    assert_error(forget_dataset_load_csv(&ds, path, NULL), FORGET_E_NOMEM,
                 "FORGET_LIMIT_MAX_BYTES");
    ck_assert_int_eq(forget_set_limit(FORGET_LIMIT_MAX_ROWS, 1000),
                     FORGET_OK);
    ck_assert_int_eq(forget_set_limit(FORGET_LIMIT_MAX_BYTES, 0), FORGET_OK);
    assert_error(forget_dataset_load_csv(&ds, path, NULL), FORGET_E_NOMEM,
                 "FORGET_LIMIT_MAX_ROWS");
    ck_assert_int_eq(forget_set_limit(FORGET_LIMIT_MAX_ROWS, 0), FORGET_OK);
    ck_assert_int_eq(forget_dataset_load_csv(&ds, path, NULL), FORGET_OK);
    ck_assert_uint_eq(forget_dataset_rows(ds), (size_t)2 << 20);
    forget_dataset_free(ds);
}
END_TEST

/* ---- FIFOs and devices: refused at once, never read ---- */

START_TEST(fifo_and_devices_refused)
{
    const char *fifo = tmp_path("fifo");
    unlink(fifo);
    ck_assert_int_eq(mkfifo(fifo, 0600), 0);
    forget_dataset *ds = NULL;
    assert_error(forget_dataset_load_csv(&ds, fifo, NULL), FORGET_E_IO,
                 "FIFO");
    assert_error(forget_dataset_load_idx(&ds, fifo, fifo, NULL),
                 FORGET_E_IO, "FIFO");
    forget_model *m = NULL;
    assert_error(forget_model_load(&m, fifo), FORGET_E_IO, "FIFO");
    ck_assert_int_eq(forget_model_create(&m, "linear", "inputs=2 outputs=2"),
                     FORGET_OK);
    forget_unlearner *u = NULL;
    assert_error(forget_unlearner_load(&u, m, fifo), FORGET_E_IO, "FIFO");
    ck_assert_ptr_null(u);
    forget_model_free(m);
    peak_reset();
    assert_error(forget_dataset_load_csv(&ds, "/dev/zero", NULL),
                 FORGET_E_IO, "character device");
    assert_error(forget_dataset_load_idx(&ds, "/dev/zero", "/dev/zero",
                                         NULL), FORGET_E_IO,
                 "character device");
    assert_bounded("/dev/zero");
    ck_assert_ptr_null(ds);
    unlink(fifo);
}
END_TEST

/* ---- IDX: the header's dimensions against the limits ---- */

static void write_idx_header(unsigned char *h, uint32_t rows, uint32_t width)
{
    const unsigned char magic[4] = {0, 0, 0x08, 2};
    memcpy(h, magic, 4);
    for (int i = 0; i < 4; i++) {
        h[4 + i] = (unsigned char)(rows >> (24 - 8 * i));
        h[8 + i] = (unsigned char)(width >> (24 - 8 * i));
    }
}

/* An images file (gzip) of rows x width zero bytes, and its labels. */
static void write_idx(const char *images, const char *labels, uint32_t rows,
                      uint32_t width)
{
    unsigned char h[12];
    write_idx_header(h, rows, width);
    gzFile f = gzopen(images, "wb1");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(gzwrite(f, h, 12), 12);
    static unsigned char zeros[1 << 16];
    for (uint64_t left = (uint64_t)rows * width; left > 0;) {
        unsigned n = left < sizeof zeros ? (unsigned)left : sizeof zeros;
        ck_assert_int_eq(gzwrite(f, zeros, n), (int)n);
        left -= n;
    }
    ck_assert_int_eq(gzclose(f), Z_OK);
    unsigned char lh[8] = {0, 0, 0x08, 1};
    for (int i = 0; i < 4; i++)
        lh[4 + i] = (unsigned char)(rows >> (24 - 8 * i));
    f = gzopen(labels, "wb1");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(gzwrite(f, lh, 8), 8);
    for (uint32_t r = 0; r < rows; r++)
        ck_assert_int_eq(gzwrite(f, zeros, 1), 1);
    ck_assert_int_eq(gzclose(f), Z_OK);
}

/* The feature limit is the number of features, whatever columns the
 * label and id take: at a limit of 2, three features are refused with
 * or without an id column, and two pass either way. */
START_TEST(csv_feature_limit_is_exact)
{
    const char *path = tmp_path("wide.csv");
    forget_dataset *ds = NULL;
    ck_assert_int_eq(forget_set_limit(FORGET_LIMIT_MAX_FEATURES, 2),
                     FORGET_OK);
    static const char *const files[2][2] = {
        {"0,1,2,3\n1,4,5,6\n", "0,1,2\n1,4,5\n"},          /* label */
        {"0,7,1,2,3\n1,8,4,5,6\n", "0,7,1,2\n1,8,4,5\n"}}; /* and id */
    static const char *const params[2] = {NULL, "id=1"};
    for (int i = 0; i < 2; i++) {
        FILE *f = fopen(path, "w");
        ck_assert_ptr_nonnull(f);
        fputs(files[i][0], f);
        fclose(f);
        assert_error(forget_dataset_load_csv(&ds, path, params[i]),
                     FORGET_E_NOMEM, "FORGET_LIMIT_MAX_FEATURES");
        ck_assert_ptr_null(ds);
        f = fopen(path, "w");
        ck_assert_ptr_nonnull(f);
        fputs(files[i][1], f);
        fclose(f);
        ck_assert_int_eq(forget_dataset_load_csv(&ds, path, params[i]),
                         FORGET_OK);
        ck_assert_uint_eq(forget_dataset_features(ds), 2);
        forget_dataset_free(ds);
        ds = NULL;
    }
    ck_assert_int_eq(forget_set_limit(FORGET_LIMIT_MAX_FEATURES, 0),
                     FORGET_OK);
    unlink(path);
}
END_TEST

/* A row of 2^25 features (more than the default 2^24): refused before the
 * 128 MiB of floats are allocated. */
START_TEST(idx_huge_width_refused_by_default)
{
    char ib[512], lb[512];
    const char *img = tmp_copy("wide-i.gz", ib, sizeof ib);
    const char *lab = tmp_copy("wide-l.gz", lb, sizeof lb);
    write_idx(img, lab, 1, UINT32_C(1) << 25);
    forget_dataset *ds = NULL;
    peak_reset();
    assert_error(forget_dataset_load_idx(&ds, img, lab, NULL),
                 FORGET_E_NOMEM, "FORGET_LIMIT_MAX_FEATURES");
    assert_bounded("an IDX row of 2^25 features");
    ck_assert_ptr_null(ds);
}
END_TEST

/* 8192 x 4096 bytes (a 32 KB gzip, 128 MiB as floats): a caller's cap
 * refuses it before allocating, and rows and bytes caps both apply;
 * raised, the same file loads. */
START_TEST(idx_capped_by_caller)
{
    char ib[512], lb[512];
    const char *img = tmp_copy("big-i.gz", ib, sizeof ib);
    const char *lab = tmp_copy("big-l.gz", lb, sizeof lb);
    write_idx(img, lab, 8192, 4096);
    forget_dataset *ds = NULL;
    ck_assert_int_eq(forget_set_limit(FORGET_LIMIT_MAX_BYTES, 16 << 20),
                     FORGET_OK);
    peak_reset();
    assert_error(forget_dataset_load_idx(&ds, img, lab, NULL),
                 FORGET_E_NOMEM, "FORGET_LIMIT_MAX_BYTES");
    assert_error(forget_dataset_load_idx(&ds, img, lab, "storage=bytes"),
                 FORGET_E_NOMEM, "FORGET_LIMIT_MAX_BYTES");
    assert_bounded("an IDX file of 128 MiB capped at 16 MiB");
    ck_assert_ptr_null(ds);
    /* Within the cap: the first rows only. */
    ck_assert_int_eq(forget_dataset_load_idx(&ds, img, lab, "limit=512"),
                     FORGET_OK);
    ck_assert_uint_eq(forget_dataset_rows(ds), 512);
    forget_dataset_free(ds);
    ck_assert_int_eq(forget_set_limit(FORGET_LIMIT_MAX_BYTES, 0), FORGET_OK);
    ck_assert_int_eq(forget_set_limit(FORGET_LIMIT_MAX_ROWS, 8191),
                     FORGET_OK);
    assert_error(forget_dataset_load_idx(&ds, img, lab, "storage=bytes"),
                 FORGET_E_NOMEM, "FORGET_LIMIT_MAX_ROWS");
    ck_assert_int_eq(forget_set_limit(FORGET_LIMIT_MAX_ROWS, 0), FORGET_OK);
    ck_assert_int_eq(forget_dataset_load_idx(&ds, img, lab, "storage=bytes"),
                     FORGET_OK);
    ck_assert_uint_eq(forget_dataset_rows(ds), 8192);
    forget_dataset_free(ds);
}
END_TEST

/* ---- model and state files ---- */

static void le32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static void add_section(unsigned char *buf, size_t *len, const char *tag,
                        const void *data, size_t dlen)
{
    unsigned char *h = buf + *len;
    memcpy(h, tag, 4);
    le32(h + 4, 1);
    le32(h + 8, (uint32_t)dlen);
    le32(h + 12, 0);
    memcpy(h + 24, data, dlen);
    le32(h + 16, crc32c_bitwise(h + 24, dlen));
    le32(h + 20, crc32c_bitwise(h, 20));
    size_t pad = (8 - dlen % 8) % 8;
    memset(h + 24 + dlen, 0, pad);
    *len += 24 + dlen + pad;
}

/* A hand-made analytic model with a random feature layer of inputs x
 * width: a file of about 12 * width bytes. */
static void write_analytic(const char *path, uint32_t inputs, uint32_t width)
{
    static const unsigned char magic[8] = {0x89, 'F', 'G', 'T',
                                           '\r', '\n', 0x1a, '\n'};
    size_t d = width + 1, cap = 4096 + 16 * d, len = 16;
    unsigned char *buf = calloc(1, cap);
    ck_assert_ptr_nonnull(buf);
    memcpy(buf, magic, 8);
    le32(buf + 8, 1);
    le32(buf + 12, 1);
    char parm[256];
    snprintf(parm, sizeof parm, "inputs=%u outputs=1 features=random "
             "width=%u seed=1", (unsigned)inputs, (unsigned)width);
    add_section(buf, &len, "KIND", "analytic", 8);
    add_section(buf, &len, "PARM", parm, strlen(parm));
    unsigned char *w = calloc(1, 8 + 4 * d);
    ck_assert_ptr_nonnull(w);
    le32(w, (uint32_t)d);
    add_section(buf, &len, "WGHT", w, 8 + 4 * d);
    free(w);
    add_section(buf, &len, "END ", "", 0);
    write_file(path, buf, len);
    free(buf);
}

/* A file of about 1 KB whose random layer is 2^22 x 64 (3 GiB with its
 * float64 copy): refused by the default limit, with no allocation. */
START_TEST(forged_analytic_refused)
{
    const char *path = tmp_path("forged.fgm");
    write_analytic(path, UINT32_C(1) << 22, 64);
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_lt(st.st_size, 2048);
    forget_model *m = NULL;
    peak_reset();
    assert_error(forget_model_load(&m, path), FORGET_E_NOMEM,
                 "FORGET_LIMIT_MAX_BYTES");
    assert_bounded("a forged analytic model of 1 KB");
    ck_assert_ptr_null(m);
    ck_assert_msg(strstr(forget_last_error(), "random feature layer"),
                  "%s", forget_last_error());
}
END_TEST

/* Under a caller's cap of 8 MiB: a 1024 x 1024 layer (12 MiB) is refused,
 * a 64 x 64 one loads; raised, the first loads too. */
START_TEST(analytic_layer_capped_by_caller)
{
    char bb[512], sb[512];
    const char *big = tmp_copy("big.fgm", bb, sizeof bb);
    const char *small = tmp_copy("small.fgm", sb, sizeof sb);
    write_analytic(big, 1024, 1024);
    write_analytic(small, 64, 64);
    ck_assert_int_eq(forget_set_limit(FORGET_LIMIT_MAX_BYTES, 8 << 20),
                     FORGET_OK);
    forget_model *m = NULL;
    assert_error(forget_model_load(&m, big), FORGET_E_NOMEM,
                 "FORGET_LIMIT_MAX_BYTES");
    ck_assert_ptr_null(m);
    ck_assert_int_eq(forget_model_load(&m, small), FORGET_OK);
    ck_assert_uint_eq(forget_model_inputs(m), 64);
    forget_model_free(m);
    ck_assert_int_eq(forget_set_limit(FORGET_LIMIT_MAX_BYTES, 0), FORGET_OK);
    ck_assert_int_eq(forget_model_load(&m, big), FORGET_OK);
    forget_model_free(m);
}
END_TEST

/* A sparse file of 1 GiB: its header is read first (wrong magic, or a
 * right header whose first section is zeros), so the body is never read:
 * refused for the model and the state loader with little memory. */
START_TEST(sparse_file_refused_by_header)
{
    const char *path = tmp_path("sparse.bin");
    static const unsigned char good[16] = {0x89, 'F', 'G', 'T', '\r', '\n',
                                           0x1a, '\n', 1, 0, 0, 0, 1, 0,
                                           0, 0};
    forget_model *lin = NULL;
    ck_assert_int_eq(forget_model_create(&lin, "linear",
                                         "inputs=2 outputs=2"), FORGET_OK);
    for (int variant = 0; variant < 3; variant++) {
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        ck_assert_int_ge(fd, 0);
        unsigned char head[16];
        memcpy(head, good, 16);
        if (variant == 0)
            memcpy(head, "not-ours", 8);
        if (variant == 2)
            head[12] = 2; /* a state file, for the state loader */
        ck_assert_int_eq(write(fd, head, 16), 16);
        ck_assert_int_eq(ftruncate(fd, (off_t)1 << 30), 0);
        close(fd);
        forget_model *m = NULL;
        forget_unlearner *u = NULL;
        peak_reset();
        int rc = forget_model_load(&m, path);
        ck_assert_int_eq(rc, FORGET_E_FORMAT);
        rc = forget_unlearner_load(&u, lin, path);
        ck_assert_int_eq(rc, FORGET_E_FORMAT);
        assert_bounded("a sparse file of 1 GiB");
        ck_assert_ptr_null(m);
        ck_assert_ptr_null(u);
    }
    forget_model_free(lin);
    unlink(path);
}
END_TEST

/* A real model file larger than the byte limit is refused before it is
 * read; under the limit it loads. */
START_TEST(model_file_over_byte_limit)
{
    const char *path = tmp_path("m.fgm");
    forget_model *m = NULL;
    ck_assert_int_eq(forget_model_create(&m, "linear",
                                         "inputs=100 outputs=10"), FORGET_OK);
    ck_assert_int_eq(forget_model_save(m, path), FORGET_OK);
    forget_model_free(m);
    m = NULL;
    ck_assert_int_eq(forget_set_limit(FORGET_LIMIT_MAX_BYTES, 1024),
                     FORGET_OK);
    assert_error(forget_model_load(&m, path), FORGET_E_NOMEM,
                 "FORGET_LIMIT_MAX_BYTES");
    ck_assert_ptr_null(m);
    ck_assert_int_eq(forget_set_limit(FORGET_LIMIT_MAX_BYTES, 0), FORGET_OK);
    ck_assert_int_eq(forget_model_load(&m, path), FORGET_OK);
    forget_model_free(m);
}
END_TEST

static void limits_reset(void)
{
    forget_set_limit(FORGET_LIMIT_MAX_BYTES, 0);
    forget_set_limit(FORGET_LIMIT_MAX_ROWS, 0);
    forget_set_limit(FORGET_LIMIT_MAX_FEATURES, 0);
    fixture_shutdown();
}

Suite *suite_limits(void)
{
    Suite *s = suite_create("limits");
    TCase *tc = tcase_create("bounded");
    tcase_add_checked_fixture(tc, fixture_init, limits_reset);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, limits_set_get_default);
    tcase_add_test(tc, csv_gzip_of_blanks_is_streamed);
    tcase_add_test(tc, csv_endless_line_hits_limits);
    tcase_add_test(tc, csv_feature_limit_is_exact);
    tcase_add_test(tc, idx_huge_width_refused_by_default);
    tcase_add_test(tc, idx_capped_by_caller);
    tcase_add_test(tc, forged_analytic_refused);
    tcase_add_test(tc, analytic_layer_capped_by_caller);
    tcase_add_test(tc, sparse_file_refused_by_header);
    tcase_add_test(tc, model_file_over_byte_limit);
    suite_add_tcase(s, tc);
    TCase *tf = tcase_create("fifo");
    tcase_add_checked_fixture(tf, fixture_init, limits_reset);
    tcase_set_timeout(tf, 10);
    tcase_add_test(tf, fifo_and_devices_refused);
    suite_add_tcase(s, tf);
    return s;
}
