// Softmax attention for one (sequence, head): out = softmax(q·kᵀ [causal mask]) · v.
// A plain C reference path, an AVX2 + FMA path and an AVX-512 path; both SIMD paths mask the last channels of
// head sizes that are not multiples of 16.
#include "clipz_kernels.h"
#include "fast_math.h"
#include "isa_dispatch.h"
#include <math.h>

/// Writes K [seq × hd] (row stride ld) transposed into kt [hd × seqp], zero padded; returns kt.
static float *transpose_keys(const float *k, int seq, int hd, int ld, float *kt, float scale) {
    int seqp = (seq + 15) & ~15;
    for (int c = 0; c < hd; c++) {
        float *row = kt + (size_t)c * seqp;
        for (int j = 0; j < seq; j++) row[j] = k[(size_t)j * ld + c] * scale;
        for (int j = seq; j < seqp; j++) row[j] = 0;
    }
    return kt;
}

/// Replaces s[0..n) by exp(s[j] - max) and returns their sum (the softmax before its 1/sum).
static inline float exp_shifted(float *s, int n) {
    float mx = -INFINITY;
    for (int j = 0; j < n; j++) mx = s[j] > mx ? s[j] : mx;
    float sum = 0;
    for (int j = 0; j < n; j++) { float e = fast_exp(s[j] - mx); s[j] = e; sum += e; }
    return sum;
}

static void attention_generic(const float *q, const float *k, const float *v, float *out, int seq, int hd, int ld, int ldo,
                              float *scratch, int causal, float scale) {
    // scratch: [seq × seqp] scores, then K transposed [hd × seqp] (seqp = seq rounded up to 16, zero
    // padded), so that both products run over 16-wide register tiles with no horizontal reductions.
    int seqp = (seq + 15) & ~15;
    float *scores = scratch, *kt = transpose_keys(k, seq, hd, ld, scratch + (size_t)seq * seqp, scale);
    for (int i = 0; i < seq; i++) {
        const float *qi = q + (size_t)i * ld;
        float *s = scores + (size_t)i * seqp;
        int n = causal ? i + 1 : seq;
        for (int j0 = 0; j0 < n; j0 += 16) {
            float acc[16] = {0};
            for (int c = 0; c < hd; c++) {
                float qc = qi[c];
                const float *kc = kt + (size_t)c * seqp + j0;
                for (int jj = 0; jj < 16; jj++) acc[jj] += qc * kc[jj];
            }
            for (int jj = 0; jj < 16; jj++) s[j0 + jj] = acc[jj];
        }
        float inv = 1.0f / exp_shifted(s, n);
        float *o = out + (size_t)i * ldo;
        int c0 = 0;
        for (; c0 + 16 <= hd; c0 += 16) {
            float acc[16] = {0};
            for (int j = 0; j < n; j++) {
                const float *vj = v + (size_t)j * ld + c0;
                float p = s[j];
                for (int cc = 0; cc < 16; cc++) acc[cc] += p * vj[cc];
            }
            for (int cc = 0; cc < 16; cc++) o[c0 + cc] = acc[cc] * inv;
        }
        for (; c0 < hd; c0++) {
            float acc = 0;
            for (int j = 0; j < n; j++) acc += s[j] * v[(size_t)j * ld + c0];
            o[c0] = acc * inv;
        }
    }
}

#if defined(__x86_64__)
#include "attention_simd.h"
// AVX-512 path. Q·Kᵀ: Kᵀ is built with 16 × 16 register transposes, then each K vector load feeds 6
// query rows (6 × 4 accumulators). Softmax: masked vector max / exp / sum, 6 rows interleaved.
// P·V: each V vector load feeds 6 query rows (6 × 4 accumulators of 16 channels). Both products run
// at about one 512-bit FMA per cycle on Zen 4; a causal block stops at its last row's keys.
#define AVX512 __attribute__((target("avx512f"), noinline))

