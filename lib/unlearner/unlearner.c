/* The unlearner handle: one registered method bound to one model. It
 * dispatches to the method's table and keeps the promise that a failed
 * call changes nothing it owns (the backend keeps it for its state). */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "model/kit.h"
#include "util/alloc.h"
#include "util/comm.h"
#include "util/error.h"
#include "util/params.h"
#include "unlearner/registry.h"
#include "util/report.h"
#include "util/runtime.h"
#include "unlearner/unlearner.h"

int fg_backend_status(const forget_method *m, const char *step, int rc)
{
    if (rc == FORGET_OK)
        return FORGET_OK;
    if (rc > 0 || rc < FORGET_E_INTERNAL)
        return fg_error(FORGET_E_INTERNAL, "method '%s' returned the "
                        "unknown status %d from %s", m->name, rc, step);
    if (forget_last_error_code() != rc)
        fg_error(rc, "method '%s' failed in %s: %s", m->name, step,
                 forget_strerror(rc));
    return rc;
}

static double fg_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int fg_unlearner_params(const forget_method *m, const char *text,
                        forget_params **out)
{
    char owner[96];
    snprintf(owner, sizeof owner, "method '%s'", m->name);
    return forget_params_parse(out, m->params, m->n_params, m->param_def_size,
                               owner, text);
}

int fg_unlearner_wrap(forget_unlearner **out, const forget_method *m,
                      forget_model *model, const char *params, void *state)
{
    forget_unlearner *u = fg_calloc(1, sizeof *u);
    char *text = fg_strdup(params ? params : "");
    if (u == NULL || text == NULL) {
        fg_free(u);
        fg_free(text);
        return fg_nomem("an unlearner");
    }
    u->method = m;
    u->model = model;
    fg_model_hold(model); /* a host's free of it waits for ours */
    u->params_text = text;
    u->state = state;
    fg_object_created();
    *out = u;
    return FORGET_OK;
}

int fg_unlearner_lookup(const char *method, forget_model *model,
                        const forget_method **out)
{
    const forget_method *m = fg_registry_find(method);
    if (m == NULL)
        return FORGET_E_NOT_FOUND;
    if (model == NULL && !(m->flags & FORGET_METHOD_NO_MODEL))
        return fg_error(FORGET_E_INVALID, "method '%s' needs a model",
                        m->name);
    *out = m;
    return FORGET_OK;
}

int forget_unlearner_create(forget_unlearner **out, const char *method,
                            forget_model *model, const char *params)
{
    FG_CHECK_ARG(out);
    FG_CHECK_ARG(method);
    int rc = fg_require_init(__func__);
    if (rc != FORGET_OK)
        return rc;
    const forget_method *m = NULL;
    rc = fg_unlearner_lookup(method, model, &m);
    if (rc != FORGET_OK)
        return rc;
    forget_params *p = NULL;
    rc = fg_unlearner_params(m, params, &p);
    if (rc != FORGET_OK)
        return rc;
    void *state = NULL;
    forget_set_error(FORGET_OK, "");
    rc = fg_backend_status(m, "create",
                           m->create(&state, model, p, m->user_data));
    forget_params_free(p);
    if (rc != FORGET_OK)
        return rc;
    rc = fg_unlearner_wrap(out, m, model, params, state);
    if (rc != FORGET_OK)
        m->destroy(state);
    return rc;
}

void forget_unlearner_free(forget_unlearner *u)
{
    if (u == NULL)
        return;
    fg_journal_detach(u);
    u->method->destroy(u->state);
    fg_model_discard(u->model); /* our reference: frees a model the host
                                   freed already */
    fg_report_free(u->report);
    forget_dataset_free(u->heldout);
    fg_comm_box_free(u->comm);
    fg_free(u->params_text);
    fg_free(u);
    fg_object_destroyed();
}

const char *fg_stage_name(fg_stage stage)
{
    static const char *const names[] = {"prepare", "learn", "forget"};
    return names[stage];
}

static int fg_dispatch(const forget_method *m, void *state, const fg_step *st,
                       forget_run *run)
{
    switch (st->stage) {
    case FG_STAGE_PREPARE:
        return m->prepare(state, st->rows, run);
    case FG_STAGE_LEARN:
        return m->learn(state, st->rows, run);
    case FG_STAGE_FORGET:
        break;
    }
    if (st->ids)
        return m->forget_ids(state, st->ids, st->count, run);
    return m->forget(state, st->rows, run);
}

int fg_run_step(forget_unlearner *u, const fg_step *st)
{
    forget_report *report = fg_report_new();
    if (report == NULL)
        return fg_nomem("a report");
    /* "seconds" is reserved before the backend runs: once it has
     * succeeded nothing may fail, since its change cannot be undone. */
    int rc = fg_report_set(report, "seconds", 0.0);
    if (rc == FORGET_OK && st->journal_seq)
        rc = fg_report_set(report, "journal_seq", (double)st->journal_seq);
    if (rc != FORGET_OK) {
        fg_report_free(report);
        return rc;
    }
    const char *stage = fg_stage_name(st->stage);
    forget_run run = {report, u->progress, u->progress_user, stage, 0,
                      u->heldout, fg_unlearner_comm(u)};
    const forget_method *m = u->method;
    double t0 = fg_now();
    forget_set_error(FORGET_OK, "");
    rc = fg_backend_status(m, stage, fg_dispatch(m, u->state, st, &run));
    if (rc != FORGET_OK) {
        fg_report_free(report);
        return rc;
    }
    fg_run_finish(&run);
    fg_report_set(report, "seconds", fg_now() - t0); /* replaces: no alloc */
    fg_report_free(u->report);
    u->report = report;
    return FORGET_OK;
}

