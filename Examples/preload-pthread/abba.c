// An unmodified C program with a pthread ABBA that never races: main takes
// `a` then `b`, and only after that a second thread takes `b` then `a`.
// Under `lockcheck run` (or LD_PRELOAD=liblockcheck-preload.so):
//
//     gcc -g -rdynamic -o abba abba.c -lpthread && lockcheck run -- ./abba
//
// lockcheck reports one `lock-order-inversion` between the classes
// `make_locks (abba.c:NN)` of `a` and `b` (their creation sites).
//
// `./abba --fixed` takes them in one order and nothing is reported; it also
// waits on a condition variable under `a` (pthread_cond_wait releases and
// re-takes it: fine under a sleeping mutex), re-takes a recursive mutex,
// takes a statically initialised mutex, an rwlock's read side twice from two
// threads, a trylock'd mutex, and releases two locks out of order: no violation.
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static pthread_mutex_t *a, *b;
static pthread_mutex_t storage_a, storage_b, recursive; static pthread_mutexattr_t *ab_type;  // NULL: default
pthread_mutex_t counter_lock = PTHREAD_MUTEX_INITIALIZER;  // named by its symbol with -rdynamic
pthread_rwlock_t table = PTHREAD_RWLOCK_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;
static int fixed, ready, counter, errorcheck;

static void make_locks(void) {
    pthread_mutex_init(&storage_a, ab_type);
    pthread_mutex_init(&storage_b, ab_type);
    a = &storage_a;
    b = &storage_b;
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_init(&recursive, &attr);
    pthread_mutexattr_destroy(&attr);
}

static void take_in_order(pthread_mutex_t *first, pthread_mutex_t *second) {
    pthread_mutex_lock(first);
    pthread_mutex_lock(second);
    counter++;
    pthread_mutex_unlock(second);
    pthread_mutex_unlock(first);
}

static void *second_thread(void *arg) {
    (void)arg;
    if (fixed) {
        take_in_order(a, b);
        pthread_rwlock_rdlock(&table);
        pthread_rwlock_unlock(&table);
        pthread_mutex_lock(a);
        ready = 1;
        pthread_cond_signal(&changed);
        pthread_mutex_unlock(a);
    } else {
        take_in_order(b, a);
    }
    return NULL;
}

int main(int argc, char **argv) {
    fixed = argc > 1 && strcmp(argv[1], "--fixed") == 0;
    // `--repeat N`: main first takes `a` then `b` N more times (validated the
    // first time, then by the short way); the same report, counter N + 2.
    long repeat = 0;
    for (int i = 1; i + 1 < argc; i++)
        if (strcmp(argv[i], "--repeat") == 0)
            for (const char *d = argv[i + 1]; *d >= '0' && *d <= '9'; d++) repeat = repeat * 10 + (*d - '0');
    // `--errorcheck`: `a` and `b` are error-checking mutexes (their unlock
    // can fail, so a release is recorded after it, never before); with
    // `--fixed`, an unlock of `a` while not holding it must fail (EPERM) and
    // is not recorded.
    pthread_mutexattr_t checking;
    for (int i = 1; i < argc; i++) errorcheck |= strcmp(argv[i], "--errorcheck") == 0;
    if (errorcheck) {
        pthread_mutexattr_init(&checking);
        pthread_mutexattr_settype(&checking, PTHREAD_MUTEX_ERRORCHECK);
        ab_type = &checking;
    }
    make_locks();
    for (long i = 0; i < repeat; i++) take_in_order(a, b);
    take_in_order(a, b);
    pthread_t t;
    if (fixed) {
        pthread_mutex_lock(a);
        pthread_create(&t, NULL, second_thread, NULL);
        while (!ready) pthread_cond_wait(&changed, a);
        pthread_mutex_unlock(a);
        pthread_mutex_lock(&recursive);
        pthread_mutex_lock(&recursive);
        pthread_mutex_unlock(&recursive);
        pthread_mutex_unlock(&recursive);
        pthread_mutex_lock(&counter_lock);
        pthread_rwlock_rdlock(&table);
        pthread_rwlock_unlock(&table);
        pthread_mutex_unlock(&counter_lock);
        if (pthread_mutex_trylock(b) == 0) pthread_mutex_unlock(b);
        // Released out of order: `a`, below the top, first.
        pthread_mutex_lock(a);
        pthread_mutex_lock(b);
        pthread_mutex_unlock(a);
        pthread_mutex_unlock(b);
        if (errorcheck && pthread_mutex_unlock(a) == 0) printf("an unheld error-checking mutex was unlocked\n");
    } else {
        pthread_create(&t, NULL, second_thread, NULL);
    }
    pthread_join(t, NULL);
    pthread_mutex_destroy(&recursive);
    pthread_mutex_destroy(b);
    pthread_mutex_destroy(a);
    printf("counter: %d\n", counter);
    return 0;
}
