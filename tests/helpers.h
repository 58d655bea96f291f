/* Shared helpers of the Check suites: temporary files, a counting and
 * failing allocator, a toy method backend. */
#ifndef FORGET_TEST_HELPERS_H
#define FORGET_TEST_HELPERS_H

#include <check.h>
#include <stddef.h>
#include <stdint.h>

#include <forget/backend.h>
#include <forget/forget.h>

/* One suite per area, listed in suites.def; check_main.c runs them all. */
#define FG_SUITE(name) Suite *suite_##name(void);
#include "suites.def"
#undef FG_SUITE

/* Run the suites that makers make (n of them) with Check's environment
 * settings; EXIT_SUCCESS only when every test passes. */
typedef Suite *(*suite_maker)(void);
int run_suites(const suite_maker *makers, size_t n);

/* Fixtures: forget_init() before, and after: every object freed and the
 * last forget_shutdown() accepted. */
void fixture_init(void);
void fixture_shutdown(void);

/* A path in this process's temporary folder (made on first use). */
const char *tmp_path(const char *name);
void write_file(const char *path, const void *data, size_t len);
/* The whole file (malloc'ed; *len its size). */
unsigned char *read_file(const char *path, size_t *len);
void write_gz(const char *path, const void *data, size_t len);

/* The counting allocator: every call goes through it once installed. */
typedef struct test_alloc {
    long calls;   /* malloc + realloc calls since the last reset */
    long live;    /* blocks allocated and not freed */
    long fail_at; /* fail the call with this number (1-based); 0 = never */
    long failed;  /* how many calls were failed */
} test_alloc;
extern test_alloc g_alloc;
void test_alloc_install(void);
void test_alloc_uninstall(void);
void test_alloc_arm(long fail_at);

/* The toy method "toy": records its calls; see helpers.c. */
typedef struct toy_state {
    double scale;
    size_t mode;
    size_t prepared_rows;
    size_t forgets;
    size_t forgotten_rows;
} toy_state;
extern toy_state *g_toy_last; /* the most recently created state */
extern void *g_toy_user_data; /* what the last create received */
const forget_method *toy_method(void);

/* A small classification dataset: n rows, d features, labels i % classes,
 * x[i][j] = i + j / 10, ids 100 + i. */
forget_dataset *make_dataset(size_t n, size_t d, int32_t classes);

/* The next value of a splitmix64 sequence with state *s (the test
 * data's generator). */
uint64_t test_splitmix(uint64_t *s);

/* n rows in d dimensions drawn around `classes` well separated centres
 * (class c's centre is 4 * e_(c mod d) scaled by (1 + c / d)), seeded:
 * separable by a linear model. ids start at id0. */
forget_dataset *make_blobs(size_t n, size_t d, int32_t classes,
                           uint64_t seed, uint64_t id0);

/* A host-side multinomial logistic regression (outputs x (inputs + 1)
 * parameters, weights row-major then biases), for forget_host_model. */
int host_lr_forward(const float *params, const float *x, size_t n, float *out,
                    void *user_data);
int host_lr_backward(const float *params, const float *x, const float *dout,
                     size_t n, float *grads, void *user_data);
typedef struct host_lr_shape {
    size_t inputs, outputs;
    long forward_calls, backward_calls;
} host_lr_shape;
/* A host model of kind "host" running host_lr_* on shape, from init. */
forget_model *make_host_lr(host_lr_shape *shape, const float *init);

/* The payload of the first section named tag in a saved file (see
 * docs/FORMAT.md), or NULL. */
const unsigned char *find_section(const unsigned char *buf, size_t len,
                                  const char *tag, size_t *size);

/* CRC-32C, bit by bit (to forge checksums of hand-made files). */
uint32_t crc32c_bitwise(const unsigned char *p, size_t n);

/* Ask the BLAS library (OpenBLAS or MKL: found by name) to run one
 * thread, so that libforget's own threads are used; returns the count it
 * runs afterwards (1 also for a BLAS that cannot be asked). */
int blas_one_thread(void);
/* The same for n threads (the BLAS may run fewer: no more than cores). */
int blas_set_threads(int n);

/* A copy of a model's parameters (malloc'ed). */
float *params_copy(const forget_model *m);

/* The small classification problem of the method suites: blobs of 600
 * training rows (seed) and 300 test rows (seed + 1, ids from 5000), 4
 * classes in 6 dimensions; F and test_f are class 2's rows, test_r the
 * other test rows; m a model of kind/params trained on D with train. */
typedef struct fixture {
    forget_dataset *D, *F, *test, *test_f, *test_r;
    forget_model *m;
} fixture;
fixture fixture_make(const char *kind, const char *params, uint64_t seed,
                     const char *train);
void fixture_free(fixture *f);

/* A figure of the unlearner's last report (the test fails without it). */
double report_of(const forget_unlearner *u, const char *key);
/* Accuracy of m on ds (the test fails on an error). */
double accuracy_of(const forget_model *m, const forget_dataset *ds);
/* The state's bytes (s0, n0: saved_state) and the model's parameters
 * (p0: params_copy) are as they were; what names the case. */
void assert_unchanged(const forget_unlearner *u, const forget_model *m,
                      const unsigned char *s0, size_t n0, const float *p0,
                      const char *what);

/* An unlearner's saved state (malloc'ed). */
unsigned char *saved_state(const forget_unlearner *u, size_t *len);
/* The sections tags[0..n) of two unlearners' saved states are the same
 * bytes. */
void assert_same_sections(const forget_unlearner *a,
                          const forget_unlearner *b, const char *const *tags,
                          size_t n);
/* The sisa suites' template: the MLP 6-12-4 (seed 2). */
forget_model *sisa_template(void);
/* An unlearner of method over template t, prepared on d. */
forget_unlearner *prepared(const char *method, forget_model *t,
                           const forget_dataset *d, const char *params);
/* After editing a section's payload (size bytes, found by find_section),
 * make its checksums valid again: a forged file the reader must refuse on
 * its content, not its CRC. */
void reseal_section(unsigned char *payload, size_t size);
/* Remove section tag (it must be there) from a container of len bytes, as
 * a library that did not write it would have; returns the new length. */
size_t strip_section(unsigned char *buf, size_t len, const char *tag);

#endif
