/* SISA's state files: SCFG (u64 generation, shards, slices), the
 * remembered rows (SDID ids, SDX float features or SDXN + SDX8 byte
 * features, SDYL labels or SDYT targets: fg_kept_save), SMOD (the
 * constituents' float32 parameters), SCKP (memory checkpoints) or SGEN
 * (the generation of each checkpoint file), and the id set; nothing when
 * not prepared. */
#include <string.h>

#include "forget/backend.h"
#include "methods/sisa.h"
#include "model/kit.h"

/* The tags sisa's files have always kept their rows under. */
static const fg_kept_tags fg_sisa_kept = {
    .ids = "SDID",
    .x = "SDX ",
    .x8_norm = "SDXN",
    .x8 = "SDX8",
    .labels = "SDYL",
    .targets = "SDYT",
};

/* The rows still remembered, as a dataset of their own, in id order (as
 * states have always kept them, whatever the layout in memory). */
static int fg_sisa_kept_rows(const fg_sisa *s, forget_dataset **kept)
{
    size_t n_all = forget_dataset_rows(s->data), n = 0;
    size_t *live = fg_malloc_array(n_all ? n_all : 1, sizeof *live);
    if (live == NULL)
        return fg_nomem("a sisa state");
    for (size_t row = 0; row < n_all; row++)
        if (!s->dead[row])
            live[n++] = row;
    fg_sisa_by_id(live, n, forget_dataset_ids(s->data));
    int rc = fg_dataset_gather(kept, s->data, live, n, FG_SISA_OWNER);
    fg_free(live);
    return rc;
}

/* The shards' sections: SMOD, then SCKP or SGEN. */
static int fg_sisa_save_shards(const fg_sisa *s, forget_writer *w)
{
    size_t S = s->S, R = s->R, P = s->P;
    float *mods = fg_malloc_array(S, P * sizeof(float));
    uint64_t *gens = fg_malloc_array(S * R, sizeof(uint64_t));
    float *cks = s->store ? NULL : fg_malloc_array(S * R, P * sizeof(float));
    int rc = mods && gens && (s->store || cks) ? FORGET_OK
                                               : fg_nomem("a sisa state");
    for (size_t i = 0; rc == FORGET_OK && i < S; i++)
        memcpy(mods + i * P, fg_model_theta_const(s->parts[i]),
               P * sizeof(float));
    for (size_t i = 0; rc == FORGET_OK && i < S * R; i++) {
        gens[i] = s->ck[i].gen;
        if (cks && s->ck[i].theta) /* (none of another rank's shards) */
            memcpy(cks + i * P, s->ck[i].theta, P * sizeof(float));
        else if (cks)
            memset(cks + i * P, 0, P * sizeof(float));
    }
    /* Little-endian arrays: the in-memory layout on our hosts. */
    if (rc == FORGET_OK)
        rc = forget_writer_section(w, "SMOD", FORGET_SECTION_REQUIRED, mods,
                                   S * P * sizeof(float));
    if (rc == FORGET_OK)
        rc = cks ? forget_writer_section(w, "SCKP", FORGET_SECTION_REQUIRED,
                                         cks, S * R * P * sizeof(float))
                 : forget_writer_section(w, "SGEN", FORGET_SECTION_REQUIRED,
                                         gens, S * R * sizeof(uint64_t));
    fg_free(mods);
    fg_free(gens);
    fg_free(cks);
    return rc;
}

int fg_sisa_save(void *state, forget_writer *w)
{
    fg_sisa *s = state;
    if (!s->prepared)
        return FORGET_OK;
    /* Only the rows still remembered are written. */
    forget_dataset *kept = NULL;
    int rc = fg_sisa_kept_rows(s, &kept);
    if (rc != FORGET_OK)
        return rc;
    unsigned char cfg[24];
    fg_put_u64(cfg, s->gen);
    fg_put_u64(cfg + 8, s->S);
    fg_put_u64(cfg + 16, s->R);
    rc = forget_writer_section(w, "SCFG", FORGET_SECTION_REQUIRED, cfg, 24);
    if (rc == FORGET_OK)
        rc = fg_kept_save(w, &fg_sisa_kept, kept);
    if (rc == FORGET_OK)
        rc = fg_sisa_save_shards(s, w);
    if (rc == FORGET_OK)
        rc = fg_idset_save(&s->ids, w);
    if (rc == FORGET_OK && s->ranks > 1) { /* one rank's part: required */
        unsigned char rk[8];
        fg_put_u32(rk, (uint32_t)s->rank);
        fg_put_u32(rk + 4, (uint32_t)s->ranks);
        rc = forget_writer_section(w, "SMPR", FORGET_SECTION_REQUIRED, rk, 8);
    }
    forget_dataset_free(kept);
    return rc;
}

