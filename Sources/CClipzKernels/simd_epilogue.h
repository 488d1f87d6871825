// GEMM epilogue math shared by the fp32 and int8 kernels: activations applied to an output tile
// while it is still in cache (exp from fast_math.h, the polynomial every kernel shares). Internal header (static inline), not part of the public API.
#ifndef CLIPZ_SIMD_EPILOGUE_H
#define CLIPZ_SIMD_EPILOGUE_H
#include "clipz_kernels.h"
#include "fast_math.h"
#include <math.h>

/// Scalar reference of the CLIPZ_ACT_* activations (libm), used by the reference kernels.
static inline float clipz_act_scalar(float v, clipz_act act) {
    switch (act) {
    case CLIPZ_ACT_QUICK_GELU: return v / (1.0f + expf(-1.702f * v));
    case CLIPZ_ACT_GELU: return 0.5f * v * (1.0f + erff(v * 0.70710678118654752f));
    case CLIPZ_ACT_GELU_TANH: return 0.5f * v * (1.0f + tanhf(0.7978845608028654f * (v + 0.044715f * v * v * v)));
    default: return v;
    }
}

/// Exact-erf GELU over columns [n_begin, n_end) of M rows (row stride ldy), in place: the pass the
/// SIMD GEMMs run after their epilogue, since that activation is never fused.
static inline void clipz_gelu_columns(float *y, int M, int ldy, int n_begin, int n_end) {
    for (int m = 0; m < M; m++) clipz_activation(y + (size_t)m * ldy + n_begin, (size_t)(n_end - n_begin), CLIPZ_ACT_GELU);
}

#if defined(__aarch64__)
/// QuickGELU and tanh-GELU on 4 lanes (NEON), as v · sigmoid(g(v)) like clipz_act512; any other code
/// (NONE, exact-erf GELU) returns v unchanged, as clipz_act512 does: exact GELU runs afterwards through
/// clipz_activation.
static inline float32x4_t clipz_act_neon(float32x4_t v, clipz_act act) {
    if (act != CLIPZ_ACT_QUICK_GELU && act != CLIPZ_ACT_GELU_TANH) return v;
    float32x4_t z = act == CLIPZ_ACT_QUICK_GELU
                        ? vmulq_f32(v, vdupq_n_f32(-CLIPZ_QUICK_GELU_K))
                        : vmulq_f32(v, vfmaq_f32(vdupq_n_f32(CLIPZ_GELU_TANH_C1), vmulq_f32(v, v), vdupq_n_f32(CLIPZ_GELU_TANH_C3)));
    return vdivq_f32(v, vaddq_f32(exp_neon_ps(z), vdupq_n_f32(1.0f)));
}
#endif

#if defined(__x86_64__)
#include <immintrin.h>

/// The AVX2 GEMMs' epilogue tail: activates (unless CLIPZ_ACT_NONE) `rows` staged rows of 16 columns
/// (row stride 16, 32-byte aligned) and writes their first `cols` columns to y (row stride ldy), adding to
/// what y holds when accumulating.
__attribute__((target("avx2,fma"))) static inline void clipz_finish_tile16(float *staged, int rows, float *y, int ldy, int cols,
                                                                          int accumulate, clipz_act act) {
    if (act != CLIPZ_ACT_NONE) clipz_activation(staged, (size_t)rows * 16, act);
    for (int r = 0; r < rows; r++) {
        float *out = y + (size_t)r * ldy;
        const float *v = staged + r * 16;
        if (cols == 16) {
            __m256 v0 = _mm256_load_ps(v), v1 = _mm256_load_ps(v + 8);
            if (accumulate) { v0 = _mm256_add_ps(v0, _mm256_loadu_ps(out)); v1 = _mm256_add_ps(v1, _mm256_loadu_ps(out + 8)); }
            _mm256_storeu_ps(out, v0);
            _mm256_storeu_ps(out + 8, v1);
        } else {
            for (int j = 0; j < cols; j++) out[j] = accumulate ? out[j] + v[j] : v[j];
        }
    }
}
#define CLIPZ_AVX512_INLINE __attribute__((target("avx512f"), always_inline)) static inline

/// 1/d for d ≥ 1: rcp14 plus one Newton step (relative error ~1e-8, below float rounding) — several
/// times the throughput of vdivps on 512-bit vectors. d is capped at 1e30 first: exp saturates to +Inf,
/// and Newton's step on rcp14(Inf) = 0 would give 0·Inf = NaN (1/1e30 is as good as 0 here).
CLIPZ_AVX512_INLINE __m512 clipz_recip512(__m512 d) {
    d = _mm512_min_ps(d, _mm512_set1_ps(1e30f));
    __m512 r = _mm512_rcp14_ps(d);
    return _mm512_mul_ps(r, _mm512_fnmadd_ps(d, r, _mm512_set1_ps(2.0f)));
}

/// QuickGELU and tanh-GELU in registers; any other code (NONE, exact-erf GELU) returns v unchanged:
/// exact GELU runs afterwards through clipz_activation, so results never depend on fusion. Both are
/// v · sigmoid(g(v)) (tanh-GELU since ½(1 + tanh u) = sigmoid(2u)): one exp, one reciprocal.
CLIPZ_AVX512_INLINE __m512 clipz_act512(__m512 v, clipz_act act) {
    if (act != CLIPZ_ACT_QUICK_GELU && act != CLIPZ_ACT_GELU_TANH) return v;
    __m512 z = act == CLIPZ_ACT_QUICK_GELU
                   ? _mm512_mul_ps(v, _mm512_set1_ps(-CLIPZ_QUICK_GELU_K))
                   : _mm512_mul_ps(v, _mm512_fmadd_ps(_mm512_mul_ps(v, v), _mm512_set1_ps(CLIPZ_GELU_TANH_C3), _mm512_set1_ps(CLIPZ_GELU_TANH_C1)));
    return _mm512_mul_ps(v, clipz_recip512(_mm512_add_ps(exp512_epilogue_ps(z), _mm512_set1_ps(1.0f))));
}

/// Activates a tile of up to 12 rows × 32 that the caller stored unmasked into `tile` (row stride 32)
/// and writes it to y with the column masks. Out of line: inlined into a GEMM, the exp constants get
/// hoisted into registers and the accumulators spill. Staging through `tile` instead of re-reading y:
/// a masked load right after a masked store to the same address cannot be store-forwarded and stalls.
__attribute__((target("avx512f"), noinline)) static void clipz_act_tile(const float *tile, int rows, float *y, int ldy,
                                                                        __mmask16 m0, __mmask16 m1, clipz_act act) {
    for (int r = 0; r < rows; r++) {
        float *yr = y + (size_t)r * ldy;
        _mm512_mask_storeu_ps(yr, m0, clipz_act512(_mm512_load_ps(tile + r * 32), act));
        if (m1) _mm512_mask_storeu_ps(yr + 16, m1, clipz_act512(_mm512_load_ps(tile + r * 32 + 16), act));
    }
}
#endif
#endif
