import Dispatch
import Foundation
import LockGraph
import XCTest

/// The validator fed live from several real threads at once, each with its
/// own ThreadState, on shared classes and instances. Threads start together on
/// a semaphore barrier; nothing sleeps.
final class ConcurrencyTests: XCTestCase {
    private let threadCount = 4
    private let iterations = 100_000

    /// Starts `count` threads that each wait at one barrier, then run `body(index)`;
    /// returns when all have finished.
    private func runTogether(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
        let ready = DispatchSemaphore(value: 0)
        let go = DispatchSemaphore(value: 0)
        let done = DispatchSemaphore(value: 0)
        for i in 0..<count {
            let t = Thread {
                ready.signal()
                go.wait()
                body(i)
                done.signal()
            }
            t.stackSize = 1 << 20
            t.start()
        }
        for _ in 0..<count { ready.wait() }
        for _ in 0..<count { go.signal() }
        for _ in 0..<count { done.wait() }
    }

    func test_fourThreads_consistentNesting_staysSilent_thenOneInversion_fires() {
        let log = ViolationLog()
        let v = Validator(onViolation: { log.append($0) })
        let a = v.makeLock(v.lockClass(kind: .mutex, name: "A"), id: 1)
        let b = v.makeLock(v.lockClass(kind: .mutex, name: "B"), id: 2)
        let c = v.makeLock(v.lockClass(kind: .spinlock, name: "C"), id: 3)
        let d = v.makeLock(v.lockClass(kind: .spinlock, name: "D"), id: 4)
        let threads = (0..<threadCount).map { v.makeThread(name: "worker\($0)", id: UInt64($0)) }
        let iterations = self.iterations

        // Phase 1: every thread nests in the one global order A < B < C < D,
        // varying which locks it takes and releasing some out of order.
        runTogether(threadCount) { i in
            let t = threads[i]
            var seq = UInt64(i) << 40
            func site() -> EventSite { seq += 1; return EventSite(seq: seq) }
            for n in 0..<iterations {
                switch (n + i) % 4 {
                case 0:
                    v.acquire(a, thread: t, site: site())
                    v.acquire(b, thread: t, site: site())
                    v.acquire(c, thread: t, site: site())
                    v.release(c, thread: t, site: site())
                    v.release(b, thread: t, site: site())
                    v.release(a, thread: t, site: site())
                case 1:
                    v.acquire(a, thread: t, site: site())
                    v.acquire(c, thread: t, site: site())
                    v.acquire(d, thread: t, site: site())
                    v.release(c, thread: t, site: site()) // out of order
                    v.release(d, thread: t, site: site())
                    v.release(a, thread: t, site: site())
                case 2:
                    v.acquire(b, thread: t, site: site())
                    v.acquire(d, thread: t, site: site())
                    v.release(d, thread: t, site: site())
                    v.release(b, thread: t, site: site())
                default:
                    v.acquire(a, thread: t, site: site())
                    v.acquire(b, thread: t, site: site())
                    v.acquire(c, thread: t, site: site())
                    v.acquire(d, thread: t, site: site())
                    v.release(d, thread: t, site: site())
                    v.release(c, thread: t, site: site())
                    v.release(b, thread: t, site: site())
                    v.release(a, thread: t, site: site())
                }
            }
        }
        XCTAssertEqual(log.all.map { "\($0.rule.rawValue) \($0.classNames)" }, [], "consistent nesting")
        for t in threads { XCTAssertEqual(t.heldCount, 0) }
        XCTAssertEqual(v.statistics.totalViolations, 0)

        // Phase 2: all four threads inject the same inversion (B then A) at once:
        // it is one distinct violation, reported exactly once.
        runTogether(threadCount) { i in
            let t = threads[i]
            var seq = (UInt64(i) << 40) | (1 << 39)
            func site() -> EventSite { seq += 1; return EventSite(seq: seq) }
            v.acquire(b, thread: t, site: site())
            v.acquire(a, thread: t, site: site())
            v.release(a, thread: t, site: site())
            v.release(b, thread: t, site: site())
        }
        XCTAssertEqual(log.all.map { Expected($0).description }, [fires(.lockOrderInversion, "A", "B").description])
        XCTAssertEqual(v.statistics.violations[.lockOrderInversion], 1)
    }

