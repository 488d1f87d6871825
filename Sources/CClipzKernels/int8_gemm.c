// int8 × int8 → int32 GEMM with per-row activation scales and per-channel weight scales.
// Paths computing bit-identical int32 sums: scalar (reference), AVX2, AVX-512 VNNI, and on aarch64 NEON
// sdot and smmla (i8mm), all on the same packed weights.
//
// VNNI's vpdpbusd wants unsigned activations: we flip the sign bit (x + 128 as u8) and subtract
// 128·Σ_k W[n,k] afterwards. AVX2 has no exact u8×s8 dot product: vpmaddubsw saturates pair sums at
// 16 bits (255·127·2 > 32767). Two AVX2 variants stay exact:
// - weights within [-64, 63] (7-bit, `clipz quantize --weight-bits 7`): a pair is at most 255·64·2 =
//   32640, so the offset activations go straight into vpmaddubsw, as for VNNI (3 instructions per
//   32 products);
// - any int8 weights: signed activations and |x| · sign(w, x), every product ≤ 127·127, a pair ≤ 32258
//   (4 instructions per 32 products).
#include "simd_epilogue.h"
#include "isa_dispatch.h"
#include "int8_scale.h"
#include "panel_prefetch.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

static inline int k4_of(int K) { return (K + 3) / 4; }

size_t clipz_i8_packed_bytes(int N, int K) {
    size_t nb = (size_t)(N + CLIPZ_I8_NBLOCK - 1) / CLIPZ_I8_NBLOCK;
    return nb * (size_t)k4_of(K) * 64;
}

int clipz_i8_pack(const int8_t *W, int N, int K, int8_t *packed, int32_t *colsum) {
    int K4 = k4_of(K), NB = (N + 15) / 16, narrow = 1;
    memset(packed, 0, clipz_i8_packed_bytes(N, K));
    for (int n = 0; n < N; n++) {
        int32_t s = 0;
        for (int k = 0; k < K; k++) {
            int8_t w = W[(size_t)n * K + k];
            s += w;
            narrow &= w >= -64 && w <= 63;
        }
        colsum[n] = s;
    }
    for (int nb = 0; nb < NB; nb++)
        for (int k4 = 0; k4 < K4; k4++)
            for (int lane = 0; lane < 16; lane++) {
                int n = nb * 16 + lane;
                if (n >= N) continue;
                for (int j = 0; j < 4; j++) {
                    int k = k4 * 4 + j;
                    packed[((size_t)nb * K4 + k4) * 64 + lane * 4 + j] = k < K ? W[(size_t)n * K + k] : 0;
                }
            }
    return narrow;
}

// Rounding is to nearest even everywhere (rintf here, vcvtps2dq in the AVX-512 path), so all
// paths produce the same int8 activations. The plain loops get AVX2 / baseline builds (isa_dispatch.h).
CLIPZ_ISA_BODY void quantize_row_c_body(const float *r, int K, int Kp, float inv, int8_t *q) {
    for (int k = 0; k < K; k++) { float v = r[k] * inv; v = v > 127 ? 127 : (v < -127 ? -127 : v); q[k] = (int8_t)rintf(v); }
    for (int k = K; k < Kp; k++) q[k] = 0;
}
CLIPZ_ISA_VARIANTS(quantize_row_c, (const float *r, int K, int Kp, float inv, int8_t *q), (r, K, Kp, inv, q))
static void quantize_row_c(const float *r, int K, int Kp, float inv, int8_t *q) {
    CLIPZ_ISA_CALL(clipz_isa_level(), quantize_row_c, (r, K, Kp, inv, q));
}

CLIPZ_ISA_BODY void absmax_c_body(const float *r, int K, float *out) { *out = clipz_abs_max(r, (size_t)K); }
CLIPZ_ISA_VARIANTS(absmax_c, (const float *r, int K, float *out), (r, K, out))
static float absmax_c(const float *r, int K) { float mx; CLIPZ_ISA_CALL(clipz_isa_level(), absmax_c, (r, K, &mx)); return mx; }

#if defined(__x86_64__)
__attribute__((target("avx512f,avx512bw")))
static float absmax_512(const float *r, int K) {
    __m512 m = _mm512_setzero_ps();
    int k = 0;
    for (; k + 16 <= K; k += 16) m = _mm512_max_ps(m, _mm512_abs_ps(_mm512_loadu_ps(r + k)));
    float mx = _mm512_reduce_max_ps(m);
    for (; k < K; k++) { float a = fabsf(r[k]); mx = a > mx ? a : mx; }
    return mx;
}

__attribute__((target("avx512f,avx512bw")))
static void quantize_row_512(const float *r, int K, int Kp, float inv, int8_t *q) {
    const __m512 s = _mm512_set1_ps(inv), hi = _mm512_set1_ps(127.0f), lo = _mm512_set1_ps(-127.0f);
    int k = 0;
    for (; k + 16 <= K; k += 16) {
        __m512 v = _mm512_min_ps(_mm512_max_ps(_mm512_mul_ps(_mm512_loadu_ps(r + k), s), lo), hi);
        _mm_storeu_si128((__m128i *)(q + k), _mm512_cvtsepi32_epi8(_mm512_cvtps_epi32(v)));
    }
    for (; k < K; k++) { float v = r[k] * inv; v = v > 127 ? 127 : (v < -127 ? -127 : v); q[k] = (int8_t)rintf(v); }
    for (; k < Kp; k++) q[k] = 0;
}
#endif

