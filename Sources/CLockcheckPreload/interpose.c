// The pthread lock functions of `liblockcheck-preload.so` (see README,
// "Validating an unmodified program"). Each one forwards to the real
// function, found with dlsym(RTLD_NEXT) in the constructor, and tells the
// Swift half what happened: an acquisition is validated before blocking on
// the real lock (so a real deadlock is still reported), a release recorded
// after the real unlock succeeded (or just before it, for the innermost
// lock of a mutex whose unlock cannot fail: see "The short way"), a trylock
// once it succeeded.
//
// Three things keep the program safe (TSan's and Helgrind's interceptors
// do the same):
// 1. A per-thread re-entry guard (`in_lockcheck`, initial-exec TLS, no
//    allocation): while the Swift half runs, every pthread call on the
//    thread (the engine's own locks, the Swift runtime's, libunwind's, the
//    symbolizer's) goes straight to the real function, unvalidated. A lock
//    initialised under the guard is marked never to be validated, and
//    lockcheck's own threads (the trace flusher) and exit hook raise the
//    guard through `lockcheck_preload_set_guard`.
// 2. Nothing is validated before the constructor resolved the real
//    functions and started the validator (`ready`); until then, and when
//    LOCKCHECK=off, the library forwards only. The mutex and rwlock
//    pointers start as glibc's exported `__pthread_*` aliases, so a call
//    made while dlsym itself runs never recurses.
// 3. Per-lock state lives in a side table keyed by the lock's address
//    (`lock_table`, static): open addressing, lock-free lookups (one hash,
//    a few acquire loads), claimed with compare-and-swap. A pthread_mutex_t may
//    live anywhere (static, heap, inside a Swift object), so nothing is
//    stored in the lock itself. Statically initialised locks get their
//    state at first use; destroy and re-init reset it; memory reused at the
//    same address without destroy gets fresh state at its next init.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "lockcheck_preload.h"
#include "lockcheck_runtime.h"
#include "lockgraph_short_way.h"

// MARK: The real functions

extern int __pthread_mutex_init(pthread_mutex_t *, const pthread_mutexattr_t *);
extern int __pthread_mutex_destroy(pthread_mutex_t *);
extern int __pthread_mutex_lock(pthread_mutex_t *);
extern int __pthread_mutex_trylock(pthread_mutex_t *);
extern int __pthread_mutex_unlock(pthread_mutex_t *);
extern int __pthread_rwlock_init(pthread_rwlock_t *, const pthread_rwlockattr_t *);
extern int __pthread_rwlock_destroy(pthread_rwlock_t *);
extern int __pthread_rwlock_rdlock(pthread_rwlock_t *);
extern int __pthread_rwlock_wrlock(pthread_rwlock_t *);
extern int __pthread_rwlock_tryrdlock(pthread_rwlock_t *);
extern int __pthread_rwlock_trywrlock(pthread_rwlock_t *);
extern int __pthread_rwlock_unlock(pthread_rwlock_t *);

static int (*real_mutex_init)(pthread_mutex_t *, const pthread_mutexattr_t *) = __pthread_mutex_init;
static int (*real_mutex_destroy)(pthread_mutex_t *) = __pthread_mutex_destroy;
static int (*real_mutex_lock)(pthread_mutex_t *) = __pthread_mutex_lock;
static int (*real_mutex_trylock)(pthread_mutex_t *) = __pthread_mutex_trylock;
static int (*real_mutex_unlock)(pthread_mutex_t *) = __pthread_mutex_unlock;
static int (*real_mutex_timedlock)(pthread_mutex_t *, const struct timespec *);
static int (*real_mutex_clocklock)(pthread_mutex_t *, clockid_t, const struct timespec *);
static int (*real_rwlock_init)(pthread_rwlock_t *, const pthread_rwlockattr_t *) = __pthread_rwlock_init;
static int (*real_rwlock_destroy)(pthread_rwlock_t *) = __pthread_rwlock_destroy;
static int (*real_rwlock_rdlock)(pthread_rwlock_t *) = __pthread_rwlock_rdlock;
static int (*real_rwlock_wrlock)(pthread_rwlock_t *) = __pthread_rwlock_wrlock;
static int (*real_rwlock_tryrdlock)(pthread_rwlock_t *) = __pthread_rwlock_tryrdlock;
static int (*real_rwlock_trywrlock)(pthread_rwlock_t *) = __pthread_rwlock_trywrlock;
static int (*real_rwlock_timedrdlock)(pthread_rwlock_t *, const struct timespec *);
static int (*real_rwlock_timedwrlock)(pthread_rwlock_t *, const struct timespec *);
static int (*real_rwlock_unlock)(pthread_rwlock_t *) = __pthread_rwlock_unlock;
static int (*real_spin_init)(pthread_spinlock_t *, int);
static int (*real_spin_destroy)(pthread_spinlock_t *);
static int (*real_spin_lock)(pthread_spinlock_t *);
static int (*real_spin_trylock)(pthread_spinlock_t *);
static int (*real_spin_unlock)(pthread_spinlock_t *);
static int (*real_cond_wait)(pthread_cond_t *, pthread_mutex_t *);
static int (*real_cond_timedwait)(pthread_cond_t *, pthread_mutex_t *, const struct timespec *);
static int (*real_cond_clockwait)(pthread_cond_t *, pthread_mutex_t *, clockid_t, const struct timespec *);

