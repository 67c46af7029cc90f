#include <cblas.h>
/* OpenBLAS extras used by the engine: thread count control. */
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
