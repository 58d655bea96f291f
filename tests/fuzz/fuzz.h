/* Shared by the libFuzzer harnesses (make fuzz): the library is initialised
 * once, and inputs that loaders read from a path go through a file in
 * /dev/shm (or TMPDIR). */
#ifndef FORGET_FUZZ_H
#define FORGET_FUZZ_H

#include <forget/forget.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char fuzz_paths[2][256];

static inline void fuzz_cleanup(void)
{
    for (int i = 0; i < 2; i++)
        if (fuzz_paths[i][0])
            unlink(fuzz_paths[i]);
}

static inline void fuzz_init(void)
{
    static int done;
    if (!done) {
        if (forget_init() != FORGET_OK || atexit(fuzz_cleanup) != 0)
            abort();
        done = 1;
    }
}

/* Writes data to a per-process file named by tag ("labels" gets the second
 * slot); returns its path. */
static inline const char *fuzz_file(const char *tag, const uint8_t *data,
                             size_t size)
{
    char *p = fuzz_paths[tag[0] == 'l'];
    const char *dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(p, 256, "%s/forget-fuzz-%ld-%s", dir, (long)getpid(), tag);
    FILE *f = fopen(p, "wb");
    if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0)
        abort();
    return p;
}

#endif