/// The next definition of `name` after this library; pthread_cond_* by its
/// current version (a plain dlsym returns the 2.2.5 compatibility one).
static void *next_symbol(const char *name, const char *version) {
    void *p = version ? dlvsym(RTLD_NEXT, name, version) : NULL;
    return p ? p : dlsym(RTLD_NEXT, name);
}

#if defined(__x86_64__)
#define COND_VERSION "GLIBC_2.3.2"
#else
#define COND_VERSION NULL
#endif

#define RESOLVE(var, name, version) do { void *p = next_symbol(name, version); \
    if (p) *(void **)&var = p; } while (0)

static void resolve_all(void) {
    RESOLVE(real_mutex_init, "pthread_mutex_init", NULL);
    RESOLVE(real_mutex_destroy, "pthread_mutex_destroy", NULL);
    RESOLVE(real_mutex_lock, "pthread_mutex_lock", NULL);
    RESOLVE(real_mutex_trylock, "pthread_mutex_trylock", NULL);
    RESOLVE(real_mutex_unlock, "pthread_mutex_unlock", NULL);
    RESOLVE(real_mutex_timedlock, "pthread_mutex_timedlock", NULL);
    RESOLVE(real_mutex_clocklock, "pthread_mutex_clocklock", NULL);
    RESOLVE(real_rwlock_init, "pthread_rwlock_init", NULL);
    RESOLVE(real_rwlock_destroy, "pthread_rwlock_destroy", NULL);
    RESOLVE(real_rwlock_rdlock, "pthread_rwlock_rdlock", NULL);
    RESOLVE(real_rwlock_wrlock, "pthread_rwlock_wrlock", NULL);
    RESOLVE(real_rwlock_tryrdlock, "pthread_rwlock_tryrdlock", NULL);
    RESOLVE(real_rwlock_trywrlock, "pthread_rwlock_trywrlock", NULL);
    RESOLVE(real_rwlock_timedrdlock, "pthread_rwlock_timedrdlock", NULL);
    RESOLVE(real_rwlock_timedwrlock, "pthread_rwlock_timedwrlock", NULL);
    RESOLVE(real_rwlock_unlock, "pthread_rwlock_unlock", NULL);
    RESOLVE(real_spin_init, "pthread_spin_init", NULL);
    RESOLVE(real_spin_destroy, "pthread_spin_destroy", NULL);
    RESOLVE(real_spin_lock, "pthread_spin_lock", NULL);
    RESOLVE(real_spin_trylock, "pthread_spin_trylock", NULL);
    RESOLVE(real_spin_unlock, "pthread_spin_unlock", NULL);
    RESOLVE(real_cond_wait, "pthread_cond_wait", COND_VERSION);
    RESOLVE(real_cond_timedwait, "pthread_cond_timedwait", COND_VERSION);
    RESOLVE(real_cond_clockwait, "pthread_cond_clockwait", NULL);
}

// MARK: Guard and start-up

/// The re-entry guard: an initial-exec TLS word in the runtime's block of
/// hot per-thread words (`lc_hot_thread_slot`), beside the C short way's
/// view and the thread's `seq`, so the interposers reach all three with one
/// GOT load.
#define in_lockcheck (lc_hot_thread_slot.preload_guard)
static atomic_int ready;

int lockcheck_preload_start(void);

__attribute__((constructor))
static void lockcheck_preload_init(void) {
    in_lockcheck = 1;
    resolve_all();
    int on = lockcheck_preload_start();
    in_lockcheck = 0;
    atomic_store_explicit(&ready, on, memory_order_release);
}

int lockcheck_preload_active(void) { return atomic_load_explicit(&ready, memory_order_acquire); }

int lockcheck_preload_set_guard(int on) {
    int old = in_lockcheck;
    in_lockcheck = on;
    return old;
}

// MARK: The side table

struct lock_slot {
    _Atomic uintptr_t key;
    _Atomic(void *) value;
    /// The identity's holder mark (mutexes and spinlocks), published after `value`
    /// and `instance`; NULL (not yet, or another kind): the engine counts holders itself.
    _Atomic(int64_t *) mark;
    /// The identity's engine instance (unretained) when it has a mark: what the
    /// short ways take, so a lock call needs nothing beyond its slot.
    _Atomic(void *) instance;
    /// The instance as the C short way sees it (`lg_short_lock`), set before
    /// `mark` when the C way serves the lock (a kind that does not spin, the
    /// engine's layout checked); `{NULL, 0, 0, &c_way_off}` otherwise, so an
    /// unserved lock's `instance` is no held lock's. Written with
    /// relaxed atomics (`short_lock_store`) before the release store of
    /// `mark`, read plainly after its acquire load: only a program that
    /// destroys a lock while another thread uses it races on them.
    struct lg_short_lock short_lock;
};