static int has_avx512bw(void) {
    uint32_t need = CLIPZ_CPU_AVX512F | CLIPZ_CPU_AVX512BW;
    return (clipz_cpu_features() & need) == need;
}

void clipz_quantize_rows(const float *x, int M, int K, int8_t *xq, float *scales) {
    int Kp = k4_of(K) * 4, wide = has_avx512bw();
    (void)wide;
    for (int m = 0; m < M; m++) {
        const float *r = x + (size_t)m * K;
        float mx;
#if defined(__x86_64__)
        mx = wide ? absmax_512(r, K) : absmax_c(r, K);
#else
        mx = absmax_c(r, K);
#endif
        float s = mx > 0 ? mx / 127.0f : 1.0f;
        scales[m] = s;
#if defined(__x86_64__)
        if (wide) { quantize_row_512(r, K, Kp, 1.0f / s, xq + (size_t)m * Kp); continue; }
#endif
        quantize_row_c(r, K, Kp, 1.0f / s, xq + (size_t)m * Kp);
    }
}

void clipz_quantize_rows_static(const float *x, int M, int K, float inv_scale, int8_t *xq) {
    int Kp = k4_of(K) * 4, wide = has_avx512bw();
    (void)wide;
    for (int m = 0; m < M; m++) {
#if defined(__x86_64__)
        if (wide) { quantize_row_512(x + (size_t)m * K, K, Kp, inv_scale, xq + (size_t)m * Kp); continue; }
#endif
        quantize_row_c(x + (size_t)m * K, K, Kp, inv_scale, xq + (size_t)m * Kp);
    }
}

/// Scalar reference of clipz_quantize_rows (tests compare the dispatched path with it).
void clipz_quantize_rows_ref(const float *x, int M, int K, int8_t *xq, float *scales) {
    int Kp = k4_of(K) * 4;
    for (int m = 0; m < M; m++) {
        const float *r = x + (size_t)m * K;
        float s = clipz_int8_row_scale(r, (size_t)K);
        scales[m] = s;
        for (int k = 0; k < K; k++) { float v = r[k] * (1.0f / s); v = v > 127 ? 127 : (v < -127 ? -127 : v); xq[(size_t)m * Kp + k] = (int8_t)rintf(v); }
        for (int k = K; k < Kp; k++) xq[(size_t)m * Kp + k] = 0;
    }
}

static inline void epilogue(float *yr, const int32_t *acc, int n0, int count, float sxm, const float *sw, const float *bias,
                            int accumulate, clipz_act act) {
    for (int l = 0; l < count; l++) {
        int n = n0 + l;
        float v = clipz_act_scalar((float)acc[l] * sxm * sw[n] + (bias ? bias[n] : 0.0f), act);
        yr[n] = accumulate ? yr[n] + v : v;
    }
}

static void gemm_scalar(const int8_t *xq, const float *sx, int M, int K, const int8_t *packed, const float *sw,
                        const float *bias, float *y, int ldy, int N, int n_begin, int n_end, int accumulate, clipz_act act) {
    int K4 = k4_of(K), Kp = K4 * 4;
    for (int m = 0; m < M; m++) {
        const int8_t *xr = xq + (size_t)m * Kp;
        for (int nb = n_begin / 16; nb * 16 < n_end; nb++) {
            int32_t acc[16] = {0};
            const int8_t *pb = packed + (size_t)nb * K4 * 64;
            for (int k4 = 0; k4 < K4; k4++)
                for (int lane = 0; lane < 16; lane++)
                    for (int j = 0; j < 4; j++) acc[lane] += (int32_t)xr[k4 * 4 + j] * pb[k4 * 64 + lane * 4 + j];
            int count = n_end - nb * 16 < 16 ? n_end - nb * 16 : 16;
            epilogue(y + (size_t)m * ldy, acc, nb * 16, count, sx[m], sw, bias, accumulate, act);
        }
    }
}

#if defined(__x86_64__)
__attribute__((target("avx512f,avx512bw")))
static void offset_512(const uint8_t *src, uint8_t *dst, size_t n) {
    const __m512i f = _mm512_set1_epi8((char)0x80);
    size_t i = 0;
    for (; i + 64 <= n; i += 64) _mm512_storeu_si512((void *)(dst + i), _mm512_xor_si512(_mm512_loadu_si512((const void *)(src + i)), f));
    for (; i < n; i++) dst[i] = (uint8_t)(src[i] ^ 0x80);
}
#endif

void clipz_i8_offset(const uint8_t *src, uint8_t *dst, size_t n) {
    size_t i = 0;
#if defined(__x86_64__)
    if (has_avx512bw()) { offset_512(src, dst, n); return; }
#endif
    for (; i < n; i++) dst[i] = (uint8_t)(src[i] ^ 0x80);
}

