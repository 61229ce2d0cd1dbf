// The per-thread ring of signal handlers' events (lockcheck_handler_events.h).
// Everything a handler calls here is async-signal-safe: plain stores, one
// compare-and-swap, atomic counters, and libunwind's local unwinding through
// a cursor (its locks block every signal while held, so a handler never
// meets one held by the code it interrupted). No malloc, no lock of ours.
#define _GNU_SOURCE
#define UNW_LOCAL_ONLY
#include <libunwind.h>
#include <stdlib.h>
#include <string.h>
#include "lockcheck_handler_events.h"

__thread lc_handler_ring *lc_handler_ring_slot __attribute__((tls_model("initial-exec"))) = 0;
uint64_t lc_handler_events_queued = 0;
/// Handler events with no ring to go to (the thread's exit had begun).
static __thread uint64_t lc_handler_dropped_without_ring __attribute__((tls_model("initial-exec"))) = 0;
/// Where the outermost open handler scope began in the ring (its `head`).
static __thread uint32_t lc_handler_scope_start __attribute__((tls_model("initial-exec"))) = 0;

void lc_handler_ring_install(void) {
    if (lc_handler_ring_slot) return;
    lc_handler_ring *ring = calloc(1, sizeof(lc_handler_ring));
    if (!ring) return;  // handler events are then counted as dropped
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    lc_handler_ring_slot = ring;
}

uint64_t lc_handler_ring_remove(void) {
    lc_handler_ring *ring = lc_handler_ring_slot;
    if (!ring) return 0;
    lc_handler_ring_slot = 0;
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    // Events a handler queued after the last drain are lost with the ring.
    uint32_t left = ring->head - ring->tail;
    uint64_t dropped = ring->dropped + left;
    if (left) __atomic_fetch_sub(&lc_handler_events_queued, left, __ATOMIC_RELAXED);
    free(ring);
    return dropped;
}

/// The calling thread's stack, innermost first, into `frames` (at most
/// `max`), skipping this function; with a cursor, not unw_backtrace, whose
/// per-thread frame cache has no guard against a handler re-entering it.
static int lc_capture_frames(void **frames, int max) {
    unw_context_t context;
    unw_cursor_t cursor;
    if (unw_getcontext(&context) != 0 || unw_init_local(&cursor, &context) != 0) return 0;
    int n = 0;
    while (n < max && unw_step(&cursor) > 0) {
        unw_word_t ip = 0;
        if (unw_get_reg(&cursor, UNW_REG_IP, &ip) != 0 || ip == 0) break;
        frames[n++] = (void *)ip;
    }
    return n;
}

void lc_handler_drop(void) {
    lc_handler_ring *ring = lc_handler_ring_slot;
    if (ring) __atomic_fetch_add(&ring->dropped, 1, __ATOMIC_RELAXED);
    else lc_handler_dropped_without_ring++;
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    lc_guard.bytes[2] = 1;  // the next event reports the drop
}

/// Drops the current handler scope whole: the events it queued are taken
/// back (no taker runs while a handler does) and counted with this one.
static void lc_handler_lose_scope(lc_handler_ring *ring) {
    uint32_t head = __atomic_load_n(&ring->head, __ATOMIC_RELAXED);
    uint32_t queued = head - lc_handler_scope_start;
    __atomic_store_n(&ring->head, lc_handler_scope_start, __ATOMIC_RELAXED);
    if (queued) __atomic_fetch_sub(&lc_handler_events_queued, queued, __ATOMIC_RELAXED);
    __atomic_fetch_add(&ring->dropped, queued, __ATOMIC_RELAXED);
    lc_guard.bytes[3] = 1;
    lc_handler_drop();
}

