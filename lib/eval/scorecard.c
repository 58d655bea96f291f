/* The scorecard against retraining: forget, retain and test accuracy, the
 * entropy attack and the loss-threshold AUC of the model judged, of the
 * retrained model and of the original, and the gaps to the retrained one.
 * Each model makes one forward pass over each set; accuracy, losses and
 * entropies all come from it, with the same code (and so the same bits)
 * as forget_eval_accuracy, forget_eval_mia and forget_eval_loss_auc. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "util/alloc.h"
#include "util/error.h"
#include "data/dataset.h"
#include "eval/eval.h"

/* The size of the first version of forget_scorecard: every field up to
 * avg_gap. Later versions append; a caller's struct_size must reach this. */
#define FG_SCORECARD_V1_SIZE \
    (offsetof(forget_scorecard, avg_gap) + sizeof(double))

/* What one model's pass over one set gives. */
typedef struct fg_pass {
    size_t hits;  /* rows predicted right */
    float *loss;  /* per-row losses, when asked for */
    double *ent;  /* per-row entropies of the predicted distribution */
} fg_pass;

static void fg_pass_free(fg_pass *p)
{
    fg_free(p->loss);
    fg_free(p->ent);
}

static int fg_pass_run(const forget_model *m, const forget_dataset *ds,
                       int want_loss, fg_pass *p)
{
    float *z = NULL;
    size_t n = ds->n, k = m->outputs;
    int rc = fg_eval_outputs(m, ds, 0, &z, "forget_eval_scorecard");
    if (rc != FORGET_OK)
        return rc;
    p->ent = fg_malloc_array(n, sizeof *p->ent);
    if (want_loss)
        p->loss = fg_malloc_array(n, sizeof *p->loss);
    if (p->ent == NULL || (want_loss && p->loss == NULL)) {
        fg_free(z);
        return fg_nomem("a scorecard's per-row figures");
    }
    p->hits = fg_eval_hits(z, n, k, ds->labels);
    if (want_loss)
        fg_eval_losses_of(m, ds, z, p->loss);
    for (size_t i = 0; i < n; i++) /* logits to probabilities, in place */
        fg_softmax(z + i * k, k, z + i * k);
    fg_eval_entropies_of(z, n, k, p->ent);
    fg_free(z);
    return FORGET_OK;
}

/* forget_acc, retain_acc, test_acc, mia, loss_auc of one model. */
static int fg_figures(const forget_model *m, const forget_dataset *f,
                      const forget_dataset *r, const forget_dataset *t,
                      double fig[5])
{
    fg_pass pf = {0, NULL, NULL}, pr = {0, NULL, NULL}, pt = {0, NULL, NULL};
    int rc = fg_pass_run(m, f, 1, &pf);
    if (rc == FORGET_OK)
        rc = fg_pass_run(m, r, 0, &pr);
    if (rc == FORGET_OK)
        rc = fg_pass_run(m, t, 1, &pt);
    if (rc == FORGET_OK)
        rc = fg_eval_loss_auc_of(pf.loss, f->n, pt.loss, t->n, &fig[4]);
    if (rc == FORGET_OK) {
        fig[0] = (double)pf.hits / (double)f->n;
        fig[1] = (double)pr.hits / (double)r->n;
        fig[2] = (double)pt.hits / (double)t->n;
        fig[3] = fg_eval_mia_of(pr.ent, r->n, pt.ent, t->n, pf.ent, f->n);
    }
    fg_pass_free(&pf);
    fg_pass_free(&pr);
    fg_pass_free(&pt);
    return rc;
}

static int fg_check_model(const forget_model *m, const forget_model *model,
                          const char *what)
{
    if (m->task != FORGET_TASK_CLASSIFICATION)
        return fg_error(FORGET_E_INVALID, "forget_eval_scorecard: %s is a "
                        "regression model; the scorecard needs "
                        "classification", what);
    if (m->inputs != model->inputs || m->outputs != model->outputs)
        return fg_error(FORGET_E_INVALID, "forget_eval_scorecard: %s takes "
                        "%zu inputs to %zu outputs, the model judged %zu to "
                        "%zu", what, m->inputs, m->outputs, model->inputs,
                        model->outputs);
    return FORGET_OK;
}