/// kt [hd × seqp] = Kᵀ in 16 × 16 register blocks; key columns past seq are zero. A last block of fewer than
/// 16 channels (head sizes like 72) loads only those channels and stores only their rows.
AVX512 static void transpose_keys_avx512(const float *k, int seq, int hd, int ld, float *kt, int seqp, float scale) {
    const __m512 sv = _mm512_set1_ps(scale);
    for (int j0 = 0; j0 < seq; j0 += 16) {
        int rows = seq - j0 < 16 ? seq - j0 : 16;
        for (int c0 = 0; c0 < hd; c0 += 16) {
            int width = hd - c0 < 16 ? hd - c0 : 16;
            __mmask16 m = first_lanes(width);
            __m512 r[16];
            for (int j = 0; j < 16; j++) r[j] = j < rows ? _mm512_mul_ps(_mm512_maskz_loadu_ps(m, k + (size_t)(j0 + j) * ld + c0), sv) : _mm512_setzero_ps();
            transpose16(r);
            for (int c = 0; c < width; c++) _mm512_storeu_ps(kt + (size_t)(c0 + c) * seqp + j0, r[c]);
        }
    }
}

// Register tiles: QK_ROWS query rows × up to 4 tiles of 16 keys (one K load feeds QK_ROWS FMAs), and
// PV_ROWS query rows × up to 4 tiles of 16 channels (one V load feeds PV_ROWS FMAs).
#define QK_ROWS 6
#define PV_ROWS 6

/// s[r][16t ..] = Σ_c q[r][c] · kt[c][16t ..] for r < R, t < T, plus (H = 1) 8 more keys after the
/// T tiles in a 256-bit register, which Zen 4 runs at twice the 512-bit rate: a short last key tile
/// (seq = 50 leaves 2 keys) costs half. R, T, H are constants after inlining.
INLINE_AVX512 void qk_tile(const float *q, int ld, const float *kt, int seqp, int hd, float *s, int R, int T, int H) {
    __m512 acc[QK_ROWS][4];
    __m256 acch[QK_ROWS];
    for (int r = 0; r < R; r++) {
        for (int t = 0; t < T; t++) acc[r][t] = _mm512_setzero_ps();
        if (H) acch[r] = _mm256_setzero_ps();
    }
    for (int c = 0; c < hd; c++) {
        const float *kc = kt + (size_t)c * seqp;
        __m512 kv[4];
        for (int t = 0; t < T; t++) kv[t] = _mm512_loadu_ps(kc + 16 * t);
        __m256 kh = H ? _mm256_loadu_ps(kc + 16 * T) : _mm256_setzero_ps();
        for (int r = 0; r < R; r++) {
            float qv = q[(size_t)r * ld + c];
            __m512 qb = _mm512_set1_ps(qv);
            for (int t = 0; t < T; t++) acc[r][t] = _mm512_fmadd_ps(qb, kv[t], acc[r][t]);
            if (H) acch[r] = _mm256_fmadd_ps(_mm256_set1_ps(qv), kh, acch[r]);
        }
    }
    for (int r = 0; r < R; r++) {
        for (int t = 0; t < T; t++) _mm512_storeu_ps(s + (size_t)r * seqp + 16 * t, acc[r][t]);
        if (H) _mm256_storeu_ps(s + (size_t)r * seqp + 16 * T, acch[r]);
    }
}

/// o[r][16c ..] = inv[r] · Σ_{j<n} p[r][j] · v[j][16c ..] for r < R, c < C.
INLINE_AVX512 void pv_tile(const float *p, int seqp, const float *v, int ld, int n, const float *inv, float *o, int ldo, int R, int C) {
    __m512 acc[PV_ROWS][4];
    for (int r = 0; r < R; r++) for (int c = 0; c < C; c++) acc[r][c] = _mm512_setzero_ps();
    for (int j = 0; j < n; j++) {
        __m512 vv[4];
        for (int c = 0; c < C; c++) vv[c] = _mm512_loadu_ps(v + (size_t)j * ld + 16 * c);
        for (int r = 0; r < R; r++) {
            __m512 pb = _mm512_set1_ps(p[(size_t)r * seqp + j]);
            for (int c = 0; c < C; c++) acc[r][c] = _mm512_fmadd_ps(pb, vv[c], acc[r][c]);
        }
    }
    for (int r = 0; r < R; r++) {
        __m512 sc = _mm512_set1_ps(inv[r]);
        for (int c = 0; c < C; c++) _mm512_storeu_ps(o + (size_t)r * ldo + 16 * c, _mm512_mul_ps(acc[r][c], sc));
    }
}

