/* The CSV loader: options, formats, and errors that name line and column. */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

static int load_text(forget_dataset **ds, const char *text, const char *params)
{
    write_file(tmp_path("d.csv"), text, strlen(text));
    return forget_dataset_load_csv(ds, tmp_path("d.csv"), params);
}

START_TEST(loads_labels_features_ids)
{
    forget_dataset *ds = NULL;
    ck_assert_int_eq(load_text(&ds, "label,a,b\n1, 0.5 ,-2e1\r\n\n0,3,4\n",
                               "header=true"), FORGET_OK);
    ck_assert_uint_eq(forget_dataset_rows(ds), 2);
    ck_assert_uint_eq(forget_dataset_features(ds), 2);
    ck_assert_int_eq(forget_dataset_labels(ds)[0], 1);
    ck_assert_float_eq(forget_dataset_x(ds)[0], 0.5f);
    ck_assert_float_eq(forget_dataset_x(ds)[1], -20.0f);
    ck_assert_float_eq(forget_dataset_x(ds)[3], 4.0f);
    ck_assert_uint_eq(forget_dataset_ids(ds)[1], 1);
    forget_dataset_free(ds);

    ck_assert_int_eq(load_text(&ds, "7;1.5;2;9\n3;2.5;1;4", "delimiter=; "
                               "label=-1 id=0"), FORGET_OK);
    ck_assert_uint_eq(forget_dataset_features(ds), 2);
    ck_assert_int_eq(forget_dataset_labels(ds)[1], 4);
    ck_assert_uint_eq(forget_dataset_ids(ds)[0], 7);
    ck_assert_uint_eq(forget_dataset_ids(ds)[1], 3);
    ck_assert_float_eq(forget_dataset_x(ds)[2], 2.5f);
    forget_dataset_free(ds);

    ck_assert_int_eq(load_text(&ds, "1,0.25\n2,-0.5\n", "task=regression "
                               "label=1"), FORGET_OK);
    ck_assert_int_eq(forget_dataset_task(ds), FORGET_TASK_REGRESSION);
    ck_assert_float_eq(forget_dataset_targets(ds)[1], -0.5f);
    ck_assert_float_eq(forget_dataset_x(ds)[1], 2.0f);
    forget_dataset_free(ds);
}
END_TEST

START_TEST(loads_gzip_and_ignores_locale)
{
    const char *text = "0,1.5,2.25\n1,3.125,4\n";
    write_gz(tmp_path("d.csv.gz"), text, strlen(text));
    const char *got = setlocale(LC_ALL, "de_DE.UTF-8");
    forget_dataset *ds = NULL;
    ck_assert_int_eq(forget_dataset_load_csv(&ds, tmp_path("d.csv.gz"), NULL),
                     FORGET_OK);
    ck_assert_float_eq(forget_dataset_x(ds)[0], 1.5f);
    ck_assert_float_eq(forget_dataset_x(ds)[2], 3.125f);
    forget_dataset_free(ds);
    if (got == NULL)
        fprintf(stderr, "note: de_DE.UTF-8 is not installed; the CSV locale "
                        "check ran in \"C\"\n");
    setlocale(LC_ALL, "C");
}
END_TEST

static void expect_error(const char *text, const char *params, int code,
                         const char *word)
{
    forget_dataset *ds = (forget_dataset *)&ds, *sentinel = ds;
    int rc = load_text(&ds, text, params);
    ck_assert_msg(rc == code, "'%s': rc %d (%s)", text, rc,
                  forget_last_error());
    ck_assert_msg(strstr(forget_last_error(), word) != NULL,
                  "message '%s' lacks '%s'", forget_last_error(), word);
    ck_assert_ptr_eq(ds, sentinel);
}

