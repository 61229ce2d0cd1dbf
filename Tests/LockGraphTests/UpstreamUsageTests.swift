import Foundation
@testable import LockGraph
import XCTest

/// The graph's upstream irq-safe usage masks (`UpstreamUsage`), which let a
/// new dependency skip lockdep's backward irq-usage search when nothing
/// behind it is irq-safe: against the transitive-closure reference on random
/// graphs with cycles, and through the engine, whose reports must be those
/// of the plain searches on random irq histories.
///
/// The seed is printed; set LOCKGRAPH_TEST_SEED to replay a run.
final class UpstreamUsageTests: XCTestCase {
    private func id(_ i: Int) -> LockClassID { LockClassID(rawValue: UInt32(i)) }

    /// Random edges and usages over 12 classes, 60 steps per graph, 300
    /// graphs: after every step each class's mask is exactly the USED_IN
    /// usage of the classes that reach it (itself included) in the
    /// reference's closure.
    func test_random_graphs_masks_equal_the_closure_reference_cycles_included() {
        let seed = testSeed("UpstreamUsageTests.closure")
        var rng = SplitMix64(state: seed)
        let n = 12
        let bits: [UsageMask] = (0..<8).map { UsageMask(rawValue: 1 << UInt32($0)) }
        var cycles = 0, nonEmpty = 0
        for g in 0..<300 {
            let graph = DependencyGraph()
            var reference = DifferentialTests.ReferenceGraph(classes: n)
            var usage = [UsageMask](repeating: [], count: n)
            for step in 0..<60 {
                let a = rng.below(n)
                if rng.chance(0.2) {
                    let bit = rng.pick(bits)
                    usage[a].formUnion(bit)
                    graph.upstreamUsage.noteUsage(bit, of: id(a), in: graph)
                } else {
                    let b = rng.below(n)
                    if reference.add(a, b) { cycles += 1 }
                    graph.add(from: id(a), to: id(b), types: [.en], site: EventSite(seq: 0), thread: "t", fromSite: EventSite(seq: 0))
                }
                for c in 0..<n {
                    var expected: UsageMask = []
                    for a in 0..<n where a == c || reference.reach[a][c] { expected.formUnion(usage[a].intersection(.usedInAll)) }
                    let got = graph.upstreamUsage.mask(of: id(c))
                    if !got.isEmpty { nonEmpty += 1 }
                    guard got == expected else {
                        XCTFail("seed \(seed) graph \(g) step \(step): class \(c) mask \(got.rawValue), reference \(expected.rawValue)")
                        return
                    }
                }
            }
        }
        XCTAssertGreaterThan(cycles, 100, "seed \(seed): the graphs grew cycles")
        XCTAssertGreaterThan(nonEmpty, 10_000, "seed \(seed): masks were set")
    }

    /// What a validator reported, field by field, in order.
    private func signatures(_ s: Scenario) -> [String] {
        s.violations.map { v in
            "\(v.rule.rawValue) | \(v.message) | \(v.chain.map { "\($0.from)->\($0.to)" }.joined(separator: " ")) | \(v.trying?.className ?? "-")"
        }
    }

