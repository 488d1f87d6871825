// Peak arithmetic throughput of one core, measured with independent register-only chains, so that
// benchmarks can say what fraction of the machine a forward pass uses (`clipz system --peak`).
#include "clipz_kernels.h"
#include "isa_dispatch.h"
#include <time.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

static double seconds_now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

#if defined(__x86_64__)
// 12 independent accumulators hide the FMA / VNNI latency; the empty asm keeps them in registers
// and stops the compiler from folding the loop.
#define CHAINS(op, acc) do { for (int j = 0; j < 12; j++) acc[j] = op; \
    __asm__ volatile("" : "+v"(acc[0]), "+v"(acc[1]), "+v"(acc[2]), "+v"(acc[3]), "+v"(acc[4]), "+v"(acc[5]), \
                     "+v"(acc[6]), "+v"(acc[7]), "+v"(acc[8]), "+v"(acc[9]), "+v"(acc[10]), "+v"(acc[11])); } while (0)

// One timed loop per instruction set: `init` sets up the 12 accumulators and operands, `op` is one
// chain step of accumulator acc[j].
#define PEAK_LOOP(name, isa, type, init, op)                                        \
    __attribute__((target(isa))) static double name(long n) {                      \
        type acc[12];                                                              \
        init;                                                                      \
        double t = seconds_now();                                                  \
        for (long i = 0; i < n; i++) CHAINS(op, acc);                              \
        return seconds_now() - t;                                                  \
    }

// acc = acc·b + c chains at one vector width (the fp32 GEMMs' instruction).
#define FMA_LOOP(name, isa, type, set1, fmadd) \
    PEAK_LOOP(name, isa, type, type b = set1(0.999f); type c = set1(1e-6f); for (int j = 0; j < 12; j++) acc[j] = set1((float)j), \
              fmadd(acc[j], b, c))

FMA_LOOP(fma_loop, "avx512f", __m512, _mm512_set1_ps, _mm512_fmadd_ps)
FMA_LOOP(fma256_loop, "avx2,fma", __m256, _mm256_set1_ps, _mm256_fmadd_ps)
PEAK_LOOP(vnni_loop, "avx512f,avx512bw,avx512vnni", __m512i,
          __m512i u = _mm512_set1_epi8(3); __m512i v = _mm512_set1_epi8(5); for (int j = 0; j < 12; j++) acc[j] = _mm512_set1_epi32(j),
          _mm512_dpbusd_epi32(acc[j], u, v))
// The AVX2 int8 kernel's instruction mix per 32 products: sign, vpmaddubsw, vpmaddwd, add.
PEAK_LOOP(i8avx2_loop, "avx2", __m256i,
          __m256i u = _mm256_set1_epi8(3); __m256i v = _mm256_set1_epi8(-5); __m256i ones = _mm256_set1_epi16(1);
          for (int j = 0; j < 12; j++) acc[j] = _mm256_set1_epi32(j),
          _mm256_add_epi32(acc[j], _mm256_madd_epi16(_mm256_maddubs_epi16(u, _mm256_sign_epi8(v, acc[j])), ones)))
// The 7-bit-weight AVX2 kernel's mix per 32 products: vpmaddubsw, vpmaddwd, add (the weights' sign stays put).
PEAK_LOOP(i8avx2_narrow_loop, "avx2", __m256i,
          __m256i u = _mm256_set1_epi8(3); __m256i ones = _mm256_set1_epi16(1);
          for (int j = 0; j < 12; j++) acc[j] = _mm256_set1_epi32(j),
          _mm256_add_epi32(acc[j], _mm256_madd_epi16(_mm256_maddubs_epi16(u, acc[j]), ones)))
#endif

/// Which loop measures `kind` on this CPU: 1 AVX-512 FMA, 2 AVX2 FMA, 3 AVX-512 VNNI, 4 AVX2 int8,
/// 5 AVX2 int8 with 7-bit weights; 0 none.
static int peak_loop(clipz_peak_kind kind) {
#if defined(__x86_64__)
    uint32_t vnni = CLIPZ_CPU_AVX512F | CLIPZ_CPU_AVX512BW | CLIPZ_CPU_AVX512VNNI;
    int level = clipz_isa_level();
    if (kind == CLIPZ_PEAK_F32_FMA) return level == CLIPZ_ISA_AVX512 ? 1 : level == CLIPZ_ISA_AVX2 ? 2 : 0;
    if ((clipz_cpu_features() & vnni) == vnni) return 3;
    if (level >= CLIPZ_ISA_AVX2) return kind == CLIPZ_PEAK_I8_NARROW ? 5 : 4;
#endif
    (void)kind;
    return 0;
}

const char *clipz_peak_name(clipz_peak_kind kind) {
    switch (peak_loop(kind)) {
    case 1: return "AVX-512 FMA"; case 2: return "AVX2 FMA"; case 3: return "AVX-512 VNNI"; case 4: return "AVX2 vpmaddubsw";
    case 5: return "AVX2 vpmaddubsw, 7-bit weights";
    default: return "";
    }
}

double clipz_peak_gops(clipz_peak_kind kind, double seconds) {
#if defined(__x86_64__)
    int loop = peak_loop(kind);
    if (loop == 0) return 0;
    // Ops per loop iteration: 12 instructions × lanes × (2 for an FMA; 8 for VNNI's 4 u8·s8 products + adds
    // per 32-bit lane; 2 per byte pair for the AVX2 int8 sequence: 32 products + adds per ymm).
    double ops = loop == 1 ? 12.0 * 16 * 2 : loop == 2 ? 12.0 * 8 * 2 : loop == 3 ? 12.0 * 16 * 8 : 12.0 * 32 * 2;
    double (*run)(long) = loop == 1 ? fma_loop : loop == 2 ? fma256_loop : loop == 3 ? vnni_loop : loop == 4 ? i8avx2_loop : i8avx2_narrow_loop;
    // Grow the loop until one run takes a slice of `seconds` (the first short runs also warm the clock up),
    // then keep the fastest slice (the shortest time for the same n): a register-only loop never runs faster
    // than the core can, while another tenant on a shared host (or an interrupt) only ever slows a slice
    // down, so one long run could read low, and a cell's share of that peak above 100%.
    enum { SLICES = 8 };
    double slice = seconds / SLICES;
    long n = 1 << 16;
    double dt = run(n);
    while (dt < slice && n < (1L << 40)) {
        n = dt > 1e-4 ? (long)((double)n * slice / dt * 1.05) + 1 : n * 16;
        dt = run(n);
    }
    for (int i = 1; i < SLICES; i++) {
        double again = run(n);
        if (again > 0 && (dt <= 0 || again < dt)) dt = again;
    }
    return dt > 0 ? ops * (double)n / dt / 1e9 : 0;
#else
    (void)kind; (void)seconds;
    return 0;
#endif
}
