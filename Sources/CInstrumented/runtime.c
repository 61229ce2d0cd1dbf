#define _GNU_SOURCE
#include <dlfcn.h>
#include <unistd.h>
#include <pthread.h>
#include <malloc.h>
#include <sys/syscall.h>
#include "lockcheck_runtime.h"

__thread void *lc_thread_slot __attribute__((tls_model("initial-exec"))) = 0;
uint64_t lc_seq_counter = 0;
int lc_seq_shared = 0;
__thread uint64_t lc_seq_thread __attribute__((tls_model("initial-exec"))) = 0;

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

int64_t lc_gettid(void) { return (int64_t)syscall(SYS_gettid); }
__thread int64_t lc_cached_tid __attribute__((tls_model("initial-exec"))) = 0;

int lc_thread_name(char *buffer, size_t size) { return pthread_getname_np(pthread_self(), buffer, size); }

void lc_set_thread_name(const char *name) { pthread_setname_np(pthread_self(), name); }

size_t lc_malloc_usable_size(void *pointer) { return malloc_usable_size(pointer); }
