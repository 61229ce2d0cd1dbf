// The runtime entry points lockcheck interposes, and the per-thread depth of
// the `swift-task-status` pseudo-lock. See lockcheck_task_hooks.h.
//
// How the interposition works: SwiftPM links a target's object files into
// the executable (and the test bundle), so these definitions bind the
// program's own calls at static link time, before the dynamic linker ever
// looks at libswift_Concurrency.so. Each one tells the validator, then calls
// the runtime's definition, found once with dlsym(RTLD_NEXT, name).
//
// The definitions are weak: a fully static program (`-static-stdlib`) links
// the runtime's archive, whose strong definitions win, so the program links
// and runs, unobserved. Calls made inside libswift_Concurrency itself
// (withTaskCancellationHandler's registration, CheckedContinuation's call of
// swift_continuation_resume) are direct calls there and are not seen; the
// Swift half covers the handlers (Instrumented's withTaskCancellationHandler).
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "lockcheck_task_hooks.h"

static lc_task_status_hook_t lc_task_status_hook;

/// How many hooked calls of the thread hold the pseudo-lock, and whether the
/// outermost one took it (the hook may be installed while one is open).
static __thread int lc_task_depth __attribute__((tls_model("initial-exec")));
static __thread int lc_task_taken __attribute__((tls_model("initial-exec")));

void lc_set_task_status_hook(lc_task_status_hook_t hook) {
    __atomic_store_n(&lc_task_status_hook, hook, __ATOMIC_RELEASE);
}

int lc_task_status_depth(void) { return lc_task_depth; }

void lc_task_status_enter(int kind) {
    lc_task_status_hook_t hook = __atomic_load_n(&lc_task_status_hook, __ATOMIC_ACQUIRE);
    if (kind == LC_TASK_STATUS_POINT) {
        if (lc_task_depth == 0 && hook) { hook(1); hook(0); }
        return;
    }
    if (lc_task_depth++ == 0 && hook) {
        lc_task_taken = 1;
        hook(1);
    }
}

void lc_task_status_exit(int kind) {
    if (kind == LC_TASK_STATUS_POINT) return;
    if (--lc_task_depth == 0 && lc_task_taken) {
        lc_task_taken = 0;
        lc_task_status_hook_t hook = __atomic_load_n(&lc_task_status_hook, __ATOMIC_ACQUIRE);
        if (hook) hook(0);
    }
}

/// The runtime's definition of `name`, looked up once into `*slot`. Stops the
/// program with one message naming the call if there is none.
static void *lc_real(const char *name, void **slot) {
    void *f = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
    if (f) return f;
    f = dlsym(RTLD_NEXT, name);
    if (!f) {
        char msg[256];
        int n = snprintf(msg, sizeof msg, "lockcheck: dlsym(RTLD_NEXT, %s) found no definition\n", name);
        if (n > 0) { ssize_t w = write(2, msg, (size_t)n); (void)w; }
        abort();
    }
    __atomic_store_n(slot, f, __ATOMIC_RELEASE);
    return f;
}

/// Called by the x86_64 trampolines before the real call: enters and
/// returns the real function.
void *lc_task_trampoline_enter(const char *name, void **slot, int kind) {
    void *f = lc_real(name, slot);
    lc_task_status_enter(kind);
    return f;
}

// MARK: The C-ABI runtime functions (swiftcall, one or two pointers)

#define LC_SWIFTCC __attribute__((swiftcall))
typedef LC_SWIFTCC void (*lc_fn1)(void *);
typedef LC_SWIFTCC void (*lc_fn2)(void *, void *);

