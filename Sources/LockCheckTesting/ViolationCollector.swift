#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Instrumented
import LockGraph
import LockTextReport

/// Where violations go while tests run: the one violation handler of the
/// process (``LockCheck/setViolationHandler(_:)``), installed by the first
/// lock-checked test, and the scopes of the tests running now.
///
/// Attribution, in order:
/// 1. A violation raised inside a test's task tree (the test body, and the
///    child tasks and `async let`s it starts, which inherit task-locals) goes
///    to that test's scope.
/// 2. A violation raised elsewhere (a plain thread, a Dispatch queue, an
///    event loop, a detached task) goes to every test running now: one test
///    when tests run one at a time, as XCTest does; each of them when tests
///    run in parallel, with a note saying so.
/// 3. A violation raised while no lock-checked test runs (after the last one,
///    between two) is printed at once and fails the process at exit
///    (status 1): it never passes silently.
///
/// `deadlock` is printed at once and ends the process (status 1, after a
/// line naming the test and flushing the trace): the threads of the test
/// that caused it never return, so the test would hang until CI's limit.
final class ViolationCollector: @unchecked Sendable {
    static let shared = ViolationCollector()

    /// One running test: the violations attributed to it.
    final class Scope: @unchecked Sendable {
        let name: String
        fileprivate(set) var violations: [Attributed] = []
        init(name: String) { self.name = name }
    }

    /// A violation and how it came to its test.
    struct Attributed: Sendable {
        var violation: Violation
        /// Set when raised outside the test's tasks while other tests ran too.
        var note: String?
    }

    /// The scope of the test whose task tree is running (Swift Testing).
    @TaskLocal static var taskScope: Scope?

    private let lock = PlainLock()
    private var active: [Scope] = []
    private var unattributed: [Violation] = []
    private var installed = false

    private init() {}

    /// Starts a test's scope (installing the handler on first use).
    /// - Complexity: O(1), one lock.
    func begin(_ name: String) -> Scope {
        let scope = Scope(name: name)
        let install = lock.withLock { () -> Bool in
            active.append(scope)
            defer { installed = true }
            return !installed
        }
        if install {
            LockCheck.setViolationHandler { ViolationCollector.shared.handle($0) }
            atexit { ViolationCollector.shared.failIfUnattributed() }
        }
        return scope
    }

    /// Ends a test's scope.
    /// - Returns: The violations attributed to it, in the order raised.
    /// - Complexity: O(running tests), one lock.
    func end(_ scope: Scope) -> [Attributed] {
        lock.withLock {
            active.removeAll { $0 === scope }
            return scope.violations
        }
    }

    /// The violation handler: runs on the thread that raised the violation.
    func handle(_ violation: Violation) {
        if violation.rule == .deadlock { writeStderr(Self.render(violation) + "\n") }
        let own = Self.taskScope
        let orphan = lock.withLock { () -> Bool in
            if let own {
                own.violations.append(Attributed(violation: violation, note: nil))
                return false
            }
            if active.isEmpty {
                unattributed.append(violation)
                return true
            }
            let note = active.count == 1 ? nil
                : "raised outside any test's tasks while \(active.count) lock-checked tests ran in parallel (\(active.map(\.name).joined(separator: ", "))): attributed to each of them"
            for s in active { s.violations.append(Attributed(violation: violation, note: note)) }
            return false
        }
        if orphan, violation.rule != .deadlock {
            writeStderr(Self.render(violation) + "\nlockcheck: this violation was raised while no lock-checked test was running; the test run will fail at exit\n")
        }
        if violation.rule == .deadlock { stopDeadlocked(own: own) }
    }

    /// After a `deadlock`: its threads never return, so the test that caused
    /// it never ends to record it, and the run would hang until CI's time
    /// limit. Names the test (the report is printed above), flushes the
    /// trace if one is recorded, and exits with status 1 at once. No other
    /// rule stops the process.
    private func stopDeadlocked(own: Scope?) -> Never {
        let names = own.map { [$0.name] } ?? lock.withLock { active.map(\.name) }
        let which = names.isEmpty ? "no lock-checked test was running"
            : "in lock-checked test\(names.count == 1 ? "" : "s") \(names.joined(separator: ", "))"
        writeStderr("lockcheck: deadlock \(which): the process cannot continue because its threads are deadlocked (report above); exiting with status 1\n")
        LockCheck.flushTrace()
        _exit(1)
    }

    /// At exit: status 1 when a violation had no test to fail.
    private func failIfUnattributed() {
        let count = lock.withLock { unattributed.count }
        guard count > 0 else { return }
        writeStderr("lockcheck: \(count) violation\(count == 1 ? "" : "s") raised while no lock-checked test was running (printed above); failing the test run\n")
        _exit(1)
    }

    /// The report as a test failure shows it: the text layout, no colour.
    static func render(_ violation: Violation) -> String { TextReport(color: false).render(violation) }

    /// The failure text of one attributed violation.
    static func failureText(_ a: Attributed) -> String {
        var text = render(a.violation)
        if let note = a.note { text += "\n(\(note))" }
        return text
    }

    private func writeStderr(_ text: String) {
        var text = text
        text.withUTF8 { buf in _ = write(2, buf.baseAddress, buf.count) }
    }
}
