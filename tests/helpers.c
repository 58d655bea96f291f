#include "helpers.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

test_alloc g_alloc;
toy_state *g_toy_last;
void *g_toy_user_data;

void fixture_init(void) { ck_assert_int_eq(forget_init(), FORGET_OK); }

void fixture_shutdown(void)
{
    ck_assert_msg(forget_shutdown() == FORGET_OK,
                  "objects left alive by the test: %s", forget_last_error());
}

static char g_tmpdir[64];

static void tmp_cleanup(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", g_tmpdir);
}

const char *tmp_path(const char *name)
{
    static char path[256];
    if (g_tmpdir[0] == '\0') {
        strcpy(g_tmpdir, "/tmp/forget-test-XXXXXX");
        ck_assert_ptr_nonnull(mkdtemp(g_tmpdir));
        atexit(tmp_cleanup);
    }
    snprintf(path, sizeof path, "%s/%s", g_tmpdir, name);
    return path;
}

void write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(data, 1, len, f), len);
    ck_assert_int_eq(fclose(f), 0);
}

unsigned char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
    long n = ftell(f);
    ck_assert_int_ge(n, 0);
    ck_assert_int_eq(fseek(f, 0, SEEK_SET), 0);
    *len = (size_t)n;
    unsigned char *b = malloc(*len ? *len : 1);
    ck_assert_ptr_nonnull(b);
    ck_assert_uint_eq(fread(b, 1, *len, f), *len);
    fclose(f);
    return b;
}

void write_gz(const char *path, const void *data, size_t len)
{
    gzFile f = gzopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    if (len > 0)
        ck_assert_int_eq(gzwrite(f, data, (unsigned)len), (int)len);
    ck_assert_int_eq(gzclose(f), Z_OK);
}

/* ---- the counting allocator ---- */

static int take_call(void)
{
    g_alloc.calls++;
    if (g_alloc.fail_at != 0 && g_alloc.calls == g_alloc.fail_at) {
        g_alloc.failed++;
        return 0;
    }
    return 1;
}

static void *t_malloc(size_t size, void *user)
{
    ck_assert_ptr_eq(user, &g_alloc);
    if (!take_call())
        return NULL;
    void *p = malloc(size);
    if (p)
        g_alloc.live++;
    return p;
}

static void *t_realloc(void *ptr, size_t size, void *user)
{
    ck_assert_ptr_eq(user, &g_alloc);
    if (!take_call())
        return NULL;
    return realloc(ptr, size);
}

static void t_free(void *ptr, void *user)
{
    ck_assert_ptr_eq(user, &g_alloc);
    if (ptr)
        g_alloc.live--;
    free(ptr);
}

void test_alloc_install(void)
{
    memset(&g_alloc, 0, sizeof g_alloc);
    ck_assert_int_eq(forget_set_allocator(t_malloc, t_realloc, t_free,
                                          &g_alloc), FORGET_OK);
}

void test_alloc_uninstall(void)
{
    ck_assert_int_eq(forget_set_allocator(NULL, NULL, NULL, NULL), FORGET_OK);
}

void test_alloc_arm(long fail_at)
{
    g_alloc.calls = 0;
    g_alloc.failed = 0;
    g_alloc.fail_at = fail_at;
}

/* ---- the toy method ---- */

static const forget_param_def toy_params[] = {
    {"scale", FORGET_PARAM_DOUBLE, "1.5", 0.0, 10.0, NULL, "a number"},
    {"mode", FORGET_PARAM_ENUM, "fast", 0, -1, "fast|slow", "a choice"},
};

static int toy_create(void **state, forget_model *model,
                      const forget_params *params, void *user_data)
{
    (void)model;
    g_toy_user_data = user_data;
    toy_state *t = calloc(1, sizeof *t);
    if (t == NULL)
        return FORGET_E_NOMEM;
    if (forget_params_double(params, "scale", &t->scale) != FORGET_OK ||
        forget_params_enum(params, "mode", &t->mode) != FORGET_OK) {
        free(t);
        return FORGET_E_INTERNAL;
    }
    g_toy_last = t;
    *state = t;
    return FORGET_OK;
}

