/* sisa over long chains of requests: the buffers a state keeps between
 * requests (training slots, spare constituents, pooled checkpoints) never
 * change a result. Single deletions one after another equal the same ids
 * in one call and sisa trained from scratch on what remains, byte for
 * byte, with shards trained one at a time or together on batch lanes;
 * also across a save and load in the middle of the chain, and after
 * refusals and cancels in it (which change nothing). */
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

static forget_model *tmpl(void) { return sisa_template(); }

static forget_unlearner *fresh(forget_model *t, const forget_dataset *d,
                               const char *cfg)
{
    return prepared("sisa", t, d, cfg);
}

/* Constituents, checkpoints and the rows kept. */
static void assert_same_sisa(const forget_unlearner *a,
                             const forget_unlearner *b)
{
    static const char *const tags[] = {"SMOD", "SCKP", "SDID", "SDX ",
                                       "SDYL"};
    assert_same_sections(a, b, tags, sizeof tags / sizeof *tags);
}

/* n distinct ids of D's rows (ids id0..id0+rows-1) in a seeded order. */
static void pick_ids(uint64_t *ids, size_t n, size_t rows, uint64_t id0,
                     unsigned seed)
{
    uint64_t *all = malloc(rows * sizeof *all);
    for (size_t i = 0; i < rows; i++)
        all[i] = id0 + i;
    srand(seed);
    for (size_t i = 0; i < n; i++) {
        size_t j = i + (size_t)rand() % (rows - i);
        uint64_t v = all[i];
        all[i] = all[j];
        all[j] = v;
        ids[i] = all[i];
    }
    free(all);
}

/* Sisa trained from scratch on D without ids[0..n). */
static forget_unlearner *scratch(forget_model *t, const forget_dataset *D,
                                 const uint64_t *ids, size_t n,
                                 const char *cfg)
{
    forget_dataset *rest = NULL;
    ck_assert_int_eq(forget_dataset_exclude_ids(&rest, D, ids, n), FORGET_OK);
    forget_unlearner *s = fresh(t, rest, cfg);
    forget_dataset_free(rest);
    return s;
}

/* Every id alone, in order (id repeat named twice: the second time it is
 * counted in already_forgotten and retrains nothing). */
static void forget_one_by_one(forget_unlearner *u, const uint64_t *ids,
                              size_t n, uint64_t repeat)
{
    double v;
    for (size_t i = 0; i < n; i++) {
        ck_assert_int_eq(forget_unlearner_forget_ids(u, &ids[i], 1),
                         FORGET_OK);
        ck_assert_int_eq(forget_report_get(forget_unlearner_report(u),
                                           "shards_retrained", &v),
                         FORGET_OK);
        ck_assert_double_eq(v, 1);
        if (ids[i] == repeat) {
            ck_assert_int_eq(forget_unlearner_forget_ids(u, &repeat, 1),
                             FORGET_OK);
            const forget_report *r = forget_unlearner_report(u);
            ck_assert_int_eq(forget_report_get(r, "already_forgotten", &v),
                             FORGET_OK);
            ck_assert_double_eq(v, 1);
            ck_assert_int_eq(forget_report_get(r, "sample_passes", &v),
                             FORGET_OK);
            ck_assert_double_eq(v, 0);
        }
    }
}

static void chain_equals_batch_and_scratch(const char *cfg)
{
    enum { ROWS = 360, N = 30 };
    forget_dataset *D = make_blobs(ROWS, 6, 4, 11, 1000);
    forget_model *t = tmpl();
    uint64_t ids[N];
    pick_ids(ids, N, ROWS, 1000, 7);
    forget_unlearner *chain = fresh(t, D, cfg), *batch = fresh(t, D, cfg);
    forget_one_by_one(chain, ids, N, ids[N / 2]);
    ck_assert_int_eq(forget_unlearner_forget_ids(batch, ids, N), FORGET_OK);
    forget_unlearner *s = scratch(t, D, ids, N, cfg);
    assert_same_sisa(chain, s);
    assert_same_sisa(batch, s);
    forget_unlearner_free(s);
    forget_unlearner_free(batch);
    forget_unlearner_free(chain);
    forget_dataset_free(D);
    forget_model_free(t);
}

/* Shards one at a time, and up to three together (a shard retrained
 * alone on two batch lanes). */
START_TEST(single_deletions_equal_one_call_and_scratch)
{
    chain_equals_batch_and_scratch("shards=4 slices=3 epochs=2:1:1 seed=9 "
                                   "threads=1 train=\"lr=0.05 batch=8\"");
    blas_one_thread();
    chain_equals_batch_and_scratch("shards=4 slices=3 epochs=2:1:1 seed=9 "
                                   "threads=3 train=\"lr=0.05 batch=8 "
                                   "lanes=2\"");
}
END_TEST

