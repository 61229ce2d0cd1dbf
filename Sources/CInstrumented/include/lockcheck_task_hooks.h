// The task-status hooks: lockcheck's model of the Swift concurrency
// runtime's per-task status record lock (`swift-task-status`).
//
// The runtime takes that lock (TaskStatus.cpp, withStatusRecordLock) while
// it cancels a task and runs the task's cancellation handlers and its child
// tasks' (swift_task_cancel, swift_taskGroup_cancelAll), while it escalates
// a task, and while it enqueues a task a continuation resumed
// (swift_continuation_resume* -> flagAsAndEnqueueOnExecutor ->
// updateStatusRecord). task_hooks.c defines the entry points applications
// call (the C-ABI runtime functions, and on x86_64 the exported Swift
// functions `Task.cancel()`, `UnsafeCurrentTask.cancel()`,
// `CheckedContinuation.resume(returning:)` / `(throwing:)`), so that a
// program linking lockcheck reaches them first: they tell the live validator
// and then call the runtime's own definition (dlsym(RTLD_NEXT)).
#ifndef LOCKCHECK_TASK_HOOKS_H
#define LOCKCHECK_TASK_HOOKS_H

#include <stdint.h>

/// What a hooked runtime call does to the status lock.
enum {
    /// Takes and drops it at once (a continuation resumption).
    LC_TASK_STATUS_POINT = 0,
    /// Holds it for the whole call (a cancellation: handlers run inside).
    LC_TASK_STATUS_HOLD = 1,
};

/// The validator's side: `acquire` 1 takes the `swift-task-status` pseudo-lock,
/// 0 drops it. Called only for the outermost hold of a thread.
typedef void (*lc_task_status_hook_t)(int acquire);

/// Installs the validator's hook (NULL: none; the hooked calls then only forward).
void lc_set_task_status_hook(lc_task_status_hook_t hook);

/// Which await a suspension point is.
enum {
    /// An executor hop (`swift_task_switch`): an actor call, or the hop back.
    LC_SUSPENSION_HOP = 0,
    /// A continuation's await (`swift_continuation_await`).
    LC_SUSPENSION_CONTINUATION = 1,
    /// An `async let`'s await (`swift_asyncLet_get*`, `_consume*`).
    LC_SUSPENSION_ASYNC_LET = 2,
    /// The end of an `async let`'s scope, which waits for the child (`swift_asyncLet_finish`).
    LC_SUSPENSION_ASYNC_LET_END = 3,
};

/// The validator's side of a suspension point: called on the task's thread
/// when the running task reaches an await where the runtime may suspend it,
/// with its kind (`LC_SUSPENSION_*`), before the runtime's call.
typedef void (*lc_suspension_hook_t)(int kind);

/// Installs it (NULL: none). Where the interposers cannot be built (not
/// x86_64 ELF, or a compiler without `swiftasynccall` and `musttail`), nothing
/// calls it.
void lc_set_suspension_hook(lc_suspension_hook_t hook);

/// Enters a hooked call of `kind` on the calling thread.
///
/// Re-entrant per thread: a cancellation that reaches child tasks, or an
/// `onCancel` handler that resumes a continuation, nests inside the
/// outermost hold and costs no event (the runtime's nested locks are other
/// tasks' locks of the same class, taken in the one order the task tree
/// allows; lockdep would need a subclass per level).
void lc_task_status_enter(int kind);

/// Leaves the call `lc_task_status_enter(kind)` entered.
void lc_task_status_exit(int kind);

/// Whether the calling thread holds the `swift-task-status` pseudo-lock now.
int lc_task_status_depth(void);

/// The frame pointer of the function that calls it (its `rbp`): where a lock
/// event's stack starts (`lc_return_addresses`' `skip_to`).
unsigned long lc_caller_frame(void);

/// Up to `max` return addresses of the calling thread's stack, innermost
/// first, found by following frame pointers, from the frame `skip_to` (the
/// lock event's, from `lc_caller_frame`; the validator's frames under it are
/// not walked) or, with 0 or a frame not above this one, from here;
/// stops at a frame outside the thread's stack or one that does not move
/// outwards, so a frame without a frame pointer ends the walk early instead
/// of reading memory off the stack. About fifteen instructions a frame.
int lc_return_addresses(unsigned long *out, int max, unsigned long skip_to);

#endif
