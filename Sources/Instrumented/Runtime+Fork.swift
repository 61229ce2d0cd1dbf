#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CInstrumented
import LockGraph

/// `fork()` in a validated program: `pthread_atfork` handlers take every
/// lock of the validator before the fork and release them after it, in the
/// parent and in the child, so a child forked while another thread is in the
/// validator's slow path (a new chain, a report, a class, a stack, a trace
/// flush) does not inherit a lock no thread of it will ever release.
///
/// The child then validates as the parent did, with the parent's classes and
/// dependencies; it records to a trace of its own when the trace path has
/// `%p`, and forgets the parent's other threads (their buffered trace lines
/// belong to the parent's trace).
///
/// The order the locks are taken in is the order they nest in, outermost
/// first: the recorder's lock (a declaration reads the class table under it),
/// the engine's (``Validator/lockForFork()``), the symbolizer's (taken under
/// the stack store's), then the violation handler's and the wait registry's
/// spin word (leaves). In the child the registry forgets every published
/// wait: the threads that published them are not there; the count of
/// signal handlers' queued events keeps only the forking thread's.
///
/// What this does not cover: the Swift runtime's and Foundation's own locks
/// (a multithreaded program's child may only call async-signal-safe
/// functions, by POSIX), and the program's own locks, instrumented or not:
/// a lock another thread held at the fork stays held in the child, as it
/// does without lockcheck.
extension Runtime {
    /// Registers the handlers; called once, when the runtime starts.
    func installForkHandlers() {
        let rc = pthread_atfork(
            { Runtime.forkTarget?.prepareFork() },
            { Runtime.forkTarget?.afterForkInParent() },
            { Runtime.forkTarget?.afterForkInChild() })
        if rc != 0 {
            writeStderr("lockcheck: warning: pthread_atfork failed (\(rc)); a child forked while lockcheck is busy may hang\n")
            return
        }
        Runtime.forkTarget = self
    }

    /// The runtime the handlers serve (set once they are registered; read
    /// without `Runtime.shared`'s once-guard, which a fork must not wait on).
    nonisolated(unsafe) static var forkTarget: Runtime?

    private func prepareFork() {
        recorder.lockForFork()
        validator.lockForFork()
        symbolizer.lockForFork()
        handlerLock.lockForFork()
        waits.lockForFork()
    }

    private func afterForkInParent() {
        waits.unlockAfterFork(inChild: false)
        handlerLock.unlockAfterFork()
        symbolizer.unlockAfterFork(inChild: false)
        validator.unlockAfterFork()
        recorder.unlockAfterForkInParent()
    }

    private func afterForkInChild() {
        waits.unlockAfterFork(inChild: true)
        handlerLock.unlockAfterFork()
        symbolizer.unlockAfterFork(inChild: true)
        validator.unlockAfterFork()
        recorder.resetInChild(current: PerThread.currentIfAny())
        lc_handler_reset_after_fork()
    }
}
