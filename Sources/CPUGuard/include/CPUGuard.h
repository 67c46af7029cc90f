#ifndef PIXWIZARD_CPUGUARD_H
#define PIXWIZARD_CPUGUARD_H
/* Returns 1 when the CPU has AVX2, FMA and F16C (what release builds are compiled for). */
int pixwizard_cpu_supported(void);
#endif