/* Do the configuration and the shards' sections fit s? */
static int fg_sisa_fits(const fg_sisa *s, const fg_slot *t)
{
    size_t S = s->S, R = s->R, P = s->P;
    const fg_slot *cfg = fg_slot_get(t, "SCFG"), *mod = fg_slot_get(t, "SMOD"),
                  *ckp = fg_slot_get(t, "SCKP"), *gen = fg_slot_get(t, "SGEN");
    if (cfg->size != 24 || fg_get_u64(cfg->data + 8) != S ||
        fg_get_u64(cfg->data + 16) != R)
        return fg_error(FORGET_E_FORMAT, "method 'sisa': the saved state "
                        "has other shards or slices than its parameters");
    if (s->store ? !gen->data && ckp->data : !ckp->data && gen->data)
        return fg_error(FORGET_E_FORMAT, "method 'sisa': the saved state "
                        "keeps its checkpoints %s, not %s (store= cannot "
                        "change that at load)",
                        s->store ? "in memory" : "in files",
                        s->store ? "in files" : "in memory");
    if (mod->size != S * P * 4 ||
        (s->store ? gen->size != S * R * 8 : ckp->size != S * R * P * 4))
        return fg_error(FORGET_E_FORMAT, "method 'sisa': the saved state "
                        "does not fit a model of %zu parameters", P);
    return FORGET_OK;
}

/* The remembered rows back, laid out in shards. */
static int fg_sisa_restore_rows(fg_sisa *s, const fg_slot *t)
{
    forget_dataset *rows = NULL;
    int rc = fg_kept_load(&rows, t, &fg_sisa_kept,
                          forget_model_inputs(s->tmpl),
                          forget_model_task(s->tmpl),
                          forget_model_outputs(s->tmpl), FG_SISA_OWNER);
    if (rc != FORGET_OK)
        return rc;
    rc = fg_sisa_layout(s, rows);
    forget_dataset_free(rows);
    return rc;
}

/* The constituents and the checkpoints (memory) or their generations
 * (directory: each in 1..the state's generation, so that none can wrap;
 * a missing file is retrained by fg_sisa_recover). */
static int fg_sisa_restore_shards(fg_sisa *s, const fg_slot *t)
{
    size_t S = s->S, R = s->R, P = s->P;
    const unsigned char *mod = fg_slot_get(t, "SMOD")->data,
                        *ckp = fg_slot_get(t, "SCKP")->data,
                        *gen = fg_slot_get(t, "SGEN")->data;
    s->parts = fg_calloc(S, sizeof *s->parts);
    s->ck = fg_calloc(S * R, sizeof *s->ck);
    int rc = s->parts && s->ck ? FORGET_OK : fg_nomem("the shards");
    for (size_t i = 0; rc == FORGET_OK && i < S; i++) {
        rc = fg_model_clone_raw(&s->parts[i], s->tmpl);
        if (rc == FORGET_OK)
            fg_get_f32s(fg_model_theta(s->parts[i]), mod + i * P * 4, P);
    }
    for (size_t i = 0; rc == FORGET_OK && i < S * R; i++) {
        if (s->store && !fg_sisa_owns(s, i / R)) {
            /* another rank's shard: its checkpoint files are that rank's */
            if (fg_get_u64(gen + 8 * i) != 0)
                rc = fg_error(FORGET_E_FORMAT, "method 'sisa': checkpoint "
                              "%zu of shard %zu names a file of another "
                              "rank", i % R, i / R);
        } else if (s->store) {
            uint64_t g = fg_get_u64(gen + 8 * i);
            if (g == 0 || g > s->gen)
                rc = fg_error(FORGET_E_FORMAT, "method 'sisa': checkpoint "
                              "%zu of shard %zu has generation %llu, outside "
                              "1..%llu (the state's)", i % R, i / R,
                              (unsigned long long)g,
                              (unsigned long long)s->gen);
            s->ck[i].gen = rc == FORGET_OK ? g : 0;
            s->ck[i].saved = 1;
        } else if (!fg_sisa_owns(s, i / R)) {
            /* another rank's shard: its checkpoints live there */
        } else if ((s->ck[i].theta = fg_malloc_array(P, sizeof(float))) ==
                   NULL) {
            rc = fg_nomem("a checkpoint");
        } else {
            fg_get_f32s(s->ck[i].theta, ckp + i * P * 4, P);
        }
    }
    return rc;
}