static int cancel_at_half(double f, const char *stage, void *user)
{
    (void)stage;
    (void)user;
    return f > 0.5;
}

/* A refusal and a cancel leave the saved state as it was. */
static void assert_failures_change_nothing(forget_unlearner *u,
                                           uint64_t known)
{
    size_t n0, n1, n2;
    unsigned char *s0 = saved_state(u, &n0);
    uint64_t bad[2] = {known, 99999};
    ck_assert_int_eq(forget_unlearner_forget_ids(u, bad, 2),
                     FORGET_E_NOT_FOUND);
    unsigned char *s1 = saved_state(u, &n1);
    forget_unlearner_set_progress(u, cancel_at_half, NULL);
    ck_assert_int_eq(forget_unlearner_forget_ids(u, &known, 1),
                     FORGET_E_CANCELED);
    forget_unlearner_set_progress(u, NULL, NULL);
    unsigned char *s2 = saved_state(u, &n2);
    ck_assert_uint_eq(n0, n1);
    ck_assert_uint_eq(n0, n2);
    ck_assert_mem_eq(s0, s1, n0);
    ck_assert_mem_eq(s0, s2, n0);
    free(s0);
    free(s1);
    free(s2);
}

/* Half the chain, a save and a load, the other half on both the loaded
 * state and the one saved; refusals and cancels along the way. */
START_TEST(chain_across_save_and_load)
{
    enum { ROWS = 300, N = 16 };
    static const char *cfg = "shards=3 slices=4 epochs=1 seed=4 threads=2 "
                             "train=\"lr=0.05 batch=8\"";
    forget_dataset *D = make_blobs(ROWS, 6, 4, 5, 50);
    forget_model *t = tmpl();
    uint64_t ids[N];
    pick_ids(ids, N, ROWS, 50, 3);
    forget_unlearner *u = fresh(t, D, cfg), *l = NULL;
    forget_one_by_one(u, ids, N / 2, 0);
    assert_failures_change_nothing(u, ids[N / 2]);
    size_t len;
    unsigned char *saved = saved_state(u, &len);
    ck_assert_int_eq(forget_unlearner_load_buffer(&l, t, saved, len),
                     FORGET_OK);
    forget_one_by_one(l, ids + N / 2, N / 2, 0);
    assert_failures_change_nothing(u, ids[N / 2]);
    forget_one_by_one(u, ids + N / 2, N / 2, 0);
    forget_unlearner *s = scratch(t, D, ids, N, cfg);
    assert_same_sisa(u, s);
    assert_same_sisa(l, s);
    free(saved);
    forget_unlearner_free(s);
    forget_unlearner_free(l);
    forget_unlearner_free(u);
    forget_dataset_free(D);
    forget_model_free(t);
}
END_TEST

/* The kept rows are held shard by shard in memory; a saved state still
 * lists them in id order (as states always have), forgotten ones left
 * out. */
START_TEST(saved_rows_in_id_order)
{
    forget_dataset *D = make_blobs(200, 6, 4, 2, 10);
    forget_model *t = tmpl();
    forget_unlearner *u = fresh(t, D, "shards=3 slices=2 threads=1");
    uint64_t gone[3] = {150, 11, 77};
    ck_assert_int_eq(forget_unlearner_forget_ids(u, gone, 3), FORGET_OK);
    size_t len, size;
    unsigned char *b = saved_state(u, &len);
    const unsigned char *p = find_section(b, len, "SDID", &size);
    ck_assert_ptr_nonnull(p);
    ck_assert_uint_eq(size, 197 * 8);
    uint64_t prev = 0;
    for (size_t i = 0; i < 197; i++) {
        uint64_t id;
        memcpy(&id, p + 8 * i, 8);
        ck_assert_msg(id > prev || i == 0, "ids out of order at %zu", i);
        ck_assert(id != 150 && id != 11 && id != 77);
        prev = id;
    }
    free(b);
    forget_unlearner_free(u);
    forget_dataset_free(D);
    forget_model_free(t);
}
END_TEST

Suite *suite_sisa_chain(void)
{
    Suite *s = suite_create("sisa_chain");
    TCase *tc = tcase_create("sisa_chain");
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, fixture_init, fixture_shutdown);
    tcase_add_test(tc, single_deletions_equal_one_call_and_scratch);
    tcase_add_test(tc, chain_across_save_and_load);
    tcase_add_test(tc, saved_rows_in_id_order);
    suite_add_tcase(s, tc);
    return s;
}