/// What a lock call needs of its slot.
struct lock_ref {
    void *id;
    int64_t *mark;
    void *instance;  // set when `mark` is
};

/// 2^20 slots of one cache line: 64 MiB of zero-filled address space in the
/// library's .bss, touched page by page. Static, so the interposers reach a
/// slot with one PC-relative address and no load or test of a pointer.
#define TABLE_BITS 20
#define TABLE_SIZE ((size_t)1 << TABLE_BITS)
#define MAX_PROBES 64
static struct lock_slot lock_table[TABLE_SIZE] __attribute__((aligned(64)));
static atomic_int table_full_warned;

/// The `flags` of a slot's `short_lock` when the C way does not serve the
/// lock (a kind that spins, the engine's layout refused, a slot forgotten):
/// a word that is never 0, so the C way misses without testing the pointer.
static const int64_t c_way_off = 1;

/// Publishes a slot's C short-way view (before its `mark`, which is stored with release).
static void short_lock_store(struct lock_slot *s, struct lg_short_lock l) {
    __atomic_store_n(&s->short_lock.instance, l.instance, __ATOMIC_RELAXED);
    __atomic_store_n(&s->short_lock.id, l.id, __ATOMIC_RELAXED);
    __atomic_store_n(&s->short_lock.shape, l.shape, __ATOMIC_RELAXED);
    __atomic_store_n(&s->short_lock.flags, l.flags, __ATOMIC_RELAXED);
}

static inline size_t slot_index(uintptr_t key) {
    return (size_t)(((uint64_t)key * 0x9E3779B97F4A7C15ull) >> (64 - TABLE_BITS));
}

/// The slot of `address`, claimed if `create`; NULL when absent (or the
/// table is full, after one warning).
static struct lock_slot *find_slot(const void *address, int create) {
    struct lock_slot *t = lock_table;
    uintptr_t key = (uintptr_t)address;
    size_t i = slot_index(key);
    for (int probe = 0; probe < MAX_PROBES; probe++, i = (i + 1) & (TABLE_SIZE - 1)) {
        uintptr_t k = atomic_load_explicit(&t[i].key, memory_order_acquire);
        if (k == key) return &t[i];
        if (k == 0) {
            if (!create) return NULL;
            uintptr_t expected = 0;
            if (atomic_compare_exchange_strong(&t[i].key, &expected, key) || expected == key) return &t[i];
        }
    }
    if (create && !atomic_exchange(&table_full_warned, 1)) {
        static const char msg[] = "lockcheck: warning: the lock table is full; further locks are not validated\n";
        ssize_t ignored = write(2, msg, sizeof msg - 1);
        (void)ignored;
    }
    return NULL;
}

/// The identity of the lock at `address`, classified on first sight
/// (`kind` read from the lock or its attributes by the caller), or NULL when
/// it is not validated. Call with the guard up.
static struct lock_ref identity_for(const void *address, int kind, int atInit) {
    struct lock_ref none = {NULL, NULL, NULL};
    struct lock_slot *s = find_slot(address, 1);
    if (!s) return none;
    void *v = atomic_load_explicit(&s->value, memory_order_acquire);
    if (v == LCP_UNKNOWN) {
        void *made = lockcheck_preload_classify(address, kind, atInit);
        void *expected = LCP_UNKNOWN;
        if (atomic_compare_exchange_strong(&s->value, &expected, made)) {
            v = made;
            if (made != LCP_IGNORED) {
                atomic_store_explicit(&s->instance, lockcheck_preload_instance(made), memory_order_relaxed);
                struct lg_short_lock l = {NULL, 0, 0, &c_way_off};
                if (!lockcheck_preload_short_lock(made, &l)) l = (struct lg_short_lock){NULL, 0, 0, &c_way_off};
                short_lock_store(s, l);
                atomic_store_explicit(&s->mark, lockcheck_preload_holder_mark(made), memory_order_release);
            }
        } else {  // another thread classified it first
            if (made != LCP_IGNORED) lockcheck_preload_free(made);
            v = expected;
        }
    }
    if (v == LCP_IGNORED || v == LCP_UNKNOWN) return none;
    struct lock_ref r = {v, atomic_load_explicit(&s->mark, memory_order_acquire), NULL};
    if (r.mark) r.instance = atomic_load_explicit(&s->instance, memory_order_relaxed);
    return r;
}

/// The identity of a known lock, without classifying (unlock, cond_wait).
static inline struct lock_ref known_identity(const void *address) {
    struct lock_ref none = {NULL, NULL, NULL};
    struct lock_slot *s = find_slot(address, 0);
    if (!s) return none;
    void *v = atomic_load_explicit(&s->value, memory_order_acquire);
    if (v == LCP_UNKNOWN || v == LCP_IGNORED) return none;
    struct lock_ref r = {v, atomic_load_explicit(&s->mark, memory_order_acquire), NULL};
    if (r.mark) r.instance = atomic_load_explicit(&s->instance, memory_order_relaxed);
    return r;
}

