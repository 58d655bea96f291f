/* Mini-batch training: SGD with momentum or Adam (PyTorch's update
 * rules), L2 weight decay, seeded shuffling. Deterministic for a given
 * thread count; a failed or canceled call restores the parameters. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "util/alloc.h"
#include "util/error.h"
#include "util/params.h"
#include "util/rng.h"
#include "data/dataset.h"
#include "model/kernels.h"
#include "model/lanes.h"
#include "model/model.h"

static const forget_param_def fg_train_params[] = {
    {"optimizer", FORGET_PARAM_ENUM, "sgd", 0, -1, "sgd|adam",
     "mini-batch SGD with momentum, or Adam"},
    {"lr", FORGET_PARAM_DOUBLE, "0.05", 1e-12, 100, NULL, "learning rate"},
    {"momentum", FORGET_PARAM_DOUBLE, "0.9", 0, 0.999999, NULL,
     "SGD momentum (PyTorch's rule: v = momentum v + g)"},
    {"weight_decay", FORGET_PARAM_DOUBLE, "0", 0, 10, NULL,
     "L2 penalty added to the gradient"},
    {"epochs", FORGET_PARAM_INT, "5", 1, 1000000, NULL, "passes over the data"},
    {"batch", FORGET_PARAM_INT, "128", 1, 1048576, NULL, "rows per step"},
    {"seed", FORGET_PARAM_INT, "1", 0, 9.0e15, NULL, "seed of the shuffles"},
    {"shuffle", FORGET_PARAM_BOOL, "true", 0, -1, NULL,
     "reshuffle the rows every epoch"},
    {"beta1", FORGET_PARAM_DOUBLE, "0.9", 0, 0.999999, NULL, "Adam beta1"},
    {"beta2", FORGET_PARAM_DOUBLE, "0.999", 0, 0.999999999, NULL,
     "Adam beta2"},
    {"eps", FORGET_PARAM_DOUBLE, "1e-8", 1e-30, 1, NULL, "Adam epsilon"},
    {"lanes", FORGET_PARAM_INT, "1", 1, 64, NULL,
     "parts of each batch whose gradients are computed apart (at once when "
     "threads allow) and summed in order; results depend on lanes, never "
     "on the thread count"},
    {"perturb", FORGET_PARAM_DOUBLE, "0", 0, 1e6, NULL,
     "objective perturbation of a linear model (Guo et al. 2020, what "
     "newton's certified mode needs): b.theta/n added to the objective, b "
     "drawn per parameter from N(0, perturb^2) by the seed; 0: none"},
};
#define FG_N_TRAIN (sizeof fg_train_params / sizeof *fg_train_params)

typedef struct fg_train_cfg {
    int adam, shuffle;
    double lr, momentum, wd, beta1, beta2, eps, perturb;
    int64_t epochs, batch, seed, lanes;
} fg_train_cfg;

size_t forget_train_param_count(void) { return FG_N_TRAIN; }

int forget_train_param(size_t index, const forget_param_def **def)
{
    FG_CHECK_ARG(def);
    if (index >= FG_N_TRAIN)
        return fg_error(FORGET_E_NOT_FOUND, "%s: there are %zu training "
                        "parameters; index %zu is out of range", __func__,
                        (size_t)FG_N_TRAIN, index);
    *def = &fg_train_params[index];
    return FORGET_OK;
}

static int fg_train_config(fg_train_cfg *c, const char *text)
{
    forget_params *p = NULL;
    int rc = fg_params_parse(&p, fg_train_params, FG_N_TRAIN, "training",
                             text);
    if (rc != FORGET_OK)
        return rc;
    size_t opt;
    forget_params_enum(p, "optimizer", &opt);
    c->adam = opt == 1;
    forget_params_double(p, "lr", &c->lr);
    forget_params_double(p, "momentum", &c->momentum);
    forget_params_double(p, "weight_decay", &c->wd);
    forget_params_int(p, "epochs", &c->epochs);
    forget_params_int(p, "batch", &c->batch);
    forget_params_int(p, "seed", &c->seed);
    forget_params_bool(p, "shuffle", &c->shuffle);
    forget_params_double(p, "beta1", &c->beta1);
    forget_params_double(p, "beta2", &c->beta2);
    forget_params_double(p, "eps", &c->eps);
    forget_params_int(p, "lanes", &c->lanes);
    forget_params_double(p, "perturb", &c->perturb);
    forget_params_free(p);
    return FORGET_OK;
}

/* Everything a training run uses, kept between the runs of a
 * fg_train_scratch (sized for cap_p parameters and cap_n rows). */