/* The prepared state from its sections (SCFG present). */
static int fg_sisa_restore(fg_sisa *s, const fg_slot *t)
{
    int rc = fg_sisa_fits(s, t);
    if (rc != FORGET_OK)
        return rc;
    s->gen = fg_get_u64(fg_slot_get(t, "SCFG")->data);
    const fg_slot *smpr = fg_slot_get(t, "SMPR");
    if (smpr->data != NULL) { /* one rank's part (docs/MPI.md) */
        uint32_t r = smpr->size == 8 ? fg_get_u32(smpr->data) : 0;
        uint32_t p = smpr->size == 8 ? fg_get_u32(smpr->data + 4) : 0;
        if (p < 2 || p > INT32_MAX || r >= p)
            return fg_error(FORGET_E_FORMAT, "method 'sisa': section SMPR "
                            "is malformed");
        s->rank = (int32_t)r;
        s->ranks = (int32_t)p;
    }
    if (s->gen >= FG_SISA_MAX_GEN)
        return fg_error(FORGET_E_FORMAT, "method 'sisa': the saved "
                        "generation %llu is not below 2^62",
                        (unsigned long long)s->gen);
    rc = fg_sisa_restore_rows(s, t);
    if (rc == FORGET_OK)
        rc = fg_sisa_reserve(s);
    if (rc == FORGET_OK)
        rc = fg_sisa_restore_shards(s, t);
    if (rc == FORGET_OK)
        rc = fg_idset_load_slots(&s->ids, t, "sisa");
    if (rc == FORGET_OK) /* so that every request finds its rows */
        rc = fg_idset_matches(&s->ids, s->data, "sisa");
    if (rc == FORGET_OK && s->store)
        rc = fg_sisa_recover(s);
    if (rc == FORGET_OK)
        rc = fg_ensemble_create(&s->ens, s->parts, s->S, s->vote, s->text);
    return rc;
}

int fg_sisa_load(void **state, forget_model *model, const forget_params *p,
                 forget_reader *r, void *user_data)
{
    void *made = NULL;
    int rc = fg_sisa_create(&made, model, p, user_data);
    if (rc != FORGET_OK)
        return rc;
    fg_sisa *s = made;
    fg_slot t[] = {{"SCFG", 1, 0, 0, 0}, {"SDID", 1, 0, 0, 0},
                   {"SDX ", 1, 0, 0, 0}, {"SDYL", 1, 0, 0, 0},
                   {"SDYT", 1, 0, 0, 0}, {"SMOD", 1, 0, 0, 0},
                   {"SCKP", 1, 0, 0, 0}, {"SGEN", 1, 0, 0, 0},
                   {"IDS ", 1, 0, 0, 0}, {"GONE", 1, 0, 0, 0},
                   {"SDXN", 1, 0, 0, 0}, {"SDX8", 1, 0, 0, 0},
                   {"SMPR", 1, 0, 0, 0}, {NULL, 0, 0, 0, 0}};
    rc = fg_slots_read(r, t, NULL, NULL, FG_SISA_OWNER);
    if (rc == FORGET_OK && fg_slot_get(t, "SCFG")->data) {
        rc = fg_sisa_restore(s, t);
        if (rc != FORGET_OK) {
            /* Files named by the state are not ours to delete here;
             * those a recovery wrote are. */
            for (size_t i = 0; s->ck && i < s->S * s->R; i++)
                if (s->ck[i].saved)
                    s->ck[i].gen = 0;
                else
                    fg_ckpt_drop(s, i / s->R, i % s->R, &s->ck[i]);
            s->n_pending = 0;
        }
        s->prepared = rc == FORGET_OK;
        if (rc == FORGET_OK) /* what a crash left in the store */
            fg_ckpt_sweep(s);
    }
    if (rc != FORGET_OK) {
        fg_sisa_destroy(s);
        return rc;
    }
    *state = s;
    return FORGET_OK;
}
