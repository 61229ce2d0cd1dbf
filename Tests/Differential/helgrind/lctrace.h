/*
 * lctrace.h — a tiny writer of lockcheck trace format 1
 * (shared/spec/trace-format.md) for C programs over pthread mutexes.
 *
 * Used by the Helgrind differential test: a generated program records its
 * own lock operations with these calls while it runs under Valgrind's
 * Helgrind, so lockcheck and Helgrind judge the same run. Each pthread mutex
 * is a class of its own (`class <i> mutex m<i>`, `lock <i> <i>`), as Helgrind
 * sees locks.
 *
 * - Declarations first: lct_open writes the header, then the program
 *   declares its threads and mutexes before any event.
 * - One write(2) per line on an O_APPEND descriptor, and `seq` from one
 *   atomic counter: lines are whole and in `seq` order as long as the
 *   program's threads take turns (the generated programs do). No lock of
 *   its own, so Helgrind sees no lock but the program's.
 * - Events follow the format's rules: `acquire` before blocking on the
 *   mutex, `acquire … try` only after a trylock succeeded (a failed one is
 *   not recorded), `release` after unlocking, `thread-exit` last.
 */
#ifndef LCTRACE_H
#define LCTRACE_H

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static int lct_fd = -1;
static uint64_t lct_seq;

/* Writes one line (the newline is added); exits the program on an error. */
static void lct_line(const char *format, ...) {
    char line[512];
    va_list args;
    va_start(args, format);
    int n = vsnprintf(line, sizeof line - 1, format, args);
    va_end(args);
    if (n < 0 || n >= (int)sizeof line - 1) { fprintf(stderr, "lctrace: line too long\n"); exit(3); }
    line[n++] = '\n';
    for (int done = 0; done < n;) {
        ssize_t w = write(lct_fd, line + done, (size_t)(n - done));
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) { perror("lctrace: write"); exit(3); }
        done += (int)w;
    }
}

/* Creates (truncates) the trace at `path` and writes its header. */
static void lct_open(const char *path) {
    lct_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
    if (lct_fd < 0) { perror("lctrace: open"); exit(3); }
    lct_line("lockcheck-trace 1");
}

static void lct_close(void) { close(lct_fd); lct_fd = -1; }

static void lct_thread(unsigned tid, const char *name) { lct_line("thread %u %s", tid, name); }

/* Mutex `id` is lock <id> of class <id>, named m<id>. */
static void lct_mutex(unsigned id) {
    lct_line("class %u mutex m%u", id, id);
    lct_line("lock %u %u", id, id);
}

static unsigned long long lct_next_seq(void) {
    return (unsigned long long)__atomic_add_fetch(&lct_seq, 1, __ATOMIC_SEQ_CST);
}

static void lct_acquire(unsigned tid, unsigned lock, int is_try) {
    lct_line("%llu %u acquire %u%s", lct_next_seq(), tid, lock, is_try ? " try" : "");
}

static void lct_release(unsigned tid, unsigned lock) { lct_line("%llu %u release %u", lct_next_seq(), tid, lock); }

static void lct_thread_exit(unsigned tid) { lct_line("%llu %u thread-exit", lct_next_seq(), tid); }

#endif
