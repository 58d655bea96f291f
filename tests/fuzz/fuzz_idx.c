/* The IDX loader: the first byte gives the share of the input that is the
 * images file; the rest is the labels file. */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    if (size < 1)
        return 0;
    size_t cut = (size - 1) * data[0] / 255;
    const char *img = fuzz_file("images", data + 1, cut);
    const char *lab = fuzz_file("labels", data + 1 + cut, size - 1 - cut);
    forget_dataset *ds = NULL;
    if (forget_dataset_load_idx(&ds, img, lab, "normalize=true") == FORGET_OK)
        forget_dataset_free(ds);
    return 0;
}
