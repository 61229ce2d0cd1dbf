import Foundation
import XCTest

/// Malformed traces and command lines: `file:line: what is wrong`, exit 2,
/// never a crash. Each fixture's first line says `# expect: LINE: PHRASE`.
final class BadInputTests: XCTestCase {
    private let dir = "Tests/lockcheckTests/Fixtures/malformed"

    private func fixtures() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: Lockcheck.path(dir)).filter { $0.hasSuffix(".log") }.sorted()
    }

    /// (line, phrase) from the fixture's `# expect:` comment.
    private func expectation(_ name: String) throws -> (line: Int, phrase: String)? {
        let data = try Data(contentsOf: URL(fileURLWithPath: Lockcheck.path("\(dir)/\(name)")))
        let first = String(decoding: data.prefix { $0 != 10 }, as: UTF8.self)
        guard first.hasPrefix("# expect: ") else { return nil }
        let rest = first.dropFirst("# expect: ".count)
        guard let colon = rest.firstIndex(of: ":"), let line = Int(rest[..<colon]) else { return nil }
        return (line, rest[rest.index(after: colon)...].trimmingCharacters(in: .whitespaces))
    }

    func test_every_malformed_trace_names_file_and_line_and_exits_2() throws {
        let names = try fixtures().filter { $0 != "truncated.log" }
        XCTAssertGreaterThanOrEqual(names.count, 14)
        for name in names {
            let path = "\(dir)/\(name)"
            let r = try Lockcheck.run(["analyze", path])
            XCTAssertEqual(r.status, 2, "\(name): exit \(r.status)\nstdout: \(r.stdout)\nstderr: \(r.stderr)")
            if let e = try expectation(name) {
                XCTAssertTrue(r.stderr.contains("\(path):\(e.line):"), "\(name): stderr should name \(path):\(e.line):\n\(r.stderr)")
                XCTAssertTrue(r.stderr.lowercased().contains(e.phrase.lowercased()), "\(name): stderr should say '\(e.phrase)':\n\(r.stderr)")
            } else {
                XCTAssertTrue(r.stderr.contains("\(path):"), "\(name): stderr should name the file:\n\(r.stderr)")
            }
        }
    }

    func test_empty_file_is_missing_its_header() throws {
        let r = try Lockcheck.run(["analyze", "\(dir)/empty.log"])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.lowercased().contains("header"), r.stderr)
    }

    func test_truncated_trace_is_analysed_up_to_its_last_complete_line_with_a_warning() throws {
        let path = "\(dir)/truncated.log"
        let r = try Lockcheck.run(["analyze", path])
        XCTAssertTrue(r.status == 0 || r.status == 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("warning:"), r.stderr)
        XCTAssertTrue(r.stderr.contains("\(path):"), r.stderr)
        XCTAssertTrue(r.stdout.contains("truncated"), "the summary says the trace was truncated:\n\(r.stdout)")
        // The partial `release 1` must not be taken for a release of lock 1.
        XCTAssertFalse(r.stdout.contains("[unlock-unheld]"), r.stdout)
    }

    func test_missing_file_is_exit_2_naming_it() throws {
        let r = try Lockcheck.run(["analyze", "no/such/trace.log"])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("no/such/trace.log"), r.stderr)
    }

    func test_bad_command_lines_exit_2() throws {
        for args in [["analyze"], ["analyze", "--format", "xml", "x.log"], ["analyze", "--fail-on", "no-such-rule", "x.log"],
                     ["analyze", "--raw-nesting", "maybe", "x.log"]] {
            let r = try Lockcheck.run(args)
            XCTAssertEqual(r.status, 2, "\(args): exit \(r.status)\n\(r.stderr)")
            XCTAssertFalse(r.stderr.isEmpty)
        }
    }

    func test_second_file_malformed_after_a_good_one_is_exit_2() throws {
        let r = try Lockcheck.run(["analyze", "Examples/traces/clean.log", "\(dir)/unknown-op.log"])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("\(dir)/unknown-op.log:"), r.stderr)
    }

    func test_random_bytes_never_crash() throws {
        var rng = SplitMix64(seed: UInt64(ProcessInfo.processInfo.environment["LOCKCHECK_SEED"] ?? "") ?? 20261122)
        print("test_random_bytes_never_crash seed \(rng.state)")
        let base = try Data(contentsOf: Lockcheck.root.appendingPathComponent("Examples/traces/clean.log"))
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("lockcheck-fuzz-\(getpid()).log")
        defer { try? FileManager.default.removeItem(at: tmp) }
        for round in 0..<40 {
            var bytes = [UInt8](base)
            for _ in 0..<(1 + Int(rng.next() % 8)) {
                let i = Int(rng.next() % UInt64(bytes.count))
                bytes[i] = UInt8(truncatingIfNeeded: rng.next())
            }
            try Data(bytes).write(to: tmp)
            let r = try Lockcheck.run(["analyze", tmp.path])
            XCTAssertTrue([0, 1, 2].contains(r.status), "round \(round): exit \(r.status) (crash?)\n\(r.stderr)")
        }
    }
}


/// Progress goes to stderr only on a terminal.
final class ProgressOutputTests: XCTestCase {
    func test_no_progress_and_no_stderr_when_not_a_terminal() throws {
        let r = try Lockcheck.run(["analyze", "Examples/traces/clean.log"])
        XCTAssertEqual(r.status, 0)
        XCTAssertEqual(r.stderr, "", "nothing extra on a pipe")
    }
}
