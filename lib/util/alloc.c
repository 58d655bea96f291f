/* The replaceable allocation hooks and the count of live allocations that
 * guards changing them. */
#include "util/alloc.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"
#include "forget/forget.h"

static void *fg_default_malloc(size_t size, void *user)
{
    (void)user;
    return malloc(size);
}

static void *fg_default_realloc(void *ptr, size_t size, void *user)
{
    (void)user;
    return realloc(ptr, size);
}

static void fg_default_free(void *ptr, void *user)
{
    (void)user;
    free(ptr);
}

static forget_malloc_fn fg_malloc_hook = fg_default_malloc;
static forget_realloc_fn fg_realloc_hook = fg_default_realloc;
static forget_free_fn fg_free_hook = fg_default_free;
static void *fg_alloc_user;
static atomic_size_t fg_live_allocations;

int forget_set_allocator(forget_malloc_fn malloc_fn,
                         forget_realloc_fn realloc_fn, forget_free_fn free_fn,
                         void *user_data)
{
    int all = malloc_fn && realloc_fn && free_fn;
    int none = !malloc_fn && !realloc_fn && !free_fn;
    if (!all && !none)
        return fg_error(FORGET_E_INVALID,
                        "forget_set_allocator: give all three hooks, or none "
                        "to restore the C library's");
    size_t live = atomic_load(&fg_live_allocations);
    if (live > 0)
        return fg_error(FORGET_E_STATE,
                        "forget_set_allocator: %zu allocations made by "
                        "libforget are alive; set the allocator before "
                        "creating objects", live);
    fg_malloc_hook = all ? malloc_fn : fg_default_malloc;
    fg_realloc_hook = all ? realloc_fn : fg_default_realloc;
    fg_free_hook = all ? free_fn : fg_default_free;
    fg_alloc_user = all ? user_data : NULL;
    return FORGET_OK;
}

int fg_mul_size(size_t a, size_t b, size_t *out)
{
    if (a != 0 && b > SIZE_MAX / a)
        return -1;
    *out = a * b;
    return 0;
}

int fg_mul3_size(size_t a, size_t b, size_t c, size_t *out)
{
    size_t ab;
    if (fg_mul_size(a, b, &ab) != 0 || fg_mul_size(ab, c, &ab) != 0)
        return -1;
    *out = ab;
    return 0;
}

void *fg_malloc(size_t size)
{
    void *p = fg_malloc_hook(size ? size : 1, fg_alloc_user);
    if (p)
        atomic_fetch_add(&fg_live_allocations, 1);
    return p;
}

void *fg_malloc_array(size_t n, size_t size)
{
    size_t total;
    if (fg_mul_size(n, size, &total) != 0)
        return NULL;
    return fg_malloc(total);
}

void *fg_calloc(size_t n, size_t size)
{
    size_t total;
    if (fg_mul_size(n, size, &total) != 0)
        return NULL;
    void *p = fg_malloc(total);
    if (p)
        memset(p, 0, total);
    return p;
}

void *fg_realloc_array(void *ptr, size_t n, size_t size)
{
    size_t total;
    if (fg_mul_size(n, size, &total) != 0)
        return NULL;
    if (ptr == NULL)
        return fg_malloc(total);
    return fg_realloc_hook(ptr, total ? total : 1, fg_alloc_user);
}

void fg_free(void *ptr)
{
    if (ptr == NULL)
        return;
    atomic_fetch_sub(&fg_live_allocations, 1);
    fg_free_hook(ptr, fg_alloc_user);
}

char *fg_strdup(const char *s)
{
    size_t len = strlen(s) + 1;
    char *p = fg_malloc(len);
    if (p)
        memcpy(p, s, len);
    return p;
}

int fg_grow(void *arrp, size_t *cap, size_t need, size_t size,
            const char *what)
{
    if (need <= *cap)
        return FORGET_OK;
    size_t nc = *cap ? *cap : 8;
    while (nc < need) {
        if (nc > SIZE_MAX / 2)
            return fg_nomem(what);
        nc *= 2;
    }
    void *old, *p;
    memcpy(&old, arrp, sizeof old);
    if ((p = fg_realloc_array(old, nc, size)) == NULL)
        return fg_nomem(what);
    memcpy(arrp, &p, sizeof p);
    *cap = nc;
    return FORGET_OK;
}
