/* newton: influence removal by one Newton step on the retained objective
 * (Koh and Liang 2017; Guo et al. 2020, whose certificate for binary
 * linear models is the certified mode of newton_cert.c). The
 * model was trained to minimise J_D(theta) = (1/n) sum_D l_i + (lambda/2)||theta||^2;
 * forgetting rows F makes the objective J_R over the n - m rows left, and
 * the step theta <- theta - H_R^-1 grad J_R(theta) lands on its minimum up to second
 * order. For an affine model (linear) every row still learned is kept and
 * both the gradient and the Hessian are exact, in float64. For others
 * (mlp) a retained budget gives a damped Gauss-Newton curvature and the
 * gradient takes its influence form, grad J_R(theta) = -(G_F + m lambda theta)/(n - m)
 * (exact where grad J_D(theta) = 0). Solved by conjugate gradients;
 * refused, model unchanged, when the solve does not converge.
 * Approximate (docs/METHODS.md). */
#include "forget/backend.h"
#include "approx/guard.h"
#include "approx/retain.h"
#include "methods/newton.h"
#include "methods/newton_cert.h"

#include <float.h>
#include <math.h>
#include <string.h>

/* The default damping of the Gauss-Newton curvature (mlp). */
#define FG_NEWTON_MLP_DAMPING 0.1

/* Halvings of the step the line search tries before a request is
 * refused: t = 1, 1/2, ..., 1/32. */
#ifndef FG_NEWTON_HALVINGS
#define FG_NEWTON_HALVINGS 5
#endif

static const forget_param_def fg_newton_params[] = {
    {"weight_decay", FORGET_PARAM_DOUBLE, "0", 0, 10, NULL,
     "the L2 weight training used (its weight_decay): the objective is the "
     "mean loss + weight_decay/2 ||theta||^2, bias included; the step is right "
     "only for the value training used"},
    {"damping", FORGET_PARAM_DOUBLE, "-1", -1, 1e6, NULL,
     "added to the curvature's diagonal; below 0 (default): 0 for a linear "
     "model (its Hessian is exact), 0.1 for others (Gauss-Newton; smaller "
     "values' steps are mostly refused or cut by the line search on "
     "memorising mlps, docs/METHODS.md)"},
    {"retain_budget", FORGET_PARAM_DOUBLE, "0", 0, 1e15, NULL,
     "rows kept at prepare for the curvature: 0 (default): every row for a "
     "linear model (the exact retained objective), 0.1 for others; below 1 "
     "a fraction of the training rows, from 1 a count (at least 256 or "
     "all)"},
    {"cg_tol", FORGET_PARAM_DOUBLE, "1e-6", 1e-15, 0.5, NULL,
     "conjugate gradients stop when ||H s - g|| <= cg_tol ||g||"},
    {"cg_max_iter", FORGET_PARAM_INT, "500", 1, 1000000, NULL,
     "conjugate-gradient iterations at most; a request that needs more is "
     "refused (FORGET_E_NUMERIC)"},
    {"seed", FORGET_PARAM_INT, "1", 0, 9.0e15, NULL,
     "seed of the retained sample"},
    {"certified", FORGET_PARAM_BOOL, "false", 0, -1, NULL,
     "certified removal (Guo et al. 2020) for a binary linear model trained "
     "with perturb: each request's residual bound is spent from a budget "
     "set by epsilon and delta; a request past it retrains from scratch"},
    {"epsilon", FORGET_PARAM_DOUBLE, "1", 1e-6, 1e6, NULL,
     "certified: the epsilon of (epsilon, delta)-certified removal"},
    {"delta", FORGET_PARAM_DOUBLE, "1e-4", 1e-300, 0.5, NULL,
     "certified: the delta of (epsilon, delta)-certified removal"},
    {"train", FORGET_PARAM_STRING, "", 0, -1, NULL,
     "certified: the training parameters the model was trained with (their "
     "perturb, seed and weight_decay are the objective; a retrain uses them)"},
    {"row_norm", FORGET_PARAM_DOUBLE, "0", 0, 1e15, NULL,
     "certified: the bound on the rows' norms the certificate uses (rows "
     "beyond it are refused at prepare); 0: the largest training row's"},
    {"preconditioner", FORGET_PARAM_ENUM, "block", 0, -1, "block|diagonal",
     "of conjugate gradients, linear models: block (default; per output "
     "the Cholesky factor of its diagonal block of the Hessian, formed at "
     "prepare: outputs x (inputs+1)^2 doubles, twice in memory, once in the "
     "state), or diagonal (Jacobi); ignored for mlp (plain CG); certified "
     "mode runs the diagonal and refuses an explicit block"},
    FG_GUARD_PARAM_DEFS,
};
#define FG_NEWTON_N_PARAMS (sizeof fg_newton_params / sizeof *fg_newton_params)

