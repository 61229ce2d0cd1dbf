// The current Swift task without a call into the runtime.
//
// The runtime keeps the task a thread runs in one thread-local word,
// `ActiveTask::Value` (stdlib/public/Concurrency/Actor.cpp, a
// SWIFT_THREAD_LOCAL_TYPE, a plain C++ thread-local on Linux), which it sets
// at every task switch (runJobInEstablishedExecutorContext, swift_task_switch,
// ...; direct calls inside libswift_Concurrency that no hook of ours sees).
// `swift_task_getCurrent` returns that word. In a shared libswift_Concurrency
// it reaches the word through `__tls_get_addr` (general- or local-dynamic
// TLS): about 27 instructions, on every lock a Swift task takes.
//
// The address of a thread-local is fixed for the life of its thread (and the
// library is never unloaded while lockcheck, which links it, is loaded). So
// each thread computes the word's address once, exactly as
// `swift_task_getCurrent` computes it, and from then on reads the word
// itself: the same load the runtime's function makes, so the same answer at
// every task switch, with nothing cached but an address.
//
// Exactly as the function computes it: at start the function's machine code
// is read and accepted only when it is, instruction for instruction,
//     [endbr64] [push rbp; mov rbp, rsp]
//     lea rdi, [rip + index]      (with the general-dynamic prefixes or without)
//     call <PLT entry whose GOT slot holds __tls_get_addr>
//     mov rax, [rax + offset]
//     [pop rbp] ret
// which is `return *(__tls_get_addr(index) + offset)`; each thread then calls
// `__tls_get_addr(index)` once. Any other code (another toolchain, another
// architecture, the runtime linked statically, a definition of
// swift_task_getCurrent that is not the runtime's) is not recognised, and
// every read calls the runtime, as before. A thread's first read checks the
// word against the runtime's answer too.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdint.h>
#include <string.h>
#include "lockcheck_current_task.h"

#define LC_SWIFTCC __attribute__((swiftcall))
// Weak: a program that does not link the concurrency runtime has no tasks.
extern LC_SWIFTCC void *swift_task_getCurrent(void) __attribute__((weak));

__thread void *const *lc_task_word __attribute__((tls_model("initial-exec")));

/// The word of a process without the concurrency runtime: no task, ever.
static void *const lc_no_task = 0;

void *const lc_task_not_read = (void *)1;

/// 0: the runtime's code not looked at yet; 1: recognised (`lc_task_index`,
/// `lc_task_offset`, `lc_tls_get_addr` set before, published with release);
/// -1: not recognised, or a check failed: every read calls the runtime.
static int lc_task_decoded;
static void *lc_task_index;
static intptr_t lc_task_offset;
static void *(*lc_tls_get_addr)(void *);

unsigned long long lc_current_task_from_runtime(void) {
    return swift_task_getCurrent ? (unsigned long long)(uintptr_t)swift_task_getCurrent() : 0;
}

