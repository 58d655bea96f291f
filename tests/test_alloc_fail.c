/* Allocation-failure injection: for every public call below, fail its
 * k-th allocation for k = 1, 2, ... until the call completes. Each failed
 * call must return FORGET_E_NOMEM, leak nothing, leave its output pointer
 * untouched and its inputs byte-for-byte as they were. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

typedef struct ctx {
    forget_dataset *base;   /* 30 rows, 4 features, 3 classes */
    forget_model *model;    /* mlp 4-5-3 */
    unsigned char *saved;   /* model saved to a buffer */
    size_t saved_len;
    forget_dataset *remove; /* 5 of base's rows */
    forget_unlearner *u;    /* a toy unlearner (for prepare/forget) */
    forget_unlearner *ssd;  /* an ssd unlearner on model */
    forget_model *am;       /* an analytic model (random map) */
    forget_unlearner *an;   /* its analytic unlearner, keep_rows=true */
    forget_unlearner *si;   /* a sisa unlearner (template: model) */
    unsigned char *state;   /* ssd's state saved to a buffer */
    size_t state_len;
    char img[256], lab[256], imggz[256], csvgz[256];
} ctx;

typedef int (*op_fn)(ctx *c, void **out);

static int op_create(ctx *c, void **out)
{
    (void)c;
    float x[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    int32_t y[2] = {0, 1};
    return forget_dataset_create((forget_dataset **)out, 2, 4, x, y, NULL);
}

static int op_create_regression(ctx *c, void **out)
{
    (void)c;
    float x[2] = {1, 2}, t[4] = {1, 2, 3, 4};
    uint64_t ids[2] = {9, 4};
    return forget_dataset_create_regression((forget_dataset **)out, 2, 1, x, t,
                                            2, ids);
}

static const uint64_t g_ids[3] = {117, 101, 129};

static int op_subset_ids(ctx *c, void **out)
{
    return forget_dataset_subset_ids((forget_dataset **)out, c->base, g_ids, 3);
}

static int op_exclude_ids(ctx *c, void **out)
{
    return forget_dataset_exclude_ids((forget_dataset **)out, c->base, g_ids,
                                      3);
}

static int op_complement(ctx *c, void **out)
{
    return forget_dataset_complement((forget_dataset **)out, c->base,
                                     c->remove);
}

static int op_subset_class(ctx *c, void **out)
{
    return forget_dataset_subset_class((forget_dataset **)out, c->base, 2);
}

static int op_slice(ctx *c, void **out)
{
    return forget_dataset_slice((forget_dataset **)out, c->base, 3, 17);
}

static int op_load_idx(ctx *c, void **out)
{
    return forget_dataset_load_idx((forget_dataset **)out, c->img, c->lab,
                                   "limit=0");
}

static int op_load_idx_gz(ctx *c, void **out)
{
    return forget_dataset_load_idx((forget_dataset **)out, c->imggz, c->lab,
                                   NULL);
}

static int op_load_idx_bytes(ctx *c, void **out)
{
    return forget_dataset_load_idx((forget_dataset **)out, c->imggz, c->lab,
                                   "storage=bytes");
}

static int op_load_csv_gz(ctx *c, void **out)
{
    return forget_dataset_load_csv((forget_dataset **)out, c->csvgz,
                                   "header=true label=-1");
}

static int op_unlearner_create(ctx *c, void **out)
{
    (void)c;
    return forget_unlearner_create((forget_unlearner **)out, "toy", NULL,
                                   "scale=2 mode=\"slow\"");
}

static int op_prepare(ctx *c, void **out)
{
    (void)out;
    return forget_unlearner_prepare(c->u, c->base);
}

static int op_forget(ctx *c, void **out)
{
    (void)out;
    return forget_unlearner_forget(c->u, c->remove);
}

static int op_model_create(ctx *c, void **out)
{
    (void)c;
    return forget_model_create((forget_model **)out, "mlp",
                               "layers=4-6-3 act=tanh");
}

static int op_model_clone(ctx *c, void **out)
{
    return forget_model_clone((forget_model **)out, c->model);
}

static int op_train(ctx *c, void **out)
{
    (void)out;
    return forget_model_train(c->model, c->base, "epochs=2 batch=8");
}

static int op_train_adam(ctx *c, void **out)
{
    (void)out;
    return forget_model_train(c->model, c->base, "optimizer=adam epochs=1");
}

/* Three lanes, run one after another on this thread (the counting
 * allocator is not for several threads): the lanes' buffers and a failure
 * carried out of a lane. */
static int op_train_lanes(ctx *c, void **out)
{
    (void)out;
    ck_assert_int_eq(forget_set_threads(1), FORGET_OK);
    int rc = forget_model_train(c->model, c->base, "epochs=1 batch=8 lanes=3");
    ck_assert_int_eq(forget_set_threads(0), FORGET_OK);
    return rc;
}

static int op_save_buffer(ctx *c, void **out)
{
    (void)out;
    return forget_model_save_buffer(c->model, c->saved, c->saved_len,
                                    &c->saved_len);
}

static int op_save_file(ctx *c, void **out)
{
    (void)out;
    return forget_model_save(c->model, tmp_path("alloc.fgm"));
}

static int op_load_buffer(ctx *c, void **out)
{
    return forget_model_load_buffer((forget_model **)out, c->saved,
                                    c->saved_len);
}

static int op_load_file(ctx *c, void **out)
{
    (void)c;
    return forget_model_load((forget_model **)out, tmp_path("alloc.fgm"));
}

static int op_eval(ctx *c, void **out)
{
    (void)out;
    double acc, loss, per[3], mx, mean;
    uint64_t conf[9];
    float probs[90];
    int rc = forget_eval_accuracy(c->model, c->base, &acc);
    if (rc == FORGET_OK)
        rc = forget_eval_loss(c->model, c->base, &loss);
    if (rc == FORGET_OK)
        rc = forget_eval_class_accuracy(c->model, c->base, per, 3);
    if (rc == FORGET_OK)
        rc = forget_eval_confusion(c->model, c->base, conf, 3);
    if (rc == FORGET_OK)
        rc = forget_eval_mia(c->model, c->base, c->remove, c->remove, &acc);
    if (rc == FORGET_OK)
        rc = forget_eval_loss_auc(c->model, c->base, c->remove, &acc);
    if (rc == FORGET_OK)
        rc = forget_eval_output_distance(c->model, c->model, c->base, &mx,
                                         &mean);
    if (rc == FORGET_OK)
        rc = forget_model_predict(c->model, c->base, probs, 90);
    return rc;
}

static int op_ssd_create(ctx *c, void **out)
{
    return forget_unlearner_create((forget_unlearner **)out, "ssd", c->model,
                                   "alpha=1.5");
}

static int op_ssd_prepare(ctx *c, void **out)
{
    (void)out;
    return forget_unlearner_prepare(c->ssd, c->base);
}

static int op_ssd_forget(ctx *c, void **out)
{
    (void)out;
    return forget_unlearner_forget(c->ssd, c->remove);
}

static int op_set_heldout(ctx *c, void **out)
{
    (void)out;
    return forget_unlearner_set_heldout(c->ssd, c->base);
}

static int op_ssd_save(ctx *c, void **out)
{
    (void)out;
    return forget_unlearner_save_buffer(c->ssd, c->state, c->state_len,
                                        &c->state_len);
}

static int op_ssd_load(ctx *c, void **out)
{
    return forget_unlearner_load_buffer((forget_unlearner **)out, c->model,
                                        c->state, c->state_len);
}

static int op_an_model(ctx *c, void **out)
{
    (void)c;
    return forget_model_create((forget_model **)out, "analytic",
                               "inputs=4 outputs=3 features=random width=6");
}

static int op_an_fit(ctx *c, void **out)
{
    (void)out;
    return forget_model_train(c->am, c->base, "");
}

static int op_an_trunk(ctx *c, void **out)
{
    return forget_model_create_trunk((forget_model **)out, c->model, "");
}

static int op_an_create(ctx *c, void **out)
{
    return forget_unlearner_create((forget_unlearner **)out, "analytic", c->am,
                                   "keep_rows=true");
}

static int op_an_prepare(ctx *c, void **out)
{
    (void)out;
    return forget_unlearner_prepare(c->an, c->base);
}

static int op_an_forget(ctx *c, void **out)
{
    (void)out;
    return forget_unlearner_forget(c->an, c->remove);
}

static int op_an_learn(ctx *c, void **out)
{
    (void)out;
    return forget_unlearner_learn(c->an, c->remove);
}

static int op_an_forget_ids(ctx *c, void **out)
{
    (void)out;
    const uint64_t ids[3] = {101, 102, 103};
    return forget_unlearner_forget_ids(c->an, ids, 3);
}

static int op_an_refactor(ctx *c, void **out)
{
    (void)out;
    forget_unlearner *u = NULL;
    int rc = forget_unlearner_load_buffer(&u, c->am, c->state, c->state_len);
    forget_unlearner_free(u);
    return rc;
}

static int op_si_create(ctx *c, void **out)
{
    return forget_unlearner_create((forget_unlearner **)out, "sisa", c->model,
                                   "shards=2 slices=2 threads=1 train=\"batch=8\"");
}

static int op_si_prepare(ctx *c, void **out)
{
    (void)out;
    return forget_unlearner_prepare(c->si, c->base);
}

static int op_si_forget(ctx *c, void **out)
{
    (void)out;
    const uint64_t ids[3] = {104, 111, 100};
    return forget_unlearner_forget_ids(c->si, ids, 3);
}

static int op_si_forget_journaled(ctx *c, void **out)
{
    (void)out;
    const uint64_t ids[2] = {105, 107};
    return forget_unlearner_forget_ids(c->si, ids, 2);
}

/* Load the state and open its journal (recovery), then free both. */
static int op_si_reopen(ctx *c, void **out)
{
    (void)out;
    forget_unlearner *u = NULL;
    int rc = forget_unlearner_load_buffer(&u, c->model, c->state,
                                          c->state_len);
    if (rc == FORGET_OK)
        rc = forget_unlearner_open_journal(u, tmp_path("alloc.journal"), 0);
    forget_unlearner_free(u);
    return rc;
}

static int op_si_load(ctx *c, void **out)
{
    return forget_unlearner_load_buffer((forget_unlearner **)out, c->model,
                                        c->state, c->state_len);
}

/* Bytes that must not change: the base dataset's arrays. */
static unsigned char *snapshot(const ctx *c, size_t *len)
{
    size_t n = forget_dataset_rows(c->base), d = forget_dataset_features(c->base);
    *len = n * d * 4 + n * 4 + n * 8;
    unsigned char *s = malloc(*len);
    memcpy(s, forget_dataset_x(c->base), n * d * 4);
    memcpy(s + n * d * 4, forget_dataset_labels(c->base), n * 4);
    memcpy(s + n * d * 4 + n * 4, forget_dataset_ids(c->base), n * 8);
    forget_unlearner *holders[3] = {c->ssd, c->an, c->si};
    for (int h = 0; h < 3; h++) {
        if (holders[h] == NULL)
            continue;
        size_t bytes = 0;
        ck_assert_int_eq(forget_unlearner_save_buffer(holders[h], NULL, 0,
                                                      &bytes), FORGET_OK);
        s = realloc(s, *len + bytes);
        ck_assert_int_eq(forget_unlearner_save_buffer(holders[h], s + *len,
                                                      bytes, &bytes),
                         FORGET_OK);
        *len += bytes;
    }
    forget_model *models[2] = {c->model, c->am};
    for (int h = 0; h < 2; h++) {
        if (models[h] == NULL)
            continue;
        size_t p = forget_model_param_count(models[h]);
        s = realloc(s, *len + p * 4);
        forget_model_get_params(models[h], (float *)(void *)(s + *len), p);
        *len += p * 4;
    }
    return s;
}

/* Run op with the k-th allocation failing, for every k; returns how many
 * failing runs were checked. */
typedef void (*free_fn)(void *);

static void free_dataset(void *p) { forget_dataset_free(p); }
static void free_unlearner(void *p) { forget_unlearner_free(p); }
static void free_model(void *p) { forget_model_free(p); }

static int g_calls_swept;

static long sweep(ctx *c, const char *name, op_fn op, free_fn release)
{
    g_calls_swept++;
    size_t len0;
    unsigned char *before = snapshot(c, &len0);
    long checked = 0;
    for (long k = 1; k < 10000; k++) {
        long live = g_alloc.live;
        void *sentinel = &sentinel, *out = sentinel;
        const forget_report *report = c->u ? forget_unlearner_report(c->u)
                                           : NULL;
        size_t forgets = g_toy_last ? g_toy_last->forgets : 0;
        test_alloc_arm(k);
        int rc = op(c, &out);
        g_alloc.fail_at = 0;
        if (g_alloc.failed == 0) {
            ck_assert_msg(rc == FORGET_OK, "%s: %s", name, forget_last_error());
            if (out != sentinel)
                release(out);
            break;
        }
        ck_assert_msg(rc == FORGET_E_NOMEM, "%s, allocation %ld: rc %d (%s)",
                      name, k, rc, forget_last_error());
        ck_assert_msg(g_alloc.live == live, "%s, allocation %ld: %ld blocks "
                      "leaked", name, k, g_alloc.live - live);
        ck_assert_ptr_eq(out, sentinel);
        if (c->u) {
            ck_assert_ptr_eq(forget_unlearner_report(c->u), report);
            ck_assert_uint_eq(g_toy_last->forgets, forgets);
        }
        size_t len1;
        unsigned char *after = snapshot(c, &len1);
        ck_assert_msg(memcmp(before, after, len0) == 0, "%s, allocation "
                      "%ld: the inputs changed", name, k);
        free(after);
        checked++;
    }
    free(before);
    ck_assert_msg(checked > 0, "%s allocated nothing", name);
    return checked;
}

static void write_inputs(ctx *c)
{
    unsigned char img[16 + 40 * 6], lab[8 + 40];
    const unsigned char ih[16] = {0, 0, 8, 3, 0, 0, 0, 40, 0, 0, 0, 2,
                                  0, 0, 0, 3};
    const unsigned char lh[8] = {0, 0, 8, 1, 0, 0, 0, 40};
    memcpy(img, ih, 16);
    memcpy(lab, lh, 8);
    for (int i = 0; i < 40 * 6; i++)
        img[16 + i] = (unsigned char)i;
    for (int i = 0; i < 40; i++)
        lab[8 + i] = (unsigned char)(i % 10);
    snprintf(c->img, sizeof c->img, "%s", tmp_path("a.idx"));
    snprintf(c->lab, sizeof c->lab, "%s", tmp_path("a-labels.idx"));
    snprintf(c->imggz, sizeof c->imggz, "%s", tmp_path("a.idx.gz"));
    snprintf(c->csvgz, sizeof c->csvgz, "%s", tmp_path("a.csv.gz"));
    write_file(c->img, img, sizeof img);
    write_file(c->lab, lab, sizeof lab);
    write_gz(c->imggz, img, sizeof img);
    char csv[70000];
    size_t used = (size_t)snprintf(csv, sizeof csv, "a,b,label\n");
    for (int i = 0; used + 40 < sizeof csv; i++)
        used += (size_t)snprintf(csv + used, sizeof csv - used,
                                 "%d.5,%d,%d\n", i, -i, i % 4);
    write_gz(c->csvgz, csv, used);
}

START_TEST(every_allocation_may_fail)
{
    test_alloc_install();
    ck_assert_int_eq(forget_init(), FORGET_OK);
    ck_assert_int_eq(forget_register_method(toy_method()), FORGET_OK);
    ctx c;
    memset(&c, 0, sizeof c);
    write_inputs(&c);
    c.base = make_dataset(30, 4, 3);
    uint64_t rm[5] = {100, 104, 111, 123, 129};
    ck_assert_int_eq(forget_dataset_subset_ids(&c.remove, c.base, rm, 5),
                     FORGET_OK);

    struct {
        const char *name;
        op_fn op;
    } ops[] = {
        {"dataset_create", op_create},
        {"dataset_create_regression", op_create_regression},
        {"dataset_subset_ids", op_subset_ids},
        {"dataset_exclude_ids", op_exclude_ids},
        {"dataset_complement", op_complement},
        {"dataset_subset_class", op_subset_class},
        {"dataset_slice", op_slice},
        {"dataset_load_idx", op_load_idx},
        {"dataset_load_idx (gzip)", op_load_idx_gz},
        {"dataset_load_idx (storage=bytes)", op_load_idx_bytes},
        {"dataset_load_csv (gzip)", op_load_csv_gz},
    };
    long total = 0;
    for (size_t i = 0; i < sizeof ops / sizeof *ops; i++)
        total += sweep(&c, ops[i].name, ops[i].op, free_dataset);
    total += sweep(&c, "unlearner_create", op_unlearner_create,
                   free_unlearner);

    ck_assert_int_eq(forget_unlearner_create(&c.u, "toy", NULL, NULL),
                     FORGET_OK);
    total += sweep(&c, "unlearner_prepare", op_prepare, free_unlearner);
    ck_assert_int_eq(forget_unlearner_is_prepared(c.u), 1);
    total += sweep(&c, "unlearner_forget", op_forget, free_unlearner);
    ck_assert_uint_eq(g_toy_last->forgets, 1);
    forget_unlearner_free(c.u);
    c.u = NULL;

    /* Models: training, files and evaluation. The model's parameters are
     * part of the snapshot, so a failed training must restore them. */
    total += sweep(&c, "model_create", op_model_create, free_model);
    ck_assert_int_eq(forget_model_create(&c.model, "mlp", "layers=4-5-3"),
                     FORGET_OK);
    struct {
        const char *name;
        op_fn op;
    } model_ops[] = {
        {"model_clone", op_model_clone},   {"model_train", op_train},
        {"model_train (adam)", op_train_adam},
        {"model_train (lanes=3)", op_train_lanes},
        {"model_save_file", op_save_file}, {"model_load_file", op_load_file},
        {"eval_*", op_eval},
    };
    for (size_t i = 0; i < sizeof model_ops / sizeof *model_ops; i++)
        total += sweep(&c, model_ops[i].name, model_ops[i].op, free_model);
    ck_assert_int_eq(forget_model_save_buffer(c.model, NULL, 0, &c.saved_len),
                     FORGET_OK);
    c.saved = malloc(c.saved_len);
    total += sweep(&c, "model_save_buffer", op_save_buffer, free_model);
    total += sweep(&c, "model_load_buffer", op_load_buffer, free_model);
    free(c.saved);

    /* ssd: prepare, forget, save, load. */
    total += sweep(&c, "ssd create", op_ssd_create, free_unlearner);
    ck_assert_int_eq(forget_unlearner_create(&c.ssd, "ssd", c.model,
                                             "alpha=1.5"), FORGET_OK);
    total += sweep(&c, "ssd prepare", op_ssd_prepare, free_unlearner);
    ck_assert_int_eq(forget_unlearner_save_buffer(c.ssd, NULL, 0,
                                                  &c.state_len), FORGET_OK);
    c.state = malloc(c.state_len);
    total += sweep(&c, "ssd save_buffer", op_ssd_save, free_unlearner);
    total += sweep(&c, "ssd load_buffer", op_ssd_load, free_unlearner);
    total += sweep(&c, "ssd forget", op_ssd_forget, free_unlearner);
    double dampened = -1;
    forget_report_get(forget_unlearner_report(c.ssd), "dampened", &dampened);
    ck_assert_double_ge(dampened, 0);
    free(c.state);
    forget_unlearner_free(c.ssd);
    c.ssd = NULL;
    /* calibrated ssd: the held-out rows, and a search on copies */
    ck_assert_int_eq(forget_unlearner_create(&c.ssd, "ssd", c.model,
                                             "target=heldout tolerance=1 "
                                             "trials=4"), FORGET_OK);
    ck_assert_int_eq(forget_unlearner_prepare(c.ssd, c.base), FORGET_OK);
    total += sweep(&c, "set_heldout", op_set_heldout, free_unlearner);
    total += sweep(&c, "ssd forget (calibrated)", op_ssd_forget,
                   free_unlearner);
    ck_assert_int_eq(forget_report_get(forget_unlearner_report(c.ssd),
                                       "calibration_trials", &dampened),
                     FORGET_OK);
    forget_unlearner_free(c.ssd);
    c.ssd = NULL;

    /* a fine-tuning method (the retained sample and the guard): prepare,
     * save, load, forget (the guard measures, judges and drops rows
     * even when its limit cannot be reached) */
    ck_assert_int_eq(forget_unlearner_create(&c.ssd, "neggrad", c.model,
                                             "epochs=1 guard=1e6"),
                     FORGET_OK);
    total += sweep(&c, "neggrad prepare", op_ssd_prepare, free_unlearner);
    ck_assert_int_eq(forget_unlearner_save_buffer(c.ssd, NULL, 0,
                                                  &c.state_len), FORGET_OK);
    c.state = malloc(c.state_len);
    total += sweep(&c, "neggrad save_buffer", op_ssd_save, free_unlearner);
    total += sweep(&c, "neggrad load_buffer", op_ssd_load, free_unlearner);
    total += sweep(&c, "neggrad forget", op_ssd_forget, free_unlearner);
    ck_assert_int_eq(forget_report_get(forget_unlearner_report(c.ssd),
                                       "guard_rows", &dampened),
                     FORGET_OK);
    ck_assert_double_eq(dampened, 25);
    free(c.state);
    forget_unlearner_free(c.ssd);
    c.ssd = NULL;

    /* analytic: the kind, fitting, and every request of the method. */
    total += sweep(&c, "analytic model", op_an_model, free_model);
    total += sweep(&c, "analytic trunk", op_an_trunk, free_model);
    ck_assert_int_eq(op_an_model(&c, (void **)&c.am), FORGET_OK);
    total += sweep(&c, "analytic fit", op_an_fit, free_model);
    total += sweep(&c, "analytic create", op_an_create, free_unlearner);
    ck_assert_int_eq(op_an_create(&c, (void **)&c.an), FORGET_OK);
    total += sweep(&c, "analytic prepare", op_an_prepare, free_unlearner);
    total += sweep(&c, "analytic forget", op_an_forget, free_unlearner);
    total += sweep(&c, "analytic learn", op_an_learn, free_unlearner);
    total += sweep(&c, "analytic forget_ids", op_an_forget_ids,
                   free_unlearner);
    ck_assert_int_eq(forget_unlearner_save_buffer(c.an, NULL, 0,
                                                  &c.state_len), FORGET_OK);
    c.state = malloc(c.state_len);
    ck_assert_int_eq(forget_unlearner_save_buffer(c.an, c.state, c.state_len,
                                                  &c.state_len), FORGET_OK);
    total += sweep(&c, "analytic load", op_an_refactor, free_unlearner);
    free(c.state);
    forget_unlearner_free(c.an);
    forget_model_free(c.am);
    c.an = NULL;
    c.am = NULL;

    /* sisa: prepare, forget by ids, load. */
    total += sweep(&c, "sisa create", op_si_create, free_unlearner);
    ck_assert_int_eq(op_si_create(&c, (void **)&c.si), FORGET_OK);
    total += sweep(&c, "sisa prepare", op_si_prepare, free_unlearner);
    total += sweep(&c, "sisa forget_ids", op_si_forget, free_unlearner);
    ck_assert_int_eq(forget_unlearner_save_buffer(c.si, NULL, 0,
                                                  &c.state_len), FORGET_OK);
    c.state = malloc(c.state_len);
    ck_assert_int_eq(forget_unlearner_save_buffer(c.si, c.state, c.state_len,
                                                  &c.state_len), FORGET_OK);
    total += sweep(&c, "sisa load", op_si_load, free_unlearner);
    /* the same request journaled; then recovery from the state before it
     * (which finishes it again) */
    remove(tmp_path("alloc.journal"));
    ck_assert_int_eq(forget_unlearner_open_journal(c.si,
                                                   tmp_path("alloc.journal"),
                                                   0), FORGET_OK);
    total += sweep(&c, "sisa forget_ids (journaled)", op_si_forget_journaled,
                   free_unlearner);
    forget_unlearner_free(c.si);
    c.si = NULL;
    total += sweep(&c, "sisa load + open_journal (recovery)", op_si_reopen,
                   free_unlearner);
    free(c.state);
    forget_model_free(c.model);
    forget_dataset_free(c.remove);
    forget_dataset_free(c.base);
    ck_assert_int_eq(g_alloc.live, 0);
    ck_assert_int_eq(forget_shutdown(), FORGET_OK);
    test_alloc_uninstall();
    ck_assert_int_gt(total, 30);
    printf("alloc-fail: %ld failed allocations checked over %d calls\n",
           total, g_calls_swept);
}
END_TEST

START_TEST(params_parse_allocations_may_fail)
{
    test_alloc_install();
    static const forget_param_def defs[] = {
        {"path", FORGET_PARAM_STRING, "x", 0, -1, NULL, ""}};
    long k;
    for (k = 1;; k++) {
        forget_params *p = NULL;
        test_alloc_arm(k);
        int rc = forget_params_parse(&p, defs, 1, sizeof *defs, "t",
                                     "path=\"a b\"");
        g_alloc.fail_at = 0;
        if (g_alloc.failed == 0) {
            ck_assert_int_eq(rc, FORGET_OK);
            forget_params_free(p);
            break;
        }
        ck_assert_int_eq(rc, FORGET_E_NOMEM);
        ck_assert_ptr_null(p);
        ck_assert_int_eq(g_alloc.live, 0);
    }
    ck_assert_int_gt(k, 1);
    test_alloc_uninstall();
}
END_TEST

Suite *suite_alloc_fail(void)
{
    Suite *s = suite_create("alloc-fail");
    TCase *tc = tcase_create("alloc-fail");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, every_allocation_may_fail);
    tcase_add_test(tc, params_parse_allocations_may_fail);
    suite_add_tcase(s, tc);
    return s;
}
