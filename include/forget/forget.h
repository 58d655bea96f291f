/*
 * libforget — machine unlearning for embedded hosts.
 *
 * The public API. C99, usable from C++ (extern "C"), cffi, ctypes and
 * bindgen without changes: opaque handles, fixed-width integers, size_t for
 * sizes, buffers as pointer + length, UTF-8 strings, callbacks with a
 * trailing user_data pointer, no function-like macros.
 *
 * Rules that hold for every function below (docs/API.md has the detail):
 *  - Functions that can fail return int: FORGET_OK (0) or a negative
 *    FORGET_E_* code. forget_last_error() then holds a message for the
 *    calling thread. On failure, outputs and objects are left as they were.
 *  - forget_init() must be called before any function that creates an
 *    object or consults the method registry (those return FORGET_E_STATE
 *    otherwise). Version, error and allocator functions work without it.
 *  - *_free(NULL) is a no-op. A handle is used by one thread at a time.
 */
#ifndef FORGET_FORGET_H
#define FORGET_FORGET_H

#include <stddef.h>
#include <stdint.h>

#include "version.h"

#ifndef FORGET_API
#  if defined(_WIN32) && defined(FORGET_BUILDING_DLL)
#    define FORGET_API __declspec(dllexport)
#  elif defined(_WIN32) && defined(FORGET_USING_DLL)
#    define FORGET_API __declspec(dllimport)
#  elif defined(__GNUC__) && __GNUC__ >= 4
#    define FORGET_API __attribute__((visibility("default")))
#  else
#    define FORGET_API
#  endif
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* Status codes. Fixed numbers, never reused.                          */
/* ------------------------------------------------------------------ */
#define FORGET_OK 0
#define FORGET_E_INVALID (-1)     /* bad argument: NULL, size, NaN, ... */
#define FORGET_E_NOMEM (-2)       /* an allocation failed */
#define FORGET_E_IO (-3)          /* a file could not be opened/read/written */
#define FORGET_E_FORMAT (-4)      /* a file or buffer is malformed */
#define FORGET_E_NOT_FOUND (-5)   /* a named thing (id, method, key) is absent */
#define FORGET_E_EXISTS (-6)      /* a name is already registered */
#define FORGET_E_VERSION (-7)     /* ABI or format version not supported */
#define FORGET_E_NUMERIC (-8)     /* a numeric failure (not positive definite) */
#define FORGET_E_CANCELED (-9)    /* the progress callback asked to stop */
#define FORGET_E_UNSUPPORTED (-10) /* the operation is not offered here */
#define FORGET_E_STATE (-11)      /* wrong time: not initialised, not prepared */
#define FORGET_E_PARAM (-12)      /* a parameter string is wrong */
#define FORGET_E_INTERNAL (-13)   /* a bug in libforget or a backend */

/* Static English text for a code ("invalid argument"); never NULL. */
FORGET_API const char *forget_strerror(int code);

/* The message of the last failure on the calling thread, or "" if none.
 * Valid until the next libforget call on this thread. Not cleared by
 * successful calls: read it right after a call returned an error. */
FORGET_API const char *forget_last_error(void);

/* The code of the last failure on the calling thread (0 if none). */
FORGET_API int forget_last_error_code(void);

/* ------------------------------------------------------------------ */
/* Version                                                             */
/* ------------------------------------------------------------------ */
/* The library's version as MAJOR*10000 + MINOR*100 + PATCH. Compare with
 * FORGET_VERSION_NUMBER to detect a header/library mismatch. */
FORGET_API uint32_t forget_version_number(void);
FORGET_API const char *forget_version_string(void);

/* ------------------------------------------------------------------ */
/* Library lifetime, memory, threads                                   */
/* ------------------------------------------------------------------ */

/* Reference-counted. The first call registers the built-in methods; every
 * call must be balanced by forget_shutdown(). Thread-safe. */
FORGET_API int forget_init(void);

/* Drops one reference. The last one clears the method registry; it is
 * refused with FORGET_E_STATE while objects are alive (free them first).
 * Returns FORGET_E_STATE when called without a matching forget_init(). */
FORGET_API int forget_shutdown(void);

typedef void *(*forget_malloc_fn)(size_t size, void *user_data);
typedef void *(*forget_realloc_fn)(void *ptr, size_t size, void *user_data);
typedef void (*forget_free_fn)(void *ptr, void *user_data);

/* Route every allocation libforget makes through these hooks. All three
 * NULL restores the C library's. Refused with FORGET_E_STATE while any
 * allocation made by libforget is alive (set it before creating objects).
 * Passing some but not all hooks is FORGET_E_INVALID. */
FORGET_API int forget_set_allocator(forget_malloc_fn malloc_fn,
                                    forget_realloc_fn realloc_fn,
                                    forget_free_fn free_fn, void *user_data);

/* Threads libforget may use for its own parallel work (SISA shards,
 * blocked kernels). 0 = one per online processor (the default). Never
 * changes the BLAS library's own thread setting. Range 0..1024. */
FORGET_API int forget_set_threads(int32_t threads);
/* The effective count (0 is resolved to the processor count). */
FORGET_API int32_t forget_get_threads(void);

/* Which BLAS the library runs on, in one line for people: "OpenBLAS
 * (<its configuration>; core <the kernels it chose>; N threads)", "MKL
 * (...)", "BLIS (...)", or "reference BLAS (<file>; slow: ...)" when no
 * optimised BLAS is found (Netlib's is 10-20x slower than OpenBLAS on the
 * same work; Debian lets either provide libblas.so.3). The text lives in
 * a per-thread buffer until the calling thread's next call. Needs no
 * forget_init. */
FORGET_API const char *forget_blas_info(void);

