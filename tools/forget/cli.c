/* Option parsing, errors, data loading, id lists and the progress bar. */
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int cli_usage(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "forget %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, " (see forget %s --help)\n", cmd);
    va_end(ap);
    return CLI_USAGE;
}

int cli_fail(const char *cmd, const char *what, int rc)
{
    fprintf(stderr, "forget %s: %s: %s: %s\n", cmd, what, forget_strerror(rc),
            forget_last_error());
    return CLI_FAIL;
}

int cli_parse(const char *cmd, int argc, char **argv, cli_opt *opts,
              const char **positional, int max_positional)
{
    int npos = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strncmp(a, "--", 2) != 0) {
            if (npos >= max_positional)
                return cli_usage(cmd, "unexpected argument '%s'", a);
            positional[npos++] = a;
            continue;
        }
        cli_opt *o = opts;
        while (o->name && strcmp(o->name, a) != 0)
            o++;
        if (o->name == NULL)
            return cli_usage(cmd, "unknown option '%s'", a);
        if (o->takes_value) {
            if (i + 1 >= argc)
                return cli_usage(cmd, "option '%s' needs a value", a);
            o->value = argv[++i];
        } else {
            o->value = "1";
        }
    }
    return CLI_OK;
}

const char *cli_get(const cli_opt *opts, const char *name)
{
    for (; opts->name; opts++)
        if (!strcmp(opts->name, name))
            return opts->value;
    return NULL;
}

int cli_load_data(const char *cmd, const char *spec, const char *csv_params,
                  forget_dataset **out)
{
    const char *colon = strchr(spec, ':');
    int rc;
    if (colon) {
        char images[4096];
        size_t len = (size_t)(colon - spec);
        if (len >= sizeof images)
            return cli_usage(cmd, "the path in '%s' is too long", spec);
        memcpy(images, spec, len);
        images[len] = '\0';
        rc = forget_dataset_load_idx(out, images, colon + 1, NULL);
    } else {
        rc = forget_dataset_load_csv(out, spec, csv_params);
    }
    return rc == FORGET_OK ? CLI_OK : cli_fail(cmd, spec, rc);
}

int cli_read_ids(const char *cmd, const char *path, uint64_t **ids, size_t *n)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        fprintf(stderr, "forget %s: %s: %s\n", cmd, path, strerror(errno));
        return CLI_FAIL;
    }
    size_t cap = 64, k = 0, line_no = 0;
    uint64_t *v = malloc(cap * sizeof *v);
    char line[256];
    while (fgets(line, sizeof line, f)) {
        line_no++;
        char *p = line;
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '\n' || *p == '\0' || *p == '#')
            continue;
        char *end;
        errno = 0;
        unsigned long long id = strtoull(p, &end, 10);
        while (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n')
            end++;
        if (errno || end == p || *end != '\0' || *p == '-') {
            fprintf(stderr, "forget %s: %s line %zu: not a sample id\n", cmd,
                    path, line_no);
            free(v);
            fclose(f);
            return CLI_USAGE;
        }
        if (k == cap)
            v = realloc(v, (cap *= 2) * sizeof *v);
        v[k++] = (uint64_t)id;
    }
    fclose(f);
    if (k == 0) {
        fprintf(stderr, "forget %s: %s holds no ids\n", cmd, path);
        free(v);
        return CLI_USAGE;
    }
    *ids = v;
    *n = k;
    return CLI_OK;
}

static int g_bar;

void cli_progress_setup(int quiet) { g_bar = !quiet && isatty(2); }

int cli_progress(double fraction, const char *stage, void *user)
{
    (void)user;
    if (!g_bar)
        return 0;
    int filled = (int)(fraction * 30.0 + 0.5);
    fprintf(stderr, "\r%-8s [%.*s%*s] %3d%%", stage, filled,
            "##############################", 30 - filled, "",
            (int)(fraction * 100.0 + 0.5));
    fflush(stderr);
    return 0;
}

void cli_progress_done(void)
{
    if (g_bar)
        fprintf(stderr, "\r%60s\r", "");
}
