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
    CLIPZ_CPU_NEON_DOT = 1 << 9, CLIPZ_CPU_SHA = 1 << 10,
    CLIPZ_CPU_NEON = 1 << 11,       ///< aarch64 Advanced SIMD (every Armv8-A Linux system)
    CLIPZ_CPU_NEON_I8MM = 1 << 12,  ///< aarch64 FEAT_I8MM (smmla)
};
/// Bit set of CLIPZ_CPU_* features usable on this CPU *and* enabled by the OS (XCR0 on x86-64, the
/// kernel's HWCAP bits on aarch64).
uint32_t clipz_cpu_features(void);
/// Hands freed heap memory back to the OS (glibc malloc_trim; no-op elsewhere).
void clipz_release_free_memory(void);
/// Memory for packed weights, 64-byte aligned; from 4 MiB up, a 2 MiB-aligned mapping that asks for
/// transparent huge pages (fewer TLB misses while a GEMM streams the weights). NULL when out of memory.
/// Free with clipz_weights_free and the same byte count.
void *clipz_weights_alloc(size_t bytes);
void clipz_weights_free(void *p, size_t bytes);
/// 1 when clipz_weights_alloc asks for huge pages (Linux; not with CLIPZ_HUGE_PAGES=0 or off).
int clipz_weights_huge_pages(void);
/// The per-core L2 size in bytes that the packed fp32 kernels block for: as set below, else what the CPU
/// reports (glibc sysconf), else 256 KiB.
size_t clipz_l2_cache_bytes(void);
/// Overrides the L2 size the kernels assume (0: back to the CPU's); for tests and tuning.
void clipz_set_l2_cache_bytes(size_t bytes);

/// What clipz_peak_gops measures, with the widest instructions the kernels use on this CPU.
typedef enum {
    CLIPZ_PEAK_F32_FMA = 0,   ///< fp32 FMA: AVX-512, else AVX2 (2 flops per lane)
    CLIPZ_PEAK_I8 = 1,        ///< int8: AVX-512 VNNI, else the AVX2 kernel's vpmaddubsw sequence (2 ops per product)
    CLIPZ_PEAK_I8_NARROW = 2, ///< int8 with 7-bit weights: AVX-512 VNNI, else AVX2's shorter u8 × s8 sequence
} clipz_peak_kind;
/// Peak throughput of the calling core in G ops/s: the fastest of 8 timed runs over about `seconds` in all
/// (interference only slows a run down). 0 when the CPU has neither instruction set (or off x86-64).
double clipz_peak_gops(clipz_peak_kind kind, double seconds);
/// The instructions clipz_peak_gops(kind) measures here ("AVX-512 FMA", "AVX2 FMA", "AVX-512 VNNI",
/// "AVX2 vpmaddubsw", "AVX2 vpmaddubsw, 7-bit weights"), or "" when none.
const char *clipz_peak_name(clipz_peak_kind kind);

// ---- threads ----------------------------------------------------------------
typedef void (*clipz_task_fn)(void *ctx, int part);
/// Runs fn(ctx, p) for p in [0, parts) on the calling thread and up to threads - 1 pool workers
/// (started on first use; they spin ~100 µs after a job, then sleep). Returns when every part is
/// done. Runs serially when parts or threads is 1, when workers cannot be started, or when another
/// job (another thread's, or an enclosing one) is running.
void clipz_parallel_for(int parts, int threads, clipz_task_fn fn, void *ctx);

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
/// 1 when the process has an address-space limit (RLIMIT_AS): OpenBLAS must then be called from one
/// thread only (each calling thread reserves ~128 MB, and 0.3.21 retries forever when that fails).
int clipz_blas_single_caller(void);
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

// ---- file writing ----------------------------------------------------------
/// Starts writeback of `length` bytes at `offset` of a file being written (Linux sync_file_range with
/// SYNC_FILE_RANGE_WRITE; a no-op elsewhere). Does not wait; write errors still surface at fsync.
void clipz_start_writeback(int fd, int64_t offset, int64_t length);
/// Asks the kernel to drop the cached pages of a written range (posix_fadvise DONTNEED); pages not yet
/// written back stay. Writing a model many GB large then reuses its own freed pages instead of making
/// the kernel reclaim other cached files page by page while the writer waits.
void clipz_drop_cached(int fd, int64_t offset, int64_t length);

