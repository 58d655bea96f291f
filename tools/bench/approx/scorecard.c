/* The scorecard (scorecard.h): forget_eval_scorecard's figures of m (one
 * pass per set), the gap computed here against the retrained model's
 * score, which the runs keep rather than the model (the same definition
 * as the library's avg_gap). */
#include "scorecard.h"

#include <math.h>

int ba_scorecard(const forget_model *m, const ba_sets *s, const ba_score *ref,
                 ba_score *out)
{
    ba_score r = {.class_acc = NAN};
    forget_scorecard c = {.struct_size = sizeof c};
    int rc = forget_eval_scorecard(m, NULL, NULL, s->forget, s->retain,
                                   s->test, &c);
    if (!rc && s->test_class && forget_dataset_rows(s->test_class))
        rc = forget_eval_accuracy(m, s->test_class, &r.class_acc);
    if (rc)
        return rc;
    r.forget_acc = c.forget_acc;
    r.retain_acc = c.retain_acc;
    r.test_acc = c.test_acc;
    r.mia = c.mia;
    r.loss_auc = c.loss_auc;
    if (ref)
        r.gap = 100.0 / 4.0 * (fabs(r.forget_acc - ref->forget_acc) +
                               fabs(r.retain_acc - ref->retain_acc) +
                               fabs(r.test_acc - ref->test_acc) +
                               fabs(r.mia - ref->mia));
    *out = r;
    return FORGET_OK;
}
