import Foundation
import XCTest

/// `Examples/ci/lockcheck-ci.sh --self-test`, end to end: two example apps run
/// as "test processes" with `LOCKCHECK_TRACE`, one baselined violation and one
/// new, so the recipe must exit 1 and leave SARIF and JUnit behind.
///
/// The script reuses the binaries `swift test` already built (it is given
/// their directory in `LOCKCHECK_BIN_DIR`), so it builds nothing.
final class CIRecipeTests: XCTestCase {
    static let apps = ["bank-transfer", "seed-004-use-after-destroy"]

    func testSelfTestFailsOnTheNewViolationAndWritesSARIFAndJUnit() throws {
        let binDir = Lockcheck.binary.deletingLastPathComponent()
        for product in ["lockcheck"] + Self.apps {
            let path = binDir.appendingPathComponent(product).path
            guard FileManager.default.isExecutableFile(atPath: path) else {
                throw XCTSkip("\(path) is not built (swift test builds every product; swift build --build-tests does too)")
            }
        }
        let tmp = try TempDir()
        var environment = ProcessInfo.processInfo.environment
        environment["LOCKCHECK_BIN_DIR"] = binDir.path
        environment["OUT_DIR"] = tmp.url.path
        // Whatever this test process runs under must not reach the apps.
        for key in ["LOCKCHECK", "LOCKCHECK_TRACE", "LOCKCHECK_RAW_NESTING", "LOCKCHECK_PREEMPT_RT",
                    "TEST_COMMANDS", "BASELINE", "SUPPRESSIONS", "LOCKCHECK_CLI"] {
            environment[key] = nil
        }
        let r = try Tool.run("/bin/bash", [Lockcheck.path("Examples/ci/lockcheck-ci.sh"), "--self-test"],
                             environment: environment)
        XCTAssertEqual(r.status, 1, "stdout: \(r.stdout)\nstderr: \(r.stderr)")

        // One trace per test process.
        let traces = try FileManager.default.contentsOfDirectory(atPath: tmp.path("traces")).sorted()
        XCTAssertEqual(traces, ["01-bank-transfer.log", "02-seed-004-use-after-destroy.log"], r.stderr)

        // SARIF: valid JSON, both violations, only the use-after-destroy new.
        let sarifData = try Data(contentsOf: URL(fileURLWithPath: tmp.path("lockcheck.sarif")))
        let sarif = try XCTUnwrap(JSONSerialization.jsonObject(with: sarifData) as? [String: Any], r.stderr)
        XCTAssertEqual(sarif["version"] as? String, "2.1.0")
        let run = try XCTUnwrap((sarif["runs"] as? [[String: Any]])?.first)
        let results = try XCTUnwrap(run["results"] as? [[String: Any]])
        XCTAssertFalse(results.isEmpty)
        var states: [String: String] = [:]
        for result in results {
            states[result["ruleId"] as? String ?? "?"] = result["baselineState"] as? String ?? "?"
        }
        XCTAssertEqual(states, ["lock-order-inversion": "unchanged", "use-after-destroy": "new"])

        // JUnit: present, and the one failing test case is the new rule.
        let junitPath = tmp.path("lockcheck.junit.xml")
        XCTAssertTrue(FileManager.default.fileExists(atPath: junitPath))
        let junit = try String(contentsOfFile: junitPath, encoding: .utf8)
        XCTAssertTrue(junit.hasPrefix("<?xml"), junit)
        XCTAssertTrue(junit.contains("<testsuites name=\"lockcheck\" tests=\"\(SARIFOutputTests.ruleIDs.count)\" failures=\"1\""), junit)
        XCTAssertTrue(r.stderr.contains("FAILED: new lock violations"), r.stderr)
    }
}
