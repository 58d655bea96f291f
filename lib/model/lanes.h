/* Data-parallel training steps: a batch is split into a fixed number of
 * lanes (contiguous parts); each lane's gradient is computed on its own,
 * and the lanes' gradients are summed in lane order while the optimizer
 * updates the parameters. Lanes run on a team of threads when the budget
 * allows, one after another otherwise: the result depends on the number
 * of lanes, never on the number of threads. */
#ifndef FG_MODEL_LANES_H
#define FG_MODEL_LANES_H

#include <stdint.h>

#include "util/error.h"
#include "util/team.h"
#include "model/model.h"

#define FG_MAX_LANES 64

typedef struct fg_lane {
    float *grad, *xb, *tb, *zbuf;
    int32_t *yb;
    fg_workspace ws;
    size_t r0, n;    /* this step's rows: [r0, r0 + n) of the batch */
    double loss;     /* sum of this step's per-row losses */
    fg_carried_error err; /* this step's status (a worker's message) */
} fg_lane;

/* The update of parameters [begin, end) with the gradient g + g2 there
 * (g2 NULL for one lane): the lanes' gradients summed in lane order, all
 * but the last in g (the first lane's buffer), the last in g2. */
typedef void (*fg_update_fn)(void *ctx, size_t begin, size_t end,
                             const float *g, const float *g2);

typedef struct fg_lanes {
    fg_lane *lane; /* cap_lanes of them; this run's first n_lanes */
    size_t n_lanes, batch, n_params;
    /* what the buffers were made for: up to cap_lanes lanes of cap_rows
     * rows of d features (k targets, 0 for labels) */
    size_t cap_lanes, cap_rows, d, k, zfloats;
    fg_team *team;
    const forget_model *m;
    const forget_dataset *ds;
    /* the current step */
    const size_t *rows;
    size_t nb;
    const size_t *next; /* the next step's rows (NULL: not known) */
    size_t n_next;
    fg_update_fn update;
    void *update_ctx;
} fg_lanes;

/* Buffers for batches of up to batch rows in n_lanes lanes (clamped to
 * 1..batch), made ahead: l (zeroed, or holding earlier buffers) keeps
 * them if they have room, else gets a new set, made whole before the old
 * one is freed (FORGET_E_NOMEM leaves l as it was). */
int fg_lanes_reserve(fg_lanes *l, const forget_model *m,
                     const forget_dataset *ds, size_t batch, size_t n_lanes);
/* A run's lanes: buffers as fg_lanes_reserve (kept when they have room,
 * so that runs of one shape fault no fresh pages), and a team of up to
 * threads threads when lanes may run at once (a kind whose
 * forward/backward may run concurrently, a BLAS on one thread). */
int fg_lanes_init(fg_lanes *l, const forget_model *m,
                  const forget_dataset *ds, size_t batch, size_t n_lanes,
                  int threads);
/* The run is over: stop the team, keep the buffers for the next. */
void fg_lanes_end(fg_lanes *l);
/* Free everything (a zeroed l: nothing). */
void fg_lanes_free(fg_lanes *l);

/* The gradient of the mean loss over rows[0..nb) (nb <= batch), lane by
 * lane; *loss = the sum of per-row losses. Then update over ranges
 * covering every parameter (in parallel when the team allows). next
 * (n_next rows, 0 when not known) are the next step's rows, fetched into
 * the caches meanwhile. */
int fg_lanes_step(fg_lanes *l, const size_t *rows, size_t nb,
                  const size_t *next, size_t n_next, fg_update_fn update,
                  void *ctx, double *loss);

#endif
