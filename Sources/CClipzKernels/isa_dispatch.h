// Plain-C loops compiled once per instruction-set level and picked at run time by clipz_cpu_features().
//
// Why not target_clones: its ifunc resolver asks the CPU directly, so CLIPZ_CPU_DISABLE could not reach
// the lower clones and the AVX2 build of a loop ran only on AVX2-only hosts, never in a test on a newer
// CPU. Here every level is reachable by hiding features, and each is checked against the references.
#ifndef CLIPZ_ISA_DISPATCH_H
#define CLIPZ_ISA_DISPATCH_H
#include "clipz_kernels.h"

enum { CLIPZ_ISA_BASE = 0, CLIPZ_ISA_AVX2 = 1, CLIPZ_ISA_AVX512 = 2 };

/// The widest level the loops below may use: AVX-512F, AVX2 + FMA, or the baseline (SSE2 / NEON).
static inline int clipz_isa_level(void) {
#if defined(__x86_64__)
    uint32_t f = clipz_cpu_features();
    if (f & CLIPZ_CPU_AVX512F) return CLIPZ_ISA_AVX512;
    if ((f & (CLIPZ_CPU_AVX2 | CLIPZ_CPU_FMA)) == (CLIPZ_CPU_AVX2 | CLIPZ_CPU_FMA)) return CLIPZ_ISA_AVX2;
#endif
    return CLIPZ_ISA_BASE;
}

// CLIPZ_ISA_VARIANTS(name, params, args): from a void `name##_body params` (marked CLIPZ_ISA_BODY), defines
// name##_avx512, name##_avx2 and name##_base; CLIPZ_ISA_CALL(level, name, args) calls the one for `level`.
#define CLIPZ_ISA_BODY __attribute__((always_inline)) static inline
#if defined(__x86_64__) && defined(__clang__)
#define CLIPZ_ISA_VARIANTS(name, params, args)                                           \
    __attribute__((target("avx512f"))) static void name##_avx512 params { name##_body args; } \
    __attribute__((target("avx2,fma"))) static void name##_avx2 params { name##_body args; }  \
    static void name##_base params { name##_body args; }
#define CLIPZ_ISA_CALL(level, name, args) \
    ((level) == CLIPZ_ISA_AVX512 ? name##_avx512 args : (level) == CLIPZ_ISA_AVX2 ? name##_avx2 args : name##_base args)
#else
#define CLIPZ_ISA_VARIANTS(name, params, args) static void name##_base params { name##_body args; }
#define CLIPZ_ISA_CALL(level, name, args) ((void)(level), name##_base args)
#endif

// const T *rows[0..R) = x + r·ldx, held in registers through a tile's k loop. Without the empty asm,
// clang rebuilds them from r·ldx inside the loop (an imul or an add per row and k): issue slots that the
// FMAs need on 4-wide cores. `N` is the array's size (≥ R, which may be a constant after inlining).
#define CLIPZ_ROW_POINTERS(T, rows, N, R, x, ldx)                                    \
    const T *rows[N];                                                                \
    for (int r_ = 0; r_ < (R); r_++) {                                               \
        rows[r_] = (x) + (size_t)r_ * (size_t)(ldx);                                 \
        __asm__("" : "+r"(rows[r_]));                                                \
    }

#endif
