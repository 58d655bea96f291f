/* The forget command-line tool: shared helpers of its subcommands. */
#ifndef FORGET_CLI_H
#define FORGET_CLI_H

#include <stdio.h>

#include <forget/forget.h>

/* Exit codes scripts can rely on. */
#define CLI_OK 0
#define CLI_FAIL 1  /* the library refused or failed (message on stderr) */
#define CLI_USAGE 2 /* a bad argument or option */

typedef struct cli_opt {
    const char *name; /* "--data" */
    int takes_value;
    const char *value; /* filled by cli_parse; "1" for flags */
} cli_opt;

/* Parse argv into opts (NULL-name terminated). Unknown options, missing
 * values and stray arguments (beyond *positional, which receives them)
 * print a one-line error naming them and return CLI_USAGE. */
int cli_parse(const char *cmd, int argc, char **argv, cli_opt *opts,
              const char **positional, int max_positional);
const char *cli_get(const cli_opt *opts, const char *name);

/* Print n bytes of s with everything but printable ASCII escaped (\\,
 * \xNN): text that came from a file cannot drive the terminal or forge a
 * line. */
void cli_put_safe(FILE *f, const char *s, size_t n);
void cli_puts_safe(FILE *f, const char *s);

/* Open path for reading if it is a regular file (a FIFO, a device or a
 * folder is refused at once, never waited on); NULL after printing why. */
FILE *cli_open_regular(const char *cmd, const char *path);

/* Print "forget: CMD: what: strerror: message" (escaped) and return
 * CLI_FAIL. */
int cli_fail(const char *cmd, const char *what, int rc);
int cli_usage(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* --data SPEC: "images.gz:labels.gz" (IDX pair) or "file.csv" (with csv
 * parameters). */
int cli_load_data(const char *cmd, const char *spec, const char *csv_params,
                  forget_dataset **out);

/* Ids, one per line (blank lines and # comments skipped). */
int cli_read_ids(const char *cmd, const char *path, uint64_t **ids,
                 size_t *n);

/* The model a command judges (cli_model.c): the model file, or with a
 * state the model that unlearner state presents (sisa: its ensemble, the
 * file then being its template). m is loaded or the unlearner's. */
typedef struct cli_judged {
    forget_model *loaded;
    forget_unlearner *u;
    const forget_model *m;
} cli_judged;
int cli_judged_model(const char *cmd, const char *model, const char *state,
                     cli_judged *out);
void cli_judged_free(cli_judged *j);

/* The rows of data an id file names (*named) and the others (*rest). */
int cli_split_ids(const char *cmd, const forget_dataset *data,
                  const char *ids_path, forget_dataset **named,
                  forget_dataset **rest);

/* A progress bar on stderr when it is a terminal and not quiet. */
void cli_progress_setup(int quiet);
int cli_progress(double fraction, const char *stage, void *user);
void cli_progress_done(void);

/* Lock the files of a load-modify-save (cli_lock.c), exclusively: each
 * path that is not NULL, in one global order, each file once; waiting
 * with a message on stderr, or with nowait failing with one (CLI_FAIL).
 * reqs is reordered; key is for internal use. At most CLI_MAX_LOCKS. */
#define CLI_MAX_LOCKS 4
typedef struct cli_lock_req {
    const char *path;
    char *key;
} cli_lock_req;
typedef struct cli_locks {
    forget_lock *lock[CLI_MAX_LOCKS];
    size_t n;
} cli_locks;
int cli_lock_files(const char *cmd, cli_lock_req *reqs, size_t n, int nowait,
                   cli_locks *held);
void cli_unlock_files(cli_locks *held);

int cmd_methods(int argc, char **argv);
int cmd_train(int argc, char **argv);
int cmd_unlearn(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_journal(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_import(int argc, char **argv);

#endif