// Per-thread buffer for the flipped activations, grown as needed and kept (a fresh allocation per
// call cost page faults on every GEMM of a batch). Bounded by the largest activation matrix.
static _Thread_local uint8_t *flip_data;
static _Thread_local size_t flip_size;
static uint8_t *flip_buffer(size_t bytes) {
    if (bytes > flip_size) {
        free(flip_data);
        flip_data = (uint8_t *)aligned_alloc(64, bytes);
        flip_size = flip_data ? bytes : 0;
    }
    return flip_data;
}

// M rows of activations with the sign bit of every byte flipped (int8 x ↔ unsigned x + 128), in the
// per-thread buffer; NULL when that cannot grow.
static const uint8_t *flipped(const void *x, int M, int K) {
    size_t total = (size_t)M * (size_t)(k4_of(K) * 4);
    uint8_t *buf = flip_buffer((total + 63) / 64 * 64);
    if (buf) clipz_i8_offset((const uint8_t *)x, buf, total);
    return buf;
}

#if defined(__x86_64__)
// AVX2 tile: R ≤ 4 rows × 16 columns (8 ymm accumulators). Per k4 and row, 4 activation bytes are
// broadcast once. `narrow` (a constant after inlining): x is stored x + 128 and the weights fit 7 bits,
// so vpmaddubsw takes them as they are; otherwise x is signed, |x| goes in and sign(w, x) moves x's sign
// onto the weights, so no pair exceeds 2·127·127.
__attribute__((target("avx2,fma"), always_inline)) static inline
void tile_avx2(const int R, const int narrow, const int8_t *x0, int Kp, int K4, const int8_t *pb, __m256i acc[4][2]) {
    const __m256i ones = _mm256_set1_epi16(1);
    for (int r = 0; r < R; r++) { acc[r][0] = _mm256_setzero_si256(); acc[r][1] = _mm256_setzero_si256(); }
    for (int k4 = 0; k4 < K4; k4++) {
        __m256i w0 = _mm256_loadu_si256((const __m256i *)(pb + k4 * 64));
        __m256i w1 = _mm256_loadu_si256((const __m256i *)(pb + k4 * 64 + 32));
        for (int r = 0; r < R; r++) {
            int32_t b; memcpy(&b, x0 + (size_t)r * Kp + k4 * 4, 4);
            __m256i v = _mm256_set1_epi32(b);
            __m256i u = narrow ? v : _mm256_sign_epi8(v, v);
            __m256i v0 = narrow ? w0 : _mm256_sign_epi8(w0, v), v1 = narrow ? w1 : _mm256_sign_epi8(w1, v);
            acc[r][0] = _mm256_add_epi32(acc[r][0], _mm256_madd_epi16(_mm256_maddubs_epi16(u, v0), ones));
            acc[r][1] = _mm256_add_epi32(acc[r][1], _mm256_madd_epi16(_mm256_maddubs_epi16(u, v1), ones));
        }
    }
}

// Dequantize, bias and activation for R rows × 16 columns, vectorised: (sums − 128·colsum[n] for offset
// activations) × sx[m] × sw[n] + bias[n], staged, activated by the shared activation loop (fast_math.h's
// exp), then written (+ y when accumulating).
__attribute__((target("avx2,fma"))) static void epilogue_avx2(int R, __m256i acc[4][2], const int32_t *cs16, float *y, int ldy, int n0,
                                                            int count, const float *sx, const float *sw16, const float *bias16,
                                                            int accumulate, clipz_act act) {
    __attribute__((aligned(32))) float staged[4 * 16];
    __m256 s0 = _mm256_loadu_ps(sw16), s1 = _mm256_loadu_ps(sw16 + 8);
    __m256 b0 = _mm256_loadu_ps(bias16), b1 = _mm256_loadu_ps(bias16 + 8);
    __m256i c0 = _mm256_slli_epi32(_mm256_loadu_si256((const __m256i *)cs16), 7);
    __m256i c1 = _mm256_slli_epi32(_mm256_loadu_si256((const __m256i *)(cs16 + 8)), 7);
    for (int r = 0; r < R; r++) {
        __m256 m = _mm256_set1_ps(sx[r]);
        __m256i a0 = _mm256_sub_epi32(acc[r][0], c0), a1 = _mm256_sub_epi32(acc[r][1], c1);
        _mm256_store_ps(staged + r * 16, _mm256_fmadd_ps(_mm256_mul_ps(_mm256_cvtepi32_ps(a0), m), s0, b0));
        _mm256_store_ps(staged + r * 16 + 8, _mm256_fmadd_ps(_mm256_mul_ps(_mm256_cvtepi32_ps(a1), m), s1, b1));
    }
    clipz_finish_tile16(staged, R, y + n0, ldy, count, accumulate, act);
}

