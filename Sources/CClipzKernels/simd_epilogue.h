// GEMM epilogue math shared by the fp32 and int8 kernels: activations applied to an output tile
// while it is still in registers. Internal header (static inline), not part of the public API.
#ifndef CLIPZ_SIMD_EPILOGUE_H
#define CLIPZ_SIMD_EPILOGUE_H
#include "clipz_kernels.h"
#include <math.h>

/// Scalar reference of the CLIPZ_ACT_* activations (libm), used by the reference kernels.
static inline float clipz_act_scalar(float v, int act) {
    switch (act) {
    case CLIPZ_ACT_QUICK_GELU: return v / (1.0f + expf(-1.702f * v));
    case CLIPZ_ACT_GELU: return 0.5f * v * (1.0f + erff(v * 0.70710678118654752f));
    case CLIPZ_ACT_GELU_TANH: return 0.5f * v * (1.0f + tanhf(0.7978845608028654f * (v + 0.044715f * v * v * v)));
    default: return v;
    }
}

#if defined(__x86_64__)
#include <immintrin.h>
#define CLIPZ_AVX512_INLINE __attribute__((target("avx512f"), always_inline)) static inline

/// e^x with the polynomial of ops.c's fast_exp (rel. error ~2e-7), rounding to nearest even; clamps
/// the argument so that huge |x| saturate instead of producing Inf/NaN.
CLIPZ_AVX512_INLINE __m512 clipz_exp512(__m512 x) {
    x = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(-87.3f)), _mm512_set1_ps(88.7f));
    __m512 fi = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 f = _mm512_fnmadd_ps(fi, _mm512_set1_ps(0.693359375f), x);
    f = _mm512_fnmadd_ps(fi, _mm512_set1_ps(-2.12194440e-4f), f);
    __m512 p = _mm512_set1_ps(1.9875691500e-4f);
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(1.3981999507e-3f));
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(8.3334519073e-3f));
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(4.1665795894e-2f));
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(1.6666665459e-1f));
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(5.0000001201e-1f));
    p = _mm512_fmadd_ps(_mm512_mul_ps(p, f), f, _mm512_add_ps(f, _mm512_set1_ps(1.0f)));
    __m512i e = _mm512_slli_epi32(_mm512_add_epi32(_mm512_cvtps_epi32(fi), _mm512_set1_epi32(127)), 23);
    return _mm512_mul_ps(p, _mm512_castsi512_ps(e));
}

/// QuickGELU and tanh-GELU in registers; any other code (NONE, exact-erf GELU) returns v unchanged:
/// exact GELU runs afterwards through clipz_activation, so results never depend on fusion.
CLIPZ_AVX512_INLINE __m512 clipz_act512(__m512 v, int act) {
    if (act == CLIPZ_ACT_QUICK_GELU) {
        __m512 e = clipz_exp512(_mm512_mul_ps(v, _mm512_set1_ps(-1.702f)));
        return _mm512_div_ps(v, _mm512_add_ps(e, _mm512_set1_ps(1.0f)));
    }
    if (act == CLIPZ_ACT_GELU_TANH) {
        __m512 u = _mm512_mul_ps(_mm512_set1_ps(0.7978845608028654f),
                                 _mm512_fmadd_ps(_mm512_mul_ps(_mm512_mul_ps(v, v), v), _mm512_set1_ps(0.044715f), v));
        // tanh(u) = 1 - 2 / (e^{2u} + 1)
        __m512 th = _mm512_sub_ps(_mm512_set1_ps(1.0f),
                                  _mm512_div_ps(_mm512_set1_ps(2.0f), _mm512_add_ps(clipz_exp512(_mm512_add_ps(u, u)), _mm512_set1_ps(1.0f))));
        return _mm512_mul_ps(_mm512_mul_ps(v, _mm512_set1_ps(0.5f)), _mm512_add_ps(th, _mm512_set1_ps(1.0f)));
    }
    return v;
}

/// Applies the activation in place to a rows × 32 tile just written (still in L1). Kept out of line:
/// inlined into a GEMM, the exp constants get hoisted into registers and the accumulators spill.
__attribute__((target("avx512f"), noinline)) static void clipz_act_tile(float *y, int rows, int ldy, __mmask16 m0, __mmask16 m1, int act) {
    for (int r = 0; r < rows; r++) {
        float *yr = y + (size_t)r * ldy;
        _mm512_mask_storeu_ps(yr, m0, clipz_act512(_mm512_maskz_loadu_ps(m0, yr), act));
        if (m1) _mm512_mask_storeu_ps(yr + 16, m1, clipz_act512(_mm512_maskz_loadu_ps(m1, yr + 16), act));
    }
}
#endif
#endif