static int toy_prepare(void *state, const forget_dataset *train,
                       forget_run *run)
{
    toy_state *t = state;
    int rc = forget_run_report(run, "rows", (double)forget_dataset_rows(train));
    if (rc != FORGET_OK)
        return rc;
    t->prepared_rows = forget_dataset_rows(train);
    return FORGET_OK;
}

/* Fails on id 666 (with a message), on id 667 (without one), returns a
 * bogus positive status on id 668, and reports progress half way. */
static int toy_forget(void *state, const forget_dataset *rows, forget_run *run)
{
    toy_state *t = state;
    size_t row;
    if (forget_dataset_find(rows, 666, &row) == FORGET_OK)
        return forget_set_error(FORGET_E_NUMERIC, "toy refuses id 666");
    if (forget_dataset_find(rows, 667, &row) == FORGET_OK)
        return FORGET_E_NUMERIC;
    if (forget_dataset_find(rows, 668, &row) == FORGET_OK)
        return 5;
    int rc = forget_run_progress(run, 0.5);
    if (rc == FORGET_OK)
        rc = forget_run_report(run, "forgotten",
                               (double)forget_dataset_rows(rows));
    if (rc != FORGET_OK)
        return rc;
    t->forgets++;
    t->forgotten_rows += forget_dataset_rows(rows);
    return FORGET_OK;
}

static void toy_destroy(void *state)
{
    if (g_toy_last == state)
        g_toy_last = NULL;
    free(state);
}

const forget_method *toy_method(void)
{
    static forget_method m;
    memset(&m, 0, sizeof m);
    m.struct_size = sizeof m;
    m.abi_version = FORGET_BACKEND_ABI_VERSION;
    m.flags = FORGET_METHOD_NO_MODEL | FORGET_METHOD_EXACT;
    m.name = "toy";
    m.description = "a toy method for the tests";
    m.params = toy_params;
    m.n_params = sizeof toy_params / sizeof *toy_params;
    m.param_def_size = sizeof(forget_param_def);
    m.create = toy_create;
    m.prepare = toy_prepare;
    m.forget = toy_forget;
    m.destroy = toy_destroy;
    return &m;
}

forget_dataset *make_dataset(size_t n, size_t d, int32_t classes)
{
    float *x = malloc(n * d * sizeof *x + 1);
    int32_t *y = malloc(n * sizeof *y + 1);
    uint64_t *ids = malloc(n * sizeof *ids + 1);
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < d; j++)
            x[i * d + j] = (float)i + (float)j / 10.0f;
        y[i] = (int32_t)(i % (size_t)classes);
        ids[i] = 100 + i;
    }
    forget_dataset *ds = NULL;
    ck_assert_int_eq(forget_dataset_create(&ds, n, d, x, y, ids), FORGET_OK);
    free(x);
    free(y);
    free(ids);
    return ds;
}

