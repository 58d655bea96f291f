/* fg_lanes: see lanes.h. */
#include "model/lanes.h"

#include <string.h>

#include "util/alloc.h"
#include "util/error.h"
#include "data/dataset.h"
#include "la/la.h"
#include "model/kernels.h"

/* Parameter ranges of the update phase start on 64-byte boundaries. */
#define FG_UPDATE_ALIGN 16
/* Rows of a gather fetched ahead of the one being copied. */
#define FG_PREFETCH_ROWS 4

static void fg_lane_free(fg_lane *ln)
{
    fg_free(ln->grad);
    fg_free(ln->xb);
    fg_free(ln->tb);
    fg_free(ln->zbuf);
    fg_free(ln->yb);
    fg_workspace_free(&ln->ws);
}

void fg_lanes_end(fg_lanes *l)
{
    fg_team_stop(l->team);
    l->team = NULL;
}

void fg_lanes_free(fg_lanes *l)
{
    fg_lanes_end(l);
    for (size_t i = 0; l->lane && i < l->cap_lanes; i++)
        fg_lane_free(&l->lane[i]);
    fg_free(l->lane);
    memset(l, 0, sizeof *l);
}

/* The lanes batch rows take: n_lanes clamped to 1..batch and
 * FG_MAX_LANES; *rows receives the rows of the largest lane. */
static size_t fg_lanes_count(size_t batch, size_t n_lanes, size_t *rows)
{
    if (n_lanes > batch)
        n_lanes = batch;
    if (n_lanes < 1)
        n_lanes = 1;
    if (n_lanes > FG_MAX_LANES)
        n_lanes = FG_MAX_LANES;
    *rows = (batch + n_lanes - 1) / n_lanes;
    return n_lanes;
}

/* l (zeroed) with n_lanes lanes of up to rows rows for m on ds, their
 * workspaces made for that many rows when the kind says how much they
 * take; 0 when memory is short (l then holds what was made). */
static int fg_lanes_alloc(fg_lanes *l, const forget_model *m,
                          const forget_dataset *ds, size_t rows,
                          size_t n_lanes)
{
    size_t chunk = fg_model_chunk_rows(m);
    size_t ws = m->ops->ws_floats
                    ? m->ops->ws_floats(m, rows < chunk ? rows : chunk)
                    : 0;
    l->lane = fg_calloc(n_lanes, sizeof *l->lane);
    int ok = l->lane != NULL;
    l->cap_lanes = ok ? n_lanes : 0;
    for (size_t i = 0; ok && i < n_lanes; i++) {
        fg_lane *ln = &l->lane[i];
        ln->grad = fg_malloc_array(m->n_params, sizeof(float));
        ln->xb = fg_malloc_array(rows, ds->d * sizeof(float));
        ln->zbuf = fg_malloc_array(fg_model_zbuf_floats(m), sizeof(float));
        if (ds->task == FORGET_TASK_CLASSIFICATION)
            ln->yb = fg_malloc_array(rows, sizeof(int32_t));
        else
            ln->tb = fg_malloc_array(rows, ds->target_dim * sizeof(float));
        ok = ok && ln->grad && ln->xb && ln->zbuf && (ln->yb || ln->tb) &&
             (ws == 0 || fg_workspace_get(&ln->ws, ws) != NULL);
    }
    l->n_params = m->n_params;
    l->cap_rows = rows;
    l->d = ds->d;
    /* 0 for classes: labels, not targets */
    l->k = ds->task == FORGET_TASK_CLASSIFICATION ? 0 : ds->target_dim;
    l->zfloats = fg_model_zbuf_floats(m);
    return ok;
}

/* Have l's buffers room for these lanes? */
static int fg_lanes_fit(const fg_lanes *l, const forget_model *m,
                        const forget_dataset *ds, size_t rows,
                        size_t n_lanes)
{
    size_t k = ds->task == FORGET_TASK_CLASSIFICATION ? 0 : ds->target_dim;
    return l->lane && l->cap_lanes >= n_lanes && l->cap_rows >= rows &&
           l->n_params == m->n_params && l->d == ds->d && l->k == k &&
           l->zfloats == fg_model_zbuf_floats(m);
}

int fg_lanes_reserve(fg_lanes *l, const forget_model *m,
                     const forget_dataset *ds, size_t batch, size_t n_lanes)
{
    size_t rows;
    n_lanes = fg_lanes_count(batch, n_lanes, &rows);
    if (fg_lanes_fit(l, m, ds, rows, n_lanes))
        return FORGET_OK;
    fg_lanes made = {0};
    if (!fg_lanes_alloc(&made, m, ds, rows, n_lanes)) {
        fg_lanes_free(&made);
        return fg_error(FORGET_E_NOMEM, "out of memory for training %zu "
                        "parameters in batches of %zu", m->n_params, batch);
    }
    fg_lanes_free(l);
    *l = made;
    return FORGET_OK;
}