START_TEST(errors_name_line_and_column)
{
    expect_error("0,1,2\n1,x,3\n", NULL, FORGET_E_FORMAT,
                 "line 2, column 1: 'x' is not a finite number");
    expect_error("0,1,2\n1,nan,3\n", NULL, FORGET_E_FORMAT, "line 2, column 1");
    expect_error("0,1,2\n1,1e39,3\n", NULL, FORGET_E_FORMAT, "'1e39'");
    expect_error("0,1,2\n\n1,2\n", NULL, FORGET_E_FORMAT,
                 "line 3 has 2 fields; the first row has 3");
    expect_error("0,1,\n", NULL, FORGET_E_FORMAT, "column 2");
    expect_error("1.5,1,2\n", NULL, FORGET_E_FORMAT, "a class label");
    expect_error("-1,1,2\n", NULL, FORGET_E_FORMAT, "a class label");
    expect_error("0,\"1\",2\n", NULL, FORGET_E_FORMAT, "quoted");
    expect_error("a,b\n", "header=true", FORGET_E_FORMAT, "no data rows");
    expect_error("", NULL, FORGET_E_FORMAT, "no data rows");
    expect_error("0\n1\n", NULL, FORGET_E_FORMAT, "not enough");
    expect_error("0,1\n", "label=5", FORGET_E_FORMAT, "not enough");
    expect_error("0,1,2\n", "id=0", FORGET_E_FORMAT, "not enough");
    expect_error("5,0,1\n5,1,2\n", "id=0 label=1", FORGET_E_INVALID,
                 "id 5 appears in rows 0 and 1");
    expect_error("x,0,1\n", "id=0 label=1", FORGET_E_FORMAT, "a sample id");
    expect_error("0,1\n", "delimiter=ab", FORGET_E_PARAM, "delimiter");
    expect_error("0,1\n", "task=ranking", FORGET_E_PARAM, "'task'");
    write_file(tmp_path("nul.csv"), "0,1\0,2\n", 7);
    forget_dataset *ds = NULL;
    ck_assert_int_eq(forget_dataset_load_csv(&ds, tmp_path("nul.csv"), NULL),
                     FORGET_E_FORMAT);
    ck_assert_int_eq(forget_dataset_load_csv(&ds, "/nonexistent.csv", NULL),
                     FORGET_E_IO);
    ck_assert_int_eq(forget_dataset_load_csv(&ds, NULL, NULL),
                     FORGET_E_INVALID);
    ck_assert_ptr_null(ds);
}
END_TEST

/* A file larger than the reader's first buffer (64 KiB) grows it. */
START_TEST(loads_large_file)
{
    size_t rows = 5000, cap = rows * 40;
    char *text = malloc(cap);
    size_t used = 0;
    for (size_t i = 0; i < rows; i++)
        used += (size_t)snprintf(text + used, cap - used,
                                 "%zu,%zu.5,%zu.25,-%zu\n", i % 7, i, i, i);
    forget_dataset *ds = NULL;
    ck_assert_int_eq(load_text(&ds, text, NULL), FORGET_OK);
    free(text);
    ck_assert_uint_eq(forget_dataset_rows(ds), rows);
    ck_assert_uint_eq(forget_dataset_classes(ds), 7);
    ck_assert_float_eq(forget_dataset_x(ds)[3 * 4999], 4999.5f);
    ck_assert_float_eq(forget_dataset_x(ds)[3 * 4999 + 2], -4999.0f);
    forget_dataset_free(ds);
}
END_TEST

/* Numbers of any length: leading zeros, trailing zeros, 200 significant
 * digits, in features, labels and ids (strtod rounds them correctly). */
START_TEST(long_numbers_accepted)
{
    for (size_t k = 100; k <= 700; k += 150) {
        size_t cap = 7 * k + 256, n = 0;
        char *text = malloc(cap);
        ck_assert_ptr_nonnull(text);
        /* id: 000...042 */
        for (size_t i = 0; i < k; i++)
            text[n++] = '0';
        n += (size_t)snprintf(text + n, cap - n, "42,");
        /* feature 1: 000...02.25 */
        for (size_t i = 0; i < k; i++)
            text[n++] = '0';
        n += (size_t)snprintf(text + n, cap - n, "2.25,-0.5");
        /* feature 2: -0.5000...0 */
        for (size_t i = 0; i < k; i++)
            text[n++] = '0';
        /* feature 3: 0.000...01e(k+1) = 1 */
        n += (size_t)snprintf(text + n, cap - n, ",0.");
        for (size_t i = 0; i < k; i++)
            text[n++] = '0';
        n += (size_t)snprintf(text + n, cap - n, "1e%zu,", k + 1);
        /* feature 4: k digits 1234567890... then e-(k-1) */
        for (size_t i = 0; i < k; i++)
            text[n++] = (char)('0' + (i + 1) % 10);
        n += (size_t)snprintf(text + n, cap - n, "e-%zu,", k - 1);
        /* label: 000...03 */
        for (size_t i = 0; i < k; i++)
            text[n++] = '0';
        n += (size_t)snprintf(text + n, cap - n, "3\n");
        ck_assert_uint_lt(n, cap);
        forget_dataset *ds = NULL;
        ck_assert_msg(load_text(&ds, text, "id=0 label=-1") == FORGET_OK,
                      "k=%zu: %s", k, forget_last_error());
        free(text);
        const float *x = forget_dataset_x(ds);
        ck_assert_uint_eq(forget_dataset_features(ds), 4);
        ck_assert_uint_eq(forget_dataset_ids(ds)[0], 42);
        ck_assert_int_eq(forget_dataset_labels(ds)[0], 3);
        ck_assert_float_eq(x[0], 2.25f);
        ck_assert_float_eq(x[1], -0.5f);
        ck_assert_float_eq(x[2], 1.0f);
        ck_assert_float_eq(x[3], 1.234567890f);
        forget_dataset_free(ds);
    }
}
END_TEST

