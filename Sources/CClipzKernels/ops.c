// fp32 transformer kernels: LayerNorm, activations, softmax-attention. Plain C written so that the
// compiler vectorizes it (-O3); exp is a range-reduced polynomial instead of libm so loops vectorize.
#include "clipz_kernels.h"
#include <math.h>
#include <string.h>

// Hot loops get AVX-512 / AVX2 clones picked at load time (ifunc); "default" is the SSE2 baseline.
#if defined(__x86_64__) && defined(__clang__)
#define CLIPZ_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define CLIPZ_CLONES
#endif

// exp(x) = 2^i · e^f, x = i·ln2 + f, |f| ≤ ln2/2; degree-6 polynomial for e^f.
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

CLIPZ_CLONES void clipz_vexp(const float *x, float *y, size_t n) { for (size_t i = 0; i < n; i++) y[i] = fast_exp(x[i]); }

CLIPZ_CLONES void clipz_layernorm(const float *x, float *y, int rows, int w, const float *gamma, const float *beta, float eps) {
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

CLIPZ_CLONES void clipz_activation(float *x, size_t n, int kind) {
    if (kind == 0) {
        for (size_t i = 0; i < n; i++) { float v = x[i]; x[i] = v / (1.0f + fast_exp(-1.702f * v)); }
    } else if (kind == 1) {
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

CLIPZ_CLONES void clipz_add_bias(float *y, int rows, int n, const float *b) {
    for (int r = 0; r < rows; r++) { float *yr = y + (size_t)r * n; for (int j = 0; j < n; j++) yr[j] += b[j]; }
}

CLIPZ_CLONES void clipz_add(float *y, const float *x, size_t n) { for (size_t i = 0; i < n; i++) y[i] += x[i]; }

/// Writes K [seq × hd] (row stride ld) transposed into kt [hd × seqp], zero padded; returns kt.
static float *transpose_keys(const float *k, int seq, int hd, int ld, float *kt) {
    int seqp = (seq + 15) & ~15;
    for (int c = 0; c < hd; c++) {
        float *row = kt + (size_t)c * seqp;
        for (int j = 0; j < seq; j++) row[j] = k[(size_t)j * ld + c];
        for (int j = seq; j < seqp; j++) row[j] = 0;
    }
    return kt;
}

static void attention_generic(const float *q, const float *k, const float *v, float *out, int seq, int hd, int ld, int ldo,
                              float *scratch, int causal) {
    // scratch: [seq × seqp] scores, then K transposed [hd × seqp] (seqp = seq rounded up to 16, zero
    // padded), so that both products run over 16-wide register tiles with no horizontal reductions.
    int seqp = (seq + 15) & ~15;
    float *scores = scratch, *kt = transpose_keys(k, seq, hd, ld, scratch + (size_t)seq * seqp);
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
        float mx = -INFINITY;
        for (int j = 0; j < n; j++) mx = s[j] > mx ? s[j] : mx;
        float sum = 0;
        for (int j = 0; j < n; j++) { float e = fast_exp(s[j] - mx); s[j] = e; sum += e; }
        float inv = 1.0f / sum;
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
#include <immintrin.h>
// AVX-512 attention for head sizes that are multiples of 16: scores in 16-key tiles (4 at a time share
// one broadcast of q[c]), output in 16-channel tiles (4 at a time share one broadcast of p[j]).
__attribute__((target("avx512f")))
static void attention_avx512(const float *q, const float *k, const float *v, float *out, int seq, int hd, int ld, int ldo,
                             float *scratch, int causal) {
    int seqp = (seq + 15) & ~15;
    float *scores = scratch, *kt = transpose_keys(k, seq, hd, ld, scratch + (size_t)seq * seqp);
    for (int i = 0; i < seq; i++) {
        const float *qi = q + (size_t)i * ld;
        float *s = scores + (size_t)i * seqp;
        int n = causal ? i + 1 : seq, tiles = (n + 15) / 16;
        for (int t0 = 0; t0 < tiles; t0 += 4) {
            int nt = tiles - t0 < 4 ? tiles - t0 : 4;
            __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
            const float *kb = kt + t0 * 16;
            for (int c = 0; c < hd; c++) {
                __m512 qc = _mm512_set1_ps(qi[c]);
                const float *kc = kb + (size_t)c * seqp;
                a0 = _mm512_fmadd_ps(qc, _mm512_loadu_ps(kc), a0);
                if (nt > 1) a1 = _mm512_fmadd_ps(qc, _mm512_loadu_ps(kc + 16), a1);
                if (nt > 2) a2 = _mm512_fmadd_ps(qc, _mm512_loadu_ps(kc + 32), a2);
                if (nt > 3) a3 = _mm512_fmadd_ps(qc, _mm512_loadu_ps(kc + 48), a3);
            }
            _mm512_storeu_ps(s + t0 * 16, a0);
            if (nt > 1) _mm512_storeu_ps(s + t0 * 16 + 16, a1);
            if (nt > 2) _mm512_storeu_ps(s + t0 * 16 + 32, a2);
            if (nt > 3) _mm512_storeu_ps(s + t0 * 16 + 48, a3);
        }
        float mx = -INFINITY;
        for (int j = 0; j < n; j++) mx = s[j] > mx ? s[j] : mx;
        float sum = 0;
        for (int j = 0; j < n; j++) { float e = fast_exp(s[j] - mx); s[j] = e; sum += e; }
        __m512 inv = _mm512_set1_ps(1.0f / sum);
        float *o = out + (size_t)i * ldo;
        for (int c0 = 0; c0 < hd; c0 += 64) {
            int nc = (hd - c0) / 16 < 4 ? (hd - c0) / 16 : 4;
            __m512 o0 = _mm512_setzero_ps(), o1 = o0, o2 = o0, o3 = o0;
            for (int j = 0; j < n; j++) {
                __m512 p = _mm512_set1_ps(s[j]);
                const float *vj = v + (size_t)j * ld + c0;
                o0 = _mm512_fmadd_ps(p, _mm512_loadu_ps(vj), o0);
                if (nc > 1) o1 = _mm512_fmadd_ps(p, _mm512_loadu_ps(vj + 16), o1);
                if (nc > 2) o2 = _mm512_fmadd_ps(p, _mm512_loadu_ps(vj + 32), o2);
                if (nc > 3) o3 = _mm512_fmadd_ps(p, _mm512_loadu_ps(vj + 48), o3);
            }
            _mm512_storeu_ps(o + c0, _mm512_mul_ps(o0, inv));
            if (nc > 1) _mm512_storeu_ps(o + c0 + 16, _mm512_mul_ps(o1, inv));
            if (nc > 2) _mm512_storeu_ps(o + c0 + 32, _mm512_mul_ps(o2, inv));
            if (nc > 3) _mm512_storeu_ps(o + c0 + 48, _mm512_mul_ps(o3, inv));
        }
    }
}
#endif

void clipz_attention_head(const float *q, const float *k, const float *v, float *out, int seq, int hd, int ld, int ldo,
                          float *scratch, int causal) {
#if defined(__x86_64__)
    if (hd % 16 == 0 && (clipz_cpu_features() & CLIPZ_CPU_AVX512F)) { attention_avx512(q, k, v, out, seq, hd, ld, ldo, scratch, causal); return; }
#endif
    attention_generic(q, k, v, out, seq, hd, ld, ldo, scratch, causal);
}
