// Softmax attention with bfloat16 inputs to both products, for int8 models: q, the keys (times the
// scale), the softmax weights and v are rounded to nearest-even bf16; products accumulate in fp32 and the
// softmax runs in fp32. AVX512_BF16's vdpbf16ps does two multiply-adds per fp32 lane, twice the rate of
// the fp32 FMAs in attention.c. In an int8 model q, k and v come from GEMMs whose inputs were already
// rounded to 8 bits (per token), so bf16's 8-bit significand adds an error of the same order, not more.
// CPUs without AVX512_BF16 (or CLIPZ_CPU_DISABLE=bf16), odd head sizes and heads under 16 channels (toy models:
// few channels average out little of the rounding; the 8-channel test models' int8 text tower fell below cosine
// 0.999 with it) run the fp32 kernel; head sizes that are not multiples of 16 (So400m's 72) have their last
// channels masked in every load and store. clipz_attention_head_bf16_ref is the plain reference the tests compare with.
#include "clipz_kernels.h"
#include "fast_math.h"
#include "attention_simd.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

/// x rounded to bfloat16 (nearest, ties to even; subnormals flushed to a signed zero), as
/// vcvtneps2bf16 rounds finite values, returned widened back to fp32.
static float round_bf16(float x) {
    uint32_t u;
    memcpy(&u, &x, 4);
    if ((u & 0x7F800000u) == 0) u &= 0x80000000u;
    else u = (u + 0x7FFFu + ((u >> 16) & 1)) & 0xFFFF0000u;
    memcpy(&x, &u, 4);
    return x;
}

void clipz_attention_head_bf16_ref(const float *q, const float *k, const float *v, float *out, int seq, int hd, int ld,
                                   int ldo, int causal, float scale) {
    if (seq <= 0 || hd <= 0) return;
    double *e = malloc((size_t)seq * sizeof(double));
    if (!e) return;
    for (int i = 0; i < seq; i++) {
        int n = causal ? i + 1 : seq;
        double mx = -INFINITY, sum = 0;
        for (int j = 0; j < n; j++) {
            double s = 0;
            for (int c = 0; c < hd; c++)
                s += (double)round_bf16(q[(size_t)i * ld + c]) * round_bf16(k[(size_t)j * ld + c] * scale);
            e[j] = s;
            mx = s > mx ? s : mx;
        }
        for (int j = 0; j < n; j++) { e[j] = exp(e[j] - mx); sum += e[j]; }
        for (int c = 0; c < hd; c++) {
            double acc = 0;
            for (int j = 0; j < n; j++) acc += (double)round_bf16((float)e[j]) * round_bf16(v[(size_t)j * ld + c]);
            out[(size_t)i * ldo + c] = (float)(acc / sum);
        }
    }
    free(e);
}

// Query rows per block; a block's buffers: fp32 scores [ROWS × seqp], bf16 weights [ROWS × seqp/2 words],
// bf16 queries [ROWS × hd/2 words].
#define ROWS 6
#define BLOCK_FLOATS(seqp, hd) ((size_t)ROWS * (seqp) + (size_t)ROWS * (seqp) / 2 + (size_t)ROWS * (hd) / 2)
/// Channels rounded up to whole 16-lane tiles: the row stride (in words) of the packed values.
#define PADDED(hd) (((hd) + 15) & ~15)

static int bf16_path(int hd) {
    uint32_t need = CLIPZ_CPU_AVX512F | CLIPZ_CPU_AVX512BF16;
    return hd % 2 == 0 && hd >= 16 && (clipz_cpu_features() & need) == need;
}

int clipz_attention_bf16_available(void) { return bf16_path(16); }

#if defined(__x86_64__)
// Layout (32-bit words, each a pair of bf16, the lower one first as vdpbf16ps pairs them):
//   kt [hd/2 × seqp]: word (c, j) = keys j's channels 2c, 2c+1 (times scale); keys past seq are zero.
//   vp [seqp/2 × PADDED(hd)]: word (j, c) = channel c of keys 2j, 2j+1; keys past seq and channels past hd
//   are zero.
// Per block of 6 query rows: q in bf16 pairs, fp32 scores of the block, then its bf16 weights, so that
// Q·Kᵀ, softmax and P·V of a block run while its rows are in L1.
#define BF16 __attribute__((target("avx512f,avx512bf16"), noinline))
#define INLINE_BF16 __attribute__((target("avx512f,avx512bf16"), always_inline)) static inline

INLINE_BF16 __m512i to_bf16_pairs(__m512 lo, __m512 hi) { return (__m512i)_mm512_cvtne2ps_pbh(hi, lo); }

