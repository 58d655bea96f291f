/* forget_blas_info: which BLAS runs under the library. The reference BLAS
 * is 10-20x slower than OpenBLAS on the same work, and Debian lets either
 * provide libblas.so.3 under the same binary, so a host (and the demo)
 * should be able to say which one it got. Looked up by symbol names, so
 * any BLAS links. */
/* dladdr needs _GNU_SOURCE (set for every library file by the build) */
#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "forget/forget.h"
#include "la/la.h"

static _Thread_local char fg_blas_text[512];

/* The file that provides cblas_dgemm, symlinks resolved ("" if unknown). */
static void fg_blas_file(char *out, size_t cap)
{
    Dl_info info;
    char real[PATH_MAX];
    out[0] = '\0';
    void *sym = dlsym(RTLD_DEFAULT, "cblas_dgemm");
    if (sym == NULL)
        sym = (void *)(size_t)&cblas_dgemm;
    if (dladdr(sym, &info) == 0 || info.dli_fname == NULL)
        return;
    const char *name = realpath(info.dli_fname, real) ? real
                                                      : info.dli_fname;
    snprintf(out, cap, "%s", name);
}

/* OpenBLAS's own description: its configuration (version, build) and the
 * core it chose at run time. */
static int fg_openblas(char *out, size_t cap, int threads)
{
    void *cfg = dlsym(RTLD_DEFAULT, "openblas_get_config");
    void *core = dlsym(RTLD_DEFAULT, "openblas_get_corename");
    if (cfg == NULL)
        return 0;
    char *(*get_cfg)(void);
    char *(*get_core)(void) = NULL;
    *(void **)&get_cfg = cfg;
    if (core)
        *(void **)&get_core = core;
    const char *c = get_cfg();
    snprintf(out, cap, "%s%s (core %s; %d thread%s)",
             strncmp(c, "OpenBLAS", 8) ? "OpenBLAS " : "", c,
             get_core ? get_core() : "unknown", threads,
             threads == 1 ? "" : "s");
    return 1;
}

const char *forget_blas_info(void)
{
    char file[PATH_MAX];
    int threads = fg_blas_threads();
    const char *s = threads == 1 ? "" : "s";
    fg_blas_file(file, sizeof file);
    if (fg_openblas(fg_blas_text, sizeof fg_blas_text, threads))
        return fg_blas_text;
    if (dlsym(RTLD_DEFAULT, "mkl_get_max_threads"))
        snprintf(fg_blas_text, sizeof fg_blas_text, "MKL (%d thread%s; %s)",
                 threads, s, file);
    else if (dlsym(RTLD_DEFAULT, "bli_thread_get_num_threads"))
        snprintf(fg_blas_text, sizeof fg_blas_text, "BLIS (%d thread%s; %s)",
                 threads, s, file);
    else
        /* no multi-threaded BLAS's getters: Netlib's reference BLAS (or
         * one this list does not know), 10-20x slower than OpenBLAS */
        snprintf(fg_blas_text, sizeof fg_blas_text, "reference BLAS (%s; "
                 "slow: apt-get install libopenblas0 switches to OpenBLAS)",
                 file[0] ? file : "libblas.so.3");
    return fg_blas_text;
}
