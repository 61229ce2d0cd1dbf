// The engine's short way of a lock event (a memo hit pushed, the innermost
// lock popped), for a caller written in C: the preload library's pthread
// interposers (`lockcheck run`), which would otherwise make one call into
// Swift per lock and unlock.
//
// It is `Validator.acquireIfMemoized` and `Validator.releaseIfInnermost`
// (Engine/Validator+Acquire.swift, +Release.swift) for an exclusive,
// blocking, subclass-0 acquisition of a lock of a kind that does not spin,
// whose holder the caller marks itself (`countsHolder: false`), on the
// engine's own data: the thread's held stack and memo, the lock instance's
// flags. The structs below mirror the Swift types; `ThreadState.shortWayFields()`
// and `LockInstance.shortWayFields()` check the mirror against the Swift
// layout (MemoryLayout offsets) and hand out the addresses only when it
// holds, so a layout the compiler changed turns the C way off, never
// corrupts a stack. The memo's slot and tag are computed here for both
// languages (`AcquireMemo` calls these functions).
#ifndef LOCKGRAPH_SHORT_WAY_H
#define LOCKGRAPH_SHORT_WAY_H

#include <stddef.h>
#include <stdint.h>

/// `HeldLock` (Threads/HeldLock.swift): one entry of a held stack.
struct lg_held_lock {
    const void *instance;
    uint64_t instance_id;
    uint64_t shape;
    uint64_t context_and_recursion;
    uint64_t chain_key;
    uint64_t chain_check;
    // `EventSite`
    uint64_t site_seq;
    uint32_t site_source;
    uint32_t site_line;
    uint32_t site_stack;
    const void *nest_instance;
};

/// `HeldStack` (Threads/HeldStack.swift): a sentinel below `base[0]`, and
/// always a free slot above the top.
struct lg_held_stack {
    struct lg_held_lock *base;
    intptr_t count;
    intptr_t capacity;
};

/// `AcquireMemo.Entry` (Threads/AcquireMemo.swift).
struct lg_memo_entry {
    uint64_t prev;
    uint64_t prev_check;
    uint64_t key;
    uint64_t check;
    uint64_t class_and_tag;
};

/// The memo's slot (of 64) for taking class `cls` on top of the chain `prev`.
static inline intptr_t lg_memo_slot(uint64_t prev, uint32_t cls) {
    return (intptr_t)((prev ^ (uint64_t)cls * 0x9E3779B97F4A7C15ull) >> 58);
}

/// The class in the low 32 bits, the mode (`AcquireMode` raw value) in bits
/// 33–34, the tag (`ThreadState.memoTag`) in bit 32 and bits 35–63.
static inline uint64_t lg_memo_class_and_tag(uint32_t cls, uint8_t mode, uint64_t tag) {
    return (uint64_t)cls | (uint64_t)mode << 33 | tag;
}

/// Where the short way finds one thread's state (`ThreadState`); valid
/// while the state lives. `held` NULL: no state (or no C way). The C way
/// reads no Swift task, so the runtime sets `held` NULL once a thread runs
/// one (`LockIdentity.run`): the Swift short way, which serves only the task
/// that owns the held locks, takes that thread's events.
struct lg_short_thread {
    struct lg_held_stack *held;
    const struct lg_memo_entry *memo;
    const uint64_t *memo_tag;
    const uint8_t *irq_context;
    /// The `StackRef` raw value of the thread's event sites.
    uint32_t site_stack;
};

/// What the short way needs of one lock instance (`LockInstance`); valid while the instance lives.
struct lg_short_lock {
    /// The instance's identity (`ObjectIdentifier`).
    const void *instance;
    uint64_t id;
    /// `LockInstance.exclusiveShape`: the class in its low 32 bits.
    uint64_t shape;
    /// `LockInstance.flags` (0: the memo may serve it).
    const int64_t *flags;
};

// The word groups `lg_short_acquire` copies at once.
_Static_assert(offsetof(struct lg_held_lock, shape) == 2 * sizeof(uint64_t)
               && offsetof(struct lg_short_lock, shape) == 2 * sizeof(uint64_t), "instance, id, shape");
_Static_assert(offsetof(struct lg_held_lock, chain_check) == offsetof(struct lg_held_lock, chain_key) + 8
               && offsetof(struct lg_memo_entry, check) == offsetof(struct lg_memo_entry, key) + 8, "key, check");
_Static_assert(offsetof(struct lg_held_lock, nest_instance) == offsetof(struct lg_held_lock, site_stack) + 8,
               "site_stack and its padding");

/// `acquireIfMemoized(lock, mode: .exclusive, countsHolder: false, …)` for a
/// lock whose kind does not spin: when the thread's memo holds this
/// acquisition on top of its held chain, pushes it, its site's `seq` the
/// next of `*seq` (the thread's own counter), and returns 1; otherwise
/// returns 0, having written nothing. Also 0 when the push would fill the
/// stack (Swift's push grows it). Call with the thread's re-entry guard up
/// (a signal handler's event must not push in between).
/// - Complexity: Loads of the thread's held top, one memo entry and the
///   lock's flags; twelve stores. No shared memory is written.
static inline int lg_short_acquire(const struct lg_short_thread *t, const struct lg_short_lock *l, uint64_t *seq) {
    struct lg_held_stack *held = t->held;
    intptr_t count = held->count;
    if (__builtin_expect(count + 1 >= held->capacity, 0)) return 0;
    // The new entry; the top is the one below it (the sentinel when empty).
    struct lg_held_lock *h = held->base + count;
    uint64_t prev = h[-1].chain_key;
    uint64_t shape = l->shape;
    uint32_t cls = (uint32_t)shape;
    const struct lg_memo_entry *e = t->memo + lg_memo_slot(prev, cls);
    if (e->prev != prev || e->class_and_tag != lg_memo_class_and_tag(cls, 0, *t->memo_tag)
        || e->prev_check != h[-1].chain_check) return 0;
    if (__atomic_load_n(l->flags, __ATOMIC_RELAXED) != 0) return 0;
    // `instance`, `instance_id` and `shape` are the lock view's first three words.
    __builtin_memcpy(&h->instance, &l->instance, 3 * sizeof(uint64_t));
    h->context_and_recursion = *t->irq_context;
    __builtin_memcpy(&h->chain_key, &e->key, 2 * sizeof(uint64_t));
    h->site_seq = ++*seq;
    h->site_source = 0;  // SourceID.live
    h->site_line = 0;
    // `site_stack` with its padding in one store.
    uint64_t stack = t->site_stack;
    __builtin_memcpy(&h->site_stack, &stack, sizeof stack);
    h->nest_instance = NULL;
    held->count = count + 1;
    return 1;
}

/// `releaseIfInnermost(lock, countsHolder: false, …)` for a lock whose kind
/// does not spin: when `instance` is the innermost held lock (not
/// re-entered), pops it and returns 1; otherwise returns 0.
/// - Complexity: Two loads of the held top, one store.
static inline int lg_short_release(const struct lg_short_thread *t, const void *instance) {
    struct lg_held_stack *held = t->held;
    intptr_t count = held->count;
    // On an empty stack `top` is the sentinel, whose identity is no lock's.
    const struct lg_held_lock *top = held->base + count - 1;
    if (top->instance != instance || top->context_and_recursion >> 32 != 0) return 0;
    held->count = count - 1;
    return 1;
}

#endif
