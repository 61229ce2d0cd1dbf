import Foundation
import LockGraph
import XCTest

/// Configuration limits: going past one is a warning, never a stop.
final class LimitsTests: XCTestCase {
    final class Warnings: @unchecked Sendable {
        private let lock = NSLock()
        private var items: [String] = []
        func add(_ s: String) { lock.lock(); items.append(s); lock.unlock() }
        var all: [String] { lock.lock(); defer { lock.unlock() }; return items }
    }

    func test_heldDepthExceeded_warnsOnce_keepsUnlockBalance() {
        var limits = Configuration.Limits()
        limits.heldDepth = 4
        let log = ViolationLog()
        let warnings = Warnings()
        let v = Validator(configuration: Configuration(limits: limits),
                          onViolation: { log.append($0) }, onWarning: { warnings.add($0) })
        let t = v.makeThread(name: "deep")
        let locks = (0..<8).map { v.makeLock(v.lockClass(kind: .mutex, name: "M\($0)"), id: UInt64($0)) }
        var seq: UInt64 = 0
        func site() -> EventSite { seq += 1; return EventSite(seq: seq) }
        for _ in 0..<3 {
            for l in locks { v.acquire(l, thread: t, site: site()) }
            XCTAssertEqual(t.heldCount, 8)
            v.release(locks[6], thread: t, site: site()) // out of order, above the limit
            v.release(locks[1], thread: t, site: site()) // out of order, below it
            for i in [7, 5, 4, 3, 2, 0] { v.release(locks[i], thread: t, site: site()) }
        }
        XCTAssertEqual(t.heldCount, 0)
        XCTAssertEqual(log.count, 0, "\(log.all.map(\.message))")
        XCTAssertEqual(warnings.all.count, 1, "\(warnings.all)")
    }

    func test_dependencyLimitExceeded_warnsOnce() {
        var limits = Configuration.Limits()
        limits.dependencies = 2
        let log = ViolationLog()
        let warnings = Warnings()
        let v = Validator(configuration: Configuration(limits: limits),
                          onViolation: { log.append($0) }, onWarning: { warnings.add($0) })
        let t = v.makeThread(name: "main")
        let locks = (0..<5).map { v.makeLock(v.lockClass(kind: .mutex, name: "M\($0)"), id: UInt64($0)) }
        var seq: UInt64 = 0
        func site() -> EventSite { seq += 1; return EventSite(seq: seq) }
        for i in 0..<4 {
            v.acquire(locks[i], thread: t, site: site())
            v.acquire(locks[i + 1], thread: t, site: site())
            v.release(locks[i + 1], thread: t, site: site())
            v.release(locks[i], thread: t, site: site())
        }
        XCTAssertEqual(v.statistics.dependencies, 2)
        XCTAssertEqual(warnings.all.count, 1, "\(warnings.all)")
        XCTAssertEqual(log.count, 0)
    }

    func test_classTableOverflow_keepsKinds_inventsNoViolations() {
        // Past `Limits.classes`, further classes share an overflow class per
        // kind, which no ordering or usage rule checks: correct raw-spinlock
        // nesting stays silent and keeps its kind.
        var limits = Configuration.Limits()
        limits.classes = 4
        let log = ViolationLog()
        let warnings = Warnings()
        let v = Validator(configuration: Configuration(limits: limits),
                          onViolation: { log.append($0) }, onWarning: { warnings.add($0) })
        let t = v.makeThread(name: "main")
        let names = (0..<12).map { "R\($0)" }
        let locks = names.enumerated().map { i, n in v.makeLock(v.lockClass(kind: .rawSpinlock, name: n), id: UInt64(i)) }
        XCTAssertEqual(Set(locks.map(\.kind)), [.rawSpinlock], "an instance keeps the kind it was declared with")
        var seq: UInt64 = 0
        for l in locks { seq += 1; v.acquire(l, thread: t, site: EventSite(seq: seq)) }
        for l in locks.reversed() { seq += 1; v.release(l, thread: t, site: EventSite(seq: seq)) }
        XCTAssertEqual(log.all.map { Expected($0).description }, [])
        XCTAssertEqual(warnings.all.count, 1, "\(warnings.all)")
    }

    func test_belowClassLimit_sameNesting_reversed_fires() {
        // The twin below the limit: the classes are checked, so an inversion is found.
        let log = ViolationLog()
        let v = Validator(onViolation: { log.append($0) })
        let t = v.makeThread(name: "main")
        let a = v.makeLock(v.lockClass(kind: .rawSpinlock, name: "R0"), id: 0)
        let b = v.makeLock(v.lockClass(kind: .rawSpinlock, name: "R1"), id: 1)
        var seq: UInt64 = 0
        for (x, y) in [(a, b), (b, a)] {
            seq += 1; v.acquire(x, thread: t, site: EventSite(seq: seq))
            seq += 1; v.acquire(y, thread: t, site: EventSite(seq: seq))
            seq += 1; v.release(y, thread: t, site: EventSite(seq: seq))
            seq += 1; v.release(x, thread: t, site: EventSite(seq: seq))
        }
        XCTAssertEqual(log.all.map { Expected($0).description }, [fires(.lockOrderInversion, "R0", "R1").description])
    }
}