typedef struct fg_trainer {
    float *state1, *state2, *backup;
    size_t *order;
    size_t cap_p, cap_n;
    int has_state2;
    fg_lanes lanes;
} fg_trainer;

struct fg_train_scratch {
    fg_trainer t;
};

static void fg_trainer_free(fg_trainer *t)
{
    fg_free(t->state1);
    fg_free(t->state2);
    fg_free(t->backup);
    fg_free(t->order);
    fg_lanes_free(&t->lanes);
    memset(t, 0, sizeof *t);
}

/* t's buffers have room for training m on n rows as c says, and its
 * lanes for batches of b rows (fg_lanes_reserve), made ahead: t keeps
 * what it has when that fits, else gets new buffers, made whole before
 * the old ones are freed (FORGET_E_NOMEM leaves t as it was). */
static int fg_trainer_reserve(fg_trainer *t, const forget_model *m,
                              const forget_dataset *ds, size_t n,
                              const fg_train_cfg *c)
{
    size_t p = m->n_params, b = (size_t)c->batch;
    if (b > n)
        b = n;
    fg_trainer made = *t;
    int new_p = t->cap_p < p || (c->adam && !t->has_state2);
    int new_n = t->cap_n < n;
    if (new_p) {
        made.state1 = fg_malloc_array(p, sizeof(float));
        made.state2 = c->adam ? fg_malloc_array(p, sizeof(float)) : NULL;
        made.backup = fg_malloc_array(p, sizeof(float));
        made.has_state2 = c->adam;
        made.cap_p = p;
    }
    if (new_n) {
        made.order = fg_malloc_array(n, sizeof(size_t));
        made.cap_n = n;
    }
    int ok = made.state1 && (!made.has_state2 || made.state2) &&
             made.backup && made.order;
    int rc = ok ? fg_lanes_reserve(&t->lanes, m, ds, b, (size_t)c->lanes)
                : fg_error(FORGET_E_NOMEM, "out of memory for training %zu "
                           "parameters on %zu rows", p, n);
    fg_trainer *drop = rc == FORGET_OK ? t : &made; /* the old, or the new */
    if (new_p) {
        fg_free(drop->state1);
        fg_free(drop->state2);
        fg_free(drop->backup);
    }
    if (new_n)
        fg_free(drop->order);
    if (rc != FORGET_OK)
        return rc;
    made.lanes = t->lanes;
    *t = made;
    return FORGET_OK;
}

/* t ready for a run: buffers with room (fg_trainer_reserve), the
 * optimizer's state zero, the lanes set up for the run. */
static int fg_trainer_alloc(fg_trainer *t, const forget_model *m,
                            const forget_dataset *ds, size_t n,
                            const fg_train_cfg *c, int threads)
{
    size_t b = (size_t)c->batch;
    if (b > n)
        b = n;
    int rc = fg_trainer_reserve(t, m, ds, n, c);
    if (rc != FORGET_OK)
        return rc;
    memset(t->state1, 0, m->n_params * sizeof(float));
    if (c->adam)
        memset(t->state2, 0, m->n_params * sizeof(float));
    return fg_lanes_init(&t->lanes, m, ds, b, (size_t)c->lanes, threads);
}

int fg_train_scratch_new(fg_train_scratch **out)
{
    *out = fg_calloc(1, sizeof **out);
    return *out ? FORGET_OK : fg_nomem("training buffers");
}

