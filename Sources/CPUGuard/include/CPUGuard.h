#ifndef PIXWIZARD_CPUGUARD_H
#define PIXWIZARD_CPUGUARD_H
/* Returns 1 when the CPU has AVX2, FMA and F16C (what release builds are compiled for). */
int pixwizard_cpu_supported(void);
/* SIGTERM and SIGINT post a semaphore instead of killing the process; 0 on success. */
int pixwizard_stop_signals_install(void);
/* Blocks until SIGTERM or SIGINT arrives (after pixwizard_stop_signals_install). */
void pixwizard_stop_signals_wait(void);
#endif