/// pv_tile for the last w < 16 channels of a head: masked V loads and output stores (nothing past the head).
INLINE_AVX512 void pv_tail_tile(const float *p, int seqp, const float *v, int ld, int n, const float *inv, float *o, int ldo, int R,
                                __mmask16 m) {
    __m512 acc[PV_ROWS];
    for (int r = 0; r < R; r++) acc[r] = _mm512_setzero_ps();
    for (int j = 0; j < n; j++) {
        __m512 vv = _mm512_maskz_loadu_ps(m, v + (size_t)j * ld);
        for (int r = 0; r < R; r++) acc[r] = _mm512_fmadd_ps(_mm512_set1_ps(p[(size_t)r * seqp + j]), vv, acc[r]);
    }
    for (int r = 0; r < R; r++) _mm512_mask_storeu_ps(o + (size_t)r * ldo, m, _mm512_mul_ps(acc[r], _mm512_set1_ps(inv[r])));
}

// One inlined copy per (rows, tiles[, half]) shape, so every tile loop above is fully unrolled and its
// accumulators live in registers; a switch picks the copy.
#define PV_SHAPES(X, R) X(R, 1) X(R, 2) X(R, 3) X(R, 4)
#define PV_ALL(X) PV_SHAPES(X, 1) PV_SHAPES(X, 2) PV_SHAPES(X, 3) PV_SHAPES(X, 4) PV_SHAPES(X, 5) PV_SHAPES(X, 6)
#define QK_SHAPES(X, R) X(R, 1, 0) X(R, 2, 0) X(R, 3, 0) X(R, 4, 0) X(R, 0, 1) X(R, 1, 1) X(R, 2, 1) X(R, 3, 1)
#define QK_ALL(X) QK_SHAPES(X, 1) QK_SHAPES(X, 2) QK_SHAPES(X, 3) QK_SHAPES(X, 4) QK_SHAPES(X, 5) QK_SHAPES(X, 6)
#define QK_CASE(R, T, H) case R * 16 + H * 8 + T: qk_tile(q, ld, kt, seqp, hd, s, R, T, H); break;
#define PV_CASE(R, C) case R * 8 + C: pv_tile(p, seqp, v, ld, n, inv, o, ldo, R, C); break;
AVX512 static void qk_block(const float *q, int ld, const float *kt, int seqp, int hd, float *s, int rows, int tiles, int half) {
    switch (rows * 16 + half * 8 + tiles) { QK_ALL(QK_CASE) default: break; }
}
AVX512 static void pv_block(const float *p, int seqp, const float *v, int ld, int n, const float *inv, float *o, int ldo, int rows, int tiles) {
    switch (rows * 8 + tiles) { PV_ALL(PV_CASE) default: break; }
}
#define PV_TAIL_CASE(R) case R: pv_tail_tile(p, seqp, v, ld, n, inv, o, ldo, R, m); break;
AVX512 static void pv_tail(const float *p, int seqp, const float *v, int ld, int n, const float *inv, float *o, int ldo, int rows, int width) {
    __mmask16 m = first_lanes(width);
    switch (rows) { PV_TAIL_CASE(1) PV_TAIL_CASE(2) PV_TAIL_CASE(3) PV_TAIL_CASE(4) PV_TAIL_CASE(5) PV_TAIL_CASE(6) default: break; }
}

/// Softmax of rows i0 .. i0+rows-1 of the score matrix, in place, the rows interleaved so that their
/// reductions and exp chains overlap. Row i keeps its first n_i = (causal ? i+1 : seq) entries; the rest
/// of its seqp entries become 0 (so P·V can run every row of a block to the block's longest row).
/// inv[r] = 1 / Σ exp, applied after P·V.
INLINE_AVX512 void softmax_tile(float *s, int seqp, int i0, int rows, int seq, int causal, float *inv) {
    int tiles = ((causal ? i0 + rows : seq) + 15) / 16;
    __m512 mx[PV_ROWS], sum[PV_ROWS];
    score_row_max(s, seqp, i0, rows, seq, causal, mx);
    for (int r = 0; r < rows; r++) sum[r] = _mm512_setzero_ps();
    for (int t = 0; t < tiles; t++)
        for (int r = 0; r < rows; r++) {
            __mmask16 m = kept_lanes(causal ? i0 + r + 1 : seq, t);
            float *p = s + (size_t)r * seqp + 16 * t;
            // Masked-out lanes load 0 (never stale scores), so exp stays finite before they are zeroed.
            __m512 e = _mm512_maskz_mov_ps(m, exp512_nonpositive_ps(_mm512_sub_ps(_mm512_maskz_loadu_ps(m, p), mx[r])));
            _mm512_storeu_ps(p, e);
            sum[r] = _mm512_add_ps(sum[r], e);
        }
    for (int r = 0; r < rows; r++) {
        for (int t = tiles; 16 * t < seqp; t++) _mm512_storeu_ps(s + (size_t)r * seqp + 16 * t, _mm512_setzero_ps());
        inv[r] = 1.0f / _mm512_reduce_add_ps(sum[r]);
    }
}
#define SOFTMAX_CASE(R) case R: softmax_tile(s, seqp, i0, R, seq, causal, inv); break;
AVX512 static void softmax_rows(float *s, int seqp, int i0, int rows, int seq, int causal, float *inv) {
    switch (rows) { SOFTMAX_CASE(1) SOFTMAX_CASE(2) SOFTMAX_CASE(3) SOFTMAX_CASE(4) SOFTMAX_CASE(5) SOFTMAX_CASE(6) default: break; }
}

