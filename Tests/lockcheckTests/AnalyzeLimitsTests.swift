import Foundation
import XCTest

/// Traces past the engine's limits through `lockcheck analyze`: a warning
/// naming the limit, the analysis goes on, and the exit status is the
/// README's (1 when violations were found, else 0). The limits are the
/// defaults of `Configuration.Limits` (256 held locks, 65,536 classes); the
/// dependency limit (4,000,000) is exercised through the analyzer's options
/// in TraceAnalysisTests, a trace big enough to pass it being hundreds of MB.
final class AnalyzeLimitsTests: XCTestCase {
    /// One thread nests 300 mutexes (past the 256 held locks tracked), then
    /// takes two other classes in both orders.
    func test_more_held_locks_than_the_limit_warns_and_the_analysis_goes_on() throws {
        let dir = try TempDir()
        var t = "lockcheck-trace 1\nthread 1 deep\n"
        for i in 0..<302 { t += "class \(i) mutex depth.\(i)\nlock \(i) \(i)\n" }
        var seq = 0
        func event(_ s: String) { seq += 1; t += "\(seq) 1 \(s)\n" }
        for i in 0..<300 { event("acquire \(i)") }
        for i in (0..<300).reversed() { event("release \(i)") }
        // Unlock balance survived the overflow: the ABBA below is found at depth 2.
        event("acquire 300"); event("acquire 301"); event("release 301"); event("release 300")
        event("acquire 301"); event("acquire 300"); event("release 300"); event("release 301")
        let path = dir.file("deep.log", t)

        let r = try Lockcheck.run(["analyze", "--format", "json", path])
        XCTAssertEqual(r.status, 1, "violations found: exit 1\n\(r.stderr)")
        XCTAssertEqual(r.stderr.components(separatedBy: "warning:").count - 1, 1, "one warning: \(r.stderr)")
        XCTAssertTrue(r.stderr.contains("more than 256 locks"), r.stderr)
        let violations = try r.json()["violations"] as? [[String: Any]] ?? []
        XCTAssertEqual(violations.map { $0["rule"] as? String }, ["lock-order-inversion"], r.stdout)
        XCTAssertEqual(violations.first?["classes"] as? [String], ["depth.300", "depth.301"])
        XCTAssertEqual((try r.json()["summary"] as? [String: Any])?["events"] as? Int, seq)
    }

    /// The same trace within the limit: no warning.
    func test_held_locks_within_the_limit_no_warning() throws {
        let dir = try TempDir()
        var t = "lockcheck-trace 1\nthread 1 deep\n"
        for i in 0..<200 { t += "class \(i) mutex depth.\(i)\nlock \(i) \(i)\n" }
        var seq = 0
        for i in 0..<200 { seq += 1; t += "\(seq) 1 acquire \(i)\n" }
        for i in (0..<200).reversed() { seq += 1; t += "\(seq) 1 release \(i)\n" }
        let r = try Lockcheck.run(["analyze", dir.file("ok.log", t)])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertFalse(r.stderr.contains("warning:"), r.stderr)
    }

    /// 65,600 classes (past the 65,536 kept): one warning; the first classes
    /// are still checked, so an inversion between two of them is reported,
    /// and the classes past the limit invent no violation.
    func test_more_classes_than_the_limit_warns_and_the_analysis_goes_on() throws {
        let dir = try TempDir()
        let classes = 65_600
        var t = "lockcheck-trace 1\nthread 1 main\n"
        t.reserveCapacity(classes * 40)
        for i in 0..<classes { t += "class \(i) spinlock many.\(i)\nlock \(i) \(i)\n" }
        var seq = 0
        func event(_ s: String) { seq += 1; t += "\(seq) 1 \(s)\n" }
        // Past the limit: nested in one order, then the other (overflow classes are not checked).
        event("acquire 65590"); event("acquire 65591"); event("release 65591"); event("release 65590")
        event("acquire 65591"); event("acquire 65590"); event("release 65590"); event("release 65591")
        // Within it: an ABBA, found.
        event("acquire 1"); event("acquire 2"); event("release 2"); event("release 1")
        event("acquire 2"); event("acquire 1"); event("release 1"); event("release 2")
        let path = dir.file("classes.log", t)

        let r = try Lockcheck.run(["analyze", "--format", "json", path])
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertEqual(r.stderr.components(separatedBy: "warning:").count - 1, 1, "one warning: \(r.stderr)")
        XCTAssertTrue(r.stderr.contains("more than 65536 lock classes"), r.stderr)
        let violations = try r.json()["violations"] as? [[String: Any]] ?? []
        XCTAssertEqual(violations.map { $0["rule"] as? String }, ["lock-order-inversion"], r.stdout)
        XCTAssertEqual(violations.first?["classes"] as? [String], ["many.1", "many.2"])
        XCTAssertEqual((try r.json()["summary"] as? [String: Any])?["events"] as? Int, seq, "every event analysed")
    }
}
