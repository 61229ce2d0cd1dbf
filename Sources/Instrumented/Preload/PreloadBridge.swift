#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CInstrumented
import CLockGraphAtomics
import LockGraph

// The Swift half of `liblockcheck-preload.so` (the C half, with the pthread
// functions, is Sources/CLockcheckPreload). Each function is called by the C
// half with its re-entry guard up: every pthread call made here, by the
// engine, the Swift runtime, libunwind or the symbolizer, is forwarded
// unvalidated. These functions exist in every binary that links
// Instrumented, but only the preload library's C half calls them.

/// Starts the validator for a preloaded process: `LOCKCHECK=report` unless
/// the environment says otherwise (a release build of the library would
/// otherwise default to off). The source-line tool that names classes by
/// file and line starts now and indexes the program's line tables, before
/// the program runs (``Symbolizer/prepareSourceLines()``).
/// - Returns: 1 when validation is on.
@_cdecl("lockcheck_preload_start")
public func _lockcheckPreloadStart() -> Int32 {
    _ = LockCheck.configure(LockCheck.Options(mode: .report))
    guard let runtime = Runtime.shared else { return 0 }
    // Before the program has threads: the Swift runtime's frames are then
    // classified with no lock (SwiftRuntimeFrames), and the generic metadata
    // classification uses is instantiated now, not inside the runtime's locks.
    SwiftRuntimeFrames.prepare()
    var probe = pthread_mutex_t()
    _ = CreationSite.classify(lockAddress: &probe, atInit: true, symbolizer: runtime.symbolizer)
    if runtime.options.captureStacks { runtime.symbolizer.prepareSourceLines() }
    return 1
}

/// A new identity for the lock at `address`, retained and opaque, or 1 when
/// the lock is not validated (see ``CreationSite``).
/// - Complexity: One stack capture and a symbol lookup per frame not seen before;
///   one class-table lookup.
@_cdecl("lockcheck_preload_classify")
public func _lockcheckPreloadClassify(_ address: UnsafeRawPointer?, _ kind: Int32, _ atInit: Int32) -> UnsafeMutableRawPointer? {
    let ignored = UnsafeMutableRawPointer(bitPattern: 1)
    guard let runtime = Runtime.shared, let address else { return ignored }
    guard case .named(let name) = CreationSite.classify(lockAddress: address, atInit: atInit != 0,
                                                        symbolizer: runtime.symbolizer) else { return ignored }
    let lockKind: LockKind
    switch kind {
    case 1: lockKind = .recursiveMutex
    case 2: lockKind = .rwsem
    case 3: lockKind = .spinlock
    default: lockKind = .mutex
    }
    guard let identity = LockIdentity.make(kind: lockKind, name: name, fileID: "", line: 0) else { return ignored }
    return Unmanaged.passRetained(identity).toOpaque()
}

/// Validates an acquisition (`mode` 0: exclusive, 1: shared).
/// - Complexity: As ``LockIdentity/acquire(_:isTry:subclass:nest:)``.
@_cdecl("lockcheck_preload_acquire")
public func _lockcheckPreloadAcquire(_ identity: UnsafeMutableRawPointer, _ mode: Int32, _ isTry: Int32) {
    Unmanaged<LockIdentity>.fromOpaque(identity)._withUnsafeGuaranteedRef {
        $0.acquire(mode == 1 ? .shared : .exclusive, isTry: isTry != 0, subclass: 0, nest: nil)
    }
}

/// The holder mark of a lock that admits one holder (a mutex or spinlock,
/// not a recursive mutex or rwlock), or nil: the C half stores 1 to it right
/// after taking the real lock and 0 right before releasing it, and validates
/// with ``_lockcheckPreloadAcquireMarked(_:)`` / ``_lockcheckPreloadReleaseMarked(_:)``,
/// as ``_CheckedCore`` does (no atomic count in the engine).
@_cdecl("lockcheck_preload_holder_mark")
public func _lockcheckPreloadHolderMark(_ identity: UnsafeMutableRawPointer) -> UnsafeMutablePointer<Int64>? {
    Unmanaged<LockIdentity>.fromOpaque(identity)._withUnsafeGuaranteedRef { id in
        id.instance.kind == .mutex || id.instance.kind == .spinlock ? id.instance.exclusiveHolderMark : nil
    }
}

/// A blocking exclusive acquisition of a lock with a holder mark.
@_cdecl("lockcheck_preload_acquire_marked")
public func _lockcheckPreloadAcquireMarked(_ identity: UnsafeMutableRawPointer) {
    Unmanaged<LockIdentity>.fromOpaque(identity)._withUnsafeGuaranteedRef { $0.acquireMarked() }
}

/// The release of a lock with a holder mark (the mark already cleared).
@_cdecl("lockcheck_preload_release_marked")
public func _lockcheckPreloadReleaseMarked(_ identity: UnsafeMutableRawPointer) {
    Unmanaged<LockIdentity>.fromOpaque(identity)._withUnsafeGuaranteedRef { $0.releaseMarked() }
}

