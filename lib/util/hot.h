/* FG_HOT: build a loop for several instruction sets, picked at load time
 * (GCC's target_clones: AVX2 where the CPU has it, the baseline x86-64
 * otherwise), so one binary vectorizes wide on the machines that allow it.
 * Off under clang (no ifunc resolvers there), under ASan and TSan (the
 * resolvers run before the sanitizers start) and with FG_NO_CLONES. */
#ifndef FG_UTIL_HOT_H
#define FG_UTIL_HOT_H

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && \
    !defined(FG_NO_CLONES) && !defined(__SANITIZE_ADDRESS__) && \
    !defined(__SANITIZE_THREAD__)
#define FG_HOT __attribute__((target_clones("avx2", "default")))
#else
#define FG_HOT
#endif

#endif
