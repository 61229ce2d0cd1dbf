import Foundation
@testable import LockGraph
import XCTest

/// The order-maintenance list under the topological order (`OrderList`):
/// against a plain array on random insertions and removals, and at the one
/// place FUZZING.md's hub shape inserts at, again and again.
///
/// The seed is printed; set LOCKGRAPH_TEST_SEED to replay a run.
final class OrderListTests: XCTestCase {
    /// 200 lists of 300 random operations (insert after a random member, at
    /// the front; remove a random member): after each, the list is
    /// consistent (its labels rise along it and it holds exactly the
    /// labelled members) and ordering the members by label gives the array.
    func test_random_insertions_and_removals_keep_the_arrays_order_and_rising_labels() {
        let seed = testSeed("OrderListTests")
        var rng = SplitMix64(state: seed)
        var relabelled = 0
        for l in 0..<200 {
            var list = OrderList(labelBits: 12)  // 4,096 labels for up to 64 members: frequent relabelling
            var reference: [Int32] = []
            var free = Array(Int32(0)..<Int32(64))
            list.grow(to: 64)
            for step in 0..<300 {
                if !reference.isEmpty && (free.isEmpty || rng.chance(0.25)) {
                    let c = reference.remove(at: rng.below(reference.count))
                    list.remove(c)
                    free.append(c)
                } else {
                    let c = free.remove(at: rng.below(free.count))
                    // Half the insertions go to one spot, after the first member, as the hub shape's do.
                    let at = reference.isEmpty || rng.chance(0.1) ? -1 : rng.chance(0.5) ? 0 : rng.below(reference.count)
                    list.insert(c, after: at < 0 ? OrderList.none : reference[at])
                    reference.insert(c, at: at + 1)
                }
                if let broken = list.brokenInvariant() {
                    XCTFail("seed \(seed) list \(l) step \(step): \(broken)")
                    return
                }
                let byLabel = reference.sorted { list.label[Int($0)] < list.label[Int($1)] }
                guard byLabel == reference else {
                    XCTFail("seed \(seed) list \(l) step \(step): labels order \(byLabel), array \(reference)")
                    return
                }
            }
            relabelled += list.relabelled
        }
        print("OrderListTests: \(relabelled) labels given anew")
        XCTAssertGreaterThan(relabelled, 10_000, "seed \(seed): the relabelling ran")
    }

    /// 100,000 insertions right after the first member (each gap halves
    /// until a range is relabelled): the labels stay in order, and the
    /// relabelling is amortized (Bender et al.: O(log n) per insertion), far
    /// from the n²/2 of relabelling everything each time.
    func test_insertions_at_one_place_relabel_amortized_and_keep_the_order() {
        let n = 100_000
        var list = OrderList()
        list.grow(to: n + 1)
        list.insert(0, after: OrderList.none)
        for c in 1...Int32(n) { list.insert(c, after: 0) }
        XCTAssertNil(list.brokenInvariant())
        // 0, then n, n - 1, …, 1.
        XCTAssertLessThan(list.label[0], list.label[n])
        XCTAssertLessThan(list.label[n], list.label[1])
        XCTAssertLessThan(list.relabelled, n * 64, "relabelled \(list.relabelled) for \(n) insertions")
    }
}
