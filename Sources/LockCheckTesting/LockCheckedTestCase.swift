#if canImport(XCTest)
import XCTest

/// An XCTest base class: every lockcheck violation raised while one of its
/// tests runs (setUp, the test, tearDown, and any thread meanwhile) fails
/// that test, with the report as the failure's text, at the line of the
/// project's code that took the lock.
///
/// ```swift
/// final class CacheTests: LockCheckedTestCase {
///     func testEvictionUnderLoad() { ... }   // fails on a violation
/// }
/// ```
///
/// XCTest on Linux runs one test at a time, so a violation raised on any
/// thread (a Dispatch queue, a NIO event loop, a plain `Thread`) while the
/// test runs is that test's. A violation raised while no lock-checked test
/// runs is printed, and the test process exits with status 1 at the end.
/// A base class rather than a test observer: on Linux nothing registers an
/// observer before the first test (there is no principal class), and a
/// failure must be recorded before XCTest stops the test's run, which a
/// subclass's `invokeTest()` can do and an observer's `testCaseDidFinish` cannot.
open class LockCheckedTestCase: XCTestCase {
    /// Runs the test in a scope that collects violations, then records each
    /// one as a failure of this test.
    /// - Complexity: O(violations) after the test; nothing on the lock path.
    override open func invokeTest() {
        let collector = ViolationCollector.shared
        let scope = collector.begin(name)
        super.invokeTest()
        for a in collector.end(scope) {
            let site = AcquisitionSite(a.violation)
            recordFailure(withDescription: ViolationCollector.failureText(a),
                          inFile: site?.filePath ?? #filePath, atLine: site?.line ?? #line, expected: true)
        }
    }
}
#endif
