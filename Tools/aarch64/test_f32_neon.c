// Checks the aarch64 NEON packed fp32 GEMM (clipz_f32_gemm_packed) against a double-precision reference
// written here, and against the library's plain reference (clipz_f32_gemm_packed_ref), under qemu-aarch64
// (Tools/aarch64/run.sh). Every epilogue: bias or none × {none, QuickGELU, GELU, tanh-GELU} × {overwrite,
// residual add}; M from 1 to 50 (not multiples of the 6-row tile), N not a multiple of 16 or 32, odd K,
// row strides wider than the rows, column ranges starting on a later panel or ending mid-panel.
// Tolerance: |y - exact| ≤ 1e-5 · (Σ_k |x·w| + |bias| + |y₀|) + 1e-6, where exact is computed in double with
// libm's double exp/erf/tanh (float accumulation over K and fast_exp's ~2e-7 relative error stay far
// below it). Cells outside the column range or past the row width must be left alone.
// A residual add combined with an activation takes the plain path on every CPU (clipz_f32_gemm_packed
// routes it there, as on x86; CLIP never asks for it), so those rows show 0 against the plain reference.
// Exit status 0 when everything matches; prints the path checked and the largest errors per epilogue.
#include "clipz_kernels.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t state = 7;
static uint64_t next(void) { state += 0x9E3779B97F4A7C15ull; uint64_t z = state; z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull; z = (z ^ (z >> 27)) * 0x94D049BB133111EBull; return z ^ (z >> 31); }
static float uniform(void) { return (float)(next() >> 40) / (float)(1 << 24) * 2.0f - 1.0f; }

static double act_double(double v, clipz_act act) {
    switch (act) {
    case CLIPZ_ACT_QUICK_GELU: return v / (1.0 + exp(-1.702 * v));
    case CLIPZ_ACT_GELU: return 0.5 * v * (1.0 + erf(v * 0.70710678118654752));
    case CLIPZ_ACT_GELU_TANH: return 0.5 * v * (1.0 + tanh(0.7978845608028654 * (v + 0.044715 * v * v * v)));
    default: return v;
    }
}

static const char *act_name(int act) {
    switch (act) { case CLIPZ_ACT_QUICK_GELU: return "quick-gelu"; case CLIPZ_ACT_GELU: return "gelu"; case CLIPZ_ACT_GELU_TANH: return "gelu-tanh"; default: return "none"; }
}

