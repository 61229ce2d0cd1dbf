@testable import LockGraph
import XCTest
@testable import Instrumented

/// ``WaitRegistry/cycle(from:in:)``, the wait-for graph search, on
/// hand-made entries (each thread: the lock it waits for, the locks it holds).
final class WaitForGraphTests: XCTestCase {
    private func lock(_ id: UInt64) -> Violation.LockInfo {
        Violation.LockInfo(className: "L\(id)", kind: "mutex", mode: "w", instance: id, isTry: false,
                           site: Violation.SiteInfo(seq: 0, file: nil, line: nil, stack: []))
    }

    /// `spec`: thread id -> (waits for, holds).
    private func entries(_ spec: [UInt64: (UInt64, [UInt64])]) -> [UInt64: WaitRegistry.Entry] {
        var out: [UInt64: WaitRegistry.Entry] = [:]
        for (tid, (waits, holds)) in spec {
            let t = WaitingThread(name: "t\(tid)", threadID: tid, waitsFor: lock(waits), held: holds.map(lock),
                                  stack: [], waitedSeconds: 0, seq: 0)
            out[tid] = WaitRegistry.Entry(thread: t, lockID: waits, generation: tid, start: 0)
        }
        return out
    }

    private func cycle(from me: UInt64, _ spec: [UInt64: (UInt64, [UInt64])]) -> [UInt64]? {
        WaitRegistry.cycle(from: me, in: entries(spec))?.map(\.thread.threadID)
    }

    func test_ABBA_fires_from_either_thread() {
        let spec: [UInt64: (UInt64, [UInt64])] = [1: (20, [10]), 2: (10, [20])]
        XCTAssertEqual(cycle(from: 1, spec), [1, 2])
        XCTAssertEqual(cycle(from: 2, spec), [2, 1])
    }

    func test_AB_chain_stays_silent() {
        // 1 waits for 2, 2 waits for a lock nobody published (a running holder).
        XCTAssertNil(cycle(from: 1, [1: (20, [10]), 2: (30, [20])]))
    }

    func test_ABBCCA_fires_with_three_threads_in_wait_order() {
        let spec: [UInt64: (UInt64, [UInt64])] = [1: (20, [10]), 2: (30, [20]), 3: (10, [30])]
        XCTAssertEqual(cycle(from: 1, spec), [1, 2, 3])
        XCTAssertEqual(cycle(from: 3, spec), [3, 1, 2])
    }

    func test_cycle_not_through_me_stays_silent_for_me() {
        // 2 and 3 deadlock; 1 waits behind them, outside the cycle.
        let spec: [UInt64: (UInt64, [UInt64])] = [1: (20, []), 2: (30, [20]), 3: (20, [30])]
        XCTAssertNil(cycle(from: 1, spec))
        XCTAssertEqual(cycle(from: 2, spec), [2, 3])
    }

    func test_shared_holders_fire_through_any_reader() {
        // Lock 10 read-held by 2 and 3; 1 waits to write it and holds 20; 3 waits for 20.
        let spec: [UInt64: (UInt64, [UInt64])] = [1: (10, [20]), 2: (40, [10]), 3: (20, [10])]
        XCTAssertEqual(cycle(from: 1, spec), [1, 3])
    }

    func test_unpublished_thread_stays_silent() {
        XCTAssertNil(cycle(from: 9, [1: (20, [10]), 2: (10, [20])]))
    }

    func test_wait_timeout_option_reads_the_environment() {
        var warnings: [String] = []
        XCTAssertEqual(LockCheck.Options().waitTimeout, 30)
        XCTAssertEqual(LockCheck.Options().applying(environment: ["LOCKCHECK_WAIT_TIMEOUT": "0.5"], warnings: &warnings).waitTimeout, 0.5)
        XCTAssertEqual(LockCheck.Options().applying(environment: ["LOCKCHECK_WAIT_TIMEOUT": "0"], warnings: &warnings).waitTimeout, 0)
        XCTAssertEqual(warnings, [])
        for bad in ["-1", "soon", "inf", "nan"] {
            var w: [String] = []
            XCTAssertEqual(LockCheck.Options().applying(environment: ["LOCKCHECK_WAIT_TIMEOUT": bad], warnings: &w).waitTimeout, 30, bad)
            XCTAssertEqual(w.count, 1, bad)
        }
    }
}
