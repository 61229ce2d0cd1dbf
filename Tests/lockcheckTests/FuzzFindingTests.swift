import Foundation
import XCTest

/// What the fuzz harness found, through the command line (the inputs are in
/// Fuzz/regressions; FuzzRegressionTests replays them through the library).
final class FuzzFindingTests: XCTestCase {
    /// A graph file with a byte that is not UTF-8 was "cannot read the graph
    /// file (The file isn't in the correct format.)", with no line.
    func test_graph_file_with_invalid_UTF8_names_the_line() throws {
        let r = try Lockcheck.run(["analyze", "Fuzz/regressions/graph-invalid-utf8.lcg"])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("Fuzz/regressions/graph-invalid-utf8.lcg:2: invalid UTF-8"), r.stderr)
    }
}
