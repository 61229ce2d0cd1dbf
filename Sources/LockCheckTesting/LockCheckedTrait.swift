#if canImport(Testing)
import Testing

/// A Swift Testing trait: every lockcheck violation raised while the test
/// runs fails it, with the report as the issue's text, located at the line
/// of the project's code that took the lock.
///
/// ```swift
/// @Suite(.lockChecked) struct CacheTests {
///     @Test func evictionUnderLoad() { ... }   // fails on a violation
/// }
/// @Test(.lockChecked) func transfer() { ... }
/// ```
///
/// Which test a violation fails:
/// - raised in the test's own task tree (its body, child tasks, `async let`):
///   that test, even when tests run in parallel;
/// - raised on a thread that runs no task of a test (a Dispatch queue, a NIO
///   event loop, a plain `Thread`, a detached task): the test running now;
///   when several lock-checked tests run in parallel, each of them, with a
///   note (add `.serialized` to the suite, or run `swift test --no-parallel`,
///   for exact attribution);
/// - raised while no lock-checked test runs: printed, and the test process
///   exits with status 1 at the end, so the run fails.
///
/// A `deadlock` is printed at once and exits the process with status 1,
/// naming the test: its threads never return, so the test would hang.
/// The trait replaces lockcheck's violation action (print or trap) for the
/// whole process from the first lock-checked test on.
public struct LockCheckedTrait: TestTrait, SuiteTrait, TestScoping {
    /// On a suite, it applies to every test in it.
    public var isRecursive: Bool { true }

    public init() {}

    /// A scope for each run of a test function (each case of a parameterized
    /// one); none for a suite, whose tests get their own.
    public func scopeProvider(for test: Test, testCase: Test.Case?) -> LockCheckedTrait? {
        test.isSuite || testCase == nil ? nil : self
    }

    /// Runs `function` in a scope that collects violations, then records
    /// each one as an issue of `test`.
    /// - Complexity: O(violations) after the test; nothing on the lock path.
    public func provideScope(for test: Test, testCase: Test.Case?,
                             performing function: @Sendable () async throws -> Void) async throws {
        let collector = ViolationCollector.shared
        let scope = collector.begin(test.name)
        defer {
            for a in collector.end(scope) {
                let location = AcquisitionSite(a.violation).map {
                    SourceLocation(fileID: $0.fileID, filePath: $0.filePath, line: $0.line, column: 1)
                } ?? test.sourceLocation
                Issue.record(Comment(rawValue: ViolationCollector.failureText(a)), sourceLocation: location)
            }
        }
        try await ViolationCollector.$taskScope.withValue(scope) { try await function() }
    }
}

extension Trait where Self == LockCheckedTrait {
    /// Fails the test (or every test of the suite) on any lockcheck violation
    /// raised while it runs; see ``LockCheckedTrait``.
    public static var lockChecked: Self { LockCheckedTrait() }
}
#endif