/* Process-wide limits on what a loader accepts from a file, so that a
 * small hostile input (a forged header, a gzip bomb, /dev/zero) is refused
 * before memory is allocated for it. Every size read from a file is
 * checked against the file's length and against these:
 *   FORGET_LIMIT_MAX_BYTES     largest file, decompressed input or array
 *                              a loader allocates, including the feature
 *                              layer an analytic model rebuilds from its
 *                              parameters (default 2 GiB)
 *   FORGET_LIMIT_MAX_ROWS      rows of a loaded dataset (default 2^31)
 *   FORGET_LIMIT_MAX_FEATURES  features (columns) of a loaded dataset
 *                              (default 2^24)
 * A load that would exceed one fails with FORGET_E_NOMEM and a message
 * naming the limit. value 0 restores the default; forget_get_limit gives
 * the effective value. An unknown which is FORGET_E_INVALID. Thread-safe;
 * a change applies to loads that start after it. Needs no forget_init. */
#define FORGET_LIMIT_MAX_BYTES 1
#define FORGET_LIMIT_MAX_ROWS 2
#define FORGET_LIMIT_MAX_FEATURES 3
FORGET_API int forget_set_limit(int32_t which, uint64_t value);
FORGET_API int forget_get_limit(int32_t which, uint64_t *value);

/* ------------------------------------------------------------------ */
/* Parameters: every model kind and method declares a table of these.  */
/* Parameter strings are "key=value" pairs separated by spaces or      */
/* commas; values may be double-quoted ("a b", with \" and \\).        */
/* Numbers are read and written without the locale.                     */
/* ------------------------------------------------------------------ */
#define FORGET_PARAM_INT 1     /* 64-bit signed integer */
#define FORGET_PARAM_DOUBLE 2  /* finite double */
#define FORGET_PARAM_BOOL 3    /* true/false, 1/0, yes/no, on/off */
#define FORGET_PARAM_ENUM 4    /* one of the '|'-separated choices */
#define FORGET_PARAM_STRING 5  /* any text */

/* One declared parameter. Append-only: fields are only ever added at the
 * end, and tables carry their element size (see backend.h). */
typedef struct forget_param_def {
    const char *name;          /* [a-z0-9_]+ */
    int32_t type;              /* FORGET_PARAM_* */
    const char *default_value; /* text form; NULL = the key is required */
    double min;                /* INT/DOUBLE: inclusive range; no range */
    double max;                /*   when min > max */
    const char *choices;       /* ENUM: "sample|batch"; else NULL */
    const char *doc;           /* one line of English */
} forget_param_def;

/* ------------------------------------------------------------------ */
/* Datasets: n rows of d float32 features, a class label (int32) or a  */
/* regression target vector (float32) per row, and a unique 64-bit      */
/* sample id per row (deletion requests name ids).                      */
/* ------------------------------------------------------------------ */
typedef struct forget_dataset forget_dataset;

#define FORGET_TASK_CLASSIFICATION 1
#define FORGET_TASK_REGRESSION 2

/* Copies the host's arrays. x is n*d row-major; labels are n values >= 0
 * (the class count is the largest label + 1); ids may be NULL for
 * 0..n-1, otherwise n distinct values. NaN/Inf features are rejected
 * naming the row. n may be 0 (x, labels and ids may then be NULL). */
FORGET_API int forget_dataset_create(forget_dataset **out, size_t n, size_t d,
                                     const float *x, const int32_t *labels,
                                     const uint64_t *ids);

/* The same for regression: targets is n*target_dim row-major, finite. */
FORGET_API int forget_dataset_create_regression(forget_dataset **out,
                                                size_t n, size_t d,
                                                const float *x,
                                                const float *targets,
                                                size_t target_dim,
                                                const uint64_t *ids);

FORGET_API void forget_dataset_free(forget_dataset *ds);

FORGET_API size_t forget_dataset_rows(const forget_dataset *ds);
FORGET_API size_t forget_dataset_features(const forget_dataset *ds);
/* FORGET_TASK_CLASSIFICATION or FORGET_TASK_REGRESSION; 0 for NULL. */
FORGET_API int32_t forget_dataset_task(const forget_dataset *ds);
/* Classification: largest label + 1 (kept by subsets). Regression: 0. */
FORGET_API size_t forget_dataset_classes(const forget_dataset *ds);
/* Regression: columns of the target. Classification: 0. */
FORGET_API size_t forget_dataset_target_dim(const forget_dataset *ds);

/* Read-only views, valid while the dataset lives; NULL when absent or
 * when the dataset has no rows. forget_dataset_x is also NULL for a
 * dataset whose features are stored as bytes (forget_dataset_load_idx
 * with storage=bytes): read them with forget_dataset_copy_rows. */
FORGET_API const float *forget_dataset_x(const forget_dataset *ds);
/* Rows [begin, begin + count) as floats into dst (count * features
 * floats, dst_count of them), whatever the storage. FORGET_E_INVALID for
 * a range past the end or a dst of another size. */
FORGET_API int forget_dataset_copy_rows(const forget_dataset *ds,
                                        size_t begin, size_t count,
                                        float *dst, size_t dst_count);
FORGET_API const int32_t *forget_dataset_labels(const forget_dataset *ds);
FORGET_API const float *forget_dataset_targets(const forget_dataset *ds);
FORGET_API const uint64_t *forget_dataset_ids(const forget_dataset *ds);

/* The row holding sample id; FORGET_E_NOT_FOUND if none. */
FORGET_API int forget_dataset_find(const forget_dataset *ds, uint64_t id,
                                   size_t *row);

/* New datasets made from an existing one. Rows keep the source's order
 * (not the order of the id list), so a subset is the same whatever order
 * a request names its ids in. */
/* Rows whose ids are listed. A missing id is FORGET_E_NOT_FOUND naming
 * it; an id listed twice is FORGET_E_INVALID. */
FORGET_API int forget_dataset_subset_ids(forget_dataset **out,
                                         const forget_dataset *ds,
                                         const uint64_t *ids, size_t count);
/* Rows whose ids are NOT listed (D minus the ids). Same checks. */
FORGET_API int forget_dataset_exclude_ids(forget_dataset **out,
                                          const forget_dataset *ds,
                                          const uint64_t *ids, size_t count);
