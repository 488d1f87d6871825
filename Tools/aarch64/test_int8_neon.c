// Checks the aarch64 int8 GEMM paths, NEON sdot and NEON smmla (i8mm), against the scalar reference path
// under qemu-aarch64 (Tools/aarch64/run.sh), each path forced through clipz_i8_gemm_path. The int32 sums
// are exact on every path; the tolerance (1e-5 relative + 1e-5) only covers the float epilogue.
// Usage: test_int8_neon EXPECTED where EXPECTED is the kernel dispatch must pick on this CPU ("neon-i8mm",
// "neon-sdot", "scalar"); every NEON path the CPU reports is checked, and at least one must be unless
// EXPECTED is "scalar". Exit status 0 when every shape matches.
#include "clipz_kernels.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t state = 42;
static uint64_t next(void) { state += 0x9E3779B97F4A7C15ull; uint64_t z = state; z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull; z = (z ^ (z >> 27)) * 0x94D049BB133111EBull; return z ^ (z >> 31); }
static float uniform(void) { return (float)(next() >> 40) / (float)(1 << 24) * 2.0f - 1.0f; }

static int check_path(clipz_i8_path path, const char *name) {
    // M: 1, odd, not multiples of the 4-row (sdot) or 8-row (smmla) tiles; K: K4 = ceil(K/4) odd and even
    // (smmla pairs k4 groups); N: partial blocks and half blocks.
    int shapes[][3] = {{1, 1, 1}, {3, 17, 5}, {4, 16, 4}, {7, 33, 64}, {5, 70, 130}, {9, 64, 768}, {2, 48, 3},
                       {1, 40, 9}, {8, 24, 12}, {17, 96, 100}, {50, 50, 257}, {13, 8, 2}};
    int acts[4] = {CLIPZ_ACT_NONE, CLIPZ_ACT_QUICK_GELU, CLIPZ_ACT_GELU, CLIPZ_ACT_GELU_TANH};
    int failures = 0;
    double worst = 0;
    long cells = 0;
    for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++) {
        int M = shapes[s][0], N = shapes[s][1], K = shapes[s][2], Kp = (K + 3) / 4 * 4;
        int8_t *W = malloc((size_t)N * K), *packed = malloc(clipz_i8_packed_bytes(N, K)), *xq = malloc((size_t)M * Kp);
        int32_t *colsum = malloc(sizeof(int32_t) * N);
        float *x = malloc(sizeof(float) * M * K), *sx = malloc(sizeof(float) * M), *sw = malloc(sizeof(float) * N);
        float *bias = malloc(sizeof(float) * N), *y = malloc(sizeof(float) * M * N), *ref = malloc(sizeof(float) * M * N);
        for (int i = 0; i < N * K; i++) W[i] = (int8_t)((int)(next() % 255) - 127);
        for (int i = 0; i < M * K; i++) x[i] = uniform() * 3;
        for (int i = 0; i < N; i++) { sw[i] = 0.01f + 0.01f * fabsf(uniform()); bias[i] = uniform(); }
        clipz_i8_pack(W, N, K, packed, colsum);
        clipz_quantize_rows(x, M, K, xq, sx);
        // Column ranges: all; from the second block; ending mid-block.
        int ranges[3][2] = {{0, N}, {16, N}, {0, N > 20 ? 20 : N}};
        for (int rg = 0; rg < 3; rg++) {
            int nb = ranges[rg][0], ne = ranges[rg][1];
            if (nb >= ne) continue;
            // Epilogues: {none, QuickGELU, GELU, tanh-GELU} × {overwrite (y starts NaN), residual add} × bias or none.
            for (int e = 0; e < 16; e++) {
                int act = acts[e % 4], acc = (e / 4) % 2, with_bias = e / 8;
                for (int i = 0; i < M * N; i++) y[i] = ref[i] = acc ? uniform() : NAN;
                if (clipz_i8_gemm_path(path, xq, sx, M, K, packed, colsum, sw, with_bias ? bias : NULL, y, N, N, nb, ne, acc, (clipz_act)act) != 0) {
                    fprintf(stderr, "%s refused\n", name);
                    return 1;
                }
                clipz_i8_gemm_path(CLIPZ_I8_PATH_SCALAR, xq, sx, M, K, packed, colsum, sw, with_bias ? bias : NULL, ref, N, N, nb, ne, acc, (clipz_act)act);
                for (int i = 0; i < M * N; i++) {
                    int n = i % N;
                    if (n < nb || n >= ne) {  // untouched: still NaN, or the residual's value
                        if (memcmp(&y[i], &ref[i], sizeof(float)) != 0) { failures++; fprintf(stderr, "%s m%d n%d k%d: wrote column %d outside [%d,%d)\n", name, M, N, K, n, nb, ne); break; }
                        continue;
                    }
                    double d = fabs((double)y[i] - ref[i]);
                    if (d > worst) worst = d;
                    cells++;
                    if (!(d <= fabs(ref[i]) * 1e-5 + 1e-5)) { failures++; fprintf(stderr, "%s m%d n%d k%d act %d acc %d at %d: %g vs %g\n", name, M, N, K, act, acc, i, y[i], ref[i]); break; }
                }
            }
        }
        free(W); free(packed); free(xq); free(colsum); free(x); free(sx); free(sw); free(bias); free(y); free(ref);
    }
    // ±127 × ±127 over 256 k: exact 127·127·256 (no saturation), on rows of both halves of a row pair.
    {
        int M = 3, N = 16, K = 256;
        static int8_t W[16 * 256], xq[3 * 256], packed[16 * 256];
        int32_t colsum[16];
        float sx[3] = {1, 1, 1}, sw[16], y[48];
        for (int i = 0; i < 16; i++) sw[i] = 1;
        memset(W, -127, sizeof W); memset(xq, -127, sizeof xq);
        clipz_i8_pack(W, N, K, packed, colsum);
        clipz_i8_gemm_path(path, xq, sx, M, K, packed, colsum, sw, NULL, y, N, N, 0, N, 0, CLIPZ_ACT_NONE);
        for (int i = 0; i < 48; i++)
            if (y[i] != 127.0f * 127.0f * 256.0f) { failures++; fprintf(stderr, "%s extreme values at %d: %g\n", name, i, y[i]); break; }
    }
    printf("%s %s: %ld cells against the scalar reference, max |difference| %.3g, %d failing cases\n", failures ? "FAIL" : "ok", name, cells, worst, failures);
    return failures;
}

