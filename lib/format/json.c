/* The strict JSON pull reader (format/json.h): a state machine over the
 * input, one token per call, a fixed stack for nesting. */
#include "format/json.h"

#include <string.h>

#include "util/alloc.h"
#include "util/error.h"

#define S_VALUE 0        /* a value must come */
#define S_ARRAY_FIRST 1  /* after '[': a value or ']' */
#define S_OBJECT_FIRST 2 /* after '{': a member name or '}' */
#define S_KEY 3          /* after ',' in an object: a member name */
#define S_AFTER 4        /* after a value in a container: ',' or its end */
#define S_DONE 5         /* after the top value: only whitespace */

void fg_json_init(fg_json *p, const void *text, size_t len, const char *what)
{
    memset(p, 0, sizeof *p);
    p->s = text;
    p->len = len;
    p->what = what;
    p->state = S_VALUE;
}

void fg_json_free(fg_json *p)
{
    fg_free(p->buf);
    p->buf = NULL;
    p->cap = 0;
}

static int fg_json_fail(const fg_json *p, size_t at, const char *why)
{
    return fg_error(FORGET_E_FORMAT, "%s: JSON byte %zu: %s", p->what, at,
                    why);
}

static void fg_json_ws(fg_json *p)
{
    while (p->pos < p->len && (p->s[p->pos] == ' ' || p->s[p->pos] == '\t' ||
                               p->s[p->pos] == '\n' || p->s[p->pos] == '\r'))
        p->pos++;
}

static int fg_json_put(fg_json *p, size_t *n, const void *bytes, size_t k)
{
    if (*n + k + 1 > p->cap &&
        fg_grow(&p->buf, &p->cap, *n + k + 1, 1, "a JSON string") != 0)
        return FORGET_E_NOMEM;
    memcpy(p->buf + *n, bytes, k);
    *n += k;
    return FORGET_OK;
}

/* Length of the valid UTF-8 sequence at s (n bytes available), or 0. */
static size_t fg_utf8_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0], lo = 0x80, hi = 0xBF;
    size_t need;
    if (c < 0x80)
        return 1;
    if (c < 0xC2)
        return 0; /* a continuation byte, or an overlong 2-byte form */
    if (c < 0xE0) {
        need = 2;
    } else if (c < 0xF0) {
        need = 3;
        lo = c == 0xE0 ? 0xA0 : 0x80; /* overlong */
        hi = c == 0xED ? 0x9F : 0xBF; /* surrogates */
    } else if (c < 0xF5) {
        need = 4;
        lo = c == 0xF0 ? 0x90 : 0x80; /* overlong */
        hi = c == 0xF4 ? 0x8F : 0xBF; /* past U+10FFFF */
    } else {
        return 0;
    }
    if (n < need || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < need; i++)
        if (s[i] < 0x80 || s[i] > 0xBF)
            return 0;
    return need;
}

static int fg_hex4(const unsigned char *s, unsigned *v)
{
    *v = 0;
    for (int i = 0; i < 4; i++) {
        unsigned c = s[i], d;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if (c >= 'a' && c <= 'f')
            d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            d = c - 'A' + 10;
        else
            return -1;
        *v = *v * 16 + d;
    }
    return 0;
}

/* A \uXXXX escape (pos at the 'u'), a surrogate pair taken whole, as
 * UTF-8 into out; returns its length or 0 after setting the error. */
