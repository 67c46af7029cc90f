#ifndef CALLOCCOUNTER_H
#define CALLOCCOUNTER_H
/* Counts heap allocations of the whole process (malloc, calloc, realloc, posix_memalign, aligned_alloc,
 * memalign) by interposing glibc's allocator in the benchmark executable. Benchmark-only. */
unsigned long long pix_alloc_count(void);
#endif
