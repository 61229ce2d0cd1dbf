// The C half of the LD_PRELOAD library (`liblockcheck-preload.so`): the
// pthread lock functions it defines forward to the real ones and tell the
// Swift half (LockcheckPreload, `@_cdecl` functions) what happened.
#ifndef LOCKCHECK_PRELOAD_H
#define LOCKCHECK_PRELOAD_H

#include <stdint.h>

/// What a lock address maps to in the side table: no entry yet (classify it
/// at its next init or first acquisition), a lock lockcheck leaves alone, or
/// an opaque retained `LockIdentity`.
#define LCP_UNKNOWN ((void *)0)
#define LCP_IGNORED ((void *)1)

/// The kinds the C half tells apart (the Swift half maps them to `LockKind`).
enum lcp_kind { LCP_MUTEX = 0, LCP_RECURSIVE_MUTEX = 1, LCP_RWLOCK = 2, LCP_SPINLOCK = 3 };

// Implemented in Swift (LockcheckPreload/PreloadBridge.swift). Called only
// with the C half's re-entry guard up, so every pthread call they make is
// forwarded unvalidated.

/// The identity of a lock at `address` (retained, opaque), or `LCP_IGNORED`.
/// `atInit`: called from its init function (else: first use of a lock that
/// was statically initialised).
void *lockcheck_preload_classify(const void *address, int kind, int atInit);
/// An acquisition: `mode` 0 exclusive, 1 shared.
void lockcheck_preload_acquire(void *identity, int mode, int isTry);
void lockcheck_preload_release(void *identity);
/// The holder mark of a one-holder lock (mutex, spinlock), or NULL.
int64_t *lockcheck_preload_holder_mark(void *identity);
/// The lock's engine instance (unretained; the identity holds it), for the short ways.
void *lockcheck_preload_instance(void *identity);
struct lg_short_lock;
/// Fills `out` with the lock's view for the C short way (`lg_short_acquire`)
/// and returns 1 when that way serves it (a kind that does not spin, the
/// engine's layout checked); returns 0 otherwise.
int lockcheck_preload_short_lock(void *identity, struct lg_short_lock *out);
/// The short way of a blocking exclusive acquisition of a marked lock (a memo
/// hit, pushed): 1 when done, 0 when it must go the long way
/// (`lockcheck_preload_acquire_marked`), nothing done.
int lockcheck_preload_acquire_short(void *instance);
/// The short way of a marked lock's release (the innermost lock, popped): 1
/// when done, 0 when it must go the long way (`lockcheck_preload_release_marked`).
int lockcheck_preload_release_short(void *instance);
/// Validates a blocking exclusive acquisition of a marked lock (store 1 to the mark once taken).
void lockcheck_preload_acquire_marked(void *identity);
/// `lockcheck_preload_acquire_marked` without its short way (already tried).
void lockcheck_preload_acquire_marked_long(void *identity);
/// `lockcheck_preload_release_marked` without its short way (already tried).
void lockcheck_preload_release_marked_long(void *identity);
/// Records the release of a marked lock (its mark cleared before the real unlock).
void lockcheck_preload_release_marked(void *identity);
/// The lock's memory ends (destroy, or re-init over a known lock): `lock-free`, identity released.
void lockcheck_preload_free(void *identity);
/// A sleep point (`pthread_cond_wait`).
void lockcheck_preload_sleep(void);

/// Starts the validator (LOCKCHECK=report unless the environment says otherwise); 1 when it runs.
int lockcheck_preload_start(void);

/// Whether the library validates in this process (0 before its constructor ran,
/// and when LOCKCHECK=off).
int lockcheck_preload_active(void);


/// Raises (1) or lowers (0) the calling thread's re-entry guard; returns the
/// previous state. Found with dlsym by the Instrumented runtime (`lc_preload_set_guard`).
int lockcheck_preload_set_guard(int on);

#endif