/* The streaming scanner keeps the old refusals, with their line: quotes,
 * a NUL byte, blanks inside a number, and a field beyond 1 MiB. */
START_TEST(streaming_refusals_name_the_line)
{
    expect_error("0,1,2\n\n1,\"2\",3\n", NULL, FORGET_E_FORMAT,
                 "line 3: quoted");
    expect_error("0,1,2\n1,2 5,3\n", NULL, FORGET_E_FORMAT, "'2 5'");
    write_file(tmp_path("d.csv"), "0,1,2\n1,\0,3\n", 12);
    forget_dataset *ds = NULL;
    ck_assert_int_eq(forget_dataset_load_csv(&ds, tmp_path("d.csv"), NULL),
                     FORGET_E_FORMAT);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "line 2: a NUL"));
    size_t n = (size_t)3 << 19;
    char *big = malloc(n + 8);
    ck_assert_ptr_nonnull(big);
    memcpy(big, "0,1,", 4);
    memset(big + 4, '7', n);
    memcpy(big + 4 + n, "\n", 2);
    expect_error(big, NULL, FORGET_E_FORMAT, "longer than 1048576");
    free(big);
    ck_assert_ptr_null(ds);
}
END_TEST

/* part=r/P: the parts are disjoint, cover every row, and each row is in
 * the part of its id's hash (docs/MPI.md's formula, computed here). */
static uint32_t part_of(uint64_t id, uint32_t p)
{
    uint64_t z = id + 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return (uint32_t)(z % p);
}

START_TEST(part_keeps_the_rows_of_one_rank)
{
    char text[2048] = "";
    for (int i = 0; i < 40; i++) {
        char line[64];
        snprintf(line, sizeof line, "%d,%d,%d.5\n", i % 3, 1000 + 17 * i, i);
        strcat(text, line);
    }
    unsigned seen[40] = {0};
    for (uint32_t r = 0; r < 3; r++) {
        char params[64];
        snprintf(params, sizeof params, "id=1 part=%u/3", r);
        forget_dataset *ds = NULL;
        ck_assert_int_eq(load_text(&ds, text, params), FORGET_OK);
        ck_assert_uint_eq(forget_dataset_classes(ds), 3);
        for (size_t i = 0; i < forget_dataset_rows(ds); i++) {
            uint64_t id = forget_dataset_ids(ds)[i];
            ck_assert_uint_eq(part_of(id, 3), r);
            seen[(id - 1000) / 17]++;
            float x;
            ck_assert_int_eq(forget_dataset_copy_rows(ds, i, 1, &x, 1),
                             FORGET_OK);
            ck_assert(x == (float)((id - 1000) / 17) + 0.5f);
        }
        forget_dataset_free(ds);
    }
    for (int i = 0; i < 40; i++)
        ck_assert_uint_eq(seen[i], 1);
    forget_dataset *ds = NULL;
    ck_assert_int_eq(load_text(&ds, text, "id=1 part=0/1"), FORGET_OK);
    ck_assert_uint_eq(forget_dataset_rows(ds), 40);
    forget_dataset_free(ds);
    const char *bad[] = {"part=3/3", "part=1", "part=-1/2", "part=0/0",
                         "part=a/b", "part=1/2x"};
    for (size_t i = 0; i < 6; i++) {
        ds = NULL;
        ck_assert_int_eq(load_text(&ds, text, bad[i]), FORGET_E_PARAM);
        ck_assert_ptr_null(ds);
        ck_assert_ptr_nonnull(strstr(forget_last_error(), "part"));
    }
}
END_TEST

Suite *suite_csv(void)
{
    Suite *s = suite_create("csv");
    TCase *tc = tcase_create("csv");
    tcase_add_checked_fixture(tc, fixture_init, fixture_shutdown);
    tcase_add_test(tc, loads_labels_features_ids);
    tcase_add_test(tc, part_keeps_the_rows_of_one_rank);
    tcase_add_test(tc, loads_gzip_and_ignores_locale);
    tcase_add_test(tc, errors_name_line_and_column);
    tcase_add_test(tc, loads_large_file);
    tcase_add_test(tc, long_numbers_accepted);
    tcase_add_test(tc, streaming_refusals_name_the_line);
    suite_add_tcase(s, tc);
    return s;
}