// `narrow`: xq holds offset activations (x + 128) and every weight lies in [-64, 63]; else signed xq.
__attribute__((target("avx2,fma")))
static void gemm_avx2(const int8_t *xq, const float *sx, int M, int K, const int8_t *packed, const int32_t *colsum, int narrow,
                      const float *sw, const float *bias, float *y, int ldy, int N, int n_begin, int n_end, int accumulate, clipz_act act) {
    int K4 = k4_of(K), Kp = K4 * 4, tiles = (M + 3) / 4;
    (void)N;
    for (int nb = n_begin / 16; nb * 16 < n_end; nb++) {
        const int8_t *pb = packed + (size_t)nb * K4 * 64, *next = (nb + 1) * 16 < n_end ? pb + (size_t)K4 * 64 : NULL;
        int n0 = nb * 16, count = n_end - n0 < 16 ? n_end - n0 : 16;
        float sw16[16] = {0}, b16[16] = {0};
        int32_t cs16[16] = {0};
        memcpy(sw16, sw + n0, sizeof(float) * (size_t)count);
        if (bias) memcpy(b16, bias + n0, sizeof(float) * (size_t)count);
        if (narrow) memcpy(cs16, colsum + n0, sizeof(int32_t) * (size_t)count);
        for (int m = 0; m < M; m += 4) {
            int rows = M - m < 4 ? M - m : 4;
            __m256i acc[4][2];
            const int8_t *x0 = xq + (size_t)m * Kp;
            clipz_prefetch_burst(clipz_prefetch_slice(next, (size_t)K4 * 64, m / 4, tiles, K4));
#define CLIPZ_AVX2_TILE(R) narrow ? tile_avx2(R, 1, x0, Kp, K4, pb, acc) : tile_avx2(R, 0, x0, Kp, K4, pb, acc)
            switch (rows) {
            case 4: CLIPZ_AVX2_TILE(4); break;
            case 3: CLIPZ_AVX2_TILE(3); break;
            case 2: CLIPZ_AVX2_TILE(2); break;
            default: CLIPZ_AVX2_TILE(1); break;
            }
#undef CLIPZ_AVX2_TILE
            epilogue_avx2(rows, acc, cs16, y + (size_t)m * ldy, ldy, n0, count, sx + m, sw16, b16, accumulate, act);
        }
    }
}


// One R-row × 32-column tile (R ≤ 8 a constant after inlining: 2·R zmm accumulators) over the full K, with
// the epilogue: (sums − 128·colsum) × sx × sw + bias, then the activation, or + y when accumulating.
// Activation and residual never come together here (the dispatchers route that case); an activated
// tile is staged in `tile` and written by clipz_act_tile.
__attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni"), always_inline)) static inline
void tile_vnni(const int R, const uint8_t *x0, int Kp, int K4, const int8_t *p0, const int8_t *p1, const float *sx, float *y, int ldy,
               __mmask16 k0, __mmask16 k1, int two, __m512i cs0, __m512i cs1, __m512 sw0, __m512 sw1, __m512 b0, __m512 b1,
               int accumulate, clipz_act act, clipz_prefetch pf) {
    __m512i a0[8], a1[8];
    for (int r = 0; r < R; r++) { a0[r] = _mm512_setzero_si512(); a1[r] = _mm512_setzero_si512(); }
    CLIPZ_ROW_POINTERS(uint8_t, xr, 8, R, x0, Kp)
    for (int c0 = 0, c1; c0 < K4; c0 = c1) {
        c1 = clipz_prefetch_chunk(&pf, c0, K4);
        for (int k4 = c0; k4 < c1; k4++) {
            __m512i w0 = _mm512_loadu_si512((const void *)(p0 + k4 * 64));
            __m512i w1 = _mm512_loadu_si512((const void *)(p1 + k4 * 64));
            for (int r = 0; r < R; r++) {
                int32_t b; memcpy(&b, xr[r] + k4 * 4, 4);
                __m512i v = _mm512_set1_epi32(b);
                a0[r] = _mm512_dpbusd_epi32(a0[r], v, w0);
                a1[r] = _mm512_dpbusd_epi32(a1[r], v, w1);
            }
        }
    }
    int staged = act != CLIPZ_ACT_NONE && act != CLIPZ_ACT_GELU;
    __attribute__((aligned(64))) float tile[8 * 32];
    for (int r = 0; r < R; r++) {
        __m512 s = _mm512_set1_ps(sx[r]);
        float *yr = y + (size_t)r * ldy;
        __m512 v0 = _mm512_fmadd_ps(_mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_sub_epi32(a0[r], cs0)), s), sw0, b0);
        __m512 v1 = _mm512_fmadd_ps(_mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_sub_epi32(a1[r], cs1)), s), sw1, b1);
        if (staged) { _mm512_store_ps(tile + r * 32, v0); _mm512_store_ps(tile + r * 32 + 16, v1); continue; }
        if (accumulate) v0 = _mm512_add_ps(v0, _mm512_maskz_loadu_ps(k0, yr));
        _mm512_mask_storeu_ps(yr, k0, v0);
        if (two) {
            if (accumulate) v1 = _mm512_add_ps(v1, _mm512_maskz_loadu_ps(k1, yr + 16));
            _mm512_mask_storeu_ps(yr + 16, k1, v1);
        }
    }
    if (staged) clipz_act_tile(tile, R, y, ldy, k0, two ? k1 : 0, act);
}