int fg_train_scratch_reserve(fg_train_scratch *s, const forget_model *m,
                             const forget_dataset *ds, size_t n,
                             const char *params)
{
    fg_train_cfg c;
    int rc = fg_train_config(&c, params);
    return rc == FORGET_OK ? fg_trainer_reserve(&s->t, m, ds, n, &c) : rc;
}

void fg_train_scratch_free(fg_train_scratch *s)
{
    if (s == NULL)
        return;
    fg_trainer_free(&s->t);
    fg_free(s);
}

/* One optimizer step, applied to parameter ranges by the team members;
 * its per-step scalars are computed once, by fg_update_for. */
typedef struct fg_update {
    float *theta;
    fg_trainer *t;
    const fg_train_cfg *c;
    int first;                 /* SGD: the first step sets the momentum */
    float step_size, root_bc2; /* Adam: lr / (1 - beta1^t), sqrt(1 - beta2^t) */
    const float *pert;         /* b / n, or NULL (no perturbation) */
    float *gsum;               /* with pert: the gradient plus b / n */
} fg_update;

static fg_update fg_update_for(float *theta, fg_trainer *t,
                               const fg_train_cfg *c, int64_t step)
{
    fg_update u = {theta, t, c, step == 1, (float)c->lr, 1.0f, NULL, NULL};
    if (c->adam) {
        u.step_size = (float)(c->lr / (1.0 - pow(c->beta1, (double)step)));
        u.root_bc2 = (float)sqrt(1.0 - pow(c->beta2, (double)step));
    }
    return u;
}

static void fg_update_range(void *ctx, size_t begin, size_t end,
                            const float *g, const float *g2)
{
    const fg_update *u = ctx;
    const fg_train_cfg *c = u->c;
    fg_trainer *t = u->t;
    size_t n = end - begin;
    if (u->pert) { /* the objective's linear term, then as one lane */
        float *gs = u->gsum + begin;
        for (size_t i = 0; i < n; i++)
            gs[i] = (g2 ? g[i] + g2[i] : g[i]) + u->pert[begin + i];
        g = gs;
        g2 = NULL;
    }
    if (c->adam)
        fg_k_adam(u->theta + begin, t->state1 + begin, t->state2 + begin, g,
                  g2, n, u->step_size, (float)c->beta1, (float)c->beta2,
                  u->root_bc2, (float)c->eps, (float)c->wd);
    else
        fg_k_sgd(u->theta + begin, t->state1 + begin, g, g2, n, (float)c->lr,
                 (float)c->momentum, (float)c->wd, u->first);
}

static double fg_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int fg_train_loop(forget_model *m, const size_t *rows, size_t n,
                         const fg_train_cfg *c, fg_trainer *t,
                         const float *pert, float *gsum,
                         double *final_loss, int64_t *steps)
{
    fg_rng rng;
    fg_rng_seed(&rng, (uint64_t)c->seed);
    size_t p = m->n_params, b = (size_t)c->batch;
    size_t per_epoch = (n + b - 1) / b;
    double total_steps = (double)per_epoch * (double)c->epochs;
    for (size_t i = 0; i < n; i++)
        t->order[i] = rows ? rows[i] : i;
    int64_t step = 0;
    for (int64_t e = 0; e < c->epochs; e++) {
        if (c->shuffle)
            fg_rng_shuffle(&rng, t->order, n);
        double epoch_loss = 0.0;
        for (size_t s = 0; s < n; s += b) {
            size_t nb = n - s < b ? n - s : b;
            double loss = 0.0;
            fg_update u = fg_update_for(m->theta, t, c, ++step);
            u.pert = pert;
            u.gsum = gsum;
            /* the next step's rows, when this epoch has them (the next
             * epoch's are not shuffled yet) */
            size_t next = n - s - nb < b ? n - s - nb : b;
            int rc = fg_lanes_step(&t->lanes, t->order + s, nb,
                                   t->order + s + nb, next, fg_update_range,
                                   &u, &loss);
            if (rc != FORGET_OK)
                return rc;
            /* The step was taken; a failure restores the parameters. */
            if (!isfinite(loss))
                return fg_error(FORGET_E_NUMERIC, "training diverged at "
                                "epoch %lld, step %lld: the loss is not "
                                "finite (try a smaller lr)", (long long)e + 1,
                                (long long)step);
            epoch_loss += loss;
            if (m->progress &&
                m->progress((double)step / total_steps, "train",
                            m->progress_user) != 0)
                return fg_error(FORGET_E_CANCELED, "training canceled by the "
                                "progress callback at step %lld",
                                (long long)step);
        }
        *final_loss = epoch_loss / (double)n;
    }
    for (size_t i = 0; i < p; i++)
        if (!isfinite(m->theta[i]))
            return fg_error(FORGET_E_NUMERIC, "training diverged: parameter "
                            "%zu is not finite (try a smaller lr)", i);
    *steps = step;
    return FORGET_OK;
}

