/* Datasets whose features are kept as bytes (forget_dataset_load_idx with
 * storage=bytes) behave exactly like the same file loaded as floats:
 * values, subsets, training, evaluation and every method give the same
 * bits. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

enum { ROWS = 240, PIX = 12 };

/* An IDX pair: pixel j of row r is bright when j % 3 == r % 3. */
static void write_idx(const char *img, const char *lab, int float_type)
{
    size_t isz = 16 + (size_t)ROWS * PIX * (float_type ? 4 : 1);
    unsigned char *b = calloc(1, isz), l[8 + ROWS];
    unsigned char ih[16] = {0, 0, (unsigned char)(float_type ? 0x0D : 0x08),
                            3, 0, 0, ROWS >> 8, ROWS & 255, 0, 0, 0, 3,
                            0, 0, 0, PIX / 3};
    memcpy(b, ih, 16);
    uint64_t s = 7;
    for (size_t i = 0; i < (size_t)ROWS * PIX; i++) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        size_t r = i / PIX, j = i % PIX;
        unsigned v = (unsigned)(s >> 58) + (j % 3 == r % 3 ? 150u : 20u);
        if (float_type) {
            float f = (float)v;
            uint32_t u;
            memcpy(&u, &f, 4);
            for (int k = 0; k < 4; k++)
                b[16 + 4 * i + (size_t)k] = (unsigned char)(u >> (24 - 8 * k));
        } else {
            b[16 + i] = (unsigned char)v;
        }
    }
    unsigned char lh[8] = {0, 0, 8, 1, 0, 0, ROWS >> 8, ROWS & 255};
    memcpy(l, lh, 8);
    for (int r = 0; r < ROWS; r++)
        l[8 + r] = (unsigned char)(r % 3);
    write_file(img, b, isz);
    write_file(lab, l, sizeof l);
    free(b);
}

static void load_both(forget_dataset **fl, forget_dataset **by)
{
    char img[256], lab[256];
    snprintf(img, sizeof img, "%s", tmp_path("c-img.idx"));
    snprintf(lab, sizeof lab, "%s", tmp_path("c-lab.idx"));
    write_idx(img, lab, 0);
    ck_assert_int_eq(forget_dataset_load_idx(fl, img, lab, NULL), FORGET_OK);
    ck_assert_int_eq(forget_dataset_load_idx(by, img, lab, "storage=bytes"),
                     FORGET_OK);
}

static void digest_eq(const forget_model *a, const forget_model *b)
{
    unsigned char da[32], db[32];
    ck_assert_int_eq(forget_model_digest(a, da), FORGET_OK);
    ck_assert_int_eq(forget_model_digest(b, db), FORGET_OK);
    ck_assert_mem_eq(da, db, 32);
}

START_TEST(values_and_subsets)
{
    forget_dataset *fl, *by;
    load_both(&fl, &by);
    ck_assert_ptr_nonnull(forget_dataset_x(fl));
    ck_assert_ptr_null(forget_dataset_x(by));
    ck_assert_uint_eq(forget_dataset_rows(by), ROWS);
    ck_assert_uint_eq(forget_dataset_features(by), PIX);
    ck_assert_mem_eq(forget_dataset_labels(by), forget_dataset_labels(fl),
                     ROWS * sizeof(int32_t));
    float *x = malloc(ROWS * PIX * sizeof *x);
    ck_assert_int_eq(forget_dataset_copy_rows(by, 0, ROWS, x, ROWS * PIX),
                     FORGET_OK);
    ck_assert_mem_eq(x, forget_dataset_x(fl), ROWS * PIX * sizeof *x);
    ck_assert_int_eq(forget_dataset_copy_rows(fl, 3, 2, x, 2 * PIX),
                     FORGET_OK);
    ck_assert_mem_eq(x, forget_dataset_x(fl) + 3 * PIX, 2 * PIX * sizeof *x);
    ck_assert_int_eq(forget_dataset_copy_rows(by, ROWS - 1, 2, x, 2 * PIX),
                     FORGET_E_INVALID);
    ck_assert_int_eq(forget_dataset_copy_rows(by, 0, 2, x, 2 * PIX + 1),
                     FORGET_E_INVALID);
    ck_assert_int_eq(forget_dataset_copy_rows(by, ROWS, 0, NULL, 0),
                     FORGET_OK);
    /* a subset keeps the bytes, and reads as the same floats */
    uint64_t ids[3] = {7, 100, 31};
    forget_dataset *sf, *sb;
    ck_assert_int_eq(forget_dataset_subset_ids(&sf, fl, ids, 3), FORGET_OK);
    ck_assert_int_eq(forget_dataset_subset_ids(&sb, by, ids, 3), FORGET_OK);
    ck_assert_ptr_null(forget_dataset_x(sb));
    float sx[3 * PIX];
    ck_assert_int_eq(forget_dataset_copy_rows(sb, 0, 3, sx, 3 * PIX),
                     FORGET_OK);
    ck_assert_mem_eq(sx, forget_dataset_x(sf), sizeof sx);
    free(x);
    forget_dataset_free(sf);
    forget_dataset_free(sb);
    forget_dataset_free(fl);
    forget_dataset_free(by);
}
END_TEST

