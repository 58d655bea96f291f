/* Model files from a buffer and from a path: any bytes must give FORGET_OK
 * or an error code, never a crash, a leak or a hang. */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    forget_model *m = NULL;
    if (forget_model_load_buffer(&m, data, size) == FORGET_OK) {
        size_t n = 0;
        if (forget_model_save_buffer(m, NULL, 0, &n) != FORGET_OK)
            abort(); /* a model that loads must save */
        forget_model_free(m);
    } else if (m != NULL) {
        abort(); /* *out stays NULL on failure */
    }
    if (forget_model_load(&m, fuzz_file("model", data, size)) == FORGET_OK)
        forget_model_free(m);
    return 0;
}
