/* A small strict JSON reader (RFC 8259), pulled one token at a time: no
 * tree is built and nothing recurses, so memory is the decoded text of
 * one string and a fixed stack of FG_JSON_MAX_DEPTH levels. Refused, as
 * FORGET_E_FORMAT naming the byte offset: syntax errors, nesting deeper
 * than the limit, invalid UTF-8 (overlong forms, surrogates, code points
 * past U+10FFFF), bad escapes and lone surrogate escapes, control
 * characters and NUL (also as \u0000) in strings, leading zeros, and
 * anything but whitespace after the top value. Numbers are handed out as
 * their text, checked against the grammar; fg_json_u64 reads the
 * non-negative integers among them. */
#ifndef FG_FORMAT_JSON_H
#define FG_FORMAT_JSON_H

#include <stddef.h>
#include <stdint.h>

#define FG_JSON_MAX_DEPTH 32

/* Token types. */
#define FG_JSON_END 0        /* the text is over (and held one value) */
#define FG_JSON_OBJECT 1     /* '{' */
#define FG_JSON_OBJECT_END 2 /* '}' */
#define FG_JSON_ARRAY 3      /* '[' */
#define FG_JSON_ARRAY_END 4  /* ']' */
#define FG_JSON_KEY 5        /* a member name (its ':' is consumed) */
#define FG_JSON_STRING 6
#define FG_JSON_NUMBER 7
#define FG_JSON_TRUE 8
#define FG_JSON_FALSE 9
#define FG_JSON_NULL 10

typedef struct fg_json_tok {
    int type;
    /* KEY, STRING: the decoded UTF-8 text, NUL-terminated, valid until
     * the next call; NUMBER: the text in the input (not terminated). */
    const char *text;
    size_t len;
    size_t offset; /* byte offset of the token in the input */
} fg_json_tok;

typedef struct fg_json {
    const unsigned char *s;
    size_t len, pos;
    const char *what; /* names the input in messages */
    unsigned char stack[FG_JSON_MAX_DEPTH]; /* 'o' or 'a' per level */
    size_t depth;
    int state;
    char *buf; /* decoded string */
    size_t cap;
} fg_json;

/* Read text (len bytes, no terminator needed); what names it in errors. */
void fg_json_init(fg_json *p, const void *text, size_t len, const char *what);
/* The next token into *t: FORGET_OK, FORGET_E_FORMAT with a message
 * "WHAT: JSON byte N: why", or FORGET_E_NOMEM. After an error every
 * further call fails the same way. */
int fg_json_next(fg_json *p, fg_json_tok *t);
/* Skip the rest of the value whose first token is *first. */
int fg_json_skip(fg_json *p, const fg_json_tok *first);
/* The NUMBER token as a uint64: 0, or -1 if it has a sign, a fraction,
 * an exponent or does not fit. */
int fg_json_u64(const fg_json_tok *t, uint64_t *v);
void fg_json_free(fg_json *p);

#endif
