#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Dispatch
import Foundation
import Instrumented
import LockGraph
import Synchronization
import XCTest

/// `fork()` while other threads are inside the validator's slow path (new
/// classes, new dependencies, stack captures): every child locks, makes a new
/// dependency, finds an inversion and exits 0. A child that hangs is killed
/// by its own watchdog (`alarm`), which the parent reports as a failure.
///
/// `LOCKCHECK_FORK_STRESS_FORKS` sets the number of forks (default 40; the
/// longer run is `scripts/stress-fork-signals`).
final class ForkTests: InstrumentedTestCase {
    static let forks = ProcessInfo.processInfo.environment["LOCKCHECK_FORK_STRESS_FORKS"].flatMap { Int($0) } ?? 40
    /// Seconds a child may take before its watchdog kills it (it needs milliseconds).
    static let watchdogSeconds: UInt32 = 30

    /// A flag the child's violation handler sets (the child has one thread).
    final class Seen: @unchecked Sendable { var inversion = false }

    override func setUpWithError() throws {
        try super.setUpWithError()
        try skipForkUnderThreadSanitizer()
    }

    /// Forks; the child runs `body` with a watchdog and exits with its
    /// result. Returns nil when the child exited 0, else what happened.
    private func runChild(_ body: () -> Int32) -> String? {
        runForkedChild(watchdogSeconds: Self.watchdogSeconds, body)
    }

    /// The child's work: a new lock class and dependency, then `b → a`
    /// against the parent's `a → b`. Exit 0 when the inversion was found.
    private static func childTakesLocks(_ a: CheckedMutex, _ b: CheckedMutex, fork i: Int, invert: Bool) -> Int32 {
        let seen = Seen()
        LockCheck.setViolationHandler { v in if v.rule == .lockOrderInversion { seen.inversion = true } }
        let fresh = CheckedMutex(name: "fork.child.\(i)")
        a.withLock { fresh.withLock {} }           // a new dependency a → fresh
        if invert { b.withLock { a.withLock {} } } // b → a closes a → b
        else { a.withLock { b.withLock {} } }
        return seen.inversion == invert ? 0 : 3
    }

    func test_forkWhileOtherThreadsInSlowPath_childValidates_fires() {
        let a = CheckedMutex(name: "fork.a"), b = CheckedMutex(name: "fork.b")
        a.withLock { b.withLock {} }   // the parent's order: a → b
        let stop = StopFlag()
        let started = DispatchSemaphore(value: 0)
        // Workers stay in the slow path: each round a new class and a new dependency.
        let workers = (0..<2).map { w in
            TestThread("fork-worker-\(w)") {
                let hub = CheckedMutex(name: "fork.hub.\(w)")
                started.signal()
                // First new classes and dependencies (graph, class table,
                // stack capture); then, without creating more locks (lock ids
                // stay small for the tests after this one), the statistics,
                // which take the graph and report locks, and new chains.
                var made: [CheckedMutex] = []
                while !stop.isSet {
                    if made.count < 2_000 {
                        let m = CheckedMutex(name: "fork.w\(w).\(made.count)")
                        hub.withLock { m.withLock {} }
                        made.append(m)
                    } else {
                        _ = LockCheck.statistics
                        let i = Int.random(in: 0..<made.count), j = Int.random(in: 0..<made.count)
                        if i < j { made[i].withLock { made[j].withLock {} } }
                    }
                }
            }
        }
        for _ in workers { started.wait() }
        var failures: [String] = []
        for i in 0..<Self.forks {
            if let failure = runChild({ Self.childTakesLocks(a, b, fork: i, invert: i % 2 == 0) }) {
                failures.append("fork \(i): \(failure)")
            }
        }
        stop.set()
        workers.forEach { $0.join() }
        XCTAssertEqual(failures, [], "every child locks, validates and exits 0")
        XCTAssertEqual(collector.rules, [], "the parent never inverts")
    }

    func test_forkWhileRecording_childRecordsToItsOwnTrace() throws {
        let template = NSTemporaryDirectory() + "lockcheck-fork-\(UInt32.random(in: 0...UInt32.max))-%p.trace"
        let parentPath = template.replacingOccurrences(of: "%p", with: String(getpid()))
        XCTAssertTrue(LockCheck.startRecording(path: template))
        let a = CheckedMutex(name: "forkrec.a"), b = CheckedMutex(name: "forkrec.b")
        a.withLock { b.withLock {} }
        var childPID: pid_t = 0
        let pipeFDs = UnsafeMutablePointer<Int32>.allocate(capacity: 2)
        defer { pipeFDs.deallocate() }
        XCTAssertEqual(pipe(pipeFDs), 0)
        let failure = runChild {
            var me = getpid()
            _ = write(pipeFDs[1], &me, MemoryLayout<pid_t>.size)
            a.withLock { b.withLock {} }     // both orders in the child's own trace
            b.withLock { a.withLock {} }
            LockCheck.stopRecording()
            return 0
        }
        XCTAssertNil(failure)
        XCTAssertEqual(read(pipeFDs[0], &childPID, MemoryLayout<pid_t>.size), MemoryLayout<pid_t>.size)
        close(pipeFDs[0]); close(pipeFDs[1])
        LockCheck.stopRecording()
        let childPath = template.replacingOccurrences(of: "%p", with: String(childPID))
        defer { unlink(parentPath); unlink(childPath) }
        XCTAssertEqual(try analyzedRules(childPath).rules, ["lock-order-inversion"], "the child's trace has its b → a")
        XCTAssertEqual(try analyzedRules(parentPath).rules, [], "the parent's trace stays silent")
        XCTAssertEqual(collector.rules, [])
    }
}

/// A flag one thread sets and others poll.
final class StopFlag: Sendable {
    private let value = Atomic<Bool>(false)
    var isSet: Bool { value.load(ordering: .relaxed) }
    func set() { value.store(true, ordering: .relaxed) }
}