/* D minus the rows of remove (matched by id; every id of remove must be
 * in ds). */
FORGET_API int forget_dataset_complement(forget_dataset **out,
                                         const forget_dataset *ds,
                                         const forget_dataset *remove);
/* Rows of one class (classification only; may be empty). */
FORGET_API int forget_dataset_subset_class(forget_dataset **out,
                                           const forget_dataset *ds,
                                           int32_t label);
/* Rows [begin, end). */
FORGET_API int forget_dataset_slice(forget_dataset **out,
                                    const forget_dataset *ds, size_t begin,
                                    size_t end);

/* IDX files (MNIST's format), gzip-compressed or plain. images: any
 * element type, first dimension = rows, the rest flattened to features;
 * labels: one dimension of unsigned bytes or int32 >= 0, same row count.
 * params: "normalize=true" (divide unsigned bytes by 255, signed by 127),
 * "limit=0" (read only the first N rows; 0 = all), "part=0/1" (keep the
 * rows of part r of P: those whose id hashes to r, for rank r of P;
 * docs/MPI.md). */
FORGET_API int forget_dataset_load_idx(forget_dataset **out,
                                       const char *images_path,
                                       const char *labels_path,
                                       const char *params);

/* CSV (plain or gzip). params: "label=0" (column of the label or target;
 * -1 = last), "header=false", "task=classification|regression",
 * "delimiter=," (one character), "id=-1" (column of sample ids; -1 =
 * none, ids are then 0..n-1), "part=0/1" (as the IDX loader's). Bad
 * fields are reported with their line and column. */
FORGET_API int forget_dataset_load_csv(forget_dataset **out, const char *path,
                                       const char *params);

/* ------------------------------------------------------------------ */
/* Models                                                              */
/* ------------------------------------------------------------------ */
typedef struct forget_model forget_model;
typedef struct forget_unlearner forget_unlearner;
typedef struct forget_report forget_report;

/* Progress: fraction in [0,1] of the current call; stage is a short
 * English word ("train", "prepare", "forget", ...). Return nonzero to
 * cancel: the call then fails with FORGET_E_CANCELED and changes nothing. */
typedef int (*forget_progress_fn)(double fraction, const char *stage,
                                  void *user_data);

/* Model kinds: "linear" (softmax or linear regression), "mlp" (dense
 * layers, relu or tanh) and "analytic" (a frozen feature map and a ridge
 * head fitted in closed form). Parameters, e.g. for mlp:
 * "layers=784-256-128-10 act=relu task=classification seed=7". */
FORGET_API int forget_model_create(forget_model **out, const char *kind,
                                   const char *params);
/* Frees a model; NULL and a model owned by an unlearner (the sisa
 * ensemble) are left alone. A model that unlearners still borrow is
 * released when the last of them is freed (the host must not use it after
 * this call; the unlearners go on working on it). */
FORGET_API void forget_model_free(forget_model *m);
/* Kind "analytic" on a trained mlp: its hidden layers (copied, frozen)
 * become the feature map of a ridge head. params: "outputs=0" (0 = the
 * mlp's), "gamma=1", "task=" (empty = the mlp's), "bias=true". Fit the head
 * with forget_model_train (closed form) or the analytic method. */
FORGET_API int forget_model_create_trunk(forget_model **out,
                                         const forget_model *mlp,
                                         const char *params);

/* A deep copy (parameters included; host models share their callbacks). */
FORGET_API int forget_model_clone(forget_model **out, const forget_model *m);

/* Introspection of the kinds and their parameter tables. */
FORGET_API size_t forget_model_kind_count(void);
FORGET_API const char *forget_model_kind_name(size_t index);
FORGET_API int forget_model_kind_param_count(const char *kind, size_t *count);
FORGET_API int forget_model_kind_param(const char *kind, size_t index,
                                       const forget_param_def **def);

FORGET_API const char *forget_model_kind(const forget_model *m);
/* The canonical creation parameters (every key, defaults included). */
FORGET_API const char *forget_model_params(const forget_model *m);
FORGET_API int32_t forget_model_task(const forget_model *m);
FORGET_API size_t forget_model_inputs(const forget_model *m);
FORGET_API size_t forget_model_outputs(const forget_model *m);

/* The parameters as one flat float32 vector, and its named blocks
 * ("dense0.weight" is a row-major outputs x inputs matrix, then
 * "dense0.bias", ...). */
FORGET_API size_t forget_model_param_count(const forget_model *m);
FORGET_API int forget_model_get_params(const forget_model *m, float *dst,
                                       size_t count);
/* Refused (nothing changed) if count differs or a value is not finite. */
FORGET_API int forget_model_set_params(forget_model *m, const float *src,
                                       size_t count);
FORGET_API size_t forget_model_block_count(const forget_model *m);
FORGET_API int forget_model_block(const forget_model *m, size_t index,
                                  const char **name, size_t *offset,
                                  size_t *size);
/* The shape of block index, row-major, as PyTorch names it: *ndim is 2
 * for a weight matrix (dims[0] = outputs, dims[1] = inputs; an analytic
 * head is outputs x features) and 1 for a vector (a bias; a host model's
 * single block). Unused dims are 0. FORGET_E_NOT_FOUND past the end. */
#define FORGET_MAX_DIMS 4
FORGET_API int forget_model_block_shape(const forget_model *m, size_t index,
                                        size_t dims[FORGET_MAX_DIMS],
                                        size_t *ndim);

/* An ensemble's constituents (sisa presents one): their count (0 for any
 * other kind) and constituent i (NULL past the end), borrowed: valid
 * until the ensemble's unlearner changes or frees it. Save or clone one
 * to keep it (forget export writes them as model files). */
FORGET_API size_t forget_model_part_count(const forget_model *m);
FORGET_API const forget_model *forget_model_part(const forget_model *m,
                                                 size_t index);

