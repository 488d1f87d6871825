// fp32 transformer kernels: LayerNorm, activations, add. Plain C written so that the compiler
// vectorizes it (-O3); exp is a range-reduced polynomial (fast_math.h) instead of libm so loops vectorize.
// Softmax-attention lives in attention.c.
#include "clipz_kernels.h"
#include "fast_math.h"
#include "isa_dispatch.h"
#include "int8_scale.h"
#include <math.h>
#include <string.h>

// Hot loops are compiled for AVX-512, AVX2 + FMA and the baseline, and picked by clipz_cpu_features()
// (isa_dispatch.h), so CLIPZ_CPU_DISABLE reaches every level.

int clipz_ops_level(void) { return clipz_isa_level(); }

CLIPZ_ISA_BODY void vexp_body(const float *x, float *y, size_t n) { for (size_t i = 0; i < n; i++) y[i] = fast_exp(x[i]); }
CLIPZ_ISA_VARIANTS(vexp, (const float *x, float *y, size_t n), (x, y, n))
void clipz_vexp(const float *x, float *y, size_t n) { CLIPZ_ISA_CALL(clipz_isa_level(), vexp, (x, y, n)); }

CLIPZ_ISA_BODY void layernorm_row(const float *xr, float *yr, int w, const float *gamma, const float *beta, float eps) {
    float sum = 0;
    for (int i = 0; i < w; i++) sum += xr[i];
    float mean = sum / (float)w, var = 0;
    for (int i = 0; i < w; i++) { float d = xr[i] - mean; var += d * d; }
    float inv = 1.0f / sqrtf(var / (float)w + eps);
    for (int i = 0; i < w; i++) yr[i] = (xr[i] - mean) * inv * gamma[i] + beta[i];
}

CLIPZ_ISA_BODY void layernorm_body(const float *x, float *y, int rows, int w, const float *gamma, const float *beta, float eps) {
    for (int r = 0; r < rows; r++) layernorm_row(x + (size_t)r * w, y + (size_t)r * w, w, gamma, beta, eps);
}
CLIPZ_ISA_VARIANTS(layernorm, (const float *x, float *y, int rows, int w, const float *gamma, const float *beta, float eps),
                   (x, y, rows, w, gamma, beta, eps))
void clipz_layernorm(const float *x, float *y, int rows, int w, const float *gamma, const float *beta, float eps) {
    CLIPZ_ISA_CALL(clipz_isa_level(), layernorm, (x, y, rows, w, gamma, beta, eps));
}

// Each row is normalized, then quantized while it is still in L1, with clipz_quantize_rows' formulas
// (scale max|y|/127, or 1 for a zero row; y·(1/scale) clamped to ±127, rounded to nearest even).
CLIPZ_ISA_BODY void layernorm_quantize_body(const float *x, float *y, int rows, int w, const float *gamma,
                                            const float *beta, float eps, float static_scale, int offset, int8_t *xq,
                                            float *scales) {
    int kp = (w + 3) & ~3;
    uint8_t flip = offset ? 0x80 : 0;
    for (int r = 0; r < rows; r++) {
        float *yr = y + (size_t)r * w;
        layernorm_row(x + (size_t)r * w, yr, w, gamma, beta, eps);
        float s = static_scale;
        if (s <= 0) {
            float mx = clipz_abs_max(yr, (size_t)w);
            s = mx > 0 ? mx / 127.0f : 1.0f;
        }
        scales[r] = s;
        float inv = 1.0f / s;
        uint8_t *q = (uint8_t *)xq + (size_t)r * kp;
        for (int i = 0; i < w; i++) {
            float v = yr[i] * inv;
            v = v > 127 ? 127 : (v < -127 ? -127 : v);
            q[i] = (uint8_t)(int8_t)rintf(v) ^ flip;
        }
        for (int i = w; i < kp; i++) q[i] = flip;
    }
}
CLIPZ_ISA_VARIANTS(layernorm_quantize,
                   (const float *x, float *y, int rows, int w, const float *gamma, const float *beta, float eps,
                    float static_scale, int offset, int8_t *xq, float *scales),
                   (x, y, rows, w, gamma, beta, eps, static_scale, offset, xq, scales))
void clipz_layernorm_quantize_rows(const float *x, float *y, int rows, int w, const float *gamma, const float *beta,
                                   float eps, float static_scale, int offset, int8_t *xq, float *scales) {
    CLIPZ_ISA_CALL(clipz_isa_level(), layernorm_quantize,
                   (x, y, rows, w, gamma, beta, eps, static_scale, offset, xq, scales));
}

CLIPZ_ISA_BODY void activation_body(float *x, size_t n, clipz_act kind) {
    if (kind == CLIPZ_ACT_NONE) return;
    if (kind == CLIPZ_ACT_QUICK_GELU) {
        for (size_t i = 0; i < n; i++) { float v = x[i]; x[i] = v / (1.0f + fast_exp(-CLIPZ_QUICK_GELU_K * v)); }
    } else if (kind == CLIPZ_ACT_GELU) {
        for (size_t i = 0; i < n; i++) { float v = x[i]; x[i] = 0.5f * v * (1.0f + erff(v * 0.70710678118654752f)); }
    } else {
        for (size_t i = 0; i < n; i++) {
            float v = x[i];
            x[i] = v / (1.0f + fast_exp(v * (CLIPZ_GELU_TANH_C1 + CLIPZ_GELU_TANH_C3 * v * v)));
        }
    }
}
CLIPZ_ISA_VARIANTS(activation, (float *x, size_t n, clipz_act kind), (x, n, kind))
void clipz_activation(float *x, size_t n, clipz_act kind) { CLIPZ_ISA_CALL(clipz_isa_level(), activation, (x, n, kind)); }

CLIPZ_ISA_BODY void add_body(float *y, const float *x, size_t n) { for (size_t i = 0; i < n; i++) y[i] += x[i]; }
CLIPZ_ISA_VARIANTS(add, (float *y, const float *x, size_t n), (y, x, n))
void clipz_add(float *y, const float *x, size_t n) { CLIPZ_ISA_CALL(clipz_isa_level(), add, (y, x, n)); }
