// OpenBLAS, loaded with dlopen so that its core type can be chosen before it initialises.
//
// Why: Debian 12's OpenBLAS 0.3.21 (DYNAMIC_ARCH) falls back to the "Prescott" kernels on CPUs it
// does not know (e.g. Intel family 6 model 207), running sgemm ~6x slower. The library reads
// OPENBLAS_CORETYPE once, in its constructor, and a loaded OpenBLAS cannot be re-initialised.
// Linking it normally would run that constructor before any of our code. So we dlopen it, and
// just before that, when the user has not set OPENBLAS_CORETYPE, we export the best core that the
// CPU can run (by CPUID + XCR0): AVX-512 F/BW/VL/DQ -> "SkylakeX" ("Cooperlake" with AVX512-BF16),
// AVX2+FMA -> "Haswell". Both are what OpenBLAS itself picks on CPUs it recognises, so the choice
// is never worse than its own detection and never a core the CPU cannot execute.
#include "clipz_kernels.h"
#include <dlfcn.h>
// Up to this many rows the packing-free path wins (measured: at 50 rows it only ties with OpenBLAS).
#define CLIPZ_SMALL_M 16

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef void (*sgemm_fn)(int, int, int, int, int, int, float, const float *, int, const float *, int, float, float *, int);
typedef char *(*corename_fn)(void);
typedef void (*threads_fn)(int);

static pthread_once_t once = PTHREAD_ONCE_INIT;
static void *handle;
static sgemm_fn p_sgemm;
static corename_fn p_corename;
static threads_fn p_threads;
static char error_text[512];
static char chosen[32];
static int user_core;

static void load(void) {
    const char *env = getenv("OPENBLAS_CORETYPE");
    if (env && *env) {
        user_core = 1;
    } else {
        uint32_t f = clipz_cpu_features();
        const uint32_t avx512 = CLIPZ_CPU_AVX512F | CLIPZ_CPU_AVX512BW | CLIPZ_CPU_AVX512VL | CLIPZ_CPU_AVX512DQ;
        if ((f & avx512) == avx512) strcpy(chosen, (f & CLIPZ_CPU_AVX512BF16) ? "Cooperlake" : "SkylakeX");
        else if ((f & (CLIPZ_CPU_AVX2 | CLIPZ_CPU_FMA)) == (CLIPZ_CPU_AVX2 | CLIPZ_CPU_FMA)) strcpy(chosen, "Haswell");
        if (chosen[0]) setenv("OPENBLAS_CORETYPE", chosen, 0);
    }
    // Clipz runs its own threads around single-threaded GEMM calls, so OpenBLAS's pool would only
    // spin and reserve per-thread buffers (which also made it loop forever under a small address-space
    // limit). Respect a user's own setting.
    setenv("OPENBLAS_NUM_THREADS", "1", 0);
    const char *names[] = {"libopenblas.so.0", "libopenblas.so", "libopenblasp.so.0"};
    for (size_t i = 0; i < sizeof names / sizeof *names && !handle; i++) handle = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        snprintf(error_text, sizeof error_text, "cannot load OpenBLAS (%s); install libopenblas0 (Debian: apt-get install libopenblas-dev)", dlerror());
        return;
    }
    p_sgemm = (sgemm_fn)dlsym(handle, "cblas_sgemm");
    p_corename = (corename_fn)dlsym(handle, "openblas_get_corename");
    p_threads = (threads_fn)dlsym(handle, "openblas_set_num_threads");
    if (!p_sgemm) snprintf(error_text, sizeof error_text, "OpenBLAS has no cblas_sgemm symbol");
}

// OpenBLAS 0.3.21 reserves a ~128 MB buffer for every thread that calls it and, when the reservation
// fails (an address-space cap such as `ulimit -v`), retries forever. Under a cap, callers keep
// OpenBLAS on one thread, and clipz_sgemm checks that the buffer fits before OpenBLAS's first call.
#include <sys/mman.h>
#include <sys/resource.h>
int clipz_blas_single_caller(void) {
    struct rlimit r;
    return getrlimit(RLIMIT_AS, &r) == 0 && r.rlim_cur != RLIM_INFINITY;
}

// Set once OpenBLAS has run: its buffer is then allocated and reused by later calls.
static _Atomic int blas_buffer_ready;

// 1 when OpenBLAS can run without hanging: no address-space cap, or its buffer is already allocated,
// or a reservation of its size (plus slack) succeeds now. Otherwise callers use the plain loop.
static int blas_buffer_fits(void) {
    if (blas_buffer_ready || !clipz_blas_single_caller()) return 1;
    size_t size = (size_t)136 << 20;
    void *probe = mmap(NULL, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (probe == MAP_FAILED) return 0;
    munmap(probe, size);
    return 1;
}

int clipz_blas_load(void) { pthread_once(&once, load); return p_sgemm ? 0 : -1; }
const char *clipz_blas_error(void) { clipz_blas_load(); return error_text; }
const char *clipz_blas_corename(void) { clipz_blas_load(); return p_corename ? p_corename() : ""; }
const char *clipz_blas_chosen_core(void) { clipz_blas_load(); return chosen; }
int clipz_blas_user_core(void) { clipz_blas_load(); return user_core; }
void clipz_blas_set_threads(int n) { clipz_blas_load(); if (p_threads && n > 0) p_threads(n); }

void clipz_sgemm_ref(int transB, int M, int N, int K, float alpha, const float *A, int lda,
                     const float *B, int ldb, float beta, float *C, int ldc) {
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) {
            double acc = 0;
            for (int k = 0; k < K; k++) acc += (double)A[(size_t)i * lda + k] * (transB ? B[(size_t)j * ldb + k] : B[(size_t)k * ldb + j]);
            float prev = beta == 0 ? 0 : beta * C[(size_t)i * ldc + j];
            C[(size_t)i * ldc + j] = alpha * (float)acc + prev;
        }
}

