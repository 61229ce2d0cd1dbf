// The Swift task the calling thread runs, read where the Swift runtime keeps
// it, without a call: see current_task.c for how the word is found and why
// reading it is what `swift_task_getCurrent` does.
#ifndef LOCKCHECK_CURRENT_TASK_H
#define LOCKCHECK_CURRENT_TASK_H

#include <stdint.h>
#include "lockcheck_runtime.h"

/// The calling thread's copy of the Swift runtime's current-task word
/// (`ActiveTask::Value` in libswift_Concurrency, a thread-local), once
/// `lc_current_task_first` found it for this thread; NULL before, and
/// always where it cannot be found safely (then every read calls the runtime).
extern __thread void *const *lc_task_word __attribute__((tls_model("initial-exec")));

/// The word the lock hot path reads for every thread through
/// `lc_hot_thread_slot.task_hint` (lockcheck_runtime.h): the runtime's word
/// where `lc_task_word` is known; `lc_no_task`, always 0, where the task
/// cannot be read directly (no concurrency runtime, or its code not
/// recognised: there the short way serves a thread as if it ran no task, as
/// it always did, and a thread seen running tasks never takes the hint's
/// short way); before this thread's first `lc_current_task`,
/// `lc_task_not_read`, which holds 1: no task (tasks are aligned), so it
/// serves nothing.
extern void *const lc_task_not_read;

/// The task word the lock hot path compares with the thread's short-way task
/// (see `ThreadState.shortWayTask`): two loads, no branch, on every thread;
/// exactly `lc_current_task()` once this thread's word is known and the
/// runtime's code was recognised; otherwise 0 or 1 (see `lc_task_not_read`).
static inline unsigned long long lc_current_task_hint(void) {
    return (unsigned long long)(uintptr_t)*lc_hot_thread_slot.task_hint;
}

/// `lc_current_task` the first time on a thread, and every time where the
/// word cannot be found: finds the word, or calls `swift_task_getCurrent`.
unsigned long long lc_current_task_first(void);

/// The Swift task the calling thread runs now, as a number (its address), or
/// 0 outside a task: what the runtime's `swift_task_getCurrent` returns.
/// Two loads once the thread's word is known (a TLS load and the word);
/// otherwise a call into libswift_Concurrency (a thread-local read through
/// `__tls_get_addr`, about 27 instructions).
static inline unsigned long long lc_current_task(void) {
    void *const *word = lc_task_word;
    if (__builtin_expect(word != 0, 1)) return (unsigned long long)(uintptr_t)*word;
    return lc_current_task_first();
}

/// The runtime's own answer, by a call of `swift_task_getCurrent` (0 without
/// the concurrency runtime): for tests that compare it with `lc_current_task`.
unsigned long long lc_current_task_from_runtime(void);

/// Whether this process reads the task's word directly (1) or calls the
/// runtime on every read (0: the runtime's code was not the one recognised).
int lc_current_task_is_direct(void);

#endif