// ---- byte planes (.clipz encoding "zstd_byteplanes") ------------------------
/// Splits n elements of `width` bytes into `width` planes: plane b holds byte b of every element.
void clipz_bytes_to_planes(const uint8_t *src, uint8_t *dst, size_t n, size_t width);
void clipz_planes_to_bytes(const uint8_t *src, uint8_t *dst, size_t n, size_t width);
void clipz_planes_to_bytes_ref(const uint8_t *src, uint8_t *dst, size_t n, size_t width);

// ---- transformer ops (fp32) -------------------------------------------------
/// y[r] = (x[r] - mean) / sqrt(var + eps) * gamma + beta for each of `rows` rows of width w (x == y allowed).
void clipz_layernorm(const float *x, float *y, int rows, int w, const float *gamma, const float *beta, float eps);
/// clipz_layernorm into y, then each row quantized as clipz_quantize_rows does (static_scale > 0: that fixed
/// scale, as clipz_quantize_rows_static with 1/static_scale; scales[r] receives the scale either way) into
/// rows of round_up(w, 4) bytes, stored as x + 128 (clipz_i8_offset) when offset: one pass over rows in L1
/// instead of three (normalize, quantize, offset).
void clipz_layernorm_quantize_rows(const float *x, float *y, int rows, int w, const float *gamma, const float *beta,
                                   float eps, float static_scale, int offset, int8_t *xq, float *scales);
/// Activation functions, applied in place (clipz_activation) or fused into a GEMM epilogue.
typedef enum {
    CLIPZ_ACT_NONE = -1,
    CLIPZ_ACT_QUICK_GELU = 0,  ///< x·σ(1.702x)
    CLIPZ_ACT_GELU = 1,        ///< x·Φ(x) with erf
    CLIPZ_ACT_GELU_TANH = 2,   ///< the tanh approximation of GELU
} clipz_act;
/// In place; CLIPZ_ACT_NONE leaves x alone.
void clipz_activation(float *x, size_t n, clipz_act kind);
/// y += x
void clipz_add(float *y, const float *x, size_t n);
/// Attention for one (sequence, head): q, k, v are [seq, hd] with row stride ld, out has row stride ldo;
/// scratch holds (seq + hd) * round_up(seq, 16) floats. Scores are scale · q·kᵀ (scale = 1/sqrt(hd) for
/// CLIP; applied to the keys while they are transposed, which is exact for power-of-two scales).
/// causal masks keys after the query.
void clipz_attention_head(const float *q, const float *k, const float *v, float *out, int seq, int hd, int ld, int ldo,
                          float *scratch, int causal, float scale);
/// clipz_attention_head with bfloat16 inputs to both products (q, the scaled keys, the softmax weights and
/// v rounded to nearest even; fp32 accumulation and softmax): twice the fp32 rate on CPUs with AVX512_BF16,
/// for int8 models. Runs clipz_attention_head where that path is missing (see
/// clipz_attention_bf16_available) or hd is not a multiple of 16. scratch: clipz_attention_scratch_floats.
void clipz_attention_head_bf16(const float *q, const float *k, const float *v, float *out, int seq, int hd, int ld,
                               int ldo, float *scratch, int causal, float scale);
/// 1 when clipz_attention_head_bf16 has its bf16 path here (AVX-512F + AVX512_BF16, not disabled).
int clipz_attention_bf16_available(void);
/// Plain reference of clipz_attention_head_bf16's path (the same bf16 roundings, double sums, libm exp).
void clipz_attention_head_bf16_ref(const float *q, const float *k, const float *v, float *out, int seq, int hd, int ld,
                                   int ldo, int causal, float scale);
/// Scratch floats either attention function needs for one head (0 for empty shapes).
size_t clipz_attention_scratch_floats(int seq, int hd);
/// Instruction-set level the plain-C loops (LayerNorm, activations, add, row quantization) run at:
/// 0 baseline, 1 AVX2 + FMA, 2 AVX-512F; follows clipz_cpu_features(), so CLIPZ_CPU_DISABLE lowers it.
int clipz_ops_level(void);
/// exp on a vector with the polynomial the fused kernels use (max rel. error ~2e-7), for tests.
void clipz_vexp(const float *x, float *y, size_t n);

