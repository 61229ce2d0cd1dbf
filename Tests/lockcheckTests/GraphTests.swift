import Foundation
import XCTest

/// `lockcheck graph`: the class dependency graph of real example traces, with
/// the edges of violations highlighted; SVG through Graphviz when installed.
final class GraphTests: XCTestCase {
    private let abba = "Examples/traces/abba-bank-transfer.log"

    /// The DOT statement of the edge between the nodes labelled `from` and `to`.
    private func edge(_ dot: String, _ from: String, _ to: String) -> String? {
        let lines = dot.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        func id(_ name: String) -> String? {
            lines.first { $0.contains("[label=\"\(name)\\n") }?.components(separatedBy: " ").first
        }
        guard let a = id(from), let b = id(to) else { return nil }
        return lines.first { $0.hasPrefix("\(a) -> \(b) [") }
    }

    private func isRed(_ line: String?) -> Bool { line?.contains("color=\"#d62728\"") == true }

    func test_split_inversion_cycle_edges_are_highlighted() throws {
        let r = try Lockcheck.run(["graph", "--format", "dot", "Examples/traces/split-inversion-a.log", "Examples/traces/split-inversion-b.log"])
        XCTAssertEqual(r.status, 0, "a picture is not a verdict: \(r.stderr)")
        XCTAssertTrue(r.stdout.hasPrefix("digraph lockcheck {"), r.stdout)
        for (a, b) in [("cache.mutex", "zone.lock"), ("zone.lock", "cache.mutex")] {
            let line = edge(r.stdout, a, b)
            XCTAssertTrue(isRed(line), "\(a) -> \(b) is red:\n\(r.stdout)")
            XCTAssertTrue(line?.contains("EN") == true && line?.contains("lock-order-inversion") == true, line ?? "")
        }
        XCTAssertTrue(r.stdout.contains("cluster_legend"), "a legend")
        XCTAssertTrue(r.stderr.contains("2 classes, 2 dependencies, 2 in violations"), r.stderr)
    }

    func test_ABBA_cycle_is_red_and_the_silent_ledger_edges_are_not() throws {
        let r = try Lockcheck.run(["graph", "--format", "dot", abba])
        XCTAssertEqual(r.status, 0)
        XCTAssertTrue(isRed(edge(r.stdout, "Account.alice", "Account.bob")), r.stdout)
        XCTAssertTrue(isRed(edge(r.stdout, "Account.bob", "Account.alice")), r.stdout)
        let ledger = edge(r.stdout, "Account.alice", "Bank.ledger") ?? edge(r.stdout, "Account.bob", "Bank.ledger")
        XCTAssertNotNil(ledger, r.stdout)
        XCTAssertFalse(isRed(ledger), ledger ?? "")
        XCTAssertTrue(r.stdout.contains("label=\"Account.alice\\nmutex\""), "nodes carry name and kind")
    }

    func test_clean_trace_has_no_highlighted_edge_and_kinds_are_styled_apart() throws {
        let r = try Lockcheck.run(["graph", "--format", "dot", "Examples/traces/clean.log"])
        XCTAssertEqual(r.status, 0)
        XCTAssertFalse(r.stdout.contains("class=\"violation\""), r.stdout)
        XCTAssertTrue(r.stdout.contains("0 in violations"), r.stdout)
        let nodeLines = r.stdout.split(separator: "\n").filter { $0.hasPrefix("  c") && $0.contains("[label=") }
        let styles = Set(nodeLines.map { $0.contains("peripheries=2") ? "raw" : $0.contains("rounded") ? "spin" : $0.contains("ellipse") ? "sleep" : "?" })
        XCTAssertTrue(styles.isSuperset(of: ["raw", "spin", "sleep"]), "clean.log has raw, spinning and sleeping classes: \(styles)")
    }

    func test_seed_002_wait_context_edge_is_highlighted() throws {
        let dir = try TempDir()
        let example = try Lockcheck.run(["explain", "--example", "invalid-wait-context"]).stdout
        let r = try Lockcheck.run(["graph", "--format", "dot", dir.file("iwc.log", example)])
        XCTAssertEqual(r.status, 0)
        let line = edge(r.stdout, "krc.lock", "zone.lock")
        XCTAssertTrue(isRed(line) && line?.contains("invalid-wait-context") == true, r.stdout)
    }

    func test_output_file_and_bad_input() throws {
        let dir = try TempDir()
        let path = dir.path("g.dot")
        let r = try Lockcheck.run(["graph", "-o", path, abba])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "")
        XCTAssertTrue(try String(contentsOfFile: path, encoding: .utf8).hasPrefix("digraph lockcheck {"), "a .dot name means DOT")
        let bad = try Lockcheck.run(["graph", "--format", "dot", "Tests/lockcheckTests/Fixtures/malformed/unknown-op.log"])
        XCTAssertEqual(bad.status, 2)
        let badFormat = try Lockcheck.run(["graph", "--format", "png", abba])
        XCTAssertEqual(badFormat.status, 2)
    }

    func test_without_dot_the_default_is_DOT_and_SVG_is_refused() throws {
        var env = ProcessInfo.processInfo.environment
        env["PATH"] = "/nonexistent"
        let r = try Tool.run(Lockcheck.binary.path, ["graph", abba], environment: env)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.hasPrefix("digraph lockcheck {"))
        let svg = try Tool.run(Lockcheck.binary.path, ["graph", "--format", "svg", abba], environment: env)
        XCTAssertEqual(svg.status, 2)
        XCTAssertTrue(svg.stderr.contains("graphviz"), svg.stderr)
    }

    /// Rendering a real example through Graphviz (apt-get install graphviz).
    func test_SVG_of_the_ABBA_example() throws {
        guard Tool.find("dot") != nil else { throw XCTSkip("Graphviz's dot is not installed") }
        let r = try Lockcheck.run(["graph", abba])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("<svg"), "SVG by default when dot is installed")
        let dir = try TempDir()
        let path = dir.path("abba.svg")
        let f = try Lockcheck.run(["graph", "--format", "svg", "-o", path, abba])
        XCTAssertEqual(f.status, 0, f.stderr)
        let svg = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertTrue(svg.contains("<svg") && svg.contains("Account.alice") && svg.contains("Account.bob"))
        XCTAssertTrue(svg.contains("#d62728"), "the cycle is drawn red")
        XCTAssertTrue(svg.contains("Legend"))
    }
}
