/* Unlearner state (ssd, analytic, sisa) from a buffer and from a path,
 * against the two templates the seeds were written for. */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static forget_model *mlp, *lin;
    fuzz_init();
    if (!mlp && (forget_model_create(&mlp, "mlp", "layers=4-5-3") != FORGET_OK ||
                 forget_model_create(&lin, "analytic", "inputs=4 outputs=3") !=
                     FORGET_OK))
        abort();
    forget_model *templates[2] = {mlp, lin};
    const char *path = fuzz_file("state", data, size);
    for (int i = 0; i < 4; i++) {
        forget_unlearner *u = NULL;
        int rc = i < 2 ? forget_unlearner_load_buffer(&u, templates[i], data,
                                                      size)
                       : forget_unlearner_load(&u, templates[i - 2], path);
        if (rc == FORGET_OK)
            forget_unlearner_free(u);
        else if (u != NULL)
            abort();
    }
    return 0;
}
