// Asking another thread of this process for its current stack, for a
// `lock-wait-timeout` report: the holder of the lock is stuck somewhere
// (I/O, a condition, a task), and only it can unwind its own stack.
//
// The waiter sends one realtime signal to the holder (tgkill); the holder's
// handler unwinds its interrupted context with libunwind's local unwinding
// (unw_init_local2, unw_step, unw_get_reg: documented as safe in a signal
// handler) into a preallocated buffer and publishes it with one atomic
// store; the waiter polls for the answer for a bounded time. The handler
// never allocates, takes no lock and calls nothing else.
//
// Nothing here is on any lock path: only a waiter whose wait has already
// passed `LOCKCHECK_WAIT_TIMEOUT` calls it. The handler is installed on the
// first request, and only while the signal has no other handler; it is then
// never removed (a request the holder answers late must still find it).
#ifndef LOCKCHECK_HOLDER_STACK_H
#define LOCKCHECK_HOLDER_STACK_H

#include <stdint.h>

/// Why a holder's stack could not be had (negative results of ``lc_holder_stack``).
enum {
    /// The signal number is 0: asking holders is turned off.
    LC_HOLDER_STACK_OFF = -1,
    /// The program has its own disposition (a handler, or ignored) for the signal.
    LC_HOLDER_STACK_SIGNAL_IN_USE = -2,
    /// No such thread in this process (it has exited).
    LC_HOLDER_STACK_NO_THREAD = -3,
    /// The thread did not answer within the bound (it blocks the signal, or
    /// cannot run the handler).
    LC_HOLDER_STACK_NO_ANSWER = -4,
    /// An earlier request is still being answered, past its bound (the
    /// buffer is not reused), or another waiter's request held the slot for
    /// longer than it may.
    LC_HOLDER_STACK_BUSY = -5,
    /// The signal number is not a valid realtime signal, or sigaction failed.
    LC_HOLDER_STACK_BAD_SIGNAL = -6,
};

/// The signal lockcheck uses by default: SIGRTMAX - 6 (`LOCKCHECK_HOLDER_SIGNAL` overrides it).
int lc_holder_stack_default_signal(void);
/// SIGRTMIN and SIGRTMAX of this process (glibc computes them at run time).
int lc_sigrtmin(void);
int lc_sigrtmax(void);

/// Asks the thread `tid` of this process for its current stack, innermost
/// frame first (the interrupted instruction, then return addresses), with
/// the realtime signal `signo`, waiting at most `bound_ns` for the answer.
/// One request at a time: concurrent callers wait for each other, at most
/// three bounds. A child of fork() starts with no request going on.
/// - Returns: The number of frames written to `frames` (at most `max`), or
///   one of the negative LC_HOLDER_STACK_ values.
int lc_holder_stack(int32_t tid, int signo, uintptr_t *frames, int max, int64_t bound_ns);

/// Whether a request is going on now (for tests).
int lc_holder_stack_in_flight(void);

#endif