// VNNI GEMM on activations pre-flipped to unsigned: blocks of 32 columns, rows in equal tiles of ≤ 8
// (196 rows → 25 tiles of 7 or 8, not 24 × 8 + a half-empty one; 50 → 7 tiles, not 6 × 8 + 2).
__attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni")))
static void gemm_vnni_core(const uint8_t *xu, const float *sx, int M, int K, const int8_t *packed, const int32_t *colsum,
                           const float *sw, const float *bias, float *y, int ldy, int N, int n_begin, int n_end, int accumulate, clipz_act act) {
    int K4 = k4_of(K), Kp = K4 * 4, tiles = (M + 7) / 8;
    (void)N;
    for (int nb = n_begin / 16; nb * 16 < n_end; nb += 2) {
        int two = (nb + 1) * 16 < n_end;
        const int8_t *p0 = packed + (size_t)nb * K4 * 64, *p1 = two ? p0 + (size_t)K4 * 64 : p0;
        // The next pair of blocks (one when only one is left).
        int next_blocks = (nb + 2) * 16 >= n_end ? 0 : (nb + 3) * 16 < n_end ? 2 : 1;
        const int8_t *next = next_blocks ? p0 + (size_t)2 * K4 * 64 : NULL;
        int n0 = nb * 16;
        int c0 = n_end - n0 < 16 ? n_end - n0 : 16, c1 = two ? (n_end - n0 - 16 < 16 ? n_end - n0 - 16 : 16) : 0;
        __mmask16 k0 = (__mmask16)((1u << c0) - 1), k1 = (__mmask16)((1u << c1) - 1);
        __m512i cs0 = _mm512_slli_epi32(_mm512_maskz_loadu_epi32(k0, colsum + n0), 7);
        __m512i cs1 = _mm512_slli_epi32(_mm512_maskz_loadu_epi32(k1, colsum + n0 + 16), 7);
        __m512 sw0 = _mm512_maskz_loadu_ps(k0, sw + n0), sw1 = _mm512_maskz_loadu_ps(k1, sw + n0 + 16);
        __m512 b0 = bias ? _mm512_maskz_loadu_ps(k0, bias + n0) : _mm512_setzero_ps();
        __m512 b1 = bias ? _mm512_maskz_loadu_ps(k1, bias + n0 + 16) : _mm512_setzero_ps();
        for (int t = 0; t < tiles; t++) {
            int r0 = (int)((long)M * t / tiles), r1 = (int)((long)M * (t + 1) / tiles);
            const uint8_t *x0 = xu + (size_t)r0 * Kp;
            float *y0 = y + (size_t)r0 * ldy + n0;
            clipz_prefetch pf = clipz_prefetch_slice(next, (size_t)next_blocks * K4 * 64, t, tiles, K4);
            switch (r1 - r0) {
#define CASE(R) case R: tile_vnni(R, x0, Kp, K4, p0, p1, sx + r0, y0, ldy, k0, k1, two, cs0, cs1, sw0, sw1, b0, b1, accumulate, act, pf); break;
            CASE(1) CASE(2) CASE(3) CASE(4) CASE(5) CASE(6) CASE(7) CASE(8)
#undef CASE
            default: break;
            }
        }
    }
    // Exact-erf GELU is never fused: it runs afterwards through the shared activation kernel.
    if (act == CLIPZ_ACT_GELU) clipz_gelu_columns(y, M, ldy, n_begin, n_end);
}

// Activations as x + 128 (unsigned): x XOR 0x80, once per call into a per-thread buffer, unless the
// caller quantized them that way already (clipz_i8_gemm_offset).
__attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni")))
static void gemm_vnni(const int8_t *xq, const float *sx, int M, int K, const int8_t *packed, const int32_t *colsum,
                      const float *sw, const float *bias, float *y, int ldy, int N, int n_begin, int n_end, int accumulate, clipz_act act) {
    const uint8_t *xu = flipped(xq, M, K);
    if (!xu) { gemm_scalar(xq, sx, M, K, packed, sw, bias, y, ldy, N, n_begin, n_end, accumulate, act); return; }
    gemm_vnni_core(xu, sx, M, K, packed, colsum, sw, bias, y, ldy, N, n_begin, n_end, accumulate, act);
}
#endif

#if defined(__aarch64__)
#include <arm_neon.h>
// The NEON kernels are compiled for their extensions (function target attributes) whatever the build's
// -march, and dispatched only where the kernel reports the feature (cpu.c: HWCAP_ASIMDDP, HWCAP2_I8MM).
#define CLIPZ_TARGET_DOTPROD __attribute__((target("arch=armv8.2-a+dotprod")))
#define CLIPZ_TARGET_I8MM __attribute__((target("arch=armv8.2-a+i8mm")))