/* Every byte value, in rows of odd lengths (so that a vectorized
 * conversion runs its remainder loop too): bytes read back as the floats
 * the float loader computes (byte / 255.0f), bit for bit. */
START_TEST(every_byte_value_converts_as_the_loader)
{
    enum { N = 3, W = 7, H = 37 }; /* 259 pixels a row */
    unsigned char img[16 + N * W * H], lab[8 + N];
    unsigned char ih[16] = {0, 0, 8, 3, 0, 0, 0, N, 0, 0, 0, H, 0, 0, 0, W};
    unsigned char lh[8] = {0, 0, 8, 1, 0, 0, 0, N};
    memcpy(img, ih, 16);
    memcpy(lab, lh, 8);
    for (size_t i = 0; i < (size_t)N * W * H; i++)
        img[16 + i] = (unsigned char)(i * 97 % 256 + i / 256);
    for (int r = 0; r < N; r++)
        lab[8 + r] = (unsigned char)r;
    char ip[256], lp[256];
    snprintf(ip, sizeof ip, "%s", tmp_path("b-img.idx"));
    snprintf(lp, sizeof lp, "%s", tmp_path("b-lab.idx"));
    write_file(ip, img, sizeof img);
    write_file(lp, lab, sizeof lab);
    forget_dataset *fl, *by;
    ck_assert_int_eq(forget_dataset_load_idx(&fl, ip, lp, NULL), FORGET_OK);
    ck_assert_int_eq(forget_dataset_load_idx(&by, ip, lp, "storage=bytes"),
                     FORGET_OK);
    int seen[256] = {0};
    const float *xf = forget_dataset_x(fl);
    for (size_t i = 0; i < (size_t)N * W * H; i++) {
        seen[img[16 + i]] = 1;
        ck_assert_float_eq(xf[i], (float)img[16 + i] / 255.0f);
    }
    for (int v = 0; v < 256; v++)
        ck_assert_msg(seen[v], "byte %d is not in the image", v);
    float x[N * W * H];
    for (size_t r = 0; r < N; r++) {
        ck_assert_int_eq(forget_dataset_copy_rows(by, r, 1, x, W * H),
                         FORGET_OK);
        ck_assert_mem_eq(x, xf + r * W * H, W * H * sizeof *x);
    }
    ck_assert_int_eq(forget_dataset_copy_rows(by, 0, N, x, N * W * H),
                     FORGET_OK);
    ck_assert_mem_eq(x, xf, sizeof x);
    forget_dataset_free(fl);
    forget_dataset_free(by);
}
END_TEST