/// The lock's memory ends or starts again: its state is dropped (`lock-free`
/// for a validated lock) and the slot waits for the next classification.
static void forget(const void *address) {
    struct lock_slot *s = find_slot(address, 0);
    if (!s) return;
    atomic_store(&s->mark, NULL);
    atomic_store(&s->instance, NULL);
    __atomic_store_n(&s->short_lock.flags, &c_way_off, __ATOMIC_RELAXED);
    void *old = atomic_exchange(&s->value, LCP_UNKNOWN);
    if (old != LCP_UNKNOWN && old != LCP_IGNORED) lockcheck_preload_free(old);
}

/// Whether this call should be validated at all.
static inline int validating(void) {
    return !in_lockcheck && atomic_load_explicit(&ready, memory_order_relaxed);
}

/// glibc's mutex kind (`__data.__kind`, PTHREAD_MUTEX_KIND_MASK_NP).
static inline int mutex_kind(const pthread_mutex_t *m) {
    return (m->__data.__kind & 3) == PTHREAD_MUTEX_RECURSIVE ? LCP_RECURSIVE_MUTEX : LCP_MUTEX;
}

// MARK: Events
//
// A lock with a holder mark (mutex, spinlock) is validated as the Checked
// lock types validate theirs: acquire, take the real lock, store 1 to the
// mark; store 0, release the real lock, record the release. Trylocks count
// the holder in the engine instead; clearing the mark is their decrement.
//
// Its blocking acquisitions and releases first try the short way, the one
// `CheckedMutex` takes (a memo hit pushed, the innermost lock popped): for
// a mutex, in C with no call at all (`lg_short_acquire`/`lg_short_release`
// on the engine's data, see "The short way" below); for a spinlock, or
// when the C way cannot serve, one call into Swift with the engine instance
// kept in the slot. Only when the short way answers 0 (a memo miss, a
// release below the top, no thread state yet, a trace recorded) does the
// long way run, which validates fully. The pthread interposers of such a
// lock look it up with `short_lookup` (first probe, loads only).

static inline void mark_held(struct lock_ref r, int64_t held) {
    if (r.mark) __atomic_store_n(r.mark, held, __ATOMIC_RELAXED);
}

/// Validates a blocking acquisition (call with the guard up).
static inline void validate_acquire(struct lock_ref r, int mode) {
    if (r.mark && mode == 0) lockcheck_preload_acquire_marked(r.id);
    else lockcheck_preload_acquire(r.id, mode, 0);
}

/// Records a release (call with the guard up, the mark already cleared).
static inline void validate_release(struct lock_ref r) {
    if (r.mark) lockcheck_preload_release_marked(r.id);
    else lockcheck_preload_release(r.id);
}

__attribute__((noinline))
static struct lock_ref acquire_before(const void *address, int kind, int mode) {
    in_lockcheck = 1;
    struct lock_ref r = identity_for(address, kind, 0);
    if (r.id) validate_acquire(r, mode);
    in_lockcheck = 0;
    return r;
}

/// After the real blocking call: the mark on success, the acquisition undone on failure (EDEADLK, EINVAL...).
static inline int acquire_after(struct lock_ref r, int rc) {
    if (!r.id) return rc;
    if (rc == 0) {
        mark_held(r, 1);
    } else {
        in_lockcheck = 1;
        validate_release(r);
        in_lockcheck = 0;
    }
    return rc;
}

/// A timed acquisition cannot wait forever: it is validated once it
/// succeeded, as a blocking one (its order still counts).
static int acquired_timed(const void *address, int kind, int mode, int rc) {
    if (rc != 0 || !validating()) return rc;
    in_lockcheck = 1;
    struct lock_ref r = identity_for(address, kind, 0);
    if (r.id) validate_acquire(r, mode);
    in_lockcheck = 0;
    if (mode == 0) mark_held(r, 1);
    return rc;
}

static void acquired_try(const void *address, int kind, int mode) {
    in_lockcheck = 1;
    struct lock_ref r = identity_for(address, kind, 0);
    if (r.id) lockcheck_preload_acquire(r.id, mode, 1);
    in_lockcheck = 0;
}

/// Before the real unlock: the mark cleared. Returns the lock for `released`.
static inline struct lock_ref releasing(const void *address) {
    if (!validating()) { struct lock_ref none = {NULL, NULL, NULL}; return none; }
    struct lock_ref r = known_identity(address);
    if (r.id) mark_held(r, 0);
    return r;
}

static inline int released(struct lock_ref r, int rc) {
    if (rc == 0 && r.id) {
        in_lockcheck = 1;
        validate_release(r);
        in_lockcheck = 0;
    }
    return rc;
}

