import Instrumented
import LockGraph
import LockReports
import XCTest

/// Live frames carry the source file and line of the call when the binary
/// has a line table (these tests are built with debug info), through
/// `llvm-symbolizer`, and SARIF turns such a frame into a code location.
final class SourceLineTests: InstrumentedTestCase {
    func test_report_frame_names_the_file_and_line_of_the_acquisition() throws {
        let a = CheckedMutex(name: "lines.A")
        let b = CheckedMutex(name: "lines.B")
        a.withLock { b.withLock {} }
        let line = #line + 1
        b.withLock { a.withLock {} }
        let v = try XCTUnwrap(collector.violations.first)
        let top = try XCTUnwrap(v.event.stack.first)
        XCTAssertTrue(top.hasSuffix("/SourceLineTests.swift:\(line))"), "top frame: \(top)")
        let location = try XCTUnwrap(SARIFReport.sourceLocation(ofFrame: top), "SARIF finds no location in \(top)")
        XCTAssertTrue(location.file.hasSuffix("Tests/InstrumentedTests/SourceLineTests.swift"), location.file)
        XCTAssertEqual(location.line, line)
        // The other side's stored stack (the first a -> b) is located too.
        let stored = v.chain.flatMap(\.site.stack)
        XCTAssertTrue(stored.contains { $0.contains("/SourceLineTests.swift:") }, "\(stored)")
    }
}
