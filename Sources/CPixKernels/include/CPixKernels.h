#ifndef CPIXKERNELS_H
#define CPIXKERNELS_H
/* Transcendental row kernels in C so that clang vectorises them (AVX2/FMA with the release flags).
 * Every function: n elements, out may equal x, no allocation. Accuracy versus double: exp relative
 * error < 3e-7, erf absolute < 1e-6, tanh absolute < 3e-7. */
#include <stddef.h>
void pix_exp(const float *x, float *out, size_t n);
void pix_erf(const float *x, float *out, size_t n);
void pix_silu(const float *x, float *out, size_t n);
void pix_gelu_erf(const float *x, float *out, size_t n);
void pix_gelu_tanh(const float *x, float *out, size_t n);
void pix_tanh(const float *x, float *out, size_t n);
/* out[i] = silu(a[i]) * b[i] */
void pix_swiglu(const float *a, const float *b, float *out, size_t n);
/* Row softmax in place: x[j] = exp(scale*x[j] - max) / sum over kept j (mask[j] != 0 or mask == NULL),
 * 0 for masked j; a row with nothing kept becomes zeros. scale > 0. */
void pix_softmax_row(float *x, size_t n, float scale, const _Bool *mask);
#endif
