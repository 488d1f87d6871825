// Memory for packed weights: buffers of 4 MiB and more on 2 MiB-aligned anonymous mappings that ask for
// transparent huge pages (MADV_HUGEPAGE; honoured where THP is in "madvise" or "always" mode), smaller ones
// from malloc.
//
// Why: a forward pass at batch 1 streams every weight from DRAM once (350 MB for ViT-B/32 in fp32), and with
// 4 KiB pages that is one TLB miss per 4 KiB of weights — in a VM each miss walks two page tables. With 2 MiB
// pages the GEMM's weight stream misses the TLB 512 times less often: ViT-B/32 fp32 at batch 1, one thread,
// AVX2 kernels, 92 → 84–86 ms on Zen 4 (alternating builds). Why not smaller buffers: a mapping holds at most one
// huge page below 4 MiB, and its pages are all fresh from the kernel (faulted and zeroed), where malloc would
// reuse the heap that decoding just freed: the int8 ViT-B/32 (2.4 MB layers) loaded 20% slower that way.
#include "clipz_kernels.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

#define HUGE_PAGE ((size_t)2 << 20)
#define HUGE_FROM (2 * HUGE_PAGE)

// CLIPZ_HUGE_PAGES=0 (or off) keeps every buffer on malloc. Where the VM hands free memory back to its host
// (free page reporting), the first touch of a fresh huge page can fault on the host too: loading ViT-B/32 fp32
// then took 0.96–1.6 s instead of 0.84–0.91 s on such a VM, while a forward pass at batch 1 ran 6–8% faster.
int clipz_weights_huge_pages(void) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    static int cached = -1;
    int v = __atomic_load_n(&cached, __ATOMIC_RELAXED);
    if (v < 0) {
        const char *e = getenv("CLIPZ_HUGE_PAGES");
        v = !(e && (strcmp(e, "0") == 0 || strcmp(e, "off") == 0));
        __atomic_store_n(&cached, v, __ATOMIC_RELAXED);
    }
    return v;
#else
    return 0;
#endif
}

#if defined(__linux__) && defined(MADV_HUGEPAGE)
// The one rule alloc and free share: a buffer of `bytes` is a mapping of mapped_len(bytes) bytes when this is
// nonzero, else malloc's.
static size_t mapped_len(size_t bytes) {
    return bytes >= HUGE_FROM && clipz_weights_huge_pages() ? (bytes + 4095) & ~(size_t)4095 : 0;
}
#endif

void *clipz_weights_alloc(size_t bytes) {
    if (bytes > SIZE_MAX / 2) return NULL;  // the roundings below must not wrap
    if (bytes == 0) bytes = 64;
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    size_t len = mapped_len(bytes);
    if (len) {
        char *map = mmap(NULL, len + HUGE_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (map == MAP_FAILED) return NULL;
        char *p = (char *)(((uintptr_t)map + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1));
        if (p > map) munmap(map, (size_t)(p - map));
        size_t tail = (size_t)(map + len + HUGE_PAGE - (p + len));
        if (tail) munmap(p + len, tail);
        madvise(p, len, MADV_HUGEPAGE);
        return p;
    }
#endif
    return aligned_alloc(64, (bytes + 63) & ~(size_t)63);
}

void clipz_weights_free(void *p, size_t bytes) {
    if (!p) return;
    if (bytes == 0) bytes = 64;
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    size_t len = mapped_len(bytes);
    if (len) { munmap(p, len); return; }
#endif
    free(p);
}