START_TEST(training_and_evaluation_are_identical)
{
    forget_dataset *fl, *by;
    load_both(&fl, &by);
    forget_model *a, *b;
    ck_assert_int_eq(forget_model_create(&a, "mlp", "layers=12-8-3 seed=2"),
                     FORGET_OK);
    ck_assert_int_eq(forget_model_clone(&b, a), FORGET_OK);
    const char *recipe = "epochs=3 lr=0.05 batch=32";
    ck_assert_int_eq(forget_model_train(a, fl, recipe), FORGET_OK);
    ck_assert_int_eq(forget_model_train(b, by, recipe), FORGET_OK);
    digest_eq(a, b);
    double acc_a, acc_b, loss_a, loss_b;
    ck_assert_int_eq(forget_eval_accuracy(a, fl, &acc_a), FORGET_OK);
    ck_assert_int_eq(forget_eval_accuracy(a, by, &acc_b), FORGET_OK);
    ck_assert(acc_a == acc_b && acc_a > 0.9);
    ck_assert_int_eq(forget_eval_loss(a, fl, &loss_a), FORGET_OK);
    ck_assert_int_eq(forget_eval_loss(a, by, &loss_b), FORGET_OK);
    ck_assert(loss_a == loss_b);
    float *pa = malloc(ROWS * 3 * sizeof *pa), *pb = malloc(ROWS * 3 * sizeof *pb);
    ck_assert_int_eq(forget_model_predict(a, fl, pa, ROWS * 3), FORGET_OK);
    ck_assert_int_eq(forget_model_predict(a, by, pb, ROWS * 3), FORGET_OK);
    ck_assert_mem_eq(pa, pb, ROWS * 3 * sizeof *pa);
    free(pa);
    free(pb);
    forget_model_free(a);
    forget_model_free(b);
    forget_dataset_free(fl);
    forget_dataset_free(by);
}
END_TEST

/* One method on both datasets: prepare, then forget 5 ids (by rows or by
 * ids); the models must end with equal digests. */
static void same_method(const char *method, const char *kind,
                        const char *kparams, const char *mparams, int by_ids)
{
    forget_dataset *fl, *by;
    load_both(&fl, &by);
    forget_model *m[2];
    ck_assert_int_eq(forget_model_create(&m[0], kind, kparams), FORGET_OK);
    if (!strcmp(kind, "mlp"))
        ck_assert_int_eq(forget_model_train(m[0], fl, "epochs=2"), FORGET_OK);
    ck_assert_int_eq(forget_model_clone(&m[1], m[0]), FORGET_OK);
    forget_dataset *data[2] = {fl, by};
    uint64_t ids[5] = {3, 40, 41, 150, 239};
    forget_unlearner *u[2];
    for (int i = 0; i < 2; i++) {
        ck_assert_int_eq(forget_unlearner_create(&u[i], method, m[i],
                                                 mparams), FORGET_OK);
        ck_assert_int_eq(forget_unlearner_prepare(u[i], data[i]), FORGET_OK);
        if (by_ids) {
            ck_assert_int_eq(forget_unlearner_forget_ids(u[i], ids, 5),
                             FORGET_OK);
        } else {
            forget_dataset *f;
            ck_assert_int_eq(forget_dataset_subset_ids(&f, data[i], ids, 5),
                             FORGET_OK);
            ck_assert_int_eq(forget_unlearner_forget(u[i], f), FORGET_OK);
            forget_dataset_free(f);
        }
    }
    digest_eq(forget_unlearner_model(u[0]), forget_unlearner_model(u[1]));
    for (int i = 0; i < 2; i++) {
        forget_unlearner_free(u[i]);
        forget_model_free(m[i]);
    }
    forget_dataset_free(fl);
    forget_dataset_free(by);
}

START_TEST(methods_are_identical)
{
    same_method("ssd", "mlp", "layers=12-8-3 seed=2", "", 0);
    same_method("analytic", "analytic", "inputs=12 outputs=3",
                "keep_rows=true", 1);
    same_method("analytic", "analytic", "inputs=12 outputs=3", "", 0);
    same_method("sisa", "mlp", "layers=12-8-3 seed=2",
                "shards=2 slices=2 epochs=1", 1);
}
END_TEST

/* sisa keeps the rows of a byte dataset as bytes, saves them as bytes
 * (SDXN + SDX8, a quarter of SDX) and, loaded back, keeps forgetting
 * exactly as the float one does. */
