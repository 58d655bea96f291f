/*
 * libforget — the method-backend ABI, for authors of unlearning methods.
 *
 * A method is a table of function pointers registered by name. The
 * built-in methods use exactly this interface; a host adds its own with
 * forget_register_method(). This header has its own ABI version: a table
 * is accepted when its major matches FORGET_BACKEND_ABI_MAJOR, and its
 * struct_size tells the registry which (append-only) fields it has.
 */
#ifndef FORGET_BACKEND_H
#define FORGET_BACKEND_H

#include "forget.h"

#ifdef __cplusplus
extern "C" {
#endif

#define FORGET_BACKEND_ABI_MAJOR 1
#define FORGET_BACKEND_ABI_MINOR 2
/* MAJOR * 65536 + MINOR, written out; put it in forget_method.abi_version. */
#define FORGET_BACKEND_ABI_VERSION 65538

/* Parsed parameter values (see forget_params_parse). */
typedef struct forget_params forget_params;

/* The context of one prepare or forget call: progress, cancel, report. */
typedef struct forget_run forget_run;

/* A state file being written or read (docs/FORMAT.md). */
typedef struct forget_writer forget_writer;
typedef struct forget_reader forget_reader;

/* ---- Communicators (ABI 1.2): running one unlearner on P processes ----
 *
 * A communicator is a table of collective operations over P processes
 * ("ranks"), the small part of MPI the methods need (docs/MPI.md).
 * libforget never calls MPI itself: libforget-mpi (forget/forget_mpi.h)
 * fills this table from an MPI_Comm, and a host on another engine (NCCL,
 * gloo, its own RPC) fills it with its own functions. Every rank calls
 * the same collectives in the same order with the same sizes (except
 * allgather's own block).
 *
 * Every entry returns 0 or a negative FORGET_E_* code (it may call
 * forget_set_error for a message; any other value is taken as
 * FORGET_E_IO). A collective that fails must return on every rank that
 * can still return, never hang or abort: an implementation over a network
 * bounds its waits. The library turns a failed collective into the
 * failure of the call, with the state as before where the method can
 * still tell (docs/MPI.md, "Failures"). */
typedef struct forget_comm {
    /* sizeof(forget_comm) as the implementer compiled it. */
    size_t struct_size;
    /* Passed as the first argument of every entry; must stay valid while
     * the table is attached to an unlearner. */
    void *user_data;
    /* This process's rank in [0, size) and the number of ranks (>= 1);
     * fixed for the table's life. */
    int32_t rank;
    int32_t size;
    /* Wait until every rank has called it. */
    int (*barrier)(void *user_data);
    /* Copy size bytes at data on rank root into data on every rank. */
    int (*broadcast)(void *user_data, void *data, size_t size, int32_t root);
    /* Every rank sends its block (send, send_size bytes) and receives all
     * blocks, rank 0's first, packed without gaps into recv; recv_sizes[r]
     * is rank r's send_size, known to every rank. */
    int (*allgather)(void *user_data, const void *send, size_t send_size,
                     void *recv, const size_t *recv_sizes);
    /* data[i] (count doubles, the same count on every rank) becomes the
     * sum over ranks of data[i], added in rank order ((r0 + r1) + r2 ...)
     * on every rank: the result is bit-identical on all ranks and does
     * not depend on the engine's reduction tree. */
    int (*allreduce_sum)(void *user_data, double *data, size_t count);
} forget_comm;

/* The built-in single-process communicator (rank 0 of 1) every unlearner
 * has until another is attached. Static; never NULL. */
FORGET_API const forget_comm *forget_comm_single(void);

/* Attach comm to u: its method's collectives then run over comm's ranks
 * (every rank creates or loads its own unlearner and calls the same
 * functions in the same order). The table is copied (at most the fields
 * this library knows, by struct_size); its user_data must outlive the
 * attachment. NULL attaches forget_comm_single(). Before prepare any
 * method accepts a single-rank table; more than one rank needs a method
 * that runs on many (its set_comm entry), others refuse with
 * FORGET_E_UNSUPPORTED. A prepared or loaded unlearner accepts only what
 * its method allows (a state made on P ranks takes a table of the same P
 * and rank, after load too; a single-rank table detaches it, and its
 * requests are refused until its own is attached again: docs/MPI.md). FORGET_E_INVALID for a
 * malformed table (struct_size too small, rank out of range, a missing
 * entry); on any error nothing changes. Attaching a table of more than
 * one rank to a prepared or loaded unlearner is collective: the ranks
 * check that their states are parts of one (the models they present are
 * the same), FORGET_E_STATE on every rank otherwise. A journal is
 * opened after the table is attached: while one is attached, a table of
 * more than one rank is FORGET_E_STATE. Once a collective has failed on
 * this rank (the host's entry returned an error, as libforget-mpi's does
 * after a timeout), the unlearner takes nothing more - requests, saves,
 * tables, journals, is_forgotten are FORGET_E_STATE - since what the
 * other ranks did is unknown (docs/MPI.md, "Failures"). The table the
 * unlearner hands its method (forget_unlearner_comm) is its own copy,
 * whose entries call the host's. */
FORGET_API int forget_unlearner_set_comm(forget_unlearner *u,
                                         const forget_comm *comm);
/* The table attached to u (forget_comm_single() by default); NULL for
 * NULL. Valid until the next forget_unlearner_set_comm or free. */
FORGET_API const forget_comm *forget_unlearner_comm(const forget_unlearner *u);

typedef struct forget_method {
    /* sizeof(forget_method) as the author compiled it. */
    size_t struct_size;
    /* FORGET_BACKEND_ABI_VERSION as the author compiled it. */
    uint32_t abi_version;
    /* FORGET_METHOD_* capability flags. */
    uint32_t flags;
    /* [a-z0-9_-]{1,63}; copied by the registry. */
    const char *name;
    /* One line; must stay valid while registered. */
    const char *description;
    /* Parameter table (may be NULL when n_params is 0), its length, and
     * sizeof(forget_param_def) as the author compiled it. Must stay valid
     * while registered. */
    const forget_param_def *params;
    size_t n_params;
    size_t param_def_size;

    /* Make the method's state for one model (NULL for methods flagged
     * FORGET_METHOD_NO_MODEL when the host passed none). The params are
     * parsed against the table and live only during the call. */
    int (*create)(void **state, forget_model *model,
                  const forget_params *params, void *user_data);
    /* Precompute from the training data. */
    int (*prepare)(void *state, const forget_dataset *train,
                   forget_run *run);
    /* Forget rows (never empty). On failure the model and state must be
     * exactly as before the call. */
    int (*forget)(void *state, const forget_dataset *rows, forget_run *run);
    /* Free the state. */
    void (*destroy)(void *state);

    /* ---- optional fields: a table may end before any of them ---- */
    /* Passed to create and load. */
    void *user_data;
    /* Write the state's own sections (forget_writer_section). NULL: the
     * method's state cannot be saved (FORGET_E_UNSUPPORTED). */
    int (*save)(void *state, forget_writer *w);
    /* Rebuild a state for model from the sections save wrote (read them
     * with forget_reader_section until it returns 0). Refuse anything
     * that does not fit the model with FORGET_E_FORMAT. */
    int (*load)(void **state, forget_model *model,
                const forget_params *params, forget_reader *r,
                void *user_data);
    /* Add rows to what the model has learned (NULL: FORGET_E_UNSUPPORTED).
     * On failure the model and state must be as before. */
    int (*learn)(void *state, const forget_dataset *rows, forget_run *run);
    /* Forget rows named by id only (NULL: FORGET_E_UNSUPPORTED; the host
     * must pass the rows). ids are never empty. */
    int (*forget_ids)(void *state, const uint64_t *ids, size_t count,
                      forget_run *run);
    /* The model the unlearner presents, when it is not the one it was
     * created with (sisa's ensemble); NULL before it exists. */
    forget_model *(*model)(void *state);
    /* Called by forget_unlearner_save once the state file it wrote is
     * durable (written, synced and renamed over the path): files the
     * method kept only for the state saved before (sisa's superseded
     * checkpoints) may now be destroyed. Never called for a save to a
     * buffer. NULL: nothing to do. (ABI 1.1) */
    void (*saved)(void *state);
    /* The parameters a host may change when it loads a state
     * (forget_unlearner_load_params), separated by spaces ("store"); NULL
     * or "": none. Must stay valid while registered. (ABI 1.1) */
    const char *load_overrides;
    /* (ABI 1.1) Does the state hold id as forgotten? FORGET_OK with
     * *forgotten 1 when id was learned and has been forgotten since, 0
     * when the state still holds it; FORGET_E_NOT_FOUND when the state
     * never learned id. Called only after prepare or load.
     * forget_unlearner_is_forgotten answers from it and the journal
     * together. NULL: the method does not keep ids (the journal alone
     * answers). */
    int (*is_forgotten)(void *state, uint64_t id, int *forgotten);
    /* (ABI 1.2) A communicator is being attached (forget_unlearner_set_comm):
     * the method keeps comm (valid until the next set_comm or destroy) or
     * refuses it, changing nothing. It must accept again the table it had
     * before: when the ranks of a prepared state disagree, the library
     * puts that one back. NULL: the method runs on one rank only, and the
     * library refuses tables of more than one rank for it. */
    int (*set_comm)(void *state, const forget_comm *comm);
} forget_method;

/* The smallest struct_size the registry accepts is
 * offsetof(forget_method, user_data): every field up to destroy. */

/* Register a method (after forget_init). The table is copied; the strings
 * and parameter table it points to must stay valid until the last
 * forget_shutdown(). Errors: FORGET_E_EXISTS (name taken),
 * FORGET_E_VERSION (other ABI major, or a table or parameter definition
 * smaller than this ABI's minimum), FORGET_E_INVALID (bad name, missing
 * function, bad parameter table: each default must parse), FORGET_E_NOMEM
 * (the registry holds 64 methods at most). */
FORGET_API int forget_register_method(const forget_method *method);

/* ---- Parameters ---- */

/* Parse text ("key=value ..."; NULL or "" for all defaults) against a
 * table. owner names the table in messages ("method 'ssd'"). Unknown
 * keys, keys given twice, bad values, values out of range and missing
 * required keys are FORGET_E_PARAM with a message naming the key. */
FORGET_API int forget_params_parse(forget_params **out,
                                   const forget_param_def *defs,
                                   size_t n_defs, size_t def_size,
                                   const char *owner, const char *text);
FORGET_API void forget_params_free(forget_params *p);

/* Typed getters. FORGET_E_NOT_FOUND for a name not in the table,
 * FORGET_E_INVALID when the type does not match (a double getter also
 * reads INT parameters; the string getter reads every type's text). */
FORGET_API int forget_params_int(const forget_params *p, const char *name,
                                 int64_t *value);
FORGET_API int forget_params_double(const forget_params *p, const char *name,
                                    double *value);
FORGET_API int forget_params_bool(const forget_params *p, const char *name,
                                  int *value);
/* ENUM: the index of the choice in the choices list. */
FORGET_API int forget_params_enum(const forget_params *p, const char *name,
                                  size_t *index);
/* The value's text (the default's text when not given); valid while p
 * lives. */
FORGET_API int forget_params_string(const forget_params *p, const char *name,
                                    const char **value);
/* 1 if the key was given in the text, 0 if its default is in force. */
FORGET_API int forget_params_given(const forget_params *p, const char *name,
                                   int *given);

/* ---- The run context passed to prepare and forget ---- */

/* Report progress; returns FORGET_E_CANCELED (with a message set) when
 * the host's callback asks to stop: return it from your function after
 * undoing any change. fraction is clamped to [0,1]. */
FORGET_API int forget_run_progress(forget_run *run, double fraction);
/* Add (or replace) a named figure in this call's report. key: at most 63
 * bytes. */
FORGET_API int forget_run_report(forget_run *run, const char *key,
                                 double value);
/* The held-out rows the host gave the unlearner
 * (forget_unlearner_set_heldout): rows never trained on, for methods that
 * calibrate a request against them; NULL when none. Valid during the
 * call. */
FORGET_API const forget_dataset *forget_run_heldout(const forget_run *run);
/* Threads this call may use (forget_get_threads()). */
FORGET_API int32_t forget_run_threads(const forget_run *run);
/* The unlearner's communicator (forget_comm_single() unless one was
 * attached); never NULL for a run. (ABI 1.2) */
FORGET_API const forget_comm *forget_run_comm(const forget_run *run);

/* ---- State files ---- */

/* Append a section to an unlearner file: tag is 4 ASCII characters not
 * starting with '_' (those are the library's), flags FORGET_SECTION_*. */
#define FORGET_SECTION_REQUIRED 1u
FORGET_API int forget_writer_section(forget_writer *w, const char *tag,
                                     uint32_t flags, const void *data,
                                     size_t size);
/* The next section the method saved: 1 with tag (5 bytes: 4 and a NUL),
 * flags, data and size filled; 0 at the end; or a FORGET_E_* code. The
 * data lives as long as the reader (the duration of load). Lengths and
 * checksums are verified before a section is handed out. */
FORGET_API int forget_reader_section(forget_reader *r, char *tag,
                                     uint32_t *flags, const void **data,
                                     size_t *size);

/* Set the calling thread's error message (printf-free: the text is
 * copied as is) and return code, for backends to report their errors. */
FORGET_API int forget_set_error(int code, const char *message);

#ifdef __cplusplus
}
#endif

#endif /* FORGET_BACKEND_H */
