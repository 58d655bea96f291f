/* The method registry: registration rules, lookup, enumeration. */
#include <stdio.h>
#include <string.h>

#include "helpers.h"

static size_t g_builtins; /* methods registered by forget_init */

static void setup(void)
{
    fixture_init();
    g_builtins = forget_method_count();
}

static forget_method copy_of_toy(const char *name)
{
    forget_method m = *toy_method();
    m.name = name;
    return m;
}

START_TEST(builtins_are_listed)
{
    ck_assert_uint_ge(g_builtins, 1);
    ck_assert_str_eq(forget_method_name(0), "ssd");
    uint32_t flags = 99;
    ck_assert_int_eq(forget_method_describe("ssd", NULL, &flags), FORGET_OK);
    ck_assert_uint_eq(flags & FORGET_METHOD_EXACT, 0);
    size_t n = 0;
    ck_assert_int_eq(forget_method_param_count("ssd", &n), FORGET_OK);
    ck_assert_uint_eq(n, 12);
    /* Every built-in parameter has a doc line and a default. */
    for (size_t i = 0; i < g_builtins; i++) {
        const char *name = forget_method_name(i);
        ck_assert_int_eq(forget_method_param_count(name, &n), FORGET_OK);
        for (size_t j = 0; j < n; j++) {
            const forget_param_def *def = NULL;
            ck_assert_int_eq(forget_method_param(name, j, &def), FORGET_OK);
            ck_assert_ptr_nonnull(def->doc);
            ck_assert_uint_gt(strlen(def->doc), 10);
        }
    }
}
END_TEST

START_TEST(register_find_enumerate)
{
    size_t before = forget_method_count();
    ck_assert_int_eq(forget_register_method(toy_method()), FORGET_OK);
    ck_assert_uint_eq(forget_method_count(), before + 1);
    ck_assert_str_eq(forget_method_name(before), "toy");
    ck_assert_ptr_null(forget_method_name(before + 1));

    const char *desc = NULL;
    uint32_t flags = 0;
    ck_assert_int_eq(forget_method_describe("toy", &desc, &flags), FORGET_OK);
    ck_assert_str_eq(desc, "a toy method for the tests");
    ck_assert_uint_eq(flags, FORGET_METHOD_NO_MODEL | FORGET_METHOD_EXACT);

    size_t n = 0;
    ck_assert_int_eq(forget_method_param_count("toy", &n), FORGET_OK);
    ck_assert_uint_eq(n, 2);
    const forget_param_def *def = NULL;
    ck_assert_int_eq(forget_method_param("toy", 0, &def), FORGET_OK);
    ck_assert_str_eq(def->name, "scale");
    ck_assert_int_eq(def->type, FORGET_PARAM_DOUBLE);
    ck_assert_str_eq(def->default_value, "1.5");
    ck_assert_double_eq(def->min, 0.0);
    ck_assert_double_eq(def->max, 10.0);
    ck_assert_int_eq(forget_method_param("toy", 1, &def), FORGET_OK);
    ck_assert_str_eq(def->name, "mode");
    ck_assert_str_eq(def->choices, "fast|slow");
    const forget_param_def *untouched = def;
    ck_assert_int_eq(forget_method_param("toy", 2, &def), FORGET_E_NOT_FOUND);
    ck_assert_ptr_eq(def, untouched);

    ck_assert_int_eq(forget_method_describe("nope", &desc, NULL),
                     FORGET_E_NOT_FOUND);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "'nope'"));
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "toy"));
    ck_assert_int_eq(forget_method_describe(NULL, &desc, NULL),
                     FORGET_E_INVALID);
    ck_assert_int_eq(forget_method_param_count("toy", NULL),
                     FORGET_E_INVALID);
}
END_TEST