typedef struct fg_newton {
    forget_model *model;
    double lambda, damping, budget, tol;
    size_t max_iter;
    uint64_t seed;
    int prepared, block;
    fg_retain r;
    fg_guard guard; /* the retained-accuracy guard (approx/guard.h) */
    fg_newton_cert cert;
    fg_newton_pc pc; /* affine, block: empty otherwise */
} fg_newton;

static void fg_newton_destroy(void *state);

static int fg_newton_create(void **state, forget_model *model,
                            const forget_params *p, void *user_data)
{
    (void)user_data;
    if (!fg_model_affine(model) && !fg_model_has_gn(model))
        return fg_error(FORGET_E_UNSUPPORTED, "method 'newton': the model "
                        "(kind '%s') has no Gauss-Newton products; newton "
                        "needs a linear or mlp model",
                        forget_model_kind(model));
    fg_newton *s = fg_calloc(1, sizeof *s);
    if (s == NULL)
        return fg_nomem("a newton state");

    int64_t iters, seed;
    size_t pc_kind = 0;
    s->model = model;
    forget_params_double(p, "weight_decay", &s->lambda);
    forget_params_double(p, "damping", &s->damping);
    forget_params_double(p, "retain_budget", &s->budget);
    forget_params_double(p, "cg_tol", &s->tol);
    forget_params_int(p, "cg_max_iter", &iters);
    forget_params_int(p, "seed", &seed);
    forget_params_enum(p, "preconditioner", &pc_kind);
    fg_guard_config(&s->guard, p);
    int affine = fg_model_affine(model);
    if (s->damping < 0)
        s->damping = affine ? 0.0 : FG_NEWTON_MLP_DAMPING;
    if (s->budget <= 0)
        s->budget = affine ? 1e15 : 0.1;
    s->max_iter = (size_t)iters;
    s->seed = (uint64_t)seed;
    int rc = fg_newton_cert_create(&s->cert, model, p, &s->lambda);
    if (rc == FORGET_OK && s->cert.on && (s->damping != 0.0 || s->budget < 1e15))
        rc = fg_error(FORGET_E_PARAM, "method 'newton': certified=true "
                      "steps on the exact Hessian of every row still "
                      "learned: damping and retain_budget must be left at "
                      "their defaults");
    /* the certificate's bound is spent after the step and a request may
     * still be refused then: the block preconditioner, downdated with
     * the step, would not be as before (certified: the diagonal, and a
     * block asked for is refused rather than ignored) */
    int pc_given = 0;
    forget_params_given(p, "preconditioner", &pc_given);
    if (rc == FORGET_OK && s->cert.on && pc_given && pc_kind == 0)
        rc = fg_error(FORGET_E_PARAM, "method 'newton': certified=true "
                      "runs conjugate gradients with the diagonal "
                      "preconditioner (a certified request may be refused "
                      "after its step, and the block preconditioner's "
                      "downdate goes with the step): preconditioner=block "
                      "cannot be honoured; leave it out or give "
                      "preconditioner=diagonal");
    s->block = affine && pc_kind == 0 && !s->cert.on;
    if (rc != FORGET_OK) {
        fg_newton_destroy(s);
        return rc;
    }
    *state = s;
    return FORGET_OK;
}

static void fg_newton_destroy(void *state)
{
    fg_newton *s = state;
    if (s == NULL)
        return;
    fg_retain_free(&s->r);
    fg_guard_free(&s->guard);
    fg_newton_cert_free(&s->cert);
    fg_newton_pc_free(&s->pc);
    fg_free(s);
}

/* The block preconditioner over the training rows at the model's
 * theta (checked as fg_retain_prepare_run checks them, first). */
