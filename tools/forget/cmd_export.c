/* forget export: the model an unlearner state presents, as model files:
 * sisa's ensemble as one file per constituent (PREFIX-0.fgm, ...), any
 * other method's model as PREFIX.fgm; or (--safetensors) a dense model
 * file as a safetensors file for PyTorch. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static int save_as(const forget_model *m, const char *prefix, long index)
{
    char path[4096];
    if (index < 0)
        snprintf(path, sizeof path, "%s.fgm", prefix);
    else
        snprintf(path, sizeof path, "%s-%ld.fgm", prefix, index);
    int r = forget_model_save(m, path);
    if (r != FORGET_OK)
        return cli_fail("export", path, r);
    printf("%s\n", path);
    return CLI_OK;
}

/* --model MODEL --safetensors OUT [--names N] */
static int export_safetensors(const char *model, const char *out,
                              const char *names)
{
    char params[64] = "";
    if (names && strcmp(names, "torch") != 0 && strcmp(names, "libforget"))
        return cli_usage("export", "--names '%s' is not torch or libforget",
                         names);
    if (names)
        snprintf(params, sizeof params, "names=%s", names);
    forget_model *m = NULL;
    int r = forget_model_load(&m, model);
    if (r != FORGET_OK)
        return cli_fail("export", model, r);
    int rc = CLI_OK;
    if ((r = forget_model_export(m, out, params)) != FORGET_OK)
        rc = cli_fail("export", out, r);
    else
        printf("%s\n", out);
    forget_model_free(m);
    return rc;
}

int cmd_export(int argc, char **argv)
{
    cli_opt opts[] = {{"--model", 1, NULL},       {"--state", 1, NULL},
                      {"--out", 1, NULL},         {"--safetensors", 1, NULL},
                      {"--names", 1, NULL},       {"--help", 0, NULL},
                      {NULL, 0, NULL}};
    int rc = cli_parse("export", argc, argv, opts, NULL, 0);
    if (rc != CLI_OK)
        return rc;
    if (cli_get(opts, "--help")) {
        printf("usage: forget export --model MODEL --state STATE --out PREFIX\n"
               "       forget export --model MODEL --safetensors OUT "
               "[--names torch|libforget]\n"
               "  writes the model the unlearner state presents: for sisa "
               "each constituent\n  of its ensemble as PREFIX-0.fgm, "
               "PREFIX-1.fgm, ... (--model is the\n  template); for other "
               "methods the model as PREFIX.fgm. Prints the paths.\n"
               "  --safetensors: the dense (linear, mlp) model MODEL as a "
               "safetensors file\n  of float32 tensors, named dense0.weight, "
               "dense0.bias, ... or, with --names\n  torch, as "
               "nn.Sequential(Linear, act, Linear, ...) names them: "
               "0.weight,\n  0.bias, 2.weight, ... Prints the path.\n");
        return CLI_OK;
    }
    const char *model = cli_get(opts, "--model"), *state = cli_get(opts,
                                                                    "--state");
    const char *out = cli_get(opts, "--out");
    const char *st = cli_get(opts, "--safetensors");
    if (st && (state || out))
        return cli_usage("export", "%s", "--safetensors exports --model "
                         "alone: --state and --out belong to the other form");
    if (!st && cli_get(opts, "--names"))
        return cli_usage("export", "%s", "--names goes with --safetensors");
    if (st && !model)
        return cli_usage("export", "%s", "--safetensors needs --model");
    if (st)
        return export_safetensors(model, st, cli_get(opts, "--names"));
    if (!model || !state || !out)
        return cli_usage("export", "%s", "--model, --state and --out are "
                         "required");
    forget_model *m = NULL;
    forget_unlearner *u = NULL;
    int r = forget_model_load(&m, model);
    if (r != FORGET_OK)
        return cli_fail("export", model, r);
    if ((r = forget_unlearner_load(&u, m, state)) != FORGET_OK)
        rc = cli_fail("export", state, r);
    const forget_model *shown = u ? forget_unlearner_model(u) : NULL;
    if (rc == CLI_OK && shown == NULL)
        rc = cli_usage("export", "%s: the state is not prepared: it presents "
                       "no model", state);
    size_t parts = shown ? forget_model_part_count(shown) : 0;
    for (size_t i = 0; rc == CLI_OK && i < parts; i++)
        rc = save_as(forget_model_part(shown, i), out, (long)i);
    if (rc == CLI_OK && parts == 0)
        rc = save_as(shown, out, -1);
    forget_unlearner_free(u);
    forget_model_free(m);
    return rc;
}