/* Training: mini-batch SGD with momentum, or Adam. Parameters:
 * "optimizer=sgd lr=0.05 momentum=0.9 epochs=5 batch=128 seed=1
 *  weight_decay=0 shuffle=true beta1=0.9 beta2=0.999 eps=1e-8"
 * (forget_train_param lists them). Deterministic: the same model, data,
 * parameters and thread count give bit-identical parameters. On failure
 * or cancel the model is exactly as before the call. A loss that becomes
 * NaN or infinite stops training with FORGET_E_NUMERIC. */
FORGET_API int forget_model_train(forget_model *m, const forget_dataset *train,
                                  const char *params);
FORGET_API size_t forget_train_param_count(void);
FORGET_API int forget_train_param(size_t index, const forget_param_def **def);
/* Figures of the last successful training ("seconds", "steps",
 * "final_loss", "samples_per_second"); NULL before. */
FORGET_API const forget_report *forget_model_train_report(
    const forget_model *m);
/* Per-object progress callback (NULL to remove), used by training. */
FORGET_API int forget_model_set_progress(forget_model *m,
                                         forget_progress_fn fn,
                                         void *user_data);

/* Class probabilities (classification) or outputs (regression) for every
 * row: out holds rows * outputs floats. A model may predict from several
 * threads at once. */
FORGET_API int forget_model_predict(const forget_model *m,
                                    const forget_dataset *data, float *out,
                                    size_t out_count);
/* The same for a raw row-major array of n rows of inputs features. */
FORGET_API int forget_model_predict_raw(const forget_model *m, const float *x,
                                        size_t n, float *out,
                                        size_t out_count);

/* SHA-256 of everything the model's predictions depend on: kind,
 * parameters, shape and weights (an analytic model's float64 head and
 * trunk; an ensemble's constituents), in a fixed little-endian encoding,
 * so equal models give equal digests on every host. The deletion journal
 * records it before and after each request. */
#define FORGET_DIGEST_SIZE 32
FORGET_API int forget_model_digest(const forget_model *m,
                                   unsigned char digest[FORGET_DIGEST_SIZE]);

/* ---- Host models ---- */

/* A model computed by the host: the library trains, evaluates and unlearns
 * it through two callbacks. The library keeps its own copy of the
 * parameters (initialised from params) and passes it to the callbacks;
 * read it back with forget_model_get_params. Callbacks return FORGET_OK or
 * a FORGET_E_* code (with forget_set_error for a message); they may be
 * called with any n up to 256 rows, and from one thread at a time per
 * model. */
typedef struct forget_host_model {
    size_t struct_size;  /* sizeof(forget_host_model) */
    int32_t task;        /* FORGET_TASK_CLASSIFICATION or _REGRESSION */
    size_t inputs;       /* features per row */
    size_t outputs;      /* classes, or regression targets */
    size_t n_params;
    const float *params; /* initial values, n_params floats (copied) */
    /* out (n x outputs) = the outputs of rows x (n x inputs): logits for
     * classification (the library applies softmax), values for
     * regression. */
    int (*forward)(const float *params, const float *x, size_t n,
                   float *out, void *user_data);
    /* grads (n x n_params): row i = the gradient with respect to the
     * parameters of sum_j dout[i][j] * out[i][j], i.e. a per-row
     * vector-Jacobian product of the outputs. */
    int (*backward)(const float *params, const float *x, const float *dout,
                    size_t n, float *grads, void *user_data);
    void *user_data;
} forget_host_model;

/* A model of kind "host". FORGET_E_INVALID for missing callbacks, zero
 * sizes or non-finite parameters. */
FORGET_API int forget_model_create_host(forget_model **out,
                                        const forget_host_model *host);

/* Files: the container of docs/FORMAT.md. save writes a temporary file in
 * the same folder, fsyncs it and renames it over path: a crash leaves the
 * old file or the new one. Host models and sisa's ensemble (saved with
 * its unlearner) cannot be saved: FORGET_E_UNSUPPORTED. */
FORGET_API int forget_model_save(const forget_model *m, const char *path);
FORGET_API int forget_model_load(forget_model **out, const char *path);
/* Into a caller's buffer: *size is set to the bytes needed; with buf NULL
 * nothing else happens (FORGET_OK); with capacity < *size the call fails
 * with FORGET_E_INVALID and writes nothing into buf. */
FORGET_API int forget_model_save_buffer(const forget_model *m, void *buf,
                                        size_t capacity, size_t *size);
FORGET_API int forget_model_load_buffer(forget_model **out, const void *buf,
                                        size_t size);

/* safetensors files (PyTorch's plain tensor file; docs/FORMAT.md has the
 * rules), for the dense kinds (linear, mlp).
 *
 * Import: the tensors "PREFIX.weight" (outputs x inputs) and
 * "PREFIX.bias" (outputs) of every layer, in dtype F32, F64, F16 or BF16
 * (converted to float32), the layers in the natural order of their
 * prefixes ("2" before "10"), each taking the outputs of the one before:
 * libforget's names (dense0.weight, ...) and a torch state_dict's
 * ("0.weight", "fc1.bias", ...) alike. params: "kind=auto|linear|mlp"
 * (auto: the file's libforget metadata, else linear for one layer and
 * mlp for more), "act=relu|tanh" and "task=classification|regression"
 * (when not given: the metadata's, else relu and classification; act is
 * ignored by linear). The seed is the metadata's, else 1. FORGET_E_FORMAT
 * names the tensor for a malformed or hostile file, a missing weight or
 * bias, a tensor of no layer, a shape that does not chain, a NaN or
 * infinite value; FORGET_E_UNSUPPORTED for another dtype;
 * FORGET_E_NOMEM beyond FORGET_LIMIT_MAX_BYTES; FORGET_E_PARAM for bad
 * params (and kind=linear on more than one layer). *out stays untouched
 * on failure. */
