/* nested-locks: lock-bench's workload in C for the peers (issue 4).
 *
 *   nested-locks [iterations] [cpu]     (default 1,000,000)
 *
 * Three pthread mutexes A, B, C taken in that order and released in reverse,
 * `iterations` times, after starting (and joining) one thread so the process
 * is multi-threaded. Prints the iterations and ns per op (lock + unlock,
 * 3 per iteration) of the best of 5 rounds. Built plain, with
 * -fsanitize=thread, and run under valgrind --tool=helgrind by lock-bench.sh.
 * `cpu`: rounds timed by the thread's CPU time (CLOCK_THREAD_CPUTIME_ID), not
 * the wall clock, so time spent descheduled on a loaded machine is left out. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static pthread_mutex_t a = PTHREAD_MUTEX_INITIALIZER, b = PTHREAD_MUTEX_INITIALIZER,
                       c = PTHREAD_MUTEX_INITIALIZER;

static void *nothing(void *arg) { return arg; }

static clockid_t clock_id = CLOCK_MONOTONIC;

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(clock_id, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

__attribute__((noinline)) static void run(long n) {
    for (long i = 0; i < n; i++) {
        pthread_mutex_lock(&a); pthread_mutex_lock(&b); pthread_mutex_lock(&c);
        pthread_mutex_unlock(&c); pthread_mutex_unlock(&b); pthread_mutex_unlock(&a);
    }
}

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 1000000;
    if (argc > 2 && argv[2][0] == 'c') clock_id = CLOCK_THREAD_CPUTIME_ID;
    pthread_t t;
    pthread_create(&t, NULL, nothing, NULL);
    pthread_join(t, NULL);
    run(n / 10 + 1);  /* warm-up */
    double best = 1e300;
    for (int r = 0; r < 5; r++) {
        double t0 = now_ns();
        run(n);
        double ns = (now_ns() - t0) / (3.0 * n);
        if (ns < best) best = ns;
    }
    printf("iterations %ld ns_per_op %.2f\n", n, best);
    return 0;
}