#if defined(__x86_64__) && defined(__ELF__) && defined(__GLIBC__)
static int32_t lc_rel32(const uint8_t *p) {
    int32_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

static const uint8_t *lc_skip_endbr(const uint8_t *p) {
    return p[0] == 0xf3 && p[1] == 0x0f && p[2] == 0x1e && p[3] == 0xfa ? p + 4 : p;
}

/// The GOT slot a PLT entry at `p` jumps through (`[endbr64] [bnd] jmp *[rip + d]`), or NULL.
static void *const *lc_plt_slot(const uint8_t *p) {
    p = lc_skip_endbr(p);
    if (p[0] == 0xf2) p++;
    if (p[0] == 0xff && p[1] == 0x25) return (void *const *)(p + 6 + lc_rel32(p + 2));
    return NULL;
}

/// Whether `swift_task_getCurrent` is `return *(__tls_get_addr(index) + offset)`
/// (see the header of this file); sets `lc_task_index`, `lc_task_offset` and
/// `lc_tls_get_addr` when it is. Call after one call of swift_task_getCurrent
/// (so a lazily bound GOT slot holds its target).
static int lc_decode_task_getter(void) {
    void *tls_get_addr = dlsym(RTLD_DEFAULT, "__tls_get_addr");
    if (!tls_get_addr) return 0;
    const uint8_t *p = (const uint8_t *)(uintptr_t)swift_task_getCurrent;
    // A program whose own PLT entry stands for the function: follow it once.
    void *const *own = lc_plt_slot(p);
    if (own) p = (const uint8_t *)*own;
    p = lc_skip_endbr(p);
    int frame = p[0] == 0x55 && p[1] == 0x48 && p[2] == 0x89 && p[3] == 0xe5;
    if (frame) p += 4;
    int general = p[0] == 0x66;  // general-dynamic: data16 lea ...; data16 data16 rex64 call
    if (general) p++;
    if (!(p[0] == 0x48 && p[1] == 0x8d && p[2] == 0x3d)) return 0;
    void *index = (void *)(p + 7 + lc_rel32(p + 3));
    p += 7;
    if (general) {
        if (!(p[0] == 0x66 && p[1] == 0x66 && p[2] == 0x48)) return 0;
        p += 3;
    }
    if (p[0] != 0xe8) return 0;
    const uint8_t *callee = p + 5 + lc_rel32(p + 1);
    p += 5;
    intptr_t offset;
    if (p[0] == 0x48 && p[1] == 0x8b && p[2] == 0x00) {
        offset = 0;
        p += 3;
    } else if (p[0] == 0x48 && p[1] == 0x8b && p[2] == 0x40) {
        offset = (int8_t)p[3];
        p += 4;
    } else if (p[0] == 0x48 && p[1] == 0x8b && p[2] == 0x80) {
        offset = lc_rel32(p + 3);
        p += 7;
    } else {
        return 0;
    }
    if (frame) {
        if (p[0] != 0x5d) return 0;
        p++;
    }
    if (p[0] != 0xc3) return 0;
    if ((const void *)callee != tls_get_addr) {
        void *const *slot = lc_plt_slot(callee);
        if (!slot || __atomic_load_n(slot, __ATOMIC_RELAXED) != tls_get_addr) return 0;
    }
    lc_task_index = index;
    lc_task_offset = offset;
    lc_tls_get_addr = (void *(*)(void *))tls_get_addr;
    return 1;
}
#else
static int lc_decode_task_getter(void) { return 0; }
#endif

/// Looks at the runtime's code once per process (racing threads find the same).
static int lc_task_decode_state(void) {
    int state = __atomic_load_n(&lc_task_decoded, __ATOMIC_ACQUIRE);
    if (state != 0) return state;
    (void)swift_task_getCurrent();  // binds a lazy PLT slot
    state = lc_decode_task_getter() ? 1 : -1;
    int expected = 0;
    __atomic_compare_exchange_n(&lc_task_decoded, &expected, state, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
    return __atomic_load_n(&lc_task_decoded, __ATOMIC_ACQUIRE);
}

/// Decided at start (the runtime's constructors ran: it is a dependency), so
/// a thread's first read does not look at code.
__attribute__((constructor)) static void lc_task_decode_at_start(void) {
    if (swift_task_getCurrent) (void)lc_task_decode_state();
}

unsigned long long lc_current_task_first(void) {
    if (!swift_task_getCurrent) {
        lc_task_word = &lc_no_task;
        lc_hot_thread_slot.task_hint = &lc_no_task;
        return 0;
    }
    unsigned long long now = (unsigned long long)(uintptr_t)swift_task_getCurrent();
    if (lc_task_decode_state() < 0) {
        lc_hot_thread_slot.task_hint = &lc_no_task;
        return now;
    }
    void *const *word = (void *const *)((char *)lc_tls_get_addr(lc_task_index) + lc_task_offset);
    if ((unsigned long long)(uintptr_t)*word != now) {
        // Never expected: the recognised code did not read this word. Every read calls the runtime from now on.
        __atomic_store_n(&lc_task_decoded, -1, __ATOMIC_RELEASE);
        lc_hot_thread_slot.task_hint = &lc_no_task;
        return now;
    }
    lc_task_word = word;
    lc_hot_thread_slot.task_hint = word;
    return now;
}

int lc_current_task_is_direct(void) {
    return swift_task_getCurrent && lc_task_decode_state() > 0;
}
