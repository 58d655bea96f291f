/* Membership-inference attacks: the SSD paper's entropy attack (a
 * balanced logistic regression on the entropy of the predicted
 * distribution) and a loss-threshold attack's ROC AUC. */
#include <math.h>
#include <stdlib.h>

#include "util/alloc.h"
#include "util/error.h"
#include "data/dataset.h"
#include "eval/eval.h"

void fg_eval_entropies_of(const float *p, size_t n, size_t k, double *h)
{
    for (size_t i = 0; i < n; i++) {
        double s = 0.0;
        for (size_t j = 0; j < k; j++) {
            double q = p[i * k + j];
            if (q > 0.0)
                s -= q * log(q);
        }
        h[i] = s;
    }
}

/* Entropy of each row's predicted distribution (n doubles). */
static int fg_entropies(const forget_model *m, const forget_dataset *ds,
                        double **out, const char *caller)
{
    float *p = NULL;
    int rc = fg_eval_outputs(m, ds, 1, &p, caller);
    if (rc != FORGET_OK)
        return rc;
    double *h = fg_malloc_array(ds->n ? ds->n : 1, sizeof *h);
    if (h == NULL) {
        fg_free(p);
        return fg_nomem("entropies");
    }
    fg_eval_entropies_of(p, ds->n, m->outputs, h);
    fg_free(p);
    *out = h;
    return FORGET_OK;
}

/* Fit P(member | x) = sigmoid(w x + b) by Newton's method on
 * 0.5 w^2 + C sum_i s_i logloss_i (scikit-learn's LogisticRegression
 * objective with C = 1, the intercept unpenalised, and balanced sample
 * weights s_i = n / (2 n_class)). */
static void fg_fit_logistic(const double *x1, size_t n1, const double *x0,
                            size_t n0, double *w_out, double *b_out)
{
    double s1 = (double)(n1 + n0) / (2.0 * (double)n1);
    double s0 = (double)(n1 + n0) / (2.0 * (double)n0);
    double w = 0.0, b = 0.0;
    for (int it = 0; it < 100; it++) {
        double gw = w, gb = 0.0, hww = 1.0, hwb = 0.0, hbb = 1e-12;
        for (int cls = 0; cls < 2; cls++) {
            const double *x = cls ? x1 : x0;
            size_t n = cls ? n1 : n0;
            double s = cls ? s1 : s0;
            for (size_t i = 0; i < n; i++) {
                double p = 1.0 / (1.0 + exp(-(w * x[i] + b)));
                double r = s * (p - (double)cls), q = s * p * (1.0 - p);
                gw += r * x[i];
                gb += r;
                hww += q * x[i] * x[i];
                hwb += q * x[i];
                hbb += q;
            }
        }
        double det = hww * hbb - hwb * hwb;
        if (!(det > 0.0))
            break;
        double dw = (hbb * gw - hwb * gb) / det;
        double db = (hww * gb - hwb * gw) / det;
        w -= dw;
        b -= db;
        if (fabs(dw) + fabs(db) < 1e-12)
            break;
    }
    *w_out = w;
    *b_out = b;
}

double fg_eval_mia_of(const double *h1, size_t n1, const double *h0,
                      size_t n0, const double *ht, size_t nt)
{
    double w, b;
    fg_fit_logistic(h1, n1, h0, n0, &w, &b);
    size_t members = 0;
    for (size_t i = 0; i < nt; i++)
        members += w * ht[i] + b > 0.0;
    return (double)members / (double)nt;
}

int forget_eval_mia(const forget_model *m, const forget_dataset *retain,
                    const forget_dataset *test, const forget_dataset *target,
                    double *score)
{
    FG_CHECK_ARG(m);
    FG_CHECK_ARG(retain);
    FG_CHECK_ARG(test);
    FG_CHECK_ARG(target);
    FG_CHECK_ARG(score);
    if (m->task != FORGET_TASK_CLASSIFICATION)
        return fg_error(FORGET_E_INVALID, "%s: needs a classification model",
                        __func__);
    if (retain->n == 0 || test->n == 0 || target->n == 0)
        return fg_error(FORGET_E_INVALID, "%s: retain, test and target must "
                        "each hold rows", __func__);
    double *h1 = NULL, *h0 = NULL, *ht = NULL;
    int rc = fg_entropies(m, retain, &h1, __func__);
    if (rc == FORGET_OK)
        rc = fg_entropies(m, test, &h0, __func__);
    if (rc == FORGET_OK)
        rc = fg_entropies(m, target, &ht, __func__);
    if (rc == FORGET_OK)
        *score = fg_eval_mia_of(h1, retain->n, h0, test->n, ht, target->n);
    fg_free(h1);
    fg_free(h0);
    fg_free(ht);
    return rc;
}

typedef struct fg_scored {
    float loss;
    int member;
} fg_scored;

static int fg_by_loss(const void *a, const void *b)
{
    float x = ((const fg_scored *)a)->loss, y = ((const fg_scored *)b)->loss;
    return (x > y) - (x < y);
}

int fg_eval_loss_auc_of(const float *l1, size_t n1, const float *l0,
                        size_t n0, double *auc)
{
    fg_scored *all = fg_malloc_array(n1 + n0, sizeof *all);
    if (all == NULL)
        return fg_nomem("ranked losses");
    for (size_t i = 0; i < n1; i++)
        all[i] = (fg_scored){l1[i], 1};
    for (size_t i = 0; i < n0; i++)
        all[n1 + i] = (fg_scored){l0[i], 0};
    qsort(all, n1 + n0, sizeof *all, fg_by_loss);
    /* Mann-Whitney: the rank sum of the non-members (ascending loss, ties
     * at their average rank) gives P(loss_non > loss_member). */
    double rank_sum = 0.0;
    for (size_t i = 0; i < n1 + n0;) {
        size_t j = i;
        while (j < n1 + n0 && all[j].loss == all[i].loss)
            j++;
        double avg = 0.5 * (double)(i + 1 + j);
        for (size_t k = i; k < j; k++)
            if (!all[k].member)
                rank_sum += avg;
        i = j;
    }
    *auc = (rank_sum - 0.5 * (double)n0 * (double)(n0 + 1)) /
           ((double)n0 * (double)n1);
    fg_free(all);
    return FORGET_OK;
}

int forget_eval_loss_auc(const forget_model *m, const forget_dataset *members,
                         const forget_dataset *nonmembers, double *auc)
{
    FG_CHECK_ARG(m);
    FG_CHECK_ARG(members);
    FG_CHECK_ARG(nonmembers);
    FG_CHECK_ARG(auc);
    size_t n1 = members->n, n0 = nonmembers->n;
    if (n1 == 0 || n0 == 0)
        return fg_error(FORGET_E_INVALID, "%s: members and non-members must "
                        "each hold rows", __func__);
    float *l1 = NULL, *l0 = NULL;
    int rc = fg_eval_row_losses(m, members, &l1, __func__);
    if (rc == FORGET_OK)
        rc = fg_eval_row_losses(m, nonmembers, &l0, __func__);
    if (rc == FORGET_OK)
        rc = fg_eval_loss_auc_of(l1, n1, l0, n0, auc);
    fg_free(l1);
    fg_free(l0);
    return rc;
}
