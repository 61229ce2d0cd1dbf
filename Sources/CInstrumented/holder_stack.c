// A lock holder's current stack, asked for with a signal: see
// lockcheck_holder_stack.h for the contract.
//
// One request at a time, in one static slot:
//
// 1. The waiter (one at a time, under `requesters`) checks that the signal's disposition is
//    ours, installing the handler if it is still the default; writes the
//    target's tid; sets the slot's state to REQUESTED (release); sends the
//    signal with tgkill.
// 2. The handler, on any thread that receives the signal, answers only if
//    the slot is REQUESTED for its own tid: it moves the state to CAPTURING
//    (one compare-and-swap, so a late or duplicate signal never writes the
//    buffer twice), unwinds from the interrupted context into the static
//    buffer, and sets DONE (release).
// 3. The waiter polls every millisecond until DONE or the bound. At the
//    bound it takes the request back (REQUESTED -> IDLE). If the handler is
//    already CAPTURING, it waits one more bound; if the handler is still not
//    done, the slot stays CAPTURING and later requests answer BUSY rather
//    than hand the buffer to a second writer.
//
// A requester waits for another at most three bounds (then BUSY), and a
// child of fork() starts with the word and the slot reset (pthread_atfork),
// so asking never hangs the waiter.
//
// The handler calls only syscall(SYS_gettid), atomics and libunwind's local
// unw_init_local2 / unw_get_reg / unw_step, which libunwind documents as safe
// in a signal handler; it saves and restores errno. It never allocates and
// takes no lock. (unw_backtrace, which the rest of the runtime uses, builds a
// per-thread trace cache on first use and is not documented as signal-safe:
// not used here.)
#define _GNU_SOURCE
#define UNW_LOCAL_ONLY
#include <libunwind.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "lockcheck_holder_stack.h"

enum { IDLE = 0, REQUESTED = 1, CAPTURING = 2, DONE = 3 };
#define LC_HOLDER_STACK_CAPACITY 128

static struct {
    int state;
    int32_t target;
    int count;
    uintptr_t frames[LC_HOLDER_STACK_CAPACITY];
} slot;

// Serialises requesters. A plain word, not a pthread mutex: under
// `lockcheck run` the preload library's pthread_mutex_lock is lockcheck's own.
static int requesters = 0;

// A child of fork() has one thread: no request of its parent's is going on
// there, whatever the word and the slot said at the fork.
static void reset_in_child(void) {
    requesters = 0;
    slot.state = IDLE;
}

static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;
static void register_atfork(void) { pthread_atfork(NULL, NULL, reset_in_child); }

static void answer(int signo, siginfo_t *info, void *context) {
    (void)signo;
    (void)info;
    int saved = errno;
    if (__atomic_load_n(&slot.state, __ATOMIC_ACQUIRE) == REQUESTED
        && (int32_t)syscall(SYS_gettid) == __atomic_load_n(&slot.target, __ATOMIC_RELAXED)) {
        int expected = REQUESTED;
        if (__atomic_compare_exchange_n(&slot.state, &expected, CAPTURING, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
            int n = 0;
            unw_cursor_t cursor;
            // The interrupted context: its first frame is the interrupted
            // instruction itself, not a return address.
            if (unw_init_local2(&cursor, (unw_context_t *)context, UNW_INIT_SIGNAL_FRAME) == 0) {
                do {
                    unw_word_t ip = 0;
                    if (unw_get_reg(&cursor, UNW_REG_IP, &ip) < 0 || ip == 0) break;
                    slot.frames[n++] = (uintptr_t)ip;
                } while (n < LC_HOLDER_STACK_CAPACITY && unw_step(&cursor) > 0);
            }
            slot.count = n;
            __atomic_store_n(&slot.state, DONE, __ATOMIC_RELEASE);
        }
    }
    errno = saved;
}

int lc_holder_stack_default_signal(void) { return SIGRTMAX - 6; }
int lc_sigrtmin(void) { return SIGRTMIN; }
int lc_sigrtmax(void) { return SIGRTMAX; }

/// Whether `signo`'s disposition is `answer`, installing it when the
/// program left the signal at its default. Under `requesters`.
static int ensure_handler(int signo) {
    struct sigaction current;
    if (sigaction(signo, NULL, &current) != 0) return LC_HOLDER_STACK_BAD_SIGNAL;
    if ((current.sa_flags & SA_SIGINFO) && current.sa_sigaction == answer) return 0;
    if (current.sa_handler != SIG_DFL) return LC_HOLDER_STACK_SIGNAL_IN_USE;
    struct sigaction mine = {0};
    mine.sa_sigaction = answer;
    // SA_RESTART: a read or write the holder is blocked in resumes after the
    // handler (sleeps, poll and the like still return EINTR, see docs/rules.md).
    mine.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&mine.sa_mask);
    return sigaction(signo, &mine, NULL) == 0 ? 0 : LC_HOLDER_STACK_BAD_SIGNAL;
}

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/// Polls the slot until DONE or `deadline`; returns whether it is DONE.
static int wait_done(int64_t deadline) {
    const struct timespec step = {0, 1000000};
    for (;;) {
        if (__atomic_load_n(&slot.state, __ATOMIC_ACQUIRE) == DONE) return 1;
        if (now_ns() >= deadline) return 0;
        nanosleep(&step, NULL);
    }
}