FORGET_API int forget_model_import(forget_model **out, const char *path,
                                   const char *params);
FORGET_API int forget_model_import_buffer(forget_model **out, const void *buf,
                                          size_t size, const char *params);
/* Export a linear or mlp model (others: FORGET_E_UNSUPPORTED): float32
 * tensors, the __metadata__ "format": "pt", "libforget.kind" and
 * "libforget.params" (its canonical creation parameters), so that an
 * import gives the same model (equal digests). params: "names=libforget"
 * (dense0.weight, dense0.bias, ...) or "names=torch" (the state_dict
 * names of nn.Sequential(Linear, act, Linear, ...): 0.weight, 0.bias,
 * 2.weight, ...), "dtype=F32" (the only one written). The file is
 * replaced as forget_model_save replaces one; the buffer form follows
 * forget_model_save_buffer's size rule. */
FORGET_API int forget_model_export(const forget_model *m, const char *path,
                                   const char *params);
FORGET_API int forget_model_export_buffer(const forget_model *m, void *buf,
                                          size_t capacity, size_t *size,
                                          const char *params);

/* ------------------------------------------------------------------ */
/* Evaluation                                                          */
/* ------------------------------------------------------------------ */
/* Fraction of rows whose most probable class is the label. */
FORGET_API int forget_eval_accuracy(const forget_model *m,
                                    const forget_dataset *data,
                                    double *accuracy);
/* Mean per-row loss (cross-entropy, or mean squared error). */
FORGET_API int forget_eval_loss(const forget_model *m,
                                const forget_dataset *data, double *loss);
/* Per-class accuracy (NaN for a class without rows); classes must equal
 * the model's outputs. */
FORGET_API int forget_eval_class_accuracy(const forget_model *m,
                                          const forget_dataset *data,
                                          double *accuracy, size_t classes);
/* classes x classes counts, row = true label, column = prediction. */
FORGET_API int forget_eval_confusion(const forget_model *m,
                                     const forget_dataset *data,
                                     uint64_t *counts, size_t classes);
/* The SSD paper's membership-inference attack: a logistic regression on
 * the entropy of the predicted distribution, fitted on retain (members)
 * versus test (non-members) rows with balanced class weights; the score
 * is the fraction of target rows it judges members. */
FORGET_API int forget_eval_mia(const forget_model *m,
                               const forget_dataset *retain,
                               const forget_dataset *test,
                               const forget_dataset *target, double *score);
/* A loss-threshold attack's ROC AUC: the probability that a random
 * non-member has a higher loss than a random member (ties count half). */
FORGET_API int forget_eval_loss_auc(const forget_model *m,
                                    const forget_dataset *members,
                                    const forget_dataset *nonmembers,
                                    double *auc);
/* Largest and mean |p_a - p_b| over all rows and outputs. */
FORGET_API int forget_eval_output_distance(const forget_model *a,
                                           const forget_model *b,
                                           const forget_dataset *data,
                                           double *max_abs,
                                           double *mean_abs);
/* ||theta_a - theta_b||_2 and max |theta_a - theta_b| for models of the
 * same shape. */
FORGET_API int forget_eval_param_distance(const forget_model *a,
                                          const forget_model *b,
                                          double *l2, double *max_abs);

/* The scorecard against retraining: how a model that forgot compares
 * with the model retrained without the forget set (and the original it
 * started from). Accuracies, mia and loss_auc are fractions in [0, 1];
 * the gaps are percentage points. Extensible: set struct_size to
 * sizeof(forget_scorecard); fields are only ever appended. */
typedef struct forget_scorecard {
    size_t struct_size; /* sizeof(forget_scorecard): set by the caller;
                           fields beyond it are not written */
    /* the model judged */
    double forget_acc, retain_acc, test_acc, mia, loss_auc;
    /* the retrained model (NaN when not given) */
    double ref_forget_acc, ref_retain_acc, ref_test_acc, ref_mia,
        ref_loss_auc;
    /* the original model (NaN when not given) */
    double orig_forget_acc, orig_retain_acc, orig_test_acc, orig_mia,
        orig_loss_auc;
    /* |judged - retrained| in percentage points, and the mean of the four
     * gaps forget/retain/test accuracy and mia (the field's "average gap",
     * SalUn/Unlearn-Sparse); NaN without retrained */
    double gap_forget_acc, gap_retain_acc, gap_test_acc, gap_mia,
        gap_loss_auc, avg_gap;
} forget_scorecard;

/* Fill the scorecard of model; for each model given: accuracy on forget,
 * retain and test, mia = forget_eval_mia(m, retain, test, forget) and
 * loss_auc = forget_eval_loss_auc(m, forget, test), equal to those
 * functions' results. original and retrained may be NULL (their fields
 * are then NaN, and so are the gaps without retrained). Each model makes
 * one pass over each set (the retain set too: nothing is subsampled).
 * FORGET_E_INVALID: a NULL argument, a regression model or data, models
 * with other inputs or outputs than model's, an empty set, data that does
 * not fit the models. FORGET_E_VERSION: out->struct_size smaller than
 * this first version's sizeof(forget_scorecard), or larger than this
 * library's with a byte beyond what it knows not zero (libbpf's rule: a
 * caller built against a newer header zeroes the fields this library
 * does not write, and they stay zero; forget_version_number() says which
 * library it runs on). On failure *out is untouched. */
FORGET_API int forget_eval_scorecard(const forget_model *model,
                                     const forget_model *original,
                                     const forget_model *retrained,
                                     const forget_dataset *forget,
                                     const forget_dataset *retain,
                                     const forget_dataset *test,
                                     forget_scorecard *out);

/* ------------------------------------------------------------------ */
/* Methods (the registry) and unlearners                               */
/* ------------------------------------------------------------------ */

/* Capability flags of a method (forget_method_flags). */
#define FORGET_METHOD_EXACT 1u           /* result equals a retrain */
#define FORGET_METHOD_NEEDS_RETAINED 2u  /* forget needs the retained data */
#define FORGET_METHOD_NO_MODEL 4u        /* may be created without a model */

