/* Dataset handles: creation, validation, getters, subsets. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "helpers.h"

START_TEST(create_copies_and_derives)
{
    float x[6] = {1, 2, 3, 4, 5, 6};
    int32_t y[3] = {0, 4, 2};
    forget_dataset *ds = NULL;
    ck_assert_int_eq(forget_dataset_create(&ds, 3, 2, x, y, NULL), FORGET_OK);
    x[0] = 99; /* the dataset holds its own copy */
    y[0] = 7;
    ck_assert_uint_eq(forget_dataset_rows(ds), 3);
    ck_assert_uint_eq(forget_dataset_features(ds), 2);
    ck_assert_int_eq(forget_dataset_task(ds), FORGET_TASK_CLASSIFICATION);
    ck_assert_uint_eq(forget_dataset_classes(ds), 5);
    ck_assert_uint_eq(forget_dataset_target_dim(ds), 0);
    ck_assert_float_eq(forget_dataset_x(ds)[0], 1.0f);
    ck_assert_float_eq(forget_dataset_x(ds)[5], 6.0f);
    ck_assert_int_eq(forget_dataset_labels(ds)[0], 0);
    ck_assert_ptr_null(forget_dataset_targets(ds));
    for (uint64_t i = 0; i < 3; i++)
        ck_assert_uint_eq(forget_dataset_ids(ds)[i], i);
    size_t row = 9;
    ck_assert_int_eq(forget_dataset_find(ds, 2, &row), FORGET_OK);
    ck_assert_uint_eq(row, 2);
    ck_assert_int_eq(forget_dataset_find(ds, 3, &row), FORGET_E_NOT_FOUND);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "id 3"));
    ck_assert_uint_eq(row, 2);
    forget_dataset_free(ds);
    forget_dataset_free(NULL);
    ck_assert_uint_eq(forget_dataset_rows(NULL), 0);
    ck_assert_int_eq(forget_dataset_task(NULL), 0);
    ck_assert_ptr_null(forget_dataset_x(NULL));
}
END_TEST

START_TEST(create_regression)
{
    float x[4] = {1, 2, 3, 4};
    float t[4] = {0.5f, -1, 2, 3};
    uint64_t ids[2] = {UINT64_MAX, 7};
    forget_dataset *ds = NULL;
    ck_assert_int_eq(forget_dataset_create_regression(&ds, 2, 2, x, t, 2, ids),
                     FORGET_OK);
    ck_assert_int_eq(forget_dataset_task(ds), FORGET_TASK_REGRESSION);
    ck_assert_uint_eq(forget_dataset_target_dim(ds), 2);
    ck_assert_uint_eq(forget_dataset_classes(ds), 0);
    ck_assert_ptr_null(forget_dataset_labels(ds));
    ck_assert_float_eq(forget_dataset_targets(ds)[3], 3.0f);
    size_t row;
    ck_assert_int_eq(forget_dataset_find(ds, UINT64_MAX, &row), FORGET_OK);
    ck_assert_uint_eq(row, 0);
    forget_dataset *sub = NULL;
    ck_assert_int_eq(forget_dataset_subset_class(&sub, ds, 0),
                     FORGET_E_INVALID);
    ck_assert_int_eq(forget_dataset_subset_ids(&sub, ds, &ids[1], 1),
                     FORGET_OK);
    ck_assert_float_eq(forget_dataset_targets(sub)[0], 2.0f);
    ck_assert_float_eq(forget_dataset_targets(sub)[1], 3.0f);
    forget_dataset_free(sub);
    forget_dataset_free(ds);

    t[1] = NAN;
    ck_assert_int_eq(forget_dataset_create_regression(&ds, 2, 2, x, t, 2,
                                                      NULL), FORGET_E_INVALID);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "row 0, target 1"));
    t[1] = 0;
    ck_assert_int_eq(forget_dataset_create_regression(&ds, 2, 2, x, t, 0,
                                                      NULL), FORGET_E_INVALID);
    ck_assert_int_eq(forget_dataset_create_regression(&ds, 2, 2, x, NULL, 1,
                                                      NULL), FORGET_E_INVALID);
}
END_TEST