int fg_lanes_init(fg_lanes *l, const forget_model *m,
                  const forget_dataset *ds, size_t batch, size_t n_lanes,
                  int threads)
{
    fg_lanes_end(l);
    int rc = fg_lanes_reserve(l, m, ds, batch, n_lanes);
    if (rc != FORGET_OK)
        return rc;
    size_t rows;
    l->n_lanes = fg_lanes_count(batch, n_lanes, &rows);
    l->batch = batch;
    l->m = m;
    l->ds = ds;
    /* Lanes at once only where that is both safe and useful: a BLAS that
     * runs its own threads would be oversubscribed. */
    int team = threads < (int)l->n_lanes ? threads : (int)l->n_lanes;
    if (team > 1 && m->ops->concurrent && fg_blas_threads() == 1)
        l->team = fg_team_start(team);
    return FORGET_OK;
}

static void fg_gather(const forget_dataset *ds, const size_t *rows, size_t n,
                      fg_lane *ln)
{
    size_t d = ds->d, k = ds->target_dim;
    for (size_t i = 0; i < n && i < FG_PREFETCH_ROWS; i++)
        fg_dataset_prefetch_row(ds, rows[i]);
    for (size_t i = 0; i < n; i++) {
        size_t r = rows[i];
        /* rows are scattered: fetch a few ahead while converting one */
        if (i + FG_PREFETCH_ROWS < n)
            fg_dataset_prefetch_row(ds, rows[i + FG_PREFETCH_ROWS]);
        fg_dataset_row(ds, r, ln->xb + i * d);
        if (ln->yb)
            ln->yb[i] = ds->labels[r];
        else
            memcpy(ln->tb + i * k, ds->targets + r * k, k * sizeof(float));
    }
}

/* The rows of the next step that this lane will gather (the same split
 * as fg_lanes_step's), asked for now so that they arrive while this
 * step's GEMMs run: the rows are scattered over a set larger than the
 * caches, and a gather that waits for each was 7% of a training run. */
static void fg_prefetch_next(const fg_lanes *l, const fg_lane *ln)
{
    if (l->next == NULL)
        return;
    size_t i = (size_t)(ln - l->lane);
    size_t per = l->n_next / l->n_lanes, extra = l->n_next % l->n_lanes;
    size_t r0 = i * per + (i < extra ? i : extra), n = per + (i < extra);
    for (size_t j = 0; j < n; j++)
        fg_dataset_prefetch_row_far(l->ds, l->next[r0 + j]);
}

static void fg_lane_grad(fg_lanes *l, fg_lane *ln)
{
    ln->loss = 0.0;
    memset(ln->grad, 0, l->n_params * sizeof *ln->grad);
    int rc = FORGET_OK;
    if (ln->n > 0) {
        fg_gather(l->ds, l->rows + ln->r0, ln->n, ln);
        fg_prefetch_next(l, ln);
        rc = fg_model_batch(l->m, &ln->ws, ln->zbuf, ln->xb, ln->yb, ln->tb,
                            ln->n, FG_OBJ_LOSS, FG_ACC_GRAD,
                            1.0f / (float)l->nb, ln->grad, &ln->loss);
    }
    fg_error_carry(&ln->err, rc);
}

static void fg_grad_phase(int member, void *ctx)
{
    fg_lanes *l = ctx;
    size_t size = (size_t)fg_team_size(l->team);
    for (size_t i = (size_t)member; i < l->n_lanes; i += size)
        fg_lane_grad(l, &l->lane[i]);
}

static void fg_update_phase(int member, void *ctx)
{
    fg_lanes *l = ctx;
    size_t size = (size_t)fg_team_size(l->team), p = l->n_params;
    size_t per = (p + size - 1) / size;
    per = (per + FG_UPDATE_ALIGN - 1) / FG_UPDATE_ALIGN * FG_UPDATE_ALIGN;
    size_t begin = (size_t)member * per;
    size_t end = begin + per < p ? begin + per : p;
    if (begin >= end)
        return;
    float *g = l->lane[0].grad + begin;
    size_t last = l->n_lanes - 1;
    for (size_t i = 1; i < last; i++)
        fg_k_add(g, l->lane[i].grad + begin, end - begin);
    l->update(l->update_ctx, begin, end, g,
              last ? l->lane[last].grad + begin : NULL);
}

int fg_lanes_step(fg_lanes *l, const size_t *rows, size_t nb,
                  const size_t *next, size_t n_next, fg_update_fn update,
                  void *ctx, double *loss)
{
    l->rows = rows;
    l->nb = nb;
    l->next = n_next ? next : NULL;
    l->n_next = n_next;
    size_t per = nb / l->n_lanes, extra = nb % l->n_lanes, r0 = 0;
    for (size_t i = 0; i < l->n_lanes; i++) {
        l->lane[i].r0 = r0;
        l->lane[i].n = per + (i < extra);
        r0 += l->lane[i].n;
    }
    fg_team_run(l->team, fg_grad_phase, l);
    double sum = 0.0;
    for (size_t i = 0; i < l->n_lanes; i++) {
        fg_lane *ln = &l->lane[i];
        if (ln->err.code != FORGET_OK)
            return fg_error_deliver(&ln->err);
        sum += ln->loss;
    }
    *loss = sum;
    l->update = update;
    l->update_ctx = ctx;
    fg_team_run(l->team, fg_update_phase, l);
    return FORGET_OK;
}