#define LC_HOOK1(name, kind)                                                   \
    static void *lc_real_##name;                                               \
    __attribute__((weak)) LC_SWIFTCC void name(void *a) {                      \
        lc_fn1 f = (lc_fn1)lc_real(#name, &lc_real_##name);                    \
        lc_task_status_enter(kind);                                            \
        f(a);                                                                  \
        lc_task_status_exit(kind);                                             \
    }

// A resumption takes the task's status lock to enqueue it (flagAsAndEnqueueOnExecutor).
LC_HOOK1(swift_continuation_resume, LC_TASK_STATUS_POINT)
LC_HOOK1(swift_continuation_throwingResume, LC_TASK_STATUS_POINT)
// Cancellation holds it while the handlers and the child tasks' cancellation run.
LC_HOOK1(swift_task_cancel, LC_TASK_STATUS_HOLD)
LC_HOOK1(swift_taskGroup_cancelAll, LC_TASK_STATUS_HOLD)
LC_HOOK1(swift_task_cancel_group_child_tasks, LC_TASK_STATUS_HOLD)

static void *lc_real_swift_continuation_throwingResumeWithError;
__attribute__((weak)) LC_SWIFTCC void swift_continuation_throwingResumeWithError(void *task, void *error) {
    lc_fn2 f = (lc_fn2)lc_real("swift_continuation_throwingResumeWithError",
                               &lc_real_swift_continuation_throwingResumeWithError);
    lc_task_status_enter(LC_TASK_STATUS_POINT);
    f(task, error);
}

// MARK: Suspension points (swiftasync)
//
// The runtime entry points an `await` tail-calls where the task may suspend:
// an executor hop (swift_task_switch: every actor hop, and the hop back; it
// suspends unless the runtime can go on at once on this thread), a
// continuation's await (swift_continuation_await: suspends unless the
// continuation was already resumed), and an `async let`'s await
// (swift_asyncLet_get*, _consume*, and _finish, the implicit await at the end
// of its scope: each suspends unless the child task is done). Each is
// SWIFT_CC(swiftasync) with its async context and at most four more pointer
// arguments, in registers, and no `self` or error register
// (include/swift/Runtime/Concurrency.h). Each tells the validator, with a plain
// call (the async context, r14, and every argument register are kept: a C
// call preserves r14, and the arguments are passed on unchanged), then
// tail-calls the runtime's definition with the same swiftasync convention
// (musttail), so the task's async frame sees no extra frame. All six integer
// argument registers are passed on, whatever the function uses of them.
// Weak, as the hooks above. Awaits inside libswift_Concurrency itself
// (Task.yield, Task.sleep, a task group's next) are direct calls there and
// are not seen.
#if defined(__x86_64__) && defined(__ELF__) && __has_attribute(swiftasynccall) && __has_attribute(musttail)
#define LC_SWIFTASYNCCC __attribute__((swiftasynccall))
#define LC_ASYNC_CONTEXT __attribute__((swift_async_context))
typedef LC_SWIFTASYNCCC void (*lc_async_fn)(LC_ASYNC_CONTEXT void *, uintptr_t, uintptr_t, uintptr_t, uintptr_t,
                                            uintptr_t, uintptr_t);

static lc_suspension_hook_t lc_suspension_hook;

void lc_set_suspension_hook(lc_suspension_hook_t hook) {
    __atomic_store_n(&lc_suspension_hook, hook, __ATOMIC_RELEASE);
}

#define LC_SUSPENSION_POINT(name, kind)                                                                    \
    static void *lc_real_##name;                                                                           \
    __attribute__((weak)) LC_SWIFTASYNCCC void name(LC_ASYNC_CONTEXT void *context, uintptr_t a, uintptr_t b, \
                                                    uintptr_t c, uintptr_t d, uintptr_t e, uintptr_t f) {     \
        lc_async_fn real = (lc_async_fn)lc_real(#name, &lc_real_##name);                                   \
        lc_suspension_hook_t hook = __atomic_load_n(&lc_suspension_hook, __ATOMIC_ACQUIRE);                \
        if (hook) hook(kind);                                                                              \
        __attribute__((musttail)) return real(context, a, b, c, d, e, f);                                  \
    }

LC_SUSPENSION_POINT(swift_task_switch, LC_SUSPENSION_HOP)
LC_SUSPENSION_POINT(swift_continuation_await, LC_SUSPENSION_CONTINUATION)
LC_SUSPENSION_POINT(swift_asyncLet_get, LC_SUSPENSION_ASYNC_LET)
LC_SUSPENSION_POINT(swift_asyncLet_get_throwing, LC_SUSPENSION_ASYNC_LET)
LC_SUSPENSION_POINT(swift_asyncLet_consume, LC_SUSPENSION_ASYNC_LET)
LC_SUSPENSION_POINT(swift_asyncLet_consume_throwing, LC_SUSPENSION_ASYNC_LET)
LC_SUSPENSION_POINT(swift_asyncLet_finish, LC_SUSPENSION_ASYNC_LET_END)
#else
void lc_set_suspension_hook(lc_suspension_hook_t hook) { (void)hook; }
#endif

// MARK: The exported Swift functions (x86_64 only)
//
// Their conventions vary (generic metadata, self in r13, the error in r12),
// so each is a trampoline that keeps every argument register: it saves the
// integer and vector argument registers, calls lc_task_trampoline_enter,
// restores them and calls the real function; then saves the return
// registers (rax, rdx, rcx, r8, xmm0-3), calls lc_task_status_exit and
// restores them. r12 (error), r13 (self) and r14 (async context) are
// callee-saved in C, so the C calls keep them. None of these functions
// takes arguments on the stack, which a trampoline could not forward.
#if defined(__x86_64__) && defined(__ELF__)
#define LC_TRAMPOLINE(tag, sym, kind)                                                \
    __asm__(                                                                    \
        ".text\n"                                                               \
        ".weak \"" sym "\"\n"                                                      \
        ".type \"" sym "\",@function\n"                                            \
        ".p2align 4\n"                                                          \
        "\"" sym "\":\n"                                                              \
        "  pushq %rbp\n"                                                        \
        "  movq %rsp, %rbp\n"                                                   \
        "  subq $208, %rsp\n"                                                   \
        "  movq %rdi, 0(%rsp)\n  movq %rsi, 8(%rsp)\n"                          \
        "  movq %rdx, 16(%rsp)\n movq %rcx, 24(%rsp)\n"                         \
        "  movq %r8, 32(%rsp)\n  movq %r9, 40(%rsp)\n"                          \
        "  movq %rax, 48(%rsp)\n movq %r10, 56(%rsp)\n"                         \
        "  movdqu %xmm0, 64(%rsp)\n  movdqu %xmm1, 80(%rsp)\n"                  \
        "  movdqu %xmm2, 96(%rsp)\n  movdqu %xmm3, 112(%rsp)\n"                 \
        "  movdqu %xmm4, 128(%rsp)\n movdqu %xmm5, 144(%rsp)\n"                 \
        "  movdqu %xmm6, 160(%rsp)\n movdqu %xmm7, 176(%rsp)\n"                 \
        "  leaq .Llc_name_" #tag "(%rip), %rdi\n"                               \
        "  leaq .Llc_slot_" #tag "(%rip), %rsi\n"                               \
        "  movl $" #kind ", %edx\n"                                             \
        "  call lc_task_trampoline_enter@PLT\n"                                 \
        "  movq %rax, 192(%rsp)\n"                                              \
        "  movq 0(%rsp), %rdi\n  movq 8(%rsp), %rsi\n"                          \
        "  movq 16(%rsp), %rdx\n movq 24(%rsp), %rcx\n"                         \
        "  movq 32(%rsp), %r8\n  movq 40(%rsp), %r9\n"                          \
        "  movq 48(%rsp), %rax\n movq 56(%rsp), %r10\n"                         \
        "  movdqu 64(%rsp), %xmm0\n  movdqu 80(%rsp), %xmm1\n"                  \
        "  movdqu 96(%rsp), %xmm2\n  movdqu 112(%rsp), %xmm3\n"                 \
        "  movdqu 128(%rsp), %xmm4\n movdqu 144(%rsp), %xmm5\n"                 \
        "  movdqu 160(%rsp), %xmm6\n movdqu 176(%rsp), %xmm7\n"                 \
        "  call *192(%rsp)\n"                                                   \
        "  movq %rax, 0(%rsp)\n  movq %rdx, 8(%rsp)\n"                          \
        "  movq %rcx, 16(%rsp)\n movq %r8, 24(%rsp)\n"                          \
        "  movdqu %xmm0, 64(%rsp)\n  movdqu %xmm1, 80(%rsp)\n"                  \
        "  movdqu %xmm2, 96(%rsp)\n  movdqu %xmm3, 112(%rsp)\n"                 \
        "  movl $" #kind ", %edi\n"                                             \
        "  call lc_task_status_exit@PLT\n"                                      \
        "  movq 0(%rsp), %rax\n  movq 8(%rsp), %rdx\n"                          \
        "  movq 16(%rsp), %rcx\n movq 24(%rsp), %r8\n"                          \
        "  movdqu 64(%rsp), %xmm0\n  movdqu 80(%rsp), %xmm1\n"                  \
        "  movdqu 96(%rsp), %xmm2\n  movdqu 112(%rsp), %xmm3\n"                 \
        "  leave\n"                                                             \
        "  ret\n"                                                               \
        ".size \"" sym "\", .-\"" sym "\"\n"                                          \
        ".section .rodata\n"                                                    \
        ".Llc_name_" #tag ": .asciz \"" sym "\"\n"                             \
        ".bss\n"                                                                \
        ".p2align 3\n"                                                          \
        ".Llc_slot_" #tag ": .zero 8\n"                                         \
        ".text\n")

// Task.cancel(), UnsafeCurrentTask.cancel(): hold (LC_TASK_STATUS_HOLD = 1).
LC_TRAMPOLINE(task_cancel, "$sScT6cancelyyF", 1);
LC_TRAMPOLINE(unsafe_current_task_cancel, "$sSct6cancelyyF", 1);
// CheckedContinuation.resume(returning:), resume(throwing:): a point (0).
LC_TRAMPOLINE(checked_resume_returning, "$sScC6resume9returningyxn_tF", 0);
LC_TRAMPOLINE(checked_resume_throwing, "$sScC6resume8throwingyq_n_tF", 0);
#endif

// MARK: A cheap stack (lock-held-across-suspension; the current task is in current_task.c)

/// The calling thread's stack bounds, found once per thread (0, 0: unknown).
static __thread uintptr_t lc_stack_low __attribute__((tls_model("initial-exec")));
static __thread uintptr_t lc_stack_high __attribute__((tls_model("initial-exec")));

__attribute__((noinline)) int lc_return_addresses(unsigned long *out, int max, unsigned long skip_to) {
    if (lc_stack_high == 0) {
        pthread_attr_t attr;
        void *addr = NULL;
        size_t size = 0;
        if (pthread_getattr_np(pthread_self(), &attr) == 0) {
            if (pthread_attr_getstack(&attr, &addr, &size) != 0) size = 0;
            pthread_attr_destroy(&attr);
        }
        // Unknown bounds (high == low): nothing is walked.
        lc_stack_low = size ? (uintptr_t)addr : 1;
        lc_stack_high = size ? (uintptr_t)addr + size : 1;
    }
    if (lc_stack_high - lc_stack_low < 2 * sizeof(uintptr_t)) return 0;
    // Every frame read lies in [low, high): one unsigned comparison per frame.
    uintptr_t low = lc_stack_low, span = lc_stack_high - low - 2 * sizeof(uintptr_t);
    // Start at the event's frame when it is above this one on this stack: the
    // validator's frames in between are not walked at all.
    uintptr_t fp = (uintptr_t)__builtin_frame_address(0);
    if (skip_to > fp && skip_to - low <= span && (skip_to & 7) == 0) fp = skip_to;
    int n = 0;
    while (n < max && fp - low <= span) {
        const uintptr_t *frame = (const uintptr_t *)fp;
        uintptr_t next = frame[0];
        if (fp >= skip_to) out[n++] = (unsigned long)frame[1];
        if (next <= fp || (next & 7) != 0) break;
        fp = next;
    }
    if (n > 0 && out[n - 1] == 0) n--;
    return n;
}

__attribute__((noinline)) unsigned long lc_caller_frame(void) {
    return (unsigned long)(uintptr_t)__builtin_frame_address(1);
}
