import LockGraph
import XCTest

/// A new dependency prev -> next skips the cycle search when nothing leaves
/// next or nothing enters prev (no path next -> … -> prev can exist). Found by
/// fuzzing with large inputs: classes nested in reverse order made every new
/// dependency search the whole chain, O(N²). Nothing is missed: a dependency
/// that can close a cycle is still searched.
final class NewDependencySearchShortcutTests: XCTestCase {
    /// C0 -> C1 -> … -> C299 learned back to front (each new dependency's prev
    /// is a class seen for the first time): silent. Then C299 -> C0 closes the
    /// cycle through all 300 classes.
    func test_chain_learned_in_reverse_then_closed_fires_with_the_whole_path() {
        let s = Scenario(rawNesting: false)
        let names = (0..<300).map { "C\($0)" }
        for n in names { s.declare(.mutex, n) }
        for i in stride(from: names.count - 2, through: 0, by: -1) { s.lockUnlock2(names[i], names[i + 1]) }
        XCTAssertEqual(s.violations.count, 0)
        s.lockUnlock2("C299", "C0")
        XCTAssertEqual(s.violations.map(\.rule), [.lockOrderInversion])
        XCTAssertEqual(s.violations.first?.chain.count, 300, "the closing dependency and the 299 of the chain")
    }

    /// The same chain learned front to back (each next is new): silent, and
    /// closed from the other end it fires.
    func test_chain_learned_in_order_then_closed_fires() {
        let s = Scenario(rawNesting: false)
        let names = (0..<300).map { "C\($0)" }
        for n in names { s.declare(.mutex, n) }
        for i in 0..<(names.count - 1) { s.lockUnlock2(names[i], names[i + 1]) }
        XCTAssertEqual(s.violations.count, 0)
        s.lockUnlock2("C299", "C0")
        XCTAssertEqual(s.violations.map(\.rule), [.lockOrderInversion])
    }
}
