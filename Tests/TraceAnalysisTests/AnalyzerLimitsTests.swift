import LockGraph
import LockTrace
import TraceAnalysis
import XCTest

/// The dependency limit through the analyzer (what `lockcheck analyze` runs),
/// lowered in its options: a trace that passes the default 4,000,000 would be
/// hundreds of megabytes. Past the limit: one warning, new dependencies are
/// no longer recorded, and every other rule goes on.
final class AnalyzerLimitsTests: XCTestCase {
    func test_more_dependencies_than_the_limit_warns_once_and_the_analysis_goes_on() throws {
        var options = TraceAnalyzer.Options()
        options.limits.dependencies = 10
        var t = "lockcheck-trace 1\nthread 1 main\n"
        for i in 0..<30 { t += "class \(i) mutex dep.\(i)\nlock \(i) \(i)\n" }
        t += "class 100 spinlock spin\nlock 100 100\n"
        var seq = 0
        func event(_ s: String) { seq += 1; t += "\(seq) 1 \(s)\n" }
        // An inversion within the limit: found.
        event("acquire 0"); event("acquire 1"); event("release 1"); event("release 0")
        event("acquire 1"); event("acquire 0"); event("release 0"); event("release 1")
        // 20 more dependencies: 8 fit, then the limit.
        for i in 2..<22 { event("acquire \(i)"); event("acquire \(i + 1)"); event("release \(i + 1)"); event("release \(i)") }
        // Rules that need no new dependency still work past it.
        event("acquire 100"); event("acquire 25"); event("release 25"); event("release 100")   // sleep-in-atomic
        event("acquire 26"); event("acquire 26")                                              // recursive-lock (same class)
        event("release 26"); event("release 26"); event("release 26")                         // unlock-unheld

        let found = Collected()
        let analyzer = TraceAnalyzer(options: options) { found.add($0) }
        try analyzer.analyze(TraceReader(name: "deps.log", bytes: Array(t.utf8)))
        analyzer.finish()
        XCTAssertEqual(analyzer.validator?.statistics.dependencies, 10)
        XCTAssertEqual(analyzer.warnings.filter { $0.contains("more than 10 dependencies") }.count, 1, "\(analyzer.warnings)")
        XCTAssertEqual(Set(found.rules), ["lock-order-inversion", "sleep-in-atomic", "recursive-lock", "unlock-unheld"])
        XCTAssertEqual(analyzer.events, seq)
    }

    func test_within_the_dependency_limit_no_warning() throws {
        var options = TraceAnalyzer.Options()
        options.limits.dependencies = 10
        var t = "lockcheck-trace 1\nthread 1 main\n"
        for i in 0..<11 { t += "class \(i) mutex dep.\(i)\nlock \(i) \(i)\n" }
        var seq = 0
        for i in 0..<10 {
            for s in ["acquire \(i)", "acquire \(i + 1)", "release \(i + 1)", "release \(i)"] { seq += 1; t += "\(seq) 1 \(s)\n" }
        }
        let analyzer = TraceAnalyzer(options: options) { _ in }
        try analyzer.analyze(TraceReader(name: "ok.log", bytes: Array(t.utf8)))
        analyzer.finish()
        XCTAssertEqual(analyzer.validator?.statistics.dependencies, 10)
        XCTAssertEqual(analyzer.warnings, [])
    }
}