/* Kinds with a closed-form fit (analytic) take no training parameters. */
static int fg_train_closed_form(forget_model *m, const forget_dataset *train,
                                const char *params)
{
    forget_params *p = NULL;
    char owner[128];
    snprintf(owner, sizeof owner, "training of a model of kind '%s' (fitted "
             "in closed form)", m->kind);
    int rc = fg_params_parse(&p, NULL, 0, owner, params);
    forget_params_free(p);
    if (rc == FORGET_OK && train->n == 0)
        rc = fg_error(FORGET_E_INVALID, "forget_model_train: the training "
                      "set is empty");
    if (rc == FORGET_OK)
        rc = fg_model_check_data(m, train, "forget_model_train");
    forget_report *report = rc == FORGET_OK ? fg_report_new() : NULL;
    if (rc == FORGET_OK && (report == NULL ||
                            fg_report_set(report, "seconds", 0) != FORGET_OK))
        rc = fg_nomem("a training report");
    double t0 = fg_seconds();
    if (rc == FORGET_OK)
        rc = m->ops->fit(m, train);
    if (rc != FORGET_OK) {
        fg_report_free(report);
        return rc;
    }
    fg_report_set(report, "seconds", fg_seconds() - t0);
    fg_report_free(m->train_report);
    m->train_report = report;
    return FORGET_OK;
}

/* The perturbation's b for c (p doubles): N(0, perturb^2) per parameter,
 * from a stream of the seed apart from the shuffles'. */
static void fg_train_draw_b(const fg_train_cfg *c, size_t p, double *b)
{
    fg_rng rng;
    fg_rng_seed(&rng, (uint64_t)c->seed ^ 0x70657274757262ull); /* "perturb" */
    fg_rng_normal(&rng, b, p);
    for (size_t i = 0; i < p; i++)
        b[i] *= c->perturb;
}

int fg_train_perturbation(const char *params, size_t p, double *b,
                          double *sigma, double *weight_decay)
{
    fg_train_cfg c;
    int rc = fg_train_config(&c, params);
    if (rc != FORGET_OK)
        return rc;
    *sigma = c.perturb;
    *weight_decay = c.wd;
    if (b != NULL)
        fg_train_draw_b(&c, p, b);
    return FORGET_OK;
}

/* With perturb > 0: *pert = b / n as floats and *gsum its companion
 * buffer (p floats each); only a linear model takes it. */
static int fg_train_pert_make(const forget_model *m, const fg_train_cfg *c,
                              size_t n, float **pert, float **gsum)
{
    *pert = *gsum = NULL;
    if (c->perturb <= 0)
        return FORGET_OK;
    if (!fg_model_affine(m))
        return fg_error(FORGET_E_UNSUPPORTED, "training parameter "
                        "'perturb': the objective perturbation is for linear "
                        "models (the convex objective it certifies); model "
                        "kind '%s' is not one", m->kind);
    size_t p = m->n_params;
    double *b = fg_malloc_array(p, sizeof(double));
    *pert = fg_malloc_array(p, sizeof(float));
    *gsum = fg_malloc_array(p, sizeof(float));
    if (b == NULL || *pert == NULL || *gsum == NULL) {
        fg_free(b);
        fg_free(*pert);
        fg_free(*gsum);
        *pert = *gsum = NULL;
        return fg_nomem("the objective perturbation");
    }
    fg_train_draw_b(c, p, b);
    for (size_t i = 0; i < p; i++)
        (*pert)[i] = (float)(b[i] / (double)n);
    fg_free(b);
    return FORGET_OK;
}