/// Channels c0 .. c0 + 31 of a row as 16 bf16 pairs; channels at or past hd are zero and never read.
INLINE_BF16 __m512i row_pairs(const float *row, int c0, int hd, __m512 scale) {
    __m512 lo = _mm512_maskz_loadu_ps(first_lanes(hd - c0), row + c0);
    __m512 hi = _mm512_maskz_loadu_ps(first_lanes(hd - c0 - 16), row + c0 + 16);
    return to_bf16_pairs(_mm512_mul_ps(lo, scale), _mm512_mul_ps(hi, scale));
}

/// Broadcasts one 32-bit word (a bf16 pair).
INLINE_BF16 __m512bh pair_at(const uint32_t *p) {
    int w;
    memcpy(&w, p, 4);   // alias-safe; compiles to one vpbroadcastd from memory
    return (__m512bh)_mm512_set1_epi32(w);
}

/// Prefetches rows [i0, i1) of a [rows × hd] matrix with row stride ld: q, k and v are strided slices of the
/// q/k/v GEMM's output, usually in L3 by now, and the packing loops would otherwise wait on each line.
INLINE_BF16 void prefetch_rows(const float *x, int ld, int hd, int i0, int i1) {
    for (int i = i0; i < i1; i++)
        for (int c = 0; c < hd; c += 16) _mm_prefetch((const char *)(x + (size_t)i * ld + c), _MM_HINT_T0);
}

/// The same into L2, for a whole head's rows at its start.
INLINE_BF16 void prefetch_rows_l2(const float *x, int ld, int hd, int rows) {
    for (int i = 0; i < rows; i++)
        for (int c = 0; c < hd; c += 16) _mm_prefetch((const char *)(x + (size_t)i * ld + c), _MM_HINT_T1);
}

BF16 static void pack_keys(const float *k, int seq, int hd, int ld, float scale, uint32_t *kt, int seqp) {
    const __m512 sv = _mm512_set1_ps(scale);
    for (int j0 = 0; j0 < seqp; j0 += 16) {
        prefetch_rows(k, ld, hd, j0 + 16, j0 + 32 < seq ? j0 + 32 : seq);
        for (int c0 = 0; c0 < hd; c0 += 32) {
            int words = hd - c0 >= 32 ? 16 : (hd - c0) / 2;
            __m512 r[16];
            for (int j = 0; j < 16; j++)
                r[j] = j0 + j >= seq ? _mm512_setzero_ps() : _mm512_castsi512_ps(row_pairs(k + (size_t)(j0 + j) * ld, c0, hd, sv));
            transpose16(r);
            for (int m = 0; m < words; m++) _mm512_storeu_ps(kt + (size_t)(c0 / 2 + m) * seqp + j0, r[m]);
        }
    }
}

BF16 static void pack_values(const float *v, int seq, int hd, int ld, uint32_t *vp, int seqp) {
    int hdp = PADDED(hd);
    for (int jp = 0; jp < seqp / 2; jp++) {
        if (jp % 4 == 0) prefetch_rows(v, ld, hd, 2 * jp + 8, 2 * jp + 16 < seq ? 2 * jp + 16 : seq);
        for (int c0 = 0; c0 < hd; c0 += 16) {
            __mmask16 m = first_lanes(hd - c0);
            __m512i a = _mm512_setzero_si512(), b = _mm512_setzero_si512();
            const float *v0 = v + (size_t)(2 * jp) * ld + c0;
            if (2 * jp < seq) a = _mm512_cvtepu16_epi32((__m256i)_mm512_cvtneps_pbh(_mm512_maskz_loadu_ps(m, v0)));
            if (2 * jp + 1 < seq) b = _mm512_cvtepu16_epi32((__m256i)_mm512_cvtneps_pbh(_mm512_maskz_loadu_ps(m, v0 + ld)));
            _mm512_storeu_si512(vp + (size_t)jp * hdp + c0, _mm512_or_si512(a, _mm512_slli_epi32(b, 16)));
        }
    }
}

/// qb[r] = rows r < R of q in bf16 pairs (hd/2 words each).
BF16 static void pack_queries(const float *q, int ld, int hd, int rows, uint32_t *qb) {
    int hw = hd / 2;
    const __m512 one = _mm512_set1_ps(1.0f);
    for (int r = 0; r < rows; r++)
        for (int c0 = 0; c0 < hd; c0 += 32)
            _mm512_mask_storeu_epi32(qb + (size_t)r * hw + c0 / 2, first_lanes((hd - c0) / 2), row_pairs(q + (size_t)r * ld, c0, hd, one));
}