START_TEST(create_rejects_bad_input)
{
    float x[6] = {1, 2, 3, 4, 5, 6};
    int32_t y[3] = {0, 1, 2};
    uint64_t ids[3] = {5, 9, 5};
    forget_dataset *ds = (forget_dataset *)&ds, *sentinel = ds;
    ck_assert_int_eq(forget_dataset_create(&ds, 3, 2, x, y, ids),
                     FORGET_E_INVALID);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "id 5"));
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "rows 0 and 2"));
    x[3] = NAN;
    ck_assert_int_eq(forget_dataset_create(&ds, 3, 2, x, y, NULL),
                     FORGET_E_INVALID);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "row 1, feature 1 is NaN"));
    x[3] = -INFINITY;
    ck_assert_int_eq(forget_dataset_create(&ds, 3, 2, x, y, NULL),
                     FORGET_E_INVALID);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "infinite"));
    x[3] = 0;
    y[2] = -1;
    ck_assert_int_eq(forget_dataset_create(&ds, 3, 2, x, y, NULL),
                     FORGET_E_INVALID);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "negative label"));
    y[2] = 0;
    ck_assert_int_eq(forget_dataset_create(&ds, 3, 0, x, y, NULL),
                     FORGET_E_INVALID);
    ck_assert_int_eq(forget_dataset_create(&ds, 3, 2, NULL, y, NULL),
                     FORGET_E_INVALID);
    ck_assert_int_eq(forget_dataset_create(&ds, 3, 2, x, NULL, NULL),
                     FORGET_E_INVALID);
    ck_assert_int_eq(forget_dataset_create(NULL, 3, 2, x, y, NULL),
                     FORGET_E_INVALID);
    /* Hostile sizes: n * d overflows; nothing is read or allocated. */
    ck_assert_int_eq(forget_dataset_create(&ds, SIZE_MAX / 2, 4, x, y, NULL),
                     FORGET_E_INVALID);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "overflow"));
    ck_assert_ptr_eq(ds, sentinel);
    /* Empty datasets are allowed. */
    ck_assert_int_eq(forget_dataset_create(&ds, 0, 3, NULL, NULL, NULL),
                     FORGET_OK);
    ck_assert_uint_eq(forget_dataset_rows(ds), 0);
    ck_assert_ptr_null(forget_dataset_x(ds));
    forget_dataset_free(ds);
}
END_TEST

static void assert_row_of(const forget_dataset *sub, size_t i,
                          const forget_dataset *ds, uint64_t id)
{
    size_t row;
    size_t d = forget_dataset_features(ds);
    ck_assert_int_eq(forget_dataset_find(ds, id, &row), FORGET_OK);
    ck_assert_uint_eq(forget_dataset_ids(sub)[i], id);
    ck_assert_int_eq(forget_dataset_labels(sub)[i],
                     forget_dataset_labels(ds)[row]);
    ck_assert_mem_eq(forget_dataset_x(sub) + i * d,
                     forget_dataset_x(ds) + row * d, d * sizeof(float));
}

START_TEST(subset_by_ids_keeps_source_order)
{
    forget_dataset *ds = make_dataset(50, 4, 5), *sub = NULL, *rest = NULL;
    uint64_t ids[4] = {140, 103, 149, 100};
    ck_assert_int_eq(forget_dataset_subset_ids(&sub, ds, ids, 4), FORGET_OK);
    ck_assert_uint_eq(forget_dataset_rows(sub), 4);
    ck_assert_uint_eq(forget_dataset_classes(sub), 5);
    const uint64_t order[4] = {100, 103, 140, 149};
    for (size_t i = 0; i < 4; i++)
        assert_row_of(sub, i, ds, order[i]);
    size_t row;
    ck_assert_int_eq(forget_dataset_find(sub, 149, &row), FORGET_OK);
    ck_assert_uint_eq(row, 3);

    ck_assert_int_eq(forget_dataset_exclude_ids(&rest, ds, ids, 4), FORGET_OK);
    ck_assert_uint_eq(forget_dataset_rows(rest), 46);
    for (size_t i = 0; i < 4; i++)
        ck_assert_int_eq(forget_dataset_find(rest, ids[i], &row),
                         FORGET_E_NOT_FOUND);
    for (size_t i = 0; i < 46; i++)
        assert_row_of(rest, i, ds, forget_dataset_ids(rest)[i]);
    forget_dataset *again = NULL;
    ck_assert_int_eq(forget_dataset_complement(&again, ds, sub), FORGET_OK);
    ck_assert_uint_eq(forget_dataset_rows(again), 46);
    ck_assert_mem_eq(forget_dataset_ids(again), forget_dataset_ids(rest),
                     46 * sizeof(uint64_t));
    ck_assert_mem_eq(forget_dataset_x(again), forget_dataset_x(rest),
                     46 * 4 * sizeof(float));
    forget_dataset_free(again);
    forget_dataset_free(rest);
    forget_dataset_free(sub);
    forget_dataset_free(ds);
}
END_TEST