int fg_model_train_rows_in(forget_model *m, const forget_dataset *train,
                           const size_t *rows, size_t n, const char *params,
                           int threads, fg_train_scratch *scratch)
{
    fg_train_cfg c;
    int rc = fg_train_config(&c, params);
    if (rc != FORGET_OK)
        return rc;
    if (n == 0)
        return fg_error(FORGET_E_INVALID, "forget_model_train: the training "
                        "set is empty");
    /* the rows trained on, not the whole set (a shard's of many) */
    rc = fg_model_check_rows(m, train, rows, n, "forget_model_train");
    if (rc != FORGET_OK)
        return rc;
    forget_report *report = fg_report_new();
    if (report == NULL)
        return fg_nomem("a training report");
    const char *keys[] = {"seconds", "epochs", "steps", "final_loss",
                          "samples_per_second", "threads"};
    for (size_t i = 0; i < sizeof keys / sizeof *keys && rc == FORGET_OK; i++)
        rc = fg_report_set(report, keys[i], 0.0);
    fg_trainer own = {0}, *tp = scratch ? &scratch->t : &own;
    float *pert = NULL, *gsum = NULL;
    if (rc == FORGET_OK)
        rc = fg_train_pert_make(m, &c, n, &pert, &gsum);
    if (rc == FORGET_OK)
        rc = fg_trainer_alloc(tp, m, train, n, &c,
                              threads > 0 ? threads : forget_get_threads());
    if (rc != FORGET_OK) {
        fg_trainer_free(&own);
        fg_report_free(report);
        fg_free(pert);
        fg_free(gsum);
        return rc;
    }
    memcpy(tp->backup, m->theta, m->n_params * sizeof(float));
    double t0 = fg_seconds(), final_loss = 0.0;
    int64_t steps = 0;
    rc = fg_train_loop(m, rows, n, &c, tp, pert, gsum, &final_loss, &steps);
    fg_free(pert);
    fg_free(gsum);
    double secs = fg_seconds() - t0;
    int team = fg_team_size(tp->lanes.team);
    if (rc != FORGET_OK)
        memcpy(m->theta, tp->backup, m->n_params * sizeof(float));
    fg_lanes_end(&tp->lanes);
    fg_trainer_free(&own);
    if (rc != FORGET_OK) {
        fg_report_free(report);
        return rc;
    }
    /* These replace reserved figures: no allocation can fail now. */
    fg_report_set(report, "seconds", secs);
    fg_report_set(report, "epochs", (double)c.epochs);
    fg_report_set(report, "steps", (double)steps);
    fg_report_set(report, "final_loss", final_loss);
    fg_report_set(report, "samples_per_second",
                  secs > 0 ? (double)n * (double)c.epochs / secs : 0);
    fg_report_set(report, "threads", (double)team);
    fg_report_free(m->train_report);
    m->train_report = report;
    return FORGET_OK;
}

int fg_model_train_rows(forget_model *m, const forget_dataset *train,
                        const size_t *rows, size_t n, const char *params,
                        int threads)
{
    return fg_model_train_rows_in(m, train, rows, n, params, threads, NULL);
}

int forget_model_train(forget_model *m, const forget_dataset *train,
                       const char *params)
{
    FG_CHECK_ARG(m);
    FG_CHECK_ARG(train);
    if (m->ops->fit)
        return fg_train_closed_form(m, train, params);
    return fg_model_train_rows(m, train, NULL, train->n, params, 0);
}