static int fg_newton_begin_pc(const fg_newton *s, const forget_dataset *train,
                              fg_newton_pc *pc)
{
    int rc = fg_model_check_data(s->model, train, "method 'newton'");
    if (rc != FORGET_OK)
        return rc;
    fg_newton_obj o;
    memset(&o, 0, sizeof o);
    rc = fg_newton_obj_begin(&o, s->model, train, s->lambda, s->damping);
    if (rc == FORGET_OK)
        rc = fg_newton_pc_build(pc, &o, train);
    fg_newton_obj_end(&o);
    return rc;
}

static int fg_newton_prepare(void *state, const forget_dataset *train,
                             forget_run *run)
{
    fg_newton *s = state;
    double rbound = 0, gram = 0, spent = 0;
    fg_newton_pc pc;
    memset(&pc, 0, sizeof pc);
    int rc = FORGET_OK;
    if (s->cert.on) /* checked before anything changes */
        rc = fg_newton_cert_prepare(&s->cert, s->model, train, &rbound,
                                    &gram, &spent, run);
    if (rc == FORGET_OK && s->block)
        rc = fg_newton_begin_pc(s, train, &pc);
    fg_guard guard = {NULL, NULL, 0.0, 0};
    if (rc == FORGET_OK)
        rc = fg_model_check_data(s->model, train, "method 'newton'");
    if (rc == FORGET_OK)
        rc = fg_guard_prepare(&s->guard, &guard, train, s->seed, run);
    if (rc == FORGET_OK)
        rc = fg_retain_prepare_run(&s->r, s->model, train, s->budget,
                                   s->seed, "method 'newton'", run);
    if (rc != FORGET_OK) {
        fg_guard_free(&guard);
        fg_newton_pc_free(&pc);
        return rc;
    }
    fg_guard_free(&s->guard);
    s->guard = guard;
    fg_newton_pc_free(&s->pc);
    s->pc = pc;
    s->prepared = 1;
    s->cert.rbound = rbound;
    s->cert.gram = gram;
    s->cert.spent = spent;
    s->cert.steps = s->cert.retrains = 0;
    return FORGET_OK;
}

/* What a request computed, for its report. */
typedef struct fg_newton_out {
    double before, after, step, bound;
    double obj_before, obj_after, obj_full, t, guard_cost;
    fg_cg cg;
    int exact, moved;
} fg_newton_out;

/* The report's figures made before the model changes (nothing can fail
 * afterwards). */
static int fg_newton_reserve(forget_run *run)
{
    static const char *const keys[] = {
        "rows", "retained_rows", "residual_norm", "residual_norm_before",
        "cg_iterations", "cg_residual", "step_norm", "gradient_exact",
        "objective_before", "objective_after", "objective_full_step",
        "step_fraction", "guard_rows", "guard_cost"};
    int rc = FORGET_OK;
    for (size_t i = 0; rc == FORGET_OK && i < sizeof keys / sizeof *keys; i++)
        rc = forget_run_report(run, keys[i], 0);
    return rc;
}

/* g = grad J_R at theta: over the retained rows when they are every row
 * still learned (exact), else its influence form from the forget rows F
 * (m of them, n_after rows left). */
static int fg_newton_gradient(const fg_newton_cert *cert, fg_newton_obj *o,
                              const forget_dataset *f, size_t n_after,
                              int exact, double *g)
{
    if (exact)
        return fg_newton_cert_grad(cert, o, g);
    int rc = fg_newton_grad_sum(o, f, g);
    if (rc != FORGET_OK)
        return rc;
    double m = (double)forget_dataset_rows(f), inv = 1.0 / (double)n_after;
    for (size_t i = 0; i < o->p; i++)
        g[i] = -(g[i] + m * o->lambda * o->theta[i]) * inv;
    return FORGET_OK;
}

/* The line search on the step s from base (o->obj is J there): theta =
 * base - t s for t = 1, 1/2, ... down to 2^-FG_NEWTON_HALVINGS, the
 * first whose J over o's rows is not above J(base) (up to the float32
 * parameters' rounding, FLT_EPSILON |J|); none is FORGET_E_NUMERIC.
 * g1 is the gradient at the theta left in the model (on failure, the
 * last one tried: the caller restores base). */