// Same scratch layout as the generic path: scores [seq × seqp], then Kᵀ [hd × seqp].
AVX512 static void attention_avx512(const float *q, const float *k, const float *v, float *out, int seq, int hd, int ld, int ldo,
                                    float *scratch, int causal, float scale) {
    int seqp = (seq + 15) & ~15;
    float *scores = scratch, *kt = scratch + (size_t)seq * seqp;
    transpose_keys_avx512(k, seq, hd, ld, kt, seqp, scale);
    for (int i0 = 0; i0 < seq; i0 += QK_ROWS) {
        int rows = seq - i0 < QK_ROWS ? seq - i0 : QK_ROWS;
        // Causal: the block's last row sees keys up to i0 + rows - 1; later tiles are never computed.
        // Up to 8 keys past the last full tile go to a half tile; more take a full one.
        int keys = causal ? i0 + rows : seq, full = keys / 16, half = keys % 16 != 0;
        if (keys % 16 > 8) full++, half = 0;
        for (int t0 = 0; t0 < full || (half && t0 == full); t0 += 4) {
            int nt = full - t0 < 4 ? full - t0 : 4, h = half && nt < 4 && t0 + nt == full;
            qk_block(q + (size_t)i0 * ld, ld, kt + 16 * t0, seqp, hd, scores + (size_t)i0 * seqp + 16 * t0, rows, nt, h);
        }
    }
    for (int i0 = 0; i0 < seq; i0 += PV_ROWS) {
        int rows = seq - i0 < PV_ROWS ? seq - i0 : PV_ROWS;
        float inv[PV_ROWS];
        softmax_rows(scores + (size_t)i0 * seqp, seqp, i0, rows, seq, causal, inv);
        int n = causal ? i0 + rows : seq;   // rows shorter than n have zero weights past their end
        int whole = hd / 16 * 16;          // channels in full 16-wide tiles; the rest (hd % 16) masked
        for (int c0 = 0; c0 < whole; c0 += 64)
            pv_block(scores + (size_t)i0 * seqp, seqp, v + c0, ld, n, inv, out + (size_t)i0 * ldo + c0, ldo, rows,
                     (whole - c0) / 16 < 4 ? (whole - c0) / 16 : 4);
        if (whole < hd)
            pv_tail(scores + (size_t)i0 * seqp, seqp, v + whole, ld, n, inv, out + (size_t)i0 * ldo + whole, ldo, rows, hd - whole);
    }
}
#endif

#if defined(__x86_64__)
// AVX2 path: the plain path's layout (scores, K transposed into 16-wide zero-padded rows) with 6 query
// rows per register tile, so that each K or V vector load feeds 6 rows (12 ymm accumulators).
#define AVX2_ROWS 6

// Lanes 0..n-1 of 8 set (all for n ≥ 8, none for n ≤ 0): a mask for vmaskmovps.
__attribute__((target("avx2"), always_inline)) static inline __m256i lanes_below(int n) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