/// The engine instance of a lock (unretained: the identity holds it), for
/// the short way (``_lockcheckPreloadAcquireShort(_:)``). The C half keeps
/// it in the lock's side-table slot beside the identity and the holder mark.
@_cdecl("lockcheck_preload_instance")
public func _lockcheckPreloadInstance(_ identity: UnsafeMutableRawPointer) -> UnsafeMutableRawPointer {
    Unmanaged<LockIdentity>.fromOpaque(identity)._withUnsafeGuaranteedRef {
        Unmanaged.passUnretained($0.instance).toOpaque()
    }
}

/// The lock's view for the C short way (`lg_short_acquire`, which the C
/// half keeps in the lock's side-table slot): stored to `out`, and 1
/// returned, when that way serves the lock (a mutex: a kind that does not
/// spin; and the engine's layout checked, see ``LockInstance/shortWayFields``).
/// 0 otherwise: the C half then calls ``_lockcheckPreloadAcquireShort(_:)``.
@_cdecl("lockcheck_preload_short_lock")
public func _lockcheckPreloadShortLock(_ identity: UnsafeMutableRawPointer,
                                       _ out: UnsafeMutablePointer<lg_short_lock>) -> Int32 {
    Unmanaged<LockIdentity>.fromOpaque(identity)._withUnsafeGuaranteedRef { id in
        guard id.instance.shortWayServesKind, let fields = id.instance.shortWayFields else { return 0 }
        out.pointee = fields
        return 1
    }
}

/// The short way of a blocking exclusive acquisition of a lock with a
/// holder mark, taken by the C half before anything else: when the calling
/// thread's memo holds this acquisition (and no trace is recorded), pushes
/// it, as ``LockIdentity/acquireMarked()`` does, and returns 1. Returns 0
/// when the acquisition must go the long way
/// (``_lockcheckPreloadAcquireMarked(_:)``), having done nothing.
/// - Parameter instance: The lock's engine instance (``_lockcheckPreloadInstance(_:)``).
/// - Complexity: One TLS load, two flag tests, one memo probe; no reference counting.
@_cdecl("lockcheck_preload_acquire_short")
public func _lockcheckPreloadAcquireShort(_ instance: UnsafeMutableRawPointer) -> Int32 {
    Unmanaged<LockInstance>.fromOpaque(instance)._withUnsafeGuaranteedRef { LockIdentity.acquireShort(of: $0) } ? 1 : 0
}

/// The short way of the release of a lock with a holder mark (the mark
/// already cleared): when it is the innermost held lock, pops it and
/// returns 1. Returns 0 when the release must go the long way
/// (``_lockcheckPreloadReleaseMarked(_:)``), having done nothing.
/// - Complexity: One TLS load, two flag tests, one held-stack comparison.
@_cdecl("lockcheck_preload_release_short")
public func _lockcheckPreloadReleaseShort(_ instance: UnsafeMutableRawPointer) -> Int32 {
    Unmanaged<LockInstance>.fromOpaque(instance)._withUnsafeGuaranteedRef { LockIdentity.releaseShort(of: $0) } ? 1 : 0
}

/// ``_lockcheckPreloadAcquireMarked(_:)`` once its short way answered 0:
/// the full acquisition, with no second memo probe (and no second `seq`).
@_cdecl("lockcheck_preload_acquire_marked_long")
public func _lockcheckPreloadAcquireMarkedLong(_ identity: UnsafeMutableRawPointer) {
    Unmanaged<LockIdentity>.fromOpaque(identity)._withUnsafeGuaranteedRef { $0.acquireMarkedFully() }
}

/// ``_lockcheckPreloadReleaseMarked(_:)`` once its short way answered 0.
@_cdecl("lockcheck_preload_release_marked_long")
public func _lockcheckPreloadReleaseMarkedLong(_ identity: UnsafeMutableRawPointer) {
    Unmanaged<LockIdentity>.fromOpaque(identity)._withUnsafeGuaranteedRef { $0.releaseFully() }
}

/// Records a release.
@_cdecl("lockcheck_preload_release")
public func _lockcheckPreloadRelease(_ identity: UnsafeMutableRawPointer) {
    Unmanaged<LockIdentity>.fromOpaque(identity)._withUnsafeGuaranteedRef { $0.release() }
}

/// The lock's memory ends: `lock-free`, and the reference taken by classify is released.
@_cdecl("lockcheck_preload_free")
public func _lockcheckPreloadFree(_ identity: UnsafeMutableRawPointer) {
    let unmanaged = Unmanaged<LockIdentity>.fromOpaque(identity)
    unmanaged.takeUnretainedValue().free()
    unmanaged.release()
}

/// `pthread_cond_wait`'s sleep point.
@_cdecl("lockcheck_preload_sleep")
public func _lockcheckPreloadSleep() {
    LockCheck.mightSleep("pthread_cond_wait")
}
