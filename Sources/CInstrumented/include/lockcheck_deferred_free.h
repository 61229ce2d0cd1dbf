// The deferred-free queue's per-thread fast path (DeferredFreeQueue.deferFree):
// the page layout it appends to, the calling thread's one-entry cache, and the
// append itself, `static inline` so that Swift calls it with no call overhead.
//
// A thread appends only to a page it owns (the kernel's per-CPU krc bulk page,
// made per-thread: in user space nothing pins a thread to a CPU, so "only this
// CPU touches it" becomes "only this thread writes it"). The owner writes the
// slot, then publishes the new count with a release store: no atomic
// read-modify-write, no lock. The drain thread reads a page it does not own
// only up to a count it loaded with acquire ordering, and never writes the
// count or the slots; it takes a page away only once its owner has closed it
// (LC_DFQ_CLOSED), so a page is never freed under its owner.
//
// A signal handler may defer a free while its thread is inside its own: the
// thread marks itself busy (lc_dfq_enter) before it reads its page, and a
// handler that finds the mark queues on a lock-free list of the queue's
// instead of touching the page or taking the batch lock the thread may hold.
#ifndef LOCKCHECK_DEFERRED_FREE_H
#define LOCKCHECK_DEFERRED_FREE_H

#include <stdbool.h>
#include <stdint.h>

/// One bulk page: 4096 bytes, LC_DFQ_HEADER_WORDS header words, then pointers.
#define LC_DFQ_PAGE_BYTES 4096
#define LC_DFQ_HEADER_WORDS 8
#define LC_DFQ_CAPACITY ((LC_DFQ_PAGE_BYTES / 8) - LC_DFQ_HEADER_WORDS)

/// Header words. NEXT: the batch's page list (under the batch lock). COUNT:
/// pointers appended (owner: release store; others: acquire load). POOL: the
/// pages's pool, retained (0: none), set when the page opens. CONSUMED: how
/// many pointers drain passes have taken (drain passes only, serialised).
/// STATE: LC_DFQ_OWNED / LC_DFQ_CLOSED / LC_DFQ_ORPHANED (atomic). THREAD_NEXT:
/// the owner's list of its open pages (owner only). QUEUE: the queue's id.
enum {
    LC_DFQ_NEXT = 0, LC_DFQ_COUNT = 1, LC_DFQ_POOL = 2, LC_DFQ_CONSUMED = 3,
    LC_DFQ_STATE = 4, LC_DFQ_THREAD_NEXT = 5, LC_DFQ_QUEUE = 6,
};

/// Page states. OWNED: a thread appends to it. CLOSED: no one will append
/// again (full, another pool, or its thread ended); the drain frees what is
/// left and recycles it. ORPHANED: its queue was deinitialised while a thread
/// still owned it; that thread frees it when it closes it.
enum { LC_DFQ_OWNED = 1, LC_DFQ_CLOSED = 2, LC_DFQ_ORPHANED = 3 };

/// The calling thread's open page for one queue (the last it used), and
/// whether the thread is inside a deferred free's page code right now (so a
/// signal handler that interrupts it must not touch its pages).
typedef struct lc_dfq_cache {
    uint64_t queue;
    uint64_t *page;
    uint64_t busy;
} lc_dfq_cache;

extern __thread lc_dfq_cache lc_dfq_cache_slot __attribute__((tls_model("initial-exec")));

/// The calling thread's cache (initial-exec TLS: one thread-pointer-relative address).
static inline lc_dfq_cache *lc_dfq_this_thread(void) { return &lc_dfq_cache_slot; }

/// Marks the calling thread as inside its page code; false (nothing marked)
/// when it already is: then this call runs in a signal handler that
/// interrupted the thread's own deferred free, and must leave its pages alone
/// (the kernel disables interrupts around the per-CPU append instead).
static inline bool lc_dfq_enter(void) {
    lc_dfq_cache *cache = &lc_dfq_cache_slot;
    if (__builtin_expect(cache->busy != 0, 0)) return false;
    cache->busy = 1;
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    return true;
}

/// Ends what lc_dfq_enter began.
static inline void lc_dfq_leave(void) {
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    lc_dfq_cache_slot.busy = 0;
}

/// The append itself, for a caller between lc_dfq_enter and lc_dfq_leave:
/// `object` goes to the calling thread's open page of queue `queue` when it
/// has one, for `pool`, with room. Returns false (nothing written) otherwise.
static inline bool lc_dfq_append_entered(uint64_t queue, void *object, uint64_t pool) {
    lc_dfq_cache *cache = &lc_dfq_cache_slot;
    uint64_t *page = cache->page;
    if (__builtin_expect(cache->queue != queue || page == 0, 0)) return false;
    if (__builtin_expect(page[LC_DFQ_POOL] != pool, 0)) return false;
    uint64_t n = page[LC_DFQ_COUNT];  // only this thread writes it
    if (__builtin_expect(n >= LC_DFQ_CAPACITY, 0)) return false;
    page[LC_DFQ_HEADER_WORDS + n] = (uint64_t)(uintptr_t)object;
    __atomic_store_n(&page[LC_DFQ_COUNT], n + 1, __ATOMIC_RELEASE);
    return true;
}

/// The whole fast path of a deferred free: lc_dfq_append_entered between
/// lc_dfq_enter and lc_dfq_leave. False (nothing written) when the thread has
/// no page here with room for `pool`, or inside a signal handler that
/// interrupted the thread's own page code.
static inline bool lc_dfq_try_append(uint64_t queue, void *object, uint64_t pool) {
    // Marked before anything is read: a handler that runs before the mark
    // completes its own free first; one that runs after it keeps off the page.
    if (__builtin_expect(!lc_dfq_enter(), 0)) return false;
    bool appended = lc_dfq_append_entered(queue, object, pool);
    lc_dfq_leave();
    return appended;
}

static inline uint64_t lc_dfq_load_acquire(const uint64_t *word) { return __atomic_load_n(word, __ATOMIC_ACQUIRE); }
static inline void lc_dfq_store_release(uint64_t *word, uint64_t value) { __atomic_store_n(word, value, __ATOMIC_RELEASE); }
static inline uint64_t lc_dfq_exchange(uint64_t *word, uint64_t value) {
    return __atomic_exchange_n(word, value, __ATOMIC_ACQ_REL);
}

#endif
