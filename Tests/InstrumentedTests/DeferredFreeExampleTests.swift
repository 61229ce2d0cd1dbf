import Foundation
import LockGraph
import LockTrace
import TraceAnalysis
import XCTest

/// Each deferred-free / pool example prints exactly the rules its header
/// promises, live on stderr, and its recorded trace analyses to the same
/// rule ids.
final class DeferredFreeExampleTests: XCTestCase {
    private func example(_ name: String) throws -> URL {
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let url = exe.deletingLastPathComponent().appendingPathComponent(name)
        guard FileManager.default.isExecutableFile(atPath: url.path) else {
            throw XCTSkip("\(name) is not built next to \(exe.path); run `swift build` first")
        }
        return url
    }

    /// Runs the example with a trace; checks exit status 0, the live rule
    /// headlines, and the rules the trace analyses to.
    private func check(_ name: String, arguments: [String] = [], rules expected: [String],
                       file: StaticString = #filePath, line: UInt = #line) throws {
        let trace = NSTemporaryDirectory() + "lockcheck-\(name)-\(getpid())-\(arguments.count).log"
        defer { unlink(trace) }
        let p = Process()
        p.executableURL = try example(name)
        p.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for key in env.keys where key.hasPrefix("LOCKCHECK") { env[key] = nil }
        env["LOCKCHECK"] = "report"
        env["LOCKCHECK_TRACE"] = trace
        p.environment = env
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        _ = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let stderr = String(decoding: errData, as: UTF8.self)
        XCTAssertEqual(p.terminationStatus, 0, stderr, file: file, line: line)
        let live = stderr.split(separator: "\n").compactMap { l -> String? in
            guard l.hasPrefix("lockcheck: ["), let close = l.firstIndex(of: "]") else { return nil }
            return String(l[l.index(l.startIndex, offsetBy: 12)..<close])
        }
        XCTAssertEqual(live.sorted(), expected.sorted(), "live:\n\(stderr)", file: file, line: line)

        final class Found: @unchecked Sendable { var items: [Violation] = [] }
        let found = Found()
        let analyzer = TraceAnalyzer { found.items.append($0) }
        try analyzer.analyze(TraceReader(path: trace))
        analyzer.finish()
        XCTAssertEqual(found.items.map(\.rule.rawValue).sorted(), expected.sorted(), "offline", file: file, line: line)
    }

    func test_seed_002_nowait_page_under_raw_lock_fires() throws {
        try check("seed-002-nowait-under-raw-lock", rules: ["alloc-under-raw-lock"])
    }

    func test_seed_002_fixed_no_locks_is_clean() throws {
        try check("seed-002-nowait-under-raw-lock", arguments: ["--fixed"], rules: [])
    }

    func test_seed_000_headless_free_in_hardirq_fires() throws {
        try check("seed-000-headless-free-in-irq", rules: ["sleep-in-atomic"])
    }

    func test_seed_003_destroy_with_pending_free_fires() throws {
        try check("seed-003-destroy-with-pending-free", rules: ["destroy-with-pending-free", "use-after-destroy"])
    }

    func test_seed_003_fixed_barrier_first_is_clean() throws {
        try check("seed-003-destroy-with-pending-free", arguments: ["--fixed"], rules: [])
    }

    func test_seed_004_late_worker_use_after_destroy_fires() throws {
        try check("seed-004-use-after-destroy", rules: ["use-after-destroy"])
    }

    func test_blocking_call_and_may_block_alloc_under_spinlock_fire() throws {
        try check("sleep-under-spinlock", rules: ["sleep-in-atomic", "sleep-in-atomic"])
    }
}
