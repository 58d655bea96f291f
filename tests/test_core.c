/* Version, status codes and messages, init/shutdown, threads, allocator. */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"

START_TEST(version_matches_header)
{
    char expect[32];
    snprintf(expect, sizeof expect, "%d.%d.%d", FORGET_VERSION_MAJOR,
             FORGET_VERSION_MINOR, FORGET_VERSION_PATCH);
    ck_assert_str_eq(forget_version_string(), expect);
    ck_assert_str_eq(FORGET_VERSION_STRING, expect);
    ck_assert_uint_eq(forget_version_number(), FORGET_VERSION_NUMBER);
    ck_assert_uint_eq(FORGET_VERSION_NUMBER,
                      FORGET_VERSION_MAJOR * 10000 +
                          FORGET_VERSION_MINOR * 100 + FORGET_VERSION_PATCH);
}
END_TEST

START_TEST(strerror_distinct_for_every_code)
{
    const char *unknown = forget_strerror(-9999);
    ck_assert_str_eq(unknown, "unknown error code");
    ck_assert_str_eq(forget_strerror(1), unknown);
    for (int a = 0; a >= FORGET_E_INTERNAL; a--) {
        ck_assert_str_ne(forget_strerror(a), unknown);
        for (int b = a - 1; b >= FORGET_E_INTERNAL; b--)
            ck_assert_str_ne(forget_strerror(a), forget_strerror(b));
    }
    /* The numbers are part of the ABI. */
    ck_assert_int_eq(FORGET_E_INVALID, -1);
    ck_assert_int_eq(FORGET_E_NOMEM, -2);
    ck_assert_int_eq(FORGET_E_FORMAT, -4);
    ck_assert_int_eq(FORGET_E_NOT_FOUND, -5);
    ck_assert_int_eq(FORGET_E_CANCELED, -9);
    ck_assert_int_eq(FORGET_E_PARAM, -12);
}
END_TEST

static void *fail_in_thread(void *arg)
{
    (void)arg;
    static char seen[256];
    /* A fresh thread starts with no message. */
    snprintf(seen, sizeof seen, "[%s]", forget_last_error());
    forget_set_threads(-5);
    return seen;
}

START_TEST(last_error_is_per_thread)
{
    ck_assert_int_eq(forget_set_threads(2000), FORGET_E_INVALID);
    ck_assert_int_eq(forget_last_error_code(), FORGET_E_INVALID);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "2000"));
    pthread_t t;
    void *seen;
    ck_assert_int_eq(pthread_create(&t, NULL, fail_in_thread, NULL), 0);
    ck_assert_int_eq(pthread_join(t, &seen), 0);
    ck_assert_str_eq((const char *)seen, "[]");
    /* The other thread's failure (-5) did not overwrite ours (2000). */
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "2000"));
    ck_assert_ptr_null(strstr(forget_last_error(), "-5"));
}
END_TEST

START_TEST(set_error_copies_and_truncates)
{
    char big[3000];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    ck_assert_int_eq(forget_set_error(FORGET_E_IO, big), FORGET_E_IO);
    ck_assert_uint_eq(strlen(forget_last_error()), 1023);
    ck_assert_int_eq(forget_set_error(FORGET_E_NUMERIC, NULL),
                     FORGET_E_NUMERIC);
    ck_assert_str_eq(forget_last_error(), forget_strerror(FORGET_E_NUMERIC));
}
END_TEST

START_TEST(init_is_required_and_counted)
{
    forget_dataset *ds = NULL;
    float x[2] = {1, 2};
    int32_t y[1] = {0};
    ck_assert_int_eq(forget_dataset_create(&ds, 1, 2, x, y, NULL),
                     FORGET_E_STATE);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "forget_init"));
    ck_assert_ptr_null(ds);
    ck_assert_uint_eq(forget_method_count(), 0);
    ck_assert_ptr_null(forget_method_name(0));
    ck_assert_int_eq(forget_shutdown(), FORGET_E_STATE);

    ck_assert_int_eq(forget_init(), FORGET_OK);
    ck_assert_int_eq(forget_init(), FORGET_OK);
    ck_assert_int_eq(forget_dataset_create(&ds, 1, 2, x, y, NULL), FORGET_OK);
    ck_assert_int_eq(forget_shutdown(), FORGET_OK); /* 2 -> 1 */
    /* The last shutdown is refused while an object lives. */
    ck_assert_int_eq(forget_shutdown(), FORGET_E_STATE);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "1 objects"));
    ck_assert_uint_eq(forget_dataset_rows(ds), 1);
    forget_dataset_free(ds);
    ck_assert_int_eq(forget_shutdown(), FORGET_OK);
    ck_assert_int_eq(forget_shutdown(), FORGET_E_STATE);
    /* And it can start again. */
    ck_assert_int_eq(forget_init(), FORGET_OK);
    ck_assert_int_eq(forget_shutdown(), FORGET_OK);
}
END_TEST

