import Foundation
import XCTest

/// Baselines and suppressions survive unrelated edits: a class named by its
/// source position (an unnamed lock, `App/Bank.swift:10`) counts without its
/// line, so inserting lines above the lock keeps the violation known, while
/// the report text keeps `File.swift:42`.
final class LineIndependentBaselineTests: XCTestCase {
    /// An ABBA between two unnamed locks of `file`, created at `lineA` and
    /// `lineB` (their class names are their init sites).
    private func abba(_ file: String, _ lineA: Int, _ lineB: Int, siteStyle: Bool = false) -> String {
        let a = siteStyle ? "Bank.init (\(file):\(lineA))" : "App/\(file):\(lineA)"
        let b = siteStyle ? "Bank.init (\(file):\(lineB))" : "App/\(file):\(lineB)"
        return """
        lockcheck-trace 1
        config raw-nesting=on preempt-rt=off
        process 1 app
        thread 1 t1
        thread 2 t2
        class 1 mutex \(a)
        class 2 mutex \(b)
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

        """
    }

    func test_linesInsertedAboveTheLocks_baselineStillMatches() throws {
        let dir = try TempDir()
        let before = dir.file("before.log", abba("Bank.swift", 10, 20))
        let r0 = try Lockcheck.run(["baseline", before])
        XCTAssertEqual(r0.status, 0, r0.stderr)
        let baseline = dir.file("baseline.json", r0.stdout)
        // One comment line above each lock: both init sites move down.
        let after = dir.file("after.log", abba("Bank.swift", 11, 21))
        let r = try Lockcheck.run(["analyze", "--baseline", baseline, after])
        XCTAssertEqual(r.status, 0, r.stdout)
        XCTAssertTrue(r.stdout.contains("no new violations, 1 baselined"), r.stdout)
        // The report still names the lines.
        let text = try Lockcheck.run(["analyze", after])
        XCTAssertTrue(text.stdout.contains("App/Bank.swift:11"), text.stdout)
    }

    func test_creationSiteNames_linesMoved_baselineStillMatches() throws {
        let dir = try TempDir()
        let r0 = try Lockcheck.run(["baseline", dir.file("before.log", abba("Bank.swift", 10, 20, siteStyle: true))])
        let baseline = dir.file("baseline.json", r0.stdout)
        let r = try Lockcheck.run(["analyze", "--baseline", baseline, dir.file("after.log", abba("Bank.swift", 14, 24, siteStyle: true))])
        XCTAssertEqual(r.status, 0, r.stdout)
    }

    func test_sameInversionInAnotherFile_isNew_fires() throws {
        let dir = try TempDir()
        let r0 = try Lockcheck.run(["baseline", dir.file("before.log", abba("Bank.swift", 10, 20))])
        let baseline = dir.file("baseline.json", r0.stdout)
        let r = try Lockcheck.run(["analyze", "--baseline", baseline, dir.file("other.log", abba("Ledger.swift", 10, 20))])
        XCTAssertEqual(r.status, 1, r.stdout)
        XCTAssertTrue(r.stdout.contains("1 new violation"), r.stdout)
    }

    func test_suppressionByInitSite_linesMoved_stillSuppresses() throws {
        let dir = try TempDir()
        let suppressions = dir.file("suppressions.json", """
        [ { "rule": "lock-order-inversion", "classes": ["App/Bank.swift:10"], "reason": "known, issue 12" } ]
        """)
        let r = try Lockcheck.run(["analyze", "--suppressions", suppressions, dir.file("after.log", abba("Bank.swift", 12, 22))])
        XCTAssertEqual(r.status, 0, r.stdout)
    }
}
