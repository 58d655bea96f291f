/* The strict JSON reader (lib/format/json.c): token streams of valid
 * documents, every code point through escapes and raw UTF-8, and every
 * kind of malformed text refused with FORGET_E_FORMAT. */
#include <stdio.h>
#include <string.h>

#include "format/json.h"
#include "internal.h"

/* Read text to its end: FORGET_OK or the first error; *tokens counted. */
static int drain(const char *text, size_t len, size_t *tokens)
{
    fg_json p;
    fg_json_tok t;
    fg_json_init(&p, text, len, "test");
    size_t n = 0;
    int rc;
    while ((rc = fg_json_next(&p, &t)) == FORGET_OK && t.type != FG_JSON_END)
        n++;
    fg_json_free(&p);
    if (tokens)
        *tokens = n;
    return rc;
}

static int drain_str(const char *text) { return drain(text, strlen(text), 0); }

START_TEST(token_stream_of_a_document)
{
    static const char doc[] =
        " {\"a\" : [1, -2.5e+3, true, false, null, \"x\\n\\u00e9\\/\"],\n"
        "\t\"b\":{}, \"c\":[], \"\":0}\r\n  ";
    static const int want[] = {
        FG_JSON_OBJECT, FG_JSON_KEY, FG_JSON_ARRAY, FG_JSON_NUMBER,
        FG_JSON_NUMBER, FG_JSON_TRUE, FG_JSON_FALSE, FG_JSON_NULL,
        FG_JSON_STRING, FG_JSON_ARRAY_END, FG_JSON_KEY, FG_JSON_OBJECT,
        FG_JSON_OBJECT_END, FG_JSON_KEY, FG_JSON_ARRAY, FG_JSON_ARRAY_END,
        FG_JSON_KEY, FG_JSON_NUMBER, FG_JSON_OBJECT_END, FG_JSON_END};
    fg_json p;
    fg_json_tok t;
    fg_json_init(&p, doc, sizeof doc - 1, "doc");
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
        ck_assert_int_eq(fg_json_next(&p, &t), FORGET_OK);
        ck_assert_int_eq(t.type, want[i]);
        if (i == 1)
            ck_assert_str_eq(t.text, "a");
        if (i == 4)
            ck_assert_int_eq(memcmp(t.text, "-2.5e+3", t.len), 0);
        if (i == 8) {
            ck_assert_uint_eq(t.len, 5);
            ck_assert_str_eq(t.text, "x\n\xc3\xa9/");
        }
        if (i == 16)
            ck_assert_uint_eq(t.len, 0);
    }
    /* END again, and the offset of a token is where it starts */
    ck_assert_int_eq(fg_json_next(&p, &t), FORGET_OK);
    ck_assert_int_eq(t.type, FG_JSON_END);
    fg_json_free(&p);
    fg_json_init(&p, doc, sizeof doc - 1, "doc");
    fg_json_next(&p, &t);
    ck_assert_uint_eq(t.offset, 1);
    fg_json_next(&p, &t);
    ck_assert_uint_eq(t.offset, 2);
    fg_json_free(&p);
}
END_TEST

static size_t utf8(unsigned cp, char *out)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 63));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 63));
        out[2] = (char)(0x80 | (cp & 63));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 63));
    out[2] = (char)(0x80 | ((cp >> 6) & 63));
    out[3] = (char)(0x80 | (cp & 63));
    return 4;
}

/* The one string in text, decoded, into out (NUL-terminated). */
static int one_string(const char *text, size_t len, char *out, size_t *n)
{
    fg_json p;
    fg_json_tok t;
    fg_json_init(&p, text, len, "s");
    int rc = fg_json_next(&p, &t);
    if (rc == FORGET_OK) {
        ck_assert_int_eq(t.type, FG_JSON_STRING);
        memcpy(out, t.text, t.len + 1);
        *n = t.len;
        rc = fg_json_next(&p, &t);
    }
    fg_json_free(&p);
    return rc;
}

