import XCTest
@testable import LockCheckTesting

/// Where a test failure points: the innermost frame of the project's own
/// code with a source line, never lockcheck's wrappers. (Attribution to
/// tests is checked end to end by lockcheckTests' LockCheckTestingEndToEndTests:
/// installing the collector here would take over this test process's
/// violation handler.)
final class AcquisitionSiteTests: XCTestCase {
    func test_project_frame_with_a_line_is_the_site() {
        let site = AcquisitionSite(frame: "closure #1 () -> () in Ledger.transfer(from:to:) (/src/app/Sources/Ledger/Ledger.swift:25)")
        XCTAssertEqual(site, AcquisitionSite(filePath: "/src/app/Sources/Ledger/Ledger.swift", line: 25))
        XCTAssertEqual(site?.fileID, "Ledger/Ledger.swift")
    }

    func test_lockcheck_wrapper_frame_stays_silent() {
        XCTAssertNil(AcquisitionSite(frame: "Instrumented.CheckedExclusiveLock.withLock<A>(…) (/x/.build/checkouts/lockcheck/Sources/Instrumented/Locks/InstrumentedLock.swift:51)"))
        XCTAssertNil(AcquisitionSite(frame: "LockCheckTesting.ViolationCollector.handle(_:) (/x/Sources/LockCheckTesting/ViolationCollector.swift:80)"))
    }

    func test_frame_without_a_source_line_stays_silent() {
        for frame in ["Foundation.Thread.main() -> () + 0x19 (libFoundation.so)", "0x7f563c0ce1f5 (libc.so.6)", "?",
                      "f() (relative/path.swift:3)", "f() (/a/b.swift:notanumber)", "f() (/a/b.c:3)", ""] {
            XCTAssertNil(AcquisitionSite(frame: frame), frame)
        }
    }

    func test_the_first_project_frame_of_a_stack_wins() {
        let stack = ["0x1234 (libc.so.6)",
                     "withLock (/l/Sources/Instrumented/Locks/InstrumentedLock.swift:51)",
                     "inner() (/p/Sources/App/Inner.swift:7)",
                     "outer() (/p/Sources/App/Outer.swift:9)"]
        XCTAssertEqual(stack.lazy.compactMap(AcquisitionSite.init(frame:)).first,
                       AcquisitionSite(filePath: "/p/Sources/App/Inner.swift", line: 7))
    }
}
