// fp16 / bf16 conversions: F16C / AVX-512 paths with plain C references they are tested against.
#include "clipz_kernels.h"
#include <string.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

static inline float f16_to_f32_one(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000) << 16, exp = (h >> 10) & 0x1F, man = h & 0x3FF, bits;
    if (exp == 0) {
        if (man == 0) bits = sign;
        else { // subnormal: normalise
            int e = -1;
            do { man <<= 1; e++; } while (!(man & 0x400));
            bits = sign | ((uint32_t)(127 - 15 - e) << 23) | ((man & 0x3FF) << 13);
        }
    } else if (exp == 31) bits = sign | 0x7F800000u | (man << 13) | (man ? 0x400000u : 0); // NaNs come out quiet, as F16C does
    else bits = sign | ((exp + 112) << 23) | (man << 13);
    float f; memcpy(&f, &bits, 4); return f;
}

static inline uint16_t f32_to_f16_one(float f) {
    uint32_t x; memcpy(&x, &f, 4);
    uint32_t sign = (x >> 16) & 0x8000;
    uint32_t ax = x & 0x7FFFFFFF;
    if (ax >= 0x7F800000u) return (uint16_t)(sign | 0x7C00 | (ax > 0x7F800000u ? 0x200 | ((ax >> 13) & 0x3FF) : 0));
    if (ax >= 0x477FF000u) return (uint16_t)(sign | 0x7C00); // rounds to >= 65520 -> inf
    if (ax < 0x38800000u) { // result is subnormal or zero
        if (ax < 0x33000000u) return (uint16_t)sign;
        uint32_t e = ax >> 23, m = (ax & 0x7FFFFF) | 0x800000;
        uint32_t shift = 126 - e; // 14 + (127 - 15 - e) ... mantissa shift into 10 bits
        uint32_t half = m >> shift, rem = m & ((1u << shift) - 1), mid = 1u << (shift - 1);
        if (rem > mid || (rem == mid && (half & 1))) half++;
        return (uint16_t)(sign | half);
    }
    uint32_t h = ((ax - 0x38000000u) >> 13), rem = ax & 0x1FFF;
    if (rem > 0x1000 || (rem == 0x1000 && (h & 1))) h++;
    return (uint16_t)(sign | h);
}

void clipz_f16_to_f32_ref(const uint16_t *s, float *d, size_t n) { for (size_t i = 0; i < n; i++) d[i] = f16_to_f32_one(s[i]); }
void clipz_f32_to_f16_ref(const float *s, uint16_t *d, size_t n) { for (size_t i = 0; i < n; i++) d[i] = f32_to_f16_one(s[i]); }

#if defined(__x86_64__)
__attribute__((target("avx2,f16c")))
static void f16_to_f32_f16c(const uint16_t *s, float *d, size_t n) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(d + i, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(s + i))));
    for (; i < n; i++) d[i] = f16_to_f32_one(s[i]);
}
__attribute__((target("avx2,f16c")))
static void f32_to_f16_f16c(const float *s, uint16_t *d, size_t n) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8) _mm_storeu_si128((__m128i *)(d + i), _mm256_cvtps_ph(_mm256_loadu_ps(s + i), _MM_FROUND_TO_NEAREST_INT));
    for (; i < n; i++) d[i] = f32_to_f16_one(s[i]);
}
#endif

// The F16C conversion where the CPU has it, else the portable reference.
#if defined(__x86_64__)
#define F16C_OR(fast, ref) ((clipz_cpu_features() & CLIPZ_CPU_F16C) ? (fast) : (ref))
#else
#define F16C_OR(fast, ref) (ref)
#endif

void clipz_f16_to_f32(const uint16_t *s, float *d, size_t n) { F16C_OR(f16_to_f32_f16c, clipz_f16_to_f32_ref)(s, d, n); }

void clipz_f32_to_f16(const float *s, uint16_t *d, size_t n) { F16C_OR(f32_to_f16_f16c, clipz_f32_to_f16_ref)(s, d, n); }

void clipz_bf16_to_f32(const uint16_t *s, float *d, size_t n) {
    for (size_t i = 0; i < n; i++) { uint32_t b = (uint32_t)s[i] << 16; memcpy(d + i, &b, 4); }
}

void clipz_f32_to_bf16(const float *s, uint16_t *d, size_t n) {
    for (size_t i = 0; i < n; i++) {
        uint32_t x; memcpy(&x, s + i, 4);
        if ((x & 0x7FFFFFFF) > 0x7F800000u) { d[i] = (uint16_t)((x >> 16) | 0x40); continue; } // quiet NaN
        x += 0x7FFF + ((x >> 16) & 1);
        d[i] = (uint16_t)(x >> 16);
    }
}

void clipz_bytes_to_planes(const uint8_t *src, uint8_t *dst, size_t n, size_t w) {
    for (size_t b = 0; b < w; b++) { uint8_t *p = dst + b * n; for (size_t i = 0; i < n; i++) p[i] = src[i * w + b]; }
}

void clipz_planes_to_bytes(const uint8_t *src, uint8_t *dst, size_t n, size_t w) {
    size_t i = 0;
#if defined(__x86_64__)
    // SSE2 interleave (baseline on x86-64): 16 elements per step.
    if (w == 4) {
        const uint8_t *p0 = src, *p1 = src + n, *p2 = src + 2 * n, *p3 = src + 3 * n;
        for (; i + 16 <= n; i += 16) {
            __m128i a = _mm_loadu_si128((const __m128i *)(p0 + i)), b = _mm_loadu_si128((const __m128i *)(p1 + i));
            __m128i c = _mm_loadu_si128((const __m128i *)(p2 + i)), d = _mm_loadu_si128((const __m128i *)(p3 + i));
            __m128i ab0 = _mm_unpacklo_epi8(a, b), ab1 = _mm_unpackhi_epi8(a, b);
            __m128i cd0 = _mm_unpacklo_epi8(c, d), cd1 = _mm_unpackhi_epi8(c, d);
            __m128i *o = (__m128i *)(dst + i * 4);
            _mm_storeu_si128(o + 0, _mm_unpacklo_epi16(ab0, cd0));
            _mm_storeu_si128(o + 1, _mm_unpackhi_epi16(ab0, cd0));
            _mm_storeu_si128(o + 2, _mm_unpacklo_epi16(ab1, cd1));
            _mm_storeu_si128(o + 3, _mm_unpackhi_epi16(ab1, cd1));
        }
    } else if (w == 2) {
        const uint8_t *p0 = src, *p1 = src + n;
        for (; i + 16 <= n; i += 16) {
            __m128i a = _mm_loadu_si128((const __m128i *)(p0 + i)), b = _mm_loadu_si128((const __m128i *)(p1 + i));
            __m128i *o = (__m128i *)(dst + i * 2);
            _mm_storeu_si128(o + 0, _mm_unpacklo_epi8(a, b));
            _mm_storeu_si128(o + 1, _mm_unpackhi_epi8(a, b));
        }
    }
#endif
    for (size_t b = 0; b < w; b++) { const uint8_t *p = src + b * n; for (size_t k = i; k < n; k++) dst[k * w + b] = p[k]; }
}

/// Plain reference of clipz_planes_to_bytes, for tests.
void clipz_planes_to_bytes_ref(const uint8_t *src, uint8_t *dst, size_t n, size_t w) {
    for (size_t b = 0; b < w; b++) { const uint8_t *p = src + b * n; for (size_t i = 0; i < n; i++) dst[i * w + b] = p[i]; }
}