// NEON sdot (FEAT_DotProd): signed × signed, so no offset trick. One 16-column block is 4 vectors of
// 4 lanes × 4 k; each row's 4 activation bytes are broadcast to every lane. Tile: 4 rows × 16 columns =
// 16 int32x4 accumulators.
CLIPZ_TARGET_DOTPROD
static void gemm_neon(const int8_t *xq, const float *sx, int M, int K, const int8_t *packed, const float *sw,
                      const float *bias, float *y, int ldy, int N, int n_begin, int n_end, int accumulate, clipz_act act) {
    int K4 = k4_of(K), Kp = K4 * 4;
    (void)N;
    for (int nb = n_begin / 16; nb * 16 < n_end; nb++) {
        const int8_t *pb = packed + (size_t)nb * K4 * 64;
        int count = n_end - nb * 16 < 16 ? n_end - nb * 16 : 16;
        for (int m = 0; m < M; m += 4) {
            int rows = M - m < 4 ? M - m : 4;
            int32x4_t acc[4][4];
            for (int r = 0; r < 4; r++) for (int q = 0; q < 4; q++) acc[r][q] = vdupq_n_s32(0);
            const int8_t *xr[4];
            for (int r = 0; r < 4; r++) xr[r] = xq + (size_t)(m + (r < rows ? r : 0)) * Kp;
            for (int k4 = 0; k4 < K4; k4++) {
                int8x16_t w0 = vld1q_s8(pb + k4 * 64), w1 = vld1q_s8(pb + k4 * 64 + 16);
                int8x16_t w2 = vld1q_s8(pb + k4 * 64 + 32), w3 = vld1q_s8(pb + k4 * 64 + 48);
                for (int r = 0; r < 4; r++) {
                    int32_t b; memcpy(&b, xr[r] + k4 * 4, 4);
                    int8x16_t v = vreinterpretq_s8_s32(vdupq_n_s32(b));
                    acc[r][0] = vdotq_s32(acc[r][0], w0, v); acc[r][1] = vdotq_s32(acc[r][1], w1, v);
                    acc[r][2] = vdotq_s32(acc[r][2], w2, v); acc[r][3] = vdotq_s32(acc[r][3], w3, v);
                }
            }
            for (int r = 0; r < rows; r++) {
                int32_t out[16];
                for (int q = 0; q < 4; q++) vst1q_s32(out + 4 * q, acc[r][q]);
                epilogue(y + (size_t)(m + r) * ldy, out, nb * 16, count, sx[m + r], sw, bias, accumulate, act);
            }
        }
    }
}

// NEON smmla (FEAT_I8MM): vmmlaq_s32(acc, a, b) multiplies a 2 × 8 int8 matrix a (two rows of 8 k) by
// the transpose of a 2 × 8 matrix b (two output columns of 8 k) into acc's 2 × 2 int32 block
// [r0·c0, r0·c1, r1·c0, r1·c1]: 32 products per instruction, twice sdot's 16.
// Both operands want 8 consecutive k of one row or column, which the shared packing (4 k per column)
// does not give, so per call the activations are interleaved into row pairs,
//   xi[(p·K8 + k8)·16 + h·8 + j] = xq[2p + h][k8·8 + j]       (K8 = ceil(K4 / 2), zero padded),
// and per 16-column block the weights into column pairs, with one zip per 4 columns × 8 k,
//   wb[(k8·8 + c)·16 + h·8 + j] = W[16·nb + 2c + h][k8·8 + j],
// each reused by every row tile. Tile: 4 row pairs × 4 column pairs (8 rows × 8 columns) = 16 int32x4
// accumulators, 4 + 4 loads per 16 smmla.
static _Thread_local int8_t *mmla_data;
static _Thread_local size_t mmla_size;
static int8_t *mmla_buffer(size_t bytes) {
    if (bytes > mmla_size) {
        free(mmla_data);
        mmla_data = (int8_t *)aligned_alloc(64, (bytes + 63) / 64 * 64);
        mmla_size = mmla_data ? bytes : 0;
    }
    return mmla_data;
}

// RP row pairs (≤ 4, a constant after inlining) × 8 columns; xp: the first pair's interleaved rows,
// w8: the block's column pairs 4·half .. 4·half + 3 (row stride 128 bytes per k8).
CLIPZ_TARGET_I8MM __attribute__((always_inline)) static inline
void tile_i8mm(const int RP, const int8_t *xp, int K8, const int8_t *w8, int32x4_t acc[4][4]) {
    for (int p = 0; p < RP; p++) for (int c = 0; c < 4; c++) acc[p][c] = vdupq_n_s32(0);
    for (int k8 = 0; k8 < K8; k8++) {
        const int8_t *wk = w8 + (size_t)k8 * 128;
        int8x16_t b0 = vld1q_s8(wk), b1 = vld1q_s8(wk + 16), b2 = vld1q_s8(wk + 32), b3 = vld1q_s8(wk + 48);
        for (int p = 0; p < RP; p++) {
            int8x16_t a = vld1q_s8(xp + ((size_t)p * K8 + k8) * 16);
            acc[p][0] = vmmlaq_s32(acc[p][0], a, b0); acc[p][1] = vmmlaq_s32(acc[p][1], a, b1);
            acc[p][2] = vmmlaq_s32(acc[p][2], a, b2); acc[p][3] = vmmlaq_s32(acc[p][3], a, b3);
        }
    }
}