int forget_unlearner_prepare(forget_unlearner *u, const forget_dataset *train)
{
    FG_CHECK_ARG(u);
    FG_CHECK_ARG(train);
    int rc = fg_unlearner_whole(u, __func__);
    if (rc != FORGET_OK)
        return rc;
    if (u->journal)
        return fg_error(FORGET_E_STATE, "%s: a deletion journal is attached; "
                        "preparing again would replace the state it "
                        "describes (use a new unlearner and journal)",
                        __func__);
    fg_step st = {FG_STAGE_PREPARE, train, NULL, 0, 0};
    rc = fg_run_step(u, &st);
    if (rc == FORGET_OK)
        u->prepared = 1;
    return rc;
}

static int fg_need_prepared(const forget_unlearner *u, const char *caller)
{
    int rc = fg_unlearner_whole(u, caller);
    if (rc != FORGET_OK)
        return rc;
    if (!u->prepared)
        return fg_error(FORGET_E_STATE, "%s: call forget_unlearner_prepare "
                        "first", caller);
    return FORGET_OK;
}

int forget_unlearner_forget(forget_unlearner *u, const forget_dataset *rows)
{
    FG_CHECK_ARG(u);
    FG_CHECK_ARG(rows);
    int rc = fg_need_prepared(u, __func__);
    if (rc != FORGET_OK)
        return rc;
    /* On many ranks a rank may hold none of a request's rows. */
    if (forget_dataset_rows(rows) == 0 && !fg_comm_multi(fg_unlearner_comm(u)))
        return fg_error(FORGET_E_INVALID, "forget_unlearner_forget: the set "
                        "of rows to forget is empty");
    fg_step st = {FG_STAGE_FORGET, rows, NULL, 0, 0};
    return u->journal ? fg_journal_step(u, &st) : fg_run_step(u, &st);
}

int forget_unlearner_forget_ids(forget_unlearner *u, const uint64_t *ids,
                                size_t count)
{
    FG_CHECK_ARG(u);
    FG_CHECK_ARG(ids);
    int rc = fg_need_prepared(u, __func__);
    if (rc != FORGET_OK)
        return rc;
    if (count == 0)
        return fg_error(FORGET_E_INVALID, "%s: the list of ids is empty",
                        __func__);
    if (u->method->forget_ids == NULL)
        return fg_error(FORGET_E_UNSUPPORTED, "%s: method '%s' needs the rows "
                        "themselves (forget_unlearner_forget)", __func__,
                        u->method->name);
    fg_step st = {FG_STAGE_FORGET, NULL, ids, count, 0};
    return u->journal ? fg_journal_step(u, &st) : fg_run_step(u, &st);
}

int forget_unlearner_learn(forget_unlearner *u, const forget_dataset *rows)
{
    FG_CHECK_ARG(u);
    FG_CHECK_ARG(rows);
    int rc = fg_need_prepared(u, __func__);
    if (rc != FORGET_OK)
        return rc;
    if (u->method->learn == NULL)
        return fg_error(FORGET_E_UNSUPPORTED, "%s: method '%s' cannot learn "
                        "rows after prepare", __func__, u->method->name);
    if (forget_dataset_rows(rows) == 0 && !fg_comm_multi(fg_unlearner_comm(u)))
        return fg_error(FORGET_E_INVALID, "%s: the set of rows is empty",
                        __func__);
    fg_step st = {FG_STAGE_LEARN, rows, NULL, 0, 0};
    return u->journal ? fg_journal_step(u, &st) : fg_run_step(u, &st);
}

int forget_unlearner_set_progress(forget_unlearner *u, forget_progress_fn fn,
                                  void *user_data)
{
    FG_CHECK_ARG(u);
    u->progress = fn;
    u->progress_user = user_data;
    return FORGET_OK;
}

int forget_unlearner_set_heldout(forget_unlearner *u,
                                 const forget_dataset *heldout)
{
    FG_CHECK_ARG(u);
    forget_dataset *copy = NULL;
    if (heldout != NULL) {
        if (forget_dataset_rows(heldout) == 0)
            return fg_error(FORGET_E_INVALID, "the held-out set is empty");
        int rc = forget_dataset_slice(&copy, heldout, 0,
                                      forget_dataset_rows(heldout));
        if (rc != FORGET_OK)
            return rc;
    }
    forget_dataset_free(u->heldout);
    u->heldout = copy;
    return FORGET_OK;
}

const char *forget_unlearner_method(const forget_unlearner *u)
{
    return u ? u->method->name : NULL;
}

forget_model *forget_unlearner_model(const forget_unlearner *u)
{
    if (u == NULL)
        return NULL;
    if (u->method->model)
        return u->method->model(u->state);
    return u->model;
}

int forget_unlearner_is_prepared(const forget_unlearner *u)
{
    return u ? u->prepared : 0;
}

const forget_report *forget_unlearner_report(const forget_unlearner *u)
{
    return u ? u->report : NULL;
}
