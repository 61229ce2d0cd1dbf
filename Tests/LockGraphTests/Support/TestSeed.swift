import Foundation

/// The seed of a randomised test: `LOCKGRAPH_TEST_SEED` when set, else a
/// fresh random one; printed as `<label>: seed N (LOCKGRAPH_TEST_SEED=N
/// replays it)` so that a failing run can be replayed.
func testSeed(_ label: String) -> UInt64 {
    let env = ProcessInfo.processInfo.environment["LOCKGRAPH_TEST_SEED"].flatMap { UInt64($0) }
    let seed = env ?? UInt64.random(in: 1...UInt64.max)
    print("\(label): seed \(seed) (LOCKGRAPH_TEST_SEED=\(seed) replays it)")
    return seed
}
