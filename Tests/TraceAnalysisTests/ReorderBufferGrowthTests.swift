import LockGraph
import LockTrace
import TraceAnalysis
import XCTest

/// The reorder buffer starts with a few slots and doubles while events wait
/// (a file of ten events no longer fills a 12 MB buffer: found by the fuzz
/// harness, whose every input paid for it). Order must survive the growth.
final class ReorderBufferGrowthTests: XCTestCase {
    /// Thread 2's lines come after 600 of thread 1's, which wait in the buffer
    /// (initial capacity 256, so it grows twice) until the analysis ends.
    func test_events_are_replayed_in_seq_order_while_the_buffer_grows() throws {
        var t = "lockcheck-trace 1\nthread 1 destroyer\nthread 2 worker\npool 1 zs_pool\n1000 1 pool-destroy 1\n"
        for s in 1001..<1601 { t += "\(s) 1 preempt-off\n" }
        t += "1 2 alloc nowait 64 pool=1\n2000 2 free 0x10 pool=1\n"
        let c = Collected()
        let a = TraceAnalyzer { c.add($0) }
        try a.analyze(TraceReader(name: "grow.log", bytes: Array(t.utf8)))
        XCTAssertEqual(c.rules, ["use-after-destroy"])
        XCTAssertEqual(c.all.first?.event.seq, 2000, "the alloc at seq 1 came before the destroy")
        XCTAssertFalse(a.warnings.contains { $0.contains("out of seq order") }, "\(a.warnings)")
    }

    /// A window smaller than the initial capacity still bounds the wait.
    func test_a_small_window_still_releases_events_beyond_it() throws {
        var t = "lockcheck-trace 1\nthread 1 a\nthread 2 b\n"
        for s in 100..<400 { t += "\(s) 1 preempt-off\n" }
        t += "1 2 preempt-off\n"
        var o = TraceAnalyzer.Options()
        o.reorderWindow = 8
        let a = TraceAnalyzer(options: o) { _ in }
        try a.analyze(TraceReader(name: "small.log", bytes: Array(t.utf8)))
        XCTAssertTrue(a.warnings.contains { $0.contains("1 events arrived more than 8 events out of seq order") }, "\(a.warnings)")
    }
}
