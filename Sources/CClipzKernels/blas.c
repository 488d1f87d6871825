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
#include <pthread.h>
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

void clipz_sgemm(int transB, int M, int N, int K, float alpha, const float *A, int lda,
                 const float *B, int ldb, float beta, float *C, int ldc) {
    if (M <= 0 || N <= 0) return;
    if (clipz_blas_load() == 0 && K > 0) {
        // CblasRowMajor = 101, CblasNoTrans = 111, CblasTrans = 112.
        p_sgemm(101, 111, transB ? 112 : 111, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    } else {
        clipz_sgemm_ref(transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    }
}
