import LockGraph
import LockTrace
import TraceAnalysis
import XCTest

/// Collects violations from the analyzer's handler (which is @Sendable).
final class Collected: @unchecked Sendable {
    private let lock = PlainLock()
    private var items: [Violation] = []
    func add(_ v: Violation) { lock.withLock { items.append(v) } }
    var all: [Violation] { lock.withLock { items } }
    var rules: [String] { all.map(\.rule.rawValue) }
}

final class TraceAnalyzerTests: XCTestCase {
    private func analyze(_ traces: [String], options: TraceAnalyzer.Options = .init()) throws -> (TraceAnalyzer, Collected) {
        let c = Collected()
        let a = TraceAnalyzer(options: options) { c.add($0) }
        for (i, t) in traces.enumerated() {
            try a.analyze(TraceReader(name: "t\(i).log", bytes: Array(t.utf8)))
        }
        a.finish()
        return (a, c)
    }

    private let header = "lockcheck-trace 1\n"

    func test_ABBA_in_one_trace() throws {
        let (_, c) = try analyze([header + """
            thread 1 a
            thread 2 b
            class 1 mutex A
            class 2 mutex B
            lock 10 1
            lock 11 2
            1 1 acquire 10
            2 1 acquire 11
            3 1 release 11
            4 1 release 10
            5 2 acquire 11
            6 2 acquire 10
            7 2 release 10
            8 2 release 11

            """])
        XCTAssertEqual(c.rules, ["lock-order-inversion"])
        XCTAssertEqual(c.all.first?.classNames, ["A", "B"])
        XCTAssertEqual(c.all.first?.event.line, 13)
        XCTAssertEqual(c.all.first?.event.file, "t0.log")
    }

    func test_classes_match_by_kind_and_name_across_files_and_ids_stay_per_file() throws {
        let a = header + "thread 1 a\nclass 1 mutex A\nclass 2 mutex B\nlock 1 1\nlock 2 2\n1 1 acquire 1\n2 1 acquire 2\n3 1 release 2\n4 1 release 1\n"
        // Same names, different ids; lock 1 is B here.
        let b = header + "thread 1 b\nclass 7 mutex B\nclass 8 mutex A\nlock 1 7\nlock 2 8\n1 1 acquire 1\n2 1 acquire 2\n3 1 release 2\n4 1 release 1\n"
        XCTAssertEqual(try analyze([a]).1.rules, [])
        XCTAssertEqual(try analyze([b]).1.rules, [])
        XCTAssertEqual(try analyze([a, b]).1.rules, ["lock-order-inversion"])
    }

    func test_same_name_different_kind_is_a_different_class() throws {
        let a = header + "thread 1 a\nclass 1 mutex A\nclass 2 mutex B\nlock 1 1\nlock 2 2\n1 1 acquire 1\n2 1 acquire 2\n3 1 release 2\n4 1 release 1\n"
        let b = header + "thread 1 b\nclass 1 spinlock A\nclass 2 spinlock B\nlock 1 1\nlock 2 2\n1 1 acquire 2\n2 1 acquire 1\n3 1 release 1\n4 1 release 2\n"
        XCTAssertEqual(try analyze([a, b]).1.rules, [])
    }

    /// Per-thread buffering: thread 2's lines come after thread 1's though they
    /// happened first. Sorted by seq, the pool is used after its destroy.
    func test_events_are_replayed_in_seq_order_across_threads() throws {
        let t = header + """
            thread 1 destroyer
            thread 2 worker
            pool 1 zs_pool
            5 1 pool-destroy 1
            6 1 thread-exit
            1 2 alloc nowait 64 pool=1
            9 2 free 0x10 pool=1

            """
        let (_, c) = try analyze([t])
        XCTAssertEqual(c.rules, ["use-after-destroy"])
        XCTAssertEqual(c.all.first?.event.seq, 9, "the alloc at seq 1 came before the destroy")
    }

    func test_out_of_order_beyond_the_window_is_a_warning_not_an_error() throws {
        var t = header + "thread 1 a\nthread 2 b\n"
        for s in 100..<120 { t += "\(s) 1 preempt-off\n\(s) 1 preempt-on\n" }
        t += "1 2 preempt-off\n"
        var o = TraceAnalyzer.Options()
        o.reorderWindow = 4
        let (a, _) = try analyze([t], options: o)
        XCTAssertTrue(a.warnings.contains { $0.contains("out of seq order") }, "\(a.warnings)")
    }

