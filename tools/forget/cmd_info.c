/* forget info FILE: what a model or an unlearner state holds, validated. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* The header and the section list of a state file (docs/FORMAT.md). */
static int state_info(const char *path, const unsigned char *b, size_t len)
{
    printf("%s: libforget unlearner state, format %u\n", path,
           (unsigned)b[8] | (unsigned)b[9] << 8);
    for (size_t at = 16; at + 24 <= len;) {
        uint64_t l = 0;
        for (int i = 7; i >= 0; i--)
            l = l << 8 | b[at + 8 + i];
        if (l > len - at - 24) {
            fprintf(stderr, "forget info: %s: truncated section at byte %zu\n",
                    path, at);
            return CLI_FAIL;
        }
        const unsigned char *p = b + at + 24;
        if (!memcmp(b + at, "_MTH", 4) || !memcmp(b + at, "_PAR", 4))
            printf("  %s %.*s\n", !memcmp(b + at, "_MTH", 4) ? "method"
                                                              : "params",
                   (int)l, (const char *)p);
        else if (memcmp(b + at, "END ", 4))
            printf("  section %.4s: %llu bytes\n", (const char *)(b + at),
                   (unsigned long long)l);
        at += 24 + (size_t)l + (8 - l % 8) % 8;
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
    FILE *f = fopen(file, "rb");
    if (f == NULL) {
        perror(file);
        return CLI_FAIL;
    }
    unsigned char head[16];
    size_t got = fread(head, 1, sizeof head, f);
    fclose(f);
    if (got == 16 && head[12] == 2) {
        f = fopen(file, "rb");
        fseek(f, 0, SEEK_END);
        long len = ftell(f);
        rewind(f);
        unsigned char *b = malloc(len > 0 ? (size_t)len : 1);
        size_t n = fread(b, 1, (size_t)len, f);
        fclose(f);
        rc = state_info(file, b, n);
        free(b);
        if (rc == CLI_OK && cli_get(opts, "--model"))
            rc = state_check(file, cli_get(opts, "--model"));
        else if (rc == CLI_OK)
            printf("(validate it with --model MODEL)\n");
        return rc;
    }
    forget_model *m = NULL;
    int r = forget_model_load(&m, file);
    if (r != FORGET_OK)
        return cli_fail("info", file, r);
    printf("%s: libforget model, valid\n  kind %s\n  params %s\n"
           "  inputs %zu, outputs %zu, %s\n  parameters %zu\n", file,
           forget_model_kind(m), forget_model_params(m),
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