static int fg_check_set(const forget_model *model, const forget_dataset *ds,
                        const char *what)
{
    if (ds->task != FORGET_TASK_CLASSIFICATION)
        return fg_error(FORGET_E_INVALID, "forget_eval_scorecard: the %s set "
                        "is for regression; the scorecard needs "
                        "classification", what);
    if (ds->n == 0)
        return fg_error(FORGET_E_INVALID, "forget_eval_scorecard: the %s set "
                        "is empty", what);
    char caller[64];
    snprintf(caller, sizeof caller, "forget_eval_scorecard: the %s set",
             what);
    return fg_model_check_data(model, ds, caller);
}

/* libbpf's rule for an extensible struct: at least the first version,
 * and any bytes beyond what this library knows zero. */
static int fg_check_size(const forget_scorecard *out)
{
    size_t size = out->struct_size;
    if (size < FG_SCORECARD_V1_SIZE)
        return fg_error(FORGET_E_VERSION, "forget_eval_scorecard: "
                        "struct_size %zu is smaller than the first "
                        "version's %zu bytes (set it to "
                        "sizeof(forget_scorecard))", size,
                        (size_t)FG_SCORECARD_V1_SIZE);
    const unsigned char *tail = (const unsigned char *)out;
    for (size_t i = sizeof *out; i < size; i++)
        if (tail[i] != 0)
            return fg_error(FORGET_E_VERSION, "forget_eval_scorecard: "
                            "struct_size %zu is larger than this library's "
                            "%zu bytes and byte %zu is not zero (a field "
                            "this library does not know)", size,
                            sizeof *out, i);
    return FORGET_OK;
}

static void fg_put(const double fig[5], double *forget_acc,
                   double *retain_acc, double *test_acc, double *mia,
                   double *loss_auc)
{
    *forget_acc = fig[0];
    *retain_acc = fig[1];
    *test_acc = fig[2];
    *mia = fig[3];
    *loss_auc = fig[4];
}

int forget_eval_scorecard(const forget_model *model,
                          const forget_model *original,
                          const forget_model *retrained,
                          const forget_dataset *forget,
                          const forget_dataset *retain,
                          const forget_dataset *test, forget_scorecard *out)
{
    FG_CHECK_ARG(model);
    FG_CHECK_ARG(forget);
    FG_CHECK_ARG(retain);
    FG_CHECK_ARG(test);
    FG_CHECK_ARG(out);
    int rc = fg_check_size(out);
    if (rc == FORGET_OK)
        rc = fg_check_model(model, model, "the model judged");
    if (rc == FORGET_OK && original)
        rc = fg_check_model(original, model, "original");
    if (rc == FORGET_OK && retrained)
        rc = fg_check_model(retrained, model, "retrained");
    if (rc == FORGET_OK)
        rc = fg_check_set(model, forget, "forget");
    if (rc == FORGET_OK)
        rc = fg_check_set(model, retain, "retain");
    if (rc == FORGET_OK)
        rc = fg_check_set(model, test, "test");
    if (rc != FORGET_OK)
        return rc;

    double mine[5], ref[5], orig[5];
    for (int i = 0; i < 5; i++)
        ref[i] = orig[i] = NAN;
    rc = fg_figures(model, forget, retain, test, mine);
    if (rc == FORGET_OK && retrained)
        rc = fg_figures(retrained, forget, retain, test, ref);
    if (rc == FORGET_OK && original)
        rc = fg_figures(original, forget, retain, test, orig);
    if (rc != FORGET_OK)
        return rc;

    forget_scorecard sc;
    memset(&sc, 0, sizeof sc);
    sc.struct_size = out->struct_size;
    fg_put(mine, &sc.forget_acc, &sc.retain_acc, &sc.test_acc, &sc.mia,
           &sc.loss_auc);
    fg_put(ref, &sc.ref_forget_acc, &sc.ref_retain_acc, &sc.ref_test_acc,
           &sc.ref_mia, &sc.ref_loss_auc);
    fg_put(orig, &sc.orig_forget_acc, &sc.orig_retain_acc,
           &sc.orig_test_acc, &sc.orig_mia, &sc.orig_loss_auc);
    double gap[5];
    for (int i = 0; i < 5; i++)
        gap[i] = 100.0 * fabs(mine[i] - ref[i]); /* NaN without ref */
    fg_put(gap, &sc.gap_forget_acc, &sc.gap_retain_acc, &sc.gap_test_acc,
           &sc.gap_mia, &sc.gap_loss_auc);
    sc.avg_gap = (gap[0] + gap[1] + gap[2] + gap[3]) / 4.0;
    size_t size = out->struct_size < sizeof sc ? out->struct_size : sizeof sc;
    memcpy(out, &sc, size);
    return FORGET_OK;
}