// MARK: The short way (mutexes and spinlocks)
//
// What `pthread_mutex_lock`/`unlock` and `pthread_spin_lock`/`unlock` do
// first, inline: the lock's slot at its first probe (loads only), then, for
// a classified lock with a holder mark, the C short way (a mutex), else one
// call into Swift with the guard raised once. A memo miss or a release
// below the top goes the long way; anything else (a lock not seen yet, a
// collision, another kind) goes the general way above, which does the
// whole event, the short way included.
//
// The mutex interposers are shaped for the common case, a memo hit and an
// innermost release of a plain mutex: everything the C way does is inline,
// with each check made once, and any other case leaves by a tail call to
// an out-of-line function that does the whole event (so a frame-pointer
// walk from a slow path still finds the program's frame). The release of a
// mutex whose real unlock cannot fail (glibc's default type) is popped
// before the real unlock, which is then a tail call: the interposer keeps
// no frame across it. (A signal handler that runs between the pop and the
// real unlock and takes the same mutex deadlocks unreported; in the other
// order it was reported as a recursive lock it was not. Either window is a
// few instructions.)

/// The slot of `address` at its first probe, if it holds a classified lock
/// with a holder mark (stored to `mark`); NULL otherwise. No call, no guard.
///
/// Needs no `ready` test: a slot gets a mark only once the library validates.
static inline __attribute__((always_inline)) struct lock_slot *short_lookup(const void *address, int64_t **mark) {
    struct lock_slot *s = &lock_table[slot_index((uintptr_t)address)];
    if (atomic_load_explicit(&s->key, memory_order_acquire) != (uintptr_t)address) return NULL;
    *mark = atomic_load_explicit(&s->mark, memory_order_acquire);
    return *mark ? s : NULL;
}

// The C short way: `lg_short_acquire`/`lg_short_release` (the engine's memo
// hit and innermost pop, lockgraph_short_way.h) on the calling thread's
// state (`lc_short_thread`), with no call at all. It takes the gate of
// `PerThread.withFastEvent` (a thread with state, no trace recorded, the
// runtime's guard word clear; `c_way_open`) and serves only locks whose slot has the engine's view (a
// mutex, the layout checked; others have `c_way_off`). It answers 1 when
// the event is done (pushed or popped) and 0 otherwise; the out-of-line
// rest then asks `c_way_serves`: when the C way could have served, the 0
// was a memo miss or a release below the top and the long way runs (every
// rule); when it could not, the Swift short way is tried first, as before.
//
// Its re-entry guard is the C half's, `in_lockcheck`, which the interposer
// found down: the runtime's own `busy` guard is up only inside a call the
// C half made with `in_lockcheck` up, or in the thread-exit destructor,
// which turns the thread's C way off first (`lc_short_thread_clear`). Both
// events also test the runtime's whole guard word, as the Swift short way
// does: events a signal handler queued are validated first, the long way,
// and a handler's own events are queued there.

/// Whether the C way is open on the calling thread (its view `t`): the
/// thread has a state whose layout the engine checked, no trace is
/// recorded (lock events then take the long way, which records them), and
/// the runtime's guard word is clear (no signal handler's events queued or
/// being queued: the long way validates those first, or queues this one).
static inline __attribute__((always_inline)) int c_way_open(const struct lg_short_thread *t) {
    // `lc_seq_is_shared()` read as the kernel's READ_ONCE does (a volatile
    // load of an aligned int, atomic on every target this library builds
    // for), which the compiler folds into the compare: one instruction
    // fewer than the atomic load, on every lock event.
    return __builtin_expect(t->held != NULL, 1) && __builtin_expect(*(volatile const int *)&lc_seq_shared == 0, 1)
        && __builtin_expect(lc_guard_is_clear(), 1);
}

/// Whether the C way serves the lock of slot `s` on the calling thread now.
static int c_way_serves(const struct lock_slot *s) {
    return c_way_open(lc_short_thread_get()) && s->short_lock.flags != &c_way_off;
}

/// A blocking exclusive acquisition the C way (see above): 1 when pushed.
static inline __attribute__((always_inline)) int c_short_acquire(const struct lock_slot *s) {
    struct lg_short_thread *t = lc_short_thread_get();
    if (!c_way_open(t)) return 0;
    // The guard keeps a signal handler's lock calls off a half-made push.
    in_lockcheck = 1;
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    int done = lg_short_acquire(t, &s->short_lock, lc_thread_seq_counter());
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    in_lockcheck = 0;
    return done;
}

/// A release the C way (see above): 1 when popped. One store, so no guard.
/// A lock the C way does not serve has no `instance` in its view, which no
/// held entry matches.
static inline __attribute__((always_inline)) int c_short_release(const struct lock_slot *s) {
    struct lg_short_thread *t = lc_short_thread_get();
    return c_way_open(t) && lg_short_release(t, s->short_lock.instance);
}