START_TEST(subset_errors_name_the_id)
{
    forget_dataset *ds = make_dataset(10, 2, 2);
    forget_dataset *out = (forget_dataset *)&out, *sentinel = out;
    uint64_t missing[3] = {101, 5, 102};
    ck_assert_int_eq(forget_dataset_subset_ids(&out, ds, missing, 3),
                     FORGET_E_NOT_FOUND);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "sample id 5 (entry 1"));
    ck_assert_int_eq(forget_dataset_exclude_ids(&out, ds, missing, 3),
                     FORGET_E_NOT_FOUND);
    uint64_t twice[3] = {101, 102, 101};
    ck_assert_int_eq(forget_dataset_subset_ids(&out, ds, twice, 3),
                     FORGET_E_INVALID);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "101 is listed twice"));
    ck_assert_int_eq(forget_dataset_subset_ids(&out, ds, NULL, 2),
                     FORGET_E_INVALID);
    ck_assert_int_eq(forget_dataset_subset_ids(&out, NULL, twice, 1),
                     FORGET_E_INVALID);
    ck_assert_int_eq(forget_dataset_complement(&out, ds, NULL),
                     FORGET_E_INVALID);
    forget_dataset *other = make_dataset(12, 2, 2); /* ids 110, 111 absent */
    ck_assert_int_eq(forget_dataset_complement(&out, ds, other),
                     FORGET_E_NOT_FOUND);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "110"));
    ck_assert_ptr_eq(out, sentinel);
    forget_dataset_free(other);
    forget_dataset_free(ds);
}
END_TEST

START_TEST(subset_by_class_and_slice)
{
    forget_dataset *ds = make_dataset(23, 3, 4), *c = NULL, *s = NULL;
    ck_assert_int_eq(forget_dataset_subset_class(&c, ds, 3), FORGET_OK);
    ck_assert_uint_eq(forget_dataset_rows(c), 5); /* 3, 7, 11, 15, 19 */
    ck_assert_uint_eq(forget_dataset_classes(c), 4);
    for (size_t i = 0; i < 5; i++) {
        ck_assert_int_eq(forget_dataset_labels(c)[i], 3);
        ck_assert_uint_eq(forget_dataset_ids(c)[i], 103 + 4 * i);
    }
    forget_dataset_free(c);
    ck_assert_int_eq(forget_dataset_subset_class(&c, ds, 9), FORGET_OK);
    ck_assert_uint_eq(forget_dataset_rows(c), 0);
    forget_dataset_free(c);
    c = NULL;
    ck_assert_int_eq(forget_dataset_subset_class(&c, ds, -1),
                     FORGET_E_INVALID);
    ck_assert_ptr_null(c);

    ck_assert_int_eq(forget_dataset_slice(&s, ds, 20, 23), FORGET_OK);
    ck_assert_uint_eq(forget_dataset_rows(s), 3);
    for (size_t i = 0; i < 3; i++)
        assert_row_of(s, i, ds, 120 + i);
    forget_dataset_free(s);
    ck_assert_int_eq(forget_dataset_slice(&s, ds, 5, 5), FORGET_OK);
    ck_assert_uint_eq(forget_dataset_rows(s), 0);
    forget_dataset_free(s);
    s = NULL;
    ck_assert_int_eq(forget_dataset_slice(&s, ds, 5, 24), FORGET_E_INVALID);
    ck_assert_int_eq(forget_dataset_slice(&s, ds, 6, 5), FORGET_E_INVALID);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "[6, 5)"));
    ck_assert_ptr_null(s);
    forget_dataset_free(ds);
}
END_TEST

Suite *suite_dataset(void)
{
    Suite *s = suite_create("dataset");
    TCase *tc = tcase_create("dataset");
    tcase_add_checked_fixture(tc, fixture_init, fixture_shutdown);
    tcase_add_test(tc, create_copies_and_derives);
    tcase_add_test(tc, create_regression);
    tcase_add_test(tc, create_rejects_bad_input);
    tcase_add_test(tc, subset_by_ids_keeps_source_order);
    tcase_add_test(tc, subset_errors_name_the_id);
    tcase_add_test(tc, subset_by_class_and_slice);
    suite_add_tcase(s, tc);
    return s;
}
