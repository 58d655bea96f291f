/* Parameter strings against declared tables, without the locale. */
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "helpers.h"

static const forget_param_def defs[] = {
    {"alpha", FORGET_PARAM_DOUBLE, "10", 0.0, 1000.0, NULL, "threshold"},
    {"epochs", FORGET_PARAM_INT, "5", 1, 100, NULL, "passes"},
    {"shuffle", FORGET_PARAM_BOOL, "true", 0, -1, NULL, "shuffle rows"},
    {"mode", FORGET_PARAM_ENUM, "sample", 0, -1, "sample|batch", "mode"},
    {"store", FORGET_PARAM_STRING, "memory", 0, -1, NULL, "where"},
    {"layers", FORGET_PARAM_STRING, NULL, 0, -1, NULL, "required"},
    {"big", FORGET_PARAM_INT, "0", 1, 0, NULL, "no range"},
};
#define NDEFS (sizeof defs / sizeof *defs)

static forget_params *parse_ok(const char *text)
{
    forget_params *p = NULL;
    int rc = forget_params_parse(&p, defs, NDEFS, sizeof *defs, "test", text);
    ck_assert_msg(rc == FORGET_OK, "'%s': %s", text, forget_last_error());
    return p;
}

/* Parse must fail with code and a message containing each of the words. */
static void parse_fails(const char *text, int code, const char *w1,
                        const char *w2)
{
    forget_params *p = (forget_params *)&p; /* a sentinel */
    forget_params *before = p;
    int rc = forget_params_parse(&p, defs, NDEFS, sizeof *defs, "test", text);
    ck_assert_msg(rc == code, "'%s' gave %d (%s), expected %d", text, rc,
                  forget_last_error(), code);
    ck_assert_ptr_eq(p, before);
    ck_assert_msg(strstr(forget_last_error(), w1) != NULL,
                  "'%s': message '%s' lacks '%s'", text, forget_last_error(),
                  w1);
    if (w2)
        ck_assert_msg(strstr(forget_last_error(), w2) != NULL,
                      "'%s': message '%s' lacks '%s'", text,
                      forget_last_error(), w2);
}

START_TEST(defaults_and_given_values)
{
    forget_params *p = parse_ok("layers=784-10");
    double a;
    int64_t e;
    int b, given;
    size_t m;
    const char *s;
    ck_assert_int_eq(forget_params_double(p, "alpha", &a), FORGET_OK);
    ck_assert_double_eq(a, 10.0);
    ck_assert_int_eq(forget_params_int(p, "epochs", &e), FORGET_OK);
    ck_assert_int_eq(e, 5);
    ck_assert_int_eq(forget_params_bool(p, "shuffle", &b), FORGET_OK);
    ck_assert_int_eq(b, 1);
    ck_assert_int_eq(forget_params_enum(p, "mode", &m), FORGET_OK);
    ck_assert_uint_eq(m, 0);
    ck_assert_int_eq(forget_params_string(p, "layers", &s), FORGET_OK);
    ck_assert_str_eq(s, "784-10");
    ck_assert_int_eq(forget_params_given(p, "layers", &given), FORGET_OK);
    ck_assert_int_eq(given, 1);
    ck_assert_int_eq(forget_params_given(p, "alpha", &given), FORGET_OK);
    ck_assert_int_eq(given, 0);
    forget_params_free(p);

    p = parse_ok(" alpha=2.5e-1,epochs=+7\tshuffle=off, mode=batch "
                 "store=\"/tmp/a dir/\\\"q\\\\\" layers=x big=-9223372036854775808");
    ck_assert_int_eq(forget_params_double(p, "alpha", &a), FORGET_OK);
    ck_assert_double_eq(a, 0.25);
    ck_assert_int_eq(forget_params_int(p, "epochs", &e), FORGET_OK);
    ck_assert_int_eq(e, 7);
    ck_assert_int_eq(forget_params_bool(p, "shuffle", &b), FORGET_OK);
    ck_assert_int_eq(b, 0);
    ck_assert_int_eq(forget_params_enum(p, "mode", &m), FORGET_OK);
    ck_assert_uint_eq(m, 1);
    ck_assert_int_eq(forget_params_string(p, "store", &s), FORGET_OK);
    ck_assert_str_eq(s, "/tmp/a dir/\"q\\");
    ck_assert_int_eq(forget_params_int(p, "big", &e), FORGET_OK);
    ck_assert_int_eq(e, INT64_MIN);
    /* Every type's text is readable; a double getter reads ints. */
    ck_assert_int_eq(forget_params_string(p, "epochs", &s), FORGET_OK);
    ck_assert_str_eq(s, "+7");
    ck_assert_int_eq(forget_params_double(p, "epochs", &a), FORGET_OK);
    ck_assert_double_eq(a, 7.0);
    forget_params_free(p);
}
END_TEST

