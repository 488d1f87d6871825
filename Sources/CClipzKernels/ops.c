// fp32 transformer kernels: LayerNorm, activations, add. Plain C written so that the compiler
// vectorizes it (-O3); exp is a range-reduced polynomial (fast_math.h) instead of libm so loops vectorize.
// Softmax-attention lives in attention.c.
#include "clipz_kernels.h"
#include "fast_math.h"
#include "isa_dispatch.h"
#include <math.h>

// Hot loops are compiled for AVX-512, AVX2 + FMA and the baseline, and picked by clipz_cpu_features()
// (isa_dispatch.h), so CLIPZ_CPU_DISABLE reaches every level.

int clipz_ops_level(void) { return clipz_isa_level(); }

CLIPZ_ISA_BODY void vexp_body(const float *x, float *y, size_t n) { for (size_t i = 0; i < n; i++) y[i] = fast_exp(x[i]); }
CLIPZ_ISA_VARIANTS(vexp, (const float *x, float *y, size_t n), (x, y, n))
void clipz_vexp(const float *x, float *y, size_t n) { CLIPZ_ISA_CALL(clipz_isa_level(), vexp, (x, y, n)); }

CLIPZ_ISA_BODY void layernorm_body(const float *x, float *y, int rows, int w, const float *gamma, const float *beta, float eps) {
    for (int r = 0; r < rows; r++) {
        const float *xr = x + (size_t)r * w;
        float *yr = y + (size_t)r * w;
        float sum = 0;
        for (int i = 0; i < w; i++) sum += xr[i];
        float mean = sum / (float)w, var = 0;
        for (int i = 0; i < w; i++) { float d = xr[i] - mean; var += d * d; }
        float inv = 1.0f / sqrtf(var / (float)w + eps);
        for (int i = 0; i < w; i++) yr[i] = (xr[i] - mean) * inv * gamma[i] + beta[i];
    }
}
CLIPZ_ISA_VARIANTS(layernorm, (const float *x, float *y, int rows, int w, const float *gamma, const float *beta, float eps),
                   (x, y, rows, w, gamma, beta, eps))
void clipz_layernorm(const float *x, float *y, int rows, int w, const float *gamma, const float *beta, float eps) {
    CLIPZ_ISA_CALL(clipz_isa_level(), layernorm, (x, y, rows, w, gamma, beta, eps));
}

CLIPZ_ISA_BODY void activation_body(float *x, size_t n, clipz_act kind) {
    if (kind == CLIPZ_ACT_NONE) return;
    if (kind == CLIPZ_ACT_QUICK_GELU) {
        for (size_t i = 0; i < n; i++) { float v = x[i]; x[i] = v / (1.0f + fast_exp(-1.702f * v)); }
    } else if (kind == CLIPZ_ACT_GELU) {
        for (size_t i = 0; i < n; i++) { float v = x[i]; x[i] = 0.5f * v * (1.0f + erff(v * 0.70710678118654752f)); }
    } else {
        for (size_t i = 0; i < n; i++) {
            float v = x[i], u = 0.7978845608028654f * (v + 0.044715f * v * v * v);
            // tanh(u) = 1 - 2 / (exp(2u) + 1)
            float th = 1.0f - 2.0f / (fast_exp(2.0f * u) + 1.0f);
            x[i] = 0.5f * v * (1.0f + th);
        }
    }
}
CLIPZ_ISA_VARIANTS(activation, (float *x, size_t n, clipz_act kind), (x, n, kind))
void clipz_activation(float *x, size_t n, clipz_act kind) { CLIPZ_ISA_CALL(clipz_isa_level(), activation, (x, n, kind)); }

CLIPZ_ISA_BODY void add_body(float *y, const float *x, size_t n) { for (size_t i = 0; i < n; i++) y[i] += x[i]; }
CLIPZ_ISA_VARIANTS(add, (float *y, const float *x, size_t n), (y, x, n))
void clipz_add(float *y, const float *x, size_t n) { CLIPZ_ISA_CALL(clipz_isa_level(), add, (y, x, n)); }
