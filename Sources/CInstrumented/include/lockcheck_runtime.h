// The C half of the Instrumented runtime: what Swift cannot express at the
// cost the hot path needs. Everything here is `static inline`, so a call from
// Swift compiles to the same few instructions as from C.
//
// - The per-thread slot: one `__thread` pointer (initial-exec TLS: one load
//   relative to the thread pointer, ~1 ns) to the thread's runtime state.
// - The event counter (`seq`): per thread, or process-wide while a trace is recorded.
// - The spinning locks: a test-and-test-and-set spinlock and a
//   reader/writer spinlock on plain memory.
#ifndef LOCKCHECK_RUNTIME_H
#define LOCKCHECK_RUNTIME_H

#include <stdint.h>
#include <sched.h>
#include <stddef.h>
#include "lockgraph_short_way.h"

// MARK: Per-thread slot

extern __thread void *lc_thread_slot __attribute__((tls_model("initial-exec")));

/// The calling thread's runtime state, or NULL before its first event.
static inline void *lc_thread_get(void) { return lc_thread_slot; }
/// Sets the calling thread's runtime state.
static inline void lc_thread_set(void *state) { lc_thread_slot = state; }

// MARK: The C short way's view of the thread

/// The words of the calling thread that a short way written in C (the
/// preload library's interposers) reads on every lock event, in one
/// initial-exec TLS block: a shared library reaches a TLS variable through
/// a GOT entry holding its offset, so one block is one GOT load per event
/// and one register, not one per variable.
struct lc_hot_thread {
    /// What the C short way (`lg_short_acquire`/`lg_short_release`) needs of
    /// the thread: the engine's fields and the stack mode of its event sites.
    /// Set when the thread's state is made, cleared before it goes; `held`
    /// is NULL while the thread has no state or the C way is off (the layout
    /// check failed).
    struct lg_short_thread view;
    /// The thread's own event counter, used while nothing is recorded (`lc_next_seq`).
    uint64_t seq;
    /// liblockcheck-preload's re-entry guard (its `in_lockcheck`): non-zero
    /// while lockcheck runs on the thread, whose pthread calls then go
    /// straight to the real functions. Unused without the library.
    int preload_guard;
    /// The runtime's guard word (`lc_guard`, lockcheck_handler_events.h),
    /// which every short way tests.
    uint32_t guard;
    /// The word the lock hot path reads as the running Swift task's hint
    /// (`lc_current_task_hint`, lockcheck_current_task.h): here, beside the
    /// guard, so its TLS address costs no instruction of its own.
    void *const *task_hint;
};
extern __thread struct lc_hot_thread lc_hot_thread_slot __attribute__((tls_model("initial-exec")));

/// The calling thread's short-way view (one TLS address computation, no load).
static inline struct lg_short_thread *lc_short_thread_get(void) { return &lc_hot_thread_slot.view; }
/// Sets the calling thread's short-way view.
static inline void lc_short_thread_set(struct lg_short_thread t) { lc_hot_thread_slot.view = t; }
/// Turns the calling thread's C short way off (its state is going).
static inline void lc_short_thread_clear(void) { lc_hot_thread_slot.view.held = NULL; }

// MARK: Interrupt-like scopes (signal handlers)

/// Depth of `LockCheck.hardirq` scopes (not threaded) on the calling thread:
/// non-zero while a signal handler may be running, when the runtime must not
/// allocate or start anything (the interrupted code may be inside malloc).
extern __thread uint32_t lc_hardirq_depth __attribute__((tls_model("initial-exec")));
/// Events of the calling thread not validated because they came inside a
/// hardirq scope before the thread had its state (creating it allocates).
extern __thread uint64_t lc_hardirq_unvalidated __attribute__((tls_model("initial-exec")));

/// Enters a hardirq scope. The compiler barrier keeps the store before the
/// scope's events (a signal arriving in between sees the depth).
static inline void lc_hardirq_scope_enter(void) {
    lc_hardirq_depth++;
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
}

/// Leaves a hardirq scope.
static inline void lc_hardirq_scope_exit(void) {
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    lc_hardirq_depth--;
}

/// Whether the calling thread is inside a hardirq scope.
static inline _Bool lc_in_hardirq_scope(void) { return lc_hardirq_depth != 0; }

/// Counts one event left unvalidated inside a hardirq scope.
static inline void lc_hardirq_note_unvalidated(void) { lc_hardirq_unvalidated++; }

/// The unvalidated events counted so far on this thread, and resets the count.
static inline uint64_t lc_hardirq_take_unvalidated(void) {
    uint64_t n = lc_hardirq_unvalidated;
    lc_hardirq_unvalidated = 0;
    return n;
}

// MARK: Event counter

extern uint64_t lc_seq_counter;
/// Non-zero while a trace is recorded: then `seq` must order every thread's
/// events, and lock events take the long way, which records them. Hidden:
/// a shared library that links the runtime (the preload library) reads it
/// PC-relative, with no GOT load, on every lock event.
extern int lc_seq_shared __attribute__((visibility("hidden")));
/// (The calling thread's own event counter is `lc_hot_thread_slot.seq`.)