static int fg_newton_search(const fg_newton *s, fg_newton_obj *o,
                            const float *base, const double *step,
                            double *g1, float *next, fg_newton_out *out)
{
    double j0 = o->obj, tol = FLT_EPSILON * fabs(j0);
    out->obj_before = j0;
    for (int h = 0;; h++) {
        out->t = ldexp(1.0, -h);
        int rc = fg_newton_move(o, base, step, out->t, next);
        out->moved |= rc == FORGET_OK;
        if (rc == FORGET_OK)
            rc = fg_newton_cert_grad(&s->cert, o, g1);
        if (rc != FORGET_OK)
            return rc;
        if (h == 0)
            out->obj_full = o->obj;
        out->obj_after = o->obj;
        if (o->obj <= j0 + tol)
            return FORGET_OK;
        if (h == FG_NEWTON_HALVINGS)
            return fg_error(FORGET_E_NUMERIC, "method 'newton': the step "
                            "raises the retained objective (loss + "
                            "weight_decay term over the %zu %s rows): %.9g "
                            "before, %.9g after the full step, %.9g after "
                            "1/%.0f of it; the model is not where the step's "
                            "quadratic model holds (far from an optimum of "
                            "the objective, or a removal too large for one "
                            "step); the model is unchanged", o->n,
                            out->exact ? "retained" : "budget", j0,
                            out->obj_full, o->obj, 1.0 / out->t);
    }
}

/* The step on the retained rows R for the forget rows F; the model
 * changes only on success. */
static int fg_newton_apply(fg_newton *s, const forget_dataset *retain,
                           const forget_dataset *f, size_t n_after,
                           const fg_guard_plan *gp, forget_run *run,
                           fg_newton_out *out)
{
    fg_newton_obj o;
    memset(&o, 0, sizeof o);
    size_t p = forget_model_param_count(s->model);
    double *buf = fg_malloc_array(p, 9 * sizeof(double));
    float *backup = fg_malloc_array(p, sizeof(float));
    int rc = buf && backup ? FORGET_OK : fg_nomem("the newton step");
    if (rc == FORGET_OK)
        rc = fg_newton_obj_begin(&o, s->model, retain, s->lambda, s->damping);
    /* g, s, the solve's 5 p, the gradient after, p floats of scratch */
    double *g = buf, *s_vec = buf + p, *work = buf + 2 * p, *g1 = buf + 7 * p;
    float *next = (float *)(buf + 8 * p);
    out->exact = forget_dataset_rows(retain) == n_after;
    if (rc == FORGET_OK)
        rc = fg_newton_gradient(&s->cert, &o, f, n_after, out->exact, g);
    if (rc == FORGET_OK && !out->exact) {
        /* the gradient over the budget, for the report's before (and
         * the objective there, for the line search) */
        rc = fg_newton_grad(&o, g1);
        out->before = fg_vnorm(g1, p);
    } else if (rc == FORGET_OK) {
        out->before = fg_vnorm(g, p);
    }
    memset(&out->cg, 0, sizeof out->cg);
    out->cg.tol = s->tol;
    out->cg.max_iter = s->max_iter;
    out->cg.run = run;
    out->cg.p0 = 0.05;
    out->cg.p1 = 0.9;
    out->cg.owner = "method 'newton'";
    double j0 = o.obj;
    if (rc == FORGET_OK)
        rc = fg_newton_solve(&o, g, &out->cg, &s->pc, s_vec, work);
    if (rc == FORGET_OK) {
        memcpy(backup, fg_model_theta_const(s->model), p * sizeof(float));
        o.obj = j0;
        rc = fg_newton_search(s, &o, backup, s_vec, g1, next, out);
    }
    if (rc == FORGET_OK) /* the step taken, judged on the guard's rows */
        rc = fg_guard_judge(&s->guard, gp, s->model, "method 'newton'",
                            &out->guard_cost);
    if (rc == FORGET_OK && s->cert.on) /* g is still the gradient before */
        rc = fg_newton_cert_bound(&s->cert, &o, g, backup,
                                  fg_model_theta_const(s->model), &out->bound);
    if (rc == FORGET_OK) {
        out->step = out->t * fg_vnorm(s_vec, p);
        out->after = fg_vnorm(g1, p);
    }
    if (rc != FORGET_OK && out->moved)
        memcpy(fg_model_theta(s->model), backup, p * sizeof(float));
    if (rc == FORGET_OK) /* the rows' terms leave the preconditioner */
        fg_newton_pc_remove(&s->pc, &o, f);
    fg_newton_obj_end(&o);
    fg_free(buf);
    fg_free(backup);
    return rc;
}