static size_t fg_json_uescape(fg_json *p, unsigned char out[4], int *rc)
{
    size_t at = p->pos - 1;
    unsigned cp, low;
    if (p->len - p->pos < 5 || fg_hex4(p->s + p->pos + 1, &cp) != 0) {
        *rc = fg_json_fail(p, at, "\\u is not followed by 4 hex digits");
        return 0;
    }
    p->pos += 5;
    if (cp >= 0xDC00 && cp <= 0xDFFF) {
        *rc = fg_json_fail(p, at, "a lone low surrogate escape");
        return 0;
    }
    if (cp >= 0xD800 && cp <= 0xDBFF) {
        if (p->len - p->pos < 6 || p->s[p->pos] != '\\' ||
            p->s[p->pos + 1] != 'u' || fg_hex4(p->s + p->pos + 2, &low) ||
            low < 0xDC00 || low > 0xDFFF) {
            *rc = fg_json_fail(p, at, "a high surrogate escape without its "
                               "low surrogate");
            return 0;
        }
        p->pos += 6;
        cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
    }
    if (cp == 0) {
        *rc = fg_json_fail(p, at, "a NUL character (\\u0000) in a string");
        return 0;
    }
    if (cp < 0x80) {
        out[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (unsigned char)(0xC0 | cp >> 6);
        out[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (unsigned char)(0xE0 | cp >> 12);
        out[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (unsigned char)(0xF0 | cp >> 18);
    out[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

/* A string (pos at its '"'), decoded into p->buf. */
static int fg_json_string(fg_json *p, fg_json_tok *t)
{
    size_t start = p->pos++, n = 0;
    int rc = FORGET_OK;
    for (;;) {
        if (p->pos >= p->len)
            return fg_json_fail(p, start, "the string does not end");
        unsigned char c = p->s[p->pos];
        unsigned char u[4];
        size_t k;
        if (c == '"') {
            p->pos++;
            break;
        }
        if (c < 0x20)
            return fg_json_fail(p, p->pos, "a control character in a "
                                "string (write it escaped)");
        if (c == '\\') {
            if (++p->pos >= p->len)
                return fg_json_fail(p, start, "the string does not end");
            static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
            const char *e = memchr(from, p->s[p->pos], sizeof from - 1);
            if (e != NULL) {
                u[0] = (unsigned char)to[e - from];
                k = 1;
                p->pos++;
            } else if (p->s[p->pos] == 'u') {
                if ((k = fg_json_uescape(p, u, &rc)) == 0)
                    return rc;
            } else {
                return fg_json_fail(p, p->pos - 1, "an invalid escape");
            }
            rc = fg_json_put(p, &n, u, k);
        } else {
            k = fg_utf8_len(p->s + p->pos, p->len - p->pos);
            if (k == 0)
                return fg_json_fail(p, p->pos, "invalid UTF-8");
            rc = fg_json_put(p, &n, p->s + p->pos, k);
            p->pos += k;
        }
        if (rc != FORGET_OK)
            return rc;
    }
    if (fg_json_put(p, &n, "", 0) != FORGET_OK)
        return FORGET_E_NOMEM;
    p->buf[n] = '\0';
    t->text = p->buf;
    t->len = n;
    return FORGET_OK;
}

static int fg_digit(const fg_json *p)
{
    return p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9';
}

static int fg_json_number(fg_json *p, fg_json_tok *t)
{
    size_t start = p->pos;
    if (p->s[p->pos] == '-')
        p->pos++;
    if (!fg_digit(p))
        return fg_json_fail(p, start, "a number without digits");
    if (p->s[p->pos] == '0') {
        p->pos++;
        if (fg_digit(p))
            return fg_json_fail(p, start, "a number with a leading zero");
    }
    while (fg_digit(p))
        p->pos++;
    if (p->pos < p->len && p->s[p->pos] == '.') {
        p->pos++;
        if (!fg_digit(p))
            return fg_json_fail(p, start, "a number without digits after "
                                "its '.'");
        while (fg_digit(p))
            p->pos++;
    }
    if (p->pos < p->len && (p->s[p->pos] == 'e' || p->s[p->pos] == 'E')) {
        p->pos++;
        if (p->pos < p->len && (p->s[p->pos] == '+' || p->s[p->pos] == '-'))
            p->pos++;
        if (!fg_digit(p))
            return fg_json_fail(p, start, "a number without digits in its "
                                "exponent");
        while (fg_digit(p))
            p->pos++;
    }
    t->type = FG_JSON_NUMBER;
    t->text = (const char *)p->s + start;
    t->len = p->pos - start;
    return FORGET_OK;
}

static int fg_json_value(fg_json *p, fg_json_tok *t)
{
    static const struct {
        const char *word;
        int type;
    } lit[] = {{"true", FG_JSON_TRUE}, {"false", FG_JSON_FALSE},
               {"null", FG_JSON_NULL}};
    unsigned char c = p->s[p->pos];
    int rc = FORGET_OK;
    if (c == '{' || c == '[') {
        if (p->depth == FG_JSON_MAX_DEPTH)
            return fg_error(FORGET_E_FORMAT, "%s: JSON byte %zu: nested "
                            "deeper than %d levels", p->what, p->pos,
                            FG_JSON_MAX_DEPTH);
        p->stack[p->depth++] = c == '{' ? 'o' : 'a';
        p->pos++;
        t->type = c == '{' ? FG_JSON_OBJECT : FG_JSON_ARRAY;
        p->state = c == '{' ? S_OBJECT_FIRST : S_ARRAY_FIRST;
        return FORGET_OK;
    }
    if (c == '"') {
        t->type = FG_JSON_STRING;
        rc = fg_json_string(p, t);
    } else if (c == '-' || (c >= '0' && c <= '9')) {
        rc = fg_json_number(p, t);
    } else {
        size_t i = 0;
        while (i < 3 && lit[i].word[0] != c)
            i++;
        size_t n = i < 3 ? strlen(lit[i].word) : 0;
        if (i == 3 || p->len - p->pos < n ||
            memcmp(p->s + p->pos, lit[i].word, n) != 0)
            return fg_json_fail(p, p->pos, "expected a value");
        p->pos += n;
        t->type = lit[i].type;
    }
    if (rc == FORGET_OK)
        p->state = p->depth ? S_AFTER : S_DONE;
    return rc;
}

static int fg_json_close(fg_json *p, fg_json_tok *t)
{
    p->depth--;
    p->pos++;
    t->type = p->stack[p->depth] == 'o' ? FG_JSON_OBJECT_END
                                         : FG_JSON_ARRAY_END;
    p->state = p->depth ? S_AFTER : S_DONE;
    return FORGET_OK;
}

int fg_json_next(fg_json *p, fg_json_tok *t)
{
    memset(t, 0, sizeof *t);
    for (;;) {
        fg_json_ws(p);
        t->offset = p->pos;
        if (p->state == S_DONE) {
            if (p->pos < p->len)
                return fg_json_fail(p, p->pos, "bytes after the JSON value");
            t->type = FG_JSON_END;
            return FORGET_OK;
        }
        if (p->pos >= p->len)
            return fg_json_fail(p, p->pos, p->depth ? "the text ends inside "
                                "an object or array" : "no JSON value");
        unsigned char c = p->s[p->pos];
        char top = p->depth ? (char)p->stack[p->depth - 1] : 0;
        switch (p->state) {
        case S_AFTER:
            if (c == ',') {
                p->pos++;
                p->state = top == 'o' ? S_KEY : S_VALUE;
                continue;
            }
            if ((c == '}' && top == 'o') || (c == ']' && top == 'a'))
                return fg_json_close(p, t);
            return fg_json_fail(p, p->pos, top == 'o' ? "expected ',' or "
                                "'}'" : "expected ',' or ']'");
        case S_OBJECT_FIRST:
        case S_KEY: {
            if (c == '}' && p->state == S_OBJECT_FIRST)
                return fg_json_close(p, t);
            if (c != '"')
                return fg_json_fail(p, p->pos, "expected a member name in "
                                    "double quotes");
            t->type = FG_JSON_KEY;
            int rc = fg_json_string(p, t);
            if (rc != FORGET_OK)
                return rc;
            fg_json_ws(p);
            if (p->pos >= p->len || p->s[p->pos] != ':')
                return fg_json_fail(p, p->pos, "expected ':' after a member "
                                    "name");
            p->pos++;
            p->state = S_VALUE;
            return FORGET_OK;
        }
        case S_ARRAY_FIRST:
            if (c == ']')
                return fg_json_close(p, t);
            return fg_json_value(p, t);
        default:
            return fg_json_value(p, t);
        }
    }
}

int fg_json_skip(fg_json *p, const fg_json_tok *first)
{
    fg_json_tok t;
    int rc;
    if (first->type == FG_JSON_KEY) {
        if ((rc = fg_json_next(p, &t)) != FORGET_OK)
            return rc;
        first = &t;
    }
    if (first->type != FG_JSON_OBJECT && first->type != FG_JSON_ARRAY)
        return FORGET_OK;
    size_t base = p->depth - 1;
    do {
        if ((rc = fg_json_next(p, &t)) != FORGET_OK)
            return rc;
    } while (p->depth > base);
    return FORGET_OK;
}

int fg_json_u64(const fg_json_tok *t, uint64_t *v)
{
    uint64_t x = 0;
    if (t->type != FG_JSON_NUMBER || t->len == 0)
        return -1;
    for (size_t i = 0; i < t->len; i++) {
        unsigned d = (unsigned)(t->text[i] - '0');
        if (d > 9 || x > (UINT64_MAX - d) / 10)
            return -1;
        x = x * 10 + d;
    }
    *v = x;
    return 0;
}
