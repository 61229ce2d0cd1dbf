import Foundation
import XCTest

/// `lockcheck run`: unmodified programs, a C one compiled here with gcc and
/// the Foundation example `preload-nslock-abba`, run under the preload
/// library, as real processes. Each scenario has a "fires" and a "stays
/// silent" twin.
final class PreloadRunTests: XCTestCase {
    private var scratch: URL!

    override func setUpWithError() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("lockcheck-preload-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        let library = Lockcheck.binary.deletingLastPathComponent().appendingPathComponent("liblockcheck-preload.so")
        XCTAssertTrue(FileManager.default.fileExists(atPath: library.path),
                      "\(library.path) missing: build it with 'swift build --build-tests' (or --product lockcheck-preload)")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: scratch)
    }

    /// Compiles Examples/preload-pthread/abba.c (or `source`) with gcc (the program knows nothing of lockcheck).
    private func compiledPthreadProgram(_ source: String = "abba") throws -> String {
        let output = scratch.appendingPathComponent(source).path
        let gcc = Process()
        gcc.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        gcc.arguments = ["gcc", "-g", "-O0", "-rdynamic", "-o", output, Lockcheck.path("Examples/preload-pthread/\(source).c"), "-lpthread"]
        try gcc.run()
        gcc.waitUntilExit()
        XCTAssertEqual(gcc.terminationStatus, 0, "gcc failed (scripts/setup installs it)")
        return output
    }

    private var swiftProgram: String {
        Lockcheck.binary.deletingLastPathComponent().appendingPathComponent("preload-nslock-abba").path
    }

    /// Runs `lockcheck run --trace … -- command`, then `lockcheck analyze` on the trace.
    private func run(_ command: [String]) throws -> (run: CommandResult, analyzed: [String], trace: String) {
        let trace = scratch.appendingPathComponent("run.trace").path
        let result = try Lockcheck.run(["run", "--trace", trace, "--"] + command)
        let analyzed = try Lockcheck.run(["analyze", "--format", "json", trace])
        let text = (try? String(contentsOfFile: trace, encoding: .utf8)) ?? ""
        return (result, try analyzed.rules(), text)
    }

    func test_pthread_ABBA_underRun_reportsLockOrderInversionByCreationSite() throws {
        let (result, analyzed, trace) = try run([try compiledPthreadProgram()])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("counter: 2"), result.stdout)
        XCTAssertTrue(result.stderr.contains("[lock-order-inversion]"), result.stderr)
        XCTAssertTrue(result.stderr.contains("make_locks (abba.c:27)") && result.stderr.contains("make_locks (abba.c:28)"),
                      result.stderr)
        XCTAssertEqual(analyzed, ["lock-order-inversion"])
        XCTAssertTrue(trace.contains("class 0 mutex make_locks (abba.c:27)"), trace)
    }

    func test_pthread_sameOrder_condWait_recursive_static_underRun_staysSilent() throws {
        let (result, analyzed, trace) = try run([try compiledPthreadProgram(), "--fixed"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("counter: 2"), result.stdout)
        XCTAssertFalse(result.stderr.contains("lockcheck:"), result.stderr)
        XCTAssertEqual(analyzed, [])
        // Kinds from the mutex type, statically initialised locks named by their symbol.
        XCTAssertTrue(trace.contains("recursive-mutex make_locks (abba.c:34)"), trace)
        XCTAssertTrue(trace.contains("mutex counter_lock (abba"), trace)
        XCTAssertTrue(trace.contains("rwsem table (abba"), trace)
    }

    /// Two `static` mutexes (no exported symbol) first seen inside the one
    /// helper that takes them, nested, as BoringSSL nests its static locks
    /// (seen in Hummingbird's tests): two classes, keyed by their places, so
    /// no false `recursive-lock`; the twin takes them in both orders and is
    /// a `lock-order-inversion`, so the two are validated, not ignored.
    func test_staticMutexes_firstUsedInOneHelper_nested_staysSilent() throws {
        let (result, analyzed, trace) = try run([try compiledPthreadProgram("static-helper")])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("static-helper: done"), result.stdout)
        XCTAssertFalse(result.stderr.contains("lockcheck:"), result.stderr)
        XCTAssertEqual(analyzed, [])
        XCTAssertEqual(trace.components(separatedBy: "[static lock static-helper+0x").count - 1, 2, trace)
    }

    func test_staticMutexes_firstUsedInOneHelper_bothOrders_reportsLockOrderInversion() throws {
        let (result, analyzed, _) = try run([try compiledPthreadProgram("static-helper"), "--abba"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stderr.contains("[lock-order-inversion]"), result.stderr)
        XCTAssertFalse(result.stderr.contains("[recursive-lock]"), result.stderr)
        XCTAssertEqual(analyzed, ["lock-order-inversion"])
    }

    /// A thousand rounds of `a` then `b` first: after the first, each is
    /// validated by the short way (in C, in the interposer); the reverse
    /// order on the second thread still takes the long way and is reported.
    func test_pthread_ABBA_afterAThousandShortWayRounds_underRun_reportsLockOrderInversion() throws {
        let result = try Lockcheck.run(["run", "--", try compiledPthreadProgram(), "--repeat", "1000"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("counter: 1002"), result.stdout)
        XCTAssertEqual(result.stderr.components(separatedBy: "[lock-order-inversion]").count - 1, 1, result.stderr)
        XCTAssertTrue(result.stderr.contains("make_locks (abba.c:27)") && result.stderr.contains("make_locks (abba.c:28)"),
                      result.stderr)
    }

    /// Error-checking mutexes, whose unlock can fail: the C way records
    /// their release after the real unlock (a default mutex's before it);
    /// a thousand short-way rounds, then the reverse order is still reported once.
    func test_pthread_ABBA_errorCheckingMutexes_afterAThousandShortWayRounds_reportsLockOrderInversion() throws {
        let result = try Lockcheck.run(["run", "--", try compiledPthreadProgram(), "--errorcheck", "--repeat", "1000"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("counter: 1002"), result.stdout)
        XCTAssertEqual(result.stderr.components(separatedBy: "[lock-order-inversion]").count - 1, 1, result.stderr)
    }

    /// The short way's twin, with no trace (so the C way serves): a
    /// thousand rounds, a release out of order (below the top: the long
    /// way), and for error-checking mutexes an unlock of one not held, which
    /// fails (EPERM) and is not recorded. Nothing is reported.
    func test_pthread_sameOrder_outOfOrderRelease_failedUnlock_afterAThousandShortWayRounds_staysSilent() throws {
        let program = try compiledPthreadProgram()
        for extra in [[], ["--errorcheck"]] {
            let result = try Lockcheck.run(["run", "--", program, "--fixed", "--repeat", "1000"] + extra)
            XCTAssertEqual(result.status, 0, result.stderr)
            XCTAssertEqual(result.stdout, "counter: 1002\n", "\(extra)")
            XCTAssertFalse(result.stderr.contains("lockcheck:"), "\(extra): \(result.stderr)")
        }
    }

    /// While a trace is recorded the short way stands aside: every one of
    /// the thousand rounds' acquisitions and releases is in the trace.
    func test_pthread_sameOrder_aThousandRounds_recorded_traceHasEveryEvent_staysSilent() throws {
        let (result, analyzed, trace) = try run([try compiledPthreadProgram(), "--fixed", "--repeat", "1000"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("counter: 1002"), result.stdout)
        XCTAssertEqual(analyzed, [])
        let ops = trace.split(separator: "\n").map { $0.split(separator: " ") }.filter { $0.count > 3 }.map { $0[2] }
        let acquires = ops.filter { $0 == "acquire" }.count, releases = ops.filter { $0 == "release" }.count
        XCTAssertGreaterThanOrEqual(acquires, 2 * 1001, "both locks of every round")
        XCTAssertEqual(acquires, releases)
    }

    func test_NSLock_ABBA_underRun_reportsLockOrderInversionByCreationSite() throws {
        let (result, analyzed, _) = try run([swiftProgram])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stderr.contains("[lock-order-inversion]"), result.stderr)
        XCTAssertTrue(result.stderr.contains("makeAccounts() (main.swift:28)")
                      && result.stderr.contains("makeAccounts() (main.swift:29)"), result.stderr)
        XCTAssertEqual(analyzed, ["lock-order-inversion"])
    }

    func test_NSLock_sameOrder_NSRecursiveLock_NSCondition_underRun_staysSilent() throws {
        let (result, analyzed, trace) = try run([swiftProgram, "--fixed"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("balances: 100 100"), result.stdout)
        XCTAssertFalse(result.stderr.contains("lockcheck:"), result.stderr)
        XCTAssertEqual(analyzed, [])
        XCTAssertTrue(trace.contains("recursive-mutex"), "the NSRecursiveLock is validated as recursive: \(trace)")
    }

    /// Issue 18: eight threads racing on fresh generic metadata (the Swift
    /// runtime takes its pthread locks, classified by the preload, while it
    /// instantiates) while creating and nesting fresh pthread mutexes (first
    /// symbol lookups under the symbolizer's lock). A libswiftCore frame is
    /// classified with no lockcheck lock, so the runtime's locks and
    /// lockcheck's never wait for each other. Three fresh processes (fresh
    /// metadata and symbolizer each), each with a 20 s alarm as watchdog and
    /// `timeout` around it: a hang fails, never blocks the suite.
    func test_threadsRacingOnFreshGenericMetadata_whileCreatingLocks_underRun_neverHang() throws {
        let program = Lockcheck.binary.deletingLastPathComponent().appendingPathComponent("preload-metadata-stress").path
        for run in 0..<3 {
            let result = try Lockcheck.run(["run", "--", "/usr/bin/timeout", "-s", "KILL", "30", program, "40"])
            XCTAssertEqual(result.status, 0, "run \(run) (142/137: hung, ended by its watchdog): \(result.stderr)")
            XCTAssertEqual(result.stdout, "done 328\n", "run \(run)")
            XCTAssertFalse(result.stderr.contains("lockcheck: ["), "run \(run): \(result.stderr)")
        }
    }

    func test_childOfAShell_inheritsThePreload_reportsItsABBA() throws {
        let program = try compiledPthreadProgram()
        let (result, analyzed, _) = try run(["/bin/sh", "-c", "\"$0\" && echo child-done", program])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("child-done"), result.stdout)
        XCTAssertTrue(result.stderr.contains("[lock-order-inversion]"), result.stderr)
        XCTAssertEqual(analyzed, ["lock-order-inversion"])
    }

    func test_programWithoutPthreadLocks_runsAsBefore() throws {
        let result = try Lockcheck.run(["run", "--", "/bin/sh", "-c", "echo plain-output; exit 3"])
        XCTAssertEqual(result.status, 3)
        XCTAssertEqual(result.stdout, "plain-output\n")
        XCTAssertEqual(result.stderr, "")
    }

    func test_run_withoutCommand_isAUsageError() throws {
        let result = try Lockcheck.run(["run"])
        XCTAssertEqual(result.status, 2)
        XCTAssertTrue(result.stderr.contains("No command to run"), result.stderr)
    }

    func test_run_missingCommand_exits127() throws {
        let result = try Lockcheck.run(["run", "--", "/nonexistent/program"])
        XCTAssertEqual(result.status, 127)
        XCTAssertTrue(result.stderr.contains("cannot run /nonexistent/program"), result.stderr)
    }
}
