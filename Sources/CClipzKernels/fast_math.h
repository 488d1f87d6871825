// Internal (not part of the module's public header): the exp polynomial the fused kernels share, as a
// scalar that the compiler can vectorize and as an explicit AVX-512 version for hand-written kernels.
#ifndef CLIPZ_FAST_MATH_H
#define CLIPZ_FAST_MATH_H
#include <stdint.h>
#include <string.h>

// exp(x) = 2^i · e^f, x = i·ln2 + f, |f| ≤ ln2/2; degree-6 polynomial for e^f (max rel. error ~2e-7).
static inline float fast_exp(float x) {
    x = x < -87.3f ? -87.3f : (x > 88.7f ? 88.7f : x);
    float t = x * 1.44269504088896341f;
    // Round to nearest (half away from zero) by truncation, which vectorizes (roundf is a libm call).
    float fi = (float)(int32_t)(t + (t >= 0 ? 0.5f : -0.5f));
    float f = x - fi * 0.693359375f - fi * -2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * f + 1.3981999507e-3f;
    p = p * f + 8.3334519073e-3f;
    p = p * f + 4.1665795894e-2f;
    p = p * f + 1.6666665459e-1f;
    p = p * f + 5.0000001201e-1f;
    p = p * f * f + f + 1.0f;
    int32_t e = ((int32_t)fi + 127) << 23;
    float scale; memcpy(&scale, &e, 4);
    return p * scale;
}

// QuickGELU and tanh-GELU as v · sigmoid(g(v)) = v / (1 + exp(z)), z = -g(v): QuickGELU's z = -1.702·v;
// tanh-GELU's ½(1 + tanh u) = sigmoid(2u), u = √(2/π)(v + 0.044715 v³), so z = v·(C1 + C3·v²).
#define CLIPZ_QUICK_GELU_K 1.702f
#define CLIPZ_GELU_TANH_C1 (-1.5957691216057308f)   // -2·√(2/π)
#define CLIPZ_GELU_TANH_C3 (-0.07135481627159562f)  // -2·√(2/π)·0.044715

#if defined(__x86_64__)
#include <immintrin.h>
/// e^f ≈ 1 + f + f²·P(f) for the reduced argument f = x - i·ln2 (ln2 split in two parts as in
/// fast_exp), with fast_exp's coefficients; every vector exp below shares it.
__attribute__((target("avx512f"), always_inline))
static inline __m512 exp512_reduced_(__m512 x, __m512 fi) {
    __m512 f = _mm512_fnmadd_ps(fi, _mm512_set1_ps(0.693359375f), x);
    f = _mm512_fnmadd_ps(fi, _mm512_set1_ps(-2.12194440e-4f), f);
    __m512 p = _mm512_set1_ps(1.9875691500e-4f);
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(1.3981999507e-3f));
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(8.3334519073e-3f));
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(4.1665795894e-2f));
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(1.6666665459e-1f));
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(5.0000001201e-1f));
    return _mm512_add_ps(_mm512_fmadd_ps(_mm512_mul_ps(p, f), f, f), _mm512_set1_ps(1.0f));
}

/// 2^ii · e^f for f = x - ii·ln2.
__attribute__((target("avx512f"), always_inline))
static inline __m512 exp512_from_(__m512 x, __m512i ii) {
    __m512 p = exp512_reduced_(x, _mm512_cvtepi32_ps(ii));
    __m512i e = _mm512_slli_epi32(_mm512_add_epi32(ii, _mm512_set1_epi32(127)), 23);
    return _mm512_mul_ps(p, _mm512_castsi512_ps(e));
}

/// fast_exp on 16 lanes: the same clamp, rounding, split of ln2 and coefficients (FMAs may change the
/// last bit, as the compiler's contraction of the scalar form does).
__attribute__((target("avx512f"), always_inline))
static inline __m512 exp512_ps(__m512 x) {
    x = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(-87.3f)), _mm512_set1_ps(88.7f));
    __m512 t = _mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f));
    __mmask16 nonneg = _mm512_cmp_ps_mask(t, _mm512_setzero_ps(), _CMP_GE_OQ);
    __m512 half = _mm512_mask_blend_ps(nonneg, _mm512_set1_ps(-0.5f), _mm512_set1_ps(0.5f));
    return exp512_from_(x, _mm512_cvttps_epi32(_mm512_add_ps(t, half)));
}

/// exp512_ps for x ≤ 0 (e.g. scores minus their row max), bit for bit: the upper clamp never applies,
/// and t = x·log2e ≤ 0 rounds with -0.5 (t = 0 truncates to 0 either way). Three ops fewer.
__attribute__((target("avx512f"), always_inline))
static inline __m512 exp512_nonpositive_ps(__m512 x) {
    x = _mm512_max_ps(x, _mm512_set1_ps(-87.3f));
    __m512 t = _mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f));
    return exp512_from_(x, _mm512_cvttps_epi32(_mm512_add_ps(t, _mm512_set1_ps(-0.5f))));
}

/// fast_exp's polynomial with cheaper range reduction for the GEMM epilogues: round to nearest even
/// (roundscale) instead of half away from zero, and 2^i applied by scalef — 5 fewer instructions. The
/// reduced argument stays within ±ln2/2, so the error bound is fast_exp's (~2e-7 relative); results
/// can differ from exp512_ps in the last bit when x·log2(e) is an exact half.
__attribute__((target("avx512f"), always_inline))
static inline __m512 exp512_epilogue_ps(__m512 x) {
    x = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(-87.3f)), _mm512_set1_ps(88.7f));
    __m512 fi = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 p = exp512_reduced_(x, fi);
    return _mm512_scalef_ps(p, fi);
}
#endif

#if defined(__aarch64__)
#include <arm_neon.h>
/// fast_exp on 4 lanes (aarch64 NEON): the same clamp, split of ln2 and coefficients; vcvtaq rounds
/// half away from zero as fast_exp's truncation of t ± 0.5 does. FMAs may change the last bit.
static inline float32x4_t exp_neon_ps(float32x4_t x) {
    x = vminq_f32(vmaxq_f32(x, vdupq_n_f32(-87.3f)), vdupq_n_f32(88.7f));
    int32x4_t i = vcvtaq_s32_f32(vmulq_f32(x, vdupq_n_f32(1.44269504088896341f)));
    float32x4_t fi = vcvtq_f32_s32(i);
    float32x4_t f = vfmsq_f32(x, fi, vdupq_n_f32(0.693359375f));
    f = vfmsq_f32(f, fi, vdupq_n_f32(-2.12194440e-4f));
    float32x4_t p = vdupq_n_f32(1.9875691500e-4f);
    p = vfmaq_f32(vdupq_n_f32(1.3981999507e-3f), p, f);
    p = vfmaq_f32(vdupq_n_f32(8.3334519073e-3f), p, f);
    p = vfmaq_f32(vdupq_n_f32(4.1665795894e-2f), p, f);
    p = vfmaq_f32(vdupq_n_f32(1.6666665459e-1f), p, f);
    p = vfmaq_f32(vdupq_n_f32(5.0000001201e-1f), p, f);
    p = vaddq_f32(vfmaq_f32(f, vmulq_f32(p, f), f), vdupq_n_f32(1.0f));
    int32x4_t e = vshlq_n_s32(vaddq_s32(i, vdupq_n_s32(127)), 23);
    return vmulq_f32(p, vreinterpretq_f32_s32(e));
}
#endif
#endif
