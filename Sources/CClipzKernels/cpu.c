// CPU feature detection: CPUID bits checked together with the OS-enabled state (XCR0),
// so that a feature is reported only when its registers are actually saved by the kernel.
#include "clipz_kernels.h"
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#if defined(__x86_64__)
#include <cpuid.h>
static uint64_t xgetbv0(void) { uint32_t a, d; __asm__ volatile("xgetbv" : "=a"(a), "=d"(d) : "c"(0)); return ((uint64_t)d << 32) | a; }
#elif defined(__aarch64__) && defined(__linux__)
#include <sys/auxv.h>
// The kernel's HWCAP bits (asm/hwcap.h), spelled out for older headers.
#define CLIPZ_HWCAP_ASIMD (1ul << 1)
#define CLIPZ_HWCAP_ASIMDDP (1ul << 20)
#define CLIPZ_HWCAP2_I8MM (1ul << 13)
#endif

static uint32_t detect(void);

// CLIPZ_CPU_DISABLE=avx512 (or avx2, which implies avx512; or sha; or bf16; comma separated) hides features from
// every kernel dispatch, to run and test the fallback paths (OpenBLAS fp32, AVX2 int8) on a newer CPU.
// On aarch64: i8mm (smmla), dotprod (sdot), neon (all three: OpenBLAS fp32, scalar int8).
static uint32_t disabled(void) {
    const char *e = getenv("CLIPZ_CPU_DISABLE");
    if (!e) return 0;
    const uint32_t avx512 = CLIPZ_CPU_AVX512F | CLIPZ_CPU_AVX512BW | CLIPZ_CPU_AVX512VL | CLIPZ_CPU_AVX512DQ |
                            CLIPZ_CPU_AVX512VNNI | CLIPZ_CPU_AVX512BF16;
    uint32_t off = 0;
    if (strstr(e, "avx512")) off |= avx512;
    if (strstr(e, "avx2")) off |= avx512 | CLIPZ_CPU_AVX2 | CLIPZ_CPU_FMA;
    if (strstr(e, "sha")) off |= CLIPZ_CPU_SHA;
    if (strstr(e, "bf16")) off |= CLIPZ_CPU_AVX512BF16;
    if (strstr(e, "i8mm")) off |= CLIPZ_CPU_NEON_I8MM;
    if (strstr(e, "dotprod")) off |= CLIPZ_CPU_NEON_DOT;
    if (strstr(e, "neon")) off |= CLIPZ_CPU_NEON | CLIPZ_CPU_NEON_DOT | CLIPZ_CPU_NEON_I8MM;
    return off;
}

// CPUID can trap to the hypervisor in a VM (slow), and kernels ask on every call: detect once.
uint32_t clipz_cpu_features(void) {
    static uint32_t cached = 0xFFFFFFFFu;
    uint32_t v = __atomic_load_n(&cached, __ATOMIC_RELAXED);
    if (v == 0xFFFFFFFFu) { v = detect() & ~disabled(); __atomic_store_n(&cached, v, __ATOMIC_RELAXED); }
    return v;
}

static uint32_t detect(void) {
    uint32_t f = 0;
#if defined(__x86_64__)
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    int osxsave = (c >> 27) & 1, avx = (c >> 28) & 1, fma = (c >> 12) & 1, f16c = (c >> 29) & 1;
    if (!osxsave || !avx) return 0;
    uint64_t xcr0 = xgetbv0();
    int ymm_ok = (xcr0 & 0x6) == 0x6, zmm_ok = (xcr0 & 0xE6) == 0xE6;
    if (!ymm_ok) return 0;
    if (fma) f |= CLIPZ_CPU_FMA;
    if (f16c) f |= CLIPZ_CPU_F16C;
    if (__get_cpuid_max(0, 0) < 7) return f;
    __cpuid_count(7, 0, a, b, c, d);
    if ((b >> 5) & 1) f |= CLIPZ_CPU_AVX2;
    if ((b >> 29) & 1) f |= CLIPZ_CPU_SHA;
    if (zmm_ok) {
        if ((b >> 16) & 1) f |= CLIPZ_CPU_AVX512F;
        if ((b >> 17) & 1) f |= CLIPZ_CPU_AVX512DQ;
        if ((b >> 30) & 1) f |= CLIPZ_CPU_AVX512BW;
        if ((b >> 31) & 1) f |= CLIPZ_CPU_AVX512VL;
        if ((c >> 11) & 1) f |= CLIPZ_CPU_AVX512VNNI;
        unsigned a1, b1, c1, d1;
        __cpuid_count(7, 1, a1, b1, c1, d1);
        if ((a1 >> 5) & 1) f |= CLIPZ_CPU_AVX512BF16;
    }
#elif defined(__aarch64__)
    // Advanced SIMD is part of every Armv8-A Linux system (the ABI passes floats in its registers); the
    // sdot and smmla kernels are compiled for their extensions whatever the build's -march, and run
    // only where the kernel reports them.
    f |= CLIPZ_CPU_NEON;
#if defined(__linux__)
    unsigned long hw = getauxval(AT_HWCAP), hw2 = getauxval(AT_HWCAP2);
    if (hw & CLIPZ_HWCAP_ASIMDDP) f |= CLIPZ_CPU_NEON_DOT;
    if ((hw & CLIPZ_HWCAP_ASIMD) && (hw2 & CLIPZ_HWCAP2_I8MM)) f |= CLIPZ_CPU_NEON_I8MM;
#else
#if defined(__ARM_FEATURE_DOTPROD)
    f |= CLIPZ_CPU_NEON_DOT;
#endif
#if defined(__ARM_FEATURE_MATMUL_INT8)
    f |= CLIPZ_CPU_NEON_I8MM;
#endif
#endif
#endif
    return f;
}

// The L2 size the fp32 kernels size their k blocks for (f32_gemm.c): set by clipz_set_l2_cache_bytes, else
// glibc's reading of CPUID (sysconf), else 256 KiB, the smallest L2 among the x86 cores Clipz targets (Haswell
// and Skylake client cores). Read once: sysconf runs CPUID, which can trap to the hypervisor in a VM.
static size_t l2_set, l2_detected;

void clipz_set_l2_cache_bytes(size_t bytes) { __atomic_store_n(&l2_set, bytes, __ATOMIC_RELAXED); }

size_t clipz_l2_cache_bytes(void) {
    size_t set = __atomic_load_n(&l2_set, __ATOMIC_RELAXED);
    if (set) return set;
    size_t v = __atomic_load_n(&l2_detected, __ATOMIC_RELAXED);
    if (!v) {
        long n = -1;
#if defined(_SC_LEVEL2_CACHE_SIZE)
        n = sysconf(_SC_LEVEL2_CACHE_SIZE);
#endif
        v = n > 0 ? (size_t)n : (size_t)256 << 10;
        __atomic_store_n(&l2_detected, v, __ATOMIC_RELAXED);
    }
    return v;
}

#if defined(__GLIBC__)
#include <malloc.h>
#endif
// Returns freed heap pages to the OS (glibc keeps them mapped after large temporary buffers).
void clipz_release_free_memory(void) {
#if defined(__GLIBC__)
    malloc_trim(0);
#endif
}