int main(int argc, char **argv) {
    const char *expected = argc > 1 ? argv[1] : "neon-i8mm";
    uint32_t f = clipz_cpu_features();
    printf("int8 kernel: %s (cpu: neon %d, dotprod %d, i8mm %d)\n", clipz_i8_kernel_name(), !!(f & CLIPZ_CPU_NEON),
           !!(f & CLIPZ_CPU_NEON_DOT), !!(f & CLIPZ_CPU_NEON_I8MM));
    if (strcmp(clipz_i8_kernel_name(), expected) != 0) { fprintf(stderr, "dispatch picked %s, expected %s\n", clipz_i8_kernel_name(), expected); return 2; }
    int failures = 0, checked = 0;
    if (clipz_i8_path_supported(CLIPZ_I8_PATH_NEON)) { failures += check_path(CLIPZ_I8_PATH_NEON, "neon-sdot"); checked++; }
    if (clipz_i8_path_supported(CLIPZ_I8_PATH_NEON_I8MM)) { failures += check_path(CLIPZ_I8_PATH_NEON_I8MM, "neon-i8mm"); checked++; }
    if (!checked && strcmp(expected, "scalar") != 0) { fprintf(stderr, "no NEON int8 path on offer\n"); return 2; }
    if (!checked) printf("no NEON int8 path on this CPU: scalar only\n");
    return failures ? 1 : 0;
}
