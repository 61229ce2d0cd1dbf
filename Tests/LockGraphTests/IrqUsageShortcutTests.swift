import LockGraph
import XCTest

/// A new dependency skips the irq-usage search while no class was ever used
/// in irq context (the search made a program without interrupts quadratic in
/// its dependencies: found by fuzzing with large inputs). Nothing is missed:
/// a class that becomes irq-safe later is checked against the whole graph.
final class IrqUsageShortcutTests: XCTestCase {
    /// A chain of 200 classes learned with irqs on and no handler: silent.
    /// Then the chain's head is used in a hardirq handler: the inversion to
    /// the chain's irq-unsafe tail is found through the new usage.
    func test_chain_learned_before_any_irq_usage_then_head_used_in_hardirq_fires() {
        let s = Scenario(rawNesting: false)
        let names = (0..<200).map { "C\($0)" }
        for n in names { s.declare(.spinlock, n) }
        s.irqsOff(); s.lockUnlock2("C0", "C1"); s.irqsOn()  // C0 is never taken with irqs on
        for i in 1..<(names.count - 1) { s.lockUnlock2(names[i], names[i + 1]) }
        XCTAssertEqual(s.violations.count, 0)
        s.inHardirq { s.lock("C0"); s.unlock("C0") }
        XCTAssertEqual(s.violations.map(\.rule), [.irqLockInversion])
        XCTAssertEqual(s.violations.first?.classNames.first, "C0")
    }

    /// Once one class is irq-safe, new dependencies are checked again: an
    /// edge from it to an irq-unsafe class fires on the dependency itself.
    func test_after_the_first_irq_usage_a_new_dependency_is_checked() {
        let s = Scenario(rawNesting: false)
        s.declare(.spinlock, "A", "B")
        s.inHardirq { s.lock("A"); s.unlock("A") }
        s.lock("B"); s.unlock("B")
        XCTAssertEqual(s.violations.count, 0)
        s.irqsOff(); s.lockUnlock2("A", "B"); s.irqsOn()
        s.expect(fires(.irqLockInversion, "A", "B"))
        XCTAssertEqual(s.violations.first?.trying?.className, "B", "reported on the new dependency")
    }
}
