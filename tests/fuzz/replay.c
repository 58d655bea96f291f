/* Runs a fuzz harness over files without libFuzzer, so that the committed
 * corpora (the seeds, and every input that once crashed) replay in
 * `make check` with the ordinary compiler: replay FILE... */
#include <stdio.h>
#include <stdlib.h>

#include "fuzz.h"

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        FILE *f = fopen(argv[i], "rb");
        if (!f) {
            perror(argv[i]);
            return 1;
        }
        uint8_t *b = NULL;
        size_t n = 0, cap = 0, got;
        do {
            if (n == cap) {
                cap = cap ? 2 * cap : 4096;
                uint8_t *nb = realloc(b, cap);
                if (!nb)
                    return 1;
                b = nb;
            }
            got = fread(b + n, 1, cap - n, f);
            n += got;
        } while (got > 0);
        fclose(f);
        LLVMFuzzerTestOneInput(b, n);
        free(b);
    }
    forget_shutdown();
    return 0;
}