int main(void) {
    const char *name = clipz_f32_kernel_name();
    printf("fp32 packed kernel: %s\n", *name ? name : "(none: OpenBLAS)");
    if (strcmp(name, "neon") != 0 || !clipz_f32_packed_available()) { fprintf(stderr, "NEON packed fp32 path not dispatched\n"); return 2; }
    const int acts[4] = {CLIPZ_ACT_NONE, CLIPZ_ACT_QUICK_GELU, CLIPZ_ACT_GELU, CLIPZ_ACT_GELU_TANH};
    const int Ms[] = {1, 2, 3, 5, 6, 7, 12, 13, 50};
    const int KN[][2] = {{1, 1}, {7, 17}, {64, 32}, {100, 33}, {48, 70}, {33, 16}, {129, 96}, {3, 40}};
    double worst[4][2] = {{0}}, worst_abs[4][2] = {{0}}, worst_vs_ref[4][2] = {{0}};
    long cells = 0;
    int failures = 0;
    for (size_t mi = 0; mi < sizeof Ms / sizeof *Ms; mi++)
        for (size_t s = 0; s < sizeof KN / sizeof *KN; s++) {
            int M = Ms[mi], K = KN[s][0], N = KN[s][1], ldx = K + 3, ldy = N + 5;
            float *x = malloc(sizeof(float) * (size_t)M * ldx), *W = malloc(sizeof(float) * (size_t)N * K);
            float *bias = malloc(sizeof(float) * N), *packed = malloc(sizeof(float) * clipz_f32_packed_floats(N, K));
            float *y0 = malloc(sizeof(float) * (size_t)M * ldy), *y = malloc(sizeof(float) * (size_t)M * ldy);
            float *ref = malloc(sizeof(float) * (size_t)M * ldy);
            for (int i = 0; i < M * ldx; i++) x[i] = uniform() * 2;
            for (int i = 0; i < N * K; i++) W[i] = uniform();
            for (int i = 0; i < N; i++) bias[i] = uniform();
            for (int i = 0; i < M * ldy; i++) y0[i] = uniform();
            clipz_f32_pack(W, N, K, packed);
            // Column ranges: all of them; from the second panel; ending mid-panel.
            int ranges[3][2] = {{0, N}, {32, N}, {0, N > 40 ? 40 : N - N / 3}};
            for (int rg = 0; rg < 3; rg++) {
                int nb = ranges[rg][0], ne = ranges[rg][1];
                if (nb >= ne) continue;
                for (int e = 0; e < 16; e++) {
                    int act = acts[e % 4], accumulate = (e / 4) % 2, with_bias = e / 8;
                    const float *b = with_bias ? bias : NULL;
                    memcpy(y, y0, sizeof(float) * (size_t)M * ldy);
                    memcpy(ref, y0, sizeof(float) * (size_t)M * ldy);
                    clipz_f32_gemm_packed(x, M, K, ldx, packed, b, y, ldy, N, nb, ne, accumulate, (clipz_act)act);
                    clipz_f32_gemm_packed_ref(x, M, K, ldx, packed, b, ref, ldy, N, nb, ne, accumulate, (clipz_act)act);
                    int bad = 0;
                    for (int m = 0; m < M && !bad; m++)
                        for (int n = 0; n < ldy; n++) {
                            size_t at = (size_t)m * ldy + n;
                            if (n < nb || n >= ne) {
                                if (memcmp(&y[at], &y0[at], sizeof(float)) != 0) { bad = 1; fprintf(stderr, "m%d n%d k%d [%d,%d): wrote outside at row %d col %d\n", M, N, K, nb, ne, m, n); break; }
                                continue;
                            }
                            double sum = 0, mag = 0;
                            for (int k = 0; k < K; k++) { double p = (double)x[(size_t)m * ldx + k] * W[(size_t)n * K + k]; sum += p; mag += fabs(p); }
                            double exact = act_double(sum + (b ? b[n] : 0.0), (clipz_act)act) + (accumulate ? y0[at] : 0.0);
                            mag += (b ? fabs(b[n]) : 0.0) + (accumulate ? fabs(y0[at]) : 0.0);
                            double err = fabs((double)y[at] - exact), rel = err / (mag + 1e-30);
                            int a = e % 4;
                            if (rel > worst[a][accumulate]) worst[a][accumulate] = rel;
                            if (err > worst_abs[a][accumulate]) worst_abs[a][accumulate] = err;
                            double dref = fabs((double)y[at] - ref[at]);
                            if (dref > worst_vs_ref[a][accumulate]) worst_vs_ref[a][accumulate] = dref;
                            cells++;
                            if (!(err <= 1e-5 * mag + 1e-6)) {
                                bad = 1;
                                fprintf(stderr, "m%d n%d k%d [%d,%d) act %s acc %d bias %d at (%d,%d): %.9g vs exact %.9g\n", M, N, K, nb, ne,
                                        act_name(act), accumulate, with_bias, m, n, y[at], exact);
                                break;
                            }
                        }
                    failures += bad;
                }
            }
            free(x); free(W); free(bias); free(packed); free(y0); free(y); free(ref);
        }
    printf("checked %ld cells; largest error per epilogue (normalized = |y - exact| / (sum|x*w| + |bias| + |y0|)):\n", cells);
    for (int a = 0; a < 4; a++)
        for (int acc = 0; acc < 2; acc++)
            printf("  act %-10s %-10s normalized %.2e  absolute %.2e  vs clipz_f32_gemm_packed_ref %.2e\n", act_name(acts[a]),
                   acc ? "+residual" : "overwrite", worst[a][acc], worst_abs[a][acc], worst_vs_ref[a][acc]);
    // fp16 and bf16 panels (clipz_f16_gemm_packed / clipz_bf16_gemm_packed widen one panel at a time, then run the
    // NEON tile on it): bit for bit what the fp32 kernel computes on the widened weights, same shapes, ranges, epilogues.
    long f16_cases = 0;
    int f16_failures = 0;
    for (int bf16 = 0; bf16 < 2; bf16++)
    for (size_t mi = 0; mi < sizeof Ms / sizeof *Ms; mi++)
        for (size_t s = 0; s < sizeof KN / sizeof *KN; s++) {
            int M = Ms[mi], K = KN[s][0], N = KN[s][1], ldx = K + 1, ldy = N + 2;
            size_t pn = clipz_f32_packed_floats(N, K);
            float *x = malloc(sizeof(float) * (size_t)M * ldx), *W = malloc(sizeof(float) * (size_t)N * K), *bias = malloc(sizeof(float) * N);
            uint16_t *h = malloc(sizeof(uint16_t) * (size_t)N * K), *p16 = malloc(sizeof(uint16_t) * pn);
            float *p32 = malloc(sizeof(float) * pn), *y16 = malloc(sizeof(float) * (size_t)M * ldy), *y32 = malloc(sizeof(float) * (size_t)M * ldy);
            for (int i = 0; i < M * ldx; i++) x[i] = uniform() * 2;
            for (int i = 0; i < N * K; i++) W[i] = uniform();
            for (int i = 0; i < N; i++) bias[i] = uniform();
            if (bf16) { clipz_f32_to_bf16(W, h, (size_t)N * K); clipz_bf16_to_f32(h, W, (size_t)N * K); }
            else { clipz_f32_to_f16(W, h, (size_t)N * K); clipz_f16_to_f32(h, W, (size_t)N * K); }
            clipz_half_pack(h, N, K, p16);
            clipz_f32_pack(W, N, K, p32);
            int ranges[2][2] = {{0, N}, {32, N}};
            for (int rg = 0; rg < 2; rg++)
                for (int e = 0; e < 8 && ranges[rg][0] < ranges[rg][1]; e++) {
                    int act = acts[e % 4], accumulate = e / 4;
                    for (int i = 0; i < M * ldy; i++) y16[i] = y32[i] = (float)i;
                    (bf16 ? clipz_bf16_gemm_packed : clipz_f16_gemm_packed)(x, M, K, ldx, p16, bias, y16, ldy, N, ranges[rg][0], ranges[rg][1],
                                                                            accumulate, (clipz_act)act);
                    clipz_f32_gemm_packed(x, M, K, ldx, p32, bias, y32, ldy, N, ranges[rg][0], ranges[rg][1], accumulate, (clipz_act)act);
                    f16_cases++;
                    if (memcmp(y16, y32, sizeof(float) * (size_t)M * ldy) != 0) {
                        f16_failures++;
                        fprintf(stderr, "%s panels differ: m%d n%d k%d [%d,%d) act %s acc %d\n", bf16 ? "bf16" : "fp16", M, N, K, ranges[rg][0], ranges[rg][1],
                                act_name(act), accumulate);
                    }
                }
            free(x); free(W); free(bias); free(h); free(p16); free(p32); free(y16); free(y32);
        }
    printf("fp16 and bf16 panels: %ld cases, %d differ from the fp32 kernel on the widened weights\n", f16_cases, f16_failures);
    failures += f16_failures;
    printf("%s: neon fp32, %d failing cases\n", failures ? "FAIL" : "ok", failures);
    return failures ? 1 : 0;
}