START_TEST(every_code_point_escaped_or_raw)
{
    for (unsigned cp = 1; cp <= 0x10FFFF; cp += (cp < 0x1000 ? 1 : 37)) {
        if (cp >= 0xD800 && cp <= 0xDFFF)
            continue;
        char enc[8], esc[32], raw[16], got[16];
        size_t k = utf8(cp, enc), n = 0, len;
        if (cp < 0x10000) {
            len = (size_t)snprintf(esc, sizeof esc, "\"\\u%04X\"", cp);
        } else {
            unsigned v = cp - 0x10000;
            len = (size_t)snprintf(esc, sizeof esc, "\"\\u%04x\\u%04X\"",
                                   0xD800 + (v >> 10), 0xDC00 + (v & 1023));
        }
        ck_assert_int_eq(one_string(esc, len, got, &n), FORGET_OK);
        ck_assert_uint_eq(n, k);
        ck_assert_int_eq(memcmp(got, enc, k), 0);
        if (cp < 0x20 || cp == '"' || cp == '\\')
            continue; /* raw: control characters are refused (below) */
        raw[0] = '"';
        memcpy(raw + 1, enc, k);
        raw[k + 1] = '"';
        ck_assert_int_eq(one_string(raw, k + 2, got, &n), FORGET_OK);
        ck_assert_uint_eq(n, k);
        ck_assert_int_eq(memcmp(got, enc, k), 0);
    }
}
END_TEST

START_TEST(malformed_texts_refused)
{
    static const char *const bad[] = {
        "", " \t\r\n", "{", "}", "[1,]", "[,1]", "{\"a\":1,}", "{\"a\" 1}",
        "{\"a\":}", "{1:2}", "{a:1}", "['a']", "[}", "{]", "[1 2]", "1 2",
        "{} x", "{}{}", "01", "-01", "-", "+1", "1.", ".5", "1e", "1e+",
        "0x10", "NaN", "Infinity", "-Infinity", "tru", "nul", "falsey",
        "True", "\"abc", "\"\\", "\"\\x\"", "\"\\u12\"", "\"\\u12G4\"",
        "\"\\ud800\"", "\"\\udc00\"", "\"\\ud800\\u0041\"",
        "\"\\ud800\\ud800\"", "\"\\u0000\"", "\"a\x01\"", "\"\t\"",
        "\"\x7f\x80\"", "\"\xc0\xaf\"", "\"\xc1\xbf\"", "\"\xe0\x80\xaf\"",
        "\"\xed\xa0\x80\"", "\"\xf0\x80\x80\xaf\"", "\"\xf4\x90\x80\x80\"",
        "\"\xf5\x80\x80\x80\"", "\"\xe2\x82\"", "\"\xe2\x82", "\"\xff\"",
        "\xef\xbb\xbf{}", "/* c */{}", "{\"a\":1}//",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        int rc = drain(bad[i], strlen(bad[i]), NULL);
        if (rc != FORGET_E_FORMAT)
            ck_abort_msg("text %zu '%s' gave %d", i, bad[i], rc);
        ck_assert_ptr_nonnull(strstr(forget_last_error(), "test: JSON byte"));
    }
    /* a NUL byte after the value is not whitespace */
    ck_assert_int_eq(drain("[1]\0", 4, NULL), FORGET_E_FORMAT);
    ck_assert_int_eq(drain("[1]", 3, NULL), FORGET_OK);
}
END_TEST

START_TEST(every_proper_prefix_of_an_object_refused)
{
    static const char doc[] =
        "{\"k\\u00e9y\":[1,2.5,{\"x\":null}],\"s\":\"\xe2\x82\xac\\n\"}";
    size_t n = sizeof doc - 1, tokens = 0;
    ck_assert_int_eq(drain(doc, n, &tokens), FORGET_OK);
    ck_assert_uint_eq(tokens, 13);
    for (size_t k = 0; k < n; k++)
        ck_assert_int_eq(drain(doc, k, NULL), FORGET_E_FORMAT);
}
END_TEST