START_TEST(threads_setting)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    ck_assert_int_eq(forget_get_threads(), (int32_t)(cpus < 1 ? 1 : cpus));
    ck_assert_int_eq(forget_set_threads(3), FORGET_OK);
    ck_assert_int_eq(forget_get_threads(), 3);
    ck_assert_int_eq(forget_set_threads(-1), FORGET_E_INVALID);
    ck_assert_int_eq(forget_set_threads(1025), FORGET_E_INVALID);
    ck_assert_int_eq(forget_get_threads(), 3); /* unchanged by failures */
    ck_assert_int_eq(forget_set_threads(1024), FORGET_OK);
    ck_assert_int_eq(forget_get_threads(), 1024);
    ck_assert_int_eq(forget_set_threads(0), FORGET_OK);
    ck_assert_int_eq(forget_get_threads(), (int32_t)(cpus < 1 ? 1 : cpus));
}
END_TEST

START_TEST(allocator_hooks_see_every_allocation)
{
    test_alloc_install();
    ck_assert_int_eq(forget_init(), FORGET_OK);
    forget_dataset *ds = make_dataset(10, 3, 2);
    forget_dataset *sub = NULL;
    uint64_t ids[2] = {101, 105};
    ck_assert_int_eq(forget_dataset_subset_ids(&sub, ds, ids, 2), FORGET_OK);
    ck_assert_int_gt(g_alloc.calls, 4);
    ck_assert_int_gt(g_alloc.live, 0);
    /* Refused while allocations are alive, and the hooks stay. */
    ck_assert_int_eq(forget_set_allocator(NULL, NULL, NULL, NULL),
                     FORGET_E_STATE);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "alive"));
    forget_dataset_free(sub);
    forget_dataset_free(ds);
    ck_assert_int_eq(g_alloc.live, 0);
    ck_assert_int_eq(forget_shutdown(), FORGET_OK);
    test_alloc_uninstall();
}
END_TEST

static void *dummy_malloc(size_t s, void *u)
{
    (void)s;
    (void)u;
    return NULL;
}

START_TEST(allocator_needs_all_hooks)
{
    ck_assert_int_eq(forget_set_allocator(dummy_malloc, NULL, NULL, NULL),
                     FORGET_E_INVALID);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "three"));
    ck_assert_int_eq(forget_set_allocator(NULL, NULL, NULL, NULL), FORGET_OK);
}
END_TEST

/* forget_blas_info names the BLAS that is really loaded: OpenBLAS when
 * its own functions are there, the reference BLAS when no optimised
 * BLAS's are (CI runs the suites under both Debian alternatives). */
START_TEST(blas_info_names_the_loaded_blas)
{
    const char *info = forget_blas_info();
    ck_assert_ptr_nonnull(info);
    ck_assert_uint_gt(strlen(info), 0);
    int openblas = dlsym(RTLD_DEFAULT, "openblas_get_config") != NULL;
    int other = dlsym(RTLD_DEFAULT, "mkl_get_max_threads") != NULL ||
                dlsym(RTLD_DEFAULT, "bli_thread_get_num_threads") != NULL;
    ck_assert_int_eq(strncmp(info, "OpenBLAS", 8) == 0, openblas);
    ck_assert_int_eq(strncmp(info, "reference BLAS", 14) == 0,
                     !openblas && !other);
    char first[512];
    snprintf(first, sizeof first, "%s", info);
    ck_assert_str_eq(forget_blas_info(), first); /* the same each call */
}
END_TEST

Suite *suite_core(void)
{
    Suite *s = suite_create("core");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, version_matches_header);
    tcase_add_test(tc, strerror_distinct_for_every_code);
    tcase_add_test(tc, last_error_is_per_thread);
    tcase_add_test(tc, set_error_copies_and_truncates);
    tcase_add_test(tc, init_is_required_and_counted);
    tcase_add_test(tc, threads_setting);
    tcase_add_test(tc, blas_info_names_the_loaded_blas);
    tcase_add_test(tc, allocator_hooks_see_every_allocation);
    tcase_add_test(tc, allocator_needs_all_hooks);
    suite_add_tcase(s, tc);
    return s;
}
