#define _GNU_SOURCE
#include <dlfcn.h>
#include <link.h>
#include <sys/auxv.h>
#include <unistd.h>
#include <pthread.h>
#include <malloc.h>
#include <sys/syscall.h>
#include <errno.h>
#include <time.h>
#include "lockcheck_runtime.h"
#include "lockcheck_current_task.h"

__thread void *lc_thread_slot __attribute__((tls_model("initial-exec"))) = 0;
__thread struct lc_hot_thread lc_hot_thread_slot __attribute__((tls_model("initial-exec"))) = {
    .task_hint = &lc_task_not_read,
};
uint64_t lc_seq_counter = 0;
int lc_seq_shared = 0;
__thread uint32_t lc_hardirq_depth __attribute__((tls_model("initial-exec"))) = 0;
__thread uint64_t lc_hardirq_unvalidated __attribute__((tls_model("initial-exec"))) = 0;

int lc_symbol_info(const void *address, const char **object, uintptr_t *objectBase,
                   const char **symbol, uintptr_t *symbolAddress) {
    Dl_info info;
    if (dladdr(address, &info) == 0) return 0;
    *object = info.dli_fname;
    *objectBase = (uintptr_t)info.dli_fbase;
    *symbol = info.dli_sname;
    *symbolAddress = (uintptr_t)info.dli_saddr;
    return 1;
}

int lc_object_info(const void *address, const char **object, uintptr_t *objectBase) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 35))
    struct dl_find_object found;
    if (_dl_find_object((void *)address, &found) != 0 || !found.dlfo_link_map) return 0;
    *object = found.dlfo_link_map->l_name;
    *objectBase = (uintptr_t)found.dlfo_map_start;
    return 1;
#else
    Dl_info info;
    if (dladdr(address, &info) == 0) return 0;
    *object = info.dli_fname;
    *objectBase = (uintptr_t)info.dli_fbase;
    return 1;
#endif
}

uintptr_t lc_program_entry(void) { return (uintptr_t)getauxval(AT_ENTRY); }

int64_t lc_gettid(void) { return (int64_t)syscall(SYS_gettid); }
__thread int64_t lc_cached_tid __attribute__((tls_model("initial-exec"))) = 0;

int lc_thread_name(char *buffer, size_t size) { return pthread_getname_np(pthread_self(), buffer, size); }

// libdispatch's, when the process has it: a worker thread's kernel name is
// the last 15 bytes of its queue's label, the label is whole.
extern const char *dispatch_queue_get_label(void *queue) __attribute__((weak));

const char *lc_current_queue_label(void) {
    return dispatch_queue_get_label ? dispatch_queue_get_label(NULL) : NULL;
}

void lc_set_thread_name(const char *name) { pthread_setname_np(pthread_self(), name); }

size_t lc_malloc_usable_size(void *pointer) { return malloc_usable_size(pointer); }

int lc_preload_set_guard(int on) {
    static int (*set_guard)(int);
    static int resolved;
    if (!__atomic_load_n(&resolved, __ATOMIC_ACQUIRE)) {
        void *f = dlsym(RTLD_DEFAULT, "lockcheck_preload_set_guard");
        __atomic_store_n((void **)&set_guard, f, __ATOMIC_RELAXED);
        __atomic_store_n(&resolved, 1, __ATOMIC_RELEASE);
    }
    int (*f)(int) = __atomic_load_n(&set_guard, __ATOMIC_RELAXED);
    return f ? f(on) : 0;
}

int32_t lc_mutex_owner(void *mutex) {
#ifdef __GLIBC__
    return __atomic_load_n(&((pthread_mutex_t *)mutex)->__data.__owner, __ATOMIC_RELAXED);
#else
    (void)mutex;
    return 0;
#endif
}

int32_t lc_rwlock_writer(void *rwlock) {
#ifdef __GLIBC__
    return (int32_t)__atomic_load_n(&((pthread_rwlock_t *)rwlock)->__data.__cur_writer, __ATOMIC_RELAXED);
#else
    (void)rwlock;
    return 0;
#endif
}

int64_t lc_monotonic_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/// CLOCK_REALTIME now + `nanoseconds` (the pthread timed calls' clock).
static struct timespec lc_deadline(int64_t nanoseconds) {
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    int64_t ns = t.tv_nsec + nanoseconds % 1000000000;
    t.tv_sec += nanoseconds / 1000000000 + ns / 1000000000;
    t.tv_nsec = ns % 1000000000;
    return t;
}

int lc_mutex_lock_within(void *mutex, int64_t nanoseconds) {
    struct timespec deadline = lc_deadline(nanoseconds);
    return pthread_mutex_timedlock((pthread_mutex_t *)mutex, &deadline);
}

int lc_rwlock_lock_within(void *rwlock, _Bool write, int64_t nanoseconds) {
    struct timespec deadline = lc_deadline(nanoseconds);
    return write ? pthread_rwlock_timedwrlock((pthread_rwlock_t *)rwlock, &deadline)
                 : pthread_rwlock_timedrdlock((pthread_rwlock_t *)rwlock, &deadline);
}

_Bool lc_spin_lock_within(int32_t *word, _Bool rw, _Bool write, int64_t nanoseconds) {
    int64_t end = lc_monotonic_ns() + nanoseconds;
    uint32_t n = 0;
    for (uint32_t i = 1;; i++) {
        _Bool taken = !rw ? lc_spin_trylock(word) : write ? lc_rwspin_trywrite(word) : lc_rwspin_tryread(word);
        if (taken) return 1;
        lc_spin_backoff(&n);
        if ((i & 255) == 0 && lc_monotonic_ns() >= end) return 0;
    }
}