    /// 300 random single-thread histories over 8 spinlocks and rwlocks:
    /// nested acquisitions with irqs and softirqs on or off, and handlers
    /// taking locks. The validator with the masks and one without (the plain
    /// searches on every new dependency, lockdep's way) report exactly the
    /// same violations, in the same order; irq inversions among them.
    func test_random_irq_histories_report_the_same_with_and_without_the_masks() {
        let seed = testSeed("UpstreamUsageTests.histories")
        var rng = SplitMix64(state: seed)
        var inversions = 0, reports = 0, skipped = 0
        for h in 0..<300 {
            let fast = Scenario(rawNesting: false), plain = Scenario(rawNesting: false)
            plain.validator.usesUpstreamUsage = false
            let names = (0..<8).map { "h\(h).L\($0)" }
            for s in [fast, plain] {
                for (i, name) in names.enumerated() { s.declare(i % 3 == 0 ? .rwlock : .spinlock, name) }
            }
            var held: [String] = []
            var irqsOff = false, softirqsOff = false
            func both(_ body: (Scenario) -> Void) { body(fast); body(plain) }
            for _ in 0..<40 {
                switch rng.below(10) {
                case 0..<4 where held.count < 3:
                    let name = rng.pick(names)
                    guard !held.contains(name) else { continue }
                    let mode: AcquireMode? = names.firstIndex(of: name)! % 3 == 0 && rng.chance(0.4) ? .recursiveShared : nil
                    both { $0.lock(name, mode) }
                    held.append(name)
                case 0..<6:
                    guard let name = held.popLast() else { continue }
                    both { $0.unlock(name) }
                case 6:
                    irqsOff.toggle()
                    both { irqsOff ? $0.irqsOff() : $0.irqsOn() }
                case 7:
                    softirqsOff.toggle()
                    both { softirqsOff ? $0.softirqsOff() : $0.softirqsOn() }
                default:
                    guard held.isEmpty, !irqsOff, !softirqsOff else { continue }
                    let name = rng.pick(names)
                    let hard = rng.chance(0.5)
                    both { s in
                        if hard { s.inHardirq { s.lock(name); s.unlock(name) } } else { s.inSoftirq { s.lock(name); s.unlock(name) } }
                    }
                }
            }
            let a = signatures(fast), b = signatures(plain)
            XCTAssertEqual(a, b, "seed \(seed) history \(h)")
            reports += a.count
            inversions += fast.violations.filter { $0.rule == .irqLockInversion }.count
            skipped += fast.validator.search.edgesScanned < plain.validator.search.edgesScanned ? 1 : 0
        }
        print("UpstreamUsageTests: \(reports) reports, \(inversions) irq inversions, \(skipped) histories searched less")
        XCTAssertGreaterThan(inversions, 50, "seed \(seed): the histories made irq inversions")
        XCTAssertGreaterThan(skipped, 50, "seed \(seed): the masks spared searches")
    }

    /// FUZZING.md's irq shape: one spinlock used in a hardirq handler, then
    /// a chain of 300 mutex classes nested pairwise, in order. No class of
    /// the chain is reached by an irq-safe one, so no new dependency
    /// searches backward: the edges scanned stay flat (lockdep's way scans
    /// the chain behind each one, about 45,000 edges). Silent.
    func test_irq_shape_chain_apart_from_the_irq_safe_class_scans_no_edges_and_stays_silent() {
        let (s, edgesScanned) = irqShape(chain: .mutex)
        XCTAssertLessThan(edgesScanned, 1_000)
        s.expectSilent()
    }

    /// The irq shape: spinlock X used in a hardirq handler, then classes
    /// C0 … C299 of `kind` nested pairwise with irqs on; returns the edges
    /// the chain's dependencies scanned.
    private func irqShape(chain kind: LockKind) -> (Scenario, edgesScanned: Int) {
        let s = Scenario(rawNesting: false)
        s.declare(.spinlock, "X")
        for i in 0..<300 { s.declare(kind, "C\(i)") }
        s.inHardirq { s.lock("X"); s.unlock("X") }
        let before = s.validator.search.edgesScanned
        for i in 0..<299 { s.lockUnlock2("C\(i)", "C\(i + 1)") }
        return (s, s.validator.search.edgesScanned - before)
    }

    /// Its twin: the irq-safe spinlock X held while the chain's head is
    /// taken (irqs off, so the head stays out of the irq-safe set only
    /// through X): the head was taken with irqs on before, so the new
    /// dependency X -> C0 is an irq inversion, found through the masks.
    func test_irq_safe_class_reaching_the_chain_fires() {
        let (s, _) = irqShape(chain: .spinlock)
        s.expectSilent()
        s.irqsOff(); s.lockUnlock2("X", "C0"); s.irqsOn()
        XCTAssertEqual(s.violations.map(\.rule), [.irqLockInversion])
        XCTAssertEqual(s.violations.first?.classNames.sorted(), ["C0", "X"])
    }
}
