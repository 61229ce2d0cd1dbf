import Foundation
import LockGraph
import LockTrace
import TraceAnalysis
import XCTest

/// Examples/bank-transfer prints one lock-order-inversion live, and its
/// recorded trace analyses to the same report.
final class ExampleTests: XCTestCase {
    /// The example binary, built next to the test bundle.
    func example(_ name: String) throws -> URL {
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let url = exe.deletingLastPathComponent().appendingPathComponent(name)
        guard FileManager.default.isExecutableFile(atPath: url.path) else {
            throw XCTSkip("\(name) is not built next to \(exe.path); run `swift build` first")
        }
        return url
    }

    func run(_ url: URL, environment: [String: String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let p = Process()
        p.executableURL = url
        var env = ProcessInfo.processInfo.environment
        for key in env.keys where key.hasPrefix("LOCKCHECK") { env[key] = nil }
        env["SWIFT_BACKTRACE"] = "enable=no"  // a trap ends the child at once (no crash-report helper holding the pipe)
        env.merge(environment) { $1 }
        p.environment = env
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let errData = err.fileHandleForReading.readDataToEndOfFile()  // small: no deadlock with stdout
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
    }

    func test_bank_transfer_reports_one_inversion_live_and_offline() throws {
        let exe = try example("bank-transfer")
        let trace = NSTemporaryDirectory() + "lockcheck-bank-\(getpid()).log"
        defer { unlink(trace) }
        let r = try run(exe, environment: ["LOCKCHECK": "report", "LOCKCHECK_TRACE": trace])
        XCTAssertEqual(r.status, 0)
        XCTAssertEqual(r.stdout, "alice: 80, bob: 120, ledger: 2 entries\n")
        let headlines = r.stderr.split(separator: "\n").filter { $0.hasPrefix("lockcheck: [") }
        XCTAssertEqual(headlines, ["lockcheck: [lock-order-inversion] possible circular locking dependency detected"], r.stderr)
        XCTAssertTrue(r.stderr.contains("thread 'teller-2' at seq"), r.stderr)
        XCTAssertTrue(r.stderr.contains("Bank.transfer"), "symbolicated, demangled stack:\n\(r.stderr)")

        final class Found: @unchecked Sendable { var items: [Violation] = [] }
        let found = Found()
        let analyzer = TraceAnalyzer { found.items.append($0) }
        try analyzer.analyze(TraceReader(path: trace))
        analyzer.finish()
        XCTAssertEqual(found.items.map(\.rule), [.lockOrderInversion])
        XCTAssertEqual(found.items.first?.classNames, ["Account.alice", "Account.bob"])
        XCTAssertEqual(found.items.first?.event.thread, "teller-2")
    }

    func test_bank_transfer_with_validation_off_is_silent() throws {
        let r = try run(try example("bank-transfer"), environment: ["LOCKCHECK": "off"])
        XCTAssertEqual(r.status, 0)
        XCTAssertEqual(r.stderr, "")
    }

    func test_bank_transfer_trap_stops_after_flushing_the_trace() throws {
        let trace = NSTemporaryDirectory() + "lockcheck-bank-trap-\(getpid()).log"
        defer { unlink(trace) }
        let r = try run(try example("bank-transfer"), environment: ["LOCKCHECK": "trap", "LOCKCHECK_TRACE": trace])
        XCTAssertNotEqual(r.status, 0, "stopped at the violation")
        XCTAssertEqual(r.stdout, "", "stopped before the summary line")
        XCTAssertTrue(r.stderr.contains("lockcheck: stopping at violation [lock-order-inversion]"), r.stderr)
        final class Found: @unchecked Sendable { var items: [Violation] = [] }
        let found = Found()
        let analyzer = TraceAnalyzer { found.items.append($0) }
        try analyzer.analyze(TraceReader(path: trace))
        analyzer.finish()
        XCTAssertEqual(found.items.map(\.rule), [.lockOrderInversion], "the violating event was flushed before the trap")
    }
}