START_TEST(nesting_bounded)
{
    char text[2 * (FG_JSON_MAX_DEPTH + 1) + 1];
    for (size_t depth = 1; depth <= FG_JSON_MAX_DEPTH + 1; depth++) {
        memset(text, '[', depth);
        memset(text + depth, ']', depth);
        text[2 * depth] = '\0';
        int rc = drain_str(text);
        ck_assert_int_eq(rc, depth <= FG_JSON_MAX_DEPTH ? FORGET_OK
                                                         : FORGET_E_FORMAT);
    }
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "nested deeper"));
}
END_TEST

START_TEST(unsigned_integers)
{
    static const struct {
        const char *text;
        int ok;
        uint64_t v;
    } cases[] = {{"0", 1, 0},
                 {"7", 1, 7},
                 {"18446744073709551615", 1, UINT64_MAX},
                 {"18446744073709551616", 0, 0},
                 {"99999999999999999999", 0, 0},
                 {"-1", 0, 0},
                 {"-0", 0, 0},
                 {"1.0", 0, 0},
                 {"1e3", 0, 0}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        fg_json p;
        fg_json_tok t;
        uint64_t v = 12345;
        fg_json_init(&p, cases[i].text, strlen(cases[i].text), "n");
        ck_assert_int_eq(fg_json_next(&p, &t), FORGET_OK);
        ck_assert_int_eq(t.type, FG_JSON_NUMBER);
        ck_assert_int_eq(fg_json_u64(&t, &v), cases[i].ok ? 0 : -1);
        ck_assert(v == (cases[i].ok ? cases[i].v : 12345));
        fg_json_free(&p);
    }
}
END_TEST

START_TEST(skip_passes_whole_values)
{
    static const char doc[] =
        "{\"a\":{\"b\":[1,[2,{}]],\"c\":\"}\"},\"d\":[[]],\"e\":3,\"f\":true}";
    fg_json p;
    fg_json_tok t;
    fg_json_init(&p, doc, sizeof doc - 1, "skip");
    ck_assert_int_eq(fg_json_next(&p, &t), FORGET_OK); /* { */
    const char *keys[] = {"a", "d", "e", "f"};
    for (int i = 0; i < 4; i++) {
        ck_assert_int_eq(fg_json_next(&p, &t), FORGET_OK);
        ck_assert_int_eq(t.type, FG_JSON_KEY);
        ck_assert_str_eq(t.text, keys[i]);
        if (i % 2 == 0) { /* skip from the key */
            ck_assert_int_eq(fg_json_skip(&p, &t), FORGET_OK);
        } else { /* skip from the value's first token */
            ck_assert_int_eq(fg_json_next(&p, &t), FORGET_OK);
            ck_assert_int_eq(fg_json_skip(&p, &t), FORGET_OK);
        }
    }
    ck_assert_int_eq(fg_json_next(&p, &t), FORGET_OK);
    ck_assert_int_eq(t.type, FG_JSON_OBJECT_END);
    ck_assert_int_eq(fg_json_next(&p, &t), FORGET_OK);
    ck_assert_int_eq(t.type, FG_JSON_END);
    fg_json_free(&p);
}
END_TEST

Suite *suite_json(void)
{
    Suite *s = suite_create("json");
    TCase *tc = tcase_create("json");
    tcase_add_test(tc, token_stream_of_a_document);
    tcase_add_test(tc, every_code_point_escaped_or_raw);
    tcase_add_test(tc, malformed_texts_refused);
    tcase_add_test(tc, every_proper_prefix_of_an_object_refused);
    tcase_add_test(tc, nesting_bounded);
    tcase_add_test(tc, unsigned_integers);
    tcase_add_test(tc, skip_passes_whole_values);
    suite_add_tcase(s, tc);
    return s;
}