CLIPZ_TARGET_I8MM
static void gemm_i8mm(const int8_t *xq, const float *sx, int M, int K, const int8_t *packed, const float *sw,
                      const float *bias, float *y, int ldy, int N, int n_begin, int n_end, int accumulate, clipz_act act) {
    int K4 = k4_of(K), Kp = K4 * 4, K8 = (K4 + 1) / 2, MP = (M + 1) / 2;
    size_t xi_bytes = (size_t)MP * K8 * 16, wb_bytes = (size_t)K8 * 128;
    int8_t *xi = mmla_buffer(xi_bytes + wb_bytes);
    if (!xi) { gemm_scalar(xq, sx, M, K, packed, sw, bias, y, ldy, N, n_begin, n_end, accumulate, act); return; }
    int8_t *wb = xi + xi_bytes;
    // Row pairs: 8 bytes of each row per k8; a missing odd row and the k past Kp are zeros.
    for (int p = 0; p < MP; p++)
        for (int h = 0; h < 2; h++) {
            int m = 2 * p + h;
            for (int k8 = 0; k8 < K8; k8++) {
                int8_t *dst = xi + ((size_t)p * K8 + k8) * 16 + h * 8;
                int k = k8 * 8, have = m < M ? (Kp - k < 8 ? Kp - k : 8) : 0;
                if (have > 0) memcpy(dst, xq + (size_t)m * Kp + k, (size_t)have);
                if (have < 8) memset(dst + (have > 0 ? have : 0), 0, (size_t)(8 - (have > 0 ? have : 0)));
            }
        }
    for (int nb = n_begin / 16; nb * 16 < n_end; nb++) {
        const int8_t *pb = packed + (size_t)nb * K4 * 64;
        // Column pairs: the packing's 4-byte lanes of k4 and k4 + 1, zipped (lane l of k4, lane l of k4 + 1).
        for (int k8 = 0; k8 < K8; k8++) {
            const int8_t *lo = pb + (size_t)(2 * k8) * 64;
            for (int t = 0; t < 4; t++) {
                int32x4_t a = vreinterpretq_s32_s8(vld1q_s8(lo + 16 * t));
                int32x4_t b = 2 * k8 + 1 < K4 ? vreinterpretq_s32_s8(vld1q_s8(lo + 64 + 16 * t)) : vdupq_n_s32(0);
                vst1q_s8(wb + ((size_t)k8 * 8 + 2 * t) * 16, vreinterpretq_s8_s32(vzip1q_s32(a, b)));
                vst1q_s8(wb + ((size_t)k8 * 8 + 2 * t + 1) * 16, vreinterpretq_s8_s32(vzip2q_s32(a, b)));
            }
        }
        int n0 = nb * 16;
        for (int p0 = 0; p0 < MP; p0 += 4) {
            int rp = MP - p0 < 4 ? MP - p0 : 4;
            const int8_t *xp = xi + (size_t)p0 * K8 * 16;
            for (int half = 0; half < 2; half++) {
                int c0 = n0 + half * 8, count = n_end - c0 < 8 ? n_end - c0 : 8;
                if (count <= 0) break;
                int32x4_t acc[4][4];
                switch (rp) {
                case 4: tile_i8mm(4, xp, K8, wb + half * 64, acc); break;
                case 3: tile_i8mm(3, xp, K8, wb + half * 64, acc); break;
                case 2: tile_i8mm(2, xp, K8, wb + half * 64, acc); break;
                default: tile_i8mm(1, xp, K8, wb + half * 64, acc); break;
                }
                // acc[p][c] = [r0·c0, r0·c1, r1·c0, r1·c1]: the low halves of two blocks are 4 columns of
                // the pair's first row, the high halves of its second.
                for (int p = 0; p < rp; p++)
                    for (int h = 0; h < 2; h++) {
                        int m = 2 * (p0 + p) + h;
                        if (m >= M) break;
                        int32_t out[8];
                        for (int c = 0; c < 4; c += 2) {
                            int64x2_t u = vreinterpretq_s64_s32(acc[p][c]), v = vreinterpretq_s64_s32(acc[p][c + 1]);
                            vst1q_s32(out + 2 * c, vreinterpretq_s32_s64(h ? vzip2q_s64(u, v) : vzip1q_s64(u, v)));
                        }
                        epilogue(y + (size_t)m * ldy, out, c0, count, sx[m], sw, bias, accumulate, act);
                    }
            }
        }
    }
}
#endif

static clipz_i8_path best_path(void) {
    uint32_t f = clipz_cpu_features();
#if defined(__aarch64__)
    if (f & CLIPZ_CPU_NEON_I8MM) return CLIPZ_I8_PATH_NEON_I8MM;
    if (f & CLIPZ_CPU_NEON_DOT) return CLIPZ_I8_PATH_NEON;
    return CLIPZ_I8_PATH_SCALAR;
#endif
    uint32_t vnni = CLIPZ_CPU_AVX512F | CLIPZ_CPU_AVX512BW | CLIPZ_CPU_AVX512VL | CLIPZ_CPU_AVX512VNNI;
    if ((f & vnni) == vnni) return CLIPZ_I8_PATH_VNNI;
    if (clipz_isa_level() >= CLIPZ_ISA_AVX2) return CLIPZ_I8_PATH_AVX2;
    return CLIPZ_I8_PATH_SCALAR;
}

const char *clipz_i8_kernel_name(void) {
    switch (best_path()) {
    case CLIPZ_I8_PATH_NEON_I8MM: return "neon-i8mm";
    case CLIPZ_I8_PATH_NEON: return "neon-sdot";
    case CLIPZ_I8_PATH_VNNI: return "avx512-vnni";
    case CLIPZ_I8_PATH_AVX2: return "avx2";  // the 7-bit-weight variant is named by the runtime, which knows the weights
    default: return "scalar";
    }
}

