/* The CSV loader, with ids in column 0 and with the defaults. */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    const char *p = fuzz_file("csv", data, size);
    static const char *params[] = {"", "header=true id=0 label=-1",
                                   "task=regression delimiter=;"};
    for (size_t i = 0; i < sizeof params / sizeof *params; i++) {
        forget_dataset *ds = NULL;
        if (forget_dataset_load_csv(&ds, p, params[i]) == FORGET_OK)
            forget_dataset_free(ds);
    }
    return 0;
}
