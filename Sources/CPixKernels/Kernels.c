#include "CPixKernels.h"
#include <math.h>
#include <stdint.h>
#include <string.h>

/* e^x: Cephes-style range reduction, degree-6 polynomial; x clamped to [-87.3, 88.3]. */
static inline float pexp(float x) {
    x = x < -87.3f ? -87.3f : x;
    x = x > 88.3f ? 88.3f : x;
    float fx = __builtin_floorf(x * 1.44269504088896341f + 0.5f);
    x = x - fx * 0.693359375f;
    x = x - fx * -2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * x + 1.3981999507e-3f;
    p = p * x + 8.3334519073e-3f;
    p = p * x + 4.1665795894e-2f;
    p = p * x + 1.6666665459e-1f;
    p = p * x + 5.0000001201e-1f;
    float y = p * (x * x) + x + 1.0f;
    int32_t e = ((int32_t)fx + 127) << 23;
    float s;
    memcpy(&s, &e, sizeof s);
    return y * s;
}

/* tanh: sign(x)(1-e)/(1+e), e = exp(-2|x|); odd Taylor series for |x| < 0.05. */
static inline float ptanh(float x) {
    float ax = __builtin_fabsf(x);
    float e = pexp(-2.0f * ax);
    float r = (1.0f - e) / (1.0f + e);
    float x2 = x * x;
    float small = ax * (1.0f + x2 * (-1.0f / 3.0f + x2 * (2.0f / 15.0f + x2 * (-17.0f / 315.0f))));
    r = ax < 0.05f ? small : r;
    return x < 0.0f ? -r : r;
}

/* erf: Abramowitz & Stegun 7.1.26. */
static inline float perf(float x) {
    float ax = __builtin_fabsf(x);
    float t = 1.0f / (1.0f + 0.3275911f * ax);
    float p = 1.061405429f;
    p = p * t - 1.453152027f;
    p = p * t + 1.421413741f;
    p = p * t - 0.284496736f;
    p = p * t + 0.254829592f;
    float y = 1.0f - p * t * pexp(-ax * ax);
    return x < 0.0f ? -y : y;
}

static inline float psilu(float x) { return x / (1.0f + pexp(-x)); }

void pix_exp(const float *x, float *out, size_t n) { for (size_t i = 0; i < n; i++) out[i] = pexp(x[i]); }
void pix_erf(const float *x, float *out, size_t n) { for (size_t i = 0; i < n; i++) out[i] = perf(x[i]); }
void pix_silu(const float *x, float *out, size_t n) { for (size_t i = 0; i < n; i++) out[i] = psilu(x[i]); }
void pix_tanh(const float *x, float *out, size_t n) { for (size_t i = 0; i < n; i++) out[i] = ptanh(x[i]); }
void pix_gelu_erf(const float *x, float *out, size_t n) {
    for (size_t i = 0; i < n; i++) { float v = x[i]; out[i] = 0.5f * v * (1.0f + perf(v * 0.70710678118654752f)); }
}
void pix_gelu_tanh(const float *x, float *out, size_t n) {
    for (size_t i = 0; i < n; i++) {
        float v = x[i];
        out[i] = 0.5f * v * (1.0f + ptanh(0.79788456080286536f * (v + 0.044715f * v * v * v)));
    }
}
void pix_swiglu(const float *a, const float *b, float *out, size_t n) {
    for (size_t i = 0; i < n; i++) out[i] = psilu(a[i]) * b[i];
}

void pix_softmax_row(float *x, size_t n, float scale, const _Bool *mask) {
    if (mask) for (size_t j = 0; j < n; j++) if (!mask[j]) x[j] = -INFINITY;
    float m[8] = {-INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY};
    size_t j = 0;
    for (; j + 8 <= n; j += 8)
        for (int k = 0; k < 8; k++) m[k] = x[j + k] > m[k] ? x[j + k] : m[k];
    float mx = -INFINITY;
    for (int k = 0; k < 8; k++) mx = m[k] > mx ? m[k] : mx;
    for (; j < n; j++) mx = x[j] > mx ? x[j] : mx;
    if (mx == -INFINITY) { memset(x, 0, n * sizeof(float)); return; }
    float ms = mx * scale;
    for (j = 0; j < n; j++) x[j] = x[j] == -INFINITY ? 0.0f : pexp(x[j] * scale - ms);
    float s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    j = 0;
    for (; j + 8 <= n; j += 8)
        for (int k = 0; k < 8; k++) s[k] += x[j + k];
    float tot = 0;
    for (int k = 0; k < 8; k++) tot += s[k];
    for (; j < n; j++) tot += x[j];
    float inv = 1.0f / tot;
    for (j = 0; j < n; j++) x[j] *= inv;
}
