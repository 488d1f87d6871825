// A small worker pool for the forward pass: parts of one job are claimed by the caller and by
// workers that spin briefly before sleeping. A forward pass issues ~60 parallel sections (GEMMs,
// attention, row passes) of 0.1–5 ms each; waking sleeping threads for every one of them (GCD's
// concurrentPerform) cost ~10% of a batch-1 ViT-B/32 image on 2 cores.
//
// One job runs at a time. Its state is one 64-bit ticket — generation (24 bits) | parts (20) | next
// part (20) — so a worker claims part p of generation g with a single compare-and-swap, and a
// worker that is late never takes a part of a newer job thinking it is an older one. A call that
// finds the pool busy (another thread's job, or a nested call from inside a part) runs its parts
// itself, serially.
#include "clipz_kernels.h"
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#if defined(__x86_64__)
#include <immintrin.h>
#define CPU_RELAX() _mm_pause()
#elif defined(__aarch64__)
#define CPU_RELAX() __asm__ volatile("yield")
#else
#define CPU_RELAX() ((void)0)
#endif

#define MAX_WORKERS 255
#define PARTS_BITS 20
#define PARTS_MASK ((1u << PARTS_BITS) - 1)
// Pause loops before a worker goes to sleep: ~100 µs on Zen 4 (pause takes ~10–140 cycles by CPU).
#define SPIN_LIMIT 4000

static _Atomic uint64_t ticket;           // gen << 40 | parts << 20 | next
static _Atomic int done_parts;
static clipz_task_fn job_fn;
static void *job_ctx;
static _Atomic int sleepers;
static int workers;
static pthread_mutex_t job_lock = PTHREAD_MUTEX_INITIALIZER;   // one job at a time
static pthread_mutex_t sleep_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;

static inline uint32_t gen_of(uint64_t t) { return (uint32_t)(t >> 40); }
static inline uint32_t parts_of(uint64_t t) { return (uint32_t)(t >> PARTS_BITS) & PARTS_MASK; }
static inline uint32_t next_of(uint64_t t) { return (uint32_t)t & PARTS_MASK; }

// Claims and runs parts of generation `gen` until none are left.
static void run_parts(uint32_t gen) {
    for (;;) {
        uint64_t t = atomic_load_explicit(&ticket, memory_order_acquire);
        if (gen_of(t) != gen || next_of(t) >= parts_of(t)) return;
        if (!atomic_compare_exchange_weak_explicit(&ticket, &t, t + 1, memory_order_acq_rel, memory_order_relaxed)) continue;
        // The job cannot finish (and be replaced) before this part is done, so fn/ctx are stable.
        job_fn(job_ctx, (int)next_of(t));
        atomic_fetch_add_explicit(&done_parts, 1, memory_order_release);
    }
}

static void *worker_main(void *arg) {
    (void)arg;
    uint32_t seen = gen_of(atomic_load(&ticket));
    for (;;) {
        int spins = 0;
        uint32_t gen;
        while ((gen = gen_of(atomic_load_explicit(&ticket, memory_order_acquire))) == seen && spins < SPIN_LIMIT) { CPU_RELAX(); spins++; }
        if (gen == seen) {
            pthread_mutex_lock(&sleep_lock);
            atomic_fetch_add(&sleepers, 1);   // seq_cst: pairs with the caller's ticket store + sleepers load
            while (gen_of(atomic_load(&ticket)) == seen) pthread_cond_wait(&wake, &sleep_lock);
            atomic_fetch_sub(&sleepers, 1);
            pthread_mutex_unlock(&sleep_lock);
            continue;
        }
        seen = gen;
        run_parts(gen);
    }
    return NULL;
}

// Starts workers until there are `want` (called with job_lock held).
static void grow(int want) {
    if (want > MAX_WORKERS) want = MAX_WORKERS;
    while (workers < want) {
        pthread_t t;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setstacksize(&attr, 256 * 1024);
        int failed = pthread_create(&t, &attr, worker_main, NULL);
        pthread_attr_destroy(&attr);
        if (failed) return;   // e.g. a thread or memory limit: fewer workers, same results
        pthread_detach(t);
        workers++;
    }
}

void clipz_parallel_for(int parts, int threads, clipz_task_fn fn, void *ctx) {
    if (parts <= 0) return;
    if (parts == 1 || threads <= 1 || parts > (int)PARTS_MASK || pthread_mutex_trylock(&job_lock) != 0) {
        for (int p = 0; p < parts; p++) fn(ctx, p);
        return;
    }
    grow((parts < threads ? parts : threads) - 1);
    job_fn = fn;
    job_ctx = ctx;
    atomic_store_explicit(&done_parts, 0, memory_order_relaxed);
    uint32_t gen = (gen_of(atomic_load(&ticket)) + 1) & 0xFFFFFFu;
    atomic_store(&ticket, ((uint64_t)gen << 40) | ((uint64_t)parts << PARTS_BITS));   // seq_cst publish
    if (atomic_load(&sleepers) > 0) {
        pthread_mutex_lock(&sleep_lock);
        pthread_cond_broadcast(&wake);
        pthread_mutex_unlock(&sleep_lock);
    }
    run_parts(gen);
    // Parts still running on workers: spin, yielding now and then in case a worker was preempted.
    for (long spins = 0; atomic_load_explicit(&done_parts, memory_order_acquire) < parts; spins++) {
        CPU_RELAX();
        if (spins > SPIN_LIMIT && spins % 1024 == 0) sched_yield();
    }
    pthread_mutex_unlock(&job_lock);
}