START_TEST(getter_errors)
{
    forget_params *p = parse_ok("layers=1");
    int64_t e = 42;
    int b;
    ck_assert_int_eq(forget_params_int(p, "nope", &e), FORGET_E_NOT_FOUND);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "nope"));
    ck_assert_int_eq(forget_params_int(p, "alpha", &e), FORGET_E_INVALID);
    ck_assert_int_eq(e, 42);
    ck_assert_int_eq(forget_params_bool(p, "mode", &b), FORGET_E_INVALID);
    ck_assert_int_eq(forget_params_int(NULL, "alpha", &e), FORGET_E_INVALID);
    ck_assert_int_eq(forget_params_int(p, NULL, &e), FORGET_E_INVALID);
    ck_assert_int_eq(forget_params_int(p, "epochs", NULL), FORGET_E_INVALID);
    forget_params_free(p);
    forget_params_free(NULL);
}
END_TEST

START_TEST(errors_name_the_key)
{
    parse_fails("layers=1 alpah=3", FORGET_E_PARAM, "'alpah' is unknown",
                "known: alpha, epochs, shuffle, mode, store, layers, big");
    parse_fails("layers=1 alpha=1 alpha=2", FORGET_E_PARAM, "'alpha'",
                "twice");
    parse_fails("layers=1 epochs=1.5", FORGET_E_PARAM, "'epochs'",
                "not an integer");
    parse_fails("layers=1 epochs=0", FORGET_E_PARAM, "'epochs'", "outside");
    parse_fails("layers=1 epochs=101", FORGET_E_PARAM, "[1, 100]", NULL);
    parse_fails("layers=1 big=9223372036854775808", FORGET_E_PARAM, "'big'",
                "too large");
    parse_fails("layers=1 alpha=1,5", FORGET_E_PARAM, "'5'", "key=value");
    parse_fails("layers=1 alpha=nan", FORGET_E_PARAM, "'alpha'", "finite");
    parse_fails("layers=1 alpha=inf", FORGET_E_PARAM, "'alpha'", "finite");
    parse_fails("layers=1 alpha=0x10", FORGET_E_PARAM, "'alpha'", NULL);
    parse_fails("layers=1 alpha=1e999", FORGET_E_PARAM, "'alpha'", NULL);
    parse_fails("layers=1 alpha=-1", FORGET_E_PARAM, "outside", NULL);
    parse_fails("layers=1 alpha=", FORGET_E_PARAM, "'alpha'", NULL);
    parse_fails("layers=1 shuffle=maybe", FORGET_E_PARAM, "'shuffle'",
                "true or false");
    parse_fails("layers=1 mode=full", FORGET_E_PARAM, "'mode'",
                "sample|batch");
    parse_fails("alpha=1", FORGET_E_PARAM, "'layers' is required", NULL);
    parse_fails("layers=1 alpha", FORGET_E_PARAM, "key=value", "alpha");
    parse_fails("layers=1 =5", FORGET_E_PARAM, "key=value", NULL);
    parse_fails("layers=\"abc", FORGET_E_PARAM, "unterminated", NULL);
    parse_fails("layers=\"a\"b", FORGET_E_PARAM, "closing quote", NULL);
}
END_TEST

