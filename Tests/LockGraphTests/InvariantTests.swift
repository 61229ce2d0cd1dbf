@testable import LockGraph
import XCTest

/// The held-stack invariants that `_checkInvariants()` traps on (debug
/// builds, after every step of the random histories): a consistent stack
/// passes, a stale chain key or a wrong spinning count is named.
final class InvariantTests: XCTestCase {
    private func scenario() -> (Validator, ThreadState, [LockInstance]) {
        let v = Validator(onViolation: { _ in })
        let kinds: [LockKind] = [.mutex, .spinlock, .rawSpinlock, .mutex]
        let locks = kinds.enumerated().map { v.makeLock(v.lockClass(kind: $1, name: "L\($0)"), id: UInt64($0)) }
        let t = v.makeThread(name: "t")
        return (v, t, locks)
    }

    func test_held_stack_after_acquires_and_an_inner_release_stays_consistent() {
        let (v, t, locks) = scenario()
        v.acquire(locks[0], thread: t, site: EventSite(seq: 1))
        v.acquire(locks[1], thread: t, site: EventSite(seq: 2))
        v.irqsOff(thread: t, site: EventSite(seq: 3))
        v.hardirqEnter(thread: t, site: EventSite(seq: 4))
        v.acquire(locks[2], thread: t, site: EventSite(seq: 5))   // a chain of its own: hardirq context
        v.release(locks[1], thread: t, site: EventSite(seq: 6))   // below the top: the keys above are rebuilt
        XCTAssertEqual(v.brokenInvariants(of: t), [])
        v._checkInvariants(threads: [t])
    }

    func test_stale_chain_key_is_named() {
        let (v, t, locks) = scenario()
        v.acquire(locks[0], thread: t, site: EventSite(seq: 1))
        v.acquire(locks[3], thread: t, site: EventSite(seq: 2))
        t.held[1].chainKey ^= 1
        XCTAssertEqual(v.brokenInvariants(of: t), ["thread 't': held lock #1 has a stale chain key"])
    }

    func test_wrong_spinning_count_is_named() {
        let (v, t, locks) = scenario()
        v.acquire(locks[1], thread: t, site: EventSite(seq: 1))
        t.spinningHeld += 1
        XCTAssertEqual(v.brokenInvariants(of: t), ["thread 't': counts 2 spinning, 0 raw; holds 1, 0"])
    }
}