START_TEST(register_rejects_bad_tables)
{
    forget_method m = copy_of_toy("toy");
    ck_assert_int_eq(forget_register_method(NULL), FORGET_E_INVALID);
    ck_assert_int_eq(forget_register_method(&m), FORGET_OK);
    ck_assert_int_eq(forget_register_method(&m), FORGET_E_EXISTS);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "'toy'"));

    m = copy_of_toy("other");
    m.abi_version = 2 * 65536;
    ck_assert_int_eq(forget_register_method(&m), FORGET_E_VERSION);
    m.abi_version = FORGET_BACKEND_ABI_VERSION + 7; /* a newer minor: fine */
    m.struct_size = offsetof(forget_method, destroy);
    ck_assert_int_eq(forget_register_method(&m), FORGET_E_VERSION);
    m.struct_size = sizeof m;
    m.forget = NULL;
    ck_assert_int_eq(forget_register_method(&m), FORGET_E_INVALID);
    m = copy_of_toy("Bad Name");
    ck_assert_int_eq(forget_register_method(&m), FORGET_E_INVALID);
    m = copy_of_toy("");
    ck_assert_int_eq(forget_register_method(&m), FORGET_E_INVALID);
    m = copy_of_toy(NULL);
    ck_assert_int_eq(forget_register_method(&m), FORGET_E_INVALID);
    forget_param_def bad = {"x", FORGET_PARAM_INT, "oops", 0, -1, NULL, ""};
    m = copy_of_toy("other");
    m.params = &bad;
    m.n_params = 1;
    ck_assert_int_eq(forget_register_method(&m), FORGET_E_INVALID);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "method 'other'"));
    m.param_def_size = sizeof bad - 1;
    ck_assert_int_eq(forget_register_method(&m), FORGET_E_VERSION);
    /* None of the failures registered anything. */
    ck_assert_uint_eq(forget_method_count(), g_builtins + 1);
    m = copy_of_toy("other");
    ck_assert_int_eq(forget_register_method(&m), FORGET_OK);
    ck_assert_uint_eq(forget_method_count(), g_builtins + 2);
}
END_TEST

/* An older (smaller) table is accepted by its struct_size, with the
 * missing optional fields read as zero; a newer (larger) one by the prefix
 * this library knows. */
START_TEST(register_accepts_older_and_newer_tables)
{
    struct {
        forget_method m;
        char future[32];
    } newer;
    memset(&newer, 0x5a, sizeof newer);
    newer.m = copy_of_toy("newer");
    newer.m.struct_size = sizeof newer;
    ck_assert_int_eq(forget_register_method(&newer.m), FORGET_OK);

    forget_method older = copy_of_toy("older");
    older.user_data = (void *)&older; /* beyond struct_size: must be ignored */
    older.struct_size = offsetof(forget_method, user_data);
    ck_assert_int_eq(forget_register_method(&older), FORGET_OK);
    forget_unlearner *u = NULL;
    ck_assert_int_eq(forget_unlearner_create(&u, "older", NULL, NULL),
                     FORGET_OK);
    ck_assert_str_eq(forget_unlearner_method(u), "older");
    ck_assert_ptr_null(g_toy_user_data);
    forget_unlearner_free(u);

    forget_method full = copy_of_toy("full");
    full.user_data = &full;
    ck_assert_int_eq(forget_register_method(&full), FORGET_OK);
    ck_assert_int_eq(forget_unlearner_create(&u, "full", NULL, NULL),
                     FORGET_OK);
    ck_assert_ptr_eq(g_toy_user_data, &full);
    forget_unlearner_free(u);
}
END_TEST

START_TEST(registry_full_and_cleared_at_shutdown)
{
    char names[70][16];
    int registered = 0, rc = FORGET_OK;
    for (int i = 0; i < 70 && rc == FORGET_OK; i++) {
        snprintf(names[i], sizeof names[i], "m%d", i);
        forget_method m = copy_of_toy(names[i]);
        rc = forget_register_method(&m);
        registered += rc == FORGET_OK;
    }
    ck_assert_int_eq(rc, FORGET_E_NOMEM);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "full"));
    ck_assert_uint_eq(forget_method_count(), g_builtins + (size_t)registered);
    ck_assert_int_eq(registered, 64 - (int)g_builtins);
    /* The last shutdown forgets the hosts' methods. */
    ck_assert_int_eq(forget_shutdown(), FORGET_OK);
    ck_assert_int_eq(forget_register_method(toy_method()), FORGET_E_STATE);
    ck_assert_int_eq(forget_init(), FORGET_OK);
    ck_assert_int_eq(forget_method_describe("m0", NULL, NULL),
                     FORGET_E_NOT_FOUND);
}
END_TEST

Suite *suite_registry(void)
{
    Suite *s = suite_create("registry");
    TCase *tc = tcase_create("registry");
    tcase_add_checked_fixture(tc, setup, fixture_shutdown);
    tcase_add_test(tc, builtins_are_listed);
    tcase_add_test(tc, register_find_enumerate);
    tcase_add_test(tc, register_rejects_bad_tables);
    tcase_add_test(tc, register_accepts_older_and_newer_tables);
    tcase_add_test(tc, registry_full_and_cleared_at_shutdown);
    suite_add_tcase(s, tc);
    return s;
}