START_TEST(table_validation)
{
    forget_params *p = NULL;
    forget_param_def bad[2] = {
        {"x", FORGET_PARAM_INT, "12", 0, 10, NULL, "default out of range"},
        {"y", FORGET_PARAM_INT, "1", 0, 10, NULL, ""},
    };
    ck_assert_int_eq(forget_params_parse(&p, bad, 2, sizeof *bad, "t", ""),
                     FORGET_E_INVALID);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "default"));
    bad[0].default_value = "1";
    bad[1].name = "x";
    ck_assert_int_eq(forget_params_parse(&p, bad, 2, sizeof *bad, "t", ""),
                     FORGET_E_INVALID);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "twice"));
    bad[1].name = "Y Z";
    ck_assert_int_eq(forget_params_parse(&p, bad, 2, sizeof *bad, "t", ""),
                     FORGET_E_INVALID);
    bad[1].name = "y";
    bad[1].type = FORGET_PARAM_ENUM;
    ck_assert_int_eq(forget_params_parse(&p, bad, 2, sizeof *bad, "t", ""),
                     FORGET_E_INVALID);
    bad[1].type = 99;
    ck_assert_int_eq(forget_params_parse(&p, bad, 2, sizeof *bad, "t", ""),
                     FORGET_E_INVALID);
    bad[1].type = FORGET_PARAM_INT;
    ck_assert_int_eq(forget_params_parse(&p, bad, 2, sizeof *bad - 8, "t",
                                         ""), FORGET_E_VERSION);
    ck_assert_int_eq(forget_params_parse(&p, NULL, 2, sizeof *bad, "t", ""),
                     FORGET_E_INVALID);
    ck_assert_ptr_null(p);
    /* A larger element size (a newer header) is read with its stride. */
    struct {
        forget_param_def def;
        double extra;
    } wide[2] = {{bad[0], 1.0}, {bad[1], 2.0}};
    ck_assert_int_eq(forget_params_parse(&p, &wide[0].def, 2, sizeof *wide,
                                         "t", "y=3"), FORGET_OK);
    int64_t v;
    ck_assert_int_eq(forget_params_int(p, "y", &v), FORGET_OK);
    ck_assert_int_eq(v, 3);
    forget_params_free(p);
    /* An empty table accepts only the empty string. */
    ck_assert_int_eq(forget_params_parse(&p, NULL, 0, sizeof *bad, "t", " ,"),
                     FORGET_OK);
    forget_params_free(p);
    ck_assert_int_eq(forget_params_parse(&p, NULL, 0, sizeof *bad, "t", "a=1"),
                     FORGET_E_PARAM);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "known: (none)"));
}
END_TEST

/* Under a comma-decimal LC_NUMERIC the parser must still read "0.25" and
 * write "0.5" in its messages. */
START_TEST(numbers_ignore_the_locale)
{
    const char *names[] = {"de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8",
                           "de_DE", "ru_RU.UTF-8"};
    const char *got = NULL;
    for (size_t i = 0; i < sizeof names / sizeof *names && !got; i++)
        got = setlocale(LC_ALL, names[i]);
    if (got == NULL) {
        fprintf(stderr, "note: no comma-decimal locale is installed; "
                        "numbers_ignore_the_locale checked only in \"C\"\n");
    } else {
        char probe[32];
        snprintf(probe, sizeof probe, "%.2f", 0.25);
        ck_assert_str_eq(probe, "0,25"); /* the locale really is active */
    }
    forget_params *p = parse_ok("layers=1 alpha=0.25");
    double a;
    ck_assert_int_eq(forget_params_double(p, "alpha", &a), FORGET_OK);
    ck_assert_double_eq(a, 0.25);
    forget_params_free(p);
    forget_param_def range[1] = {
        {"r", FORGET_PARAM_DOUBLE, "0.75", 0.5, 1.5, NULL, ""}};
    ck_assert_int_eq(forget_params_parse(&p, range, 1, sizeof *range, "t",
                                         "r=2"), FORGET_E_PARAM);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "[0.5, 1.5]"));
    /* The host's locale is left as it was. */
    if (got) {
        char probe[32];
        snprintf(probe, sizeof probe, "%.1f", 1.5);
        ck_assert_str_eq(probe, "1,5");
    }
    setlocale(LC_ALL, "C");
}
END_TEST

Suite *suite_params(void)
{
    Suite *s = suite_create("params");
    TCase *tc = tcase_create("params");
    tcase_add_test(tc, defaults_and_given_values);
    tcase_add_test(tc, getter_errors);
    tcase_add_test(tc, errors_name_the_key);
    tcase_add_test(tc, table_validation);
    tcase_add_test(tc, numbers_ignore_the_locale);
    suite_add_tcase(s, tc);
    return s;
}
