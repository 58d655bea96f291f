/* forget info FILE: what a model or an unlearner state holds, validated. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* The first bytes of a method name or a parameter string printed. */
#define INFO_TEXT_MAX 4096

/* The header and the section list of a state file (docs/FORMAT.md), read
 * section by section (a hostile length costs a seek, not memory); every
 * byte that came from the file is printed escaped (cli_put_safe). */
static int state_info(const char *path, FILE *f, const unsigned char *head)
{
    printf("%s: libforget unlearner state, format %u\n", path,
           (unsigned)head[8] | (unsigned)head[9] << 8);
    unsigned char h[24];
    static char text[INFO_TEXT_MAX];
    uint64_t at = 16;
    int end = 0;
    while (!end && fread(h, 1, 24, f) == 24) {
        uint64_t l = 0;
        for (int i = 7; i >= 0; i--)
            l = l << 8 | h[8 + i];
        uint64_t pad = (8 - l % 8) % 8;
        int is_mth = !memcmp(h, "_MTH", 4), is_par = !memcmp(h, "_PAR", 4);
        if (is_mth || is_par) {
            size_t want = l < INFO_TEXT_MAX ? (size_t)l : INFO_TEXT_MAX;
            size_t got = fread(text, 1, want, f);
            printf("  %s ", is_mth ? "method" : "params");
            cli_put_safe(stdout, text, got);
            printf("%s\n", got < l ? " ..." : "");
            l -= got;
            at += got;
        } else if (!(end = !memcmp(h, "END ", 4))) {
            printf("  section ");
            cli_put_safe(stdout, (const char *)h, 4);
            printf(": %llu bytes\n", (unsigned long long)l);
        }
        if (l > INT64_MAX - 24 - pad - at ||
            fseeko(f, (off_t)(l + pad), SEEK_CUR) != 0) {
            fprintf(stderr, "forget info: %s: truncated section at byte "
                    "%llu\n", path, (unsigned long long)at);
            return CLI_FAIL;
        }
        at += 24 + l + pad;
    }
    if (!end) {
        fprintf(stderr, "forget info: %s: truncated at byte %llu (no END "
                "section)\n", path, (unsigned long long)at);
        return CLI_FAIL;
    }
    return CLI_OK;
}

/* A state validated by loading it for its model. */
static int state_check(const char *path, const char *model_path)
{
    forget_model *m = NULL;
    forget_unlearner *u = NULL;
    int r = forget_model_load(&m, model_path);
    if (r != FORGET_OK)
        return cli_fail("info", model_path, r);
    r = forget_unlearner_load(&u, m, path);
    if (r == FORGET_OK)
        printf("  valid for %s (%s)\n", model_path,
               forget_unlearner_is_prepared(u) ? "prepared" : "not prepared");
    forget_unlearner_free(u);
    forget_model_free(m);
    return r == FORGET_OK ? CLI_OK : cli_fail("info", path, r);
}

int cmd_info(int argc, char **argv)
{
    cli_opt opts[] = {{"--model", 1, NULL}, {"--help", 0, NULL},
                      {NULL, 0, NULL}};
    const char *file = NULL;
    int rc = cli_parse("info", argc, argv, opts, &file, 1);
    if (rc != CLI_OK)
        return rc;
    if (cli_get(opts, "--help")) {
        printf("usage: forget info FILE [--model MODEL]\n"
               "Validates a model file (every section and checksum) and "
               "describes it; lists the method, parameters and sections of "
               "a state file, and validates it with --model (its model, or "
               "sisa's template).\n");
        return CLI_OK;
    }
    if (file == NULL)
        return cli_usage("info", "%s", "a FILE is required");
    FILE *f = cli_open_regular("info", file);
    if (f == NULL)
        return CLI_FAIL;
    unsigned char head[16];
    size_t got = fread(head, 1, sizeof head, f);
    if (got == 16 && head[12] == 2) {
        rc = state_info(file, f, head);
        fclose(f);
        if (rc == CLI_OK && cli_get(opts, "--model"))
            rc = state_check(file, cli_get(opts, "--model"));
        else if (rc == CLI_OK)
            printf("(validate it with --model MODEL)\n");
        return rc;
    }
    fclose(f);
    forget_model *m = NULL;
    int r = forget_model_load(&m, file);
    if (r != FORGET_OK)
        return cli_fail("info", file, r);
    printf("%s: libforget model, valid\n  kind ", file);
    cli_puts_safe(stdout, forget_model_kind(m));
    printf("\n  params ");
    cli_puts_safe(stdout, forget_model_params(m));
    printf("\n  inputs %zu, outputs %zu, %s\n  parameters %zu\n",
           forget_model_inputs(m), forget_model_outputs(m),
           forget_model_task(m) == FORGET_TASK_REGRESSION ? "regression"
                                                          : "classification",
           forget_model_param_count(m));
    for (size_t i = 0; i < forget_model_block_count(m); i++) {
        const char *name;
        size_t off, size;
        forget_model_block(m, i, &name, &off, &size);
        printf("    %-16s offset %9zu size %9zu\n", name, off, size);
    }
    forget_model_free(m);
    return CLI_OK;
}
