/* forget import: a dense model from a safetensors file (PyTorch's plain
 * tensor file), saved as a model file. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

/* key=value for a choice option: lowercase letters only, so that a value
 * cannot carry another key into the parameter string. */
static int add_choice(char *params, size_t cap, const char *key,
                      const char *value)
{
    if (value == NULL)
        return CLI_OK;
    if (value[0] == '\0' || strspn(value, "abcdefghijklmnopqrstuvwxyz") !=
                                strlen(value) || strlen(value) > 32)
        return cli_usage("import", "--%s '%s' is not a choice (lowercase "
                         "letters)", key, value);
    size_t used = strlen(params);
    snprintf(params + used, cap - used, "%s%s=%s", used ? " " : "", key,
             value);
    return CLI_OK;
}

int cmd_import(int argc, char **argv)
{
    cli_opt opts[] = {{"--out", 1, NULL},   {"--kind", 1, NULL},
                      {"--act", 1, NULL},   {"--task", 1, NULL},
                      {"--quiet", 0, NULL}, {"--help", 0, NULL},
                      {NULL, 0, NULL}};
    const char *in = NULL;
    int rc = cli_parse("import", argc, argv, opts, &in, 1);
    if (rc != CLI_OK)
        return rc;
    if (cli_get(opts, "--help")) {
        printf("usage: forget import IN.safetensors --out MODEL [--kind K] "
               "[--act A] [--task T] [--quiet]\n"
               "  reads a dense network's weights from a safetensors file "
               "(PREFIX.weight,\n  PREFIX.bias per layer, F32/F64/F16/BF16; "
               "layers in the natural order\n  of their prefixes) and saves "
               "it as a model file\n"
               "  --kind   auto | linear | mlp (auto: the file's libforget "
               "metadata, else\n           linear for one layer, mlp for "
               "more)\n"
               "  --act    relu | tanh (default: the metadata's, else relu)\n"
               "  --task   classification | regression (default: the "
               "metadata's, else\n           classification)\n");
        return CLI_OK;
    }
    const char *out = cli_get(opts, "--out");
    if (in == NULL || out == NULL)
        return cli_usage("import", "%s", "IN.safetensors and --out are "
                         "required");
    char params[160] = "";
    if ((rc = add_choice(params, sizeof params, "kind",
                         cli_get(opts, "--kind"))) != CLI_OK ||
        (rc = add_choice(params, sizeof params, "act",
                         cli_get(opts, "--act"))) != CLI_OK ||
        (rc = add_choice(params, sizeof params, "task",
                         cli_get(opts, "--task"))) != CLI_OK)
        return rc;
    forget_model *m = NULL;
    int r = forget_model_import(&m, in, params);
    if (r != FORGET_OK)
        return cli_fail("import", in, r);
    if ((r = forget_model_save(m, out)) != FORGET_OK)
        rc = cli_fail("import", out, r);
    if (rc == CLI_OK && !cli_get(opts, "--quiet")) {
        printf("imported %s (", forget_model_kind(m));
        cli_puts_safe(stdout, forget_model_params(m));
        printf(") from ");
        cli_puts_safe(stdout, in);
        printf("; saved ");
        cli_puts_safe(stdout, out);
        printf("\n");
    }
    forget_model_free(m);
    return rc;
}
