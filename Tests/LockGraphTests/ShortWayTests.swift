import CLockGraphAtomics
@testable import LockGraph
import XCTest

/// The engine's short way written in C (`lockgraph_short_way.h`, what the
/// preload library's interposers run) against the Swift one, on the
/// engine's own data: it serves exactly what the memo serves, pushes the
/// entry the Swift way pushes, and misses (writing nothing) wherever the
/// Swift way misses, so every rule still runs on the long way.
final class ShortWayTests: XCTestCase {
    private struct C {
        var thread: lg_short_thread
        var locks: [String: lg_short_lock]
        var seq: UInt64 = 0

        mutating func acquire(_ name: String) -> Int32 {
            withUnsafePointer(to: thread) { t in withUnsafePointer(to: locks[name]!) { l in lg_short_acquire(t, l, &seq) } }
        }

        func release(_ name: String) -> Int32 {
            withUnsafePointer(to: thread) { lg_short_release($0, locks[name]!.instance) }
        }
    }

    private func cWay(_ s: Scenario, _ names: String...) throws -> C {
        var thread = try XCTUnwrap(s.current.shortWayFields(), "the C mirrors match the Swift layout")
        thread.site_stack = StackRef.captureOnDemand.rawValue
        var locks: [String: lg_short_lock] = [:]
        for name in names { locks[name] = try XCTUnwrap(s.instance(name).shortWayFields) }
        return C(thread: thread, locks: locks)
    }

    private func entries(_ t: ThreadState) -> [[UInt64]] {
        t.held.map { h in
            [UInt64(UInt(bitPattern: h.instance.hashValue)), h.instanceID, h.shape, h.contextAndRecursion, h.chainKey,
             h.chainCheck, h.site.seq, UInt64(h.site.source.rawValue), UInt64(h.site.line), UInt64(h.site.stack.rawValue),
             h.nestInstance == nil ? 0 : 1]
        }
    }

    func test_memoizedChain_cWayPushesWhatTheSwiftWayPushes_andPops() throws {
        let s = Scenario()
        s.declare(.mutex, "A", "B")
        s.warm { s.lockUnlock2("A", "B") }
        let t = s.current, a = s.instance("A"), b = s.instance("B")
        let site = { (seq: UInt64) in EventSite(seq: seq, stack: .captureOnDemand) }
        XCTAssertTrue(s.validator.acquireIfMemoized(a, countsHolder: false, thread: t, site: site(1)))
        XCTAssertTrue(s.validator.acquireIfMemoized(b, countsHolder: false, thread: t, site: site(2)))
        let swiftWay = entries(t)
        XCTAssertTrue(s.validator.releaseIfInnermost(b, countsHolder: false, thread: t))
        XCTAssertTrue(s.validator.releaseIfInnermost(a, countsHolder: false, thread: t))

        var c = try cWay(s, "A", "B")
        XCTAssertEqual(c.acquire("A"), 1)
        XCTAssertEqual(c.acquire("B"), 1)
        XCTAssertEqual(entries(t), swiftWay, "the same entries, seq 1 and 2 from the thread's counter")
        XCTAssertEqual(c.seq, 2)
        XCTAssertEqual(c.release("A"), 0, "A is below the top: the long way")
        XCTAssertEqual(c.release("B"), 1)
        XCTAssertEqual(c.release("A"), 1)
        XCTAssertEqual(t.heldCount, 0)
        XCTAssertEqual(s.validator.brokenInvariants(of: t), [])
        s.expectSilent("served the C way")
    }

    func test_reversedOrder_cWayMisses_longWayReportsInversion() throws {
        let s = Scenario()
        s.declare(.mutex, "A", "B")
        s.warm { s.lockUnlock2("A", "B") }
        var c = try cWay(s, "A", "B")
        XCTAssertEqual(c.acquire("B"), 0, "B was never taken alone")
        s.lock("B")  // the long way
        XCTAssertEqual(c.acquire("A"), 0, "A on top of B was never checked")
        XCTAssertEqual(s.current.heldCount, 1, "a miss pushes nothing")
        s.lock("A")  // the long way
        s.unlock("A"); s.unlock("B")
        s.expect(fires(.lockOrderInversion, "A", "B"))
    }

    func test_freedLock_cWayMisses_longWayReportsUseAfterDestroy() throws {
        let s = Scenario()
        s.declare(.mutex, "L")
        s.warm { s.lock("L"); s.unlock("L") }
        var c = try cWay(s, "L")
        s.lockFree("L")
        XCTAssertEqual(c.acquire("L"), 0)
        XCTAssertEqual(s.current.heldCount, 0)
        s.lock("L")
        s.expect(fires(.useAfterDestroy, "L"))
    }

    func test_otherContext_cWayMisses() throws {
        let s = Scenario()
        s.declare(.mutex, "A")
        s.warm { s.lock("A"); s.unlock("A") }
        var c = try cWay(s, "A")
        s.current.irqsOff = true
        s.current.updateContext()  // a new epoch: the memo's tag changes
        XCTAssertEqual(c.acquire("A"), 0)
        XCTAssertEqual(s.current.heldCount, 0)
    }

    func test_spinningKind_isNotServedTheCWay() {
        let s = Scenario()
        s.declare(.spinlock, "S")
        s.declare(.mutex, "M")
        XCTAssertFalse(s.instance("S").shortWayServesKind)
        XCTAssertTrue(s.instance("M").shortWayServesKind)
    }
}