/* Certified mode, after the step (the model holds it, old the theta
 * before): spend the step's bound, or when it would pass the budget
 * retrain from scratch on retain instead (*retrained); on failure the
 * model is old again. *spent is the bound spent afterwards. */
static int fg_newton_certify(fg_newton *s, const forget_dataset *retain,
                             const float *old, fg_newton_out *out,
                             double *spent, int *retrained)
{
    fg_newton_cert *c = &s->cert;
    *retrained = 0;
    if (c->spent + out->bound <= c->budget) {
        *spent = c->spent + out->bound;
        return FORGET_OK;
    }
    size_t p = forget_model_param_count(s->model);
    float *theta = fg_malloc_array(p, sizeof(float));
    double res = 0.0;
    int rc = theta ? fg_newton_cert_retrain(c, s->model, retain, theta, &res)
                   : fg_nomem("the retrained model");
    if (rc == FORGET_OK && res > c->budget)
        rc = fg_error(FORGET_E_NUMERIC, "method 'newton': the model "
                      "retrained on the %zu retained rows has gradient "
                      "residual %g on the perturbed objective, beyond the "
                      "certificate's budget %g: train closer to the optimum "
                      "(the train parameters: full batches, more epochs)",
                      forget_dataset_rows(retain), res, c->budget);
    memcpy(fg_model_theta(s->model), rc == FORGET_OK ? theta : old,
           p * sizeof(float));
    fg_free(theta);
    if (rc == FORGET_OK) {
        *spent = res;
        *retrained = 1;
        out->after = res / (double)forget_dataset_rows(retain);
    }
    return rc;
}

static int fg_newton_forget(void *state, const forget_dataset *rows,
                            forget_run *run)
{
    fg_newton *s = state;
    if (!s->prepared)
        return fg_error(FORGET_E_STATE, "method 'newton': not prepared");
    int rc = fg_model_check_data(s->model, rows, "method 'newton'");
    fg_retain_plan plan;
    if (rc == FORGET_OK)
        rc = fg_retain_plan_request(&s->r, rows, &plan, "newton", run);
    if (rc != FORGET_OK)
        return rc;
    if (plan.n == 0) {
        fg_retain_commit(&s->r, &plan);
        return forget_run_report(run, "rows", 0);
    }
    const forget_dataset *retain = plan.kept ? plan.kept : s->r.kept;
    size_t n_after = fg_idset_remembered(&s->r.ids) - plan.n;
    fg_newton_out out;
    memset(&out, 0, sizeof out);
    fg_guard_plan gp;
    memset(&gp, 0, sizeof gp);
    if (n_after == 0 || forget_dataset_rows(retain) == 0)
        rc = fg_error(FORGET_E_INVALID, "method 'newton': the request would "
                      "leave no retained rows");
    if (rc == FORGET_OK)
        rc = fg_newton_reserve(run);
    if (rc == FORGET_OK && s->cert.on)
        rc = fg_newton_cert_reserve(run);
    if (rc == FORGET_OK) /* its rows after the request, measured before */
        rc = fg_guard_plan_request(&s->guard, plan.slot, plan.n, s->r.ids.n,
                                   s->model, &gp);
    size_t p = forget_model_param_count(s->model);
    float *old = NULL;
    if (rc == FORGET_OK && s->cert.on) {
        old = fg_malloc_array(p, sizeof(float));
        rc = old ? FORGET_OK : fg_nomem("the newton step");
        if (old)
            memcpy(old, fg_model_theta_const(s->model), p * sizeof(float));
    }
    if (rc == FORGET_OK)
        rc = fg_newton_apply(s, retain, fg_retain_live(&plan, rows), n_after,
                             &gp, run, &out);
    double spent = 0.0;
    int retrained = 0;
    if (rc == FORGET_OK && s->cert.on)
        rc = fg_newton_certify(s, retain, old, &out, &spent, &retrained);
    fg_free(old);
    if (rc != FORGET_OK) {
        fg_guard_plan_free(&gp);
        fg_retain_plan_free(&plan);
        return rc;
    }
    /* Past this point nothing fails: the model has changed. */
    fg_guard_report(&s->guard, &gp, out.guard_cost, run);
    forget_run_report(run, "rows", (double)plan.n);
    forget_run_report(run, "retained_rows", (double)forget_dataset_rows(retain));
    forget_run_report(run, "residual_norm", out.after);
    forget_run_report(run, "residual_norm_before", out.before);
    forget_run_report(run, "cg_iterations", (double)out.cg.iters);
    forget_run_report(run, "cg_residual", out.cg.rel_residual);
    forget_run_report(run, "step_norm", out.step);
    forget_run_report(run, "gradient_exact", out.exact);
    forget_run_report(run, "objective_before", out.obj_before);
    forget_run_report(run, "objective_after", out.obj_after);
    forget_run_report(run, "objective_full_step", out.obj_full);
    forget_run_report(run, "step_fraction", out.t);
    if (s->cert.on) {
        s->cert.spent = spent;
        s->cert.steps += !retrained;
        s->cert.retrains += retrained;
        fg_newton_cert_report(&s->cert, run, out.bound, retrained);
    }
    fg_retain_commit(&s->r, &plan);
    fg_guard_commit(&s->guard, &gp, s->r.ids.gone);
    return FORGET_OK;
}

