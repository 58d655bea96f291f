/* The scorecard (scorecard.h). */
#include "scorecard.h"

#include <math.h>

int ba_scorecard(const forget_model *m, const ba_sets *s, const ba_score *ref,
                 ba_score *out)
{
    ba_score r = {.class_acc = NAN};
    int rc = forget_eval_accuracy(m, s->forget, &r.forget_acc);
    if (!rc)
        rc = forget_eval_accuracy(m, s->retain, &r.retain_acc);
    if (!rc)
        rc = forget_eval_accuracy(m, s->test, &r.test_acc);
    if (!rc)
        rc = forget_eval_mia(m, s->retain, s->test, s->forget, &r.mia);
    if (!rc)
        rc = forget_eval_loss_auc(m, s->forget, s->test, &r.loss_auc);
    if (!rc && s->test_class && forget_dataset_rows(s->test_class))
        rc = forget_eval_accuracy(m, s->test_class, &r.class_acc);
    if (rc)
        return rc;
    if (ref)
        r.gap = 100.0 / 4.0 * (fabs(r.forget_acc - ref->forget_acc) +
                               fabs(r.retain_acc - ref->retain_acc) +
                               fabs(r.test_acc - ref->test_acc) +
                               fabs(r.mia - ref->mia));
    *out = r;
    return FORGET_OK;
}