/// acc[r][t] = Σ_{i<n} a[r·lda + i] · b[i·ldb + 16t ..] over bf16 pairs, for r < R, t < T: each b load feeds R rows.
/// Q·Kᵀ runs it over channel pairs (a = queries, b = Kᵀ), P·V over key pairs (a = softmax weights, b = V).
INLINE_BF16 void pair_tile(const uint32_t *a, int lda, const uint32_t *b, int ldb, int n, int R, int T, __m512 acc[ROWS][4]) {
    for (int r = 0; r < R; r++) for (int t = 0; t < T; t++) acc[r][t] = _mm512_setzero_ps();
    for (int i = 0; i < n; i++) {
        __m512bh bv[4];
        for (int t = 0; t < T; t++) bv[t] = (__m512bh)_mm512_loadu_si512(b + (size_t)i * ldb + 16 * t);
        for (int r = 0; r < R; r++) {
            __m512bh av = pair_at(a + (size_t)r * lda + i);
            for (int t = 0; t < T; t++) acc[r][t] = _mm512_dpbf16_ps(acc[r][t], av, bv[t]);
        }
    }
}

/// s[r][16t ..] = Σ_c qb[r][c] · kt[c][16t ..] (pairs of channels) for r < R, t < T.
INLINE_BF16 void qk_tile(const uint32_t *qb, int hw, const uint32_t *kt, int seqp, float *s, int R, int T) {
    __m512 acc[ROWS][4];
    pair_tile(qb, hw, kt, seqp, hw, R, T, acc);
    for (int r = 0; r < R; r++) for (int t = 0; t < T; t++) _mm512_storeu_ps(s + (size_t)r * seqp + 16 * t, acc[r][t]);
}

/// o[r][16c ..] = inv[r] · Σ_{jp<pairs} p[r][jp] · vp[jp][16c ..] (pairs of keys) for r < R, c < C; vp has row
/// stride hdp words; the last tile writes only the lanes in `last`.
INLINE_BF16 void pv_tile(const uint32_t *p, int pw, const uint32_t *vp, int hdp, int pairs, const float *inv, float *o, int ldo,
                         int R, int C, __mmask16 last) {
    __m512 acc[ROWS][4];
    pair_tile(p, pw, vp, hdp, pairs, R, C, acc);
    for (int r = 0; r < R; r++) {
        __m512 sc = _mm512_set1_ps(inv[r]);
        for (int c = 0; c < C; c++)
            _mm512_mask_storeu_ps(o + (size_t)r * ldo + 16 * c, c == C - 1 ? last : (__mmask16)0xFFFF, _mm512_mul_ps(acc[r][c], sc));
    }
}

/// Softmax of the block's R score rows (row r is query i0 + r; it keeps its first causal ? i0+r+1 : seq
/// keys) into bf16 weights p[r] (seqp/2 words; masked keys 0), inv[r] = 1 / Σ exp (of the fp32 values).
INLINE_BF16 void softmax_tile(const float *s, int seqp, int i0, int R, int seq, int causal, uint32_t *p, float *inv) {
    int tiles = ((causal ? i0 + R : seq) + 15) / 16, pw = seqp / 2;
    __m512 mx[ROWS], sum[ROWS];
    score_row_max(s, seqp, i0, R, seq, causal, mx);
    for (int r = 0; r < R; r++) sum[r] = _mm512_setzero_ps();
    for (int t = 0; t < tiles; t++)
        for (int r = 0; r < R; r++) {
            __mmask16 m = kept_lanes(causal ? i0 + r + 1 : seq, t);
            __m512 x = _mm512_sub_ps(_mm512_maskz_loadu_ps(m, s + (size_t)r * seqp + 16 * t), mx[r]);
            __m512 e = _mm512_maskz_mov_ps(m, exp512_nonpositive_ps(x));
            sum[r] = _mm512_add_ps(sum[r], e);
            _mm256_storeu_si256((__m256i *)(p + (size_t)r * pw + 8 * t), (__m256i)_mm512_cvtneps_pbh(e));
        }
    for (int r = 0; r < R; r++) inv[r] = 1.0f / _mm512_reduce_add_ps(sum[r]);
}

// One inlined copy per (rows, tiles) shape, as in attention.c.
#define SHAPES(X, R) X(R, 1) X(R, 2) X(R, 3) X(R, 4)
#define ALL(X) SHAPES(X, 1) SHAPES(X, 2) SHAPES(X, 3) SHAPES(X, 4) SHAPES(X, 5) SHAPES(X, 6)
#define QK_CASE(R, T) case R * 8 + T: qk_tile(qb, hw, kt, seqp, s, R, T); break;
#define PV_CASE(R, C) case R * 8 + C: pv_tile(p, pw, vp, hdp, pairs, inv, o, ldo, R, C, last); break;
#define SOFTMAX_CASE(R) case R: softmax_tile(s, seqp, i0, R, seq, causal, p, inv); break;
BF16 static void qk_block(const uint32_t *qb, int hw, const uint32_t *kt, int seqp, float *s, int rows, int tiles) {
    switch (rows * 8 + tiles) { ALL(QK_CASE) default: break; }
}
BF16 static void pv_block(const uint32_t *p, int pw, const uint32_t *vp, int hdp, int pairs, const float *inv, float *o,
                          int ldo, int rows, int tiles, __mmask16 last) {
    switch (rows * 8 + tiles) { ALL(PV_CASE) default: break; }
}
BF16 static void softmax_rows(const float *s, int seqp, int i0, int rows, int seq, int causal, uint32_t *p, float *inv) {
    switch (rows) {
        SOFTMAX_CASE(1) SOFTMAX_CASE(2) SOFTMAX_CASE(3) SOFTMAX_CASE(4) SOFTMAX_CASE(5) SOFTMAX_CASE(6) default: break;
    }
}

