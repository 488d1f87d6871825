// Internal (not part of the public header): AVX-512 helpers shared by the fp32 (attention.c) and
// bf16 (attention_bf16.c) attention kernels.
#ifndef CLIPZ_ATTENTION_SIMD_H
#define CLIPZ_ATTENTION_SIMD_H
#if defined(__x86_64__)
#include <immintrin.h>
#include <math.h>
#define INLINE_AVX512 __attribute__((target("avx512f"), always_inline)) static inline

/// Transposes 16 rows of 16 floats in registers: on return r[c] holds column c.
INLINE_AVX512 void transpose16(__m512 r[16]) {
    __m512 t[16], u[16];
    // Interleave pairs of rows, then pairs of pairs: within each 128-bit lane, u[4g + m] holds
    // element m of rows 4g..4g+3 (for the lane's four columns).
    for (int i = 0; i < 8; i++) {
        t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    for (int g = 0; g < 4; g++) {
        __m512d a = _mm512_castps_pd(t[4 * g]), b = _mm512_castps_pd(t[4 * g + 2]);
        __m512d c = _mm512_castps_pd(t[4 * g + 1]), d = _mm512_castps_pd(t[4 * g + 3]);
        u[4 * g + 0] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, b));
        u[4 * g + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, b));
        u[4 * g + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(c, d));
        u[4 * g + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(c, d));
    }
    // Then gather the 128-bit lanes: column 4L + m takes lane L of u[m], u[4 + m], u[8 + m], u[12 + m].
    for (int m = 0; m < 4; m++) {
        __m512 lo0 = _mm512_shuffle_f32x4(u[m], u[4 + m], 0x88), hi0 = _mm512_shuffle_f32x4(u[m], u[4 + m], 0xDD);
        __m512 lo1 = _mm512_shuffle_f32x4(u[8 + m], u[12 + m], 0x88), hi1 = _mm512_shuffle_f32x4(u[8 + m], u[12 + m], 0xDD);
        r[m] = _mm512_shuffle_f32x4(lo0, lo1, 0x88);
        r[8 + m] = _mm512_shuffle_f32x4(lo0, lo1, 0xDD);
        r[4 + m] = _mm512_shuffle_f32x4(hi0, hi1, 0x88);
        r[12 + m] = _mm512_shuffle_f32x4(hi0, hi1, 0xDD);
    }
}

/// The first n lanes (all for n ≥ 16, none for n ≤ 0): the channels left in a head's last tile, or the keys
/// left in a score tile.
INLINE_AVX512 __mmask16 first_lanes(int n) { return n >= 16 ? (__mmask16)0xFFFF : n <= 0 ? 0 : (__mmask16)((1u << n) - 1); }

/// The lanes of score tile t (keys 16t..16t+15) inside a row's first n keys.
INLINE_AVX512 __mmask16 kept_lanes(int n, int t) { return first_lanes(n - 16 * t); }

/// mx[r] = the largest of the first (causal ? i0 + r + 1 : seq) scores of row r, r < R, broadcast to every lane:
/// softmax's first pass, for the fp32 and bf16 kernels alike (score rows are seqp floats apart).
INLINE_AVX512 void score_row_max(const float *s, int seqp, int i0, int R, int seq, int causal, __m512 *mx) {
    int tiles = ((causal ? i0 + R : seq) + 15) / 16;
    for (int r = 0; r < R; r++) mx[r] = _mm512_set1_ps(-INFINITY);
    for (int t = 0; t < tiles; t++)
        for (int r = 0; r < R; r++) {
            __mmask16 m = kept_lanes(causal ? i0 + r + 1 : seq, t);
            mx[r] = _mm512_mask_max_ps(mx[r], m, mx[r], _mm512_maskz_loadu_ps(m, s + (size_t)r * seqp + 16 * t));
        }
    for (int r = 0; r < R; r++) mx[r] = _mm512_set1_ps(_mm512_reduce_max_ps(mx[r]));
}

#endif
#endif
