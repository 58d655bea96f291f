/* The key=value parser against a table with every type. */
#include <forget/backend.h>
#include <string.h>

#include "fuzz.h"

static const forget_param_def defs[] = {
    {"count", FORGET_PARAM_INT, "3", 0, 100, NULL, "an int"},
    {"alpha", FORGET_PARAM_DOUBLE, "1.5", 0, 1e9, NULL, "a double"},
    {"flag", FORGET_PARAM_BOOL, "false", 1, 0, NULL, "a bool"},
    {"mode", FORGET_PARAM_ENUM, "sample", 1, 0, "sample|batch", "an enum"},
    {"name", FORGET_PARAM_STRING, "x", 1, 0, NULL, "a string"},
    {"need", FORGET_PARAM_INT, NULL, 1, 0, NULL, "required"},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    forget_params *p = NULL;
    if (forget_params_parse(&p, defs, sizeof defs / sizeof *defs, sizeof *defs,
                            "fuzz", text) == FORGET_OK) {
        int64_t v;
        double d;
        if (forget_params_int(p, "need", &v) != FORGET_OK ||
            forget_params_double(p, "alpha", &d) != FORGET_OK || !(d == d))
            abort(); /* a parse that succeeded has every key, finite */
        forget_params_free(p);
    }
    free(text);
    return 0;
}