static int ask(int32_t tid, int signo, uintptr_t *frames, int max, int64_t bound_ns) {
    int state = __atomic_load_n(&slot.state, __ATOMIC_ACQUIRE);
    if (state == CAPTURING) return LC_HOLDER_STACK_BUSY;
    int rc = ensure_handler(signo);
    if (rc != 0) return rc;
    slot.count = 0;
    __atomic_store_n(&slot.target, tid, __ATOMIC_RELAXED);
    __atomic_store_n(&slot.state, REQUESTED, __ATOMIC_RELEASE);
    if (syscall(SYS_tgkill, (pid_t)getpid(), (pid_t)tid, signo) != 0) {
        int error = errno;
        int expected = REQUESTED;
        __atomic_compare_exchange_n(&slot.state, &expected, IDLE, 0, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED);
        return error == ESRCH ? LC_HOLDER_STACK_NO_THREAD : LC_HOLDER_STACK_BAD_SIGNAL;
    }
    if (!wait_done(now_ns() + bound_ns)) {
        int expected = REQUESTED;
        if (__atomic_compare_exchange_n(&slot.state, &expected, IDLE, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
            return LC_HOLDER_STACK_NO_ANSWER;
        }
        // The handler has started: give it one more bound, then leave the slot to it.
        if (!wait_done(now_ns() + bound_ns)) return LC_HOLDER_STACK_NO_ANSWER;
    }
    int n = slot.count < max ? slot.count : max;
    for (int i = 0; i < n; i++) frames[i] = slot.frames[i];
    __atomic_store_n(&slot.state, IDLE, __ATOMIC_RELEASE);
    return n;
}

int lc_holder_stack_in_flight(void) { return __atomic_load_n(&requesters, __ATOMIC_ACQUIRE); }

int lc_holder_stack(int32_t tid, int signo, uintptr_t *frames, int max, int64_t bound_ns) {
    if (signo == 0) return LC_HOLDER_STACK_OFF;
    if (signo < SIGRTMIN || signo > SIGRTMAX) return LC_HOLDER_STACK_BAD_SIGNAL;
    if (tid <= 0) return LC_HOLDER_STACK_NO_THREAD;
    pthread_once(&atfork_once, register_atfork);
    // Another requester waits at most two bounds; wait for it no longer.
    const struct timespec step = {0, 1000000};
    int64_t deadline = now_ns() + 3 * bound_ns;
    int expected = 0;
    while (!__atomic_compare_exchange_n(&requesters, &expected, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
        if (now_ns() >= deadline) return LC_HOLDER_STACK_BUSY;
        expected = 0;
        nanosleep(&step, NULL);
    }
    int rc = ask(tid, signo, frames, max, bound_ns);
    __atomic_store_n(&requesters, 0, __ATOMIC_RELEASE);
    return rc;
}