/// The long way of a marked lock's acquisition, after its short way
/// missed (call with the guard up). Returns 0 when the lock was
/// forgotten meanwhile (nothing validated: the caller goes the general way).
__attribute__((noinline))
static int acquire_long(const void *address) {
    struct lock_ref k = known_identity(address);
    if (!k.id) return 0;
    if (k.mark) lockcheck_preload_acquire_marked_long(k.id);  // the short way was tried: no second try
    else validate_acquire(k, 0);
    return k.mark != NULL;
}

/// A marked lock's acquisition the C way did not push: the Swift short way
/// when the C way could not serve, else (or when that misses too) the long
/// way, with the guard raised once. Returns 0 when nothing was done (the
/// lock was forgotten meanwhile) and the caller must go the general way.
__attribute__((noinline))
static int acquire_short_rest(const void *address, const struct lock_slot *s) {
    int swift = !c_way_serves(s);
    void *instance = atomic_load_explicit(&s->instance, memory_order_relaxed);
    in_lockcheck = 1;
    int validated = swift && instance && lockcheck_preload_acquire_short(instance);
    if (!validated) validated = acquire_long(address);
    in_lockcheck = 0;
    return validated;
}

/// The long way of a marked lock's release, after its short way missed.
__attribute__((noinline))
static void release_long(const void *address) {
    struct lock_ref k = known_identity(address);
    if (k.id && k.mark) lockcheck_preload_release_marked_long(k.id);
    else if (k.id) validate_release(k);
}

/// A marked lock's release the C way did not pop (after the real unlock,
/// the mark cleared): the Swift short way when the C way could not serve,
/// else the long way. `s` NULL: the lock left its slot meanwhile.
__attribute__((noinline))
static void release_short_rest(const void *address, const struct lock_slot *s) {
    int swift = s && !c_way_serves(s);
    void *instance = s ? atomic_load_explicit(&s->instance, memory_order_relaxed) : NULL;
    in_lockcheck = 1;
    if (!(swift && instance && lockcheck_preload_release_short(instance))) release_long(address);
    in_lockcheck = 0;
}

/// The real lock failed after a short acquisition: the acquisition undone
/// (popped, or the long way when something came between).
__attribute__((noinline))
static int acquire_short_failed(const void *address, int rc) {
    int64_t *mark;
    struct lock_slot *s = short_lookup(address, &mark);
    if (!(s && c_short_release(s))) release_short_rest(address, s);
    return rc;
}

/// After the real blocking call of a short acquisition: the mark on success.
static inline __attribute__((always_inline)) int acquired_short(const void *address, int64_t *mark, int rc) {
    if (__builtin_expect(rc == 0, 1)) {
        __atomic_store_n(mark, 1, __ATOMIC_RELAXED);
        return 0;
    }
    return acquire_short_failed(address, rc);
}

/// After the real unlock of a marked lock whose mark was cleared: the
/// release recorded, popped the C way when it is the innermost lock.
static inline __attribute__((always_inline)) int released_short(const void *address, const struct lock_slot *s, int rc) {
    if (__builtin_expect(rc == 0, 1) && !c_short_release(s)) release_short_rest(address, s);
    return rc;
}

static void initialised(const void *address, int kind) {
    in_lockcheck = 1;
    forget(address);
    (void)identity_for(address, kind, 1);
    in_lockcheck = 0;
}

/// A lock lockcheck itself creates (the guard is up): never validated, even
/// when a thread of lockcheck's later takes it outside the guard.
static void internal_lock(const void *address) {
    struct lock_slot *s = find_slot(address, 1);
    if (!s) return;
    atomic_store(&s->mark, NULL);
    atomic_store(&s->instance, NULL);
    __atomic_store_n(&s->short_lock.flags, &c_way_off, __ATOMIC_RELAXED);
    void *old = atomic_exchange(&s->value, LCP_IGNORED);
    if (old != LCP_UNKNOWN && old != LCP_IGNORED) lockcheck_preload_free(old);
}

static void destroyed(const void *address) {
    in_lockcheck = 1;
    forget(address);
    in_lockcheck = 0;
}

// MARK: Mutexes

int pthread_mutex_init(pthread_mutex_t *m, const pthread_mutexattr_t *attr) {
    int rc = real_mutex_init(m, attr);
    if (rc == 0 && in_lockcheck) {
        internal_lock(m);
    } else if (rc == 0 && validating()) {
        int type = PTHREAD_MUTEX_DEFAULT;
        if (attr) pthread_mutexattr_gettype(attr, &type);
        initialised(m, type == PTHREAD_MUTEX_RECURSIVE ? LCP_RECURSIVE_MUTEX : LCP_MUTEX);
    }
    return rc;
}

int pthread_mutex_destroy(pthread_mutex_t *m) {
    if (validating()) destroyed(m);
    return real_mutex_destroy(m);
}

