// Statically initialised mutexes with no exported symbol (`static`), taken
// only through one helper function, as BoringSSL takes its
// `StaticMutex`es: lockcheck run first sees each at its first use, inside
// the helper. Nesting two of them is fine (always the same order): lockdep
// keys a static lock by its address, and so must lockcheck, or every such
// lock is one class and the nesting a false recursive-lock.
//
//   static-helper           # `first` then `second`, twice: no report
//   static-helper --abba    # then `second` then `first`: lock-order-inversion
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static pthread_mutex_t first = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t second = PTHREAD_MUTEX_INITIALIZER;

// The one place every static lock is taken and released.
__attribute__((noinline)) static void lock_static(pthread_mutex_t *m) { pthread_mutex_lock(m); }
__attribute__((noinline)) static void unlock_static(pthread_mutex_t *m) { pthread_mutex_unlock(m); }

static void nest(pthread_mutex_t *outer, pthread_mutex_t *inner) {
    lock_static(outer);
    lock_static(inner);
    unlock_static(inner);
    unlock_static(outer);
}

int main(int argc, char **argv) {
    int abba = argc > 1 && strcmp(argv[1], "--abba") == 0;
    nest(&first, &second);
    nest(&first, &second);
    if (abba) nest(&second, &first);
    printf("static-helper: done\n");
    return 0;
}
