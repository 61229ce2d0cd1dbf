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
}