/// `pthread_mutex_lock` the general way (out of line: the short way stays small).
__attribute__((noinline))
static int mutex_lock_general(pthread_mutex_t *m) {
    if (!validating()) return real_mutex_lock(m);
    struct lock_ref r = acquire_before(m, mutex_kind(m), 0);
    return acquire_after(r, real_mutex_lock(m));
}

/// `pthread_mutex_lock` of a marked lock the C way did not push (out of
/// line, entered by a tail call): validated the Swift short way or the long
/// way, then the real lock.
__attribute__((noinline))
static int mutex_lock_rest(pthread_mutex_t *m, const struct lock_slot *s, int64_t *mark) {
    if (!acquire_short_rest(m, s)) return mutex_lock_general(m);
    return acquired_short(m, mark, real_mutex_lock(m));
}

int pthread_mutex_lock(pthread_mutex_t *m) {
    if (__builtin_expect(in_lockcheck, 0)) return real_mutex_lock(m);
    int64_t *mark;
    struct lock_slot *s = short_lookup(m, &mark);
    if (__builtin_expect(s == NULL, 0)) return mutex_lock_general(m);
    if (__builtin_expect(!c_short_acquire(s), 0)) return mutex_lock_rest(m, s, mark);
    return acquired_short(m, mark, real_mutex_lock(m));
}

int pthread_mutex_trylock(pthread_mutex_t *m) {
    int rc = real_mutex_trylock(m);
    if (rc == 0 && validating()) acquired_try(m, mutex_kind(m), 0);
    return rc;
}

int pthread_mutex_timedlock(pthread_mutex_t *m, const struct timespec *t) {
    if (!real_mutex_timedlock) return ENOSYS;
    return acquired_timed(m, mutex_kind(m), 0, real_mutex_timedlock(m, t));
}

int pthread_mutex_clocklock(pthread_mutex_t *m, clockid_t c, const struct timespec *t) {
    if (!real_mutex_clocklock) return ENOSYS;
    return acquired_timed(m, mutex_kind(m), 0, real_mutex_clocklock(m, c, t));
}

/// `pthread_mutex_unlock` the general way (out of line).
__attribute__((noinline))
static int mutex_unlock_general(pthread_mutex_t *m) {
    if (!validating()) return real_mutex_unlock(m);
    struct lock_ref r = releasing(m);
    return released(r, real_mutex_unlock(m));
}

/// `pthread_mutex_unlock` of a marked lock not popped before the real
/// unlock (out of line, entered by a tail call): the mark cleared, the real
/// unlock, then the release recorded (`released_short`).
__attribute__((noinline))
static int mutex_unlock_rest(pthread_mutex_t *m, const struct lock_slot *s, int64_t *mark) {
    __atomic_store_n(mark, 0, __ATOMIC_RELAXED);
    return released_short(m, s, real_mutex_unlock(m));
}

/// Whether glibc's unlock of `m` always succeeds: its default type
/// (PTHREAD_MUTEX_TIMED_NP, no robust, PI or PP bits), whose unlock clears
/// the lock word and returns 0 without checking the owner. Only then may
/// the release be recorded before the real unlock.
static inline __attribute__((always_inline)) int unlock_cannot_fail(const pthread_mutex_t *m) {
    return m->__data.__kind == PTHREAD_MUTEX_TIMED_NP;
}

int pthread_mutex_unlock(pthread_mutex_t *m) {
    if (__builtin_expect(in_lockcheck, 0)) return real_mutex_unlock(m);
    int64_t *mark;
    struct lock_slot *s = short_lookup(m, &mark);
    if (__builtin_expect(s == NULL, 0)) return mutex_unlock_general(m);
    // The innermost lock popped first, then the real unlock as a tail call.
    // The pop cannot be undone, so only for an unlock that cannot fail.
    if (__builtin_expect(!unlock_cannot_fail(m) || !c_short_release(s), 0)) return mutex_unlock_rest(m, s, mark);
    __atomic_store_n(mark, 0, __ATOMIC_RELAXED);
    return real_mutex_unlock(m);
}

// MARK: Reader/writer locks

int pthread_rwlock_init(pthread_rwlock_t *l, const pthread_rwlockattr_t *attr) {
    int rc = real_rwlock_init(l, attr);
    if (rc == 0 && in_lockcheck) internal_lock(l);
    else if (rc == 0 && validating()) initialised(l, LCP_RWLOCK);
    return rc;
}

int pthread_rwlock_destroy(pthread_rwlock_t *l) {
    if (validating()) destroyed(l);
    return real_rwlock_destroy(l);
}

static int rwlock_blocking(pthread_rwlock_t *l, int mode, int (*real)(pthread_rwlock_t *)) {
    if (!validating()) return real(l);
    struct lock_ref r = acquire_before(l, LCP_RWLOCK, mode);
    return acquire_after(r, real(l));
}

int pthread_rwlock_rdlock(pthread_rwlock_t *l) { return rwlock_blocking(l, 1, real_rwlock_rdlock); }
int pthread_rwlock_wrlock(pthread_rwlock_t *l) { return rwlock_blocking(l, 0, real_rwlock_wrlock); }

