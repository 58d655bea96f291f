/* The scorecard of one model on one case, against the retrained model's
 * score: forget_eval_scorecard's figures and its average gap. */
#ifndef BA_SCORECARD_H
#define BA_SCORECARD_H

#include <forget/forget.h>

/* The rows a scorecard is measured on. */
typedef struct ba_sets {
    const forget_dataset *forget, *retain, *test;
    const forget_dataset *test_class; /* test rows of the case's class, or
                                         NULL */
} ba_sets;

typedef struct ba_score {
    double forget_acc, retain_acc, test_acc;
    double mia;       /* entropy MIA: fraction of forget judged members
                         (attack fitted on retain vs test) */
    double loss_auc;  /* loss-threshold attack's AUC, forget vs test */
    double class_acc; /* accuracy on test_class (NaN without) */
    double gap;       /* mean |this - retrained| in points over forget,
                         retain and test accuracy and mia (0 for the
                         retrained model itself) */
} ba_score;

/* Score m on s; ref (the retrained model's score) gives the gap, NULL
 * leaves it 0. Returns a FORGET_* code. */
int ba_scorecard(const forget_model *m, const ba_sets *s, const ba_score *ref,
                 ba_score *out);

#endif