BF16 static void attention_bf16(const float *q, const float *k, const float *v, float *out, int seq, int hd, int ld,
                                int ldo, float *scratch, int causal, float scale) {
    int seqp = (seq + 15) & ~15, hw = hd / 2, pw = seqp / 2, hdp = PADDED(hd);
    uint32_t *kt = (uint32_t *)scratch, *vp = kt + (size_t)hw * seqp;
    float *s = (float *)(vp + (size_t)pw * hdp);
    uint32_t *p = (uint32_t *)(s + (size_t)ROWS * seqp), *qb = p + (size_t)ROWS * pw;
    prefetch_rows(k, ld, hd, 0, seq < 16 ? seq : 16);
    prefetch_rows(v, ld, hd, 0, seq < 8 ? seq : 8);
    prefetch_rows(q, ld, hd, 0, seq < ROWS ? seq : ROWS);
    // Short heads (text: 64 tokens) are packed in a few hundred cycles, too short for the prefetches above
    // to run ahead: fetch all their rows (48 KB for 64 × 64) into L2 at once. A 196-token head measured
    // slower that way (150 KB in flight), so longer heads rely on the running prefetches alone.
    if ((size_t)seq * (size_t)hd <= 4096) {
        prefetch_rows_l2(k, ld, hd, seq);
        prefetch_rows_l2(v, ld, hd, seq);
        prefetch_rows_l2(q, ld, hd, seq);
    }
    pack_keys(k, seq, hd, ld, scale, kt, seqp);
    pack_values(v, seq, hd, ld, vp, seqp);
    for (int i0 = 0; i0 < seq; i0 += ROWS) {
        int rows = seq - i0 < ROWS ? seq - i0 : ROWS;
        int keys = causal ? i0 + rows : seq, tiles = (keys + 15) / 16;   // causal: keys the block's last row sees
        pack_queries(q + (size_t)i0 * ld, ld, hd, rows, qb);
        prefetch_rows(q, ld, hd, i0 + ROWS, i0 + 2 * ROWS < seq ? i0 + 2 * ROWS : seq);   // the next block's queries
        for (int t0 = 0; t0 < tiles; t0 += 4)
            qk_block(qb, hw, kt + 16 * t0, seqp, s + 16 * t0, rows, tiles - t0 < 4 ? tiles - t0 : 4);
        float inv[ROWS];
        softmax_rows(s, seqp, i0, rows, seq, causal, p, inv);
        int pairs = (keys + 1) / 2;   // rows shorter than keys have zero weights past their end
        for (int c0 = 0; c0 < hd; c0 += 64) {
            int tiles_c = (hdp - c0) / 16 < 4 ? (hdp - c0) / 16 : 4;
            pv_block(p, pw, vp + c0, hdp, pairs, inv, out + (size_t)i0 * ldo + c0, ldo, rows, tiles_c,
                     first_lanes(hd - c0 - 16 * (tiles_c - 1)));
        }
    }
}
#endif

size_t clipz_attention_scratch_floats(int seq, int hd) {
    if (seq <= 0 || hd <= 0) return 0;
    size_t seqp = ((size_t)seq + 15) & ~(size_t)15;
    size_t f32 = ((size_t)seq + (size_t)hd) * seqp;
    size_t bf16 = (size_t)hd / 2 * seqp + seqp / 2 * (size_t)PADDED(hd) + BLOCK_FLOATS(seqp, (size_t)hd);
    return f32 > bf16 ? f32 : bf16;
}

void clipz_attention_head_bf16(const float *q, const float *k, const float *v, float *out, int seq, int hd, int ld,
                               int ldo, float *scratch, int causal, float scale) {
    if (seq <= 0 || hd <= 0) return;
#if defined(__x86_64__)
    if (bf16_path(hd)) { attention_bf16(q, k, v, out, seq, hd, ld, ldo, scratch, causal, scale); return; }
#endif
    clipz_attention_head(q, k, v, out, seq, hd, ld, ldo, scratch, causal, scale);
}