#if defined(__x86_64__)
#include <immintrin.h>
// C = alpha·A·Bᵀ + beta·C for few rows (M ≤ 16): every weight row is read once and multiplied against
// all rows of A held in cache — memory-bound like GEMV, without OpenBLAS's per-call packing of B,
// which dominates at text-prompt sizes (e.g. 16 tokens × 512 × 2048).
__attribute__((target("avx512f")))
static inline void small_tile(int rows, int cols, int K, float alpha, const float *A, int lda, const float *B, int ldb,
                              float beta, float *C, int ldc) {
    // rows ≤ 4, cols ≤ 2: up to 8 accumulators that stay in registers (fixed indices after unrolling).
    int K16 = K & ~15;
    __mmask16 tail = (__mmask16)((1u << (K - K16)) - 1);
    __m512 a00 = _mm512_setzero_ps(), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00, a30 = a00, a31 = a00;
    const float *x0 = A, *x1 = A + (rows > 1 ? lda : 0), *x2 = A + (rows > 2 ? 2 * (size_t)lda : 0), *x3 = A + (rows > 3 ? 3 * (size_t)lda : 0);
    const float *b0 = B, *b1 = B + (cols > 1 ? ldb : 0);
    for (int k = 0; k <= K; k += 16) {
        __m512 w0, w1, v0, v1, v2, v3;
        if (k < K16) {
            w0 = _mm512_loadu_ps(b0 + k); w1 = _mm512_loadu_ps(b1 + k);
            v0 = _mm512_loadu_ps(x0 + k); v1 = _mm512_loadu_ps(x1 + k); v2 = _mm512_loadu_ps(x2 + k); v3 = _mm512_loadu_ps(x3 + k);
        } else if (tail && k == K16) {
            w0 = _mm512_maskz_loadu_ps(tail, b0 + k); w1 = _mm512_maskz_loadu_ps(tail, b1 + k);
            v0 = _mm512_maskz_loadu_ps(tail, x0 + k); v1 = _mm512_maskz_loadu_ps(tail, x1 + k);
            v2 = _mm512_maskz_loadu_ps(tail, x2 + k); v3 = _mm512_maskz_loadu_ps(tail, x3 + k);
        } else break;
        a00 = _mm512_fmadd_ps(w0, v0, a00); a01 = _mm512_fmadd_ps(w1, v0, a01);
        a10 = _mm512_fmadd_ps(w0, v1, a10); a11 = _mm512_fmadd_ps(w1, v1, a11);
        a20 = _mm512_fmadd_ps(w0, v2, a20); a21 = _mm512_fmadd_ps(w1, v2, a21);
        a30 = _mm512_fmadd_ps(w0, v3, a30); a31 = _mm512_fmadd_ps(w1, v3, a31);
    }
    __m512 acc[4][2] = {{a00, a01}, {a10, a11}, {a20, a21}, {a30, a31}};
    for (int r = 0; r < rows; r++)
        for (int c = 0; c < cols; c++) {
            float v = alpha * _mm512_reduce_add_ps(acc[r][c]);
            float *out = C + (size_t)r * ldc + c;
            *out = beta == 0 ? v : v + beta * *out;
        }
}

// C = alpha·A·Bᵀ + beta·C for few rows (M ≤ 16): each weight row is streamed once per 4 rows of A
// (which stay in cache), with no packing of B — OpenBLAS repacks B on every call, which dominates at
// text-prompt sizes (e.g. 16 tokens × 512 × 2048).
__attribute__((target("avx512f")))
static void sgemm_small_m(int M, int N, int K, float alpha, const float *A, int lda, const float *B, int ldb,
                          float beta, float *C, int ldc) {
    for (int n = 0; n < N; n += 2)
        for (int m = 0; m < M; m += 4)
            small_tile(M - m < 4 ? M - m : 4, N - n < 2 ? N - n : 2, K, alpha, A + (size_t)m * lda, lda,
                       B + (size_t)n * ldb, ldb, beta, C + (size_t)m * ldc + n, ldc);
}
#endif

void clipz_sgemm(int transB, int M, int N, int K, float alpha, const float *A, int lda,
                 const float *B, int ldb, float beta, float *C, int ldc) {
    if (M <= 0 || N <= 0) return;
#if defined(__x86_64__)
    if (transB && M <= CLIPZ_SMALL_M && K >= 64 && (clipz_cpu_features() & CLIPZ_CPU_AVX512F)) {
        sgemm_small_m(M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
        return;
    }
#endif
    if (clipz_blas_load() == 0 && K > 0 && blas_buffer_fits()) {
        // CblasRowMajor = 101, CblasNoTrans = 111, CblasTrans = 112.
        p_sgemm(101, 111, transB ? 112 : 111, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
        blas_buffer_ready = 1;
    } else {
        clipz_sgemm_ref(transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    }
}