// ---- fp32 GEMM on prepacked weights -------------------------------------------
// Weights W [N, K] (row-major, like torch Linear) are packed once into panels of 32 output columns,
// k-major: packed[(p*K + k)*32 + j] = W[p*32 + j][k], N padded to a multiple of 32 with zeros.
#define CLIPZ_F32_NR 32
/// Elements the packed form of an N × K matrix takes (0 for empty shapes), fp32 or fp16 alike.
size_t clipz_f32_packed_floats(int N, int K);
void clipz_f32_pack(const float *W, int N, int K, float *packed);
void clipz_f32_unpack(const float *packed, int N, int K, float *W);
/// 1 when clipz_f32_gemm_packed has a SIMD path on this CPU (AVX-512F, AVX2 + FMA, or aarch64 NEON);
/// callers use OpenBLAS otherwise.
int clipz_f32_packed_available(void);
/// The SIMD path clipz_f32_gemm_packed takes: "avx512", "avx2", "neon", or "" when it has none.
const char *clipz_f32_kernel_name(void);
/// y[m, n] = act(Σ_k x[m,k]·W[n,k] + bias[n]) (+ y[m, n] when accumulate) for n in [n_begin, n_end)
/// (n_begin a multiple of 32); x has row stride ldx, y row stride ldy; bias may be NULL; act is a
/// clipz_activation's formulas.
void clipz_f32_gemm_packed(const float *x, int M, int K, int ldx, const float *packed, const float *bias,
                           float *y, int ldy, int N, int n_begin, int n_end, int accumulate, clipz_act act);
/// Plain-loop reference (double accumulation, libm activations), used by tests.
void clipz_f32_gemm_packed_ref(const float *x, int M, int K, int ldx, const float *packed, const float *bias,
                               float *y, int ldy, int N, int n_begin, int n_end, int accumulate, clipz_act act);

// fp16 and bf16 weights kept in 16 bits: the same panels with 16-bit elements (half the memory and memory
// traffic; clipz_half_pack packs either, they are bits). clipz_f16_gemm_packed / clipz_bf16_gemm_packed widen one
// panel at a time into a per-thread fp32 buffer (K × 32 floats, reused by every row tile of the panel while it
// sits in L1/L2) and run clipz_f32_gemm_packed's kernel on it, so their results equal clipz_f32_gemm_packed's on
// the widened weights bit for bit. Need clipz_f32_packed_available(); where the buffer cannot be allocated
// they fall back to a plain loop with the same sums in double.
void clipz_half_pack(const uint16_t *W, int N, int K, uint16_t *packed);
void clipz_half_unpack(const uint16_t *packed, int N, int K, uint16_t *W);
void clipz_bf16_gemm_packed(const float *x, int M, int K, int ldx, const uint16_t *packed, const float *bias,
                            float *y, int ldy, int N, int n_begin, int n_end, int accumulate, clipz_act act);
void clipz_f16_gemm_packed(const float *x, int M, int K, int ldx, const uint16_t *packed, const float *bias,
                           float *y, int ldy, int N, int n_begin, int n_end, int accumulate, clipz_act act);

// ---- int8 weights ------------------------------------------------------------
/// Per-row symmetric int8 quantization of a [rows, cols] f32 matrix: scales[r] = max|w[r]| / qmax (1 for an
/// all-zero row), q = clamp(round-half-even(w / scale), -qmax, qmax); qmax is 127 (8-bit) or 63 (7-bit
/// weights), anything outside 1...127 means 127. *err / *norm receive Σ (w − q·scale)² and Σ w² (float sums
/// per row, added up in double).
void clipz_quantize_weights(const float *w, size_t rows, size_t cols, int qmax, int8_t *q, float *scales, double *err, double *norm);

