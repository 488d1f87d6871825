// One-thread GEMM microbenchmark of Clipz's packed kernels with cold and warm weights (Tools/gemm_bench.sh).
//
//   gemm_bench f32|f16|i8|i8n M K N [REPS [L2_BYTES]]
//
// f32: clipz_f32_gemm_packed; f16: clipz_f16_gemm_packed (fp16 panels widened one at a time); i8: clipz_i8_gemm_offset with 8-bit weights; i8n: with 7-bit ("narrow") weights.
// "cold": each call takes the next of 48 packed copies of the weights (48 × the matrix exceeds the last-level
// cache for the shapes of interest), as a forward pass meets each layer's weights once; "warm": the same copy
// again right after. The copies are allocated as the runtime holds packed weights (clipz_weights_alloc: from
// 4 MiB up on transparent huge pages unless CLIPZ_HUGE_PAGES=0). Best of REPS calls each, in GFLOP/s (2·M·K·N per call). CLIPZ_CPU_DISABLE picks lower paths;
// L2_BYTES makes the fp32 kernels block k for that L2 size instead of the CPU's (clipz_set_l2_cache_bytes).
#include "clipz_kernels.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define COPIES 48

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void *must(void *p) {
    if (!p) { fprintf(stderr, "out of memory\n"); exit(1); }
    return p;
}

int main(int argc, char **argv) {
    if (argc < 5) { fprintf(stderr, "usage: %s f32|f16|i8|i8n M K N [REPS [L2_BYTES]]\n", argv[0]); return 2; }
    if (argc > 6) clipz_set_l2_cache_bytes((size_t)atol(argv[6]));
    const char *kind = argv[1];
    int M = atoi(argv[2]), K = atoi(argv[3]), N = atoi(argv[4]), reps = argc > 5 ? atoi(argv[5]) : 64;
    int f16 = strcmp(kind, "f16") == 0, f32 = f16 || strcmp(kind, "f32") == 0, narrow_weights = strcmp(kind, "i8n") == 0;
    if (M <= 0 || K <= 0 || N <= 0 || reps <= 0 || (!f32 && strcmp(kind, "i8") != 0 && !narrow_weights)) {
        fprintf(stderr, "bad arguments\n");
        return 2;
    }
    srand(1);
    float *y = must(malloc(sizeof(float) * (size_t)M * N)), *bias = must(calloc((size_t)N, sizeof(float)));
    void *packed[COPIES];
    int32_t *colsum[COPIES];
    float *x = NULL, *sx = NULL, *sw = NULL;
    uint8_t *xu = NULL;
    int narrow = 0;
    if (f32) {
        x = must(malloc(sizeof(float) * (size_t)M * K));
        float *w = must(malloc(sizeof(float) * (size_t)N * K));
        for (size_t i = 0; i < (size_t)M * K; i++) x[i] = (float)(rand() % 100) / 100.0f;
        for (size_t i = 0; i < (size_t)N * K; i++) w[i] = (float)(rand() % 100) / 100.0f - 0.5f;
        uint16_t *h = must(malloc(sizeof(uint16_t) * (size_t)N * K));
        clipz_f32_to_f16(w, h, (size_t)N * K);
        for (int c = 0; c < COPIES; c++) {
            size_t bytes = clipz_f32_packed_floats(N, K) * (f16 ? sizeof(uint16_t) : sizeof(float));
            packed[c] = must(clipz_weights_alloc(bytes));  // as the runtime holds them (WeightBuffer)
            if (f16) clipz_half_pack(h, N, K, packed[c]);
            else clipz_f32_pack(w, N, K, packed[c]);
        }
        free(w);
        free(h);
    } else {
        size_t kp = (size_t)(K + 3) / 4 * 4;
        xu = must(calloc((size_t)M * kp, 1));
        sx = must(malloc(sizeof(float) * (size_t)M));
        sw = must(malloc(sizeof(float) * (size_t)N));
        int8_t *w = must(malloc((size_t)N * K));
        for (size_t i = 0; i < (size_t)M * kp; i++) xu[i] = (uint8_t)(rand() % 256);
        for (int i = 0; i < M; i++) sx[i] = 0.01f;
        for (int i = 0; i < N; i++) sw[i] = 0.01f;
        for (size_t i = 0; i < (size_t)N * K; i++) w[i] = (int8_t)(narrow_weights ? rand() % 127 - 63 : rand() % 255 - 127);
        for (int c = 0; c < COPIES; c++) {
            packed[c] = must(clipz_weights_alloc(clipz_i8_packed_bytes(N, K)));
            colsum[c] = must(malloc(sizeof(int32_t) * (size_t)((N + 15) / 16 * 16)));
            narrow = clipz_i8_pack(w, N, K, packed[c], colsum[c]);
        }
        free(w);
    }
    double cold = 1e30, warm = 1e30;
    for (int r = 0; r < reps; r++) {
        int c = r % COPIES;
        for (int pass = 0; pass < 2; pass++) {
            double t = now();
            if (f16) clipz_f16_gemm_packed(x, M, K, K, packed[c], bias, y, N, N, 0, N, 0, CLIPZ_ACT_NONE);
            else if (f32) clipz_f32_gemm_packed(x, M, K, K, packed[c], bias, y, N, N, 0, N, 0, CLIPZ_ACT_NONE);
            else clipz_i8_gemm_offset(xu, sx, M, K, packed[c], colsum[c], narrow, sw, bias, y, N, N, 0, N, 0, CLIPZ_ACT_NONE);
            t = now() - t;
            if (pass == 0 && t < cold) cold = t;
            if (pass == 1 && t < warm) warm = t;
        }
    }
    double flop = 2.0 * M * K * N;
    const char *label = f16 ? "fp16 weights" : f32 ? "fp32" : narrow ? "int8, 7-bit weights" : "int8";
    printf("| %s | %s | %d × %d · %d × %d | %.1f | %.1f |\n", label, f32 ? clipz_f32_kernel_name() : clipz_i8_kernel_name(),
           M, K, K, N, flop / cold / 1e9, flop / warm / 1e9);
    return 0;
}
