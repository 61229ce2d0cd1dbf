import Foundation
import LockGraph
import LockTrace
import TraceAnalysis
import XCTest

/// The fuzz harness's inputs, replayed through the same pipeline
/// (`FuzzPipeline.swift` is the harness's own file, linked here): every input
/// of `Fuzz/regressions` runs to its end without a crash, and each finding
/// has its own test of what the fixed code does with it.
final class FuzzRegressionTests: XCTestCase {
    private static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    private func input(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: Self.root.appendingPathComponent("Fuzz/regressions/\(name)")))
    }

    private func example(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: Self.root.appendingPathComponent("Examples/traces/\(name)")))
    }

    // MARK: The pipeline is `lockcheck analyze`

    func test_every_regression_input_runs_to_its_end() throws {
        let dir = Self.root.appendingPathComponent("Fuzz/regressions")
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        XCTAssertFalse(names.isEmpty)
        for name in names {
            let outcome = FuzzPipeline.run(try input(name))
            XCTAssertGreaterThan(outcome.inputs, 0, name)
            // Analysed, or refused with `file:line: message`.
            if let error = outcome.error { XCTAssertTrue(error.hasPrefix("fuzz-"), "\(name): \(error)") }
        }
    }

    func test_an_example_trace_reports_what_analyze_reports() throws {
        let outcome = FuzzPipeline.run(try example("abba-bank-transfer.log"))
        XCTAssertNil(outcome.error)
        XCTAssertEqual(outcome.rules, [.lockOrderInversion])
        XCTAssertGreaterThan(outcome.events, 0)
        XCTAssertGreaterThan(outcome.rendered, 0)
    }

    func test_a_clean_trace_reports_nothing() throws {
        let outcome = FuzzPipeline.run(try example("clean.log"))
        XCTAssertNil(outcome.error)
        XCTAssertEqual(outcome.rules, [])
    }

    /// Two inputs cut at `#%next-file`: the inversion split between two
    /// processes is found, as `analyze a.log b.log` finds it.
    func test_the_separator_makes_several_inputs_analysed_as_one_program() throws {
        let a = try example("split-inversion-a.log"), b = try example("split-inversion-b.log")
        let both = a + Array("\(FuzzPipeline.separator)\n".utf8) + b
        XCTAssertEqual(FuzzPipeline.split(both).count, 2)
        let outcome = FuzzPipeline.run(both)
        XCTAssertEqual(outcome.inputs, 2)
        XCTAssertNil(outcome.error)
        XCTAssertEqual(outcome.rules, [.lockOrderInversion])
        XCTAssertEqual(FuzzPipeline.run(a).rules, [], "neither half alone is an inversion")
    }

    /// A saved graph is an input too: told apart by its header, as `analyze` does.
    func test_a_graph_file_input_is_merged() throws {
        let graph = "lockcheck-graph 1\nclass\t0\tmutex\t0\tA\nclass\t1\tmutex\t0\tB\n"
            + "edge\t0\t1\t8\tt1\t1:1:a.log\t1:1:a.log\nedge\t1\t0\t8\tt2\t2:2:b.log\t2:2:b.log\n"
        let outcome = FuzzPipeline.run(Array(graph.utf8))
        XCTAssertNil(outcome.error)
        XCTAssertEqual(outcome.rules, [.lockOrderInversion])
    }

    // MARK: Findings

    /// A file of comments only: the missing header is reported at the line
    /// after the last (where it would be); the harness's line check allows it.
    func test_comments_only_is_a_missing_header_after_the_last_line() throws {
        let outcome = FuzzPipeline.run(try input("comments-only-no-header.log"))
        XCTAssertEqual(outcome.error?.hasPrefix("fuzz-0.log:4: missing header"), true, "\(outcome.error ?? "no error")")
    }
}

extension FuzzRegressionTests {
    /// A saved graph with a byte that is not UTF-8 is malformed at its line
    /// (`analyze` said "cannot read the graph file", with no line).
    func test_graph_file_with_invalid_UTF8_is_a_bad_line() throws {
        let outcome = FuzzPipeline.run(try input("graph-invalid-utf8.lcg"))
        XCTAssertEqual(outcome.error, "fuzz-0.log:2: invalid UTF-8")
    }

    /// The input that found it: a graph header with more words, then
    /// comments and a stray byte: refused at its header line.
    func test_graph_header_with_garbage_is_refused_at_line_1() throws {
        let outcome = FuzzPipeline.run(try input("graph-header-with-garbage.lcg"))
        XCTAssertEqual(outcome.error?.hasPrefix("fuzz-0.log:1: not a lockcheck graph file"), true, "\(outcome.error ?? "no error")")
    }
}