uint64_t test_splitmix(uint64_t *s)
{
    *s += 0x9e3779b97f4a7c15ull;
    uint64_t z = *s;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static double blob_gauss(uint64_t *s)
{
    /* Irwin-Hall: the sum of 12 uniforms minus 6 is close to N(0, 1). */
    double v = -6.0;
    for (int i = 0; i < 12; i++)
        v += (double)(test_splitmix(s) >> 11) * 0x1.0p-53;
    return v;
}

forget_dataset *make_blobs(size_t n, size_t d, int32_t classes,
                           uint64_t seed, uint64_t id0)
{
    float *x = malloc(n * d * sizeof *x + 1);
    int32_t *y = malloc(n * sizeof *y + 1);
    uint64_t *ids = malloc(n * sizeof *ids + 1);
    uint64_t s = seed;
    for (size_t i = 0; i < n; i++) {
        int32_t c = (int32_t)(test_splitmix(&s) % (uint64_t)classes);
        for (size_t j = 0; j < d; j++)
            x[i * d + j] = (float)(0.5 * blob_gauss(&s));
        x[i * d + (size_t)c % d] += 4.0f * (1.0f + (float)((size_t)c / d));
        y[i] = c;
        ids[i] = id0 + i;
    }
    forget_dataset *ds = NULL;
    ck_assert_int_eq(forget_dataset_create(&ds, n, d, x, y, ids), FORGET_OK);
    free(x);
    free(y);
    free(ids);
    return ds;
}

int host_lr_forward(const float *params, const float *x, size_t n, float *out,
                    void *user_data)
{
    host_lr_shape *h = user_data;
    size_t d = h->inputs, k = h->outputs;
    const float *w = params, *b = params + k * d;
    h->forward_calls++;
    for (size_t i = 0; i < n; i++)
        for (size_t c = 0; c < k; c++) {
            float z = b[c];
            for (size_t j = 0; j < d; j++)
                z += w[c * d + j] * x[i * d + j];
            out[i * k + c] = z;
        }
    return FORGET_OK;
}

int host_lr_backward(const float *params, const float *x, const float *dout,
                     size_t n, float *grads, void *user_data)
{
    host_lr_shape *h = user_data;
    size_t d = h->inputs, k = h->outputs, p = k * (d + 1);
    (void)params;
    h->backward_calls++;
    for (size_t i = 0; i < n; i++) {
        float *g = grads + i * p;
        for (size_t c = 0; c < k; c++) {
            for (size_t j = 0; j < d; j++)
                g[c * d + j] = dout[i * k + c] * x[i * d + j];
            g[k * d + c] = dout[i * k + c];
        }
    }
    return FORGET_OK;
}

forget_model *make_host_lr(host_lr_shape *shape, const float *init)
{
    forget_host_model h;
    memset(&h, 0, sizeof h);
    h.struct_size = sizeof h;
    h.task = FORGET_TASK_CLASSIFICATION;
    h.inputs = shape->inputs;
    h.outputs = shape->outputs;
    h.n_params = shape->outputs * (shape->inputs + 1);
    h.params = init;
    h.forward = host_lr_forward;
    h.backward = host_lr_backward;
    h.user_data = shape;
    forget_model *m = NULL;
    ck_assert_int_eq(forget_model_create_host(&m, &h), FORGET_OK);
    return m;
}


const unsigned char *find_section(const unsigned char *buf, size_t len,
                                  const char *tag, size_t *size)
{
    for (size_t at = 16; at + 24 <= len;) {
        uint64_t l = 0;
        for (int i = 7; i >= 0; i--)
            l = (l << 8) | buf[at + 8 + i];
        if (!memcmp(buf + at, tag, 4)) {
            *size = (size_t)l;
            return buf + at + 24;
        }
        at += 24 + (size_t)l + (8 - l % 8) % 8;
    }
    return NULL;
}

void reseal_section(unsigned char *payload, size_t size)
{
    unsigned char *h = payload - 24;
    uint32_t c = crc32c_bitwise(payload, size);
    for (int i = 0; i < 4; i++)
        h[16 + i] = (unsigned char)(c >> (8 * i));
    c = crc32c_bitwise(h, 20);
    for (int i = 0; i < 4; i++)
        h[20 + i] = (unsigned char)(c >> (8 * i));
}

unsigned char *saved_state(const forget_unlearner *u, size_t *len)
{
    ck_assert_int_eq(forget_unlearner_save_buffer(u, NULL, 0, len), FORGET_OK);
    unsigned char *b = malloc(*len);
    ck_assert_int_eq(forget_unlearner_save_buffer(u, b, *len, len), FORGET_OK);
    return b;
}

void assert_same_sections(const forget_unlearner *a,
                          const forget_unlearner *b, const char *const *tags,
                          size_t n)
{
    size_t la, lb, sa, sb;
    unsigned char *x = saved_state(a, &la), *y = saved_state(b, &lb);
    for (size_t t = 0; t < n; t++) {
        const unsigned char *pa = find_section(x, la, tags[t], &sa);
        const unsigned char *pb = find_section(y, lb, tags[t], &sb);
        ck_assert_msg(pa && pb, "%s missing", tags[t]);
        ck_assert_uint_eq(sa, sb);
        ck_assert_msg(memcmp(pa, pb, sa) == 0, "%s differs", tags[t]);
    }
    free(x);
    free(y);
}

forget_model *sisa_template(void)
{
    forget_model *m = NULL;
    ck_assert_int_eq(forget_model_create(&m, "mlp", "layers=6-12-4 seed=2"),
                     FORGET_OK);
    return m;
}

forget_unlearner *prepared(const char *method, forget_model *t,
                           const forget_dataset *d, const char *params)
{
    forget_unlearner *u = NULL;
    ck_assert_int_eq(forget_unlearner_create(&u, method, t, params),
                     FORGET_OK);
    ck_assert_msg(forget_unlearner_prepare(u, d) == FORGET_OK, "%s",
                  forget_last_error());
    return u;
}

int blas_set_threads(int n)
{
    static const char *const names[][2] = {
        {"openblas_set_num_threads", "openblas_get_num_threads"},
        {"mkl_set_num_threads", "mkl_get_max_threads"}};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        void *set = dlsym(RTLD_DEFAULT, names[i][0]);
        void *get = dlsym(RTLD_DEFAULT, names[i][1]);
        if (set && get) {
            void (*setf)(int);
            int (*getf)(void);
            *(void **)&setf = set;
            *(void **)&getf = get;
            setf(n);
            return getf();
        }
    }
    return 1;
}

