import Foundation
import XCTest

/// `lockcheck analyze` parses on a reader thread by default; the hidden
/// `--threads 1` runs everything on one thread. Both must print the same
/// bytes (the summary's timing aside) and exit the same way, for reports,
/// truncated traces and bad input alike.
final class AnalyzeThreadsTests: XCTestCase {
    /// The timing (the summary's "in 0.01s (1.2M events/s)", JUnit's
    /// `time="…"`) is the only part that may differ.
    private static func withoutTiming(_ s: String) -> String {
        s.replacingOccurrences(of: #" in [0-9.]+s \([0-9.]+M events/s\)"#, with: "", options: .regularExpression)
            .replacingOccurrences(of: #"time="[0-9.]+""#, with: "time", options: .regularExpression)
    }

    private func assertSameOnOneAndTwoThreads(_ arguments: [String], file: StaticString = #filePath, line: UInt = #line) throws -> CommandResult {
        let one = try Lockcheck.run(["analyze", "--threads", "1"] + arguments)
        let two = try Lockcheck.run(["analyze"] + arguments)
        let label = arguments.joined(separator: " ")
        XCTAssertEqual(two.status, one.status, label, file: file, line: line)
        XCTAssertEqual(Self.withoutTiming(two.stdout), Self.withoutTiming(one.stdout), label, file: file, line: line)
        XCTAssertEqual(two.stderr, one.stderr, label, file: file, line: line)
        return one
    }

    func test_every_example_trace_prints_the_same_on_two_threads() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Lockcheck.path("Examples/traces"))
            .filter { $0.hasSuffix(".log") }.sorted()
        XCTAssertGreaterThanOrEqual(names.count, 10)
        var failing = 0
        for name in names {
            for format in ["text", "json", "sarif", "junit"] where format != "junit" || name.hasPrefix("seed") {
                let r = try assertSameOnOneAndTwoThreads(["--format", format, "Examples/traces/\(name)"])
                if r.status == 1 { failing += 1 }
            }
        }
        XCTAssertGreaterThan(failing, 0, "violations are part of the comparison")
        _ = try assertSameOnOneAndTwoThreads(["Examples/traces/split-inversion-a.log", "Examples/traces/split-inversion-b.log"])
    }

    func test_a_clean_trace_stays_silent_on_two_threads() throws {
        let r = try assertSameOnOneAndTwoThreads(["Examples/traces/clean.log"])
        XCTAssertEqual(r.status, 0, r.stdout)
    }

    func test_bad_and_truncated_traces_fail_the_same_on_two_threads() throws {
        let dir = "Tests/lockcheckTests/Fixtures/malformed"
        let names = try FileManager.default.contentsOfDirectory(atPath: Lockcheck.path(dir)).filter { $0.hasSuffix(".log") }.sorted()
        XCTAssertGreaterThanOrEqual(names.count, 10)
        var unusable = 0
        for name in names {
            let r = try assertSameOnOneAndTwoThreads(["\(dir)/\(name)"])
            if r.status == 2 { unusable += 1 }
        }
        XCTAssertGreaterThan(unusable, names.count / 2)
        let truncated = try assertSameOnOneAndTwoThreads(["--format", "json", "\(dir)/truncated.log"])
        XCTAssertTrue(truncated.stderr.contains("mid-line"), truncated.stderr)
    }

    func test_threads_other_than_1_or_2_are_refused() throws {
        let r = try Lockcheck.run(["analyze", "--threads", "3", "Examples/traces/clean.log"])
        XCTAssertEqual(r.status, 2, r.stderr)
        XCTAssertTrue(r.stderr.contains("--threads must be 1 or 2"), r.stderr)
    }
}