int pthread_rwlock_tryrdlock(pthread_rwlock_t *l) {
    int rc = real_rwlock_tryrdlock(l);
    if (rc == 0 && validating()) acquired_try(l, LCP_RWLOCK, 1);
    return rc;
}

int pthread_rwlock_trywrlock(pthread_rwlock_t *l) {
    int rc = real_rwlock_trywrlock(l);
    if (rc == 0 && validating()) acquired_try(l, LCP_RWLOCK, 0);
    return rc;
}

int pthread_rwlock_timedrdlock(pthread_rwlock_t *l, const struct timespec *t) {
    if (!real_rwlock_timedrdlock) return ENOSYS;
    return acquired_timed(l, LCP_RWLOCK, 1, real_rwlock_timedrdlock(l, t));
}

int pthread_rwlock_timedwrlock(pthread_rwlock_t *l, const struct timespec *t) {
    if (!real_rwlock_timedwrlock) return ENOSYS;
    return acquired_timed(l, LCP_RWLOCK, 0, real_rwlock_timedwrlock(l, t));
}

int pthread_rwlock_unlock(pthread_rwlock_t *l) {
    struct lock_ref r = releasing(l);
    return released(r, real_rwlock_unlock(l));
}

// MARK: Spinlocks

int pthread_spin_init(pthread_spinlock_t *l, int pshared) {
    if (!real_spin_init) return ENOSYS;
    int rc = real_spin_init(l, pshared);
    if (rc == 0 && in_lockcheck) internal_lock((const void *)l);
    else if (rc == 0 && validating()) initialised((const void *)l, LCP_SPINLOCK);
    return rc;
}

int pthread_spin_destroy(pthread_spinlock_t *l) {
    if (!real_spin_destroy) return ENOSYS;
    if (validating()) destroyed((const void *)l);
    return real_spin_destroy(l);
}

int pthread_spin_lock(pthread_spinlock_t *l) {
    if (!real_spin_lock) return ENOSYS;
    if (!validating()) return real_spin_lock(l);
    int64_t *mark;
    struct lock_slot *s = short_lookup((const void *)l, &mark);
    // A spinlock is never served the C way: the Swift short way, else the long way.
    if (__builtin_expect(s != NULL && acquire_short_rest((const void *)l, s), 1))
        return acquired_short((const void *)l, mark, real_spin_lock(l));
    struct lock_ref r = acquire_before((const void *)l, LCP_SPINLOCK, 0);
    return acquire_after(r, real_spin_lock(l));
}

int pthread_spin_trylock(pthread_spinlock_t *l) {
    if (!real_spin_trylock) return ENOSYS;
    int rc = real_spin_trylock(l);
    if (rc == 0 && validating()) acquired_try((const void *)l, LCP_SPINLOCK, 0);
    return rc;
}

int pthread_spin_unlock(pthread_spinlock_t *l) {
    if (!real_spin_unlock) return ENOSYS;
    if (!validating()) return real_spin_unlock(l);
    int64_t *mark;
    struct lock_slot *s = short_lookup((const void *)l, &mark);
    if (__builtin_expect(s != NULL, 1)) {
        __atomic_store_n(mark, 0, __ATOMIC_RELAXED);
        return released_short((const void *)l, s, real_spin_unlock(l));
    }
    struct lock_ref r = releasing((const void *)l);
    return released(r, real_spin_unlock(l));
}

// MARK: Condition variables

/// Before a wait: a sleep point, then the mutex's release (the real wait
/// releases it inside glibc, where no interposer sees it).
static struct lock_ref before_wait(pthread_mutex_t *m) {
    struct lock_ref none = {NULL, NULL, NULL};
    if (!validating()) return none;
    struct lock_ref r = known_identity(m);
    in_lockcheck = 1;
    lockcheck_preload_sleep();
    in_lockcheck = 0;
    if (r.id) {
        mark_held(r, 0);
        in_lockcheck = 1;
        validate_release(r);
        in_lockcheck = 0;
    }
    return r;
}

/// After a wait, whatever its result: glibc has taken the mutex again.
static void after_wait(struct lock_ref r) {
    if (!r.id) return;
    in_lockcheck = 1;
    validate_acquire(r, 0);
    in_lockcheck = 0;
    mark_held(r, 1);
}

int pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m) {
    struct lock_ref r = before_wait(m);
    int rc = real_cond_wait(c, m);
    after_wait(r);
    return rc;
}

int pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m, const struct timespec *t) {
    struct lock_ref r = before_wait(m);
    int rc = real_cond_timedwait(c, m, t);
    after_wait(r);
    return rc;
}

int pthread_cond_clockwait(pthread_cond_t *c, pthread_mutex_t *m, clockid_t clock, const struct timespec *t) {
    if (!real_cond_clockwait) return ENOSYS;
    struct lock_ref r = before_wait(m);
    int rc = real_cond_clockwait(c, m, clock, t);
    after_wait(r);
    return rc;
}