/// The next `seq`. While a trace is recorded, a process-wide counter (one
/// relaxed atomic increment on a cache line all threads write). Otherwise a
/// per-thread counter, so threads on disjoint locks share no written memory:
/// live reports then order a thread's own events, and cross-thread rules use
/// the real order of the calls.
static inline uint64_t lc_next_seq(void) {
    if (__builtin_expect(__atomic_load_n(&lc_seq_shared, __ATOMIC_RELAXED) != 0, 0)) {
        return __atomic_add_fetch(&lc_seq_counter, 1, __ATOMIC_RELAXED);
    }
    return ++lc_hot_thread_slot.seq;
}

/// The next process-wide `seq`, for a caller that found `lc_seq_is_shared()`
/// true (the recorded short way): `lc_next_seq` without its test.
static inline uint64_t lc_next_shared_seq(void) {
    return __atomic_add_fetch(&lc_seq_counter, 1, __ATOMIC_RELAXED);
}

/// Whether `seq` is process-wide now, i.e. whether a trace is recorded: the
/// lock hot path takes its short way only when it is not.
static inline _Bool lc_seq_is_shared(void) {
    return __atomic_load_n(&lc_seq_shared, __ATOMIC_RELAXED) != 0;
}

/// The next `seq` of the calling thread's own counter; only when
/// `lc_seq_is_shared()` was false.
static inline uint64_t lc_next_thread_seq(void) { return ++lc_hot_thread_slot.seq; }

/// The calling thread's own event counter itself (for `lg_short_acquire`,
/// which takes the next `seq` only when it pushes).
static inline uint64_t *lc_thread_seq_counter(void) { return &lc_hot_thread_slot.seq; }

/// Switches `seq` to the process-wide counter (recording) or back.
static inline void lc_set_seq_shared(int shared) {
    __atomic_store_n(&lc_seq_shared, shared, __ATOMIC_RELAXED);
}

/// The last `seq` handed out.
static inline uint64_t lc_current_seq(void) {
    return __atomic_load_n(&lc_seq_counter, __ATOMIC_RELAXED);
}

// MARK: Atomics on plain memory

static inline int32_t lc_load_relaxed_i32(const int32_t *p) { return __atomic_load_n(p, __ATOMIC_RELAXED); }
static inline void lc_store_relaxed_i32(int32_t *p, int32_t v) { __atomic_store_n(p, v, __ATOMIC_RELAXED); }
static inline int64_t lc_load_relaxed_i64(const int64_t *p) { return __atomic_load_n(p, __ATOMIC_RELAXED); }
static inline void lc_store_relaxed_i64(int64_t *p, int64_t v) { __atomic_store_n(p, v, __ATOMIC_RELAXED); }
static inline int64_t lc_fetch_add_i64(int64_t *p, int64_t v) { return __atomic_fetch_add(p, v, __ATOMIC_RELAXED); }
/// Acquire load and release store: the publication handshake of a
/// single-producer, single-consumer ring (the trace recorder's line rings).
static inline int64_t lc_load_acquire_i64(const int64_t *p) { return __atomic_load_n(p, __ATOMIC_ACQUIRE); }
static inline void lc_store_release_i64(int64_t *p, int64_t v) { __atomic_store_n(p, v, __ATOMIC_RELEASE); }

// MARK: Spinning

static inline void lc_cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

/// Spins `*iterations` times, then yields the CPU (a user-space spinner must
/// not burn its quantum while the holder is preempted).
static inline void lc_spin_backoff(uint32_t *iterations) {
    if (++*iterations < 128) {
        lc_cpu_relax();
    } else {
        *iterations = 0;
        sched_yield();
    }
}

/// Takes the spinlock at `word` if it is free. Acquire ordering.
static inline _Bool lc_spin_trylock(int32_t *word) {
    return __atomic_load_n(word, __ATOMIC_RELAXED) == 0
        && __atomic_exchange_n(word, 1, __ATOMIC_ACQUIRE) == 0;
}

/// Takes the spinlock at `word`, spinning (test-and-test-and-set).
static inline void lc_spin_lock(int32_t *word) {
    uint32_t n = 0;
    while (!lc_spin_trylock(word)) {
        while (__atomic_load_n(word, __ATOMIC_RELAXED) != 0) lc_spin_backoff(&n);
    }
}

/// Releases the spinlock at `word`. Release ordering.
static inline void lc_spin_unlock(int32_t *word) { __atomic_store_n(word, 0, __ATOMIC_RELEASE); }

