/* safetensors import from a buffer and from a path: any bytes must give
 * FORGET_OK or an error code, never a crash, a leak or a hang; *out stays
 * NULL on failure; a model that imports exports, and its export imports
 * to the same model (equal digests). */
#include "fuzz.h"

#include <string.h>

static void round_trip(const forget_model *m)
{
    size_t n = 0;
    if (forget_model_export_buffer(m, NULL, 0, &n, "names=torch") !=
        FORGET_OK)
        abort(); /* an imported model is dense: it exports */
    unsigned char *b = malloc(n);
    forget_model *again = NULL;
    unsigned char d1[FORGET_DIGEST_SIZE], d2[FORGET_DIGEST_SIZE];
    if (b == NULL ||
        forget_model_export_buffer(m, b, n, &n, "names=torch") != FORGET_OK ||
        forget_model_import_buffer(&again, b, n, NULL) != FORGET_OK ||
        forget_model_digest(m, d1) != FORGET_OK ||
        forget_model_digest(again, d2) != FORGET_OK ||
        memcmp(d1, d2, sizeof d1) != 0)
        abort();
    forget_model_free(again);
    free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    forget_model *m = NULL;
    if (forget_model_import_buffer(&m, data, size, NULL) == FORGET_OK) {
        round_trip(m);
        forget_model_free(m);
    } else if (m != NULL) {
        abort(); /* *out stays NULL on failure */
    }
    if (forget_model_import(&m, fuzz_file("import", data, size),
                            "kind=mlp act=tanh") == FORGET_OK)
        forget_model_free(m);
    return 0;
}
