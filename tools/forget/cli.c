/* Option parsing, errors, data loading, id lists and the progress bar. */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

void cli_put_safe(FILE *f, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\\')
            fputs("\\\\", f);
        else if (c >= 0x20 && c < 0x7f)
            fputc(c, f);
        else
            fprintf(f, "\\x%02x", c);
    }
}

void cli_puts_safe(FILE *f, const char *s) { cli_put_safe(f, s, strlen(s)); }

int cli_fail(const char *cmd, const char *what, int rc)
{
    /* the message may quote a file's bytes: escaped */
    fprintf(stderr, "forget %s: %s: %s: ", cmd, what, forget_strerror(rc));
    cli_puts_safe(stderr, forget_last_error());
    fputc('\n', stderr);
    return CLI_FAIL;
}

FILE *cli_open_regular(const char *cmd, const char *path)
{
    /* O_NONBLOCK: a FIFO without a writer must not hang the open */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        fprintf(stderr, "forget %s: %s: %s\n", cmd, path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    if (!S_ISREG(st.st_mode)) {
        fprintf(stderr, "forget %s: %s: not a regular file\n", cmd, path);
        close(fd);
        return NULL;
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    FILE *f = fdopen(fd, "rb");
    if (f == NULL)
        close(fd);
    return f;
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

/* One line of an id file: 1 an id in *id, 0 blank or a comment, -1 not
 * an id (a NUL byte, a sign, junk, out of range). */
static int cli_id_line(const char *line, size_t len, uint64_t *id)
{
    if (memchr(line, '\0', len))
        return -1;
    const char *p = line;
    while (*p == ' ' || *p == '\t')
        p++;
    if (*p == '\n' || *p == '\r' || *p == '\0' || *p == '#')
        return 0;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(p, &end, 10);
    while (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n')
        end++;
    if (errno || end == p || *end != '\0' || *p == '-' || *p == '+')
        return -1;
    *id = (uint64_t)v;
    return 1;
}

int cli_read_ids(const char *cmd, const char *path, uint64_t **ids, size_t *n)
{
    FILE *f = cli_open_regular(cmd, path);
    if (f == NULL)
        return CLI_FAIL;
    size_t cap = 0, k = 0, line_no = 0;
    uint64_t *v = NULL;
    char *line = NULL;
    size_t line_cap = 0;
    ssize_t len;
    int rc = CLI_OK;
    while (rc == CLI_OK && (len = getline(&line, &line_cap, f)) >= 0) {
        line_no++;
        uint64_t id = 0;
        int got = cli_id_line(line, (size_t)len, &id);
        if (got > 0 && len > 1024) /* an id padded beyond reason */
            got = -1;
        if (got < 0) {
            fprintf(stderr, "forget %s: %s line %zu: not a sample id\n", cmd,
                    path, line_no);
            rc = CLI_USAGE;
        } else if (got > 0 && k == cap) {
            uint64_t *w = realloc(v, (cap = cap ? 2 * cap : 64) * sizeof *v);
            if (w == NULL) {
                fprintf(stderr, "forget %s: %s: out of memory\n", cmd, path);
                rc = CLI_FAIL;
            }
            v = w ? w : v;
        }
        if (rc == CLI_OK && got > 0)
            v[k++] = id;
    }
    free(line);
    fclose(f);
    if (rc == CLI_OK && k == 0) {
        fprintf(stderr, "forget %s: %s holds no ids\n", cmd, path);
        rc = CLI_USAGE;
    }
    if (rc != CLI_OK) {
        free(v);
        return rc;
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