/// Reader/writer spinlock word: -1 a writer, n >= 0 the number of readers.
static inline _Bool lc_rwspin_tryread(int32_t *word) {
    int32_t v = __atomic_load_n(word, __ATOMIC_RELAXED);
    while (v >= 0) {
        if (__atomic_compare_exchange_n(word, &v, v + 1, 1, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) return 1;
    }
    return 0;
}

static inline void lc_rwspin_read(int32_t *word) {
    uint32_t n = 0;
    while (!lc_rwspin_tryread(word)) lc_spin_backoff(&n);
}

static inline _Bool lc_rwspin_trywrite(int32_t *word) {
    int32_t expected = 0;
    return __atomic_load_n(word, __ATOMIC_RELAXED) == 0
        && __atomic_compare_exchange_n(word, &expected, -1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

static inline void lc_rwspin_write(int32_t *word) {
    uint32_t n = 0;
    while (!lc_rwspin_trywrite(word)) lc_spin_backoff(&n);
}

/// Releases a read or write hold (the word says which).
static inline void lc_rwspin_unlock(int32_t *word) {
    if (__atomic_load_n(word, __ATOMIC_RELAXED) < 0) {
        __atomic_store_n(word, 0, __ATOMIC_RELEASE);
    } else {
        __atomic_fetch_sub(word, 1, __ATOMIC_RELEASE);
    }
}

// MARK: Symbols (slow path; defined in runtime.c)

/// dladdr(3) for `address`: the containing object's path and base, the
/// nearest dynamic symbol and its address. Returns 0 when nothing is known.
int lc_symbol_info(const void *address, const char **object, uintptr_t *objectBase,
                   const char **symbol, uintptr_t *symbolAddress);

/// The loaded object that contains `address`: its path ("" for the main
/// program) and the start of its mapping (dladdr's `dli_fbase`). Returns 0
/// when no object does. glibc's `_dl_find_object` (2.35 and later: a
/// binary search, no symbol-table scan as dladdr's), else dladdr(3).
int lc_object_info(const void *address, const char **object, uintptr_t *objectBase);

/// The main program's entry point (getauxval(AT_ENTRY)), 0 when unknown.
uintptr_t lc_program_entry(void);

/// The calling thread's name (pthread_getname_np) into `buffer`; 0 on success.
int lc_thread_name(char *buffer, size_t size);
/// The label of the dispatch queue the calling thread runs now (NULL: no
/// libdispatch in the process, or no queue).
const char *lc_current_queue_label(void);

/// Names the calling thread (pthread_setname_np; at most 15 bytes are kept).
void lc_set_thread_name(const char *name);

/// malloc_usable_size(3).
size_t lc_malloc_usable_size(void *pointer);

/// The calling thread's kernel id (gettid).
int64_t lc_gettid(void);

extern __thread int64_t lc_cached_tid __attribute__((tls_model("initial-exec")));
/// The calling thread's kernel id as first read by this thread: one system
/// call per thread, then one thread-local load. For spreading threads over
/// per-CPU structures (the deferred-free batches), where any stable number
/// will do: in a child of fork() the forking thread keeps its parent's value.
static inline int64_t lc_thread_hash(void) {
    int64_t tid = lc_cached_tid;
    if (__builtin_expect(tid == 0, 0)) {
        tid = lc_gettid();
        lc_cached_tid = tid;
    }
    return tid;
}

/// The kernel id of the thread that owns the pthread mutex `mutex` (glibc
/// records it in every mutex it locks), or 0 when it is free or unknown.
/// A relaxed read of a word glibc writes: a hint for reports, never for
/// synchronisation. `mutex` is a `pthread_mutex_t *`.
int32_t lc_mutex_owner(void *mutex);

/// The kernel id of the thread that holds the pthread rwlock `rwlock` for
/// writing (glibc's `__cur_writer`), or 0 (free, read-held, or unknown).
int32_t lc_rwlock_writer(void *rwlock);

/// Monotonic time in nanoseconds (CLOCK_MONOTONIC).
int64_t lc_monotonic_ns(void);

/// Takes the pthread mutex, waiting at most `nanoseconds`: 0 taken,
/// ETIMEDOUT not taken, another value an error.
int lc_mutex_lock_within(void *mutex, int64_t nanoseconds);

/// The rwlock's write side (`write` non-zero) or read side, waiting at most
/// `nanoseconds`: 0 taken, ETIMEDOUT not taken, another value an error.
int lc_rwlock_lock_within(void *rwlock, _Bool write, int64_t nanoseconds);

/// Takes the spinlock word, or, when `rw` is non-zero, the reader/writer
/// spin word (for writing when `write` is non-zero), spinning at most
/// `nanoseconds`. Returns whether it was taken.
_Bool lc_spin_lock_within(int32_t *word, _Bool rw, _Bool write, int64_t nanoseconds);

/// The stack pointer of the caller's frame, approximately: an address inside
/// the frame of the function that calls it (for trimming the runtime's own
/// frames off captured stacks).
static inline uintptr_t lc_frame_address(void) { return (uintptr_t)__builtin_frame_address(0); }

/// Raises (1) or lowers (0) the calling thread's guard in `liblockcheck-preload.so`
/// (`lockcheck run`), so that lockcheck's own threads and exit hook are not
/// validated; returns the previous state. Does nothing (returns 0) without the library.
int lc_preload_set_guard(int on);

// The re-entry guard word and signal handlers' queued events.
#include "lockcheck_handler_events.h"

#endif
