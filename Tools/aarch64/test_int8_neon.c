// Checks the NEON sdot int8 GEMM against the scalar reference path, under qemu-aarch64
// (Tools/aarch64/run.sh). Exit status 0 when every shape matches.
#include "clipz_kernels.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t state = 42;
static uint64_t next(void) { state += 0x9E3779B97F4A7C15ull; uint64_t z = state; z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull; z = (z ^ (z >> 27)) * 0x94D049BB133111EBull; return z ^ (z >> 31); }
static float uniform(void) { return (float)(next() >> 40) / (float)(1 << 24) * 2.0f - 1.0f; }

int main(void) {
    printf("int8 kernel: %s\n", clipz_i8_kernel_name());
    if (strcmp(clipz_i8_kernel_name(), "neon-sdot") != 0) { fprintf(stderr, "NEON sdot path not compiled in\n"); return 2; }
    int shapes[][3] = {{1, 1, 1}, {3, 17, 5}, {4, 16, 4}, {7, 33, 64}, {5, 70, 130}, {9, 64, 768}, {2, 48, 3}};
    int failures = 0;
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
        // Epilogues: plain, residual add (y starts non-zero), QuickGELU, exact GELU.
        int epilogues[][2] = {{0, CLIPZ_ACT_NONE}, {1, CLIPZ_ACT_NONE}, {0, CLIPZ_ACT_QUICK_GELU}, {0, CLIPZ_ACT_GELU}};
        for (int b = 0; b < 8; b++) {
            int acc = epilogues[b / 2][0], act = epilogues[b / 2][1];
            for (int i = 0; i < M * N; i++) y[i] = ref[i] = acc ? uniform() : NAN;
            clipz_i8_gemm_path(CLIPZ_I8_PATH_NEON, xq, sx, M, K, packed, colsum, sw, b % 2 ? bias : NULL, y, N, N, 0, N, acc, act);
            clipz_i8_gemm_path(CLIPZ_I8_PATH_SCALAR, xq, sx, M, K, packed, colsum, sw, b % 2 ? bias : NULL, ref, N, N, 0, N, acc, act);
            for (int i = 0; i < M * N; i++)
                if (fabsf(y[i] - ref[i]) > fabsf(ref[i]) * 1e-5f + 1e-5f) { failures++; fprintf(stderr, "m%d n%d k%d at %d: %g vs %g\n", M, N, K, i, y[i], ref[i]); break; }
        }
        free(W); free(packed); free(xq); free(colsum); free(x); free(sx); free(sw); free(bias); free(y); free(ref);
    }
    // ±127 × ±127 over 256 k: exact 127·127·256 (no saturation).
    {
        int M = 2, N = 16, K = 256;
        int8_t W[16 * 256], xq[2 * 256], packed[16 * 256]; int32_t colsum[16];
        float sx[2] = {1, 1}, sw[16], y[32];
        for (int i = 0; i < 16; i++) sw[i] = 1;
        memset(W, -127, sizeof W); memset(xq, -127, sizeof xq);
        clipz_i8_pack(W, N, K, packed, colsum);
        clipz_i8_gemm_path(CLIPZ_I8_PATH_NEON, xq, sx, M, K, packed, colsum, sw, NULL, y, N, N, 0, N, 0, CLIPZ_ACT_NONE);
        if (y[0] != 127.0f * 127.0f * 256.0f) { failures++; fprintf(stderr, "extreme values: %g\n", y[0]); }
    }
    printf("%s: %d failing shapes\n", failures ? "FAIL" : "ok", failures);
    return failures ? 1 : 0;
}