int blas_one_thread(void) { return blas_set_threads(1); }

float *params_copy(const forget_model *m)
{
    size_t n = forget_model_param_count(m);
    float *p = malloc((n ? n : 1) * sizeof *p);
    ck_assert_int_eq(forget_model_get_params(m, p, n), FORGET_OK);
    return p;
}

fixture fixture_make(const char *kind, const char *params, uint64_t seed,
                     const char *train)
{
    fixture f;
    f.D = make_blobs(600, 6, 4, seed, 0);
    f.test = make_blobs(300, 6, 4, seed + 1, 5000);
    ck_assert_int_eq(forget_dataset_subset_class(&f.F, f.D, 2), FORGET_OK);
    ck_assert_int_eq(forget_dataset_subset_class(&f.test_f, f.test, 2),
                     FORGET_OK);
    ck_assert_int_eq(forget_dataset_complement(&f.test_r, f.test, f.test_f),
                     FORGET_OK);
    ck_assert_int_eq(forget_model_create(&f.m, kind, params), FORGET_OK);
    ck_assert_int_eq(forget_model_train(f.m, f.D, train), FORGET_OK);
    return f;
}

void fixture_free(fixture *f)
{
    forget_dataset_free(f->D);
    forget_dataset_free(f->F);
    forget_dataset_free(f->test);
    forget_dataset_free(f->test_f);
    forget_dataset_free(f->test_r);
    forget_model_free(f->m);
}

double report_of(const forget_unlearner *u, const char *key)
{
    double v = NAN;
    ck_assert_msg(forget_report_get(forget_unlearner_report(u), key, &v) ==
                      FORGET_OK, "no report key %s", key);
    return v;
}

double accuracy_of(const forget_model *m, const forget_dataset *ds)
{
    double a = -1;
    ck_assert_int_eq(forget_eval_accuracy(m, ds, &a), FORGET_OK);
    return a;
}

void assert_unchanged(const forget_unlearner *u, const forget_model *m,
                      const unsigned char *s0, size_t n0, const float *p0,
                      const char *what)
{
    size_t n1;
    unsigned char *s1 = saved_state(u, &n1);
    float *p1 = params_copy(m);
    ck_assert_msg(n0 == n1 && memcmp(s0, s1, n0) == 0, "%s: state changed",
                  what);
    ck_assert_msg(memcmp(p0, p1, forget_model_param_count(m) * sizeof *p0) ==
                      0, "%s: model changed", what);
    free(s1);
    free(p1);
}

uint32_t crc32c_bitwise(const unsigned char *p, size_t n)
{
    uint32_t c = 0xffffffffu;
    while (n--) {
        c ^= *p++;
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0x82F63B78u & (0u - (c & 1u)));
    }
    return ~c;
}

int run_suites(const suite_maker *makers, size_t n)
{
    SRunner *sr = srunner_create(makers[0]());
    for (size_t i = 1; i < n; i++)
        srunner_add_suite(sr, makers[i]());
    srunner_run_all(sr, CK_ENV); /* CK_VERBOSITY=verbose lists every test */
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/* Remove section tag from a container of len bytes; returns the new
 * length (the sections are checksummed one by one, so the rest stays
 * valid). */
size_t strip_section(unsigned char *buf, size_t len, const char *tag)
{
    size_t size;
    const unsigned char *p = find_section(buf, len, tag, &size);
    ck_assert_ptr_nonnull(p);
    size_t at = (size_t)(p - buf) - 24, whole = 24 + size + (8 - size % 8) % 8;
    memmove(buf + at, buf + at + whole, len - at - whole);
    return len - whole;
}
