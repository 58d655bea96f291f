/* Every allocation of the library goes through these (forget_set_allocator
 * replaces the hooks). They set no error message: the caller names what it
 * was allocating with fg_nomem(). */
#ifndef FG_UTIL_ALLOC_H
#define FG_UTIL_ALLOC_H

#include <stddef.h>
#include <stdint.h>

void *fg_malloc(size_t size);
/* Zeroed; NULL if n * size overflows. */
void *fg_calloc(size_t n, size_t size);
/* n * size bytes, NULL on overflow. */
void *fg_malloc_array(size_t n, size_t size);
/* Like realloc, but ptr is untouched and NULL returned on failure and on
 * overflow of n * size. ptr may be NULL. */
void *fg_realloc_array(void *ptr, size_t n, size_t size);
void fg_free(void *ptr);
/* Make the array *arrp (a pointer to any element pointer) hold at least
 * need elements of size bytes, doubling *cap (from 8) as it grows:
 * amortised O(1) appends. FORGET_OK, or FORGET_E_NOMEM naming what (the
 * array and *cap untouched). */
int fg_grow(void *arrp, size_t *cap, size_t need, size_t size,
            const char *what);
/* A copy of s (NULL on failure). */
char *fg_strdup(const char *s);

/* *out = a * b; returns 0 on success, -1 on overflow (then *out is
 * untouched). */
int fg_mul_size(size_t a, size_t b, size_t *out);
int fg_mul3_size(size_t a, size_t b, size_t c, size_t *out);

#endif