static int fg_newton_save(void *state, forget_writer *w)
{
    fg_newton *s = state;
    int rc = s->prepared ? fg_retain_save(&s->r, w) : FORGET_OK;
    if (rc == FORGET_OK && s->prepared)
        rc = fg_newton_cert_save(&s->cert, w);
    if (rc == FORGET_OK && s->prepared)
        rc = fg_newton_pc_save(&s->pc, w);
    return rc == FORGET_OK && s->prepared ? fg_guard_save(&s->guard, w) : rc;
}

static int fg_newton_load(void **state, forget_model *model,
                          const forget_params *p, forget_reader *r,
                          void *user_data)
{
    void *made = NULL;
    int rc = fg_newton_create(&made, model, p, user_data);
    if (rc != FORGET_OK)
        return rc;
    fg_newton *s = made;
    fg_slot t[] = {FG_RETAIN_SLOTS, FG_CERT_SLOT, FG_NEWTON_PC_SLOTS,
                   FG_GUARD_SLOTS, {NULL, 0, 0, 0, 0}};
    rc = fg_slots_read(r, t, NULL, NULL, "method 'newton'");
    int any = 0;
    for (size_t i = 0; i < FG_RETAIN_N_SLOTS; i++)
        any |= t[i].data != NULL;
    if (rc == FORGET_OK && any) {
        rc = fg_retain_load(&s->r, t, model, "newton");
        if (rc == FORGET_OK && s->block)
            rc = fg_newton_pc_load(&s->pc, t, model, s->lambda + s->damping);
        if (rc == FORGET_OK)
            rc = fg_guard_load(&s->guard, t, &s->r.ids, model, "newton");
        s->prepared = rc == FORGET_OK;
    }
    if (rc == FORGET_OK)
        rc = fg_newton_cert_load(&s->cert, &t[FG_RETAIN_N_SLOTS],
                                 s->prepared);
    if (rc != FORGET_OK) {
        fg_newton_destroy(s);
        return rc;
    }
    *state = s;
    return FORGET_OK;
}

static int fg_newton_is_forgotten(void *state, uint64_t id, int *forgotten)
{
    const fg_newton *s = state;
    return fg_idset_forgotten(&s->r.ids, id, forgotten);
}

const forget_method fg_method_newton = {
    .struct_size = sizeof(forget_method),
    .abi_version = FORGET_BACKEND_ABI_VERSION,
    .flags = 0, /* approximate (second order); keeps its retained rows */
    .name = "newton",
    .description = "Influence removal: one Newton step on the retained "
                   "objective, solved by conjugate gradients (exact Hessian "
                   "for linear models, damped Gauss-Newton for mlp; "
                   "approximate)",
    .params = fg_newton_params,
    .n_params = FG_NEWTON_N_PARAMS,
    .param_def_size = sizeof(forget_param_def),
    .create = fg_newton_create,
    .prepare = fg_newton_prepare,
    .forget = fg_newton_forget,
    .destroy = fg_newton_destroy,
    .save = fg_newton_save,
    .load = fg_newton_load,
    .is_forgotten = fg_newton_is_forgotten,
};