void lc_handler_push(uint8_t op, uint8_t mode, uint8_t flags, uint32_t subclass, void *lock, void *nest) {
    lc_handler_ring *ring = lc_handler_ring_slot;
    if (!ring || lc_guard.bytes[3]) {
        lc_handler_drop();
        return;
    }
    uint32_t head = __atomic_load_n(&ring->head, __ATOMIC_RELAXED);
    do {
        if (head - __atomic_load_n(&ring->tail, __ATOMIC_RELAXED) >= LC_HANDLER_SLOTS) {
            lc_handler_lose_scope(ring);
            return;
        }
    } while (!__atomic_compare_exchange_n(&ring->head, &head, head + 1, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED));
    lc_handler_event *slot = &ring->slots[head % LC_HANDLER_SLOTS];
    slot->op = op;
    slot->mode = mode;
    slot->flags = flags;
    slot->subclass = subclass;
    slot->lock = lock;
    slot->nest = nest;
    // The interrupted code may be inside lockcheck's own unwinding (busy):
    // no stack then, rather than unwinding over a half-updated cache.
    slot->frameCount = (flags & LC_HANDLER_WITH_STACK) == 0 || lc_guard_busy()
        ? 0 : (uint8_t)lc_capture_frames(slot->frames, LC_HANDLER_FRAMES);
    __atomic_fetch_add(&lc_handler_events_queued, 1, __ATOMIC_RELAXED);
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    lc_guard.bytes[2] = 1;
}

void lc_handler_scope_enter(uint8_t enterOp) {
    if (lc_guard.bytes[1] == 0) {
        lc_handler_ring *ring = lc_handler_ring_slot;
        lc_handler_scope_start = ring ? __atomic_load_n(&ring->head, __ATOMIC_RELAXED) : 0;
        lc_guard.bytes[3] = 0;
    }
    lc_guard.bytes[1]++;
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    lc_handler_push(enterOp, 0, LC_HANDLER_WITH_STACK, 0, 0, 0);
}

void lc_handler_scope_exit(uint8_t exitOp) {
    if (lc_guard.bytes[3]) lc_handler_drop();
    else lc_handler_push(exitOp, 0, 0, 0, 0, 0);
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    if (--lc_guard.bytes[1] == 0) lc_guard.bytes[3] = 0;
}

void lc_handler_reset_after_fork(void) {
    lc_handler_ring *ring = lc_handler_ring_slot;
    uint64_t mine = ring ? (uint32_t)(ring->head - ring->tail) : 0;
    __atomic_store_n(&lc_handler_events_queued, mine, __ATOMIC_RELAXED);
}

_Bool lc_handler_take(lc_handler_event *out) {
    lc_handler_ring *ring = lc_handler_ring_slot;
    if (!ring) return 0;
    uint32_t tail = ring->tail;
    if (tail == __atomic_load_n(&ring->head, __ATOMIC_RELAXED)) return 0;
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    memcpy(out, &ring->slots[tail % LC_HANDLER_SLOTS], sizeof *out);
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    // Only now may a handler reuse the slot.
    __atomic_store_n(&ring->tail, tail + 1, __ATOMIC_RELAXED);
    __atomic_fetch_sub(&lc_handler_events_queued, 1, __ATOMIC_RELAXED);
    return 1;
}

uint64_t lc_handler_take_dropped(void) {
    uint64_t n = __atomic_exchange_n(&lc_handler_dropped_without_ring, 0, __ATOMIC_RELAXED);
    lc_handler_ring *ring = lc_handler_ring_slot;
    if (ring) n += __atomic_exchange_n(&ring->dropped, 0, __ATOMIC_RELAXED);
    return n;
}

_Bool lc_in_signal_handler(int maxFrames) {
    unw_context_t context;
    unw_cursor_t cursor;
    if (unw_getcontext(&context) != 0 || unw_init_local(&cursor, &context) != 0) return 0;
    for (int i = 0; i < maxFrames; i++) {
        if (unw_is_signal_frame(&cursor) > 0) return 1;
        if (unw_step(&cursor) <= 0) return 0;
    }
    return 0;
}
