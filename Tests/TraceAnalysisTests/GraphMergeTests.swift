import LockGraph
import LockReports
import LockTrace
import TraceAnalysis
import XCTest

/// Saved graphs (`--save-graph`) merged in a final job find what analysing
/// all the traces together finds.
final class GraphMergeTests: XCTestCase {
    private let header = "lockcheck-trace 1\n"

    /// Three processes: an ABBA split between the first two; a class used in
    /// hardirq by the third and taken with irqs on by the first (inconsistent);
    /// an irq-safe -> irq-unsafe dependency split between the second and third.
    private var traces: [String] {
        [
            header + """
            thread 1 a
            class 1 mutex A
            class 2 mutex B
            class 3 raw-spinlock IRQ
            lock 1 1
            lock 2 2
            lock 3 3
            1 1 acquire 1
            2 1 acquire 2
            3 1 release 2
            4 1 release 1
            5 1 acquire 3
            6 1 release 3

            """,
            header + """
            thread 1 b
            class 1 mutex B
            class 2 mutex A
            class 3 raw-spinlock SAFE
            class 4 raw-spinlock UNSAFE
            lock 1 1
            lock 2 2
            lock 3 3
            lock 4 4
            1 1 acquire 1
            2 1 acquire 2
            3 1 release 2
            4 1 release 1
            5 1 irqs-off
            6 1 acquire 3
            7 1 acquire 4
            8 1 release 4
            9 1 release 3
            10 1 irqs-on

            """,
            header + """
            thread 1 c
            class 1 raw-spinlock IRQ
            class 2 raw-spinlock SAFE
            class 3 raw-spinlock UNSAFE
            lock 1 1
            lock 2 2
            lock 3 3
            1 1 irqs-off
            2 1 hardirq-enter
            3 1 acquire 1
            4 1 release 1
            5 1 acquire 2
            6 1 release 2
            7 1 hardirq-exit
            8 1 irqs-on
            9 1 acquire 3
            10 1 release 3

            """,
        ]
    }

    private func together(_ order: [Int]) throws -> Set<String> {
        let c = Collected()
        let a = TraceAnalyzer { c.add($0) }
        for i in order { try a.analyze(TraceReader(name: "t\(i).log", bytes: Array(traces[i].utf8))) }
        a.finish()
        return Set(c.all.map { "\($0.rule.rawValue) \($0.classNames)" })
    }

    private func graph(of i: Int) throws -> String {
        let a = TraceAnalyzer { _ in }
        try a.analyze(TraceReader(name: "t\(i).log", bytes: Array(traces[i].utf8)))
        a.finish()
        return a.graphFile().serialized()
    }

    private func merged(_ order: [Int]) throws -> Set<String> {
        let c = Collected()
        let a = TraceAnalyzer { c.add($0) }
        for i in order { a.merge(try GraphFile(parsing: try graph(of: i)), name: "t\(i).graph") }
        a.finish()
        return Set(c.all.map { "\($0.rule.rawValue) \($0.classNames)" })
    }

    func test_each_trace_alone_is_clean() throws {
        for i in traces.indices { XCTAssertEqual(try together([i]), [], "trace \(i)") }
    }

    func test_merged_graphs_report_what_the_traces_report_together() throws {
        let expected: Set<String> = [
            "lock-order-inversion [\"A\", \"B\"]",
            "inconsistent-lock-state [\"IRQ\"]",
            "irq-lock-inversion [\"SAFE\", \"UNSAFE\"]",
        ]
        XCTAssertEqual(try together([0, 1, 2]), expected)
        XCTAssertEqual(try merged([0, 1, 2]), expected)
    }

    func test_merging_is_order_independent() throws {
        let reference = try merged([0, 1, 2])
        for order in [[2, 1, 0], [1, 0, 2], [2, 0, 1]] {
            XCTAssertEqual(try merged(order), reference, "order \(order)")
        }
    }

    func test_merging_is_associative() throws {
        // (t0 + t1) saved, then merged with t2 == all three merged at once.
        let a = TraceAnalyzer { _ in }
        for i in [0, 1] { a.merge(try GraphFile(parsing: try graph(of: i)), name: "t\(i).graph") }
        a.finish()
        let pair = a.graphFile().serialized()
        let c = Collected()
        let b = TraceAnalyzer { c.add($0) }
        b.merge(try GraphFile(parsing: pair), name: "pair.graph")
        b.merge(try GraphFile(parsing: try graph(of: 2)), name: "t2.graph")
        b.finish()
        XCTAssertEqual(Set(c.all.map { "\($0.rule.rawValue) \($0.classNames)" }), try merged([0, 1, 2]))
    }

    func test_sites_keep_colons_and_unicode_in_file_names() throws {
        let text = "lockcheck-graph 2\nclass\t0\tmutex\t0\tA\nusage\t0\t0\tt\t18446744073709551615:4294967295:C:\\dir:é.log\n"
        let u = try XCTUnwrap(try GraphFile(parsing: text).usages.first)
        XCTAssertEqual(u.site.seq, UInt64.max)
        XCTAssertEqual(u.site.line, UInt32.max)
        XCTAssertEqual(u.site.file, "C:\\dir:é.log")
    }

    func test_graph_file_round_trips() throws {
        let text = try graph(of: 1)
        XCTAssertTrue(text.hasPrefix("lockcheck-graph 2\n"))
        let parsed = try GraphFile(parsing: text)
        XCTAssertEqual(parsed.classes.map(\.name), ["B", "A", "SAFE", "UNSAFE"])
        XCTAssertEqual(parsed.edges.count, 2)
        XCTAssertEqual(parsed.serialized(), text)
    }

    func test_merged_report_keeps_the_stacks_and_places_of_both_halves() throws {
        let c = Collected()
        let a = TraceAnalyzer { c.add($0) }
        for i in [0, 1] { a.merge(try GraphFile(parsing: try graph(of: i)), name: "t\(i).graph") }
        a.finish()
        let v = try XCTUnwrap(c.all.first { $0.rule == .lockOrderInversion })
        XCTAssertEqual(Set(v.chain.compactMap(\.site.file)), ["t0.log", "t1.log"])
    }

    func test_malformed_graph_files_name_the_line() {
        for (text, line) in [("nope\n", 1), ("lockcheck-graph 1\nclass\t0\tmutex\t0\n", 2),
                             ("lockcheck-graph 1\nclass\t0\tmutex\t0\tA\nedge\t0\t1\t8\tt\t1:1:f\t1:1:f\n", 3),
                             ("lockcheck-graph 1\nwhat\n", 2), ("", 1),
                             ("lockcheck-graph 2\nclass\t0\tmutex\t0\tA\nusage\t0\t0\tt\t1:2\n", 3),
                             ("lockcheck-graph 2\nclass\t0\tmutex\t0\tA\nusage\t0\t0\tt\t-1:2:f\n", 3),
                             ("lockcheck-graph 2\nclass\t0\tmutex\t0\tA\nusage\t0\t0\tt\t1:4294967296:f\n", 3),
                             ("lockcheck-graph 2\nclass\t0\tmutex\t0\tA\nusage\t0\t0\tt\t:2:f\n", 3)] {
            XCTAssertThrowsError(try GraphFile(parsing: text)) { e in
                XCTAssertEqual((e as? GraphFile.FormatError)?.line, line, "\(text.debugDescription): \(e)")
            }
        }
    }
}