// ---- int8 GEMM ---------------------------------------------------------------
// Weights W [N, K] int8 (symmetric, -127..127) are packed once into blocks of 16 output channels
// × 4 consecutive k: packed[((nb * K4) + k4) * 64 + lane * 4 + j] = W[nb*16 + lane][k4*4 + j],
// K4 = ceil(K/4), N padded to a multiple of 16 with zero rows. Activations are int8 rows
// (-127..127) padded with zeros to K4*4 columns.
#define CLIPZ_I8_NBLOCK 16
size_t clipz_i8_packed_bytes(int N, int K);
/// Packs W and computes colsum[n] = Σ_k W[n,k] (used by the unsigned-offset kernels). Returns 1 when every
/// weight lies in [-64, 63] ("narrow", 7-bit: the AVX2 kernel can then take offset activations), else 0.
int clipz_i8_pack(const int8_t *W, int N, int K, int8_t *packed, int32_t *colsum);
/// Quantizes each row of x [M, K] symmetrically: scale[m] = max|x[m]|/127, xq = round(x/scale).
/// Writes rows of K4*4 bytes (zero padded).
void clipz_quantize_rows(const float *x, int M, int K, int8_t *xq, float *scales);
void clipz_quantize_rows_ref(const float *x, int M, int K, int8_t *xq, float *scales);
/// Same with one fixed scale (static quantization): xq = clamp(round(x * inv_scale), -127, 127).
void clipz_quantize_rows_static(const float *x, int M, int K, float inv_scale, int8_t *xq);
/// y[m, n] = act(sx[m] * sw[n] * Σ_k xq[m,k] W[n,k] + bias[n]) (+ y[m, n] when accumulate) for n in
/// [n_begin, n_end) (multiples of 16, n_end may be N). y has row stride ldy. bias may be NULL. Dispatches to AVX-512 VNNI, AVX2,
/// NEON smmla, NEON sdot or scalar.
void clipz_i8_gemm(const int8_t *xq, const float *sx, int M, int K, const int8_t *packed, const int32_t *colsum,
                   const float *sw, const float *bias, float *y, int ldy, int N, int n_begin, int n_end, int accumulate, clipz_act act);
/// int8 GEMM code paths, worst to best.
typedef enum {
    CLIPZ_I8_PATH_AUTO = 0,    ///< the best one this CPU runs
    CLIPZ_I8_PATH_SCALAR = 1,  ///< plain C, the reference
    CLIPZ_I8_PATH_AVX2 = 2,
    CLIPZ_I8_PATH_VNNI = 3,    ///< AVX-512 VNNI
    CLIPZ_I8_PATH_NEON = 4,    ///< NEON sdot (aarch64 FEAT_DotProd)
    CLIPZ_I8_PATH_NEON_I8MM = 5,  ///< NEON smmla (aarch64 FEAT_I8MM), on the same packed weights
    CLIPZ_I8_PATH_AVX2_NARROW = 6,  ///< AVX2 u8 × s8 on offset activations; only for narrow weights (see clipz_i8_pack)
} clipz_i8_path;
/// 1 when `path` (not AUTO) runs on this CPU and build, as clipz_cpu_features() reports it (so
/// CLIPZ_CPU_DISABLE hides paths).
int clipz_i8_path_supported(clipz_i8_path path);
/// clipz_i8_gemm on a forced path; returns -1 and writes nothing when !clipz_i8_path_supported(path)
/// (a test asking for a path never silently runs another one), 0 otherwise.
int clipz_i8_gemm_path(clipz_i8_path path, const int8_t *xq, const float *sx, int M, int K, const int8_t *packed, const int32_t *colsum,
                       const float *sw, const float *bias, float *y, int ldy, int N, int n_begin, int n_end, int accumulate, clipz_act act);
/// dst[i] = src[i] XOR 0x80: int8 x ↔ unsigned x + 128 (src == dst allowed).
void clipz_i8_offset(const uint8_t *src, uint8_t *dst, size_t n);
/// 1 when clipz_i8_gemm_offset runs straight on offset activations (VNNI always, AVX2 for narrow weights
/// want x + 128), so callers should quantize, then clipz_i8_offset once, instead of every GEMM thread
/// flipping a copy.
int clipz_i8_takes_offset(void);
/// clipz_i8_gemm on activations stored as x + 128 (unsigned; e.g. from clipz_i8_offset). Same results.
/// `narrow`: clipz_i8_pack's result for these weights (lets AVX2 use its u8 × s8 kernel).
void clipz_i8_gemm_offset(const uint8_t *xu, const float *sx, int M, int K, const int8_t *packed, const int32_t *colsum, int narrow,
                          const float *sw, const float *bias, float *y, int ldy, int N, int n_begin, int n_end, int accumulate, clipz_act act);
/// Name of the kernel clipz_i8_gemm uses on this CPU ("avx512-vnni", "avx2", "neon-i8mm", "neon-sdot", "scalar").
const char *clipz_i8_kernel_name(void);

#ifdef __cplusplus
}
#endif
#endif