/* Enumeration: indices 0..count-1, in registration order. */
FORGET_API size_t forget_method_count(void);
/* NULL when index is out of range or the library is not initialised. */
FORGET_API const char *forget_method_name(size_t index);
/* Description and capability flags of a registered method. */
FORGET_API int forget_method_describe(const char *method,
                                      const char **description,
                                      uint32_t *flags);
/* The method's parameter table: count, then each entry by index. The
 * pointers stay valid until the last forget_shutdown(). */
FORGET_API int forget_method_param_count(const char *method, size_t *count);
FORGET_API int forget_method_param(const char *method, size_t index,
                                   const forget_param_def **def);

/* An unlearner binds one method to one model. The model is borrowed (the
 * unlearner holds a reference: forget_model_free waits for
 * forget_unlearner_free), and the unlearner's forget calls change it.
 * model may be NULL only for methods flagged FORGET_METHOD_NO_MODEL.
 * params is the method's parameter string (NULL or "" for defaults). */
FORGET_API int forget_unlearner_create(forget_unlearner **out,
                                       const char *method,
                                       forget_model *model,
                                       const char *params);
FORGET_API void forget_unlearner_free(forget_unlearner *u);

/* Precompute what the method needs from the training data. */
FORGET_API int forget_unlearner_prepare(forget_unlearner *u,
                                        const forget_dataset *train);

/* Remove the influence of these rows. Refused with FORGET_E_STATE before
 * prepare and FORGET_E_INVALID for an empty set. On failure the model and
 * the unlearner are exactly as before. */
FORGET_API int forget_unlearner_forget(forget_unlearner *u,
                                       const forget_dataset *rows);

/* Forget rows named by their sample ids, for methods that keep what they
 * need to (sisa; analytic with keep_rows=true): others return
 * FORGET_E_UNSUPPORTED. Ids the method never learned are
 * FORGET_E_NOT_FOUND; the method's report says how it treats repeats. */
FORGET_API int forget_unlearner_forget_ids(forget_unlearner *u,
                                           const uint64_t *ids, size_t count);

/* Add rows to what the model has learned, for methods that can (analytic:
 * exactly, as if they had been in the training data). FORGET_E_UNSUPPORTED
 * otherwise. */
FORGET_API int forget_unlearner_learn(forget_unlearner *u,
                                      const forget_dataset *rows);

/* Per-object progress callback (NULL to remove). */
FORGET_API int forget_unlearner_set_progress(forget_unlearner *u,
                                             forget_progress_fn fn,
                                             void *user_data);

/* Rows the model never trained on (a held-out or test sample), for
 * requests calibrated against them (a method's target=heldout: forget
 * until the forgotten rows look like these). The rows are copied; NULL
 * removes them. They are not saved with the state: give them again after
 * forget_unlearner_load, and before forget_unlearner_open_journal when
 * the journal may redo calibrated requests. FORGET_E_INVALID for an empty
 * set; the method checks that the rows fit the model when it uses them. */
FORGET_API int forget_unlearner_set_heldout(forget_unlearner *u,
                                            const forget_dataset *heldout);

FORGET_API const char *forget_unlearner_method(const forget_unlearner *u);
/* The model the unlearner changes: the one it was created with, or (sisa)
 * the ensemble it trained, owned by the unlearner (do not free it; it
 * lives until forget_unlearner_free; NULL before prepare). */
FORGET_API forget_model *forget_unlearner_model(const forget_unlearner *u);
/* 1 after a successful prepare, else 0. */
FORGET_API int forget_unlearner_is_prepared(const forget_unlearner *u);

/* Save the unlearner's state (method, parameters, what prepare kept) to a
 * file (crash-safe, as forget_model_save) or a buffer (as
 * forget_model_save_buffer). The model is saved separately. Methods that
 * cannot save return FORGET_E_UNSUPPORTED. */
FORGET_API int forget_unlearner_save(const forget_unlearner *u,
                                     const char *path);
FORGET_API int forget_unlearner_save_buffer(const forget_unlearner *u,
                                            void *buf, size_t capacity,
                                            size_t *size);
/* Rebuild an unlearner for model (the model the state was saved with, or
 * its saved copy; it is borrowed as in forget_unlearner_create). */
FORGET_API int forget_unlearner_load(forget_unlearner **out,
                                     forget_model *model, const char *path);
FORGET_API int forget_unlearner_load_buffer(forget_unlearner **out,
                                            forget_model *model,
                                            const void *buf, size_t size);
/* As forget_unlearner_load(_buffer), with parameters that replace the
 * saved ones: params ("key=value ...", NULL or "" for none) may only name
 * the keys the method lets a host change at load; any other key is
 * FORGET_E_PARAM. sisa allows "store": the directory of its checkpoint
 * files is then the host's, not the file's (the saved store is used when
 * no override is given, so load a state from an untrusted source with
 * store= set to a directory of the host's own). The overridden value is
 * the one saved from then on. */
FORGET_API int forget_unlearner_load_params(forget_unlearner **out,
                                            forget_model *model,
                                            const char *path,
                                            const char *params);
FORGET_API int forget_unlearner_load_buffer_params(forget_unlearner **out,
                                                   forget_model *model,
                                                   const void *buf,
                                                   size_t size,
                                                   const char *params);

/* The report of the last successful prepare or forget, owned by the
 * unlearner (valid until its next call); NULL before the first. */
FORGET_API const forget_report *forget_unlearner_report(
    const forget_unlearner *u);

