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

    /// A fresh temporary path.
    func temporaryPath(_ name: String) -> String {
        NSTemporaryDirectory() + "lockcheck-\(getpid())-\(name)-\(UInt32.random(in: 0...UInt32.max)).log"
    }

    /// The rule ids `lockcheck analyze` finds in the trace at `path`.
    func analyzedRules(_ path: String, file: StaticString = #filePath, line: UInt = #line) throws -> (rules: [String], violations: [Violation]) {
        let found = ViolationCollector()
        let analyzer = TraceAnalyzer { found.add($0) }
        let reader = try TraceReader(path: path)
        try analyzer.analyze(reader)
        analyzer.finish()
        return (found.rules, found.violations)
    }
}