    func test_config_line_sets_raw_nesting_and_options_override_it() throws {
        let t = header + """
            config raw-nesting=off
            thread 1 a
            class 1 raw-spinlock R
            class 2 spinlock S
            lock 1 1
            lock 2 2
            1 1 acquire 1
            2 1 acquire 2
            3 1 release 2
            4 1 release 1

            """
        XCTAssertEqual(try analyze([t]).1.rules, [])
        var o = TraceAnalyzer.Options()
        o.rawNesting = true
        XCTAssertEqual(try analyze([t], options: o).1.rules, ["invalid-wait-context"])
    }

    func test_declarations_may_precede_config() throws {
        let t = header + "thread 1 a\nclass 1 raw-spinlock R\nconfig raw-nesting=on\nlock 1 1\n1 1 acquire 1\n2 1 alloc nowait 4096\n3 1 release 1\n"
        XCTAssertEqual(try analyze([t]).1.rules, ["alloc-under-raw-lock"])
    }

    func test_thread_holding_locks_at_end_is_a_note() throws {
        let t = header + "thread 1 a\nclass 1 mutex A\nlock 1 1\n1 1 acquire 1\n"
        let (a, c) = try analyze([t])
        XCTAssertEqual(c.rules, [])
        XCTAssertTrue(a.warnings.contains { $0.contains("note: thread 'a' still holds 1 lock") }, "\(a.warnings)")
    }

    func test_events_before_a_bad_line_are_analysed() throws {
        let t = header + "thread 1 a\nclass 1 mutex A\nlock 1 1\n1 1 acquire 1\n2 1 acquire 1\n3 1 bogus\n"
        let c = Collected()
        let a = TraceAnalyzer { c.add($0) }
        XCTAssertThrowsError(try a.analyze(TraceReader(name: "bad.log", bytes: Array(t.utf8)))) { e in
            XCTAssertTrue("\(e)".hasPrefix("bad.log:7:"), "\(e)")
        }
        XCTAssertEqual(c.rules, ["recursive-lock"])
    }

    func test_parse_only_runs_no_rule() throws {
        let t = header + "thread 1 a\nclass 1 mutex A\nlock 1 1\n1 1 acquire 1\n2 1 acquire 1\n"
        var o = TraceAnalyzer.Options()
        o.parseOnly = true
        let (a, c) = try analyze([t], options: o)
        XCTAssertEqual(c.rules, [])
        XCTAssertEqual(a.events, 2)
        XCTAssertNil(a.validator)
    }

    func test_stacks_of_events_reach_the_report() throws {
        let t = header + "thread 1 a\nclass 1 mutex A\nlock 1 1\nstack 3 f() (A.swift:1)\tg() (B.swift:2)\n1 1 acquire 1\n2 1 acquire 1 stack=3\n"
        let (_, c) = try analyze([t])
        XCTAssertEqual(c.all.first?.event.stack, ["f() (A.swift:1)", "g() (B.swift:2)"])
    }

    func test_memory_stays_bounded_by_the_window() throws {
        // 200k events in seq order with a small window: the buffer never holds more than the window.
        var t = header + "thread 1 a\nclass 1 mutex A\nlock 1 1\n"
        t.reserveCapacity(4_000_000)
        for s in 0..<100_000 { t += "\(2 * s) 1 acquire 1\n\(2 * s + 1) 1 release 1\n" }
        var o = TraceAnalyzer.Options()
        o.reorderWindow = 1024
        let (a, c) = try analyze([t], options: o)
        XCTAssertEqual(a.events, 200_000)
        XCTAssertEqual(c.rules, [])
        XCTAssertTrue(a.warnings.isEmpty, "\(a.warnings)")
    }
}

/// Progress callbacks for long analyses (the CLI shows them on a terminal).
final class ProgressTests: XCTestCase {
    func test_progress_is_reported_every_interval_with_events_and_bytes() throws {
        var t = "lockcheck-trace 1\nthread 1 a\n"
        for s in 0..<100 { t += "\(s) 1 preempt-off\n" }
        let a = TraceAnalyzer { _ in }
        a.progressInterval = 16
        var calls: [(Int, Int)] = []
        a.progress = { calls.append(($0, $1)) }
        try a.analyze(TraceReader(name: "p.log", bytes: Array(t.utf8)))
        XCTAssertEqual(calls.map(\.0), [16, 32, 48, 64, 80, 96])
        XCTAssertTrue(calls.allSatisfy { $0.1 > 0 && $0.1 <= t.utf8.count }, "\(calls)")
    }
}
