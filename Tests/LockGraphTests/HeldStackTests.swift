import LockGraph
import XCTest

/// The held stack grows past its first buffer, keeps its chain keys through
/// releases in any order, and still reports what it should at depth.
final class HeldStackTests: XCTestCase {
    /// 40 locks (past the first buffer of 16), taken in order and released in
    /// reverse, three times: checked once, then served by the memo; silent.
    func test_deepNesting_growsAndUnwinds_silently() {
        let s = Scenario()
        let names = (0..<40).map { "L\($0)" }
        for n in names { s.declare(.mutex, n) }
        for _ in 0..<3 {
            for n in names { s.lock(n) }
            XCTAssertEqual(s.current.heldCount, 40)
            for n in names.reversed() { s.unlock(n) }
            XCTAssertEqual(s.current.heldCount, 0)
        }
        s.expectSilent("deep nesting")
    }

    /// Releasing from the bottom and the middle rebuilds the keys above: the
    /// same locks taken again in the same order stay silent, and the reverse
    /// of one pair, at depth, is the one report.
    func test_releasesInAnyOrder_keepTheChain() {
        let s = Scenario()
        let names = (0..<24).map { "R\($0)" }
        for n in names { s.declare(.mutex, n) }
        var rng = SplitMix64(seed: 7)
        for _ in 0..<5 {
            for n in names { s.lock(n) }
            var held = names
            while !held.isEmpty {
                let i = Int(rng.next() % UInt64(held.count))
                s.unlock(held.remove(at: i))
            }
            XCTAssertEqual(s.current.heldCount, 0)
        }
        s.expectSilent("out-of-order releases")

        for n in names.prefix(20) { s.lock(n) }
        s.lock("R23")
        s.lock("R21")  // R21 after R23: against R21 → R22 → R23 (lockdep links each lock to the one below it)
        s.unlock("R21"); s.unlock("R23")
        for n in names.prefix(20).reversed() { s.unlock(n) }
        s.expect(fires(.lockOrderInversion, "R21", "R22", "R23"))
    }

    /// A release on an empty stack, and of a lock below the top that is not
    /// held, are `unlock-unheld`; the stack is left as it was.
    func test_unheldReleases_leaveTheStack() {
        let s = Scenario()
        s.declare(.mutex, "A", "B", "C")
        s.unlock("A")
        s.lock("B"); s.lock("C")
        s.unlock("A")
        XCTAssertEqual(s.current.heldCount, 2)
        s.unlock("C"); s.unlock("B")
        XCTAssertFalse(s.log.all.isEmpty)
        XCTAssertEqual(Set(s.log.all.map(\.rule)), [.unlockUnheld])
        XCTAssertEqual(s.current.heldCount, 0)
    }
}