// acc[r][0..1] = Σ_{t < n} a[r][t] · b[t·ldb .. t·ldb + 16] for the 6 rows a[r]: each 16-wide load of b
// feeds all 6 rows. Q·Kᵀ runs it over head channels (b = Kᵀ), P·V over keys (b = V). `mask` (NULL for a
// full tile; a constant after inlining) limits the loads of b to the lanes it sets: the last channels of a
// head size that is not a multiple of 16 (e.g. 72), without reading past them.
__attribute__((target("avx2,fma"), always_inline)) static inline
void tile6x16(const float *const a[AVX2_ROWS], const float *b, size_t ldb, int n, const __m256i *mask, __m256 acc[AVX2_ROWS][2]) {
    for (int r = 0; r < AVX2_ROWS; r++) acc[r][0] = acc[r][1] = _mm256_setzero_ps();
    for (int t = 0; t < n; t++) {
        const float *bt = b + (size_t)t * ldb;
        __m256 b0 = mask ? _mm256_maskload_ps(bt, mask[0]) : _mm256_loadu_ps(bt);
        __m256 b1 = mask ? _mm256_maskload_ps(bt + 8, mask[1]) : _mm256_loadu_ps(bt + 8);
        for (int r = 0; r < AVX2_ROWS; r++) {
            __m256 x = _mm256_broadcast_ss(a[r] + t);
            acc[r][0] = _mm256_fmadd_ps(x, b0, acc[r][0]);
            acc[r][1] = _mm256_fmadd_ps(x, b1, acc[r][1]);
        }
    }
}

__attribute__((target("avx2,fma"))) static void attention_avx2(const float *q, const float *k, const float *v, float *out, int seq, int hd,
                                                             int ld, int ldo, float *scratch, int causal, float scale) {
    int seqp = (seq + 15) & ~15;
    float *scores = scratch, *kt = transpose_keys(k, seq, hd, ld, scratch + (size_t)seq * seqp, scale);
    for (int i0 = 0; i0 < seq; i0 += AVX2_ROWS) {
        int rows = seq - i0 < AVX2_ROWS ? seq - i0 : AVX2_ROWS;
        int keys = causal ? i0 + rows : seq;  // keys the group's last row sees
        // A short last group repeats its last row and stores only the real ones.
        const float *qr[AVX2_ROWS];
        float *sr[AVX2_ROWS];
        for (int r = 0; r < AVX2_ROWS; r++) {
            int i = i0 + (r < rows ? r : rows - 1);
            qr[r] = q + (size_t)i * ld;
            sr[r] = scores + (size_t)i * seqp;
        }
        for (int j0 = 0; j0 < keys; j0 += 16) {
            __m256 acc[AVX2_ROWS][2];
            tile6x16(qr, kt + j0, seqp, hd, NULL, acc);  // scores[i][j0..j0+16] = Σ_c q[i][c]·kᵀ[c][j]
            for (int r = 0; r < rows; r++) { _mm256_storeu_ps(sr[r] + j0, acc[r][0]); _mm256_storeu_ps(sr[r] + j0 + 8, acc[r][1]); }
        }
        float inv[AVX2_ROWS];
        for (int r = 0; r < rows; r++) {
            float *s = sr[r];
            int n = causal ? i0 + r + 1 : seq;
            inv[r] = 1.0f / exp_shifted(s, n);
            for (int j = n; j < keys; j++) s[j] = 0;  // masked keys weigh nothing in P·V
        }
        for (int c0 = 0; c0 < hd; c0 += 16) {
            __m256 acc[AVX2_ROWS][2];
            // out[i][c0..c0+16] = Σ_j p[i][j]·v[j][c]; the last w < 16 channels through masked loads and stores.
            int w = hd - c0 < 16 ? hd - c0 : 16;
            __m256i mask[2] = {lanes_below(w), lanes_below(w - 8)};
            if (w == 16) tile6x16((const float *const *)sr, v + c0, ld, keys, NULL, acc);
            else tile6x16((const float *const *)sr, v + c0, ld, keys, mask, acc);
            for (int r = 0; r < rows; r++) {
                float *o = out + (size_t)(i0 + r) * ldo + c0;
                __m256 m = _mm256_set1_ps(inv[r]);
                _mm256_maskstore_ps(o, mask[0], _mm256_mul_ps(acc[r][0], m));
                _mm256_maskstore_ps(o + 8, mask[1], _mm256_mul_ps(acc[r][1], m));
            }
        }
    }
}
#endif

void clipz_attention_head(const float *q, const float *k, const float *v, float *out, int seq, int hd, int ld, int ldo,
                          float *scratch, int causal, float scale) {
    if (seq <= 0 || hd <= 0) return;
#if defined(__x86_64__)
    int level = clipz_isa_level();
    if (level == CLIPZ_ISA_AVX512) { attention_avx512(q, k, v, out, seq, hd, ld, ldo, scratch, causal, scale); return; }
    if (level >= CLIPZ_ISA_AVX2) {
        attention_avx2(q, k, v, out, seq, hd, ld, ldo, scratch, causal, scale);
        return;
    }
#endif
    attention_generic(q, k, v, out, seq, hd, ld, ldo, scratch, causal, scale);
}