int clipz_i8_path_supported(clipz_i8_path path) {
    if (path == CLIPZ_I8_PATH_SCALAR) return 1;
#if defined(__aarch64__)
    // Each NEON path on its own feature: an i8mm CPU checks its sdot kernel too.
    uint32_t f = clipz_cpu_features();
    return (path == CLIPZ_I8_PATH_NEON && (f & CLIPZ_CPU_NEON_DOT)) || (path == CLIPZ_I8_PATH_NEON_I8MM && (f & CLIPZ_CPU_NEON_I8MM));
#else
    if (path == CLIPZ_I8_PATH_AVX2_NARROW) return best_path() >= CLIPZ_I8_PATH_AVX2;
    return (path == CLIPZ_I8_PATH_AVX2 || path == CLIPZ_I8_PATH_VNNI) && path <= best_path();
#endif
}

// Signed activations on `path` (AVX2_NARROW offsets them into the per-thread buffer first).
static void gemm_dispatch(clipz_i8_path path, const int8_t *xq, const float *sx, int M, int K, const int8_t *packed, const int32_t *colsum,
                          const float *sw, const float *bias, float *y, int ldy, int N, int n_begin, int n_end, int accumulate, clipz_act act) {
    if (M <= 0 || n_end <= n_begin) return;
    if (n_end > N) n_end = N;
#if defined(__aarch64__)
    if (path == CLIPZ_I8_PATH_NEON_I8MM) { gemm_i8mm(xq, sx, M, K, packed, sw, bias, y, ldy, N, n_begin, n_end, accumulate, act); return; }
    if (path == CLIPZ_I8_PATH_NEON) { gemm_neon(xq, sx, M, K, packed, sw, bias, y, ldy, N, n_begin, n_end, accumulate, act); return; }
#endif
#if defined(__x86_64__)
    if (path == CLIPZ_I8_PATH_VNNI) {
        if (act != CLIPZ_ACT_NONE && accumulate) gemm_scalar(xq, sx, M, K, packed, sw, bias, y, ldy, N, n_begin, n_end, accumulate, act);
        else gemm_vnni(xq, sx, M, K, packed, colsum, sw, bias, y, ldy, N, n_begin, n_end, accumulate, act);
        return;
    }
    if (path == CLIPZ_I8_PATH_AVX2) { gemm_avx2(xq, sx, M, K, packed, colsum, 0, sw, bias, y, ldy, N, n_begin, n_end, accumulate, act); return; }
    const uint8_t *xu = path == CLIPZ_I8_PATH_AVX2_NARROW ? flipped(xq, M, K) : NULL;
    if (xu) { gemm_avx2((const int8_t *)xu, sx, M, K, packed, colsum, 1, sw, bias, y, ldy, N, n_begin, n_end, accumulate, act); return; }
#endif
    (void)colsum;
    gemm_scalar(xq, sx, M, K, packed, sw, bias, y, ldy, N, n_begin, n_end, accumulate, act);
}

int clipz_i8_gemm_path(clipz_i8_path path, const int8_t *xq, const float *sx, int M, int K, const int8_t *packed, const int32_t *colsum,
                       const float *sw, const float *bias, float *y, int ldy, int N, int n_begin, int n_end, int accumulate, clipz_act act) {
    if (!clipz_i8_path_supported(path)) return -1;
    gemm_dispatch(path, xq, sx, M, K, packed, colsum, sw, bias, y, ldy, N, n_begin, n_end, accumulate, act);
    return 0;
}

void clipz_i8_gemm(const int8_t *xq, const float *sx, int M, int K, const int8_t *packed, const int32_t *colsum,
                   const float *sw, const float *bias, float *y, int ldy, int N, int n_begin, int n_end, int accumulate, clipz_act act) {
    gemm_dispatch(best_path(), xq, sx, M, K, packed, colsum, sw, bias, y, ldy, N, n_begin, n_end, accumulate, act);
}

int clipz_i8_takes_offset(void) { clipz_i8_path p = best_path(); return p == CLIPZ_I8_PATH_VNNI || p == CLIPZ_I8_PATH_AVX2; }

void clipz_i8_gemm_offset(const uint8_t *xu, const float *sx, int M, int K, const int8_t *packed, const int32_t *colsum, int narrow,
                          const float *sw, const float *bias, float *y, int ldy, int N, int n_begin, int n_end, int accumulate, clipz_act act) {
    if (M <= 0 || n_end <= n_begin) return;
    if (n_end > N) n_end = N;
#if defined(__x86_64__)
    clipz_i8_path best = best_path();
    if (best == CLIPZ_I8_PATH_VNNI && !(act != CLIPZ_ACT_NONE && accumulate)) {
        gemm_vnni_core(xu, sx, M, K, packed, colsum, sw, bias, y, ldy, N, n_begin, n_end, accumulate, act);
        return;
    }
    if (best == CLIPZ_I8_PATH_AVX2 && narrow) {
        gemm_avx2((const int8_t *)xu, sx, M, K, packed, colsum, 1, sw, bias, y, ldy, N, n_begin, n_end, accumulate, act);
        return;
    }
#endif
    (void)narrow;
    // Any other path wants signed activations: undo the offset into the per-thread buffer.
    const uint8_t *xq = flipped(xu, M, K);
    if (!xq) return;
    clipz_i8_gemm((const int8_t *)xq, sx, M, K, packed, colsum, sw, bias, y, ldy, N, n_begin, n_end, accumulate, act);
}
