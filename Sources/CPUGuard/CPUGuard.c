/* Compiled for baseline x86-64 (no -march flags reach C targets' own code paths here):
 * a constructor checks the CPU before any AVX2/FMA code can run and exits with a readable
 * message instead of SIGILL. */
#include "CPUGuard.h"
#include <stdio.h>
#include <stdlib.h>

#if defined(__x86_64__) || defined(__i386__)

int pixwizard_cpu_supported(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}
#else
int pixwizard_cpu_supported(void) { return 1; }
#endif

__attribute__((constructor))
static void pixwizard_cpu_guard(void) {
    if (!pixwizard_cpu_supported()) {
        fputs("pixwizard: this build needs a CPU with AVX2 and FMA (x86-64-v3, Intel Haswell / AMD Zen or newer).\n"
              "Rebuild for this CPU with: make build SWIFT_CPU_FLAGS=\"\"\n", stderr);
        exit(78);
    }
}
