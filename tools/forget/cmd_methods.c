/* forget methods: the registry, as a table or JSON. */
#include <string.h>

#include "cli.h"

static const char *type_name(int32_t t)
{
    switch (t) {
    case FORGET_PARAM_INT: return "int";
    case FORGET_PARAM_DOUBLE: return "double";
    case FORGET_PARAM_BOOL: return "bool";
    case FORGET_PARAM_ENUM: return "enum";
    default: return "string";
    }
}

static void json_str(const char *s)
{
    putchar('"');
    for (; s && *s; s++) {
        if (*s == '"' || *s == '\\')
            putchar('\\');
        putchar(*s);
    }
    putchar('"');
}

int cmd_methods(int argc, char **argv)
{
    cli_opt opts[] = {{"--json", 0, NULL}, {"--help", 0, NULL},
                      {NULL, 0, NULL}};
    int rc = cli_parse("methods", argc, argv, opts, NULL, 0);
    if (rc != CLI_OK)
        return rc;
    if (cli_get(opts, "--help")) {
        printf("usage: forget methods [--json]\n"
               "Lists every registered unlearning method: exact or "
               "approximate, what it needs, its parameters with defaults, "
               "ranges and docs.\n");
        return CLI_OK;
    }
    int json = cli_get(opts, "--json") != NULL;
    if (json)
        printf("[");
    for (size_t i = 0; i < forget_method_count(); i++) {
        const char *name = forget_method_name(i), *desc = "";
        uint32_t flags = 0;
        size_t n = 0;
        forget_method_describe(name, &desc, &flags);
        forget_method_param_count(name, &n);
        const char *exact = flags & FORGET_METHOD_EXACT ? "exact"
                                                        : "approximate";
        if (json) {
            printf("%s{\"name\":", i ? "," : "");
            json_str(name);
            printf(",\"exact\":%s,\"needs_retained_data\":%s,"
                   "\"description\":", flags & FORGET_METHOD_EXACT ? "true"
                                                                   : "false",
                   flags & FORGET_METHOD_NEEDS_RETAINED ? "true" : "false");
            json_str(desc);
            printf(",\"params\":[");
        } else {
            printf("%s (%s)\n  %s\n", name, exact, desc);
        }
        for (size_t j = 0; j < n; j++) {
            const forget_param_def *d = NULL;
            forget_method_param(name, j, &d);
            if (json) {
                printf("%s{\"name\":", j ? "," : "");
                json_str(d->name);
                printf(",\"type\":\"%s\",\"default\":", type_name(d->type));
                json_str(d->default_value ? d->default_value : "");
                if (d->min <= d->max)
                    printf(",\"min\":%.17g,\"max\":%.17g", d->min, d->max);
                if (d->choices) {
                    printf(",\"choices\":");
                    json_str(d->choices);
                }
                printf(",\"doc\":");
                json_str(d->doc);
                printf("}");
                continue;
            }
            printf("    %-11s %-6s default %-16s", d->name, type_name(d->type),
                   d->default_value && *d->default_value ? d->default_value
                                                         : "\"\"");
            if (d->choices)
                printf(" {%s}", d->choices);
            else if (d->min <= d->max)
                printf(" [%g, %g]", d->min, d->max);
            printf("\n        %s\n", d->doc);
        }
        if (json)
            printf("]}");
    }
    if (json)
        printf("]\n");
    else
        printf("BLAS: %s\n", forget_blas_info());
    return CLI_OK;
}
