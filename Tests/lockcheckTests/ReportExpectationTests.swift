import Foundation
import XCTest

/// The reports of every example trace, byte for byte: `analyze --format
/// text|json|sarif` of each trace in Examples/traces (and of the split
/// inversion's two halves together) against Fixtures/expected/, written by
/// `scripts/report-expectations`. A renderer change that alters a report
/// fails here; an intended one regenerates the files and, for JSON, is
/// recorded in docs/format-changelog.md.
final class ReportExpectationTests: XCTestCase {
    private static let expected = "Tests/lockcheckTests/Fixtures/expected"

    /// The traces, each with the files it analyses.
    private static var cases: [(name: String, files: [String])] {
        let traces = (try? FileManager.default.contentsOfDirectory(atPath: Lockcheck.path("Examples/traces"))) ?? []
        return traces.filter { $0.hasSuffix(".log") }.sorted().map { (String($0.dropLast(4)), ["Examples/traces/\($0)"]) }
            + [("split-inversion-a+b", ["Examples/traces/split-inversion-a.log", "Examples/traces/split-inversion-b.log"])]
    }

    /// The text summary's wall-clock part ("in 0.01s (0.0M events/s)"), which
    /// varies between runs, replaced as scripts/report-expectations replaces it.
    static func withoutTiming(_ report: String) -> String {
        report.replacingOccurrences(of: #" in [0-9.]+s \([0-9.]+M events/s\)"#, with: " in <time>",
                                    options: .regularExpression)
    }

    private func check(format: String, ext: String) throws {
        let cases = Self.cases
        XCTAssertGreaterThanOrEqual(cases.count, 11, "Examples/traces not found")
        for c in cases {
            let r = try Lockcheck.run(["analyze", "--format", format, "--color", "never"] + c.files)
            XCTAssert(r.status == 0 || r.status == 1, "\(c.name): exit \(r.status): \(r.stderr)")
            let path = Lockcheck.path("\(Self.expected)/\(c.name).\(ext)")
            let want = try XCTUnwrap(try? String(contentsOfFile: path, encoding: .utf8),
                                     "\(path) missing: run scripts/report-expectations")
            let output = Self.withoutTiming(r.stdout)
            if output != want {
                let got = output.split(separator: "\n", omittingEmptySubsequences: false)
                let exp = want.split(separator: "\n", omittingEmptySubsequences: false)
                let first = (0..<min(got.count, exp.count)).first { got[$0] != exp[$0] } ?? min(got.count, exp.count)
                XCTFail("""
                    \(c.name).\(ext) differs from the expectation at line \(first + 1):
                      expected: \(first < exp.count ? String(exp[first]) : "<end>")
                      got:      \(first < got.count ? String(got[first]) : "<end>")
                    """)
            }
        }
    }

    func test_text_reports_of_the_example_traces_are_unchanged() throws {
        try check(format: "text", ext: "txt")
    }

    func test_json_reports_of_the_example_traces_are_unchanged() throws {
        try check(format: "json", ext: "json")
    }

    func test_sarif_reports_of_the_example_traces_are_unchanged() throws {
        try check(format: "sarif", ext: "sarif")
    }

    func test_a_changed_report_is_caught() throws {
        // The twin that must fail: a report that differs from its expectation by one byte.
        let r = try Lockcheck.run(["analyze", "--format", "text", "--color", "never", "Examples/traces/abba-bank-transfer.log"])
        let want = try String(contentsOfFile: Lockcheck.path("\(Self.expected)/abba-bank-transfer.txt"), encoding: .utf8)
        XCTAssertEqual(Self.withoutTiming(r.stdout), want)
        XCTAssertNotEqual(Self.withoutTiming(r.stdout).replacingOccurrences(of: "Account.alice", with: "Account.alicf"), want)
    }
}