/* ---- Deletion journal ----
 * An optional durable log of an unlearner's requests (docs/API.md,
 * "Deletion journal"). Attached to a prepared unlearner, every forget,
 * forget_ids and learn call first appends its sample ids, the method, the
 * time and the model's digest (forget_model_digest) and fsyncs them; when
 * the call succeeds it appends the digest after, fsync'ed before it
 * returns. A failed call appends that it changed nothing. The journal
 * never holds features or labels. It is locked while attached (one
 * unlearner at a time) and created with mode 0600.
 *
 * Opening an existing journal recovers: a state saved while the journal
 * was attached carries the number of the last request it holds (and the
 * model must match the digest recorded there: save the model and the
 * state together); an older state is placed by the model's digest. Every
 * later request that was logged is then finished again, in order,
 * idempotently (methods skip rows forgotten already). Requests the
 * method cannot finish from ids alone (ssd; analytic without keep_rows;
 * learn) stay pending, and so do all requests after them, to keep the
 * order: forget_unlearner_journal_pending names the oldest, and the next
 * call must be that request (with its rows, or its ids for forget_ids);
 * others are refused with FORGET_E_STATE until none is pending.
 *
 * A journal belongs to one state: once a state was saved with a journal
 * attached, it names that journal (its random id, from the journal's
 * OPEN record), and opening any other journal for it is FORGET_E_STATE,
 * naming both ids - so is a path where no journal is, or an empty one (a
 * typo or a deleted journal would otherwise bring acknowledged deletions
 * back). flags FORGET_JOURNAL_NEW asks for a new journal on purpose: an
 * absent or empty path then becomes a new journal, which the state names
 * from its next save; a journal with records of another id is refused
 * even then. A state that never had a journal takes a new one, or an
 * existing one that recorded its model, without the flag.
 *
 * Tamper evidence: every record carries a SHA-256 chained to the record
 * before it (format version 2), so that changing a record - its ids, say -
 * and fixing its checksum breaks the chain from that record on. With a
 * key (forget_unlearner_set_journal_key, before opening) the chain is an
 * HMAC-SHA-256: a writer without the key cannot forge a valid chain, even
 * one recomputed from scratch. Without a key, the chain detects a change
 * made without recomputing every later tag. A journal whose chain is
 * broken is FORGET_E_FORMAT naming the record, never recovered from (a
 * forged id is never forgotten by recovery), even with
 * FORGET_JOURNAL_REPAIR. A keyed journal opened without its key, or a
 * journal without a key (or of version 1, which has no chain) opened
 * while a key is set, is FORGET_E_STATE. Version-1 journals are still
 * opened and appended to when no key is set. Removing records from the
 * end is not detected by the chain; the state's request number catches
 * it for the requests the state holds.
 *
 * A journal that is corrupt is FORGET_E_FORMAT naming the byte offset. A
 * last record cut short by a crash during its append (so never
 * acknowledged) is also FORGET_E_FORMAT unless flags has
 * FORGET_JOURNAL_REPAIR, which drops it; nothing followed by a complete
 * record is ever dropped. A model that matches no recorded state, or
 * not the state's, is FORGET_E_STATE. If a call's end cannot be written
 * (disk full), it returns FORGET_E_IO although the deletion took effect
 * (it is not undone); later requests are refused until the journal is
 * opened again, which records it. Prepare is refused while a journal is
 * attached. The
 * report (forget_unlearner_report) then holds journal_requests,
 * journal_redone, journal_pending and journal_dropped_bytes; journaled
 * calls add journal_seq, their request's number.
 *
 * On many ranks (a communicator of P > 1 attached first,
 * forget_unlearner_set_comm): each rank opens its own journal file, and
 * opening is collective. Every rank records each request with the same
 * ids (every rank's rows' ids, or the list of ids every rank was given),
 * so the journals hold the same requests under the same numbers. A call
 * returns FORGET_OK on a rank only once every rank has applied and
 * recorded the request. After a failed collective (a timeout) the
 * outcome on the other ranks is unknown: the request stays open in the
 * journal and the unlearner refuses everything (FORGET_E_STATE) until the
 * ranks restart from parts saved at the same request and open their
 * journals again; opening then finishes every request that took effect
 * on some rank on every rank, and ends on every rank a request that took
 * effect on none (docs/MPI.md, "The journal on many ranks"). Journals
 * that are not one run's, or parts saved after different requests, are
 * FORGET_E_STATE on every rank. */
#define FORGET_JOURNAL_REPAIR 1u /* flags: drop a cut-short last append */
#define FORGET_JOURNAL_NEW 2u    /* flags: start a new journal on purpose */
#define FORGET_JOURNAL_FORGET 1  /* request kinds */
#define FORGET_JOURNAL_LEARN 2
FORGET_API int forget_unlearner_open_journal(forget_unlearner *u,
                                             const char *path,
                                             uint32_t flags);
/* The key of the journal's HMAC chain (copied; wiped when replaced or when
 * u is freed), for the journal opened next: a new journal is keyed with
 * it, an existing one must have been written with it. NULL and 0 clear
 * it. key_len FORGET_JOURNAL_KEY_MIN to _MAX bytes (32 random bytes are
 * a good key), else FORGET_E_INVALID; FORGET_E_STATE while a journal is
 * attached. */
#define FORGET_JOURNAL_KEY_MIN 16
#define FORGET_JOURNAL_KEY_MAX 1024
FORGET_API int forget_unlearner_set_journal_key(forget_unlearner *u,
                                                const void *key,
                                                size_t key_len);
/* *forgotten = 1 if id is forgotten, else 0: the method's state answers
 * for the ids it keeps (sisa, analytic, ssd: every id it was prepared
 * with or learned, forgotten by this journal's requests or before it),
 * the journal for the others (a request that forgot id took effect, and
 * no later learn brought it back). FORGET_E_STATE without a journal. */
FORGET_API int forget_unlearner_is_forgotten(const forget_unlearner *u,
                                             uint64_t id, int *forgotten);
/* The oldest pending request: its kind and ids (valid until the next call
 * on u); *count = 0 when none is pending. FORGET_E_STATE without a
 * journal. */
FORGET_API int forget_unlearner_journal_pending(const forget_unlearner *u,
                                                int *kind,
                                                const uint64_t **ids,
                                                size_t *count);

