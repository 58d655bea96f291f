/* Calibration along one fine-tuning run (tunecal.h). */
#include "approx/tunecal.h"

#include <math.h>

size_t fg_tunecal_steps(double passes, size_t n, size_t batch)
{
    double steps = ceil(passes * (double)n / (double)(batch ? batch : 1));
    return steps < 1.0 ? 1 : steps > 1e9 ? (size_t)1e9 : (size_t)steps;
}

double fg_tunecal_passes(size_t steps, size_t n, size_t batch, double lo,
                         double hi)
{
    double unit = (double)batch / (double)(n ? n : 1);
    /* half a step below the count: ceil lands on it whatever the
     * rounding of the product */
    double p = ((double)steps - 0.5) * unit;
    p = p < lo ? lo : p > hi ? hi : p;
    if (fg_tunecal_steps(p, n, batch) != steps)
        p = (double)steps * unit;
    return p;
}

typedef struct fg_walk {
    fg_tunecal *cal;
    fg_tune *s;
    fg_tune_term *terms;
    size_t n_terms;
    fg_tune_mark *start, *best; /* the stretch's start; the best so far */
    forget_run *run;
    double p0, span;
} fg_walk;

/* Take the session to steps (from where it stands) and measure it. */
static int fg_walk_to(fg_walk *w, size_t steps, double *excess)
{
    fg_tunecal *cal = w->cal;
    const fg_knob *k = cal->g.knob;
    double a = w->p0 + w->span * (double)cal->g.done;
    size_t now = fg_tune_taken(w->s);
    int rc = fg_tune_steps(w->s, w->terms, w->n_terms, steps - now, w->run,
                           a, a + w->span);
    if (rc != FORGET_OK)
        return rc;
    double v = fg_tunecal_passes(steps, cal->n, cal->batch, k->lo, k->hi);
    int best = 0;
    rc = fg_gauge_take(&cal->g, fg_tune_model(w->s), v, excess, &best);
    if (rc == FORGET_OK && best) {
        fg_tune_mark_set(w->best, w->s, w->terms, w->n_terms);
        cal->steps = steps;
    }
    return rc;
}

static int fg_walk_run(fg_walk *w)
{
    fg_tunecal *cal = w->cal;
    const fg_knob *k = cal->g.knob;
    double tol = cal->g.t->tolerance, e = 0.0;
    int64_t trials = cal->g.t->trials;
    size_t lo = fg_tunecal_steps(k->lo, cal->n, cal->batch);
    size_t hi = fg_tunecal_steps(k->hi, cal->n, cal->batch);
    int rc = fg_walk_to(w, lo, &e);
    if (rc != FORGET_OK || e <= tol)
        return rc; /* forgotten enough at the weakest already */
    /* forward, fourfold, until a count is within the tolerance */
    size_t weak = lo, strong = lo;
    fg_tune_mark_set(w->start, w->s, w->terms, w->n_terms);
    while (cal->g.done < trials && strong < hi) {
        strong = weak > hi / 4 ? hi : weak * 4;
        if ((rc = fg_walk_to(w, strong, &e)) != FORGET_OK)
            return rc;
        if (e <= tol)
            break;
        weak = strong;
        fg_tune_mark_set(w->start, w->s, w->terms, w->n_terms);
    }
    if (e > tol)
        return FORGET_OK; /* not even the strongest tried gets there */
    /* bisect (weak, strong]: weak not forgotten enough, strong within */
    while (cal->g.done < trials && strong - weak > 1) {
        size_t mid = weak + (strong - weak) / 2;
        fg_tune_rewind(w->s, w->start, w->terms, w->n_terms);
        if ((rc = fg_walk_to(w, mid, &e)) != FORGET_OK)
            return rc;
        if (e > tol) {
            weak = mid;
            fg_tune_mark_set(w->start, w->s, w->terms, w->n_terms);
        } else {
            strong = mid;
        }
    }
    return FORGET_OK;
}

int fg_tunecal_search(fg_tunecal *cal, fg_tune *s, fg_tune_term *terms,
                      size_t n_terms, forget_run *run, double p0, double p1)
{
    fg_walk w = {.cal = cal, .s = s, .terms = terms, .n_terms = n_terms,
                 .run = run, .p0 = p0,
                 .span = (p1 - p0) / (double)cal->g.t->trials};
    int rc = fg_tune_mark_new(&w.start, s, terms, n_terms);
    if (rc == FORGET_OK)
        rc = fg_tune_mark_new(&w.best, s, terms, n_terms);
    if (rc == FORGET_OK)
        rc = fg_walk_run(&w);
    if (rc == FORGET_OK && cal->g.have_best)
        fg_tune_rewind(s, w.best, terms, n_terms);
    fg_tune_mark_free(w.start);
    fg_tune_mark_free(w.best);
    return rc;
}