START_TEST(sisa_state_keeps_bytes)
{
    forget_dataset *fl, *by;
    load_both(&fl, &by);
    forget_dataset *data[2] = {fl, by};
    forget_unlearner *u[2];
    forget_model *t = NULL;
    ck_assert_int_eq(forget_model_create(&t, "mlp", "layers=12-8-3 seed=2"),
                     FORGET_OK);
    uint64_t first[3] = {3, 40, 150}, more[2] = {41, 239};
    size_t len[2], size;
    for (int i = 0; i < 2; i++) {
        ck_assert_int_eq(forget_unlearner_create(&u[i], "sisa", t,
                                                 "shards=2 slices=2 epochs=1"),
                         FORGET_OK);
        ck_assert_int_eq(forget_unlearner_prepare(u[i], data[i]), FORGET_OK);
        ck_assert_int_eq(forget_unlearner_forget_ids(u[i], first, 3),
                         FORGET_OK);
        unsigned char *st = saved_state(u[i], &len[i]);
        const unsigned char *fx = find_section(st, len[i], "SDX ", &size);
        const unsigned char *bx = find_section(st, len[i], "SDX8", &size);
        if (i == 0) {
            ck_assert_ptr_nonnull(fx);
            ck_assert_ptr_null(bx);
        } else { /* 237 rows of 12 bytes, and the scale flag */
            ck_assert_ptr_null(fx);
            ck_assert_ptr_nonnull(bx);
            ck_assert_uint_eq(size, (ROWS - 3) * PIX);
            bx = find_section(st, len[i], "SDXN", &size);
            ck_assert_ptr_nonnull(bx);
            ck_assert_uint_eq(size, 1);
            ck_assert_uint_eq(bx[0], 1);
            ck_assert_uint_lt(len[1], len[0]);
        }
        /* Load it back in place of the original, and forget more. */
        forget_unlearner *v = NULL;
        ck_assert_int_eq(forget_unlearner_load_buffer(&v, t, st, len[i]),
                         FORGET_OK);
        free(st);
        forget_unlearner_free(u[i]);
        u[i] = v;
        ck_assert_int_eq(forget_unlearner_forget_ids(u[i], more, 2),
                         FORGET_OK);
    }
    digest_eq(forget_unlearner_model(u[0]), forget_unlearner_model(u[1]));
    /* A byte state whose scale flag is not 0 or 1 is refused. */
    size_t n;
    unsigned char *st = saved_state(u[1], &n);
    const unsigned char *flag = find_section(st, n, "SDXN", &size);
    ck_assert_ptr_nonnull(flag);
    unsigned char *h = st + (flag - st) - 24; /* its section header */
    h[24] = 7;
    uint32_t c = crc32c_bitwise(h + 24, 1);
    uint32_t hc;
    for (int i = 0; i < 4; i++)
        h[16 + i] = (unsigned char)(c >> (8 * i));
    hc = crc32c_bitwise(h, 20);
    for (int i = 0; i < 4; i++)
        h[20 + i] = (unsigned char)(hc >> (8 * i));
    forget_unlearner *bad = NULL;
    ck_assert_int_eq(forget_unlearner_load_buffer(&bad, t, st, n),
                     FORGET_E_FORMAT);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "features"));
    ck_assert_ptr_null(bad);
    free(st);
    for (int i = 0; i < 2; i++)
        forget_unlearner_free(u[i]);
    forget_model_free(t);
    forget_dataset_free(fl);
    forget_dataset_free(by);
}
END_TEST

START_TEST(bytes_need_byte_images)
{
    char img[256], lab[256];
    snprintf(img, sizeof img, "%s", tmp_path("f-img.idx"));
    snprintf(lab, sizeof lab, "%s", tmp_path("f-lab.idx"));
    write_idx(img, lab, 1);
    forget_dataset *ds = NULL;
    ck_assert_int_eq(forget_dataset_load_idx(&ds, img, lab, "storage=bytes"),
                     FORGET_E_INVALID);
    ck_assert_ptr_nonnull(strstr(forget_last_error(), "storage=bytes"));
    ck_assert_ptr_null(ds);
    ck_assert_int_eq(forget_dataset_load_idx(&ds, img, lab, "storage=half"),
                     FORGET_E_PARAM);
    ck_assert_int_eq(forget_dataset_load_idx(&ds, img, lab, NULL), FORGET_OK);
    forget_dataset_free(ds);
}
END_TEST

Suite *suite_compact(void)
{
    Suite *s = suite_create("compact");
    TCase *tc = tcase_create("compact");
    tcase_add_checked_fixture(tc, fixture_init, fixture_shutdown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, values_and_subsets);
    tcase_add_test(tc, every_byte_value_converts_as_the_loader);
    tcase_add_test(tc, sisa_state_keeps_bytes);
    tcase_add_test(tc, training_and_evaluation_are_identical);
    tcase_add_test(tc, methods_are_identical);
    tcase_add_test(tc, bytes_need_byte_images);
    suite_add_tcase(s, tc);
    return s;
}