/* Read a deletion journal without attaching it (an audit; no lock is
 * taken): fn is called once per record, in order. type is
 * FORGET_JOURNAL_RECORD_*; seq the request's number (0 for OPEN); time_ns
 * nanoseconds since 1970 (UTC); method the journal's method; kind
 * (REQUEST) FORGET_JOURNAL_FORGET or _LEARN and ids/n_ids its sample ids;
 * digest (OPEN: the model's at the start, REQUEST: before, DONE: after;
 * NULL for ABORT) 32 bytes; status (ABORT) the failed call's code. ids,
 * method and digest are valid during the call. A nonzero return from fn
 * stops the reading with FORGET_E_CANCELED. Records up to a damaged one
 * are delivered, then FORGET_E_FORMAT names it (a record being appended
 * while reading looks cut short: read again). The hash chain of a journal
 * without a key is checked as it is read (a changed record stops it like
 * damage); a keyed journal's is not (forget_journal_verify, with the key). */
#define FORGET_JOURNAL_RECORD_OPEN 1
#define FORGET_JOURNAL_RECORD_REQUEST 2
#define FORGET_JOURNAL_RECORD_DONE 3
#define FORGET_JOURNAL_RECORD_ABORT 4
typedef int (*forget_journal_fn)(void *user_data, int type, uint64_t seq,
                                 int64_t time_ns, const char *method,
                                 int kind, const uint64_t *ids,
                                 size_t n_ids, const unsigned char *digest,
                                 int status);
FORGET_API int forget_journal_read(const char *path, forget_journal_fn fn,
                                   void *user_data);

/* The figures of the requests a journal recorded (a version-3 journal's
 * DONE records hold the report of the call that ended the request, as
 * forget_unlearner_report gave it: a method's figures, such as newton's
 * certificate, cert_spent and the rest): fn is called once per figure,
 * in order, with its request's number. Versions 1 and 2 hold none (no
 * call). A nonzero return from fn stops with FORGET_E_CANCELED; damage
 * and the chain as for forget_journal_read. key is valid during the
 * call. */
typedef int (*forget_journal_figure_fn)(void *user_data, uint64_t seq,
                                        const char *key, double value);
FORGET_API int forget_journal_read_figures(const char *path,
                                           forget_journal_figure_fn fn,
                                           void *user_data);

/* Check a deletion journal's hash chain without attaching it (no lock is
 * taken). key/key_len: the journal's HMAC key, or NULL and 0 for a journal
 * without one. FORGET_OK when every record is intact and linked:
 * *records is their number. Otherwise *records is the number of the
 * first record that fails (0 for the OPEN record; also the number of
 * intact records before it) and *offset its byte offset in the file:
 * FORGET_E_FORMAT when a record is damaged or its tag does not match
 * (changed, or another key), or when a key is given and the journal has
 * none (a journal replaced by one written without the key); FORGET_E_STATE
 * for a keyed journal without its key; FORGET_E_UNSUPPORTED for a
 * version-1 journal (it has no chain: its records' checksums and order
 * were checked, *records of them, but it is not verified). The message
 * says which. records and offset may be NULL. */
FORGET_API int forget_journal_verify(const char *path, const void *key,
                                     size_t key_len, uint64_t *records,
                                     uint64_t *offset);

/* A report is a list of named figures ("seconds", "dampened", ...). */
FORGET_API size_t forget_report_count(const forget_report *r);
FORGET_API const char *forget_report_key(const forget_report *r, size_t i);
FORGET_API double forget_report_value(const forget_report *r, size_t i);
/* The value of key; FORGET_E_NOT_FOUND if absent. */
FORGET_API int forget_report_get(const forget_report *r, const char *key,
                                 double *value);

/* ---- Locks for load-modify-save ----
 * Saves are crash-safe and concurrent saves of one path never destroy
 * each other (the last rename wins), but two processes that each load a
 * state, forget and save it lose one deletion. A host that does such a
 * load-modify-save locks the path first and releases it after the save;
 * `forget unlearn` does (docs/API.md, "Locks").
 *
 * The lock is advisory (it binds only those who take it) and is held on a
 * lock file "PATH.lock" beside the file that path names (symbolic links
 * in its last component are followed, as saves do); it is created (mode
 * 0644 less the umask) if absent and never deleted: do not delete it
 * while it may be in use. Exclusive unless flags has FORGET_LOCK_SHARED
 * (for readers: shared locks coexist, and exclude an exclusive one). The
 * call waits until the lock is free unless flags has FORGET_LOCK_NOWAIT,
 * which makes a held lock FORGET_E_STATE at once, naming the lock file.
 * It is flock(2): the kernel releases it when the process ends, however
 * it ends; it belongs to the handle, not the process or thread, so two
 * locks on one path in one process conflict like two processes' (a
 * thread must not wait for a lock its own process holds), and a handle
 * may be released from any thread. A child made by fork shares the
 * handle's lock until it is released; exec does not inherit it. On NFS,
 * Linux emulates flock with fcntl locks: then locks are shared by a whole
 * process. The library's own saves take no lock (they would conflict
 * with the host's). FORGET_E_INVALID (NULL, empty path, unknown flags),
 * FORGET_E_IO (the lock file cannot be opened: missing folder, not a
 * regular file), FORGET_E_STATE (held, with NOWAIT). The handle counts
 * as a live object for forget_shutdown and forget_set_allocator. */
typedef struct forget_lock forget_lock;
#define FORGET_LOCK_NOWAIT 1u /* flags: fail at once if held */
#define FORGET_LOCK_SHARED 2u /* flags: a shared (reader's) lock */
FORGET_API int forget_lock_path(forget_lock **out, const char *path,
                                uint32_t flags);
/* Release the lock and free the handle; NULL is a no-op. */
FORGET_API void forget_lock_release(forget_lock *lock);

#ifdef __cplusplus
}
#endif

#endif /* FORGET_FORGET_H */
