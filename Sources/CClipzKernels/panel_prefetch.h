// Prefetch of the next weight panel, spread over the row tiles of the current one (internal header).
//
// Why: a GEMM on few rows (an image at batch 1: 50 tokens for ViT-B/32) uses each weight for only that
// many rows, so the weights stream from DRAM once per forward pass (350 MB for ViT-B/32 in fp32). The
// first row tile of each panel then waits on those misses while the hardware prefetcher ramps up; later
// tiles read the panel from L2. Here every row tile also pulls a slice of what comes next into L2 (one
// line every `step` k iterations): the next panel, or in the fp32 kernels' k blocks (f32_gemm.c) the next
// block of the weight stream, so by the time it starts it is already there. Measured on Zen 4 in AVX2 mode,
// one thread, weights not in cache: 82 → 107 GFLOP/s on a 50 × 768 · 768 × 3072 GEMM (whole panels).
#ifndef CLIPZ_PANEL_PREFETCH_H
#define CLIPZ_PANEL_PREFETCH_H
#include <stddef.h>

typedef struct {
    const char *at;   // next line to prefetch (NULL: none)
    int left;         // lines left for this tile
    int step;         // k iterations between two prefetches
} clipz_prefetch;

/// The slice of `next` (a panel of `bytes`, NULL for none) that tile `tile` of `tiles` prefetches while
/// it runs its `iterations` k steps.
static inline clipz_prefetch clipz_prefetch_slice(const void *next, size_t bytes, int tile, int tiles, int iterations) {
    clipz_prefetch p = {NULL, 0, 1};
    if (!next || tiles <= 0 || iterations <= 0) return p;
    size_t lines = (bytes + 63) / 64, per = (lines + (size_t)tiles - 1) / (size_t)tiles;
    size_t first = per * (size_t)tile;
    if (first >= lines) return p;
    p.at = (const char *)next + first * 64;
    p.left = (int)(lines - first < per ? lines - first : per);
    p.step = p.left >= iterations ? 1 : iterations / p.left;
    return p;
}

/// Where the k loop's current chunk ends, for a chunk starting at k of a loop up to K: each chunk of `step`
/// iterations first issues one of the slice's prefetches (into L2); once the slice is done, the chunk runs
/// to K. Keeps the prefetch bookkeeping out of the innermost loop, whose few spare issue slots it would take
/// (llvm-mca: a 6 × 16 AVX2 tile with a per-k check needs 7.5 cycles per k on Haswell and Zen 2, 6 without).
///     for (int k0 = 0, k1; k0 < K; k0 = k1) { k1 = clipz_prefetch_chunk(&pf, k0, K); for (k = k0; k < k1; k++) ... }
__attribute__((always_inline)) static inline int clipz_prefetch_chunk(clipz_prefetch *p, int k, int K) {
    if (p->left <= 0) return K;
    __builtin_prefetch(p->at, 0, 2);
    p->at += 64;
    p->left--;
    return K - k > p->step ? k + p->step : K;
}

/// Issues all of a slice's prefetches at once (for kernels whose k loop is too tight for a tick).
__attribute__((always_inline)) static inline void clipz_prefetch_burst(clipz_prefetch p) {
    for (; p.left > 0; p.left--, p.at += 64) __builtin_prefetch(p.at, 0, 2);
}
#endif
