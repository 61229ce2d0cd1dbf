// Events raised inside a signal handler, queued instead of validated.
//
// A signal handler may interrupt its thread anywhere: inside malloc, inside
// lockcheck's own slow path (holding the graph lock, half-way through a
// held-stack push or a memo update). Validating there can deadlock or corrupt
// the thread's state. lockdep validates in irq context because its graph is
// static arrays under a raw arch spinlock taken with irqs off; lockcheck's
// engine allocates and takes ordinary locks, so a handler's events are
// written into a fixed ring of this thread instead (no malloc, no lock), each
// with the stack captured in the handler (libunwind's local unwinding, which
// its manual says is safe in a signal handler), and validated, in order, the
// next time the thread runs lockcheck code normally (its next event, a
// flush, its exit), with the verdicts an immediate validation would give.
//
// The guard word: one per thread, the word the lock hot path tests.
//   byte 0, busy:    lockcheck handles an event of this thread now;
//   byte 1, handler: the thread is inside a hardirq scope that runs in a
//                    signal handler (a depth: handlers nest);
//   byte 2, pending: handler events wait in the ring (or were dropped);
//   byte 3, lost:    the current handler scope did not fit in the ring and
//                    is being dropped whole.
// Any non-zero byte sends an event the long way, where the three are told
// apart; the short way costs what the `busy` test alone did.
#ifndef LOCKCHECK_HANDLER_EVENTS_H
#define LOCKCHECK_HANDLER_EVENTS_H

#include <stdint.h>
#include "lockcheck_runtime.h"

typedef union {
    uint32_t word;
    uint8_t bytes[4];
} lc_guard_t;

/// The calling thread's guard word: a word of the runtime's block of hot
/// per-thread words (`lc_hot_thread_slot`, lockcheck_runtime.h), which the
/// preload library's interposers reach with the one GOT load they already make.
#define lc_guard (*(lc_guard_t *)&lc_hot_thread_slot.guard)

/// Whether no byte of the guard is set (the short way may run).
static inline _Bool lc_guard_is_clear(void) { return lc_guard.word == 0; }
static inline _Bool lc_guard_busy(void) { return lc_guard.bytes[0] != 0; }
/// Raises (1) or lowers (0) the `busy` byte. A signal handler that arrives
/// while it is up sees it and queues its events. The compiler barrier is on
/// the side of the event's work: raised before it starts, lowered after it
/// ends, so a handler never sees the byte down while a push or pop is half made.
static inline void lc_guard_set_busy(_Bool busy) {
    if (!busy) __atomic_signal_fence(__ATOMIC_SEQ_CST);
    lc_guard.bytes[0] = busy;
    if (busy) __atomic_signal_fence(__ATOMIC_SEQ_CST);
}
static inline _Bool lc_guard_in_handler(void) { return lc_guard.bytes[1] != 0; }
static inline _Bool lc_guard_pending(void) { return lc_guard.bytes[2] != 0; }
/// Lowers `pending` before a drain: an event queued after it raises it again.
static inline void lc_guard_clear_pending(void) {
    lc_guard.bytes[2] = 0;
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
}

// MARK: The ring

/// Frames kept per queued event (innermost first): the handler's own frames
/// and what it interrupted, enough to name both.
#define LC_HANDLER_FRAMES 32
/// Events a thread can queue before it next runs lockcheck code normally.
#define LC_HANDLER_SLOTS 64

/// Flag bit of a queued event: capture the stack into its slot (acquisitions
/// and scope starts, whose stacks reports and new dependencies show; a
/// release or a scope's end is queued without one, for half the unwinding).
#define LC_HANDLER_WITH_STACK 0x40

/// One queued event: a lock operation or a context change, as plain words.
typedef struct {
    uint8_t op;          // HandlerEvent.Op (Swift), opaque here
    uint8_t mode;        // AcquireMode, by HandlerEvent's switch
    uint8_t flags;       // HandlerEvent's bits: try, counts holder, threaded
    uint8_t frameCount;
    uint32_t subclass;
    void *lock;          // Unmanaged<LockIdentity>, unretained
    void *nest;          // Unmanaged<LockIdentity> or NULL
    void *frames[LC_HANDLER_FRAMES];
} lc_handler_event;

/// A single-thread ring: pushed by handlers (which may nest), taken by the
/// thread in normal context. `head` is reserved with one compare-and-swap
/// (one instruction: a nested handler sees it done or not begun); the slot is
/// written before the handler returns, and the taker runs only when no
/// handler of its thread is running, so every reserved slot is whole by then.
///
/// A handler scope is queued whole or not at all: an event that does not
/// fit rolls `head` back to where the outermost handler scope began and
/// drops the rest of the scope (counted), so a replay never meets an
/// acquisition without its release, or a scope without its end.
typedef struct {
    uint32_t head;
    uint32_t tail;
    /// Events lost since the last report: the ring was full.
    uint64_t dropped;
    lc_handler_event slots[LC_HANDLER_SLOTS];
} lc_handler_ring;

/// The calling thread's ring (NULL before its state exists, or after its exit).
extern __thread lc_handler_ring *lc_handler_ring_slot __attribute__((tls_model("initial-exec")));

/// Process-wide count of queued, not yet validated events: while it is
/// non-zero, a freed lock's identity is kept (a queued event may name it).
extern uint64_t lc_handler_events_queued;
static inline _Bool lc_handler_any_queued(void) {
    return __atomic_load_n(&lc_handler_events_queued, __ATOMIC_RELAXED) != 0;
}

/// Whether the calling thread has a ring (its state exists).
static inline _Bool lc_handler_has_ring(void) { return lc_handler_ring_slot != 0; }

/// Allocates and installs the calling thread's ring (normal context only).
void lc_handler_ring_install(void);
/// Uninstalls and frees the calling thread's ring; returns the events it
/// still dropped-counted (call after the last drain).
uint64_t lc_handler_ring_remove(void);

/// Starts a handler scope: raises the guard's `handler` depth and queues
/// the scope's start (op `enterOp`, with its stack). Async-signal-safe.
void lc_handler_scope_enter(uint8_t enterOp);
/// Ends a handler scope: queues its end (op `exitOp`) unless the scope is
/// being dropped, and lowers the depth. Async-signal-safe.
void lc_handler_scope_exit(uint8_t exitOp);

/// In a child of fork(): the process-wide queued count becomes the calling
/// (only) thread's.
void lc_handler_reset_after_fork(void);

/// Queues one event of the current handler scope: async-signal-safe (no
/// malloc, no lock). Captures the stack into the slot when `flags` has
/// LC_HANDLER_WITH_STACK. Counts a drop (and drops the whole scope) when the
/// ring is full or absent.
void lc_handler_push(uint8_t op, uint8_t mode, uint8_t flags, uint32_t subclass, void *lock, void *nest);

/// Counts one handler event that is not queued (a kind the ring does not
/// replay). Async-signal-safe.
void lc_handler_drop(void);

/// Takes the oldest queued event into `out`; false when none is queued.
_Bool lc_handler_take(lc_handler_event *out);

/// Events dropped since the last call (ring full), and resets the count.
uint64_t lc_handler_take_dropped(void);

/// Whether one of the `maxFrames` innermost frames of the calling thread is
/// a signal frame (libunwind's unw_is_signal_frame): the caller runs in a
/// signal handler. Async-signal-safe; a few microseconds.
_Bool lc_in_signal_handler(int maxFrames);

#endif