    func test_fourThreads_eachOwnOrderOfDisjointClasses_staysSilent() {
        // Threads with their own classes never interfere with each other's graph.
        let log = ViolationLog()
        let v = Validator(onViolation: { log.append($0) })
        var locks: [(LockInstance, LockInstance)] = []
        for i in 0..<threadCount {
            let p = v.makeLock(v.lockClass(kind: .mutex, name: "P\(i)"), id: UInt64(2 * i))
            let q = v.makeLock(v.lockClass(kind: .mutex, name: "Q\(i)"), id: UInt64(2 * i + 1))
            locks.append((p, q))
        }
        let pairs = locks
        let threads = (0..<threadCount).map { v.makeThread(name: "worker\($0)", id: UInt64($0)) }
        runTogether(threadCount) { i in
            let (p, q) = pairs[i]
            let t = threads[i]
            var seq = UInt64(i) << 40
            for _ in 0..<10_000 {
                seq += 1; v.acquire(p, thread: t, site: EventSite(seq: seq))
                seq += 1; v.acquire(q, thread: t, site: EventSite(seq: seq))
                seq += 1; v.release(q, thread: t, site: EventSite(seq: seq))
                seq += 1; v.release(p, thread: t, site: EventSite(seq: seq))
            }
        }
        XCTAssertEqual(log.count, 0)
        XCTAssertEqual(v.statistics.dependencies, threadCount)
    }

    func test_fourThreads_concurrentIrqUsage_oneInconsistentStateReport() {
        // Two threads take A in a hardirq handler while two take it with irqs
        // on, all at once: the usage bits race, the report does not.
        let log = ViolationLog()
        let v = Validator(configuration: Configuration(rawNesting: false), onViolation: { log.append($0) })
        let a = v.makeLock(v.lockClass(kind: .spinlock, name: "A"), id: 1)
        let b = v.makeLock(v.lockClass(kind: .spinlock, name: "B"), id: 2)
        let threads = (0..<threadCount).map { v.makeThread(name: "worker\($0)", id: UInt64($0)) }
        runTogether(threadCount) { i in
            let t = threads[i]
            var seq = UInt64(i) << 40
            func site() -> EventSite { seq += 1; return EventSite(seq: seq) }
            for _ in 0..<10_000 {
                if i % 2 == 0 {
                    v.irqsOff(thread: t, site: site())
                    v.hardirqEnter(thread: t, site: site())
                    v.acquire(a, thread: t, site: site())
                    v.release(a, thread: t, site: site())
                    v.hardirqExit(thread: t, site: site())
                    v.irqsOn(thread: t, site: site())
                } else {
                    v.acquire(b, thread: t, site: site())
                    v.acquire(a, thread: t, site: site())
                    v.release(a, thread: t, site: site())
                    v.release(b, thread: t, site: site())
                }
            }
        }
        // A is inconsistent; B -> A is unsafe -> safe, which is fine.
        XCTAssertEqual(log.all.map { Expected($0).description }, [fires(.inconsistentLockState, "A").description])
    }

    func test_fourThreads_concurrentIrqUsage_irqsOffEverywhere_staysSilent() {
        let log = ViolationLog()
        let v = Validator(configuration: Configuration(rawNesting: false), onViolation: { log.append($0) })
        let a = v.makeLock(v.lockClass(kind: .spinlock, name: "A"), id: 1)
        let b = v.makeLock(v.lockClass(kind: .spinlock, name: "B"), id: 2)
        let threads = (0..<threadCount).map { v.makeThread(name: "worker\($0)", id: UInt64($0)) }
        runTogether(threadCount) { i in
            let t = threads[i]
            var seq = UInt64(i) << 40
            func site() -> EventSite { seq += 1; return EventSite(seq: seq) }
            for _ in 0..<10_000 {
                v.irqsOff(thread: t, site: site())
                if i % 2 == 0 { v.hardirqEnter(thread: t, site: site()) }
                v.acquire(b, thread: t, site: site())
                v.acquire(a, thread: t, site: site())
                v.release(a, thread: t, site: site())
                v.release(b, thread: t, site: site())
                if i % 2 == 0 { v.hardirqExit(thread: t, site: site()) }
                v.irqsOn(thread: t, site: site())
            }
        }
        XCTAssertEqual(log.count, 0, "\(log.all.map(\.message))")
    }
}
