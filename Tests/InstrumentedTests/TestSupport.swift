#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Dispatch
import Foundation
import Instrumented
import LockGraph
import LockTrace
import TraceAnalysis
import XCTest

/// Collects the violations the live validator reports while a test runs.
final class ViolationCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [Violation] = []

    func add(_ v: Violation) { lock.lock(); items.append(v); lock.unlock() }

    var violations: [Violation] { lock.lock(); defer { lock.unlock() }; return items }

    /// Rule ids, sorted.
    var rules: [String] { violations.map(\.rule.rawValue).sorted() }
}

/// A real OS thread, named, joined with pthread_join (no sleeps); `thread`
/// for ending it early with pthread_cancel.
final class TestThread {
    private(set) var thread = pthread_t()

    private final class Box {
        let name: String
        let body: () -> Void
        init(name: String, body: @escaping () -> Void) { self.name = name; self.body = body }
    }

    init(_ name: String, _ body: @escaping () -> Void) {
        let box = Unmanaged.passRetained(Box(name: name, body: body)).toOpaque()
        let rc = pthread_create(&thread, nil, { raw in
            let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
            LockCheck.setThreadName(box.name)
            box.body()
            return nil
        }, box)
        precondition(rc == 0)
    }

    /// Waits until the thread has ended (its thread-exit has been handled).
    /// - Returns: Its exit value (`PTHREAD_CANCELED` if it was cancelled).
    @discardableResult
    func join() -> UnsafeMutableRawPointer? {
        var value: UnsafeMutableRawPointer?
        pthread_join(thread, &value)
        return value
    }

    /// Runs `body` on a new thread and waits for it.
    static func run(_ name: String, _ body: @escaping () -> Void) {
        let t = TestThread(name, body)
        t.join()
    }
}

/// Base class: a fresh violation collector per test.
class InstrumentedTestCase: XCTestCase {
    var collector = ViolationCollector()

    override func setUp() {
        super.setUp()
        LockCheck.configure(LockCheck.Options(mode: .report))
        XCTAssertTrue(LockCheck.isEnabled, "these tests need validation on (unset LOCKCHECK=off)")
        collector = ViolationCollector()
        let c = collector
        LockCheck.setViolationHandler { c.add($0) }
    }

    override func tearDown() {
        LockCheck.setViolationHandler(nil)
        super.tearDown()
    }

    /// Runs `body` in a detached task and waits for it (a semaphore).
    func runTask(_ body: @escaping @Sendable () async -> Void) {
        let done = DispatchSemaphore(value: 0)
        Task.detached {
            await body()
            done.signal()
        }
        done.wait()
    }

    /// A fresh temporary path.
    func temporaryPath(_ name: String) -> String {
        NSTemporaryDirectory() + "lockcheck-\(getpid())-\(name)-\(UInt32.random(in: 0...UInt32.max)).log"
    }

    /// The rule ids `lockcheck analyze` finds in the trace at `path`.
    func analyzedRules(_ path: String, file: StaticString = #filePath, line: UInt = #line) throws -> (rules: [String], violations: [Violation]) {
        let violations = try analyzeTrace(path)
        return (violations.map(\.rule.rawValue).sorted(), violations)
    }
}

/// The violations `lockcheck analyze` finds in the trace at `path`, in the
/// order the analyzer reports them.
/// - Complexity: O(events in the trace).
func analyzeTrace(_ path: String) throws -> [Violation] {
    let found = ViolationCollector()
    let analyzer = TraceAnalyzer { found.add($0) }
    try analyzer.analyze(TraceReader(path: path))
    analyzer.finish()
    return found.violations
}

// MARK: forked children

/// Skips the test under ThreadSanitizer, whose runtime does not support
/// fork() in a multithreaded process (die_after_fork); fork tests run in the
/// plain build.
func skipForkUnderThreadSanitizer() throws {
    try XCTSkipIf(dlsym(UnsafeMutableRawPointer(bitPattern: 0), "__tsan_init") != nil, "fork() under ThreadSanitizer")
}

/// Forks; the child runs `body` under a watchdog (`alarm(watchdogSeconds)`)
/// and exits with its result.
/// - Returns: Nil when the child exited 0, else what happened (a hang shows
///   as the watchdog's SIGALRM).
func runForkedChild(watchdogSeconds: UInt32, _ body: () -> Int32) -> String? {
    let pid = fork()
    if pid == 0 {
        alarm(watchdogSeconds)
        _exit(body())
    }
    guard pid > 0 else { return "fork failed: errno \(errno)" }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 {
        if errno != EINTR { return "waitpid failed: errno \(errno)" }
    }
    let signal = status & 0x7F
    if signal == 0 {
        let code = (status >> 8) & 0xFF
        return code == 0 ? nil : "child \(pid) exited \(code)"
    }
    if signal == SIGALRM { return "child \(pid) hung: its \(watchdogSeconds) s watchdog fired" }
    return "child \(pid) was killed by signal \(signal)"
}

// MARK: example binaries

/// What one run of an example binary did.
struct ExampleRun {
    var status: Int32
    var stdout: String
    var stderr: String

    /// The `lockcheck: [rule] …` headline lines on stderr, in order.
    var headlines: [String] {
        stderr.split(separator: "\n").filter { $0.hasPrefix("lockcheck: [") }.map(String.init)
    }

    /// The rule ids of the headlines, in order.
    var rules: [String] {
        headlines.compactMap { line in
            guard let end = line.firstIndex(of: "]") else { return nil }
            return String(line[line.index(line.startIndex, offsetBy: 12)..<end])
        }
    }
}

/// The example binary `name`, built next to the test bundle; skips the test
/// when it is not built.
func exampleBinary(_ name: String) throws -> URL {
    let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    let url = exe.deletingLastPathComponent().appendingPathComponent(name)
    guard FileManager.default.isExecutableFile(atPath: url.path) else {
        throw XCTSkip("\(name) is not built next to \(exe.path); run `swift build` first")
    }
    return url
}

/// Runs example `name` with `arguments` and waits for it: every inherited
/// `LOCKCHECK*` variable is cleared, Swift's crash-report helper is off (a
/// trap ends the child at once, no helper holding the pipe), then
/// `environment` is merged in.
/// - Parameter timeout: When set, the run goes through `timeout(1)` with
///   these arguments before the binary (for example `["60"]`); a run it
///   ends has status 124 (or the signal's).
/// - Complexity: The example's run time; its output is read whole (stderr
///   first, so both must be small).
func runExample(_ name: String, _ arguments: [String] = [], environment: [String: String],
                timeout: [String]? = nil) throws -> ExampleRun {
    let binary = try exampleBinary(name)
    let p = Process()
    if let timeout {
        p.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
        p.arguments = timeout + [binary.path] + arguments
    } else {
        p.executableURL = binary
        p.arguments = arguments
    }
    var env = ProcessInfo.processInfo.environment
    for key in env.keys where key.hasPrefix("LOCKCHECK") { env[key] = nil }
    env["SWIFT_BACKTRACE"] = "enable=no"
    env.merge(environment) { $1 }
    p.environment = env
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return ExampleRun(status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
}
