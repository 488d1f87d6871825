// Clipz C kernels: the small C surface that Swift calls for checksums, CPU facts,
// OpenBLAS (loaded at run time) and SIMD numeric kernels.
#ifndef CLIPZ_KERNELS_H
#define CLIPZ_KERNELS_H
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

// ---- checksums ------------------------------------------------------------
/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), init/xorout 0xFFFFFFFF.
/// Pass the previous result as `crc` to continue a running checksum (start with 0).
uint32_t clipz_crc32c(uint32_t crc, const void *data, size_t length);

/// Streaming SHA-256 (FIPS 180-4).
typedef struct { uint32_t state[8]; uint64_t total; uint8_t block[64]; size_t used; } clipz_sha256_ctx;
void clipz_sha256_init(clipz_sha256_ctx *ctx);
void clipz_sha256_update(clipz_sha256_ctx *ctx, const void *data, size_t length);
void clipz_sha256_final(clipz_sha256_ctx *ctx, uint8_t out[32]);

// ---- CPU ------------------------------------------------------------------
enum {
    CLIPZ_CPU_AVX2 = 1 << 0, CLIPZ_CPU_FMA = 1 << 1, CLIPZ_CPU_F16C = 1 << 2,
    CLIPZ_CPU_AVX512F = 1 << 3, CLIPZ_CPU_AVX512BW = 1 << 4, CLIPZ_CPU_AVX512VL = 1 << 5,
    CLIPZ_CPU_AVX512DQ = 1 << 6, CLIPZ_CPU_AVX512VNNI = 1 << 7, CLIPZ_CPU_AVX512BF16 = 1 << 8,
    CLIPZ_CPU_NEON_DOT = 1 << 9,
};
/// Bit set of CLIPZ_CPU_* features usable on this CPU *and* enabled by the OS (XCR0).
uint32_t clipz_cpu_features(void);

// ---- OpenBLAS ---------------------------------------------------------------
/// Loads OpenBLAS once (thread-safe). Before loading, if the environment has no
/// OPENBLAS_CORETYPE, sets it to the best core this CPU can run (see blas.c).
/// Returns 0 on success, -1 when the library cannot be loaded (see clipz_blas_error()).
int clipz_blas_load(void);
const char *clipz_blas_error(void);
/// Core name OpenBLAS reports after loading ("" before).
const char *clipz_blas_corename(void);
/// Core type Clipz chose and exported, or "" when it left the variable alone.
const char *clipz_blas_chosen_core(void);
/// 1 when the user had OPENBLAS_CORETYPE set already.
int clipz_blas_user_core(void);
void clipz_blas_set_threads(int n);
/// Row-major C[M,N] = alpha * A[M,K] * op(B) + beta * C, where op(B) = B[K,N] or B[N,K]^T when transB.
/// Falls back to a plain loop when OpenBLAS could not be loaded.
void clipz_sgemm(int transB, int M, int N, int K, float alpha, const float *A, int lda,
                 const float *B, int ldb, float beta, float *C, int ldc);
/// Reference (plain loop) version of clipz_sgemm, used by tests.
void clipz_sgemm_ref(int transB, int M, int N, int K, float alpha, const float *A, int lda,
                     const float *B, int ldb, float beta, float *C, int ldc);

// ---- half precision ---------------------------------------------------------
void clipz_f16_to_f32(const uint16_t *src, float *dst, size_t n);
void clipz_f32_to_f16(const float *src, uint16_t *dst, size_t n);   // round to nearest even
void clipz_bf16_to_f32(const uint16_t *src, float *dst, size_t n);
void clipz_f32_to_bf16(const float *src, uint16_t *dst, size_t n);  // round to nearest even
void clipz_f16_to_f32_ref(const uint16_t *src, float *dst, size_t n);
void clipz_f32_to_f16_ref(const float *src, uint16_t *dst, size_t n);

// ---- byte planes (.clipz encoding "zstd_byteplanes") ------------------------
/// Splits n elements of `width` bytes into `width` planes: plane b holds byte b of every element.
void clipz_bytes_to_planes(const uint8_t *src, uint8_t *dst, size_t n, size_t width);
void clipz_planes_to_bytes(const uint8_t *src, uint8_t *dst, size_t n, size_t width);

#ifdef __cplusplus
}
#endif
#endif
